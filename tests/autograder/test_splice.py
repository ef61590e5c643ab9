"""Does splicing find the learner's function, notice stubs, and install it in the worker?"""

from __future__ import annotations

import textwrap

import pytest

from dlfs.autograder.sandbox.splice import (
    LearnerFunction,
    SpliceError,
    install,
    parse_target,
    read_target,
)


def _write(tmp_path, name, source):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_parse_target_splits_module_and_qualname():
    assert parse_target("activations:Sigmoid._output") == ("activations", "Sigmoid._output")
    with pytest.raises(ValueError, match="'nonsense'"):
        parse_target("nonsense")


def test_a_stub_is_not_started_and_its_raise_line_is_known(tmp_path):
    _write(
        tmp_path,
        "activations.py",
        '''
        class Sigmoid:
            def _output(self, inference=False):
                """Doc."""
                # YOUR CODE HERE
                raise NotImplementedError("chapter3.sigmoid_forward")
        ''',
    )
    function = read_target(tmp_path, "activations:Sigmoid._output")
    assert function.stub
    assert function.stub_line == 6


def test_a_written_body_is_not_a_stub(tmp_path):
    _write(tmp_path, "foundations.py", "def square(x):\n    return x * x\n")
    function = read_target(tmp_path, "foundations:square")
    assert not function.stub
    assert function.lineno == 1


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "is missing"),
        (
            {"foundations.py": "def square(x):\n    return (x *\n"},
            r"syntax error at \S*foundations\.py:2",
        ),
        ({"foundations.py": "def cube(x):\n    return x\n"}, "does not define square"),
    ],
)
def test_unreadable_learner_files_raise_splice_errors(tmp_path, files, message):
    for name, source in files.items():
        _write(tmp_path, name, source)
    with pytest.raises(SpliceError, match=message):
        read_target(tmp_path, "foundations:square")


def test_install_replaces_a_function_everywhere_it_was_imported(tmp_path):
    import dlfs.reference as reference
    from dlfs.reference import foundations

    original = foundations.leaky_relu.__code__
    path = _write(tmp_path, "foundations.py", "def leaky_relu(x):\n    return x * 0 + 7\n")
    function = LearnerFunction("foundations:leaky_relu", str(path), path.read_text(), 1, False)
    try:
        install(function)
        assert reference.leaky_relu(1.0) == 7  # the flat export is the same function object
    finally:
        foundations.leaky_relu.__code__ = original
    assert reference.leaky_relu(1.0) == 1.0


def test_install_keeps_super_working_in_methods(tmp_path):
    import numpy as np

    from dlfs.reference import base
    from dlfs.reference.activations import Sigmoid

    source = """
    class Sigmoid:
        def _output(self, inference=False):
            return np.zeros_like(self.input_) + (super().__class__ is not None)
    """
    path = _write(tmp_path, "activations.py", source)
    saved = Sigmoid.__dict__["_output"]
    try:
        install(
            LearnerFunction("activations:Sigmoid._output", str(path), path.read_text(), 3, False)
        )
        assert np.all(Sigmoid().forward(np.ones((2, 2))) == 1.0)
    finally:
        Sigmoid._output = saved
    assert isinstance(Sigmoid(), base.Operation)
