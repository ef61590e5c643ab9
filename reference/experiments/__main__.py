"""``python -m dlfs.reference.experiments chapter4 [--out DIR] [--quick] [--json]``."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import click

from .common import format_table

CHAPTERS = ("chapter2", "chapter3", "chapter4", "chapter5", "chapter6", "chapter7")


@click.command()
@click.argument("chapters", nargs=-1, type=click.Choice([*CHAPTERS, "all"]), required=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("experiments_out"),
    show_default=True,
    help="Where the plots go.",
)
@click.option("--quick", is_flag=True, help="Fewer epochs: a smoke run, not the book's.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def main(chapters: tuple[str, ...], out_dir: Path, quick: bool, as_json: bool) -> None:
    """Rerun the book's experiments and print the book's figures beside ours."""
    names = CHAPTERS if "all" in chapters else chapters
    results = []
    for name in names:
        module = importlib.import_module(f"{__package__}.{name}")
        results.extend(module.run(out_dir / name, quick=quick))
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        click.echo(format_table(results, quick=quick))
        click.echo(f"\nplots in {out_dir}/")


if __name__ == "__main__":
    sys.exit(main())
