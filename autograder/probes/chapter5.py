"""Probes for chapter 5: convolutions step by step, im2col, the convolution operation, pooling."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

from .common import numeric, op_pass, output_grad_for

__all__ = [
    "avg_pool",
    "col2im",
    "col2im_adjoint",
    "conv_1d",
    "conv_1d_backward",
    "conv_1d_batch",
    "conv_1d_batch_backward",
    "conv_2d",
    "conv_2d_backward",
    "conv_2d_multichannel",
    "conv_2d_multichannel_backward",
    "conv_operation_backward",
    "conv_operation_forward",
    "flatten",
    "im2col",
    "max_pool",
    "mnist_conv",
]

# shape of the input and of the filter, by step
_SHAPES: dict[str, Callable[..., tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "1d": lambda n, c_in, c_out, size, k: ((size,), (k,)),
    "1d_batch": lambda n, c_in, c_out, size, k: ((n, size), (k,)),
    "2d": lambda n, c_in, c_out, size, k: ((n, size, size), (k, k)),
    "2d_multichannel": lambda n, c_in, c_out, size, k: ((n, c_in, size, size), (c_in, c_out, k, k)),
}


def _data(
    rng: np.random.Generator, step: str, n: int, c_in: int, c_out: int, size: int, k: int
) -> tuple[ndarray, ndarray]:
    x_shape, w_shape = _SHAPES[step](n, c_in, c_out, size, k)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape)


def _forward(ref: Any, rng: np.random.Generator, step: str, **shape: int) -> dict[str, Any]:
    x, w = _data(rng, step, **shape)
    return {"output": getattr(ref.conv_steps, f"conv_{step}")(x, w)}


def _backward(
    ref: Any, rng: np.random.Generator, step: str, numerical: bool, **shape: int
) -> dict[str, Any]:
    x, w = _data(rng, step, **shape)
    module = ref.conv_steps
    forward = getattr(module, f"conv_{step}")
    G = output_grad_for(np.shape(forward(x, w)), 7)
    if numerical:

        def loss() -> float:
            return float(np.sum(forward(x, w) * G))

        return {"input_grad": numeric(loss, x), "param_grad": numeric(loss, w)}
    return {
        "input_grad": getattr(module, f"_input_grad_{step}")(x, w, G),
        "param_grad": getattr(module, f"_param_grad_{step}")(x, w, G),
    }


def _unflipped(step: str, **defaults: int) -> Callable[..., dict[str, Any]]:
    """The input gradient with the filter not flipped (the book's Conv2D_Op mistake).

    ``defaults`` are the probe's own defaults, so that both draw the same inputs.
    """

    def mistake(ref: Any, rng: np.random.Generator, **shape: int) -> dict[str, Any]:
        x, w = _data(rng, step, **_shape_defaults({**defaults, **shape}))
        module = ref.conv_steps
        G = output_grad_for(np.shape(getattr(module, f"conv_{step}")(x, w)), 7)
        if step == "2d_multichannel":
            flipped = w[:, :, ::-1, ::-1]
        elif step == "2d":
            flipped = w[::-1, ::-1]
        else:
            flipped = w[::-1]
        return {"input_grad": getattr(module, f"_input_grad_{step}")(x, flipped, G)}

    return mistake


def _shape_defaults(shape: dict[str, int]) -> dict[str, int]:
    return {"n": 3, "c_in": 2, "c_out": 3, "size": 7, "k": 3, **shape}


def conv_1d(ref: Any, rng: np.random.Generator, size: int = 9, k: int = 3, **_: Any) -> dict:
    """conv_1d of a random signal ("same" padding)."""
    return _forward(ref, rng, "1d", **_shape_defaults({"size": size, "k": k}))


def conv_1d_backward(
    ref: Any, rng: np.random.Generator, size: int = 9, k: int = 3, numerical: bool = False
) -> dict:
    """∂L/∂input_ and ∂L/∂param of conv_1d."""
    return _backward(ref, rng, "1d", numerical, **_shape_defaults({"size": size, "k": k}))


def conv_1d_batch(ref: Any, rng: np.random.Generator, n: int = 3, size: int = 8, k: int = 3):
    """conv_1d_batch of a batch of signals."""
    return _forward(ref, rng, "1d_batch", **_shape_defaults({"n": n, "size": size, "k": k}))


def conv_1d_batch_backward(
    ref: Any, rng: np.random.Generator, n: int = 3, size: int = 8, k: int = 3, numerical=False
) -> dict:
    """∂L/∂input_ and ∂L/∂param of conv_1d_batch."""
    shape = _shape_defaults({"n": n, "size": size, "k": k})
    return _backward(ref, rng, "1d_batch", numerical, **shape)


def conv_2d(ref: Any, rng: np.random.Generator, n: int = 2, size: int = 6, k: int = 3):
    """conv_2d of a batch of one-channel images."""
    return _forward(ref, rng, "2d", **_shape_defaults({"n": n, "size": size, "k": k}))


def conv_2d_backward(
    ref: Any, rng: np.random.Generator, n: int = 2, size: int = 6, k: int = 3, numerical=False
) -> dict:
    """∂L/∂input_ and ∂L/∂param of conv_2d."""
    return _backward(ref, rng, "2d", numerical, **_shape_defaults({"n": n, "size": size, "k": k}))


def conv_2d_multichannel(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 5,
    k: int = 3,
) -> dict:
    """conv_2d_multichannel of a batch of multichannel images."""
    shape = {"n": n, "c_in": c_in, "c_out": c_out, "size": size, "k": k}
    return _forward(ref, rng, "2d_multichannel", **shape)


def conv_2d_multichannel_backward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 5,
    k: int = 3,
    numerical: bool = False,
) -> dict:
    """∂L/∂input_ and ∂L/∂param of conv_2d_multichannel."""
    shape = {"n": n, "c_in": c_in, "c_out": c_out, "size": size, "k": k}
    return _backward(ref, rng, "2d_multichannel", numerical, **shape)


_FLIP = (
    "the kernel is not flipped: ∂L/∂input_ convolves the output gradient with the filter "
    "reversed (param[::-1], or [..., ::-1, ::-1] in 2-D)"
)
conv_1d_backward__mistakes = {_FLIP: _unflipped("1d", size=9, k=3)}
conv_1d_batch_backward__mistakes = {_FLIP: _unflipped("1d_batch", n=3, size=8, k=3)}
conv_2d_backward__mistakes = {_FLIP: _unflipped("2d", n=2, size=6, k=3)}
conv_2d_multichannel_backward__mistakes = {
    _FLIP: _unflipped("2d_multichannel", n=2, c_in=2, c_out=3, size=5, k=3)
}


# --- im2col ------------------------------------------------------------------------------------


def _im2col_module(ref: Any) -> Any:
    """The module ``im2col`` (the package's flat ``im2col`` is the function of that name)."""
    return importlib.import_module(f"{ref.__name__}.im2col")


def im2col(ref: Any, rng: np.random.Generator, n: int = 2, c: int = 2, size: int = 5, k: int = 3):
    """The columns of a batch of images."""
    x = rng.standard_normal((n, c, size, size))
    return {"cols": _im2col_module(ref).im2col(x, k)}


def col2im(ref: Any, rng: np.random.Generator, n: int = 2, c: int = 2, size: int = 5, k: int = 3):
    """col2im of random columns."""
    cols = rng.standard_normal((n, c * k * k, size * size))
    return {"images": _im2col_module(ref).col2im(cols, (n, c, size, size), k)}


def col2im_adjoint(ref: Any, rng: np.random.Generator, n: int = 2, c: int = 3, size: int = 4):
    """⟨im2col(x), cols⟩ and ⟨x, col2im(cols)⟩ — equal when col2im is im2col's adjoint."""
    k = 3
    x = rng.standard_normal((n, c, size, size))
    cols = rng.standard_normal((n, c * k * k, size * size))
    module = _im2col_module(ref)
    back = module.col2im(cols, x.shape, k)
    return {"lhs": float(np.sum(module.im2col(x, k) * cols)), "rhs": float(np.sum(x * back))}


def col2im_adjoint__judge(got: dict, expected: dict, **_: Any) -> list:
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


def _conv_data(rng: np.random.Generator, n: int, c_in: int, c_out: int, size: int, k: int):
    return rng.standard_normal((n, c_in, size, size)), rng.standard_normal((c_in, c_out, k, k))


def conv_operation_forward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 6,
    k: int = 3,
) -> dict:
    """Conv2DOperation's output."""
    x, w = _conv_data(rng, n, c_in, c_out, size, k)
    return {"output": ref.Conv2DOperation(w).forward(x)}


def conv_operation_backward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 5,
    k: int = 3,
    numerical: bool = False,
) -> dict:
    """Conv2DOperation's ∂L/∂input_ and ∂L/∂W."""
    x, w = _conv_data(rng, n, c_in, c_out, size, k)
    return op_pass(ref.Conv2DOperation(w), x, numerical)


def _conv_op_unflipped(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 5,
    k: int = 3,
) -> dict:
    x, w = _conv_data(rng, n, c_in, c_out, size, k)
    op = ref.Conv2DOperation(w[:, :, ::-1, ::-1].copy())
    op.forward(x)
    return {"input_grad": op._input_grad(output_grad_for((n, c_out, size, size), 7))}


def _conv_op_first_image(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c_in: int = 2,
    c_out: int = 3,
    size: int = 5,
    k: int = 3,
) -> dict:
    x, w = _conv_data(rng, n, c_in, c_out, size, k)
    G = output_grad_for((n, c_out, size, size), 7)
    op = ref.Conv2DOperation(w)
    op.forward(x[:1])
    return {"param_grad": op._param_grad(G[:1])}


conv_operation_backward__mistakes = {
    "the book's Conv2D_Op bug: the kernel is not flipped in the input gradient": _conv_op_unflipped,
    "∂L/∂W uses only the first image: sum over the whole batch (the book's Conv2D_Op is wrong "
    "for batches of more than one)": _conv_op_first_image,
}


def flatten(ref: Any, rng: np.random.Generator, n: int = 3) -> dict[str, Any]:
    """Flatten forward and backward."""
    x = rng.standard_normal((n, 2, 3, 4))
    op = ref.Flatten()
    output = op.forward(x)
    grad = rng.standard_normal((n, 24))
    return {"output": np.array(output, copy=True), "input_grad": op._input_grad(grad)}


def _pool_input(rng: np.random.Generator, n: int, c: int, size: int) -> ndarray:
    # distinct values: no ties for the maximum
    return rng.permutation(n * c * size * size).reshape(n, c, size, size) / 10.0 - 3.0


def max_pool(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c: int = 2,
    size: int = 6,
    window: int = 2,
    stride: int | None = None,
    numerical: bool = False,
) -> dict:
    """MaxPool2D's output and input gradient."""
    x = _pool_input(rng, n, c, size)
    return op_pass(ref.MaxPool2D(window, stride), x, numerical)


def avg_pool(
    ref: Any,
    rng: np.random.Generator,
    n: int = 2,
    c: int = 2,
    size: int = 6,
    window: int = 2,
    stride: int | None = None,
    numerical: bool = False,
) -> dict:
    """AvgPool2D's output and input gradient."""
    x = _pool_input(rng, n, c, size)
    return op_pass(ref.AvgPool2D(window, stride), x, numerical)


# --- training on MNIST ----------------------------------------------------------------------------


def _mnist_images(n_train: int = 5000, n_test: int = 1000, **_: Any) -> tuple[dict, dict]:
    from dlfs.datasets import global_standardize, load_mnist, one_hot

    X_train, y_train, X_test, y_test = load_mnist()
    X_train, X_test = global_standardize(X_train[:n_train], X_test[:n_test])
    inputs = {
        "X_train": X_train[:, None].astype(np.float64),
        "y_train": one_hot(y_train[:n_train], 10),
        "X_test": X_test[:, None].astype(np.float64),
    }
    return inputs, {"y_test": y_test[:n_test]}


def mnist_conv(
    ref: Any,
    rng: np.random.Generator,
    data: dict,
    epochs: int = 1,
    budget: float = 20.0,
    batch_size: int = 50,
    lr: float = 0.01,
    **_: Any,
) -> dict[str, ndarray]:
    """A small convolutional network on MNIST with the learner's convolution; test scores."""
    net = ref.NeuralNetwork(
        [
            ref.Conv2D(8, 3, weight_init="glorot", activation=ref.Tanh(), flatten=True),
            ref.Dense(10, ref.Linear(), weight_init="glorot"),
        ],
        ref.SoftmaxCrossEntropy(),
        20190501,
    )
    optim = ref.SGDMomentum(lr, momentum=0.9)
    trainer = ref.Trainer(net, optim)
    optim.net = net
    X, y = data["X_train"], data["y_train"]
    start = time.monotonic()
    order_rng = np.random.default_rng(1)
    exhausted = False
    for _ in range(epochs):
        order = order_rng.permutation(X.shape[0])
        for X_batch, y_batch in trainer.generate_batches(X, y, batch_size, order):
            net.train_batch(X_batch, y_batch)
            optim.step()
            exhausted = time.monotonic() - start > budget
            if exhausted:
                break
        if exhausted:
            break
    scores = np.concatenate(
        [
            net.forward(data["X_test"][i : i + 500], inference=True)
            for i in range(0, len(data["X_test"]), 500)
        ]
    )
    return {"scores": scores, "budget_exhausted": np.array(exhausted)}


def _accuracy(got: dict[str, ndarray], labels: dict[str, ndarray], **_: Any) -> float:
    scores = np.asarray(got["scores"])
    if scores.shape != (labels["y_test"].shape[0], 10):
        raise ValueError(f"scores of shape {scores.shape}, expected ({labels['y_test'].size}, 10)")
    return float(np.mean(np.argmax(scores, axis=1) == labels["y_test"]))


mnist_conv__data = _mnist_images
mnist_conv__metric = _accuracy
