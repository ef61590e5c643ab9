"""Tests for the solution regions, the exercises generator, its drift check and reset."""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from dlfs.autograder.course import Target, load_course, parse_course
from dlfs.autograder.generate.exercises import (
    Drift,
    build_exercises,
    check_exercises,
    generate_tree,
    reset_exercise,
)
from dlfs.autograder.generate.regions import RegionError, find_regions, stub_source
from dlfs.autograder.paths import exercises_root, reference_root

MODULE = textwrap.dedent(
    '''\
    """A module. ### BEGIN SOLUTION in a docstring is not a marker."""

    from dlfs.reference.base import Operation


    def double(x):
        """Twice x."""
        ### BEGIN SOLUTION
        return 2 * x
        ### END SOLUTION


    class Thing(Operation):
        """A thing."""

        @staticmethod
        def halve(x):
            """Half of x."""
            if x is None:
                raise ValueError(f"x must be a number, got {x!r}")
            ### BEGIN SOLUTION
            y = x / 2
            return y
            ### END SOLUTION

        def plumbing(self):
            return 1
    '''
)

COURSE = textwrap.dedent(
    """\
    [course]
    title = "Tiny"
    [chapter1]
    title = "One"
    [chapter1.double]
    title = "Double"
    targets = ["things:double"]
    hints = ["a", "b"]
    [[chapter1.double.checks]]
    kind = "agreement"
    probe = "leaky_relu"
    points = 1
    [chapter1.halve]
    title = "Halve"
    targets = ["things:Thing.halve"]
    hints = ["a", "b"]
    [[chapter1.halve.checks]]
    kind = "agreement"
    probe = "sigmoid"
    points = 1
    """
)


def test_find_regions_gives_qualname_span_and_indentation():
    double, halve = find_regions(MODULE, "pkg/things.py")
    assert (double.module, double.qualname, double.begin, double.end) == (
        "pkg.things",
        "double",
        8,
        10,
    )
    assert double.indent == "    " and double.def_line == 6
    assert halve.qualname == "Thing.halve" and halve.indent == " " * 8
    assert halve.def_line == 16  # its decorator
    assert str(halve.target) == "pkg.things:Thing.halve"


def test_stub_source_replaces_only_the_regions():
    regions = find_regions(MODULE, "things.py")
    stubbed = stub_source(MODULE, regions, lambda r: f"chapter1.{r.qualname}")
    assert "return 2 * x" not in stubbed and "y = x / 2" not in stubbed
    assert '    raise NotImplementedError("chapter1.double")\n' in stubbed
    assert (
        '        # YOUR CODE HERE\n        raise NotImplementedError("chapter1.Thing.halve")'
        in (stubbed)
    )
    assert 'raise ValueError(f"x must be a number' in stubbed  # plumbing kept
    assert stubbed.count("\n") == MODULE.count("\n") - 3
    compile(stubbed, "things.py", "exec")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "no partner"),
        (
            'def f():\n    ### BEGIN SOLUTION\n    """Doc."""\n    ### END SOLUTION\n',
            "after the docstring",
        ),
        (
            "def f(x):\n    if x:\n        ### BEGIN SOLUTION\n        return 1\n"
            "        ### END SOLUTION\n",
            "indentation",
        ),
        (
            "def f():\n    def g():\n        ### BEGIN SOLUTION\n        return 1\n"
            "        ### END SOLUTION\n    return g\n",
            "nested function",
        ),
        (
            "def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n"
            "    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n",
            "second region",
        ),
        ("def f():\n    ### END SOLUTION\n    ### BEGIN SOLUTION\n    return 1\n", "alternate"),
    ],
)
def test_badly_placed_markers_are_refused_with_file_and_line(source, message):
    with pytest.raises(RegionError, match=message) as info:
        find_regions(source, "bad.py")
    assert str(info.value).startswith("bad.py:")


@pytest.fixture
def tiny(tmp_path: Path):
    """A reference tree of one package with regions, a data file and a course for it."""
    reference = tmp_path / "reference"
    (reference / "sub").mkdir(parents=True)
    (reference / "__init__.py").write_text('"""The key: see dlfs.reference.things."""\n')
    (reference / "things.py").write_text(MODULE)
    (reference / "sub" / "__init__.py").write_text("")
    (reference / "sub" / "table.json").write_bytes(b'{"a": 1}')
    (reference / "__pycache__").mkdir()
    (reference / "__pycache__" / "things.cpython-311.pyc").write_bytes(b"junk")
    course = parse_course(COURSE, reference=reference)
    return reference, course, tmp_path / "exercises"


def test_generate_tree_mirrors_the_reference(tiny):
    reference, course, _ = tiny
    generation = generate_tree(reference, course)
    assert set(generation.files) == {
        PurePosixPath(p)
        for p in (
            "__init__.py",
            "things.py",
            "sub/__init__.py",
            "sub/table.json",
            "dlfs-workspace.toml",  # the marker: dlfs-grade grades ./exercises only with it
        )
    }
    text = generation.files[PurePosixPath("things.py")].decode()
    assert text.startswith(
        "# Generated by `dlfs-grade build` from the answer key, reference/things.py.\n"
    )
    lines = text.splitlines()
    stub_lines = [n for n, line in enumerate(lines, 1) if line.strip() == "# YOUR CODE HERE"]
    assert f"(lines {stub_lines[0]}, {stub_lines[1]})" in text
    assert 'raise NotImplementedError("chapter1.halve")' in text
    assert "from dlfs.exercises.base import Operation" in text
    assert "dlfs.reference" not in text
    assert "Nothing to write" in generation.files[PurePosixPath("__init__.py")].decode()
    assert generation.files[PurePosixPath("sub/table.json")] == b'{"a": 1}'
    assert not generation.unmapped and not generation.unclaimed


def test_generate_tree_reports_regions_and_exercises_without_partner(tiny):
    reference, course, _ = tiny
    double, halve = course.exercises  # a target that the reference lost since loading
    triple = replace(double, targets=(Target("things", "triple"),))
    chapter = replace(course.chapters[0], exercises=(triple, halve))
    course = replace(course, chapters=(chapter,))
    generation = generate_tree(reference, course)
    assert [str(r.target) for r in generation.unmapped] == ["things:double"]
    assert [(i, str(t)) for i, t in generation.unclaimed] == [("chapter1.double", "things:triple")]
    text = generation.files[PurePosixPath("things.py")].decode()
    assert 'raise NotImplementedError("things:double")' in text


def test_build_then_check_finds_no_drift_and_then_each_kind(tiny, tmp_path):
    reference, course, out = tiny
    generation = generate_tree(reference, course)
    report = build_exercises(out, generation, tmp_path / "backups")
    assert len(report.written) == 5 and not report.removed and report.backup is None
    assert check_exercises(out, generation) == []
    (out / "things.py").write_text("changed")
    (out / "sub" / "table.json").unlink()
    (out / "stale.py").write_text("")
    assert check_exercises(out, generation) == [
        Drift(PurePosixPath("stale.py"), "extra"),
        Drift(PurePosixPath("sub/table.json"), "missing"),
        Drift(PurePosixPath("things.py"), "differs"),
    ]
    report = build_exercises(out, generation, tmp_path / "backups")
    assert report.removed == (PurePosixPath("stale.py"),) and report.unchanged == 3
    assert check_exercises(out, generation) == []
    assert (report.backup / "things.py").read_text() == "changed"  # nothing is lost
    assert (report.backup / "stale.py").is_file()


def test_reset_restores_one_exercise_and_backs_up_the_learners_file(tiny, tmp_path):
    reference, course, out = tiny
    build_exercises(out, generate_tree(reference, course), tmp_path / "b0")
    learner = out / "things.py"
    stub = learner.read_text()
    mine = stub.replace(
        '    # YOUR CODE HERE\n    raise NotImplementedError("chapter1.double")',
        "    return x + x",
    ).replace(
        '        # YOUR CODE HERE\n        raise NotImplementedError("chapter1.halve")',
        "        return x * 0.5  # my halve",
    )
    learner.write_text(mine)
    report = reset_exercise(
        "chapter1.halve", out, course, backup_dir=tmp_path / "backups", reference=reference
    )
    assert report.files == (learner,)
    text = learner.read_text()
    assert "return x + x" in text  # the other exercise is untouched
    assert "my halve" not in text and 'NotImplementedError("chapter1.halve")' in text
    assert text == stub.replace(
        '    # YOUR CODE HERE\n    raise NotImplementedError("chapter1.double")',
        "    return x + x",
    )
    assert (report.backup / "things.py").read_text() == mine


def test_reset_refuses_unknown_ids_and_broken_files(tiny, tmp_path):
    reference, course, out = tiny
    build_exercises(out, generate_tree(reference, course), tmp_path / "b0")
    with pytest.raises(ValueError, match=r"'chapter1\.dubble'"):
        reset_exercise("chapter1.dubble", out, course, tmp_path, reference)
    (out / "things.py").write_text("def double(:\n")
    with pytest.raises(ValueError, match="syntax error"):
        reset_exercise("chapter1.double", out, course, tmp_path, reference)


def test_reset_of_an_untouched_stub_changes_nothing(tiny, tmp_path):
    reference, course, out = tiny
    build_exercises(out, generate_tree(reference, course), tmp_path / "b0")
    report = reset_exercise("chapter1.double", out, course, tmp_path / "b", reference)
    assert report.files == () and report.backup is None


# -- the repository itself ---------------------------------------------------------------


def test_every_region_belongs_to_an_exercise_and_every_exercise_to_a_region():
    """Does course.toml name every marked body, and does every target hold a marked body?"""
    generation = generate_tree(reference_root(), load_course())
    unmapped = [
        f"{r.target} (reference/{r.module.replace('.', '/')}.py:{r.begin})"
        for r in generation.unmapped
    ]
    unclaimed = [f"{exercise_id}: {target}" for exercise_id, target in generation.unclaimed]
    assert not unmapped, "regions no exercise targets:\n" + "\n".join(unmapped)
    assert not unclaimed, "exercise targets without a region:\n" + "\n".join(unclaimed)


def test_committed_exercises_equal_a_fresh_generation():
    """Do exercises/ and `dlfs-grade build` agree? If not, run `dlfs-grade build`."""
    drift = check_exercises(exercises_root(), generate_tree(reference_root(), load_course()))
    assert not drift, "exercises/ drifted; run `dlfs-grade build`:\n" + "\n".join(
        f"{d.problem}: exercises/{d.path}" for d in drift
    )


def test_the_generated_stubs_import():
    """Can every module of dlfs.exercises be imported (the stubs keep the code valid)?"""
    package = importlib.import_module("dlfs.exercises")
    for module in pkgutil.walk_packages(package.__path__, "dlfs.exercises."):
        if ".pytorch" in module.name and importlib.util.find_spec("torch") is None:
            continue
        importlib.import_module(module.name)
