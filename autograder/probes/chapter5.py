"""Probes for chapter 5: convolutions step by step, im2col, the convolution operation, pooling."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

from . import book
from .builders import backward_after_forward, op_backward, op_forward
from .common import after_an_earlier_call, numeric, op_pass, output_grad_for
from .inplace import read_only, stored
from .record import Probe, declare
from .training import accuracy, fit_network, mnist_images

__all__ = ["PROBES"]

# shape of the input and of the filter, by step
_SHAPES: dict[str, Callable[..., tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "1d": lambda n, c_in, c_out, size, k: ((size,), (k,)),
    "1d_batch": lambda n, c_in, c_out, size, k: ((n, size), (k,)),
    "2d": lambda n, c_in, c_out, size, k: ((n, size, size), (k, k)),
    "2d_multichannel": lambda n, c_in, c_out, size, k: ((n, c_in, size, size), (c_in, c_out, k, k)),
}


def _step_inputs(step: str, **defaults: int) -> Callable[..., dict[str, Any]]:
    """Draws a step's input and filter; ``defaults`` are the probe's own shape."""

    def inputs(rng: np.random.Generator, width: int | None = None, **shape: int) -> dict[str, Any]:
        full = {"n": 3, "c_in": 2, "c_out": 3, "size": 7, "k": 3, **defaults}
        full.update({k: v for k, v in shape.items() if k in full})
        x_shape, w_shape = _SHAPES[step](**full)
        if width is not None and step.startswith("2d"):  # images wider than tall
            x_shape = (*x_shape[:-1], width)
        return {"x": rng.standard_normal(x_shape), "w": rng.standard_normal(w_shape)}

    return inputs


def _step_forward(step: str, **defaults: int) -> Probe:
    def run(ref: Any, inputs: dict, **_: Any) -> dict[str, Any]:
        forward = getattr(ref.conv_steps, f"conv_{step}")
        return {"output": after_an_earlier_call(forward, inputs["x"], inputs["w"])}

    run.__doc__ = f"conv_{step} of random inputs."
    return Probe(run, inputs=_step_inputs(step, **defaults), name=f"conv_{step}")


def _step_backward(step: str, **defaults: int) -> Probe:
    def run(ref: Any, inputs: dict, numerical: bool = False, **_: Any) -> dict[str, Any]:
        x, w = inputs["x"], inputs["w"]
        module = ref.conv_steps
        forward = getattr(module, f"conv_{step}")
        G = output_grad_for(np.shape(forward(x, w)), 7)
        if numerical:

            def loss() -> float:
                return float(np.sum(forward(x, w) * G))

            return {"input_grad": numeric(loss, x), "param_grad": numeric(loss, w)}
        return {
            "input_grad": after_an_earlier_call(getattr(module, f"_input_grad_{step}"), x, w, G),
            "param_grad": after_an_earlier_call(getattr(module, f"_param_grad_{step}"), x, w, G),
        }

    run.__doc__ = f"∂L/∂input_ and ∂L/∂param of conv_{step}."
    mistakes = {_FLIP: _unflipped(step)}
    return Probe(
        run, inputs=_step_inputs(step, **defaults), mistakes=mistakes, name=f"conv_{step}_backward"
    )


def _unflipped(step: str) -> Callable[..., dict[str, Any]]:
    """The input gradient with the filter not flipped (the book's Conv2D_Op mistake)."""

    def mistake(ref: Any, inputs: dict) -> dict[str, Any]:
        x, w = inputs["x"], inputs["w"]
        module = ref.conv_steps
        G = output_grad_for(np.shape(getattr(module, f"conv_{step}")(x, w)), 7)
        flipped = w[..., ::-1, ::-1] if step.startswith("2d") else w[::-1]
        return {"input_grad": getattr(module, f"_input_grad_{step}")(x, flipped, G)}

    return mistake


_FLIP = (
    "the kernel is not flipped: ∂L/∂input_ convolves the output gradient with the filter "
    "reversed (param[::-1], or [..., ::-1, ::-1] in 2-D)"
)
_STEPS = {
    "1d": {"size": 9, "k": 3},
    "1d_batch": {"n": 4, "size": 8, "k": 3},
    "2d": {"n": 2, "size": 6, "k": 3},
    "2d_multichannel": {"n": 4, "c_in": 2, "c_out": 5, "size": 6, "k": 3},
}
"""Each step's default shape (sizes that differ: two axes mixed up show)."""


# --- im2col ------------------------------------------------------------------------------------


def _im2col_module(ref: Any) -> Any:
    """The module ``im2col`` (the package's flat ``im2col`` is the function of that name)."""
    return importlib.import_module(f"{ref.__name__}.im2col")


def _images(rng: np.random.Generator, n: int = 2, c: int = 4, size: int = 5) -> dict[str, ndarray]:
    return {"x": rng.standard_normal((n, c, size, size))}


def im2col(ref: Any, inputs: dict[str, ndarray], k: int = 3, **_: Any) -> dict[str, ndarray]:
    """The columns of a batch of images (after a call on others)."""
    return {"cols": after_an_earlier_call(_im2col_module(ref).im2col, inputs["x"], k)}


def _columns(
    rng: np.random.Generator, n: int = 2, c: int = 4, size: int = 5, k: int = 3
) -> dict[str, ndarray]:
    return {"cols": rng.standard_normal((n, c * k * k, size * size))}


def col2im(
    ref: Any, inputs: dict[str, ndarray], n: int = 2, c: int = 4, size: int = 5, k: int = 3
) -> dict[str, ndarray]:
    """col2im of random columns (after a call on others)."""
    function = _im2col_module(ref).col2im
    return {"images": after_an_earlier_call(function, inputs["cols"], (n, c, size, size), k)}


def _adjoint_inputs(
    rng: np.random.Generator, n: int = 2, c: int = 3, size: int = 4
) -> dict[str, ndarray]:
    x = rng.standard_normal((n, c, size, size))
    return {"x": x, "cols": rng.standard_normal((n, c * 3 * 3, size * size))}


def col2im_adjoint(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, float]:
    """⟨im2col(x), cols⟩ and ⟨x, col2im(cols)⟩ — equal when col2im is im2col's adjoint."""
    k = 3
    x, cols = inputs["x"], inputs["cols"]
    module = _im2col_module(ref)
    back = module.col2im(cols, x.shape, k)
    return {"lhs": float(np.sum(module.im2col(x, k) * cols)), "rhs": float(np.sum(x * back))}


def _col2im_adjoint_judge(got: dict, expected: dict, **_: Any) -> list:
    lhs, rhs = float(got["lhs"]), float(got["rhs"])
    ok = abs(lhs - rhs) <= 1e-8 * max(1.0, abs(lhs))
    return [
        (
            "adjoint",
            ok,
            f"col2im should add every column entry back onto the pixel im2col read it from: "
            f"⟨im2col(x), c⟩ = {lhs:.6g} but ⟨x, col2im(c)⟩ = {rhs:.6g}",
        )
    ]


# --- the operation, Flatten, pooling ------------------------------------------------------------


def _conv_inputs(size: int) -> Callable[..., dict[str, Any]]:
    def inputs(
        rng: np.random.Generator,
        n: int = 4,
        c_in: int = 2,
        c_out: int = 7,
        size: int = size,
        k: int = 3,
        width: int | None = None,
    ) -> dict[str, ndarray]:
        x = rng.standard_normal((n, c_in, size, size if width is None else width))
        return {"x": x, "W": rng.standard_normal((c_in, c_out, k, k))}

    return inputs


def _conv_op(ref: Any, inputs: dict) -> Any:
    return ref.Conv2DOperation(inputs["W"])


def _conv_grad(inputs: dict) -> ndarray:
    n, _, h, w = inputs["x"].shape
    return output_grad_for((n, inputs["W"].shape[1], h, w), 7)


def conv_operation_backward_twice(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict:
    """The gradients of a second backward pass for the same forward: the operation frees its
    columns after a backward, and ``_columns()`` computes them again (code that reads
    ``self._cols`` itself finds None)."""
    op = _conv_op(ref, inputs)
    op.forward(inputs["x"])
    op.backward(_conv_grad(inputs))
    input_grad = op.backward(_conv_grad(inputs))
    return {"input_grad": input_grad, "param_grad": op.param_grad}


def _conv_op_unflipped(ref: Any, inputs: dict) -> dict:
    op = ref.Conv2DOperation(inputs["W"][:, :, ::-1, ::-1].copy())
    op.forward(inputs["x"])
    return {"input_grad": op._input_grad(_conv_grad(inputs))}


def _conv_op_first_image(ref: Any, inputs: dict) -> dict:
    op = ref.Conv2DOperation(inputs["W"])
    op.forward(inputs["x"][:1])
    return {"param_grad": op._param_grad(_conv_grad(inputs)[:1])}


def _conv_op_book_param_grad(ref: Any, inputs: dict) -> dict:
    if inputs["x"].shape[0] < 2:
        raise ValueError("the book's bug shows only for batches of more than one")
    return {"param_grad": book.conv_param_grad(inputs["x"], inputs["W"], _conv_grad(inputs))}


_conv_operation_backward_mistakes = {
    "the book's Conv2D_Op bug: the kernel is not flipped in the input gradient": _conv_op_unflipped,
    "the book's Conv2D_Op._param_grad: the patches, stacked [patch, N, ...], are reshaped to "
    "rows without moving the batch axis first (.transpose(1, 0, 2, 3, 4)), so for a batch of "
    "more than one image each patch meets another image's output gradient": (
        _conv_op_book_param_grad
    ),
    "∂L/∂W uses only the first image: sum over the whole batch (the book's Conv2D_Op is wrong "
    "for batches of more than one)": _conv_op_first_image,
}


def _flatten_inputs(
    rng: np.random.Generator, n: int = 3, shape: tuple[int, ...] = (2, 3, 4)
) -> dict[str, ndarray]:
    """[N, *shape] inputs (any rank: the docstring's [N, ...]) and an [N, D] gradient."""
    x = rng.standard_normal((n, *shape))
    return {"x": x, "output_grad": rng.standard_normal((n, int(np.prod(shape))))}


def flatten(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, Any]:
    """Flatten forward and backward, the arrays given read-only (a forward that reshapes the
    caller's input in place, ``x.shape = …``, is caught there)."""
    x, grad = inputs["x"], inputs["output_grad"]
    op = ref.Flatten()
    with read_only(input_=x):
        output = np.array(op.forward(x), copy=True)
    with read_only(output_grad=grad, **stored(op)):
        return {"output": output, "input_grad": op._input_grad(grad)}


def _pool_input(rng: np.random.Generator, n: int, c: int, size: int) -> ndarray:
    """Distinct values (no ties for the maximum) of both signs; the first channel is negative
    throughout, so that its windows' maxima are below zero (a maximum started at 0 shows)."""
    count = n * c * size * size
    x = rng.permutation(count).reshape(n, c, size, size) / 10.0 - count / 20.0
    x[:, 0] -= x.max() + 1.0
    return x


def _pool_inputs(
    rng: np.random.Generator,
    n: int = 4,
    c: int = 3,
    size: int = 6,
    window: int = 2,
    stride: int | None = None,
    integers: bool = False,
) -> dict[str, Any]:
    x = _pool_input(rng, n, c, size)
    if integers:  # pixels as MNIST stores them: the mean of integers is not an integer
        x = np.rint(x * 10.0).astype(np.int64)
    return {"x": x, "window": window, "stride": stride}


def _pool_grad_everywhere(ref: Any, inputs: dict) -> dict:
    """Every element of a window gets the window's whole gradient."""
    op = ref.AvgPool2D(inputs["window"], inputs["stride"])
    result = op_pass(op, inputs["x"])
    return {"input_grad": result["input_grad"] * inputs["window"] ** 2}


_avg_pool_mistakes = {
    "the input gradient is window² times too large: each of a window's size² inputs gets "
    "an equal share of its gradient, so divide by the window's size squared": (
        _pool_grad_everywhere
    ),
}
_max_pool_mistakes = {
    "the gradient goes to every element of each window: only the largest element of a "
    "window (the one the forward pass took) receives it": _pool_grad_everywhere,
}


def _ties_inputs(rng: np.random.Generator, n: int = 2, c: int = 3) -> dict[str, ndarray]:
    x = rng.integers(0, 3, (n, c, 6, 6)).astype(float)
    return {"x": x, "output_grad": rng.standard_normal((n, c, 3, 3))}


def max_pool_ties(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict:
    """MaxPool2D's input gradient where windows hold ties for their maximum (small
    integers): non-overlapping 2×2 windows, a random output gradient."""
    x, grad = inputs["x"], inputs["output_grad"]
    op = ref.MaxPool2D(2)
    op.forward(x)
    return {"x": x, "output_grad": grad, "input_grad": op.backward(grad)}


def _max_pool_ties_judge(got: dict, expected: dict, **_: Any) -> list:
    x, grad, given = expected["x"], expected["output_grad"], got["input_grad"]
    n, c = x.shape[:2]
    windows = given.reshape(n, c, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 3, 3, 4)
    values = x.reshape(n, c, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 3, 3, 4)
    at_max = values == values.max(axis=-1, keepdims=True)
    sums = windows.sum(axis=-1)
    to_each = np.allclose(windows, at_max * grad[..., None])  # what was given, if that
    said = (
        "where a window holds its maximum twice, its gradient went to each of them: it must "
        "go to one of them (argmax picks one) or be shared"
        if to_each
        else "the input gradient of a window holding its maximum twice does not add up to the "
        "window's output gradient: it must go to one of the maxima, or be shared between them"
    )
    return [
        ("a window's gradient arrives once", bool(np.allclose(sums, grad)), said),
        (
            "only maxima receive it",
            bool(np.all(np.isclose(windows, 0) | at_max)),
            "an element that is not its window's maximum received gradient",
        ),
    ]


# --- training on MNIST ----------------------------------------------------------------------------


def mnist_conv(
    ref: Any,
    inputs: dict[str, Any],
    data: dict,
    epochs: int = 1,
    budget: float = 20.0,
    batch_size: int = 50,
    lr: float = 0.01,
    **_: Any,
) -> dict[str, ndarray]:
    """A small convolutional network on MNIST in which only the learner's convolution
    learns: the dense layer after it keeps its random starting weights (trained too, it
    reaches the threshold alone, filters fixed or not), so the accuracy comes from the
    filters' gradient. Test scores."""
    net = ref.NeuralNetwork(
        [
            ref.Conv2D(8, 3, weight_init="glorot", activation=ref.Tanh(), flatten=True),
            ref.Dense(10, ref.Linear(), weight_init="glorot"),
        ],
        ref.SoftmaxCrossEntropy(),
        20190501,
    )
    optim = ref.SGDMomentum(lr, momentum=0.9)
    return fit_network(ref, net, optim, data, epochs, budget, batch_size, fixed=net.layers[1:])


PROBES = declare(
    *(_step_forward(step, **shape) for step, shape in _STEPS.items()),
    *(_step_backward(step, **shape) for step, shape in _STEPS.items()),
    Probe(im2col, inputs=_images),
    Probe(col2im, inputs=_columns),
    Probe(col2im_adjoint, inputs=_adjoint_inputs, judge=_col2im_adjoint_judge),
    op_forward("conv_operation_forward", _conv_op, _conv_inputs(6), "Conv2DOperation's output."),
    backward_after_forward("conv_operation_after_forward", _conv_op, _conv_inputs(6)),
    Probe(conv_operation_backward_twice, inputs=_conv_inputs(5)),
    op_backward(
        "conv_operation_backward",
        _conv_op,
        _conv_inputs(5),
        _conv_operation_backward_mistakes,
        "Conv2DOperation's ∂L/∂input_ and ∂L/∂W.",
    ),
    Probe(flatten, inputs=_flatten_inputs),
    op_backward(
        "max_pool",
        lambda ref, i: ref.MaxPool2D(i["window"], i["stride"]),
        _pool_inputs,
        _max_pool_mistakes,
        doc="MaxPool2D's output and input gradient.",
    ),
    op_backward(
        "avg_pool",
        lambda ref, i: ref.AvgPool2D(i["window"], i["stride"]),
        _pool_inputs,
        _avg_pool_mistakes,
        doc="AvgPool2D's output and input gradient.",
    ),
    op_forward(  # the output alone: no one asks for the gradient of raw pixels
        "avg_pool_forward",
        lambda ref, i: ref.AvgPool2D(i["window"], i["stride"]),
        _pool_inputs,
        "AvgPool2D's output.",
    ),
    Probe(max_pool_ties, inputs=_ties_inputs, judge=_max_pool_ties_judge),
    Probe(mnist_conv, data=mnist_images, metric=accuracy, datasets=("mnist",)),
)
"""Every probe of this chapter, with its companions."""
