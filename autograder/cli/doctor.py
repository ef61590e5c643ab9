"""``dlfs-grade doctor``: what this machine gives the grader, for an instructor to check."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys

import click

from .output import Failure, abort, echo_json, make_console, make_table, print_table

__all__ = ["doctor", "refuse_without_isolation"]


def _facts() -> dict[str, object]:
    # start-up time: the sandbox's fork server is started only when asked
    from ..sandbox import isolation

    status = isolation()
    return {
        "platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": sys.version.split()[0],
        "user": "root" if os.geteuid() == 0 else f"uid {os.geteuid()}",
        "isolation": status.available,
        "isolation_detail": status.describe(),
        **status.details(),
        "pytorch": _pytorch(),
        "data_sets": _data_sets(),
    }


_CONFINEMENT = ("limits", "folder", "calls")
"""What else confines a worker, besides its namespaces (see ``sandbox.Isolation.details``)."""


def _pytorch() -> str:
    """PyTorch's version, or what chapter 7 needs where it is missing."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return 'not installed: chapter 7 needs it (pip install -e ".[torch]")'


def _data_sets() -> dict[str, str]:
    """Each data set's state in the data directory: verified (every file there, its SHA-256
    right), missing, partial or corrupt."""
    # start-up time: the data sets' registry is read only when asked
    from dlfs.datasets import data_dir, dataset_names, dataset_status

    found = {}
    for name in dataset_names():
        try:
            found[name] = dataset_status(name, data_dir()).status
        except (OSError, ValueError) as error:
            found[name] = f"unreadable: {error}"
    return found


def _data_folder() -> str:
    # start-up time: the data sets' registry is read only when asked
    from dlfs.datasets import data_dir

    return str(data_dir())


def refuse_without_isolation() -> None:
    """End the command (exit 1) where workers cannot be isolated."""
    facts = _facts()
    if not facts["isolation"]:
        raise abort(
            RuntimeError(
                f"workers cannot be isolated here: {facts['isolation_detail']}; "
                "see `dlfs-grade doctor`"
            )
        )


@click.command("doctor", short_help="What this machine gives the grader (isolation).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def doctor(as_json: bool) -> None:
    """Check what this machine gives the grader: whether each worker can run isolated from
    the grader, from the other workers and from the files it must not see (namespaces and a
    root of its own), and what bounds it: a cgroup (memory and processes of all it starts)
    or per-process limits, a folder of bounded size, kernel keyrings and new processes
    refused; which data sets the training checks find, and PyTorch (chapter 7).

    Without isolation a submission's code runs with the grader's rights: grading a class
    is then not tamper-proof (batch, Gradescope and nbgrader say so in every report). Exit
    code 1 when workers cannot be isolated.
    """
    facts = _facts()
    if as_json:
        echo_json(facts)
    else:
        console = make_console()
        table = make_table(console, "", "")
        table.show_header = False
        for key in ("platform", "python", "user", "isolation_detail", *_CONFINEMENT, "pytorch"):
            table.add_row(key.replace("_detail", ""), str(facts[key]))
        data = facts["data_sets"]
        assert isinstance(data, dict)
        folder = _data_folder()
        table.add_row(
            "data sets", f"in {folder}: " + ", ".join(f"{k} {v}" for k, v in data.items())
        )
        print_table(console, table)
    if not facts["isolation"]:
        raise Failure()
