"""What a class's grading writes: the CSV and the class report, from the students' results.

``batch`` (a whole class on one machine) and ``merge`` (a class graded in shards) both end
here, so that the files a merge writes are exactly those one ``batch`` run would write.
"""

from __future__ import annotations

from pathlib import Path

from .batch import ClassReport, write_csv

__all__ = ["write_class"]


def write_class(
    report: ClassReport, csv_path: Path | None = None, report_dir: Path | None = None
) -> tuple[Path | None, Path | None]:
    """Write the grades' CSV to ``csv_path`` and the class report into ``report_dir`` (each
    when given); returns their paths (the report's ``index.html``)."""
    written = write_csv(report, csv_path) if csv_path is not None else None
    page = None
    if report_dir is not None:
        from .report import write_report  # start-up time: matplotlib, on use only

        page = write_report(report, report_dir)
    return written, page
