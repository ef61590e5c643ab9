"""Probes for chapter 4: tanh, ReLU, softmax cross-entropy, momentum, decay, Glorot, dropout."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .builders import loss_backward, loss_backward_after_forward, op_backward, op_forward
from .common import extreme_inputs, output_grad_for
from .record import Probe, declare, no_inputs
from .training import accuracy, fit_network, mnist
from .written import written_in

__all__ = ["PROBES"]


def _x(rng: np.random.Generator, n: int, d: int, scale: float = 1.0) -> ndarray:
    return rng.standard_normal((n, d)) * scale


# --- Tanh and ReLU ------------------------------------------------------------------------------


def _scaled_inputs(scale: float, n: int, h: int) -> Any:
    def inputs(rng: np.random.Generator, n: int = n, h: int = h) -> dict:
        return {"x": _x(rng, n, h, scale)}

    return inputs


def _relu_inputs(rng: np.random.Generator, n: int = 6, h: int = 5) -> dict:
    x = _x(rng, n, h)
    x[0] *= 100.0  # large values pass unchanged (a ReLU6 or a clip "for stability" does not)
    # keep every element away from the kink, where the numerical gradient is undefined
    return {"x": np.where(np.abs(x) < 0.05, 0.1, x)}


def _relu_zero_inputs(rng: np.random.Generator, n: int = 6, h: int = 5) -> dict:
    """Values of both signs, a third of them exactly 0."""
    x = _x(rng, n, h)
    return {"x": np.where(rng.random((n, h)) < 1 / 3, 0.0, x)}


def _relu_at_zero_ge(ref: Any, inputs: dict) -> dict:
    return {"input_grad": _grad(inputs) * (inputs["x"] >= 0)}


def _grad(inputs: dict) -> ndarray:
    """The probes' fixed ∂L/∂output (see ``common.op_pass``)."""
    return output_grad_for(inputs["x"].shape, 7)


_tanh_backward_mistakes = {
    "tanh'(x) = 1 − tanh²(x) uses tanh(x), which is self.output, not x": lambda ref, i: {
        "input_grad": _grad(i) * (1 - i["x"] * i["x"])
    },
}

_relu_backward_mistakes = {
    "the book's bug: the mask output >= 0 is always true (the output is never negative), so "
    "every gradient passes; mask with input_ > 0": lambda ref, i: {"input_grad": _grad(i)},
    "the mask is right but is not multiplied by output_grad": lambda ref, i: {
        "input_grad": (i["x"] > 0).astype(float)
    },
}


# --- softmax and the cross-entropy ------------------------------------------------------------


def _softmax_inputs(rng: np.random.Generator, n: int = 5, c: int = 4) -> dict[str, ndarray]:
    return {"x": _x(rng, n, c, 2.0)}


def softmax(ref: Any, inputs: dict[str, ndarray], axis: int = 1, **_: Any) -> dict[str, Any]:
    """softmax of moderate scores, along ``axis``."""
    return {"probabilities": ref.softmax(inputs["x"], axis=axis)}


def _softmax_axis_ignored(ref: Any, inputs: dict[str, ndarray], axis: int = 1) -> dict:
    if axis in (1, -1):
        raise ValueError("the same as the right answer along axis 1")
    x = inputs["x"]
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return {"probabilities": e / e.sum(axis=1, keepdims=True)}


def _softmax_columns(ref: Any, inputs: dict[str, ndarray]) -> dict:
    x = inputs["x"]
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return {"probabilities": e / e.sum(axis=0, keepdims=True)}


def _softmax_columns_both(ref: Any, inputs: dict[str, ndarray]) -> dict:
    x = inputs["x"]
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return {"probabilities": e / e.sum(axis=0, keepdims=True)}


_SOFTMAX_AXIS = (
    "normalised over the wrong axis: each row (one sample's scores) must sum to 1; take the "
    "max and the sum over `axis`, with keepdims=True"
)


def _large_logits(rng: np.random.Generator, n: int = 4, c: int = 5) -> dict[str, ndarray]:
    """Scores near +1000 in some rows and near −1000 in the others (both, whatever the draw):
    rows far apart, so that one maximum for the whole batch underflows the rows below it."""
    x = _x(rng, n, c, 3.0)
    signs = rng.permutation(np.resize([-1.0, 1.0], n))
    return {"x": x + 1000.0 * signs[:, None]}


def softmax_large_logits(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict:
    """softmax of scores around ±1000: overflow unless each row's maximum is subtracted."""
    return {"probabilities": ref.softmax(inputs["x"])}


def _softmax_large_logits_judge(got: dict, expected: dict, **_: Any) -> list:
    p = got["probabilities"]
    finite = bool(np.all(np.isfinite(p)))
    sums = np.sum(p, axis=1) if p.ndim == 2 else np.array([np.nan])
    return [
        (
            "finite",
            finite,
            "softmax of scores near 1000 gives NaN or inf: subtract each row's maximum before "
            "np.exp (softmax does not change when a constant is added to a row)",
        ),
        (
            "rows sum to 1",
            finite and p.shape == expected["probabilities"].shape and np.allclose(sums, 1.0),
            f"each row of probabilities should sum to 1; got sums {np.round(sums, 4)}",
        ),
        (
            "matches",
            finite
            and p.shape == expected["probabilities"].shape
            and np.allclose(p, expected["probabilities"], rtol=1e-7, atol=1e-12),
            "the probabilities differ from the reference's for large scores",
        ),
    ]


def _sce_inputs(rng: np.random.Generator, n: int = 6, c: int = 4) -> dict[str, ndarray]:
    prediction = _x(rng, n, c, 2.0)
    target = np.eye(c)[rng.integers(0, c, n)]
    return {"prediction": prediction, "target": target}


def softmax_cross_entropy_forward(ref: Any, inputs: dict, **_: Any) -> dict[str, Any]:
    """The loss, and the softmax probabilities kept for backward."""
    loss = ref.SoftmaxCrossEntropy()
    value = loss.forward(inputs["prediction"], inputs["target"])
    return {"loss": value, "softmax_preds": loss.softmax_preds}


def _clipped_softmax(ref: Any, inputs: dict) -> ndarray:
    return np.clip(ref.softmax(inputs["prediction"], axis=1), 1e-9, 1 - 1e-9)


def _sce_book_loss(ref: Any, inputs: dict) -> dict:
    p, target = _clipped_softmax(ref, inputs), inputs["target"]
    value = -np.sum(target * np.log(p) + (1 - target) * np.log(1 - p)) / p.shape[0]
    return {"loss": float(value)}


def _far_below_inputs(rng: np.random.Generator, n: int = 6, c: int = 4) -> dict[str, ndarray]:
    """Scores whose first row gives its target class a probability near e^−40, below any
    eps (and below the default 1e-9)."""
    prediction = _x(rng, n, c, 2.0)
    prediction[0] += 40.0 * np.arange(c) / (c - 1)
    target = np.eye(c)[rng.integers(0, c, n)]
    target[0] = np.eye(c)[0]
    return {"prediction": prediction, "target": target}


def softmax_cross_entropy_eps(
    ref: Any, inputs: dict[str, ndarray], eps: float = 0.01, **_: Any
) -> dict[str, Any]:
    """The loss with a larger ``eps``, where a target's probability lies far below it."""
    value = ref.SoftmaxCrossEntropy(eps).forward(inputs["prediction"], inputs["target"])
    return {"loss": value, "prediction": inputs["prediction"], "target": inputs["target"]}


def _exact_cross_entropy(prediction: ndarray, target: ndarray) -> float:
    shifted = prediction - prediction.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(target * log_p) / prediction.shape[0])


def _eps_judge(got: dict, expected: dict, eps: float = 0.01, **_: Any) -> list:
    """Either right formula passes: p clipped to [eps, 1 − eps] (the docstring's) or an
    exact log-softmax that needs no clipping. A bound written in is said only where the loss
    is the one it gives; else the loss is wrong for a reason the other checks find."""
    value = float(np.asarray(got["loss"]))
    clipped = float(np.asarray(expected["loss"]))
    prediction, target = np.asarray(got["prediction"]), np.asarray(got["target"])
    exact = _exact_cross_entropy(prediction, target)
    ok = any(np.isclose(value, right, rtol=1e-7, atol=1e-10) for right in (clipped, exact))
    said = f"with eps = {eps} the loss is {value:.6g}; p clipped to [eps, 1 − eps] gives "
    said += f"{clipped:.6g} (an exact log-softmax, which needs no clipping, {exact:.6g})"
    written = written_in(value, lambda bound: _clipped_at(prediction, target, bound))
    if written is not None:
        said += f": p is clipped at {written:g}, written in: clip to [self.eps, 1 − self.eps]"
    return [("clips at self.eps", bool(ok), said)]


def _clipped_at(prediction: ndarray, target: ndarray, bound: float) -> float:
    """The loss with the softmax's probabilities clipped to [bound, 1 − bound]."""
    shifted = np.exp(prediction - prediction.max(axis=1, keepdims=True))
    p = np.clip(shifted / shifted.sum(axis=1, keepdims=True), bound, 1.0 - bound)
    return float(-np.sum(target * np.log(p)) / prediction.shape[0])


def _saturated_inputs(rng: np.random.Generator, n: int = 6, c: int = 4) -> dict[str, ndarray]:
    target = np.eye(c)[rng.integers(0, c, n)]
    return {"prediction": rng.choice([-1000.0, 1000.0], (n, c)), "target": target}


def softmax_cross_entropy_saturated(
    ref: Any, inputs: dict[str, ndarray], **_: Any
) -> dict[str, Any]:
    """Confident predictions, some of them wrong: scores of ±1000 saturate the softmax."""
    loss = ref.SoftmaxCrossEntropy()
    value = loss.forward(inputs["prediction"], inputs["target"])
    return {"loss": value, "softmax_preds": loss.softmax_preds}


def _saturated_judge(got: dict, expected: dict, **_: Any) -> list:
    loss = np.asarray(got["loss"], dtype=float)
    preds = np.asarray(got["softmax_preds"], dtype=float)
    return [
        (
            "a finite loss",
            bool(np.all(np.isfinite(loss)) and np.all(loss >= 0)),
            f"a confident wrong prediction gives a loss of {loss}: log(0) — clip the "
            "probabilities to [eps, 1 − eps] inside the log (or use a stable log-softmax)",
        ),
        (
            "finite probabilities",
            bool(np.all(np.isfinite(preds))),
            "softmax of scores near ±1000 gives NaN or inf: subtract each row's maximum first",
        ),
    ]


_softmax_cross_entropy_forward_mistakes = {
    "the book's extra term −Σ (1 − y) log(1 − p): that is not the loss whose gradient is "
    "(p − y) / N": _sce_book_loss,
    "the loss is summed over the batch: divide by N": lambda ref, i: {
        "loss": float(-np.sum(i["target"] * np.log(_clipped_softmax(ref, i))))
    },
}


# --- optimizers ---------------------------------------------------------------------------------


class _FakeNet:
    def __init__(self, params: list[ndarray], grads: list[ndarray]) -> None:
        self._params, self._grads = params, grads

    def params(self) -> list[ndarray]:
        return self._params

    def param_grads(self) -> list[ndarray]:
        return self._grads


def _momentum_inputs(rng: np.random.Generator, steps: int = 4) -> dict[str, ndarray]:
    W, B = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    grads_W, grads_B = rng.standard_normal((steps, 3, 4)), rng.standard_normal((steps, 1, 4))
    return {"W": W, "B": B, "grads_W": grads_W, "grads_B": grads_B}


_LR = 0.05
"""The momentum checks' learning rate: not 1 − momentum (0.1 at momentum 0.9), so that a factor
(1 − momentum) written in and the learning rate are told apart."""


def _momentum_written_in(
    ref: Any, inputs: dict[str, ndarray], lr: float = _LR, momentum: float = 0.9, steps: int = 4
) -> dict[str, Any]:
    if momentum == 0.9:
        raise ValueError("the same as the right answer at the default momentum")
    return sgd_momentum_update(ref, inputs, lr, 0.9, steps)


def sgd_momentum_update(
    ref: Any, inputs: dict[str, ndarray], lr: float = _LR, momentum: float = 0.9, steps: int = 4
) -> dict[str, Any]:
    """Parameters and velocities after a few momentum steps with changing gradients."""
    params = [inputs["W"], inputs["B"]]
    grads = [inputs["grads_W"], inputs["grads_B"]]
    current = [g[0].copy() for g in grads]
    optim = ref.SGDMomentum(lr=lr, momentum=momentum)
    optim.net = _FakeNet(params, current)
    for step in range(steps):
        for now, all_steps in zip(current, grads, strict=True):
            now[...] = all_steps[step]
        optim.step()
    return {
        "W": params[0],
        "B": params[1],
        "velocity_W": optim.velocities[0],
        "velocity_B": optim.velocities[1],
    }


def lr_decay(
    ref: Any,
    inputs: dict[str, Any],
    decay_type: str = "linear",
    lr: float = 0.2,
    final_lr: float = 0.05,
    epochs: int = 5,
) -> dict[str, Any]:
    """The learning rate of each epoch, from lr to final_lr."""
    optim = ref.SGD(lr=lr, final_lr=final_lr, decay_type=decay_type)
    optim.max_epochs = epochs
    optim._setup_decay()
    lrs = []
    for epoch in range(epochs):
        lrs.append(optim.lr)
        if epoch < epochs - 1:
            optim._decay_lr()
    return {"lrs": np.array(lrs, dtype=np.float64)}


def lr_decay_one_epoch(ref: Any, inputs: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A fit of a single epoch, for either decay: there is nothing to decay (max_epochs − 1
    = 0 decays), so lr stays as it was and nothing divides by zero."""
    return {
        kind: lr_decay(ref, inputs, decay_type=kind, epochs=1)["lrs"]
        for kind in ("linear", "exponential")
    }


def _decays_too_often(
    ref: Any,
    inputs: dict[str, Any],
    decay_type: str = "linear",
    lr: float = 0.2,
    final_lr: float = 0.05,
    epochs: int = 5,
) -> dict[str, Any]:
    k = np.arange(epochs)
    if decay_type == "exponential":
        return {"lrs": lr * (final_lr / lr) ** (k / epochs)}
    return {"lrs": lr - k * (lr - final_lr) / epochs}


def glorot_scale(ref: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """init_scale("glorot", n_in, n_out) for several shapes."""
    shapes = [(784, 89), (89, 10), (13, 1), (1, 1), (3 * 5 * 5, 16 * 5 * 5)]
    return {
        "scales": np.array([ref.layers.init_scale("glorot", a, b) for a, b in shapes]),
    }


def _glorot_scale_expected() -> dict[str, Any]:
    shapes = [(784, 89), (89, 10), (13, 1), (1, 1), (3 * 5 * 5, 16 * 5 * 5)]
    return {"scales": np.array([np.sqrt(2.0 / (a + b)) for a, b in shapes])}


_glorot_mistakes = {
    "√(6 / (n_in + n_out)) is the limit a of Glorot's uniform distribution U(−a, a); the "
    "standard deviation of the normal the layers draw from is √(2 / (n_in + n_out))": (
        lambda ref, inputs: {"scales": _glorot_scale_expected()["scales"] * np.sqrt(3.0)}
    ),
    "2 / (n_in + n_out) is Glorot's variance; the standard deviation is its square root": (
        lambda ref, inputs: {"scales": _glorot_scale_expected()["scales"] ** 2}
    ),
}


# --- dropout -----------------------------------------------------------------------------------


def _dropout_forward_inputs(rng: np.random.Generator, n: int = 200, h: int = 50) -> dict:
    x = rng.uniform(0.5, 2.0, (n, h)) * rng.choice([-1.0, 1.0], (n, h))
    return {"x": x, "seed": int(rng.integers(2**31))}


def dropout_forward(ref: Any, inputs: dict[str, Any], keep_prob: float = 0.8, **_: Any) -> dict:
    """A training pass, its mask, and an inference pass, on inputs away from zero."""
    x, seed = inputs["x"], inputs["seed"]
    state = np.random.get_state()
    try:  # the global generator in two states: the masks must not depend on it
        np.random.seed(1)  # each pass gets its own copy of x: one that changes its input
        op = ref.Dropout(keep_prob, seed=seed)  # in place fails its own check, not the others
        train = np.array(op.forward(x.copy()), copy=True)
        infer = np.array(op.forward(x.copy(), inference=True), copy=True)
        passes = [np.array(op.forward(x.copy()), copy=True) for _ in range(20)]
        np.random.seed(2)
        again = np.array(ref.Dropout(keep_prob, seed=seed).forward(x.copy()), copy=True)
    finally:
        np.random.set_state(state)
    return {
        "x": x,
        "train": train,
        "inference": infer,
        "mean_of_20": np.mean(passes, axis=0),
        "kept_in_20": np.stack(passes) != 0,
        "same_seed": again,
    }


def _shared_axis(kept: ndarray) -> int | None:
    """An axis of the input along which every one of the passes' masks is the same (a draw
    of shape [1, H] broadcast over the batch); None where each element had its own draw. For
    20 independent masks of a few elements a row, all alike is less likely than 1e-30."""
    for axis in range(1, kept.ndim):
        if kept.shape[axis] > 1 and np.all(kept == np.take(kept, [0], axis=axis)):
            return axis - 1
    return None


def _dropout_forward_judge(got: dict, expected: dict, keep_prob: float = 0.8, **_: Any) -> list:
    """Either correct convention passes: inverted dropout (kept elements ÷ keep_prob while
    training, inference the identity) or the book's (training unscaled, inference × keep_prob);
    in both, a training pass's expected output is the inference output."""
    x, train, infer = got["x"], got["train"], got["inference"]
    if train.shape != x.shape or infer.shape != x.shape:
        return [("shape", False, f"the output has shape {train.shape}, expected {x.shape}")]
    kept = train != 0
    fraction = float(kept.mean())
    sigma = np.sqrt(keep_prob * (1 - keep_prob) / x.size)
    inverted = np.allclose(train[kept], x[kept] / keep_prob) and np.allclose(infer, x)
    book = np.allclose(train[kept], x[kept]) and np.allclose(infer, x * keep_prob)
    ratio = float(np.mean(got["mean_of_20"] / np.where(infer == 0, 1.0, infer)))
    return [
        (
            "keeps keep_prob of the elements",
            abs(fraction - keep_prob) < 5 * sigma,
            f"a training pass kept {fraction:.3f} of the elements; it should keep about "
            f"keep_prob = {keep_prob} (each with probability keep_prob, independently)",
        ),
        (
            "one convention, kept to",
            bool(inverted or book),
            _convention_problem(x, train, infer, kept, keep_prob),
        ),
        (
            "expected output = inference output",
            abs(ratio - 1.0) < 0.05,
            f"averaged over 20 masks a training pass gives {ratio:.3f} × the inference output; "
            "they should agree on average (scale while training, or at inference, not both)",
        ),
        (
            "a fresh mask each pass",
            bool(np.any(got["kept_in_20"] != kept)),
            "all 21 training passes dropped the same elements: the mask is kept from an "
            "earlier call, or drawn from a generator seeded afresh on every call; every "
            "training pass should draw a new mask from self.rng",
        ),
        (
            "each element its own draw",
            (shared := _shared_axis(got["kept_in_20"])) is None,
            f"in every pass the mask is the same along axis {shared} of the input: one draw "
            "broadcast over it (a mask of size 1 along that axis, such as [1, H] for the whole "
            "batch); each element needs its own draw, of the input's shape",
        ),
        (
            "the mask comes from the layer's generator",
            bool(np.array_equal(got.get("same_seed", train), train)),
            "two Dropout layers with the same seed drew different masks: the mask is drawn "
            "from NumPy's global generator (np.random…), not from the generator given "
            "(self.rng), so the seed does not decide it",
        ),
    ]


def _convention_problem(
    x: ndarray, train: ndarray, infer: ndarray, kept: ndarray, keep_prob: float
) -> str:
    """What is inconsistent, when neither dropout convention holds."""
    scaled = np.allclose(train[kept], x[kept] / keep_prob)
    unscaled = np.allclose(train[kept], x[kept])
    if scaled and not np.allclose(infer, x):
        return (
            "the kept elements are ÷ keep_prob (inverted dropout): inference must then be "
            "the input unchanged"
        )
    if unscaled and not np.allclose(infer, x * keep_prob):
        return (
            "the kept elements come out unscaled, while inference is the identity: kept "
            "elements must be input_ ÷ keep_prob (inverted dropout), or stay unscaled with "
            "inference input_ × keep_prob (the book's convention)"
        )
    return (
        "kept elements should be input_ ÷ keep_prob (inverted dropout, inference the identity) "
        "or input_ unchanged (the book's convention, inference × keep_prob)"
    )


def _dropout_backward_inputs(rng: np.random.Generator, n: int = 20, h: int = 10) -> dict:
    x = rng.uniform(0.5, 2.0, (n, h))
    G = rng.standard_normal((n, h))
    return {"x": x, "G": G, "seed": int(rng.integers(2**31))}


def dropout_backward(ref: Any, inputs: dict[str, Any], keep_prob: float = 0.7, **_: Any) -> dict:
    """A training pass's output and the input gradient through the same mask."""
    x, G = inputs["x"], inputs["G"]
    op = ref.Dropout(keep_prob, seed=inputs["seed"])
    given = x.copy()
    output = np.array(op.forward(x), copy=True)
    return {
        "x": given,
        "G": G,
        "output": output,
        "input_grad": op._input_grad(G),
        "x_kept": np.array(np.array_equal(x, given)),
    }


def _dropout_backward_judge(got: dict, expected: dict, **_: Any) -> list:
    x, G, output, grad = got["x"], got["G"], got["output"], got["input_grad"]
    if grad.shape != x.shape:
        return [("shape", False, f"input_grad has shape {grad.shape}, expected {x.shape}")]
    if not bool(np.asarray(got.get("x_kept", True)).all()):  # not the backward's fault
        return [
            (
                "through the mask",
                False,
                "the forward pass changed its input in place (self.input_ *= … or x *= …): "
                "the caller's array is not the operation's to change; compute a new one",
            )
        ]
    mask = output / x  # what the forward pass multiplied by
    return [
        (
            "through the mask",
            bool(np.allclose(grad, G * mask)),
            "∂L/∂input_ should be output_grad × the same mask the forward pass used "
            "(self.mask): zero where dropped, scaled where kept",
        )
    ]


# --- training on MNIST ----------------------------------------------------------------------------


def _train_mnist(
    ref: Any, data: dict, optim: Any, epochs: int, budget: float, batch_size: int = 60
) -> dict[str, ndarray]:
    """Train [Dense(89, tanh), Dense(10)] with softmax cross-entropy; stop at the budget."""
    net = ref.NeuralNetwork(
        [
            ref.Dense(89, ref.Tanh(), weight_init="glorot"),
            ref.Dense(10, ref.Linear(), weight_init="glorot"),
        ],
        ref.SoftmaxCrossEntropy(),
        20190501,
    )
    return fit_network(ref, net, optim, data, epochs, budget, batch_size)


def mnist_softmax(
    ref: Any, inputs: dict[str, Any], data: dict, epochs: int = 1, budget: float = 10.0, **_: Any
) -> dict[str, ndarray]:
    """MNIST (a subset) with the learner's softmax cross-entropy; scores of the test subset."""
    return _train_mnist(ref, data, ref.SGD(0.1), epochs, budget)


def mnist_momentum(
    ref: Any, inputs: dict[str, Any], data: dict, epochs: int = 1, budget: float = 10.0, **_: Any
) -> dict[str, ndarray]:
    """MNIST (a subset) with the learner's momentum update; scores of the test subset."""
    return _train_mnist(ref, data, ref.SGDMomentum(0.1, momentum=0.9), epochs, budget)


PROBES = declare(
    op_forward(
        "tanh_forward", lambda ref, i: ref.Tanh(), _scaled_inputs(2.0, 5, 4), "tanh of both signs."
    ),
    op_forward(
        "tanh_forward_extreme",
        lambda ref, i: ref.Tanh(),
        extreme_inputs,
        "tanh where e^(±x) overflows: its limits ±1, never nan.",
    ),
    op_backward(
        "tanh_backward",
        lambda ref, i: ref.Tanh(),
        _scaled_inputs(1.5, 5, 4),
        _tanh_backward_mistakes,
        "∂L/∂input_ of Tanh.",
    ),
    op_forward("relu_forward", lambda ref, i: ref.ReLU(), _relu_inputs, "max(x, 0), both signs."),
    op_backward(
        "relu_backward",
        lambda ref, i: ref.ReLU(),
        _relu_inputs,
        _relu_backward_mistakes,
        "∂L/∂input_ of ReLU.",
    ),
    op_backward(
        "relu_backward_at_zero",
        lambda ref, i: ref.ReLU(),
        _relu_zero_inputs,
        {
            "the mask input_ >= 0 lets the gradient through at 0: ReLU's is input_ > 0": (
                _relu_at_zero_ge
            )
        },
        "∂L/∂input_ of ReLU where inputs are exactly 0 (the gradient there is 0).",
    ),
    Probe(
        softmax,
        inputs=_softmax_inputs,
        mistakes={
            f"{_SOFTMAX_AXIS} (the sum here runs down the columns)": _softmax_columns,
            f"{_SOFTMAX_AXIS} (the max and the sum here run down the columns)": (
                _softmax_columns_both
            ),
            "the axis argument is ignored: the max and the sum run along axis 1 whatever "
            "axis says; pass axis=axis to both": _softmax_axis_ignored,
        },
    ),
    Probe(softmax_large_logits, inputs=_large_logits, judge=_softmax_large_logits_judge),
    Probe(
        softmax_cross_entropy_forward,
        inputs=_sce_inputs,
        mistakes=_softmax_cross_entropy_forward_mistakes,
    ),
    loss_backward_after_forward(
        "softmax_cross_entropy_after_forward", lambda ref, i: ref.SoftmaxCrossEntropy(), _sce_inputs
    ),
    loss_backward_after_forward(  # what forward keeps for backward: p, not p clipped
        "softmax_cross_entropy_eps_after_forward",
        lambda ref, i: ref.SoftmaxCrossEntropy(0.01),
        _far_below_inputs,
    ),
    Probe(softmax_cross_entropy_eps, inputs=_far_below_inputs, judge=_eps_judge),
    Probe(softmax_cross_entropy_saturated, inputs=_saturated_inputs, judge=_saturated_judge),
    loss_backward(
        "softmax_cross_entropy_backward",
        lambda ref, i: ref.SoftmaxCrossEntropy(),
        _sce_inputs,
        doc="∂L/∂prediction of the softmax cross-entropy.",
    ),
    Probe(
        sgd_momentum_update,
        inputs=_momentum_inputs,
        mistakes={
            "the velocity decays by 0.9 whatever momentum the optimizer was made with: "
            "velocity *= self.momentum": _momentum_written_in,
        },
    ),
    Probe(
        lr_decay,
        inputs=no_inputs,
        mistakes={
            "lr reaches final_lr after max_epochs decays, one epoch too late: there are "
            "max_epochs − 1 decays (none after the last epoch)": _decays_too_often,
        },
    ),
    Probe(lr_decay_one_epoch, inputs=no_inputs),
    Probe(
        glorot_scale,
        inputs=no_inputs,
        expected=_glorot_scale_expected,
        mistakes=_glorot_mistakes,
    ),
    Probe(dropout_forward, inputs=_dropout_forward_inputs, judge=_dropout_forward_judge),
    Probe(dropout_backward, inputs=_dropout_backward_inputs, judge=_dropout_backward_judge),
    Probe(mnist_softmax, data=mnist, metric=accuracy, datasets=("mnist",)),
    Probe(mnist_momentum, data=mnist, metric=accuracy, datasets=("mnist",)),
)
"""Every probe of this chapter, with its companions."""
