"""Probes for chapter 3: operations, activations, the MSE loss, SGD and the trainer."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy import ndarray

from .builders import (
    backward_after_forward,
    loss_backward,
    loss_backward_after_forward,
    loss_forward,
    op_backward,
    op_forward,
)
from .common import extreme_inputs, output_grad_for
from .fit import EARLY_STOPPING, FIT_SCHEDULE, SEED_LAYERS
from .record import Probe, declare
from .training import boston, rmse

__all__ = ["PROBES"]


def _x(rng: np.random.Generator, n: int, d: int, scale: float = 1.0) -> ndarray:
    return rng.standard_normal((n, d)) * scale


# --- WeightMultiply and BiasAdd -------------------------------------------------------------


def _weight_inputs(rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4) -> dict:
    return {"x": _x(rng, n, d), "W": _x(rng, d, h)}


def _bias_inputs(rng: np.random.Generator, n: int = 5, h: int = 4) -> dict:
    return {"x": _x(rng, n, h), "B": _x(rng, 1, h)}


def _grad(inputs: dict, columns: int) -> ndarray:
    """The probes' fixed ∂L/∂output (see ``common.op_pass``)."""
    return output_grad_for((inputs["x"].shape[0], columns), 7)


_weight_multiply_backward_mistakes = {
    "W and input_ are not transposed: ∂L/∂input_ = ∂L/∂output @ Wᵀ and "
    "∂L/∂W = input_ᵀ @ ∂L/∂output": lambda ref, i: {
        "input_grad": _grad(i, i["W"].shape[1]) @ i["W"],
        "param_grad": i["x"] @ _grad(i, i["W"].shape[1]),
    },
    "∂L/∂W is divided by the batch size: the book sums over the batch here": lambda ref, i: {
        "input_grad": _grad(i, i["W"].shape[1]) @ i["W"].T,
        "param_grad": i["x"].T @ _grad(i, i["W"].shape[1]) / i["x"].shape[0],
    },
}


def _weight_multiply(ref: Any, inputs: dict) -> Any:
    return ref.WeightMultiply(inputs["W"])


def _bias_add(ref: Any, inputs: dict) -> Any:
    return ref.BiasAdd(inputs["B"])


# --- activations ------------------------------------------------------------------------------


def _activation_inputs(scale: float, n: int = 6, h: int = 5) -> Any:
    def inputs(rng: np.random.Generator, n: int = n, h: int = h) -> dict:
        return {"x": _x(rng, n, h, scale)}

    return inputs


def _sigmoid_of(x: ndarray) -> ndarray:
    return 1 / (1 + np.exp(-x))


_sigmoid_backward_mistakes = {
    "σ'(x) = σ(x)(1 − σ(x)) uses σ(x), which is self.output, not x itself": lambda ref, i: {
        "input_grad": _grad(i, i["x"].shape[1]) * i["x"] * (1 - i["x"])
    },
    "the local derivative is not multiplied by output_grad (the chain rule)": lambda ref, i: {
        "input_grad": _sigmoid_of(i["x"]) * (1 - _sigmoid_of(i["x"]))
    },
}


# --- MeanSquaredError -----------------------------------------------------------------------


def _mse_inputs(
    rng: np.random.Generator, n: int = 6, c: int = 3, normalize: bool = False
) -> dict[str, ndarray]:
    if normalize:
        prediction = rng.uniform(0.1, 1.0, (n, c))
        target = np.eye(c)[rng.integers(0, c, n)]
    else:
        prediction, target = _x(rng, n, c), _x(rng, n, c)
    return {"prediction": prediction, "target": target, "normalize": normalize}


def _mse(ref: Any, inputs: dict) -> Any:
    return ref.MeanSquaredError(inputs["normalize"])


_mse_forward_mistakes = {
    "the squared errors are averaged over every element; sum them over the C outputs and "
    "average over the batch only (divide by N)": lambda ref, i: {
        "loss": float(np.mean((i["prediction"] - i["target"]) ** 2))
    },
}


def _mse_book_normalize(ref: Any, inputs: dict) -> dict:
    if not inputs["normalize"]:
        raise ValueError("the book's bug is in the normalised loss only")
    prediction, target = inputs["prediction"], inputs["target"]
    q = prediction / prediction.sum(axis=1, keepdims=True)
    return {"input_grad": 2 * (q - target) / prediction.shape[0]}


_mse_backward_mistakes = {
    "the book's bug: the gradient does not go back through the normalisation q = p / Σp "
    "(see the docstring's formula)": _mse_book_normalize,
}


# --- SGD -----------------------------------------------------------------------------------------


class _FakeNet:
    def __init__(self, params: list[ndarray], grads: list[ndarray]) -> None:
        self._params, self._grads = params, grads

    def params(self) -> list[ndarray]:
        return self._params

    def param_grads(self) -> list[ndarray]:
        return self._grads


def _sgd_inputs(rng: np.random.Generator, **_: Any) -> dict[str, list[ndarray]]:
    params = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    grads = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    return {"params": params, "grads": grads}


def sgd_update(
    ref: Any, inputs: dict, lr: float = 0.1, steps: int = 3, decayed: bool = False
) -> dict[str, Any]:
    """Parameters after ``steps`` SGD steps (updated in place, through optim.step); with
    ``decayed``, from a learning rate a decay schedule has halved (``optim.lr``, not
    ``optim.initial_lr``)."""
    params = [p.copy() for p in inputs["params"]]
    optim = ref.SGD(lr=lr)
    if decayed:
        optim.lr = lr / 2
    optim.net = _FakeNet(params, inputs["grads"])
    for _ in range(steps):
        optim.step()
    return {"W": params[0], "B": params[1]}


def _sgd_plus(ref: Any, inputs: dict, lr: float = 0.1, steps: int = 3) -> dict[str, ndarray]:
    (W, B), (dW, dB) = inputs["params"], inputs["grads"]
    return {"W": W + steps * lr * dW, "B": B + steps * lr * dB}


_sgd_update_mistakes = {
    "the parameters did not change: update them in place (param -= …), since "
    "`param = param - …` only rebinds a local name": lambda ref, i, **_: {
        "W": i["params"][0],
        "B": i["params"][1],
    },
    "the step goes up the gradient: subtract lr · grad": _sgd_plus,
}


def _train_epoch_loss_and_order(got: dict) -> list:
    """The epoch returns the mean of its batches' losses; its order comes from ``rng``."""
    losses = np.atleast_1d(got["batch_losses"])
    loss = float(np.asarray(got["loss"], dtype=float))
    mean = float(losses.mean()) if losses.size else float("nan")
    summed = bool(losses.size) and np.isclose(loss, float(losses.sum()))
    same = np.array_equal(got["order"], got["order_same_seed"])
    differs = not np.array_equal(got["order"], got["order_other_seed"])
    seen = np.size(got["order"]) > 0  # no batch, no order: the rows-seen check says so
    return [
        (
            "returns the mean batch loss",
            bool(np.isclose(loss, mean)),
            f"the epoch returned {loss:.6g}; the mean of its {losses.size} batches' losses is "
            f"{mean:.6g}"
            + (": that is their sum, divide by the number of batches" if summed else ""),
        ),
        (
            "shuffles with rng",
            bool(same and differs) or not seen,
            "the batches' order should come from the rng passed in (rng.permutation): "
            + ("another rng gave the same order" if same else "the same rng gave another order"),
        ),
    ]


# --- the trainer ------------------------------------------------------------------------------


class _Recorder:
    """Wraps a network's train_batch to remember the rows it was given."""

    def __init__(self, net: Any) -> None:
        self.rows: list[ndarray] = []
        self.losses: list[float] = []
        original = net.train_batch

        def train_batch(x_batch: ndarray, y_batch: ndarray, inference: bool = False) -> float:
            self.rows.append(np.asarray(x_batch))
            loss = original(x_batch, y_batch, inference)
            self.losses.append(float(loss))
            return loss

        net.train_batch = train_batch


def _batches_inputs(
    rng: np.random.Generator, n: int = 10, ordered: bool = True
) -> dict[str, ndarray | None]:
    X, y = _x(rng, n, 3), _x(rng, n, 2)
    return {"X": X, "y": y, "order": rng.permutation(n) if ordered else None}


def generate_batches(
    ref: Any, inputs: dict[str, Any], n: int = 10, size: int = 4, **_: Any
) -> dict[str, Any]:
    """Every batch of X and y, concatenated, and the size of each."""
    X, y, order = inputs["X"], inputs["y"], inputs["order"]
    net = ref.NeuralNetwork([ref.Dense(1)], ref.MeanSquaredError())
    trainer = ref.Trainer(net, ref.SGD(0.1))
    batches = list(itertools.islice(trainer.generate_batches(X, y, size, order), n + 1))
    if not batches:
        raise ValueError("generate_batches yielded no batch")
    if len(batches) > n:  # every run stops here, the same way (not at a memory limit)
        raise ValueError(
            f"generate_batches yielded more than {n} batches for {n} rows: does it ever stop? "
            "(a loop whose index never passes the number of rows)"
        )
    return {
        "X_batches": np.concatenate([b[0] for b in batches]),
        "y_batches": np.concatenate([b[1] for b in batches]),
        "sizes": np.array([len(b[0]) for b in batches]),
    }


def _last_batch_dropped(
    ref: Any, inputs: dict[str, Any], n: int = 10, size: int = 4, **_: Any
) -> dict[str, Any]:
    right = generate_batches(ref, inputs, n, size)
    whole = n // size
    if whole * size == n:
        raise ValueError("every batch is whole here")
    return {
        "X_batches": right["X_batches"][: whole * size],
        "y_batches": right["y_batches"][: whole * size],
        "sizes": right["sizes"][:whole],
    }


def _network(ref: Any, d: int, seed: int = 3) -> Any:
    return ref.NeuralNetwork(
        [ref.Dense(4, ref.Sigmoid()), ref.Dense(1, ref.Linear())], ref.MeanSquaredError(), seed
    )


def _xy_inputs(rng: np.random.Generator, n: int) -> dict[str, ndarray]:
    return {"X": _x(rng, n, 3), "y": _x(rng, n, 1)}


def _one_batch_inputs(rng: np.random.Generator, n: int = 12) -> dict[str, ndarray]:
    return _xy_inputs(rng, n)


def train_epoch_one_batch(ref: Any, inputs: dict[str, ndarray], n: int = 12) -> dict[str, Any]:
    """One epoch of a single batch (the order cannot matter): the loss and the parameters."""
    X, y = inputs["X"], inputs["y"]
    net = _network(ref, 3)
    trainer = ref.Trainer(net, ref.SGD(0.1))
    net.forward(X[:1])  # build the layers
    loss = trainer._train_epoch(X, y, n, np.random.default_rng(0))
    result = {f"param_{i}": p for i, p in enumerate(net.params())}
    result["loss"] = loss
    return result


def _epoch(ref: Any, X: ndarray, y: ndarray, size: int, seed: int) -> dict[str, Any]:
    """One epoch on a fresh network: the rows each batch held, the steps, the losses."""
    net = _network(ref, 3)
    recorder = _Recorder(net)
    steps = [0]
    optim = ref.SGD(0.0001)
    original_step = optim.step

    def step() -> None:
        steps[0] += 1
        original_step()

    optim.step = step
    loss = ref.Trainer(net, optim)._train_epoch(X, y, size, np.random.default_rng(seed))
    rows = np.concatenate(recorder.rows) if recorder.rows else np.zeros((0, 3))
    return {"rows": rows, "steps": steps[0], "loss": loss, "losses": recorder.losses}


def _rows_inputs(rng: np.random.Generator, n: int = 10) -> dict[str, ndarray]:
    return _xy_inputs(rng, n)


def train_epoch_rows(ref: Any, inputs: dict[str, ndarray], size: int = 4, **_: Any) -> dict:
    """Which rows one epoch trains on (sorted), how many steps it takes, what it returns
    against the batches' losses, and whether its order comes from ``rng``."""
    X, y = inputs["X"], inputs["y"]
    first = _epoch(ref, X, y, size, 0)
    again = _epoch(ref, X, y, size, 0)
    other = _epoch(ref, X, y, size, 1)
    rows = first["rows"]
    return {
        "rows_seen": rows[np.lexsort(rows.T[::-1])],
        "steps": first["steps"],
        "loss": first["loss"],
        "batch_losses": np.asarray(first["losses"], dtype=float),
        "order": rows[:, 0],
        "order_same_seed": again["rows"][:, 0],
        "order_other_seed": other["rows"][:, 0],
    }


def _train_epoch_rows_judge(got: dict, expected: dict, n: int = 10, size: int = 4) -> list:
    verdicts = []
    same_rows = got["rows_seen"].shape == expected["rows_seen"].shape and np.allclose(
        got["rows_seen"], expected["rows_seen"]
    )
    verdicts.append(
        (
            "every row once",
            same_rows,
            f"an epoch should train on each of the {n} rows exactly once; it saw "
            f"{got['rows_seen'].shape[0]} rows"
            + ("" if got["rows_seen"].shape[0] != n else " (some twice, some never)"),
        )
    )
    steps = int(got["steps"])
    want = int(expected["steps"])
    verdicts.append(
        (
            "one step per batch",
            steps == want,
            f"the optimizer should take one step per batch ({want} batches of up to {size} "
            f"rows); it took {steps}",
        )
    )
    verdicts += _train_epoch_loss_and_order(got)
    return verdicts


def boston_trainer(
    ref: Any,
    inputs: dict[str, Any],
    data: dict[str, ndarray],
    epochs: int = 50,
    lr: float = 0.01,
    batch_size: int = 23,
    **_: Any,
) -> dict[str, ndarray]:
    """Train a 13-sigmoid network with Trainer.fit on Boston; predict the test set.

    The trainer evaluates on the last 54 training rows (the test labels stay in the grader).
    """
    X, y = data["X_train"], data["y_train"]
    net = ref.NeuralNetwork(
        [ref.Dense(13, ref.Sigmoid()), ref.Dense(1, ref.Linear())], ref.MeanSquaredError(), 80718
    )
    trainer = ref.Trainer(net, ref.SGD(lr))
    trainer.fit(
        X[:300], y[:300], X[300:], y[300:], epochs=epochs, eval_every=10, batch_size=batch_size
    )
    return {"predictions": net.forward(data["X_test"], inference=True)}


PROBES = declare(
    op_forward("weight_multiply_forward", _weight_multiply, _weight_inputs, "input_ @ W."),
    backward_after_forward("weight_multiply_after_forward", _weight_multiply, _weight_inputs),
    op_backward(
        "weight_multiply_backward",
        _weight_multiply,
        _weight_inputs,
        _weight_multiply_backward_mistakes,
        "∂L/∂input_ and ∂L/∂W of WeightMultiply.",
    ),
    op_forward("bias_add_forward", _bias_add, _bias_inputs, "input_ + B."),
    backward_after_forward("bias_add_after_forward", _bias_add, _bias_inputs),
    op_backward(
        "bias_add_backward", _bias_add, _bias_inputs, doc="∂L/∂input_ and ∂L/∂B of BiasAdd."
    ),
    op_forward(
        "sigmoid_forward",
        lambda ref, i: ref.Sigmoid(),
        _activation_inputs(3.0),
        "σ of values of both signs.",
    ),
    backward_after_forward(
        "sigmoid_after_forward", lambda ref, i: ref.Sigmoid(), _activation_inputs(3.0)
    ),
    op_forward(
        "sigmoid_forward_extreme",
        lambda ref, i: ref.Sigmoid(),
        extreme_inputs,
        "σ where e^(±x) overflows: its limits 0 and 1, never nan.",
    ),
    op_backward(
        "sigmoid_backward",
        lambda ref, i: ref.Sigmoid(),
        _activation_inputs(2.0),
        _sigmoid_backward_mistakes,
        "∂L/∂input_ of Sigmoid.",
    ),
    op_backward(
        "sigmoid_backward_extreme",
        lambda ref, i: ref.Sigmoid(),
        extreme_inputs,
        doc="∂L/∂input_ of Sigmoid where e^(±x) overflows: 0 there, never nan.",
    ),
    op_forward("linear_forward", lambda ref, i: ref.Linear(), _activation_inputs(1.0, 4, 3)),
    op_backward("linear_backward", lambda ref, i: ref.Linear(), _activation_inputs(1.0, 4, 3)),
    loss_forward(
        "mse_forward", _mse, _mse_inputs, _mse_forward_mistakes, "The MSE of random predictions."
    ),
    loss_backward_after_forward("mse_after_forward", _mse, _mse_inputs),
    loss_backward(
        "mse_backward", _mse, _mse_inputs, _mse_backward_mistakes, "∂L/∂prediction of the MSE."
    ),
    Probe(sgd_update, inputs=_sgd_inputs, mistakes=_sgd_update_mistakes),
    Probe(
        generate_batches,
        inputs=_batches_inputs,
        mistakes={
            "the last, smaller batch is missing: range(0, n, size) starts one there too, "
            "and a slice past the end simply stops at it": _last_batch_dropped,
        },
    ),
    Probe(train_epoch_one_batch, inputs=_one_batch_inputs),
    Probe(train_epoch_rows, inputs=_rows_inputs, judge=_train_epoch_rows_judge),
    Probe(boston_trainer, data=boston, metric=rmse, datasets=("boston",)),
    SEED_LAYERS,
    EARLY_STOPPING,
    FIT_SCHEDULE,
)
"""Every probe of this chapter, with its companions."""
