"""Chapter 7's modules: a backward pass through the learner's forward.

A forward that is right in value can still cut PyTorch's graph (``torch.no_grad()``, ``.data``,
``.detach()``, a new tensor built from the values): its outputs agree with the reference's and
nothing downstream of the cut is ever trained. :func:`backward_through` runs the module twice
in training mode (the LSTM layer carries its state from one batch to the next), weights its
outputs with fixed random numbers, and takes the gradients of every parameter and of the
input. Where the graph is cut it says so in the learner's words (:class:`GraphCut`) instead
of PyTorch's "element 0 of tensors does not require grad".
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

from .record import Probe
from .torch_common import as_numpy, pytorch_module, torch_module

__all__ = ["BACKWARD_THROUGH_PROBES", "BatchOfOne", "GraphCut", "in_graph"]

_HIDDEN = 8
"""The code size of the autoencoder's halves in this probe."""


class GraphCut(RuntimeError):
    """The learner's forward returned values PyTorch cannot differentiate back through."""

    said_to_the_learner = True
    """The message is written for the learner: the worker shows it without the class name."""


class BatchOfOne(ValueError):
    """The learner's forward goes wrong for a batch of one example, and only then."""

    said_to_the_learner = True
    """The message is written for the learner: the worker shows it without the class name."""


_CAUSES = (
    "torch.no_grad(), .data, .detach(), .item()/.tolist()/.numpy(), or a new tensor built "
    "from the values (torch.tensor(...)) cut PyTorch's graph"
)


def _modules(ref: Any, torch: Any) -> dict[str, Callable[[], Any]]:
    """``{module: build}``: each module with its input shaped as :data:`_INPUT_SHAPES`."""
    layers = pytorch_module(ref, "layers")
    return {
        "dense": lambda: layers.DenseLayer(4, 3, activation=torch.nn.Tanh()),
        "conv": lambda: layers.ConvLayer(2, 3, 3, activation=torch.nn.Tanh(), flatten=True),
        "lstm": lambda: pytorch_module(ref, "lstm").LSTMLayer(5, 4, 6, 3),
        "encoder": lambda: pytorch_module(ref, "autoencoder").Encoder(_HIDDEN),
        "decoder": lambda: pytorch_module(ref, "autoencoder").Decoder(_HIDDEN),
    }


_INPUT_SHAPES = {
    "dense": (4,),
    "conv": (2, 6, 6),
    "lstm": (5, 4),
    "encoder": (1, 28, 28),
    "decoder": (_HIDDEN,),
}
"""Each module's input, [N, ...] without N."""


def _inputs(rng: np.random.Generator, module: str = "dense", n: int = 3) -> dict[str, ndarray]:
    """Two batches of ``n`` inputs of ``module`` in [−1, 1]."""
    shape = (n, *_INPUT_SHAPES[module])
    return {
        "first": rng.uniform(-1, 1, shape).astype(np.float32),
        "second": rng.uniform(-1, 1, shape).astype(np.float32),
    }


def in_graph(output: Any, which: str) -> Any:
    """``output`` (a forward's), or :class:`GraphCut` when no gradient can flow back through
    it (``which``: the batch it came from, for the message)."""
    torch = torch_module()
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"forward returned {type(output).__name__}, expected a torch.Tensor")
    if not output.requires_grad:
        raise GraphCut(
            f"the output of forward on the {which} batch is not part of PyTorch's graph: no "
            f"gradient reaches the layer's parameters, so it is never trained ({_CAUSES})"
        )
    return output


def _weights(output: Any, seed: int) -> Any:
    """Fixed random weights of ``output``'s shape: the backward starts from them."""
    values = np.random.default_rng(seed).standard_normal(tuple(output.shape))
    return output.new_tensor(values.astype(np.float32))


def _gradients(layer: Any, x: Any) -> dict[str, ndarray]:
    found: dict[str, ndarray] = {}
    for name, param in layer.named_parameters():
        if param.grad is None:
            raise GraphCut(
                f"a backward pass through forward leaves {name} without a gradient: the "
                f"graph is cut between it and the output ({_CAUSES})"
            )
        found[f"grad_{name.replace('.', '_')}"] = as_numpy(param.grad)
    if x.grad is None:
        raise GraphCut(f"a backward pass through forward does not reach the input x ({_CAUSES})")
    found["grad_x"] = as_numpy(x.grad)
    return found


def _two_forwards(build: Callable[[], Any], first: Any, second: Any) -> tuple[Any, list[Any]]:
    """The module, built from torch's seeded generator, and its outputs on two batches in
    training mode."""
    torch = torch_module()
    torch.manual_seed(21)
    layer = build().train()
    return layer, [layer(first), layer(second)]


def _only_at_one(build: Callable[[], Any], inputs: dict[str, ndarray]) -> bool:
    """Whether the same module runs, keeping the batch axis, on a batch of two (the rows
    repeated): what goes wrong at N = 1 then goes wrong only there."""
    torch = torch_module()
    twice = [torch.from_numpy(np.concatenate([inputs[k]] * 2)) for k in ("first", "second")]
    try:
        _, outputs = _two_forwards(build, *twice)
    except Exception:
        return False
    return all(tuple(getattr(out, "shape", ()))[:1] == (2,) for out in outputs)


def _forwards(
    build: Callable[[], Any], inputs: dict[str, ndarray], first: Any, second: Any
) -> tuple[Any, list[Any]]:
    """:func:`_two_forwards`; for a batch of one, an error or a lost batch axis that a batch
    of two does not show is said as what it is (:class:`BatchOfOne`). The batch of two runs
    every time N = 1, passing or not, so that a grading worker keeps what it calls."""
    one = len(inputs["first"]) == 1
    fine_at_two = one and _only_at_one(build, inputs)
    # looked for every time N = 1, passing or not, so that a grading worker keeps it
    squeezed = _dropped_by(build, "") if one else ""
    try:
        layer, outputs = _two_forwards(build, first, second)
    except Exception as error:
        if fine_at_two:
            raise BatchOfOne(
                f"with a batch of one (N = 1) forward raised {type(error).__name__}: {error}; "
                "with two examples it does not: "
                + (
                    squeezed
                    or "a squeeze() or a [0] that drops the batch axis when N = 1? (squeeze(0) "
                    "or [0] only on an axis that is not the batch's)"
                )
            ) from error
        raise
    shapes = [tuple(getattr(out, "shape", ())) for out in outputs]
    lost = next((shape for shape in shapes if shape[:1] != (1,)), None)
    if fine_at_two and lost is not None:
        raise BatchOfOne(
            f"with a batch of one (N = 1) forward returned shape {lost}: the batch axis is "
            "lost (with two examples it is kept): "
            + (
                squeezed
                or "a squeeze() or a [0] that drops it when N = 1? Keep the first axis the "
                "batch's, of size N"
            )
        )
    return layer, outputs


def _dropped_by(build: Callable[[], Any], otherwise: str) -> str:
    """What drops the batch axis when N = 1, where the learner's code says it: a squeeze
    with no axis named (it removes every axis of size 1); ``otherwise`` where none is."""
    try:
        modules = list(build().modules())
    except Exception:
        return otherwise
    for module in modules:
        if type(module).__module__.split(".")[0] == "torch":
            continue
        try:
            lines, start = inspect.getsourcelines(type(module).forward)
            tree = ast.parse(textwrap.dedent("".join(lines)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if _bare_squeeze(node):
                code = ast.unparse(node)
                return (
                    f"`{code}` (line {start + node.lineno - 1}) names no axis, so it removes "
                    "every axis of size 1, the batch's too when N = 1: squeeze only the axis "
                    "meant (squeeze(-1), squeeze(0) of h_n), or flatten(start_dim=1)"
                )
    return otherwise


def _bare_squeeze(node: ast.AST) -> bool:
    """``x.squeeze()`` or ``torch.squeeze(x)``: a squeeze that names no axis."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr != "squeeze" or node.keywords:
        return False
    on_module = isinstance(node.func.value, ast.Name) and node.func.value.id in ("torch", "np")
    return len(node.args) == (1 if on_module else 0)


def backward_through(
    ref: Any, inputs: dict[str, ndarray], module: str = "dense", **_: Any
) -> dict[str, ndarray]:
    """Two forwards of ``module`` in training mode, a backward from both outputs weighted by
    fixed random numbers: the outputs, the gradients of every parameter and of the second
    batch's input (``n`` examples a batch: ``n = 1`` finds a squeeze or a ``[0]``)."""
    torch = torch_module()
    build = _modules(ref, torch)[module]
    first = torch.from_numpy(inputs["first"])
    x = torch.from_numpy(inputs["second"]).requires_grad_(True)
    layer, outputs = _forwards(build, inputs, first, x)
    for which, output in zip(("first", "second"), outputs, strict=True):
        in_graph(output, which)
    total = sum((out * _weights(out, seed)).sum() for seed, out in enumerate(outputs))
    total.backward()
    return {
        "output_first": as_numpy(outputs[0]),
        "output_second": as_numpy(outputs[1]),
        **_gradients(layer, x),
    }


BACKWARD_THROUGH_PROBES = (Probe(backward_through, inputs=_inputs),)
"""The probes of this module, declared in chapter 7's."""
