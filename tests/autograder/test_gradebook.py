"""Grades into the LMS: a Canvas export filled in place, Moodle's import file.

The exports are as Canvas writes them: a byte-order mark, CRLF line endings, names with
commas in quotes, the ``Points Possible`` row, read-only columns, a test student; the class
has a student without a submission and a submission without a student.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from dlfs.autograder.classroom.csvspans import read_spans
from dlfs.autograder.classroom.gradebook import fill_canvas, moodle_import, read_grades
from dlfs.autograder.cli.main import cli

EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,"
    "Chapter 2 (1201),Chapter 3 (1202),Current Score,Final Score\r\n"
    "    Points Possible,,,,,27.00,37.00,(read only),(read only)\r\n"
    '"Lovelace, Ada",101,S-0001,alovelace,"Section 1, Monday",27.00,,100.00,100.00\r\n'
    '"Hopper, Grace ""Amazing""",102,S-0002,ghopper,Section 2,25.50,,94.44,94.44\r\n'
    '"Turing, Alan",103,S-0003,aturing,Section 1,,"",,\r\n'
    '"Student, Test",999,,test_student,Section 1,,,,\r\n'
)
GRADES = (
    "student,chapter3.sigmoid_forward,total,max_score,submitted,late_hours,penalty_percent,"
    "total_after_penalty,late_note,errors\n"
    "alovelace,1,37,37,2026-10-15T20:00:00+00:00,0,0,37,,\n"
    "ghopper,1,30.5,37,2026-10-17T20:00:00+00:00,44,20,24.4,,\n"
    "ghost,0,12,37,,,,,,\n"
)


@pytest.fixture()
def files(tmp_path):
    export = tmp_path / "canvas.csv"
    export.write_bytes(EXPORT.encode("utf-8"))
    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES, encoding="utf-8")
    return export, grades, tmp_path / "import.csv"


def test_one_column_is_filled_and_every_other_byte_is_kept(files):
    export, grades, out = files
    report = fill_canvas(grades, export, out, column="Chapter 3")
    assert report.column == "Chapter 3 (1202)" and report.points_possible == 37
    assert report.filled == {"Lovelace, Ada": 37, 'Hopper, Grace "Amazing"': 24.4}
    assert report.no_student == ["ghost"]  # a submission nobody in the gradebook owns
    assert report.no_submission == ["Turing, Alan", "Student, Test"]
    assert report.penalties == {'Hopper, Grace "Amazing"': (30.5, 20.0, 24.4)}  # before, after
    written = out.read_bytes().decode("utf-8")
    expected = EXPORT.replace("27.00,,100.00", "27.00,37,100.00").replace(
        "25.50,,94.44", "25.50,24.4,94.44"
    )
    assert written == expected  # BOM, CRLF, quoting, the other columns: as they were


def test_the_filled_file_reads_as_canvas_wrote_it_but_for_the_column(files):
    export, grades, out = files
    fill_canvas(grades, export, out, column="1202")
    before = list(csv.reader(io.StringIO(EXPORT, newline="")))
    after = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert old[:6] + old[7:] == new[:6] + new[7:]


def test_a_roster_maps_submission_names_to_canvas_ids(files, tmp_path):
    export, grades, out = files
    roster = tmp_path / "roster.csv"
    roster.write_text("student,SIS User ID\nalovelace,S-0001\nghost,S-0003\n")
    report = fill_canvas(grades, export, out, column="Chapter 3 (1202)", roster=roster)
    assert report.filled == {"Lovelace, Ada": 37, "Turing, Alan": 12}
    assert report.no_student == ["ghopper"]  # not on the roster


def test_grades_can_be_scaled_to_points_possible(files):
    export, grades, out = files
    exported = EXPORT.replace("27.00,37.00,(read only)", "27.00,10,(read only)")
    export.write_bytes(exported.encode("utf-8"))
    report = fill_canvas(grades, export, out, column="Chapter 3", scale_to_points=True)
    assert report.scale == pytest.approx(10 / 37)
    assert report.filled["Lovelace, Ada"] == pytest.approx(10)


@pytest.mark.parametrize(
    ("column", "words"),
    [(None, "say which assignment column"), ("Chapter 9", "no assignment column 'Chapter 9'")],
)
def test_the_column_must_be_named_and_exist(files, column, words):
    export, grades, out = files
    with pytest.raises(ValueError, match=words):
        fill_canvas(grades, export, out, column=column)
    assert not out.exists()


def test_an_export_that_is_not_canvas_or_not_csv_is_refused(files):
    export, grades, out = files
    export.write_text("name,score\nada,1\n")
    with pytest.raises(ValueError, match="not a Canvas gradebook"):
        fill_canvas(grades, export, out)
    with pytest.raises(ValueError, match="never closed"):
        read_spans('a,"b\n')


def test_spans_read_every_kind_of_cell():
    text = '\ufeffa,"b, c","d ""e""",\r\n"line\nbreak",,x\n\n'
    rows = read_spans(text)
    assert [[c.value for c in r] for r in rows] == [
        ["\ufeffa", "b, c", 'd "e"', ""],
        ["line\nbreak", "", "x"],
        [],
    ]
    assert text[rows[0][2].start : rows[0][2].end] == '"d ""e"""'


def test_moodles_import_file_has_the_identifier_and_the_item(files, tmp_path):
    _, grades, out = files
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student,Email address\nalovelace,ada@uni.edu\nghopper,grace@uni.edu\n"
        "aturing,alan@uni.edu\n"
    )
    report = moodle_import(grades, out, "Chapter 3", roster=roster)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows == [
        ["Email address", "Chapter 3", "Feedback"],
        ["ada@uni.edu", "37", ""],
        ["grace@uni.edu", "24.4", "30.5 points, 20% off for lateness: 24.4"],
    ]
    assert report.no_student == ["ghost"] and report.no_submission == ["alan@uni.edu"]
    with pytest.raises(ValueError, match="identifies users by"):
        moodle_import(grades, out, "x", identify_by="Full name")


def test_grades_csv_read_takes_the_total_after_the_penalty(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("student,total,max_score,errors\n'=evil,3,9,\nbob,,9,no files\n")
    assert read_grades(path) == ({"=evil": 3.0, "bob": 0.0}, 9.0)
    path.write_text("name,points\n")
    with pytest.raises(ValueError, match=r"not a grades\.csv"):
        read_grades(path)


def test_the_commands_say_who_is_missing(files, tmp_path):
    export, grades, out = files
    args = ["gradebook", "canvas", str(grades), "--into", str(export), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--column", "Chapter 3"])
    assert result.exit_code == 0, result.output
    assert "2 grades in 'Chapter 3 (1202)'" in result.output
    assert "no student in the gradebook: ghost" in result.output
    assert "no submission (left as they were): Turing, Alan, Student, Test" in result.output
    assert '"Amazing": 30.5 points, 20% off for lateness: 24.4' in result.output
    data = json.loads(CliRunner().invoke(cli, [*args, "--column", "1202", "--json"]).output)
    assert data["no_student"] == ["ghost"]
    mistyped = CliRunner().invoke(cli, [*args, "--column", "Chapter 9"])
    assert mistyped.exit_code == 1 and "no assignment column" in mistyped.output
    moodle = ["gradebook", "moodle", str(grades), "--out", str(tmp_path / "m.csv")]
    result = CliRunner().invoke(cli, [*moodle, "--item", "Chapter 3", "--identify-by", "Username"])
    assert result.exit_code == 0 and "3 grades in 'Chapter 3'" in result.output
