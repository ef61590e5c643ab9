"""The first line whose value departs, and the relations proposed for it (no worker here:
both functions below are the test's own, traced in this process)."""

from __future__ import annotations

import ast
import copy
import textwrap

import numpy as np

from dlfs.autograder.grading.firstline import departures
from dlfs.autograder.grading.relations import proposals
from dlfs.autograder.grading.source import Source
from dlfs.autograder.grading.traces import Trace, trace_from_records
from dlfs.autograder.sandbox.instrument import RUNTIME, instrument
from dlfs.autograder.sandbox.trace import Recorder


def _traced(source: str, *args) -> tuple[Source, Trace]:
    """Run ``def f(...)`` of ``source`` with its values recorded."""
    text = textwrap.dedent(source).lstrip("\n")
    code = Source("learner.py", text, "m:f")
    recorder = Recorder(enforce=False)
    node = instrument(code.node, 0)
    namespace = {"np": np, RUNTIME: recorder}
    exec(compile(ast.Module([node], []), "learner.py", "exec"), namespace)
    namespace["f"](*copy.deepcopy(args))
    return code, trace_from_records(recorder.records, recorder.truncated)


def _first(learner: str, reference: str, *args):
    code, mine = _traced(learner, *args)
    theirs_code, theirs = _traced(reference, *args)
    found = departures(mine, theirs, [code], [theirs_code])
    return found, mine, theirs_code


REFERENCE = """
def f(x, g):
    s = 1 / (1 + np.exp(-x))
    return g * s * (1 - s)
"""
X, G = np.linspace(-2, 2, 12).reshape(3, 4), np.linspace(1, 3, 12).reshape(3, 4)


def test_the_first_departing_line_is_the_wrong_one():
    learner = """
    def f(x, g):
        s = 1 / (1 + np.exp(-x))
        d = s * (1 + s)
        return g * d
    """
    found, _, _ = _first(learner, REFERENCE, X, G)
    assert found[0].line == 3
    assert found[0].code == "1 + s"


def test_an_intermediate_the_reference_never_names_is_excused_when_used_rightly():
    learner = """
    def f(x, g):
        s = 1 / (1 + np.exp(-x))
        d = s - s * s
        return g * d
    """
    found, _, _ = _first(learner, REFERENCE, X, G)
    assert found == []


def test_a_reshape_that_keeps_the_data_is_no_departure():
    learner = """
    def f(x, g):
        flat = x.reshape(-1)
        s = 1 / (1 + np.exp(-flat))
        return g * (s * (1 - s)).reshape(x.shape)
    """
    assert _first(learner, REFERENCE, X, G)[0] == []


def test_a_value_that_only_names_another_points_where_that_was_made():
    reference = """
    def f(x, g):
        return x * g
    """
    learner = """
    def f(x, g):
        out = (x * g).reshape(-1)
        return out
    """
    found, _, _ = _first(learner, reference, X, G)
    assert found[0].line == 2  # what is returned has another shape: made on line 2


def test_an_argument_changed_in_place_is_pointed_at_the_line_that_wrote_it():
    learner = """
    def f(x, g):
        x *= -1
        s = 1 / (1 + np.exp(x))
        return g * s * (1 - s)
    """
    found, _, _ = _first(learner, REFERENCE, X, G)
    state = [d for d in found if d.site is None]
    assert state and state[0].line == 2
    assert "changes `x` in place" in state[0].note


def test_a_transposed_value_is_proposed_as_a_transpose():
    reference = """
    def f(x, w):
        return x @ w
    """
    learner = """
    def f(x, w):
        return (w.T @ x.T)
    """
    found, mine, theirs_code = _first(learner, reference, np.ones((2, 3)) * [1, 2, 3], np.eye(3, 4))
    ops = [p.edit.op for p in proposals(found, mine, [theirs_code]) if p.evidence]
    assert "transpose" in ops


def test_a_factor_that_is_a_size_is_undone_by_that_size():
    reference = """
    def f(x, g):
        return g.sum(axis=0)
    """
    learner = """
    def f(x, g):
        return g.mean(axis=0)
    """
    found, mine, theirs_code = _first(learner, reference, X, G)
    tried = proposals(found, mine, [theirs_code])
    edits = {p.edit.op: p for p in tried if p.evidence}
    assert edits["call"].edit.args == ("sum",)
    assert edits["size_scale"].edit.args == ("x", 0, 1)
    assert "a mean where a sum belongs" in edits["size_scale"].name


def test_a_missing_term_equal_to_an_argument_is_proposed():
    reference = """
    def f(x, g):
        return x * 2 + g
    """
    learner = """
    def f(x, g):
        return x * 2
    """
    found, mine, theirs_code = _first(learner, reference, X, G)
    tried = [p for p in proposals(found, mine, [theirs_code]) if p.edit.op == "add_name"]
    assert tried and tried[0].edit.args == ("g", 1.0)
    assert "misses the term `g`" in tried[0].name
