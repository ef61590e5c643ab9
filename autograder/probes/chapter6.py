"""Probes for chapter 6: NumberWithGrad, the recurrent nodes and layers, their optimizers."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.datasets import char_vocabulary, load_text

from . import book
from .builders import backward_after_forward, layer_backward, layer_forward
from .common import AFTER_FORWARD, numeric, output_grad_for
from .optimizer_eps import ADAGRAD_EPS
from .record import Probe, declare, no_inputs
from .shared import kept_apart

__all__ = ["PROBES"]

_OPS = {"": 0, "add": 1, "mul": 2}


def _node_record(node: Any, parents: list[Any]) -> dict[str, Any]:
    """A node as numbers: its value, how it was made, and how often it lists each of
    ``parents`` among what it depends on (in any order: [b, a] is as right as [a, b])."""
    depends = list(getattr(node, "depends_on", []) or [])
    return {
        "num": float(node.num),
        "op": _OPS.get(getattr(node, "creation_op", None), -1),
        "depends_on": np.array([sum(p is d for d in depends) for p in parents], dtype=np.int64),
        "parents": np.int64(len(depends)),
    }


def _number(rng: np.random.Generator) -> dict[str, float]:
    return {"a": float(rng.integers(1, 9))}


def nwg_add(ref: Any, inputs: dict[str, float]) -> dict[str, Any]:
    """a + b, a + 2, a + 0.5 and the gradients through them (the learner's __add__, the
    reference's backward): plain numbers of both kinds, int and float."""
    a, b = ref.NumberWithGrad(inputs["a"]), ref.NumberWithGrad(2.5)
    c = a + b
    record = _node_record(c, [a, b])
    d = ((a + 2) + (c + a)) + 0.5
    d.backward()
    return {**record, "d": float(d.num), "a_grad": float(a.grad), "b_grad": float(b.grad)}


def nwg_mul(ref: Any, inputs: dict[str, float]) -> dict[str, Any]:
    """a * b, a * 4, a * 0.5 and the gradients through them (the learner's __mul__): plain
    numbers of both kinds, int and float; a factor of zero; a node times itself."""
    a, b = ref.NumberWithGrad(inputs["a"]), ref.NumberWithGrad(-1.5)
    c = a * b
    record = _node_record(c, [a, b])
    d = ((a * 4) * (c * a)) * 0.5
    d.backward()
    e, zero = ref.NumberWithGrad(inputs["a"]), ref.NumberWithGrad(0.0)
    (e * zero).backward()  # a factor of zero: the product is 0, its gradients are not
    s = ref.NumberWithGrad(inputs["a"])
    (s * s).backward()  # a node times itself: both factors are it, d(s²)/ds = 2s
    return {
        **record,
        "d": float(d.num),
        "a_grad": float(a.grad),
        "b_grad": float(b.grad),
        "times_zero_grads": np.array([_grad_or_zero(e), _grad_or_zero(zero)]),
        "times_zero_reached": np.array([e.grad is not None, zero.grad is not None]),
        "square_grad": _grad_or_zero(s),
    }


def _grad_or_zero(node: Any) -> float:
    """A node's gradient, 0 where backward left none (``times_zero_reached`` says which)."""
    grad = getattr(node, "grad", None)
    return 0.0 if grad is None else float(grad)


def _nwg_inputs(rng: np.random.Generator) -> dict[str, float]:
    return {"x": float(rng.integers(2, 6))}


def nwg_backward(ref: Any, inputs: dict[str, float]) -> dict[str, Any]:
    """The book's example, a node used twice, a plain number, two backward calls and a
    gradient of zero given."""
    a = ref.NumberWithGrad(3)
    b = a * 4
    c = b + 3
    d = (a + 2) * c
    d.backward()
    book = float(a.grad)  # 35
    x = ref.NumberWithGrad(inputs["x"])
    y = x * 3
    z = y * (y + 1)  # y is used twice
    z.backward()
    reused = float(x.grad)
    u = ref.NumberWithGrad(2.0)
    v = u * u + u
    v.backward()
    v.backward(10.0)  # gradients add up over calls
    w = ref.NumberWithGrad(1.5)
    (w * w).backward(0.0)  # a gradient of zero given is zero, not the default (None: 1)
    return {
        "book_example": book,
        "reused_node": reused,
        "accumulated": float(u.grad),
        "zero_given": float(w.grad if w.grad is not None else np.nan),
    }


def _nwg_book_backward(ref: Any, inputs: dict[str, float]) -> dict[str, Any]:
    """The book's recursive backward, which re-sends accumulated gradients."""

    class Book:
        def __init__(self, num, depends_on=None, op=""):
            self.num, self.grad, self.depends_on, self.op = num, None, depends_on or [], op

        def __add__(self, other):
            other = other if isinstance(other, Book) else Book(other)
            return Book(self.num + other.num, [self, other], "add")

        def __mul__(self, other):
            other = other if isinstance(other, Book) else Book(other)
            return Book(self.num * other.num, [self, other], "mul")

        def backward(self, grad=None):
            grad = 1 if grad is None else grad
            self.grad = grad if self.grad is None else self.grad + grad
            if self.op == "add":
                self.depends_on[0].backward(self.grad)
                self.depends_on[1].backward(self.grad)
            elif self.op == "mul":
                first, second = self.depends_on
                first.backward(self.grad * second.num)
                second.backward(self.grad * first.num)

    x = Book(inputs["x"])
    y = x * 3
    z = y * (y + 1)
    z.backward()
    return {"reused_node": float(x.grad)}


_nwg_backward_mistakes = {
    "the book's bug: a node that receives its gradient in parts passes on the accumulated "
    "gradient each time, so a node used twice (y in y·(y + 1)) sends too much; sort the graph "
    "and visit each node once": _nwg_book_backward,
}


def nwg_backward_deep(ref: Any, inputs: dict[str, Any], depth: int = 5000) -> dict[str, Any]:
    """A chain of ``depth`` additions: deeper than Python's recursion limit."""
    a = ref.NumberWithGrad(1.0)
    node = a
    for _ in range(depth):
        node = node + 1.0
    node.backward()
    return {"a_grad": float(a.grad)}


# --- the nodes -----------------------------------------------------------------------------------

_NODE_PARAMS = {
    "RNNNode": lambda d, h, v: {"W_f": (d + h, h), "B_f": (1, h), "W_v": (h, v), "B_v": (1, v)},
    "GRUNode": lambda d, h, v: {
        "W_ru": (d + h, 2 * h),
        "B_ru": (1, 2 * h),
        "W_h": (d + h, h),
        "B_h": (1, h),
        "W_v": (h, v),
        "B_v": (1, v),
    },
    "LSTMNode": lambda d, h, v: {
        "W_fioc": (d + h, 4 * h),
        "B_fioc": (1, 4 * h),
        "W_v": (h, v),
        "B_v": (1, v),
    },
}


def _node_inputs(rng: np.random.Generator, kind: str, n: int, d: int, h: int, v: int) -> tuple:
    x_in = rng.standard_normal((n, d))
    states = [rng.standard_normal((n, h)) * 0.5 for _ in range(2 if kind == "LSTMNode" else 1)]
    params = {
        name: {"value": rng.standard_normal(shape) * 0.5, "deriv": np.ones(shape)}
        for name, shape in _NODE_PARAMS[kind](d, h, v).items()
    }
    return x_in, states, params


def _node_draw(kind: str) -> Any:
    def inputs(rng: np.random.Generator, n: int = 3, d: int = 7, h: int = 5, v: int = 2) -> dict:
        x_in, states, params = _node_inputs(rng, kind, n, d, h, v)
        return {"x_in": x_in, "states": states, "params": params}

    return inputs


def _node_forward(kind: str, doc: str, mistakes: dict | None = None) -> Probe:
    def run(ref: Any, inputs: dict, **_: Any) -> dict:
        node = getattr(ref, kind)()
        larger = [np.concatenate([a, a[:1] * 0.5]) for a in (inputs["x_in"], *inputs["states"])]
        with _stepped(inputs["params"]):  # parameters an optimizer's step then changes
            node.forward(*larger, inputs["params"])  # a batch of another size: nothing kept
        outputs = node.forward(inputs["x_in"], *inputs["states"], inputs["params"])
        names = ("x_out", "H_out", "C_out")[: len(outputs)]
        return dict(zip(names, outputs, strict=True))

    run.__doc__ = doc
    name = f"{kind[:-4].lower()}_node_forward"
    return Probe(run, inputs=_node_draw(kind), mistakes=mistakes or {}, name=name)


@contextlib.contextmanager
def _stepped(params: dict) -> Iterator[None]:
    """Other values in every parameter, set back in place afterwards as an optimizer's step
    changes them: what a node derived from them once and kept (the gates' weights split into
    copies) shows as stale."""
    kept = {name: param["value"].copy() for name, param in params.items()}
    for param in params.values():
        param["value"] += output_grad_for(param["value"].shape, 11)
    try:
        yield
    finally:
        for name, param in params.items():
            param["value"][...] = kept[name]


def _node_pass(ref: Any, kind: str, inputs: dict, numerical: bool) -> dict:
    """The learner's node backward against central differences of the pristine forward.

    The parameters' ``deriv`` start at ones: the node must add to them (a layer sums its
    steps), so the probe reports deriv − 1.
    """
    x_in, states, params = inputs["x_in"], inputs["states"], inputs["params"]
    node = getattr(ref, kind)()
    outputs = node.forward(x_in, *states, params)
    grads = [output_grad_for(np.shape(o), 7 + k) for k, o in enumerate(outputs)]
    state_names = ("H_in", "C_in")[: len(states)]
    if numerical:

        def loss() -> float:
            outs = getattr(ref, kind)().forward(x_in, *states, params)
            return float(sum(np.sum(o * g) for o, g in zip(outs, grads, strict=True)))

        result = {"x_in_grad": numeric(loss, x_in)}
        for name, state in zip(state_names, states, strict=True):
            result[f"{name}_grad"] = numeric(loss, state)
        for name, param in params.items():
            result[f"{name}_grad"] = numeric(loss, param["value"])
        return result
    twin = [np.ascontiguousarray(np.flip(a, 0)) for a in (x_in, *states)]
    with kept_apart(node):  # another node's step must leave this one's stored values
        getattr(ref, kind)().forward(*twin, params)
    input_grads = node.backward(*grads, params)
    names = ("x_in_grad", *(f"{s}_grad" for s in state_names))
    result = dict(zip(names, input_grads, strict=True))
    for name, param in params.items():
        result[f"{name}_grad"] = param["deriv"] - 1.0
    return result


def _node_after_forward(kind: str) -> Probe:
    """The reference's backward right after the learner's forward: the node's input and
    parameter gradients, from what that forward stored on the node (``Z``, ``H_out``, the
    gates …)."""

    def run(ref: Any, inputs: dict, **_: Any) -> dict:
        grads = _node_pass(ref, kind, inputs, False)
        return {f"{name}{AFTER_FORWARD}": value for name, value in grads.items()}

    run.__doc__ = _node_after_forward.__doc__
    name = f"{kind[:-4].lower()}_node_after_forward"
    return Probe(run, inputs=_node_draw(kind), name=name)


def _node_backward(kind: str, doc: str, mistakes: dict) -> Probe:
    def run(ref: Any, inputs: dict, numerical: bool = False, **_: Any) -> dict:
        return _node_pass(ref, kind, inputs, numerical)

    run.__doc__ = doc
    name = f"{kind[:-4].lower()}_node_backward"
    return Probe(run, inputs=_node_draw(kind), mistakes=mistakes, name=name)


def _assigned(kind: str) -> Any:
    def mistake(ref: Any, inputs: dict) -> dict:
        right = _node_pass(ref, kind, inputs, False)
        return {k: (v - 1.0 if k.startswith(("W_", "B_")) else v) for k, v in right.items()}

    return mistake


_ASSIGNED = (
    "the parameter gradients replace params_dict[name]['deriv'] instead of adding to it "
    "(+=): a layer sums them over its time steps"
)


def _gru_update_is_reset(ref: Any, inputs: dict) -> dict:
    """The update gate taken to be the reset gate (u = r)."""
    x_in, (H_in,), params = inputs["x_in"], inputs["states"], inputs["params"]
    h = H_in.shape[1]
    Z = np.concatenate([x_in, H_in], axis=1)
    r = 0.5 * (1 + np.tanh(0.5 * (Z @ params["W_ru"]["value"] + params["B_ru"]["value"])[:, :h]))
    Z_h = np.concatenate([x_in, r * H_in], axis=1)
    h_bar = np.tanh(Z_h @ params["W_h"]["value"] + params["B_h"]["value"])
    H_out = r * H_in + (1 - r) * h_bar
    return {"x_out": H_out @ params["W_v"]["value"] + params["B_v"]["value"], "H_out": H_out}


def _gru_direct_path_missing(ref: Any, inputs: dict) -> dict:
    """H_in_grad without the direct path u ⊙ dH (the rest right)."""
    right = _node_pass(ref, "GRUNode", copy.deepcopy(inputs), False)
    node = ref.GRUNode()
    params = inputs["params"]
    x_out, H_out = node.forward(inputs["x_in"], *inputs["states"], params)
    dH = output_grad_for(x_out.shape, 7) @ params["W_v"]["value"].T + output_grad_for(
        H_out.shape, 8
    )
    return {"H_in_grad": right["H_in_grad"] - node.u * dH}


def _lstm_gates_in_order(order: tuple[str, ...]) -> Any:
    """The LSTM step of a learner who reads block k of W_fioc as gate ``order[k]``."""

    def mistake(ref: Any, inputs: dict) -> dict:
        params = copy.deepcopy(inputs["params"])
        h = inputs["states"][0].shape[1]
        blocks = [order.index(gate) for gate in ("f", "i", "o", "c")]
        columns = np.concatenate([np.arange(b * h, (b + 1) * h) for b in blocks])
        for name in ("W_fioc", "B_fioc"):
            params[name]["value"] = params[name]["value"][:, columns]
        outputs = ref.LSTMNode().forward(inputs["x_in"], *inputs["states"], params)
        return dict(zip(("x_out", "H_out", "C_out"), outputs, strict=True))

    return mistake


_NODES = (
    *(_node_after_forward(kind) for kind in _NODE_PARAMS),
    _node_forward("RNNNode", "RNNNode's x_out and H_out."),
    _node_backward(
        "RNNNode", "RNNNode's input and parameter gradients.", {_ASSIGNED: _assigned("RNNNode")}
    ),
    _node_forward(
        "GRUNode",
        "GRUNode's x_out and H_out.",
        {
            "the book's GRU bug: the update gate u adds its bias to the reset gate's projections "
            "(X_r + H_r + B_u); u has its own columns of W_ru (the last H)": book.gru_forward,
            "the update gate u is the reset gate r: u has its own columns of W_ru and B_ru "
            "(the last H)": _gru_update_is_reset,
        },
    ),
    _node_backward(
        "GRUNode",
        "GRUNode's input and parameter gradients.",
        {
            _ASSIGNED: _assigned("GRUNode"),
            "the book's GRU backward: du and dh̄ use H_out_grad alone instead of "
            "dH = x_out_grad W_vᵀ + H_out_grad, and H_in_grad misses the direct path u ⊙ dH": (
                book.gru_backward
            ),
            "H_in_grad misses the direct path through u ⊙ H_in (add u ⊙ dH), one of the book's "
            "GRU bugs": _gru_direct_path_missing,
        },
    ),
    _node_forward(
        "LSTMNode",
        "LSTMNode's x_out, H_out and C_out.",
        {
            f"the gates are read from W_fioc in the order {', '.join(order)}: its four blocks "
            "of H columns are forget, input, output, candidate": _lstm_gates_in_order(order)
            for order in (("i", "f", "o", "c"), ("i", "f", "c", "o"), ("f", "i", "c", "o"))
        },
    ),
    _node_backward(
        "LSTMNode", "LSTMNode's input and parameter gradients.", {_ASSIGNED: _assigned("LSTMNode")}
    ),
)


# --- the layers ----------------------------------------------------------------------------------


def _layer_inputs(
    rng: np.random.Generator, n: int = 2, t: int = 4, d: int = 3, h: int = 5, v: int = 6
) -> dict[str, Any]:
    return {"x": rng.standard_normal((n, t, d)), "h": h, "v": v}


def _layer(kind: str, carry_state: bool = False) -> Any:
    def make(ref: Any, inputs: dict) -> Any:
        h, v = inputs["h"], inputs["v"]
        return getattr(ref, kind)(h, v, weight_scale=0.5, seed=11, carry_state=carry_state)

    return make


_LAYERS = (
    layer_forward("rnn_layer_forward", _layer("RNNLayer"), _layer_inputs, "RNNLayer's outputs."),
    layer_backward(
        "rnn_layer_backward",
        _layer("RNNLayer"),
        _layer_inputs,
        "RNNLayer's input and parameter gradients (backpropagation through time).",
    ),
    layer_forward("lstm_layer_forward", _layer("LSTMLayer"), _layer_inputs, "LSTMLayer's outputs."),
    *(
        layer_forward(
            f"{kind[:-5].lower()}_layer_carried",
            _layer(kind, carry_state=True),
            _layer_inputs,
            f"{kind}'s outputs on a batch that starts from the state the batch before it left "
            "(carry_state=True, the book's way), and the state it leaves for the next.",
            leaves=leaves,
        )
        for kind, leaves in (("RNNLayer", ("start_H",)), ("LSTMLayer", ("start_H", "start_C")))
    ),
    *(
        backward_after_forward(
            f"{kind[:-5].lower()}_layer_after_forward", _layer(kind), _layer_inputs
        )
        for kind in ("RNNLayer", "LSTMLayer")
    ),
    layer_backward(
        "lstm_layer_backward",
        _layer("LSTMLayer"),
        _layer_inputs,
        "LSTMLayer's input and parameter gradients (backpropagation through time).",
    ),
)


# --- the optimizers ------------------------------------------------------------------------------


class _FakeLayer:
    def __init__(self, params: dict[str, dict[str, ndarray]]) -> None:
        self.params = params


class _FakeModel:
    def __init__(self, layers: list[_FakeLayer]) -> None:
        self.layers = layers


def _clip_inputs(rng: np.random.Generator, side: str = "both", **_: Any) -> dict[str, ndarray]:
    """A gradient beyond the bounds on both sides, or on one ``side`` only ("below",
    "above"): code that clips only when its largest element is too large misses the first."""
    grad = rng.standard_normal((4, 5)) * 3.0
    return {"grad": {"below": -np.abs(grad), "above": np.abs(grad)}.get(side, grad)}


def clip_gradient(ref: Any, inputs: dict, clip_value: float = 2.0, **_: Any) -> dict:
    """A gradient clipped in place."""
    grad = inputs["grad"]
    optim = ref.RNNSGD(0.1, clip_value=clip_value)
    optim._clip_gradient(grad)
    return {"grad": grad}


def _clip_value_written_in(ref: Any, inputs: dict, clip_value: float = 2.0, **_: Any) -> dict:
    if clip_value == 2.0:
        raise ValueError("the same as the right answer at the default clip_value")
    return clip_gradient(ref, inputs, 2.0)


_clip_gradient_mistakes = {
    "the gradient is clipped to [−2, 2] whatever clip_value the optimizer was made with: "
    "clip to [−self.clip_value, self.clip_value]": _clip_value_written_in,
    "the gradient is unchanged: every element beyond ±clip_value must be clipped, in place "
    "(np.clip(grad, lo, hi, out=grad))": (lambda ref, i: {"grad": i["grad"]}),
}


def _optimizer_inputs(rng: np.random.Generator, steps: int = 3) -> dict[str, ndarray]:
    """Two layers' ``W`` of the same shape: an optimizer's state must be kept by the key it is
    given (layer, name), not by what two parameters can share (a shape, a name)."""
    W0, W1 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    return {"W0": W0, "W1": W1, "grads": rng.standard_normal((steps, 2, 3, 2))}


def _adagrad_inputs(rng: np.random.Generator, steps: int = 4) -> dict[str, ndarray]:
    return _optimizer_inputs(rng, steps)


def _optimizer_steps(ref: Any, inputs: dict[str, ndarray], optim: Any, steps: int) -> dict:
    layers = [
        _FakeLayer({"W": {"value": inputs["W0"], "deriv": np.zeros((3, 2))}}),
        _FakeLayer({"W": {"value": inputs["W1"], "deriv": np.zeros((3, 2))}}),
    ]
    grads = inputs["grads"]
    optim.model = _FakeModel(layers)
    for step in range(steps):
        layers[0].params["W"]["deriv"][...] = grads[step, 0]
        layers[1].params["W"]["deriv"][...] = grads[step, 1]
        optim.step()
    return {"W0": layers[0].params["W"]["value"], "W1": layers[1].params["W"]["value"]}


def rnn_sgd(ref: Any, inputs: dict[str, ndarray], steps: int = 3) -> dict:
    """Parameters after a few RNNSGD steps (no clipping)."""
    return _optimizer_steps(ref, inputs, ref.RNNSGD(0.1, gradient_clipping=False), steps)


def adagrad(ref: Any, inputs: dict[str, ndarray], steps: int = 4) -> dict:
    """Parameters after a few AdaGrad steps (no clipping), two parameters with their own G."""
    return _optimizer_steps(ref, inputs, ref.AdaGrad(0.1, gradient_clipping=False), steps)


def _adagrad_without_root(ref: Any, inputs: dict[str, ndarray], steps: int = 4) -> dict:
    class WithoutRoot(ref.AdaGrad):
        def _update_rule(self, param: ndarray, grad: ndarray, key: tuple[int, str]) -> None:
            sum_square = self.sum_squares.setdefault(key, np.zeros_like(param))
            sum_square += grad * grad
            param -= self.lr * grad / (sum_square + self.eps)

    return _optimizer_steps(ref, inputs, WithoutRoot(0.1, gradient_clipping=False), steps)


_adagrad_mistakes = {
    "the step divides by the sum of squared gradients G itself: AdaGrad divides by its "
    "square root, lr · grad / (√G + eps)": _adagrad_without_root,
}


# --- training on tiny Shakespeare ---------------------------------------------------------------


def _shakespeare(
    train_chars: int = 100_000, seq_len: int = 10, n_eval: int = 2000, **_: Any
) -> tuple[dict, dict]:
    """Training text, and held-out windows of ``seq_len`` characters whose *next* character
    (the one after each window, in no window) the model predicts. The targets stay in the
    grader: a target inside the inputs (each window's characters shifted by one, as a
    teacher-forced sequence loss would score) could be read off them without training."""
    text = load_text("tinyshakespeare")
    vocab = char_vocabulary(text)
    data = np.asarray(vocab.encode(text), dtype=np.int64)
    train = data[:train_chars]
    held_out = data[train_chars : train_chars + n_eval * (seq_len + 1)]
    windows = held_out[: n_eval * (seq_len + 1)].reshape(n_eval, seq_len + 1)
    inputs = {"train": train, "eval_inputs": windows[:, :-1], "vocab_size": np.int64(len(vocab))}
    return inputs, {"eval_targets": windows[:, -1]}


def shakespeare_lstm(
    ref: Any,
    inputs: dict[str, Any],
    data: dict,
    iterations: int = 200,
    seq_len: int = 10,
    batch_size: int = 32,
    hidden: int = 32,
    lr: float = 0.1,
    budget: float = 20.0,
    **_: Any,
) -> dict[str, ndarray]:
    """A one-layer character LSTM trained with AdaGrad; the probabilities of the character
    after each held-out window, [n_eval, V]."""
    V = int(data["vocab_size"])
    train = data["train"]
    model = ref.RNNModel(
        [ref.LSTMLayer(hidden, V, weight_scale=0.01, carry_state=False)],
        seq_len,
        V,
        ref.RNNSoftmaxCrossEntropy(reduction="mean"),
        seed=7,
    )
    optim = ref.AdaGrad(lr)
    optim.model = model
    eye = np.eye(V)
    order = np.random.default_rng(3)
    start = time.monotonic()
    offsets = np.arange(seq_len)
    exhausted = False
    for _ in range(iterations):
        starts = order.integers(0, len(train) - seq_len - 1, batch_size)
        idx = starts[:, None] + offsets
        model.single_step(eye[train[idx]], eye[train[idx + 1]])
        optim.step()
        exhausted = time.monotonic() - start > budget
        if exhausted:
            break
    scores = model.forward(eye[data["eval_inputs"]])[:, -1]
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    return {
        "probabilities": probs / probs.sum(axis=1, keepdims=True),
        "budget_exhausted": np.array(exhausted),
    }


def _cross_entropy(got: dict, labels: dict, **_: Any) -> float:
    """The mean negative log-probability of the character after each held-out window."""
    probs = np.asarray(got["probabilities"], dtype=np.float64)
    targets = labels["eval_targets"]
    if probs.ndim != 2 or probs.shape[0] != targets.shape[0]:
        raise ValueError(f"probabilities of shape {probs.shape} for {targets.shape[0]} targets")
    picked = np.take_along_axis(probs, targets[:, None], axis=1)[:, 0]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, 1.0))))


PROBES = declare(
    Probe(nwg_add, inputs=_number),
    Probe(nwg_mul, inputs=_number),
    Probe(nwg_backward, inputs=_nwg_inputs, mistakes=_nwg_backward_mistakes),
    Probe(nwg_backward_deep, inputs=no_inputs),
    *_NODES,
    *_LAYERS,
    Probe(clip_gradient, inputs=_clip_inputs, mistakes=_clip_gradient_mistakes),
    Probe(rnn_sgd, inputs=_optimizer_inputs),
    Probe(adagrad, inputs=_adagrad_inputs, mistakes=_adagrad_mistakes),
    ADAGRAD_EPS,
    Probe(
        shakespeare_lstm, data=_shakespeare, metric=_cross_entropy, datasets=("tinyshakespeare",)
    ),
)
"""Every probe of this chapter, with its companions."""
