"""The book's experiments, rerun with the reference: ``python -m dlfs.reference.experiments``.

Each chapter is a module (``chapter2`` … ``chapter7``) with a function
``run(out_dir: Path, quick: bool = False) -> list[ExperimentResult]`` that trains the book's
models on the real data, saves its plots under ``out_dir`` and returns one result per row of
the book's table (``../shared/BOOK_RESULTS.md``).
"""

from .common import ExperimentResult, format_table

__all__ = ["ExperimentResult", "format_table"]
