"""Instrumented code records its values, makes its edits, and guards its arguments."""

from __future__ import annotations

import ast
import textwrap

import numpy as np
import pytest

from dlfs.autograder.sandbox.guard import ChangedInPlace, Guard, plain_path
from dlfs.autograder.sandbox.instrument import RUNTIME, Edit, instrument, site_table, span_of
from dlfs.autograder.sandbox.trace import Recorder, TraceJob


def _function(source: str) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def _run(source: str, runtime, *args, edits=(), record=True, sites=True):
    """Compile ``source``'s function instrumented as function 0 and call it."""
    node = instrument(_function(source), 0, edits, record=record, sites=sites)
    namespace = {"np": np, RUNTIME: runtime}
    exec(compile(ast.fix_missing_locations(ast.Module([node], [])), "<test>", "exec"), namespace)
    return namespace[node.name](*args)


def _span(source: str, code: str) -> tuple[int, int, int, int]:
    """The span of the first expression whose text is ``code``."""
    text = textwrap.dedent(source)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.expr) and ast.get_source_segment(text, node) == code:
            return span_of(node)
    raise AssertionError(code)


SIGMOID_GRAD = """
def grad(x, g):
    s = 1 / (1 + np.exp(-x))
    return g * s * (1 - s)
"""


def test_sites_are_numbered_from_the_source_alone():
    sites = site_table(_function(SIGMOID_GRAD))
    kinds = [site.kind for site in sites]
    assert kinds.count("return") == 1
    assert [s.line for s in sites] == sorted(s.line for s in sites)
    assert site_table(_function(SIGMOID_GRAD)) == sites  # the same every time


def test_a_recorder_keeps_arguments_values_and_what_is_returned():
    recorder = Recorder()
    x, g = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    result = _run(SIGMOID_GRAD, recorder, x, g)
    kinds = {meta["kind"] for meta, _ in recorder.records}
    assert kinds == {"entry", "entry_out", "value"}
    values = [array for meta, array in recorder.records if meta["kind"] == "value"]
    assert any(np.allclose(v, 1 / (1 + np.exp(-x))) for v in values)
    assert any(np.allclose(v, result) for v in values)


def test_a_site_in_a_loop_keeps_its_first_values_and_its_last():
    source = """
    def f(x):
        total = np.zeros(40)
        for i in range(20):
            total = total + x * i
        return total
    """
    recorder = Recorder()
    _run(source, recorder, np.ones(40))  # larger than a number: not every hit is kept
    hits = sorted(
        meta["hit"]
        for meta, _ in recorder.records
        if meta["kind"] == "value" and meta["elem"] == -1
    )
    assert 19 in hits and 10 not in hits  # the last of 20, not every one


@pytest.mark.parametrize(
    ("edit", "args", "code", "expected"),
    [
        ("negate", (), "-x", lambda x, g: g * (1 / (1 + np.exp(x))) * (1 - 1 / (1 + np.exp(x)))),
        ("scale", (2.0,), "g * s * (1 - s)", lambda x, g: 2 * g * _s(x) * (1 - _s(x))),
        ("name", ("x",), "g", lambda x, g: x * _s(x) * (1 - _s(x))),
    ],
)
def test_an_edit_changes_one_place_of_the_code(edit, args, code, expected):
    x, g = np.array([0.5, -1.0]), np.array([1.0, 3.0])
    changed = Edit(_span(SIGMOID_GRAD, code), edit, args)
    result = _run(SIGMOID_GRAD, Recorder(record=False), x, g, edits=[changed], record=False)
    assert np.allclose(result, expected(x, g))


def _s(x):
    return 1 / (1 + np.exp(-x))


def test_edits_reverse_a_loop_and_write_in_place():
    source = """
    def f(x, out):
        seen = []
        for i in range(3):
            seen.append(i)
        out = x * 2
        return seen
    """
    loop = Edit(_span(source, "range(3)"), "reversed")
    text = textwrap.dedent(source)
    rebinding = next(
        n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Assign) and n.lineno == 6
    )
    in_place = Edit(span_of(rebinding), "inplace")
    out = np.zeros(2)
    guard = Recorder(record=False, allowed={0: ("out",)})
    seen = _run(source, guard, np.ones(2), out, edits=[loop, in_place], record=False)
    assert seen == [2, 1, 0]
    assert np.array_equal(out, [2.0, 2.0])


def test_edits_are_sent_as_json():
    job = TraceJob((True, False), ((), ((0, Edit((1, 2, 3, 4), "flip", ((0, 1),))),)))
    again = TraceJob.from_json(job.to_json())
    assert again == job


def test_an_unknown_edit_is_refused():
    with pytest.raises(ValueError, match="unknown edit 'explode'"):
        Edit((1, 0, 1, 1), "explode")


IN_PLACE = """
def f(x, params):
    x *= 2
    params["W"]["deriv"] += 1
    return x
"""


def test_the_guard_refuses_an_argument_changed_in_place():
    params = {"W": {"value": np.ones(2), "deriv": np.zeros(2)}}
    with pytest.raises(ChangedInPlace, match=r"changed x in place"):
        _run(IN_PLACE, Guard({0: ["params.*.deriv"]}), np.ones(2), params, sites=False)


def test_the_guard_lets_through_what_the_exercise_may_change():
    params = {"W": {"value": np.ones(2), "deriv": np.zeros(2)}}
    guard = Guard({0: ["x", "params.*.deriv"]})
    _run(IN_PLACE, guard, np.ones(2), params, sites=False)
    assert {plain_path(p) for p in guard.changed[0]} == {"x", "params.W.deriv"}


def test_the_guard_does_not_hide_the_functions_own_error():
    source = """
    def f(x):
        x += 1
        raise KeyError("the learner's own error")
    """
    with pytest.raises(KeyError):
        _run(source, Guard(), np.ones(2), sites=False)


OPERATIONS = """
def f(x, w):
    a = np.mean(x) ** 2
    b = np.tanh(x) @ w
    c = np.clip(x, 1.0, -1.0)
    d = x.sum() - w.sum()
    return a, b, c, d
"""


@pytest.mark.parametrize(
    ("code", "edit", "args", "index", "expected"),
    [
        ("np.mean(x) ** 2", "nest", (0, 0), 0, lambda x, w: np.mean(x**2)),
        ("np.tanh(x) @ w", "nest", (0, 0), 1, lambda x, w: np.tanh(x @ w)),
        ("np.clip(x, 1.0, -1.0)", "swap", (1, 2), 2, lambda x, w: np.clip(x, -1.0, 1.0)),
        ("x.sum() - w.sum()", "swap", (0, 1), 3, lambda x, w: w.sum() - x.sum()),
        ("np.tanh(x)", "callee", ("np.exp",), 1, lambda x, w: np.exp(x) @ w),
        ("np.tanh(x)", "unwrap", (0,), 1, lambda x, w: x @ w),
    ],
)
def test_an_operation_edit_moves_operands_or_calls_another_function(
    code, edit, args, index, expected
):
    """Another function called, a call undone, two operations nested the other way round, two
    operands exchanged: each at the node the edit's span names, nothing else changed."""
    x, w = np.array([0.5, -2.0, 1.5]), np.array([1.0, 2.0, -1.0])
    changed = Edit(_span(OPERATIONS, code), edit, args)
    got = _run(OPERATIONS, Recorder(record=False), x, w, edits=[changed], record=False)
    untouched = _run(OPERATIONS, Recorder(record=False), x, w, record=False)
    assert np.allclose(got[index], expected(x, w))
    assert all(np.allclose(got[i], untouched[i]) for i in range(4) if i != index)


BLOCK = """
def f(x, log):
    y = x + 1
    log.append(y)
    y = y * 2
    return y
"""


def _statement(source: str, line: int) -> tuple[int, int, int, int]:
    """The span of the statement on ``line`` of the function (1: the ``def``)."""
    function = _function(source)
    return span_of(next(s for s in function.body if s.lineno == line + 1))


class _Log(list):
    def mark(self):
        self.append("marked")


@pytest.mark.parametrize(
    ("edit", "line", "args", "result", "logged"),
    [
        ("swap_next", 3, (), 4.0, [4.0]),  # y doubled before it is logged
        ("delete", 4, (), 2.0, [2.0]),
        ("insert_call", 3, ("log", "mark"), 4.0, ["marked", 2.0]),
        ("insert_call", 3, ("log", "mark", "after"), 4.0, [2.0, "marked"]),
    ],
)
def test_a_block_edit_swaps_deletes_or_inserts_a_statement(edit, line, args, result, logged):
    log = _Log()
    changed = Edit(_statement(BLOCK, line), edit, args)
    got = _run(BLOCK, Recorder(record=False), 1.0, log, edits=[changed], record=False)
    assert got == result and log == logged


def test_an_inserted_call_is_built_from_names_never_parsed_from_code():
    changed = Edit(_statement(BLOCK, 3), "insert_call", ("log", "mark(); import os"))
    with pytest.raises(ValueError, match="not a method name"):
        _run(BLOCK, Recorder(record=False), 1.0, _Log(), edits=[changed], record=False)


GROUPED = """
def f(a, b, c, d):
    return a - b / c * d
"""


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ((((0, 1), 2), 3), lambda a, b, c, d: (a - b) / c * d),
        ((0, (1, (2, 3))), lambda a, b, c, d: a - b / (c * d)),
        (((0, 1), (2, 3)), lambda a, b, c, d: (a - b) / (c * d)),
    ],
)
def test_a_group_edit_moves_the_parentheses_of_a_run_of_operators(tree, expected):
    """The operands and operators as written (a, b, c, d; -, /, *), grouped as the tree of
    operand numbers says; a tree of other operands changes nothing."""
    span = _span(GROUPED, "a - b / c * d")
    args = (7.0, 3.0, 5.0, 4.0)
    grouped = Edit(span, "group", (tree,))
    got = _run(GROUPED, Recorder(record=False), *args, edits=[grouped], record=False)
    assert got == pytest.approx(expected(*args))
    wrong = Edit(span, "group", (((0, 2), 1),))
    unchanged = _run(GROUPED, Recorder(record=False), *args, edits=[wrong], record=False)
    assert unchanged == 7.0 - 3.0 / 5.0 * 4.0


LOOPS = """
def f(xs):
    total = 0.0
    for x in xs:
        total = x * 2
    for x in xs:
        last = x + 1
    low, high = min(xs), max(xs)
    return total, last, high - low
"""


def test_assignments_in_a_loop_add_up_and_names_unpack_in_another_order():
    """``x = …`` in a loop made ``x += …`` (with ``x = 0`` before the loop where nothing
    assigned it before), and ``a, b = …`` made ``b, a = …``."""
    function = _function(LOOPS)
    first, second = function.body[1].body[0], function.body[2].body[0]
    edits = [
        Edit(span_of(first), "accumulate"),
        Edit(span_of(second), "accumulate", ("zero",)),
        Edit(span_of(function.body[3]), "unpack", (0, 1)),
    ]
    got = _run(LOOPS, Recorder(record=False), [1.0, 2.0, 4.0], edits=edits, record=False)
    assert got == (14.0, 10.0, -3.0)
    assert _run(LOOPS, Recorder(record=False), [1.0, 2.0, 4.0], record=False) == (8.0, 5.0, 3.0)


def test_another_threads_calls_are_not_recorded():
    """In the grader, the reference's functions are instrumented for every thread while one
    traces: another slot's thread computing its own answers meanwhile must neither be recorded
    nor change the values it computes."""
    import threading

    recorder = Recorder(record=True, enforce=False)
    seen: list[object] = []

    def elsewhere() -> None:
        recorder.enter(0, {"x": np.ones(3)})
        seen.append(recorder.v(0, 0, np.full(3, 7.0)))
        seen.append(recorder.fix(np.ones(2), 0, "negate", ()))
        recorder.leave(0)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert recorder.records == [] and not recorder._stacks[0]
    assert np.array_equal(seen[0], np.full(3, 7.0)) and np.array_equal(seen[1], np.ones(2))
    recorder.enter(0, {"x": np.ones(3)})  # its own thread's calls are
    recorder.v(0, 0, np.full(3, 7.0))
    recorder.leave(0)
    assert recorder.records
