"""One real batch, end to end: what the class report, the analysis and the LMS export say
about three graded students and a roster that does not quite match them."""

from __future__ import annotations

import csv
import io
import json

from test_batch import MUTANT, PARTIAL, batch, student

ROSTER = """submission,Student,ID,SIS User ID,SIS Login ID,Section
alice,"Liddell, Alice",1001,S-1,aliddell,A
bob,"Builder, Bob",1002,S-2,bbuilder,A
dave,"Dent, Dave",1004,S-4,ddent,B
"""


def test_a_batch_writes_the_class_report_analysis_and_canvas_grades(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    student(subs, "bob", PARTIAL)
    student(subs, "carol", PARTIAL)
    (tmp_path / "roster.csv").write_text(ROSTER)
    out = tmp_path / "out"
    done = batch(subs, out, "--similarity", "--roster", str(tmp_path / "roster.csv"), "--lms-column", "Module 2 (77)")
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    lost = next(iter(MUTANT["lost"]))
    groups = summary["analysis"]["wrong_answers"][f"tensors.{lost}"]
    assert [(g["size"], sorted(g["students"])) for g in groups] == [(2, ["bob", "carol"])]
    assert groups[0]["label"].startswith("dtype")
    items = {i["check"]: i for i in summary["analysis"]["items"]}
    assert items[f"tensors.{lost}"]["pass_rate"] == round(1 / 3, 4)
    feedback = json.loads((out / "feedback" / "bob.json").read_text())
    failed = [c for m in feedback["modules"] for c in m["checks"] if c["status"] == "failed"]
    assert failed and failed[0]["mismatch"]["kind"] == "dtype"
    assert summary["lms"] == {"file": "grades-canvas.csv", "lms": "canvas", "without_submission": ["dave"],
                              "not_in_roster": ["carol"]}
    rows = list(csv.reader(io.StringIO((out / "grades-canvas.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Module 2 (77)"]
    assert [r[1] for r in rows[2:5]] == ["1001", "1002", "1004"] and rows[4][-1] == ""
    assert rows[5][0] == "carol"
    assert "in the roster without a submission: dave" in done.stdout
    pairs = summary["similarity"]
    assert {pairs[0]["a"], pairs[0]["b"]} == {"bob", "carol"} and pairs[0]["score"] > 0.9
    page = (out / "report.html").read_text()
    assert 'href="feedback/carol.md"' in page and "Similar submissions" in page


def test_a_bad_roster_is_a_usage_error_before_any_grading(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    (tmp_path / "roster.csv").write_text("name,id\nAlice,1\n")
    done = batch(subs, tmp_path / "out", "--roster", str(tmp_path / "roster.csv"))
    assert done.returncode == 2 and "no 'submission' column" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out" / "gradebook.sqlite").exists()
