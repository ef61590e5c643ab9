"""One notebook per chapter, generated from the reference and course.toml.

Each notebook has a set-up cell (the imports the learner's cells need), then for each
exercise, in course order: a short markdown introduction, a code cell with the function or
class the learner completes (its solution regions stubbed) and a check cell under it,
``check("chapter1.sigmoid")``, which prints the same feedback as ``dlfs-grade`` and records
progress (:mod:`dlfs.autograder.notebook`).

The learner's notebooks live in ``exercises/notebooks/chapterN.ipynb``: they are part of the
generated exercises tree (``dlfs-grade build`` writes them, its drift check compares them).
With ``nbgrader=True`` the same builder makes the instructor's nbgrader source notebook:
solution cells keep the reference's marked regions, check cells become autograded test cells
worth the exercise's points, with a hidden-tests part (see :mod:`..notebook.publish`).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nbformat

from ..course import Chapter, Course, Exercise, Target, load_course
from ..paths import reference_root
from .regions import Region, find_regions, stub_source

__all__ = [
    "NOTEBOOK_DIR",
    "chapter_notebook",
    "module_marker",
    "notebook_bytes",
    "notebook_files",
]

NOTEBOOK_DIR = PurePosixPath("notebooks")
"""Where the learner's notebooks sit in the exercises tree."""

_RENAME = re.compile(r"\bdlfs\.reference\b")
_LEARNER_PACKAGE = "dlfs.exercises"
_KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class _Definition:
    """A top-level function or class of a reference module."""

    module: str
    name: str
    source: str  # with its solution regions, markers included
    used: frozenset[str]  # the names its code reads


@dataclass
class _Module:
    """What a reference module defines at top level, and how to import each name."""

    definitions: dict[str, _Definition]
    bindings: dict[str, tuple[str | None, str, str]]  # name -> (from-module, name, asname)


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module of an import in ``module``, inside the learner's package."""
    name = node.module or ""
    if node.level:
        package = module.split(".")[: -node.level]
        return ".".join([_LEARNER_PACKAGE, *package, *([name] if name else [])])
    return _RENAME.sub(_LEARNER_PACKAGE, name)


def _read_module(reference: Path, module: str) -> _Module:
    relpath = PurePosixPath(*module.split(".")).with_suffix(".py")
    source = (reference / relpath).read_text(encoding="utf-8")
    regions = find_regions(source, relpath)
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    definitions: dict[str, _Definition] = {}
    bindings: dict[str, tuple[str | None, str, str]] = {}
    own = f"{_LEARNER_PACKAGE}.{module}"
    starts = [n.lineno for n in tree.body] + [len(lines) + 1]
    for node, next_start in zip(tree.body, starts[1:], strict=True):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                bindings[bound] = (None, _RENAME.sub(_LEARNER_PACKAGE, alias.name), alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for alias in node.names:
                bound = alias.asname or alias.name
                bindings[bound] = (_absolute(module, node), alias.name, alias.asname or "")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            inside = [r.end for r in regions if first <= r.begin < next_start]
            last = max([node.end_lineno, *inside])
            used = frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
            text = "".join(lines[first - 1 : last])
            definitions[node.name] = _Definition(module, node.name, text, used)
            bindings[node.name] = (own, node.name, "")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    bindings[target.id] = (own, target.id, "")
    return _Module(definitions, bindings)


def _imports(needed: list[tuple[str | None, str, str]]) -> str:
    """Import statements for ``needed`` bindings: plain imports first, then grouped froms."""
    plain = []
    froms: dict[str, list[str]] = {}
    for source, name, asname in needed:
        if source is None:
            line = f"import {name} as {asname}" if asname else f"import {name}"
            if line not in plain:
                plain.append(line)
        else:
            entry = f"{name} as {asname}" if asname else name
            names = froms.setdefault(source, [])
            if entry not in names:
                names.append(entry)

    def from_line(module: str) -> str:
        return f"from {module} import {', '.join(sorted(froms[module]))}"

    def order(line: str) -> tuple[bool, bool, str]:
        module = line.split()[1]
        return module.split(".")[0] not in sys.stdlib_module_names, line.startswith("from"), line

    outside = [from_line(m) for m in froms if not m.startswith(_LEARNER_PACKAGE)]
    inside = sorted(from_line(m) for m in froms if m.startswith(_LEARNER_PACKAGE))
    lines = ["from __future__ import annotations", ""]
    for line in sorted(plain + outside, key=order):
        if lines[-1] and order(line)[0] and not order(lines[-1])[0]:
            lines.append("")  # third-party imports after the standard library's
        lines.append(line)
    lines += ["", "from dlfs.autograder.notebook import check, hint", *inside]
    return "\n".join(lines)


def _cell(kind: str, source: str, cell_id: str, nbgrader: dict | None = None):
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source.rstrip("\n"))
    cell["id"] = cell_id
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **nbgrader}
        if nbgrader.get("locked"):
            cell["metadata"]["deletable"] = False
            cell["metadata"]["editable"] = False
    return cell


def _points(value: float) -> str:
    return f"{value:g} point{'' if value == 1 else 's'}"


def _intro(exercise: Exercise, emitted_before: bool, reused: set[str]) -> str:
    names = ", ".join(f"`{t.qualname}`" for t in exercise.targets)
    where = "in the cell above" if emitted_before else "in the cell below"
    text = [f"## {exercise.title}", "", f"*`{exercise.id}` — {_points(exercise.points)}*", ""]
    if exercise.description:
        text += [exercise.description.strip(), ""]
    text.append(
        f"Write the body of {names} {where}, in place of `# YOUR CODE HERE` and the "
        "`raise NotImplementedError`; its docstring gives the formula and the shapes. Run the "
        f'cell, then the check under it. Stuck? `hint("{exercise.id}")` in a cell (or '
        f"`dlfs-grade hint {exercise.id}` in a terminal) reveals a hint, gentle first."
    )
    for top in sorted({t.qualname.split(".")[0] for t in exercise.targets} & reused):
        text += [
            "",
            f"*The book gives two functions the name `{top}`, and so does this notebook: each "
            "cell's first line names its file, and each check grades the one of its own file, "
            "whichever ran last. Keep that line.*",
        ]
    return "\n".join(text)


def module_marker(module: str) -> str:
    """The first line of a definition's cell: the exercises file it belongs to (which
    :func:`~..notebook.source.collect_definitions` reads, so that two chapters' functions of one
    name are told apart whichever cell ran last)."""
    return f"# exercises/{module.replace('.', '/')}.py"


def _borrowed(name: str, owner: str) -> str:
    chapter = owner.split(".")[0].removeprefix("chapter")
    return "\n".join(
        [
            f"## From chapter {chapter}: `{name}`",
            "",
            f"*The code below calls `{name}`, chapter {chapter}'s exercise `{owner}`. This "
            "notebook defines it itself, in the next cell: write it again, or paste your "
            f"chapter {chapter} version, and run the cell before the checks that need it. "
            f'`check("{owner}")` is in chapter {chapter}\'s notebook.*',
        ]
    )


def _check_source(exercise: Exercise, nbgrader: bool) -> str:
    """A check cell. In nbgrader's version no hidden-test block is needed: dlfs's
    ``RegradeTestCells`` runs the hidden checks itself, and ``check()`` runs them wherever the
    answer key is installed (so the block's checksum warnings and leaks never arise)."""
    if not nbgrader:
        return f'check("{exercise.id}")'
    hidden = sum(c.points for c in exercise.checks if c.hidden)
    note = f" ({_points(hidden)} of them in hidden checks, run when graded)" if hidden else ""
    return "\n".join(
        [
            f"# Checks {exercise.id}: {_points(exercise.points)}{note}. Run it after your cell.",
            "from dlfs.autograder.notebook import check",
            "",
            f'check("{exercise.id}")',
        ]
    )


def _header(chapter: Chapter, nbgrader: bool) -> str:
    origin = (
        ""
        if nbgrader
        else " Generated by `dlfs-grade build` from the answer key: a rebuild overwrites it "
        "(the old file goes to your dlfs backups)."
    )
    return "\n".join(
        [
            f"# Chapter {chapter.number}: {chapter.title}",
            "",
            f"Exercises of *Deep Learning from Scratch* (Weidman, 2019).{origin}",
            "",
            "Run the first cell once. For each exercise, complete the code cell and run it, "
            "then run the check under it: it grades your code in a separate process with the "
            f"same checks as `dlfs-grade {chapter.name}` and prints what is right and what is "
            "wrong. Code outside the marked bodies is not graded.",
        ]
    )


def chapter_notebook(
    chapter: str,
    course: Course | None = None,
    reference: Path | None = None,
    nbgrader: bool = False,
) -> nbformat.NotebookNode:
    """The notebook of one chapter.

    Args:
        chapter: ``"chapter3"`` (or ``"3"``).
        course: by default :func:`~dlfs.autograder.course.load_course`.
        reference: the answer key's folder (default: the installed ``dlfs.reference``).
        nbgrader: the instructor's nbgrader source version (solutions kept, with nbgrader's
            markers; autograded test cells) instead of the learner's (stubs).
    Raises:
        ValueError: for an unknown chapter.
    """
    course = course or load_course()
    name = chapter if chapter.startswith("chapter") else f"chapter{chapter}"
    chapter_ = course.chapter(name)
    builder = _Builder(course, reference or reference_root(), nbgrader, chapter_.number)
    body = [
        cell for exercise in chapter_.exercises for cell in builder.exercise(chapter_, exercise)
    ]
    cells = [_cell("markdown", _header(chapter_, nbgrader), "intro", _locked(nbgrader, "intro"))]
    cells.append(_cell("code", _imports(builder.needed), "setup", _locked(nbgrader, "setup")))
    notebook = nbformat.v4.new_notebook(cells=cells + body)
    notebook.metadata = {"kernelspec": dict(_KERNEL), "language_info": {"name": "python"}}
    return notebook


class _Builder:
    """The cells of a chapter's exercises, each definition emitted once, and the names the
    set-up cell must import."""

    def __init__(self, course: Course, reference: Path, nbgrader: bool, chapter: int) -> None:
        self.reference, self.nbgrader, self.chapter = reference, nbgrader, chapter
        self.ids = {t: e.id for e in course.exercises for t in e.targets}
        self.pieces = {(t.module, t.qualname.split(".")[0]): i for t, i in self.ids.items()}
        self.modules: dict[str, _Module] = {}
        self.emitted: set[tuple[str, str]] = set()
        self.names_defined: set[str] = set()
        self.needed: list[tuple[str | None, str, str]] = []

    def exercise(self, chapter: Chapter, exercise: Exercise) -> list[nbformat.NotebookNode]:
        """The exercise's introduction, the code cells of its new definitions, its check."""
        tops = [(t.module, t.qualname.split(".")[0]) for e in chapter.exercises for t in e.targets]
        reused = {top for _, top in set(tops) if sum(1 for m, t in set(tops) if t == top) > 1}
        new: list[tuple[str, str]] = []
        for target in exercise.targets:
            if target.module not in self.modules:
                self.modules[target.module] = _read_module(self.reference, target.module)
            key = (target.module, target.qualname.split(".")[0])
            if key not in self.emitted and key not in new:
                new.append(key)
        intro_id = f"{exercise.name}-intro"
        cells = [
            _cell(
                "markdown",
                _intro(exercise, not new, reused),
                intro_id,
                _locked(self.nbgrader, intro_id),
            )
        ]
        cells += [cell for module_name, top in new for cell in self.definition(module_name, top)]
        cells.append(self.check(exercise))
        return cells

    def definition(self, module_name: str, top: str) -> list[nbformat.NotebookNode]:
        """The code cell of one top-level definition (stubbed for learners), its first line
        naming its module (two chapters' functions may share a name), after the cells of
        earlier chapters' pieces it calls."""
        cells = self.borrowed(module_name, top)
        self.emitted.add((module_name, top))
        definition = self.modules[module_name].definitions[top]
        self.names_defined.add(top)
        source = definition.source
        if not self.nbgrader:
            regions = find_regions(definition.source)
            source = stub_source(definition.source, regions, _namer(self.ids, module_name))
        source = f"{module_marker(module_name)}\n" + _RENAME.sub(_LEARNER_PACKAGE, source)
        grade_id = f"code-{module_name.replace('.', '_')}-{top}"
        meta = None
        if self.nbgrader:
            meta = {"grade": False, "solution": True, "locked": False, "grade_id": grade_id}
        for used in sorted(definition.used - self.names_defined):  # defined above: no import
            binding = self.modules[module_name].bindings.get(used)
            if binding is not None and binding not in self.needed:
                self.needed.append(binding)
        return [*cells, _cell("code", source, grade_id, meta)]

    def borrowed(self, module_name: str, top: str) -> list[nbformat.NotebookNode]:
        """Cells for the exercise pieces of earlier chapters that a definition calls: defined
        in this notebook (stubbed), never imported from the package, where the learner who
        did them in their own notebook still has the stub."""
        cells: list[nbformat.NotebookNode] = []
        used = self.modules[module_name].definitions[top].used - self.names_defined
        for name in sorted(used):
            binding = self.modules[module_name].bindings.get(name)
            if binding is None or binding[0] is None or binding[2] not in ("", name):
                continue
            module = binding[0].removeprefix(f"{_LEARNER_PACKAGE}.")
            owner = self.pieces.get((module, binding[1]))
            if owner is None or int(owner.split(".")[0][len("chapter") :]) >= self.chapter:
                continue
            if module not in self.modules:
                self.modules[module] = _read_module(self.reference, module)
            cell_id = f"borrowed-{module.replace('.', '_')}-{binding[1]}"
            cells.append(
                _cell("markdown", _borrowed(name, owner), cell_id, _locked(self.nbgrader, cell_id))
            )
            cells += self.definition(module, binding[1])
        return cells

    def check(self, exercise: Exercise) -> nbformat.NotebookNode:
        """The check cell under an exercise (an autograded test cell for nbgrader)."""
        check_id = f"check-{exercise.name}"
        meta = None
        if self.nbgrader:
            meta = {
                "grade": True,
                "solution": False,
                "locked": True,
                "points": float(exercise.points),
                "grade_id": check_id,
            }
        return _cell("code", _check_source(exercise, self.nbgrader), check_id, meta)


def _namer(ids: Mapping[Target, str], module: str) -> Callable[[Region], str]:
    """Names the exercise of a region of ``module`` (its target when no exercise claims it)."""

    def name(region: Region) -> str:
        return ids.get(Target(module, region.qualname), f"{module}:{region.qualname}")

    return name


def _locked(nbgrader: bool, grade_id: str) -> dict | None:
    if not nbgrader:
        return None
    return {"grade": False, "solution": False, "locked": True, "grade_id": grade_id}


def notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    """The notebook as committed: nbformat's JSON, one trailing newline."""
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")


def notebook_files(
    course: Course | None = None, reference: Path | None = None
) -> dict[PurePosixPath, bytes]:
    """Every chapter's learner notebook: ``notebooks/chapterN.ipynb`` -> its bytes."""
    course = course or load_course()
    return {
        NOTEBOOK_DIR / f"{chapter.name}.ipynb": notebook_bytes(
            chapter_notebook(chapter.name, course, reference)
        )
        for chapter in course.chapters
        if chapter.exercises
    }
