"""Common wrong answers and item analysis on generated classes, and the mismatch facts they read."""

from __future__ import annotations

import json

import numpy as np

from classes import EXPECTED, check, planted_class, report, tensor, verdict_for
from grader.batch.analysis import analysis, item_analysis, wrong_answers
from grader.judging.compare import compare
from grader.reporting.report import Report


def test_three_planted_wrong_answers_make_three_groups_of_the_right_sizes():
    reports, planted = planted_class()
    groups = wrong_answers(reports)["plant.perm"]
    assert [g.size for g in groups] == [7, 4, 2, 1]
    for group in groups:
        assert len({planted[s] for s in group.students}) == 1, group
    permuted, off_by_one, raises, noise = groups
    assert {planted[s] for s in permuted.students} == {"permuted"}
    assert "permuted (0, 2, 3, 1)" in permuted.label and "shape" in permuted.label
    assert {planted[s] for s in off_by_one.students} == {"off_by_one"}
    assert "120 of 120 elements wrong" in off_by_one.label
    assert "raises IndexError" in raises.label and "IndexError" in raises.example


def test_groups_do_not_read_message_text():
    """Two students with the same facts but different messages are one group; the same
    message with different facts is two."""
    facts = {"kind": "values", "what": "values", "fingerprint": "abc"}
    same = [report(s, [check("m.c", False, f"message {s}", facts)]) for s in ("a", "b")]
    other = report("c", [check("m.c", False, "message a", {**facts, "fingerprint": "def"})])
    assert [g.size for g in wrong_answers([*same, other])["m.c"]] == [2, 1]


def test_groups_split_by_reason_when_the_lead_adds_it():
    a, b = (report(s, [check("m.c", False, "killed", {"kind": "killed"})]) for s in "ab")
    b.checks[0].reason = "memory"
    assert len(wrong_answers([a, b])["m.c"]) == 2


def test_same_wrong_values_up_to_rounding_share_a_fingerprint_and_different_ones_do_not():
    _, first = verdict_for(EXPECTED + 1)
    _, again = verdict_for(EXPECTED + 1 + 1e-7)
    _, other = verdict_for(EXPECTED + 2)
    assert first["fingerprint"] == again["fingerprint"] != other["fingerprint"]


def test_permutation_is_found_for_square_axes_too():
    square = np.arange(16, dtype=np.float32).reshape(4, 4)
    verdict = compare(tensor(square), tensor(square.T.copy()))
    assert verdict.facts["kind"] == "values" and verdict.facts["permutation"] == [1, 0]
    verdict = compare(tensor(square), tensor(square + 1))
    assert "permutation" not in verdict.facts


def test_item_analysis_flags_broken_trivial_and_impossible_checks_and_no_ordinary_one():
    reports, _ = planted_class()
    items = {i.check: i for i in item_analysis(reports)}
    assert items["plant.broken"].point_biserial < -0.5 and items["plant.broken"].discrimination < 0
    assert "passing it goes with a lower score on the rest" in items["plant.broken"].flags
    assert items["plant.easy"].flags == ["everyone passes"] and items["plant.easy"].pass_rate == 1
    assert items["plant.impossible"].flags == ["nobody passes"]
    assert items["plant.perm"].flags == []
    ordinary = [i for cid, i in items.items() if cid.startswith("basic.")]
    assert all(not i.flags and i.point_biserial > 0 for i in ordinary), ordinary


def test_ungradable_submissions_are_left_out_of_the_analysis():
    reports, _ = planted_class(n=20)
    broken = report("zz", [check("plant.easy", False, "not gradable", {"kind": "exit"})])
    broken.status = "error"
    items = {i.check: i for i in item_analysis([*reports, broken])}
    assert items["plant.easy"].students == 20 and items["plant.easy"].pass_rate == 1


def test_mismatch_survives_the_json_report_and_the_analysis_is_json():
    reports, _ = planted_class(n=20)
    again = [Report.from_dict(json.loads(json.dumps(r.to_dict()))) for r in reports]
    assert [c.mismatch for r in again for c in r.checks] == [c.mismatch for r in reports for c in r.checks]
    assert json.loads(json.dumps(analysis(again))) == json.loads(json.dumps(analysis(reports)))
