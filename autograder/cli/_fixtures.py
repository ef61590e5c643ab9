"""``dlfs-grade build --fixtures``: store the known answers of the public checks.

Called by the ``build`` command; students' copies without the reference grade their public
checks against these files (``dlfs.autograder.fixtures``).
"""

from __future__ import annotations

import sys
import tempfile

from ..course import CourseError
from ..fixtures import build_fixtures, compare_fixtures, fixtures_dir
from ._console import abort, echo_json, make_console

__all__ = ["build_fixtures_command"]


def build_fixtures_command(check: bool, as_json: bool) -> None:
    """Write ``autograder/fixtures/chapterN.npz``; with ``check``, compare and exit 1 on drift."""
    console = make_console()
    try:
        if check:
            with tempfile.TemporaryDirectory(prefix="dlfs-fixtures-") as fresh:
                report = build_fixtures(out_dir=fresh)
                drift = compare_fixtures(fixtures_dir(), fresh)
            for chapter in report.skipped:  # not built here: not compared either
                drift = [d for d in drift if not d.startswith(f"{chapter}.npz")]
        else:
            report = build_fixtures()
    except (CourseError, ValueError, OSError) as error:
        raise abort(error) from None
    if check:
        if as_json:
            echo_json({"drift": drift, "skipped": report.skipped})
        elif drift:
            for line in drift:
                console.print(line, markup=False)
            console.print("they differ from a fresh build: run `dlfs-grade build --fixtures`")
        else:
            console.print(f"{fixtures_dir()} is up to date.", markup=False)
        sys.exit(1 if drift else 0)
    if as_json:
        echo_json(report.to_dict())
        return
    console.print(
        f"{report.checks} public checks' answers in {len(report.files)} files "
        f"({report.bytes / 1024:.0f} KiB) in {fixtures_dir()}",
        markup=False,
    )
    for chapter, why in report.skipped.items():
        console.print(f"warning: {chapter} skipped: {why}", markup=False)
