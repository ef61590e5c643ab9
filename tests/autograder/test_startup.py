"""Does ``dlfs-grade`` start without loading what its command does not need?

Each case imports in a fresh interpreter: what is already imported in the test process says
nothing of a cold start.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "torch", "dlfs.reference", "dlfs.autograder.grading", "dlfs.autograder.api")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules in ``sys.modules`` after ``code`` runs in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", ["dlfs.autograder", "dlfs.autograder.cli.main"])
def test_importing_the_cli_loads_neither_numpy_nor_the_grader(module: str) -> None:
    assert _loaded_after(f"import {module}") == []


def test_the_help_lists_every_command_without_numpy() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from dlfs.autograder.cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0 and 'build-answers' in result.output, result.output\n"
    )
    assert _loaded_after(code) == []


def test_every_lazy_command_is_the_command_of_its_name() -> None:
    import click

    from dlfs.autograder.cli.main import cli

    context = click.Context(cli)
    names = cli.list_commands(context)
    assert {"grade", "batch", "data", "build-answers", "list"} <= set(names)
    for name in names:
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command) and command.name == name


def test_an_unknown_first_argument_is_what_to_grade() -> None:
    from click.testing import CliRunner

    from dlfs.autograder.cli.main import cli

    result = CliRunner().invoke(cli, ["chapter99", "--json"])
    assert result.exit_code == 2
    assert "chapter99" in result.output
