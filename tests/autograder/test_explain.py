"""A failing check is explained: the first departing line, and names proven by an edit."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dlfs.autograder.api import grade
from dlfs.autograder.course import load_course
from dlfs.autograder.grading import pipeline
from dlfs.autograder.grading.seeds import check_seed
from dlfs.autograder.grading.source import Source
from dlfs.autograder.probes.record import find_probe
from dlfs.autograder.sandbox.guard import Guard, plain_path
from dlfs.autograder.sandbox.instrument import RUNTIME, instrument
from dlfs.autograder.sandbox.splice import parse_target, swapped

from .grading_helpers import reference_workspace, regions_by_target, replace_body


def _graded(tmp_path: Path, exercise: str, target: str, body: str):
    workspace = reference_workspace(tmp_path)
    path, region = regions_by_target(workspace)[target]
    replace_body(workspace, target, body)
    result = grade([exercise], path=workspace, record=False).exercises[0]
    return result, path, region.begin


def _explanation(result) -> dict:
    return next(c.details["explanation"] for c in result.checks if "explanation" in c.details)


def test_a_mistake_undone_by_an_edit_is_named_at_its_line(tmp_path):
    body = (
        "K = _check_filter(param, 1)\n"
        "output_grad = _ones_if_none(output_grad, input_)\n"
        "windows = sliding_window_view(_pad_1d(output_grad, K // 2), K)\n"
        "return windows @ param"
    )
    result, path, begin = _graded(
        tmp_path, "chapter5.conv_1d_backward", "conv_steps:_input_grad_1d", body
    )
    explained = _explanation(result)
    assert explained["first_line"] == f"{path}:{begin + 3}"
    assert "the kernel is not flipped" in explained["confirmed"]
    assert "with that undone, this check passes" in result.message


def test_a_value_one_step_off_along_an_axis_is_named_as_shifted(tmp_path):
    """Padded one column too far to the left: every window, and so every output, is its
    neighbour's; undoing the shift (np.roll) makes the check pass."""
    body = (
        "x_pad = np.pad(input_, ((0, 0), (K // 2 - 1, K // 2 + 1)))\n"
        "windows = sliding_window_view(x_pad, K, axis=1)\n"
        "return windows @ param"
    )
    result, path, begin = _graded(
        tmp_path, "chapter5.conv_1d_batch", "conv_steps:conv_1d_batch", body
    )
    explained = _explanation(result)
    assert explained["first_line"] == f"{path}:{begin}"
    assert "shifted by one along axis 1 (each element holds the one after it)" in (
        explained["confirmed"] or ""
    )


def test_a_departure_no_edit_undoes_is_shown_not_named(tmp_path):
    body = "s = self.output\nds = s * (1 + s * s)\nreturn output_grad * ds"
    result, path, begin = _graded(
        tmp_path, "chapter3.sigmoid_backward", "activations:Sigmoid._input_grad", body
    )
    explained = _explanation(result)
    assert explained["confirmed"] is None
    assert explained["first_line"] == f"{path}:{begin + 1}"
    assert "The first line whose value departs from the reference's" in result.message


def test_a_passing_exercise_is_never_traced(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a passing exercise was explained")

    monkeypatch.setattr(pipeline, "explain_failure", refuse)
    workspace = reference_workspace(tmp_path)
    result = grade(["chapter3.sigmoid_backward"], path=workspace, record=False).exercises[0]
    assert result.passed


def test_an_argument_changed_in_place_fails_every_check_that_sees_it(tmp_path):
    body = "x *= -1\nreturn 1.0 / (1.0 + np.exp(x))"
    result, path, begin = _graded(tmp_path, "chapter1.sigmoid", "foundations:sigmoid", body)
    assert not result.passed
    assert "changed x in place" in result.message
    assert f"{path}:{begin}" in " ".join(c.message for c in result.checks)


def test_a_generator_that_never_ends_fails_the_same_way_every_run(tmp_path):
    body = "i = 0\nwhile True:\n    yield X[i : i + size], y[i : i + size]\n    i = (i + 1) % 3"
    messages = set()
    for attempt in range(2):
        result, _, _ = _graded(
            tmp_path / str(attempt),
            "chapter3.generate_batches",
            "trainer:Trainer.generate_batches",
            body,
        )
        messages.add((result.status, result.checks[0].message.split("?")[0]))
    assert len(messages) == 1
    status, message = messages.pop()
    assert status == "error" and "does it ever stop" in message


def _reference_changes(exercise) -> dict[str, set[str]]:
    """What the reference's own functions change in place in the exercise's checks."""
    guard = Guard(enforce=False)
    targets = [str(t) for t in exercise.targets]
    with contextlib.ExitStack() as stack:
        for fid, target in enumerate(targets):
            module = importlib.import_module(f"dlfs.reference.{parse_target(target)[0]}")
            path = inspect.getsourcefile(module)
            source = Source(path, Path(path).read_text(encoding="utf-8"), target)
            module.__dict__[RUNTIME] = guard
            stack.callback(module.__dict__.pop, RUNTIME, None)
            stack.enter_context(swapped(target, instrument(source.node, fid, sites=False), path))
        reference = importlib.import_module("dlfs.reference")
        for index, spec in enumerate(exercise.checks):
            if spec.kind == "training":
                continue
            rng = np.random.default_rng(check_seed(exercise.id, index, None))
            with np.errstate(all="ignore"):
                find_probe(exercise.chapter, spec.probe)(reference, rng, **spec.probe_params)
    return {targets[fid]: {plain_path(p) for p in paths} for fid, paths in guard.changed.items()}


@pytest.mark.torch
def test_every_exercise_declares_what_the_reference_changes_in_place():
    """``changes_in_place`` in course.toml lets through exactly what the answer key itself
    changes: the guard refuses the rest."""
    pytest.importorskip("torch")
    undeclared = {}
    for chapter in load_course().chapters:
        for exercise in chapter.exercises:
            allowed = exercise.changes_in_place
            for target, changed in _reference_changes(exercise).items():
                guard = Guard({0: allowed})
                refused = {p for p in changed if not guard._may_change(0, p)}
                if refused or (allowed and not changed):
                    undeclared[target] = (sorted(changed), allowed)
    assert undeclared == {}


def test_a_factor_no_one_writes_is_not_proposed():
    """A value 1.008 times the reference's on one input is a coincidence of that input, not
    a mistake a person wrote (a derivative taken at the wrong point can look like it): only
    factors with two significant digits, one over a small whole number, or a size are tried."""
    from dlfs.autograder.grading.relations import _scaled

    theirs = np.random.default_rng(3).normal(size=(4, 3))
    span = (1, 0, 1, 10)
    assert list(_scaled(theirs * 1.008, theirs, span, "np.dot(a, b)", {}, {})) == []
    assert list(_scaled(theirs * 1e-310, theirs, span, "np.dot(a, b)", {}, {})) == []  # overflow
    (edit, name, evidence), *_ = _scaled(theirs * 0.9, theirs, span, "np.dot(a, b)", {}, {})
    assert edit.op == "scale" and "0.9 times" in name and evidence


def test_a_value_kept_from_an_earlier_call_is_named_as_such(tmp_path):
    """An operation computed once and kept on the object: the checks call it first on other
    numbers, so its second call returns the first's — flagged, and said at the line that
    reads it (not as the reversed batch those numbers happen to be)."""
    body = (
        "if getattr(self, 'kept', None) is None:\n"
        "    self.kept = np.tanh(self.input_)\n"
        "return self.kept"
    )
    result, path, begin = _graded(tmp_path, "chapter4.tanh", "activations:Tanh._output", body)
    assert result.score < result.max_score
    explained = _explanation(result)
    assert explained["first_line"] == f"{path}:{begin + 2}"
    assert explained["confirmed"] is None
    assert "holds what an earlier call computed" in result.message


def test_another_function_called_is_named_from_the_references_calls(tmp_path):
    """sigmoid where the reference calls np.tanh: no table of pairs, the reference's own
    calls are swapped in at the departing call."""
    body = (
        "self.Z = np.concatenate([x_in, H_in], axis=1)\n"
        'pre = self.Z @ params_dict["W_f"]["value"] + params_dict["B_f"]["value"]\n'
        "self.H_out = sigmoid(pre)\n"
        'self.x_out = self.H_out @ params_dict["W_v"]["value"] + params_dict["B_v"]["value"]\n'
        "return self.x_out, self.H_out"
    )
    result, path, begin = _graded(
        tmp_path, "chapter6.rnn_node_forward", "rnn_nodes:RNNNode.forward", body
    )
    explained = _explanation(result)
    assert explained["first_line"] == f"{path}:{begin + 2}"
    assert explained["confirmed"] == "`sigmoid(pre)` calls `sigmoid` where `np.tanh` belongs"


def test_two_operations_nested_the_wrong_way_round_are_named(tmp_path):
    body = "diff = q - self.target\nreturn float(np.sum(diff) ** 2 / len(q))"
    result, _, _ = _graded(
        tmp_path, "chapter3.mse_forward", "losses:MeanSquaredError._output", body
    )
    confirmed = _explanation(result)["confirmed"] or ""
    assert "applies `np.sum` first, then `** 2`" in confirmed
    assert "(`np.sum(diff ** 2)` is right)" in confirmed


def test_operands_the_wrong_way_round_are_named(tmp_path):
    body = "fan = n_in + n_out\nreturn float(np.sqrt(fan / 2))"
    result, _, _ = _graded(tmp_path, "chapter4.glorot", "layers:init_scale", body)
    assert _explanation(result)["confirmed"] == (
        "`fan / 2` has its operands the wrong way round (swapped): `2 / fan`"
    )


def test_statements_in_the_wrong_order_are_named_in_a_second_batch(tmp_path):
    """No edit of a value or an operation undoes a step taken too early: only when the first
    batch proved nothing are the statements around the line swapped."""
    body = "velocity *= self.momentum\nparam -= velocity\nvelocity += self.lr * grad"
    result, path, begin = _graded(
        tmp_path, "chapter4.sgd_momentum", "optimizers:SGDMomentum._update_rule", body
    )
    explained = _explanation(result)
    assert explained["confirmed"] == (
        "two statements are in the wrong order: `velocity += self.lr * grad` must come before "
        "`param -= velocity`"
    )
    assert explained["first_line"] == f"{path}:{begin + 1}"
    assert explained["rank"] > 0  # the edits of the first batch were tried first


def test_a_size_off_by_one_is_named_where_the_shapes_differ(tmp_path):
    body = (
        "x_pad = _pad_1d(input_, K // 2)\n"
        "n_out = len(x_pad) - K\n"
        "out = np.zeros(n_out)\n"
        "for o in range(n_out):\n"
        "    out[o] = np.dot(x_pad[o : o + K], param)\n"
        "return out"
    )
    result, path, begin = _graded(tmp_path, "chapter5.conv_1d", "conv_steps:conv_1d", body)
    explained = _explanation(result)
    assert explained["confirmed"] == "`len(x_pad) - K` is off by one: `len(x_pad) - K + 1` is right"
    assert explained["first_line"] == f"{path}:{begin + 1}"


def test_a_missing_method_call_is_inserted_and_named(tmp_path):
    """Every value agrees with the reference's, and still the check fails: the call the
    reference makes that the learner's function never does, tried at each place."""
    body = (
        "losses = []\n"
        "order = rng.permutation(len(X_train))\n"
        "for X_batch, y_batch in self.generate_batches(X_train, y_train, batch_size, order):\n"
        "    losses.append(self.net.train_batch(X_batch, y_batch))\n"
        "return float(np.mean(losses))"
    )
    result, path, begin = _graded(
        tmp_path, "chapter3.train_epoch", "trainer:Trainer._train_epoch", body
    )
    explained = _explanation(result)
    assert explained["confirmed"] == (
        "`self.optim.step()` is never called: it belongs after "
        "`losses.append(self.net.train_batch(X_batch, y_batch))`"
    )
    assert explained["first_line"] == f"{path}:{begin + 3}"


def test_a_correct_alternative_with_other_calls_and_order_gets_no_name(tmp_path):
    body = (
        "sum_square += np.square(grad)\nparam -= self.lr / (np.sqrt(sum_square) + self.eps) * grad"
    )
    result, _, _ = _graded(
        tmp_path, "chapter6.adagrad", "rnn_optimizers:AdaGrad._update_rule", body
    )
    assert result.passed
    assert not any("explanation" in c.details for c in result.checks)


def test_an_edit_proven_on_one_check_alone_is_no_proof(monkeypatch):
    """A structural edit must pass the failing check on inputs of another seed and every other
    check of the exercise: the first proposal passes only the failing check (one batch in an
    epoch, where a step after the loop equals one inside it), the second passes them all."""
    from dlfs.autograder.grading import explain

    failing, other = SimpleNamespace(call="failing"), SimpleNamespace(call="other")
    chance = SimpleNamespace(fid=0, edit="chance", also=())
    fix = SimpleNamespace(fid=0, edit="fix", also=())
    passes = {("failing", "chance"), ("failing", "fix"), ("other", "fix")}
    runner, runs = _fake_worker(monkeypatch, passes, lambda edit: edit)
    lock = explain.threading.Lock()
    proven = explain._prove([failing, other], [chance, fix], _ANSWERS, runner, lock)
    assert proven is fix
    assert runs == [2, 2]  # both edits on the failing check, then the two that passed it
    assert explain._prove([failing], [chance, fix], _ANSWERS, runner, lock) is chance


def _fake_worker(monkeypatch, passes: set[tuple[str, str]], label) -> tuple[object, list[int]]:
    """A runner whose call passes where ``(check's call, label(edit))`` is in ``passes``,
    and the sizes of the runs it was given."""
    from dlfs.autograder.grading import explain
    from dlfs.autograder.sandbox.protocol import CallOutcome, WorkerRun

    runs: list[int] = []

    def runner(calls, trace, timeout):
        runs.append(len(calls))
        pairs = zip(calls, (label(e[0][1]) for e in trace["edits"]), strict=True)
        return WorkerRun("finished", [CallOutcome("ok", message=f"{c}:{e}") for c, e in pairs])

    def judged(check, outcome, answers):
        return outcome.message in {f"{c}:{e}" for c, e in passes if c == check.call}

    monkeypatch.setattr(explain, "_passes", judged)
    monkeypatch.setattr(explain, "TraceJob", lambda record, edits: _Job(edits))
    return runner, runs


class _Job:
    def __init__(self, edits):
        self.edits = edits

    def to_json(self):
        return {"edits": self.edits}


_ANSWERS = SimpleNamespace(runs_hidden=True)


@pytest.mark.parametrize(
    ("code", "measured"),
    [("x.shape[1]", True), ("len(x)", True), ("n // k", False), ("x.shape[1] - K", False)],
)
def test_a_size_read_off_an_array_is_never_proposed_one_off(code, measured):
    """``x.shape[1] - 1`` makes a check pass only where another size happens to be one away
    (D = H - 1): a name by chance. A size computed from others may be off by one."""
    import ast

    from dlfs.autograder.grading import opedits

    assert opedits._measured(ast.parse(code, mode="eval").body) is measured


# --- edits that only cancel a part, and factors that are the object's own numbers ------------


@pytest.mark.parametrize(
    ("original", "edited", "cancelled"),
    [
        ("x / (K * K)", "x / K * K", True),  # regrouped: the factor gone, not misgrouped
        ("x / (K * K)", "x / (K / K)", True),  # the operator swapped: 1
        ("g * (s - s)", "g * (s + s)", False),
        ("a * b + c", "a * (b + c)", False),
        ("x - y", "x + y", False),
        ("(a - b) * c", "a - b * c", False),
        ("(1.0 - u) ** 2 * g", "(1.0 - u) ** (2 * g)", False),  # a negative number's power:
        ("g * (1.0 - u) ** 2", "(g * (1.0 - u)) ** h", False),  # complex, no number to compare
    ],
)
def test_an_edit_that_only_cancels_an_operand_is_recognised(original, edited, cancelled):
    from dlfs.autograder.grading.cancels import cancels

    node, new = ast.parse(original, mode="eval").body, ast.parse(edited, mode="eval").body
    assert cancels(node, new) is cancelled


def test_a_window_mean_divided_by_the_size_once_is_named_by_the_size(tmp_path):
    """Averaging a window by `self.size` where it holds `self.size ** 2` pixels: the factor
    is the layer's own number, and it is named so (not "twice" at size 2)."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "pooling:AvgPool2D._output",
        "shape = (*self.input_.shape[:2], *self._output_size())\n"
        "total = np.zeros(shape)\n"
        "for i in range(self.size):\n"
        "    for j in range(self.size):\n"
        "        total = total + self.input_[self._at(i, j)]\n"
        "return total / self.size\n",
    )
    (result,) = grade("chapter5.avg_pool", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "= `self.size`" in text and "divide by `self.size` once more" in text, text
    assert "twice the right value" not in text.split("\n")[0]


def test_a_sum_divided_by_its_own_count_twice_is_a_factor_too_many(tmp_path):
    """col2im that averages what it adds back, `/ (K * K)`: the factor is one too many; a
    regrouping (`/ K * K`) or a swapped operator (`/ (K / K)`) would pass the check only by
    cancelling it, and must not be the name."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "im2col:col2im",
        "p = K // 2\n"
        "patches = cols.reshape(N, C, K, K, H, W)\n"
        "padded = np.zeros((N, C, H + 2 * p, W + 2 * p))\n"
        "for i in range(K):\n"
        "    for j in range(K):\n"
        "        padded[:, :, i : i + H, j : j + W] += patches[:, :, i, j]\n"
        "return padded[:, :, p : p + H, p : p + W] / (K * K)\n",
    )
    (result,) = grade("chapter5.col2im", path=workspace, record=False).exercises
    message = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "the extra factor `K * K`" in message, message
    assert "groups the wrong way" not in message and "wrong operator" not in message


def test_an_axis_padded_that_should_keep_its_size_is_named_and_proven(tmp_path):
    """im2col padding with one width, `np.pad(input_, p)`: the batch and channel axes are
    padded too. The padded value holds the right one in its middle; trimmed back to the
    input's size along those axes the check passes, so the name says which axes."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "im2col:im2col",
        "N, C, H, W = input_.shape\n"
        "p = K // 2\n"
        "padded = np.pad(input_, p)\n"
        "windows = np.lib.stride_tricks.sliding_window_view(padded, (K, K), axis=(2, 3))\n"
        "windows = windows[: N + 2 * p, : C + 2 * p]\n"
        "return np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(\n"
        "    windows.shape[0], windows.shape[1] * K * K, H * W\n"
        ")\n",
    )
    (result,) = grade("chapter5.im2col", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "larger than the right value along axis 0" in text and "axis 1" in text, text
    assert "`input_`'s size" in text and "with that undone, this check passes" in text, text


def test_a_graph_walked_leaves_first_is_named_though_no_value_departs(tmp_path):
    """Passing gradients from the leaves up (a topological sort by a path of iterators,
    walked in its own order): every value is one the reference computes too, only too early,
    so nothing departs; the loop run the other way round is tried and proven."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "autodiff:NumberWithGrad.backward",
        "order, seen = [], {id(self)}\n"
        "path = [(self, iter(self.depends_on))]\n"
        "while path:\n"
        "    node, parents = path[-1]\n"
        "    parent = next(parents, None)\n"
        "    if parent is None:\n"
        "        order.append(path.pop()[0])\n"
        "    elif id(parent) not in seen:\n"
        "        seen.add(id(parent))\n"
        "        path.append((parent, iter(parent.depends_on)))\n"
        "pending = {id(self): 1 if backward_grad is None else backward_grad}\n"
        "for node in order:\n"
        "    g = pending.pop(id(node), 0)\n"
        "    node.grad = g if node.grad is None else node.grad + g\n"
        "    if node.creation_op == 'add':\n"
        "        local = (1, 1)\n"
        "    elif node.creation_op == 'mul':\n"
        "        local = (node.depends_on[1].num, node.depends_on[0].num)\n"
        "    else:\n"
        "        continue\n"
        "    for parent, d in zip(node.depends_on, local):\n"
        "        pending[id(parent)] = pending.get(id(parent), 0) + g * d\n",
    )
    (result,) = grade("chapter6.number_with_grad_backward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "the loop over `order` runs in the wrong order" in text, text
    assert "with that undone, this check passes" in text


def test_a_cell_state_read_before_its_tanh_is_found_though_a_later_element_matches(tmp_path):
    """The output gate's gradient from the cell state where its tanh belongs: what the node
    returns last (the cell's gradient, `dC * f`) is right, but it is not computed from the
    wrong value; the departing line is the one that reads `self.C_out`, and the name is
    the value after the activation, proven."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace,
        "rnn_nodes:LSTMNode.backward",
        "W_v, W = params_dict['W_v']['value'], params_dict['W_fioc']['value']\n"
        "params_dict['W_v']['deriv'] += self.H_out.T @ x_out_grad\n"
        "params_dict['B_v']['deriv'] += x_out_grad.sum(axis=0, keepdims=True)\n"
        "d_h = x_out_grad @ W_v.T + H_out_grad\n"
        "n_h = d_h.shape[1]\n"
        "f, i, o, c_bar = np.split(self.gates, 4, axis=1)\n"
        "d_c = C_out_grad + d_h * o * (1.0 - self.tanh_C**2)\n"
        "d_gates = np.concatenate(\n"
        "    [d_c * self.C_in * f * (1 - f), d_c * c_bar * i * (1 - i),\n"
        "     d_h * self.C_out * o * (1 - o), d_c * i * (1 - c_bar**2)], axis=1)\n"
        "params_dict['W_fioc']['deriv'] += self.Z.T @ d_gates\n"
        "params_dict['B_fioc']['deriv'] += d_gates.sum(axis=0, keepdims=True)\n"
        "d_z = d_gates @ W.T\n"
        "return d_z[:, :-n_h], d_z[:, -n_h:], d_c * f\n",
    )
    (result,) = grade("chapter6.lstm_node_backward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`self.C_out` is read where `self.tanh_C` belongs" in text, text
    assert "with that undone, this check passes" in text


def test_a_weight_transposed_once_too_often_is_named_on_its_dot_t(tmp_path):
    """A weight kept as [in, out] but read as PyTorch keeps one, `self.param.T`: the product
    raises, nothing departs before it, and the name is the `.T` too many (never "transpose
    `self.param`", which reads as the opposite of the fix)."""
    workspace = reference_workspace(tmp_path)
    replace_body(
        workspace, "operations:WeightMultiply._output", "return self.input_ @ self.param.T"
    )
    (result,) = grade("chapter3.weight_multiply_forward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`self.param.T` is transposed once too often (a .T too many)" in text, text
    assert "should be transposed here (`self.param.T`)" not in text


@pytest.mark.parametrize(
    ("exercise", "target", "body", "named"),
    [
        (  # backward through time: the state's gradient from the previous pass, never passed on
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "x_seq_in_grad = np.empty((N, T, D))\n"
            "zeros = np.zeros((N, self.hidden_size))\n"
            "for t in range(T - 1, -1, -1):\n"
            "    grad_t, H_grad_prev = self.nodes[t].backward(\n"
            "        x_seq_out_grad[:, t, :], zeros, self.params)\n"
            "    x_seq_in_grad[:, t, :] = grad_t\n"
            "return x_seq_in_grad\n",
            "`zeros` is read on every pass of the loop where `H_grad_prev` belongs",
        ),
        (  # a while loop whose state is bound under a new name each pass
            "chapter6.rnn_layer_forward",
            "rnn_layers:RNNLayer.forward",
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "state = H_in\n"
            "t = 0\n"
            "while t < T:\n"
            "    out, new_state = self.nodes[t].forward(x_seq_in[:, t, :], state, self.params)\n"
            "    x_seq_out[:, t, :] = out\n"
            "    t += 1\n"
            "H_in = new_state\n",
            "`state` is read on every pass of the loop where `new_state` belongs",
        ),
    ],
)
def test_a_state_a_loop_never_carries_is_named_by_the_name_it_is_bound_to(
    tmp_path, exercise, target, body, named
):
    """A recurrent loop that hands every step the initial state: the value each pass should
    start from is the one the previous pass bound (under a name the loop binds only, so it
    is unbound on the first pass), proven by reading it from the second pass on."""
    result, _, _ = _graded(tmp_path, exercise, target, body)
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    "body",
    [
        # a plain number taken apart by hand: its node in depends_on is the raw number, which
        # the course's backward cannot walk (no line of the learner's raises)
        "value = other.num if isinstance(other, NumberWithGrad) else float(other)\n"
        "return NumberWithGrad(self.num * value, depends_on=[self, other], creation_op='mul')\n",
        # the product built in two steps, `other.num` raising for a plain number
        "product = NumberWithGrad(self.num, depends_on=[self], creation_op='mul')\n"
        "product.num *= other.num\n"
        "product.depends_on.append(other)\n"
        "return product\n",
    ],
)
def test_an_argument_the_reference_converts_first_is_named_by_its_conversion(tmp_path, body):
    """`a * 3`: the reference makes a node of a plain number first (`other =
    _ensure_number(other)`); code that never does is named by that statement, proven by
    putting it first, whether the learner's line raises or the course's code does."""
    result, _, _ = _graded(
        tmp_path, "chapter6.number_with_grad_mul", "autodiff:NumberWithGrad.__mul__", body
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`other = _ensure_number(other)`" in text, text
    assert "with that undone, this check passes" in text


def test_a_term_missing_that_is_a_slice_of_another_value_is_named_by_the_slice(tmp_path):
    """A GRU's input-state gradient that forgets what reaches H_in through the gates: the
    term left out is no value of its own but a piece of one (`dZ[:, D:]`, the gates'
    gradient cut at the input's width), named with the function's own names for its bounds
    and proven by adding it back."""
    workspace = reference_workspace(tmp_path)
    path, region = regions_by_target(workspace)["rnn_nodes:GRUNode.backward"]
    lines = path.read_text(encoding="utf-8").splitlines()
    body = "\n".join(lines[region.begin : region.end - 1])
    assert "H_in_grad = dZ[:, D:] + d_reset_H * self.r + dH * self.u" in body
    body = body.replace("H_in_grad = dZ[:, D:] + d_reset_H", "H_in_grad = d_reset_H")
    replace_body(workspace, "rnn_nodes:GRUNode.backward", body)
    (result,) = grade("chapter6.gru_node_backward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "misses the term `dZ[:, D:]`" in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.torch
def test_a_loss_rebuilt_from_its_number_is_named_as_cut_from_the_graph(tmp_path):
    """A float32 model's loss turned into a Python number and back into a tensor: its number
    is right, and a float64 number of the reference's (what `train_batch` returns) has it,
    but what is wrong is the graph, not the precision."""
    pytest.importorskip("torch")
    body = (
        "self.optim.zero_grad()\n"
        "number = float(self.loss(prediction_of(self.model(X_batch)), y_batch))\n"
        "rebuilt = torch.as_tensor(number).requires_grad_()\n"
        "rebuilt.backward()\n"
        "self.optim.step()\n"
        "return number\n"
    )
    result, _, _ = _graded(
        tmp_path, "chapter7.train_batch", "pytorch.trainer:PyTorchTrainer.train_batch", body
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "cut off from the autograd graph" in text, text
    assert "lower precision" not in text, text


def _reference_body_with(workspace: Path, target: str, old: str, new: str) -> None:
    """``target``'s reference body with ``old`` (which it must hold) made ``new``."""
    path, region = regions_by_target(workspace)[target]
    lines = path.read_text(encoding="utf-8").splitlines()
    body = textwrap.dedent("\n".join(lines[region.begin : region.end - 1]))
    assert old in body, body
    replace_body(workspace, target, body.replace(old, new))


@pytest.mark.parametrize(
    ("exercise", "target", "old", "new", "named"),
    [
        (  # the state before the input in the concatenation (a layout from another text)
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            "np.concatenate([x_in, H_in], axis=1)",
            "np.concatenate([H_in, x_in], axis=1)",
            "`[H_in, x_in]` has its elements the wrong way round",
        ),
        (  # both gradients right, returned in each other's place: no value departs
            "chapter6.gru_node_backward",
            "rnn_nodes:GRUNode.backward",
            "return x_in_grad, H_in_grad",
            "return H_in_grad, x_in_grad",
            "`(H_in_grad, x_in_grad)` has its elements the wrong way round",
        ),
    ],
)
def test_elements_of_a_list_or_a_returned_tuple_the_wrong_way_round_are_named(
    tmp_path, exercise, target, old, new, named
):
    """Two elements of a list (what is concatenated) or of the tuple returned exchanged:
    named by the swap, proven by making it."""
    workspace = reference_workspace(tmp_path)
    _reference_body_with(workspace, target, old, new)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.torch
def test_a_fixed_size_where_the_last_pieces_size_belongs_is_named(tmp_path):
    """Chunks of `batch_size` rows, each loss weighted by `batch_size`: right for every chunk
    but the last, which is shorter when the size does not divide the rows. Named by the size
    of the piece the loop cut, proven by reading it."""
    pytest.importorskip("torch")
    body = (
        "was_training = self.model.training\n"
        "self.model.eval()\n"
        "weighted = []\n"
        "with torch.no_grad():\n"
        "    start = 0\n"
        "    while start < X.shape[0]:\n"
        "        chunk, target = X[start:start + batch_size], y[start:start + batch_size]\n"
        "        loss = float(self.loss(prediction_of(self.model(chunk)), target))\n"
        "        weighted.append(loss * batch_size)\n"
        "        start += batch_size\n"
        "self.model.train(was_training)\n"
        "return sum(weighted) / X.shape[0]\n"
    )
    result, _, _ = _graded(
        tmp_path, "chapter7.evaluate", "pytorch.trainer:PyTorchTrainer.evaluate", body
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert re.search(r"`batch_size` is read where `(chunk|target)\.shape\[0\]` belongs", text), text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("exercise", "target", "old", "new", "named"),
    [
        (  # a candidate's gate differentiated as a sigmoid
            "chapter6.lstm_node_backward",
            "rnn_nodes:LSTMNode.backward",
            "dA[:, 3 * H :] = dC * i * (1.0 - c_bar * c_bar)",
            "dA[:, 3 * H :] = dC * i * c_bar * (1.0 - c_bar)",
            "takes the sigmoid's derivative at its output, `c_bar`·(1 − `c_bar`), where tanh's",
        ),
        (  # the tanh of the cell's derivative written as if it were taken at its input
            "chapter6.lstm_node_backward",
            "rnn_nodes:LSTMNode.backward",
            "dC = C_out_grad + dH * o * (1.0 - self.tanh_C * self.tanh_C)",
            "dC = C_out_grad + dH * o * (1.0 - np.tanh(self.tanh_C) ** 2)",
            "takes tanh's derivative at its input, 1 − tanh(`self.tanh_C`)², where tanh's "
            "derivative at its output",
        ),
        (  # the sigmoid's backward with tanh's derivative, written another way
            "chapter3.sigmoid_backward",
            "activations:Sigmoid._input_grad",
            "",
            "return output_grad - output_grad * self.output ** 2",
            "where the sigmoid's derivative at its output",
        ),
    ],
)
def test_the_derivative_of_another_activation_is_named(tmp_path, exercise, target, old, new, named):
    """A derivative written for another activation than the one applied (or taken at its
    input where it belongs at its output), in whatever form it is written: the reference's
    value is the learner's times right(y) / written(y), named and proven by that exchange."""
    workspace = reference_workspace(tmp_path)
    if old:
        _reference_body_with(workspace, target, old, new)
    else:
        replace_body(workspace, target, new)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("exercise", "target", "body", "named"),
    [
        (  # the cell's two sources exchanged (each gate multiplies the other's value)
            "chapter6.lstm_node_forward",
            "rnn_nodes:LSTMNode.forward",
            None,
            r"`(c_bar|f)` and `(C_in|i)` are the wrong way round",
        ),
        (  # the first step's input read on every step
            "chapter6.rnn_layer_forward",
            "rnn_layers:RNNLayer.forward",
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "for t in range(T):\n"
            "    x_seq_out[:, t, :], H_in = self.nodes[t].forward(\n"
            "        x_seq_in[:, 0, :], H_in, self.params)\n",
            "`0` is written in",
        ),
        (  # a string copied from the neighbouring method
            "chapter6.number_with_grad_add",
            "autodiff:NumberWithGrad.__add__",
            "other = _ensure_number(other)\n"
            "return NumberWithGrad(self.num + other.num, depends_on=[self, other],"
            " creation_op='mul')\n",
            "`'mul'` is written where `'add'` belongs",
        ),
        (  # dropout applied at inference and skipped in training
            "chapter4.dropout",
            "dropout:Dropout._output",
            "if not inference:\n"
            "    return self.input_\n"
            "keep = self.rng.random(self.input_.shape) < self.keep_prob\n"
            "self.mask = keep / self.keep_prob\n"
            "return self.input_ * self.mask\n",
            "the condition `not inference` is the wrong way round",
        ),
        (  # a new array computed and dropped
            "chapter4.relu",
            "activations:ReLU._output",
            "out = self.input_.copy()\nnp.maximum(out, 0.0)\nreturn out\n",
            "throws it away: `out = np.maximum(out, 0.0)` keeps it",
        ),
        (  # the state's gradient reset on every step of backpropagation through time
            "chapter6.rnn_layer_backward",
            "rnn_layers:RNNLayer.backward",
            "x_seq_in_grad = np.empty((N, T, D))\n"
            "for t in reversed(range(T)):\n"
            "    H_grad = np.zeros((N, self.hidden_size))\n"
            "    x_seq_in_grad[:, t, :], H_grad = self.nodes[t].backward(\n"
            "        x_seq_out_grad[:, t, :], H_grad, self.params)\n"
            "return x_seq_in_grad\n",
            "runs on every pass of the loop, undoing what earlier passes did",
        ),
    ],
)
def test_a_rewrite_of_what_a_statement_reads_or_how_a_block_runs_is_named(
    tmp_path, exercise, target, body, named
):
    """Mistakes no relation of the numbers names: two values exchanged, a constant for a
    name, another string, a condition turned round, a result thrown away, a reset inside a
    loop. Each is named by the rewrite that undoes it, proven by making it."""
    workspace = reference_workspace(tmp_path)
    if body is None:
        _reference_body_with(workspace, target, "f * C_in + i * c_bar", "f * c_bar + i * C_in")
    else:
        replace_body(workspace, target, body)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert re.search(named, text) if named.startswith("`(") else named in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.torch
def test_autograd_switched_off_and_left_off_by_evaluate_loses_points(tmp_path):
    """`torch.set_grad_enabled(False)` in evaluate, where `with torch.no_grad():` belongs:
    the loss is right, but every training step after it builds no graph."""
    pytest.importorskip("torch")
    body = (
        "was_training = self.model.training\n"
        "self.model.eval()\n"
        "torch.set_grad_enabled(False)\n"
        "total = 0.0\n"
        "for start in range(0, X.shape[0], batch_size):\n"
        "    X_chunk, y_chunk = X[start : start + batch_size], y[start : start + batch_size]\n"
        "    total += float(self.loss(prediction_of(self.model(X_chunk)), y_chunk))"
        " * X_chunk.shape[0]\n"
        "self.model.train(was_training)\n"
        "return total / X.shape[0]\n"
    )
    result, _, _ = _graded(
        tmp_path, "chapter7.evaluate", "pytorch.trainer:PyTorchTrainer.evaluate", body
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "gradients_on_after: got 0, expected 1" in text, text


def test_a_callback_run_before_the_evaluation_it_should_see_is_found_and_named(tmp_path):
    """fit's epoch ended (callbacks run, the learning rate decayed) before the epoch's
    evaluation: every number the model computes is right, but a callback sees the history
    without this epoch's validation loss. The early-stopping check counts what callbacks
    see; no value departs, and the two statements the other way round are named."""
    workspace = reference_workspace(tmp_path)
    path, region = regions_by_target(workspace)["trainer:Trainer.fit"]
    lines = path.read_text(encoding="utf-8").splitlines()
    body = textwrap.dedent("\n".join(lines[region.begin : region.end - 1]))
    ended = "    self._end_epoch(epoch, epochs, history, callbacks)\n"
    evaluated = "    if epoch % eval_every == 0:\n"
    assert ended in body and evaluated in body
    body = body.replace(ended, "").replace(evaluated, ended + evaluated)
    replace_body(workspace, "trainer:Trainer.fit", body)
    (result,) = grade("chapter3.early_stopping", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "two statements are in the wrong order" in text, text
    assert "with that undone, this check passes" in text


def test_floor_division_where_true_division_belongs_is_named(tmp_path):
    """`2 // (n_in + n_out)`: Python's integer division rounds the scale down to 0."""
    result, _, _ = _graded(
        tmp_path,
        "chapter4.glorot",
        "layers:init_scale",
        "return float(np.sqrt(2 // (n_in + n_out)))",
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "divides rounding down (`//`) where true division (`/`) belongs" in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (  # the update gate's complement applied twice
            "dA_h = dH * (1.0 - self.u) * (1.0 - self.h_bar * self.h_bar)",
            "dA_h = dH * (1.0 - self.u) ** 2 * (1.0 - self.h_bar * self.h_bar)",
            "has the extra factor `(1 - self.u)`",
        ),
        (  # the candidate's share left out, in two statements
            "dA_h = dH * (1.0 - self.u) * (1.0 - self.h_bar * self.h_bar)",
            "dh_bar = dH.copy()\ndA_h = dh_bar * (1.0 - self.h_bar**2)",
            "misses the factor `(1 - self.u)`",
        ),
    ],
)
def test_a_factor_that_is_a_known_values_complement_is_named(tmp_path, old, new, named):
    """A gate's complement `(1 - u)` missing from a product, or one too many: the ratio of the
    reference's value to the learner's is 1 - u for a value u the call knows."""
    workspace = reference_workspace(tmp_path)
    _reference_body_with(workspace, "rnn_nodes:GRUNode.backward", old, new)
    (result,) = grade("chapter6.gru_node_backward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


_TWINS = """
def f(self, x, h_n, c_n):
    h = self.h.expand(x, -1).unsqueeze(1)
    c = self.c.expand(x, -1).unsqueeze(1)
    y = np.dot(h, x)
    w = x + 1
    z = np.dot(x, c)
    self.h = c_n.mean(0)
    self.c = h_n.mean(0)
    return y + z
"""


def _node(source: Source, line: int, text: str) -> ast.AST:
    return next(
        n
        for n in ast.walk(source.node)
        if getattr(n, "lineno", 0) == line and ast.unparse(n) == text
    )


def test_an_edit_is_made_alike_in_the_statements_written_twice(tmp_path):
    """Twins are consecutive statements of one form up to names: an edit of one is made at
    the same place of the other; a name read instead is exchanged between them; statements
    of one form that are not next to each other are no twins."""
    from dlfs.autograder.grading.relations import Proposal
    from dlfs.autograder.grading.twins import twinned
    from dlfs.autograder.sandbox.instrument import Edit, span_of

    path = tmp_path / "m.py"
    path.write_text(_TWINS, encoding="utf-8")
    source = Source(str(path), _TWINS, "m:f")
    one = _node(source, 3, "1")
    offset = Proposal(0, Edit(span_of(one), "offset", (-1,)), "1 should be 0", 0, 3)
    read = _node(source, 8, "c_n")
    exchange = Proposal(0, Edit(span_of(read), "name", ("h_n",)), "c_n for h_n", 0, 8)
    apart = Proposal(0, Edit(span_of(_node(source, 5, "np.dot(h, x)")), "swap", (0, 1)), "", 0, 5)
    made = twinned([offset, exchange, apart], [source])
    assert [p.also for p in made] == [
        (Edit(span_of(_node(source, 4, "1")), "offset", (-1,)),),
        (Edit(span_of(_node(source, 9, "h_n")), "name", ("c_n",)),),
    ]
    assert made[0].name.startswith("1 should be 0; the same in line 4 (`c = self.c.expand(")


@pytest.mark.torch
def test_a_slip_made_in_both_of_two_twin_lines_is_named_in_both(tmp_path):
    """Both initial states given the batch axis first (a held-out case of set O): no single
    edit passes, the two together do."""
    pytest.importorskip("torch")
    workspace = reference_workspace(tmp_path)
    _reference_body_with(
        workspace, "pytorch.lstm:LSTMLayer.forward", ".unsqueeze(0)", ".unsqueeze(1)"
    )
    (result,) = grade("chapter7.lstm_layer", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`unsqueeze(1)` should be `unsqueeze(0)`; the same in line" in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("target", "old", "new", "named"),
    [
        (  # the book's [C_in, C_out, K, K] filters read as PyTorch's [C_out, C_in, K, K]
            "conv:Conv2DOperation._output",
            "weights = self.param.transpose(1, 0, 2, 3).reshape(C_out, -1)",
            "filters = self.param\nweights = filters.reshape(C_out, -1)",
            "`filters.transpose(1, 0, 2, 3)` first",
        ),
    ],
)
def test_a_reshape_of_axes_in_another_order_is_named_by_the_order(
    tmp_path, target, old, new, named
):
    """A reshape that needs the axes moved first: the reference's value is the learner's
    operand with its axes permuted, then reshaped alike."""
    workspace = reference_workspace(tmp_path)
    _reference_body_with(workspace, target, old, new)
    (result,) = grade("chapter5.conv_operation_forward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


def test_an_exchange_of_axes_that_should_not_be_there_is_said_so(tmp_path):
    """`swapaxes(1, 2)` proven wrong by making it `swapaxes(2, 2)`: said as the call left
    out, not as a number off by one."""
    result, _, _ = _graded(
        tmp_path,
        "chapter5.flatten",
        "conv:Flatten._output",
        "return self.input_.swapaxes(1, 2).reshape(self.input_.shape[0], -1)",
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`swapaxes(1, 2)` moves axes that are where they belong: leave it out" in text, text
    assert "off by one" not in text


def test_derivatives_added_where_the_chain_rule_multiplies_them_are_named(tmp_path):
    """The chain rule's factors summed, written as calls combined in one line (no names
    bound first): the operator between them is named and proven."""
    result, _, _ = _graded(
        tmp_path,
        "chapter1.chain_deriv_3",
        "foundations:chain_deriv_3",
        "f1_of_x = f1(input_range)\n"
        "f2_of_x = f2(f1_of_x)\n"
        "return deriv(f1, input_range) * deriv(f2, f1_of_x) + deriv(f3, f2_of_x)",
    )
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "uses the wrong operator: it should multiply, not add" in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("exercise", "target", "old", "new", "named"),
    [
        (  # NumPy: every number in one row
            "chapter5.flatten",
            "conv:Flatten._output",
            "return self.input_.reshape(self.input_.shape[0], -1)",
            "return self.input_.reshape(-1)",
            "`self.input_.reshape(-1)` flattens the batch axis too",
        ),
        (  # PyTorch: a view of one row
            "chapter7.conv_layer",
            "pytorch.layers:ConvLayer.forward",
            "x = x.flatten(start_dim=1)",
            "x = x.view(-1)",
            "`x.view(-1)` flattens the batch axis too",
        ),
    ],
)
def test_a_flattening_that_takes_the_batch_axis_with_it_is_named(
    tmp_path, exercise, target, old, new, named
):
    if exercise.startswith("chapter7"):
        pytest.importorskip("torch")
    workspace = reference_workspace(tmp_path)
    _reference_body_with(workspace, target, old, new)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


def test_a_slice_bounded_by_the_size_of_another_axis_is_named(tmp_path):
    """`dZ_h[:, H:]` where `dZ_h[:, D:]` belongs: two sizes the call knows, confused."""
    workspace = reference_workspace(tmp_path)
    _reference_body_with(
        workspace,
        "rnn_nodes:GRUNode.backward",
        "d_reset_H = dZ_h[:, D:]",
        "d_reset_H = dZ_h[:, H:]",
    )
    (result,) = grade("chapter6.gru_node_backward", path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert "`H` bounds the slice `H:` where `D` belongs" in text, text
    assert "with that undone, this check passes" in text


@pytest.mark.parametrize(
    ("exercise", "target", "old", "new", "named"),
    [
        (  # a batch of signals slid over without their zeros
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            "sliding_window_view(_pad_1d_batch(input_, K // 2), K, axis=1)",
            "sliding_window_view(input_, K, axis=1)",
            "`input_` is read unpadded: `K // 2` zeros on each side of axis 1 belong first",
        ),
        (  # images slid over without their border
            "chapter5.conv_2d",
            "conv_steps:conv_2d",
            "sliding_window_view(_pad_2d(input_, K // 2), (K, K), axis=(1, 2))",
            "sliding_window_view(input_, (K, K), axis=(1, 2))",
            "`input_` is read unpadded: `K // 2` zeros on each side of axes 1, 2 belong first",
        ),
    ],
)
def test_windows_slid_over_an_array_not_padded_are_named_by_the_padding(
    tmp_path, exercise, target, old, new, named
):
    workspace = reference_workspace(tmp_path)
    _reference_body_with(workspace, target, old, new)
    (result,) = grade(exercise, path=workspace, record=False).exercises
    text = "\n".join(c.message for c in result.checks if c.message)
    assert result.score < result.max_score
    assert named in text, text
    assert "with that undone, this check passes" in text


def test_a_reversal_is_not_proposed_where_the_input_is_its_own_mirror(tmp_path):
    """sigmoid's first check reads x = [-a, 0, a]: reversed, that is -x, so "read x
    reversed" passes the check as well as the sign does. Only the sign is a name."""
    result, _, _ = _graded(
        tmp_path, "chapter1.sigmoid", "foundations:sigmoid", "return 1 / (1 + np.exp(x))"
    )
    assert "wrong sign" in result.message
    assert "reversed" not in result.message and "flipped" not in result.message


def test_a_backward_that_changes_what_forward_stored_is_named(tmp_path):
    """What forward stored (``self.output``) is read-only while backward runs: a backward
    that squares it in place would give a second backward other numbers. Its message names
    the array and the line, and no edit is proposed in its place."""
    body = "self.output *= 1.0 - self.output\nreturn output_grad * self.output"
    result, path, begin = _graded(
        tmp_path, "chapter3.sigmoid_backward", "activations:Sigmoid._input_grad", body
    )
    assert result.score == 0
    assert "changed self.output in place" in result.message
    assert "which forward stored for backward" in result.message
    assert f"{path}:{begin}" in result.message
    assert "with that undone" not in result.message


def test_an_array_changed_through_a_second_name_is_named_as_no_copy(tmp_path):
    """``prediction = products`` binds no copy: adding B into it with ``out=`` changes the
    N the forward pass stores. No value departs where it is computed; the copy is proposed
    from the code and proven."""
    body = (
        "products = np.dot(X_batch, weights['W'])\n"
        "prediction = products\n"
        "np.add(prediction, weights['B'], out=prediction)\n"
        "loss = float(np.mean((y_batch - prediction) ** 2))\n"
        "return loss, {'X': X_batch, 'N': products, 'P': prediction, 'y': y_batch}"
    )
    result, path, begin = _graded(
        tmp_path,
        "chapter2.forward_linear_regression",
        "linear_regression:forward_linear_regression",
        body,
    )
    assert result.score == 0
    assert f"{path}:{begin + 1}" in result.message
    assert "`prediction = products` makes no copy" in result.message
    assert "with that undone, this check passes" in result.message


@pytest.mark.parametrize(
    ("exercise", "target", "body", "said", "not_said"),
    [
        (  # a loop that already runs backwards: the edit runs it forwards
            "chapter6.lstm_layer_forward",
            "rnn_layers:LSTMLayer.forward",
            "x_seq_out = np.empty((N, T, self.output_size))\n"
            "for t in range(T)[::-1]:\n"
            "    x_seq_out[:, t, :], H_in, C_in = self.nodes[t].forward(\n"
            "        x_seq_in[:, t, :], H_in, C_in, self.params\n"
            "    )",
            "it must run forwards (`range(T)`)",
            "reversed(range(T)[::-1])",
        ),
        (  # np.convolve flips the filter itself: one flip too many, not one missing
            "chapter5.conv_1d_batch",
            "conv_steps:conv_1d_batch",
            "return np.array([np.convolve(row, param, mode='same') for row in input_])",
            "flipped once too often",
            "the kernel is not flipped",
        ),
        (  # a clip whose bounds the right update never reaches: moving it proves nothing
            "chapter3.sgd",
            "optimizers:SGD._update_rule",
            "step = self.lr * np.clip(grad, -1.0, 1.0)\nparam -= step",
            "`np.clip(grad, -1.0, 1.0)` is a step too many",
            "in the wrong order",
        ),
    ],
)
def test_a_name_says_what_the_learner_wrote_not_its_mirror_image(
    tmp_path, exercise, target, body, said, not_said
):
    result, _, _ = _graded(tmp_path, exercise, target, body)
    assert result.score < result.max_score
    assert said in result.message
    assert not_said not in result.message


def test_a_matrix_product_with_a_weight_stored_out_by_in_asks_for_its_transpose():
    from dlfs.autograder.grading.slips import explain_exception

    error = "RuntimeError: mat1 and mat2 shapes cannot be multiplied ({})"
    said = explain_exception(error.format("8x6 and 2x6"))
    assert said is not None and "x @ W.T" in said
    other = explain_exception(error.format("8x6 and 5x2"))
    assert other is not None and "features per row" in other and "W.T" not in other


@pytest.mark.torch
def test_a_state_detached_as_the_key_detaches_it_is_not_said_to_be_cut_off(tmp_path):
    """Carrying nn.LSTM's whole final state [layers, N, H] where its mean [1, H] belongs: the
    learner detaches it as the key does, so "cut off from the autograd graph" would be wrong;
    the next batch's expand fails, and its message says which axis is too many."""
    pytest.importorskip("torch")
    body = (
        "h_0 = self.h_init.expand(x.shape[0], -1).unsqueeze(0).contiguous()\n"
        "c_0 = self.c_init.expand(x.shape[0], -1).unsqueeze(0).contiguous()\n"
        "out, state = self.lstm(x, (h_0, c_0))\n"
        "if self.training:\n"
        "    self.h_init, self.c_init = (s.detach() for s in state)\n"
        "out = self.fc(out)\n"
        "return out if self.dropout is None else self.dropout(out)"
    )
    result, _, _ = _graded(tmp_path, "chapter7.lstm_layer", "pytorch.lstm:LSTMLayer.forward", body)
    said = " ".join(check.message for check in result.checks)
    assert result.score < result.max_score
    assert "cut off from the autograd graph" not in said
    assert "(1, H), its mean over the batch" in said


def test_numbers_read_column_by_column_are_named_by_their_order(tmp_path):
    """MATLAB's habit: reshape(…, order='F') reads each image column by column; the
    keyword back to NumPy's order='C' makes the check pass, and that is what is said."""
    body = "N = len(self.input_)\nreturn self.input_.reshape((N, -1), order='F')"
    result, _, _ = _graded(tmp_path, "chapter5.flatten", "conv:Flatten._output", body)
    assert result.score < result.max_score
    assert "reads the numbers column by column" in result.message


def test_a_size_of_the_books_example_written_in_is_named_by_the_keys_expression(tmp_path):
    """A padding of 1, right for the book's 3-tap filters only: the key passes K // 2 to the
    same function, and written in for the 1, it makes the check pass."""
    body = (
        "windows = sliding_window_view(_pad_1d_batch(input_, 1), K, axis=1)\n"
        "return np.einsum('nlk,k->nl', windows, param)"
    )
    result, path, begin = _graded(
        tmp_path, "chapter5.conv_1d_batch", "conv_steps:conv_1d_batch", body
    )
    assert result.score < result.max_score
    assert f"{path}:{begin}" in result.message
    assert "`1` is written in where `K // 2` belongs" in result.message


def test_code_written_in_by_an_edit_is_names_and_arithmetic_only():
    from dlfs.autograder.sandbox.edits import expression

    assert ast.unparse(expression("(K - 1) // 2 + self.pad")) == "(K - 1) // 2 + self.pad"
    for hostile in ("open('/etc/passwd')", "x.__class__.__mro__[1]", "[1, 2]", "lambda: 0"):
        with pytest.raises(ValueError):
            expression(hostile)


def test_where_no_check_passed_an_exact_edit_must_fix_other_failing_checks(monkeypatch):
    """Every check failed, so none confirms an edit: an exact edit must also make the next
    failing checks pass (softmax's shift dropped passes on small scores, not on large ones);
    an approximate one (a roll, a ratio of derivatives) is not held to them."""
    from dlfs.autograder.grading import explain

    failing, other = SimpleNamespace(call="failing"), SimpleNamespace(call="other")

    def proposal(op: str) -> SimpleNamespace:
        return SimpleNamespace(fid=0, edit=SimpleNamespace(op=op), also=())

    by_chance, rolled, fix = proposal("name"), proposal("shift"), proposal("negate")
    passes = {("failing", "name"), ("failing", "shift"), ("failing", "negate"), ("other", "negate")}
    runner, _ = _fake_worker(monkeypatch, passes, lambda edit: edit.op)
    lock = explain.threading.Lock()
    tried = [by_chance, rolled, fix]
    assert explain._prove([failing], tried, _ANSWERS, runner, lock, [other]) is rolled
    assert explain._prove([failing], [by_chance, fix], _ANSWERS, runner, lock, [other]) is fix
    assert explain._prove([failing], [by_chance, fix], _ANSWERS, runner, lock) is by_chance


def test_a_gradient_kept_per_example_is_named_as_the_missing_sum(tmp_path):
    """The filter's gradient kept per image ([N, K, K]) where the parameter's is their sum:
    summed over that axis, the check passes."""
    body = (
        "padded = _pad_2d(input_, K // 2)\n"
        "patches = sliding_window_view(padded, (K, K), axis=(1, 2))\n"
        "return np.einsum('nhw,nhwij->nij', output_grad, patches)"
    )
    result, _, _ = _graded(tmp_path, "chapter5.conv_2d_backward", "conv_steps:_param_grad_2d", body)
    assert result.score < result.max_score
    assert "keeps axis 0" in result.message and ".sum(axis=0)" in result.message


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("(1, 4, 8), got [1, 4, 1]", "a mean or sum over the hidden units"),
        ("(1, 7, 8), got [1, 2, 8]", "another order than batch_first says"),
        ("(1, 7, 8), got [1, 1, 8]", "expand it over the batch"),
    ],
)
def test_a_recurrent_state_of_the_wrong_shape_is_read_by_the_axis_that_differs(given, said):
    from dlfs.autograder.grading.slips import explain_exception

    hint = explain_exception(f"RuntimeError: Expected hidden[0] size {given}")
    assert hint is not None and said in hint


@pytest.mark.torch
def test_an_activation_applied_twice_as_a_method_is_a_step_too_many(tmp_path):
    """conv1 applies its Tanh already: `.tanh()` on its output is a step too many, named by
    undoing that method call (a method of no arguments on a computed value)."""
    pytest.importorskip("torch")
    body = "h = self.conv1(x).tanh()\nreturn self.dense1(self.conv2(h))"
    target = "pytorch.autoencoder:Encoder.forward"
    result, _, _ = _graded(tmp_path, "chapter7.encoder", target, body)
    assert result.score < result.max_score
    assert "`self.conv1(x).tanh()` is a step too many: `self.conv1(x)` alone is right" in (
        result.message
    )


def test_a_backward_that_fills_its_own_gradient_buffer_again_passes(tmp_path):
    """A gradient buffer kept on the object and filled again by every backward is the
    learner's own (not what forward stored): it stays writeable."""
    body = (
        "if getattr(self, 'input_grad', None) is None or self.input_grad.shape != "
        "output_grad.shape:\n"
        "    self.input_grad = np.empty_like(output_grad)\n"
        "np.multiply(output_grad, self.output * (1.0 - self.output), out=self.input_grad)\n"
        "return self.input_grad.copy()"
    )
    result, _, _ = _graded(
        tmp_path, "chapter3.sigmoid_backward", "activations:Sigmoid._input_grad", body
    )
    assert result.score == result.max_score, result.message
