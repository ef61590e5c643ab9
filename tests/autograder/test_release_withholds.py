"""The students' copy holds nothing its policy withholds (issue 21, item 1).

Each policy's copy is written by ``release`` and then searched, every file of it (notebooks by
their cells' text, the stored answers by their keys and manifests), for every string the copy
must not hold: the answer key's solution regions in any policy, the known mistakes' code,
the hints the policy withholds, and any stored answer of a hidden check.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from dlfs.autograder.answers.store import check_key, load_mistake_names
from dlfs.autograder.course import load_course, parse_course
from dlfs.autograder.generate.exercises import generate_tree
from dlfs.autograder.generate.regions import find_regions
from dlfs.autograder.generate.release import release
from dlfs.autograder.generate.withhold import students_course_text, withheld_hints
from dlfs.autograder.grading.seeds import check_seed
from dlfs.autograder.paths import reference_root
from dlfs.autograder.probes.record import probe_modules

pytestmark = pytest.mark.xdist_group("release_withholds")  # its module fixtures, computed once

pytest.importorskip("nbformat")


def _solutions(public: list[str]) -> dict[str, str]:
    """Every solution region of the answer key, as its lines stripped and joined, except those
    too short to be anyone's (``return x``) or said in ``public`` text (a hint the policy
    shows: the region is then given away on purpose)."""
    found = {}
    root = reference_root()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for region in find_regions(source, path.relative_to(root).as_posix()):
            body = [line.strip() for line in lines[region.begin : region.end - 1]]
            text = "\n".join(b for b in body if b)
            if len(text) >= 24 and not any(text.removeprefix("return ") in p for p in public):
                found[f"{region.module}:{region.qualname}"] = text
    return found


def _mistakes_code() -> dict[str, str]:
    """The body of every known mistake written as a function (a lambda's line holds its
    description too, which the copy may say)."""
    found = {}
    for chapter in probe_modules():
        for probe in importlib.import_module(f"dlfs.autograder.probes.{chapter}").PROBES.values():
            for description, wrong in probe.mistakes.items():
                if wrong.__name__ == "<lambda>":
                    continue
                lines = inspect.getsource(wrong).splitlines()[1:]
                body = [line.strip() for line in lines if line.strip()]
                body = [b for b in body if not b.startswith(('"""', "#"))]
                if len("\n".join(body)) >= 40:
                    found[f"{probe.name}: {description[:40]}"] = "\n".join(body)
    return found


def _texts(copy: Path) -> dict[str, str]:
    """Every file of the copy as searchable text, its lines stripped."""
    texts = {}
    for path in copy.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(copy).as_posix()
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "\n".join("".join(cell["source"]) for cell in cells)
        elif path.suffix == ".npz":
            with zipfile.ZipFile(path) as archive:
                text = "\n".join(archive.namelist())
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        texts[name] = "\n".join(line.strip() for line in text.splitlines())
    return texts


@pytest.fixture(scope="module", params=["all", "no-solution", "none"])
def copy(request, tmp_path_factory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp(f"copy-{request.param}") / "dlfs-students"
    release(out, hint_policy=request.param)
    return request.param, out


def test_no_file_of_the_copy_holds_a_withheld_string(copy):
    policy, folder = copy
    course = load_course()
    stubs = "\n".join(d.decode("utf-8") for d in generate_tree(course=course).files.values())
    # a gentle hint that repeats the stub's own docstring (the formula) is no secret
    withheld = {f"hint: {h}": h for h in withheld_hints(course, policy) if h not in stubs}
    students = replace(course, hint_policy=policy)
    shown = [h for e in course.exercises for h in students.allowed_hints(e)]
    answers = _solutions(shown)
    withheld |= {f"the answer key's {name}": text for name, text in answers.items()}
    withheld |= {f"the known mistake {name}": text for name, text in _mistakes_code().items()}
    assert len(answers) > 40 and len(withheld) - len(answers) > 10
    texts = _texts(folder)
    leaks = [(what, name) for what, s in withheld.items() for name, t in texts.items() if s in t]
    assert not leaks, leaks[:10]


def test_the_copys_probes_are_the_same_without_their_mistakes(copy, monkeypatch):
    """The copy's probe modules, loaded beside this tree's (same package), declare the same
    probes with no known mistake, and the stored answers describe the mistakes instead."""
    _, folder = copy
    probes = folder / "autograder" / "probes"
    assert not (probes / "book.py").exists()
    rewritten = sorted(  # the modules the copy rewrote: the helpers first, the chapters import them
        path.stem
        for path in probes.glob("*.py")
        if path.read_text(encoding="utf-8").startswith("# The students' copy")
        and path.stem not in probe_modules()
    )
    assert "fit" in rewritten
    for name in (*rewritten, *probe_modules()):
        spec = importlib.util.spec_from_file_location(
            f"dlfs.autograder.probes.{name}", probes / f"{name}.py"
        )
        original = importlib.import_module(spec.name)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        if name in rewritten:
            continue
        theirs = module.PROBES
        assert set(theirs) == set(original.PROBES), name
        assert not [p.name for p in theirs.values() if p.mistakes], name
    names = load_mistake_names(str(folder / "autograder" / "answers" / "chapter4.npz"))
    assert any("input_ > 0" in description for description in names.values()), names


def test_the_copy_keeps_the_hints_its_policy_allows(copy):
    policy, folder = copy
    course = load_course()
    students = load_course(folder / "course.toml", reference=reference_root())
    assert students.hint_policy == policy
    for exercise, theirs in zip(course.exercises, students.exercises, strict=True):
        expected = {"all": exercise.hints, "none": ()}.get(policy, exercise.hints[:-1])
        if policy == "no-solution" and not exercise.solution_hint:
            expected = exercise.hints
        assert theirs.hints == expected, exercise.id
        assert theirs.points == exercise.points


def test_no_stored_answer_belongs_to_a_hidden_check(copy):
    _, folder = copy
    keys: dict[bool, set[str]] = {True: set(), False: set()}
    for exercise in load_course().exercises:
        for index, check in enumerate(exercise.checks):
            seed = check_seed(exercise.id, index)
            numerical = check.kind == "gradient"
            key = check_key(exercise.chapter, check.probe, check.probe_params, seed, numerical)
            keys[check.hidden].add(key)
    stored = set()
    for path in (folder / "autograder" / "answers").glob("chapter*.npz"):
        with zipfile.ZipFile(path) as archive:
            stored |= {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert len(stored) > 100 and stored <= keys[False]
    assert not stored & keys[True]


def test_a_course_file_that_cannot_be_rewritten_is_refused():
    """Hints the rewriter cannot find are an error, never a copy that keeps them."""
    course = load_course()
    text = Path(course.path).read_text(encoding="utf-8")
    hidden = text.replace("hints = [", "hints=\\\n[", 1)  # not TOML: a line break after =
    with pytest.raises(ValueError):
        students_course_text(hidden, course, "none")
    rewritten = students_course_text(text, course, "none")
    assert parse_course(rewritten).hint_policy == "none"
    assert "hints = []" in rewritten
