"""LMS exports: Canvas's documented gradebook columns, Moodle's identifier + grade, the
roster's misses listed both ways, formula cells neutralised in every CSV written."""

from __future__ import annotations

import csv
import io

import pytest

from grader.batch.lms import CANVAS_COLUMNS, Grade, RosterError, read_roster, write
from grader.batch.spreadsheet import csv_text, safe_cell

ROSTER = """submission,Student,ID,SIS User ID,SIS Login ID,Section,email
alice,"Liddell, Alice",1001,S-1,aliddell,Group A,alice@example.org
bob,"Builder, Bob",1002,S-2,bbuilder,Group B,bob@example.org
carol,"=HYPERLINK(""http://evil"")",1003,S-3,cdanvers,Group A,carol@example.org
"""
GRADES = [Grade("alice", 9.5, 10), Grade("carol", 4, 10), Grade("zed", 7, 10)]


def rows_of(path):
    return list(csv.reader(io.StringIO(path.read_text())))


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return read_roster(path)


def test_canvas_csv_has_the_documented_columns_and_the_rosters_ids(roster, tmp_path):
    misses = write("canvas", roster, GRADES, "Module 2 (4242)", tmp_path / "canvas.csv")
    rows = rows_of(tmp_path / "canvas.csv")
    assert rows[0] == [*CANVAS_COLUMNS, "Module 2 (4242)"]
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible" and rows[1][-1] == "10"
    by_login = {r[3]: r for r in rows[2:]}
    assert by_login["aliddell"] == ["Liddell, Alice", "1001", "S-1", "aliddell", "Group A", "9.5"]
    assert by_login["bbuilder"][-1] == ""  # in the roster, no submission: kept, with no grade
    assert by_login["cdanvers"][0].startswith("'=")  # a formula in a name is text
    assert ["zed", "", "", "", "", "7"] in rows  # handed in, not in the roster: kept
    assert misses == {"without_submission": ["bob"], "not_in_roster": ["zed"]}


def test_moodle_csv_has_an_identifier_and_a_grade_column(roster, tmp_path):
    write("moodle", roster, GRADES, "Module 2", tmp_path / "moodle.csv")
    assert rows_of(tmp_path / "moodle.csv") == [["email", "Module 2"], ["alice@example.org", "9.5"],
                                                 ["bob@example.org", ""], ["carol@example.org", "4"], ["zed", "7"]]


def test_moodle_needs_an_identifier_column(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("submission,Student\nalice,Alice\n")
    with pytest.raises(RosterError, match="email, idnumber, username"):
        write("moodle", read_roster(path), GRADES, "Module 2", tmp_path / "out.csv")


@pytest.mark.parametrize("text, message", [
    ("Student,ID\nAlice,1\n", "no 'submission' column"),
    ("submission,ID\nalice,1\nalice,2\n", "lists submission 'alice' twice"),
    ("submission,ID\n\"alice,1\n", "not a readable CSV"),
])
def test_bad_rosters_get_a_clear_message(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_a_missing_roster_is_a_clear_message(tmp_path):
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "nope.csv")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_quoted(cell):
    assert safe_cell(cell) == "'" + cell
    assert next(csv.reader(io.StringIO(csv_text([[cell]]))))[0] == "'" + cell


def test_numbers_and_plain_text_are_left_alone():
    assert [safe_cell(v) for v in (-1.5, 3, "alice", "")] == [-1.5, 3, "alice", ""]
