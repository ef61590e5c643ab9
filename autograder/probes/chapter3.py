"""Probes for chapter 3: operations, activations, the MSE loss, SGD and the trainer."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .common import loss_pass, op_pass, output_grad_for

__all__ = [
    "bias_add_backward",
    "bias_add_forward",
    "boston_trainer",
    "generate_batches",
    "linear_backward",
    "linear_forward",
    "mse_backward",
    "mse_forward",
    "sgd_update",
    "sigmoid_backward",
    "sigmoid_forward",
    "train_epoch_one_batch",
    "train_epoch_rows",
    "weight_multiply_backward",
    "weight_multiply_forward",
]


def _x(rng: np.random.Generator, n: int, d: int, scale: float = 1.0) -> ndarray:
    return rng.standard_normal((n, d)) * scale


# --- WeightMultiply and BiasAdd -------------------------------------------------------------


def weight_multiply_forward(
    ref: Any, rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4
) -> dict[str, Any]:
    """input_ @ W."""
    X, W = _x(rng, n, d), _x(rng, d, h)
    return {"output": ref.WeightMultiply(W).forward(X)}


def weight_multiply_backward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 5,
    d: int = 3,
    h: int = 4,
    numerical: bool = False,
) -> dict[str, Any]:
    """∂L/∂input_ and ∂L/∂W of WeightMultiply."""
    X, W = _x(rng, n, d), _x(rng, d, h)
    return op_pass(ref.WeightMultiply(W), X, numerical)


def _weight_multiply_untransposed(
    ref: Any, rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4
) -> dict[str, Any]:
    X, W = _x(rng, n, d), _x(rng, d, h)
    G = output_grad_for((n, h), 7)
    return {"input_grad": G @ W, "param_grad": X @ G}


def _weight_multiply_averaged(
    ref: Any, rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4
) -> dict[str, Any]:
    X, W = _x(rng, n, d), _x(rng, d, h)
    G = output_grad_for((n, h), 7)
    return {"input_grad": G @ W.T, "param_grad": X.T @ G / n}


weight_multiply_backward__mistakes = {
    "W and input_ are not transposed: ∂L/∂input_ = ∂L/∂output @ Wᵀ and "
    "∂L/∂W = input_ᵀ @ ∂L/∂output": _weight_multiply_untransposed,
    "∂L/∂W is divided by the batch size: the book sums over the batch here": (
        _weight_multiply_averaged
    ),
}


def bias_add_forward(ref: Any, rng: np.random.Generator, n: int = 5, h: int = 4) -> dict[str, Any]:
    """input_ + B."""
    X, B = _x(rng, n, h), _x(rng, 1, h)
    return {"output": ref.BiasAdd(B).forward(X)}


def bias_add_backward(
    ref: Any, rng: np.random.Generator, n: int = 5, h: int = 4, numerical: bool = False
) -> dict[str, Any]:
    """∂L/∂input_ and ∂L/∂B of BiasAdd."""
    X, B = _x(rng, n, h), _x(rng, 1, h)
    return op_pass(ref.BiasAdd(B), X, numerical)


# --- activations ------------------------------------------------------------------------------


def sigmoid_forward(
    ref: Any, rng: np.random.Generator, n: int = 6, h: int = 5, scale: float = 3.0
) -> dict[str, Any]:
    """σ of values of both signs."""
    return {"output": ref.Sigmoid().forward(_x(rng, n, h, scale))}


def sigmoid_backward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 6,
    h: int = 5,
    numerical: bool = False,
) -> dict[str, Any]:
    """∂L/∂input_ of Sigmoid."""
    return op_pass(ref.Sigmoid(), _x(rng, n, h, 2.0), numerical)


def _sigmoid_grad_from_input(ref: Any, rng: np.random.Generator, n: int = 6, h: int = 5) -> dict:
    x = _x(rng, n, h, 2.0)
    G = output_grad_for((n, h), 7)
    s = 1 / (1 + np.exp(-x))
    return {"input_grad": G * x * (1 - x), "_": s}


def _sigmoid_grad_no_chain(ref: Any, rng: np.random.Generator, n: int = 6, h: int = 5) -> dict:
    x = _x(rng, n, h, 2.0)
    s = 1 / (1 + np.exp(-x))
    return {"input_grad": s * (1 - s)}


sigmoid_backward__mistakes = {
    "σ'(x) = σ(x)(1 − σ(x)) uses σ(x), which is self.output, not x itself": (
        _sigmoid_grad_from_input
    ),
    "the local derivative is not multiplied by output_grad (the chain rule)": (
        _sigmoid_grad_no_chain
    ),
}


def linear_forward(ref: Any, rng: np.random.Generator, n: int = 4, h: int = 3) -> dict[str, Any]:
    """The identity."""
    return {"output": ref.Linear().forward(_x(rng, n, h))}


def linear_backward(
    ref: Any, rng: np.random.Generator, n: int = 4, h: int = 3, numerical: bool = False
) -> dict[str, Any]:
    """∂L/∂input_ of Linear."""
    return op_pass(ref.Linear(), _x(rng, n, h), numerical)


# --- MeanSquaredError -----------------------------------------------------------------------


def _mse_data(rng: np.random.Generator, n: int, c: int, normalize: bool) -> tuple[ndarray, ndarray]:
    if normalize:
        prediction = rng.uniform(0.1, 1.0, (n, c))
        target = np.eye(c)[rng.integers(0, c, n)]
    else:
        prediction, target = _x(rng, n, c), _x(rng, n, c)
    return prediction, target


def mse_forward(
    ref: Any, rng: np.random.Generator, n: int = 6, c: int = 3, normalize: bool = False
) -> dict[str, Any]:
    """The MSE of random predictions."""
    prediction, target = _mse_data(rng, n, c, normalize)
    return {"loss": ref.MeanSquaredError(normalize).forward(prediction, target)}


def _mse_mean_over_elements(ref: Any, rng: np.random.Generator, n=6, c=3, normalize=False):
    prediction, target = _mse_data(rng, n, c, normalize)
    return {"loss": float(np.mean((prediction - target) ** 2))}


mse_forward__mistakes = {
    "the squared errors are averaged over every element; sum them over the C outputs and "
    "average over the batch only (divide by N)": _mse_mean_over_elements,
}


def mse_backward(
    ref: Any,
    rng: np.random.Generator,
    n: int = 6,
    c: int = 3,
    normalize: bool = False,
    numerical: bool = False,
) -> dict[str, Any]:
    """∂L/∂prediction of the MSE."""
    prediction, target = _mse_data(rng, n, c, normalize)
    return loss_pass(ref.MeanSquaredError(normalize), prediction, target, numerical)


def _mse_book_normalize(ref: Any, rng: np.random.Generator, n=6, c=3, normalize=True):
    prediction, target = _mse_data(rng, n, c, normalize)
    q = prediction / prediction.sum(axis=1, keepdims=True)
    return {"input_grad": 2 * (q - target) / n}


mse_backward__mistakes = {
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


def sgd_update(
    ref: Any, rng: np.random.Generator, lr: float = 0.1, steps: int = 3
) -> dict[str, Any]:
    """Parameters after ``steps`` SGD steps (updated in place, through optim.step)."""
    params = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    grads = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    optim = ref.SGD(lr=lr)
    optim.net = _FakeNet(params, grads)
    for _ in range(steps):
        optim.step()
    return {"W": params[0], "B": params[1]}


def _sgd_not_in_place(ref: Any, rng: np.random.Generator, lr: float = 0.1, steps: int = 3):
    params = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    return {"W": params[0], "B": params[1]}


def _sgd_plus(ref: Any, rng: np.random.Generator, lr: float = 0.1, steps: int = 3):
    params = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    grads = [rng.standard_normal((3, 4)), rng.standard_normal((1, 4))]
    return {"W": params[0] + steps * lr * grads[0], "B": params[1] + steps * lr * grads[1]}


sgd_update__mistakes = {
    "the parameters did not change: update them in place (param -= …), since "
    "`param = param - …` only rebinds a local name": _sgd_not_in_place,
    "the step goes up the gradient: subtract lr · grad": _sgd_plus,
}


# --- the trainer ------------------------------------------------------------------------------


class _Recorder:
    """Wraps a network's train_batch to remember the rows it was given."""

    def __init__(self, net: Any) -> None:
        self.rows: list[ndarray] = []
        original = net.train_batch

        def train_batch(x_batch: ndarray, y_batch: ndarray, inference: bool = False) -> float:
            self.rows.append(np.asarray(x_batch))
            return original(x_batch, y_batch, inference)

        net.train_batch = train_batch


def generate_batches(
    ref: Any, rng: np.random.Generator, n: int = 10, size: int = 4, ordered: bool = True
) -> dict[str, Any]:
    """Every batch of X and y, concatenated, and the size of each."""
    X, y = _x(rng, n, 3), _x(rng, n, 2)
    order = rng.permutation(n) if ordered else None
    net = ref.NeuralNetwork([ref.Dense(1)], ref.MeanSquaredError())
    trainer = ref.Trainer(net, ref.SGD(0.1))
    batches = list(trainer.generate_batches(X, y, size, order))
    if not batches:
        raise ValueError("generate_batches yielded no batch")
    return {
        "X_batches": np.concatenate([b[0] for b in batches]),
        "y_batches": np.concatenate([b[1] for b in batches]),
        "sizes": np.array([len(b[0]) for b in batches]),
    }


def _network(ref: Any, d: int, seed: int = 3) -> Any:
    return ref.NeuralNetwork(
        [ref.Dense(4, ref.Sigmoid()), ref.Dense(1, ref.Linear())], ref.MeanSquaredError(), seed
    )


def train_epoch_one_batch(ref: Any, rng: np.random.Generator, n: int = 12) -> dict[str, Any]:
    """One epoch of a single batch (the order cannot matter): the loss and the parameters."""
    X, y = _x(rng, n, 3), _x(rng, n, 1)
    net = _network(ref, 3)
    trainer = ref.Trainer(net, ref.SGD(0.1))
    net.forward(X[:1])  # build the layers
    loss = trainer._train_epoch(X, y, n, np.random.default_rng(0))
    result = {f"param_{i}": p for i, p in enumerate(net.params())}
    result["loss"] = loss
    return result


def train_epoch_rows(ref: Any, rng: np.random.Generator, n: int = 10, size: int = 4) -> dict:
    """Which rows one epoch trains on (sorted), how many steps it takes, its mean loss."""
    X, y = _x(rng, n, 3), _x(rng, n, 1)
    net = _network(ref, 3)
    recorder = _Recorder(net)
    steps = [0]
    optim = ref.SGD(0.0001)
    original_step = optim.step

    def step() -> None:
        steps[0] += 1
        original_step()

    optim.step = step
    trainer = ref.Trainer(net, optim)
    trainer._train_epoch(X, y, size, np.random.default_rng(0))
    rows = np.concatenate(recorder.rows) if recorder.rows else np.zeros((0, 3))
    return {"rows_seen": rows[np.lexsort(rows.T[::-1])], "steps": steps[0]}


def train_epoch_rows__judge(got: dict, expected: dict, n: int = 10, size: int = 4) -> list:
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
    return verdicts


def _boston(**_: Any) -> tuple[dict[str, ndarray], dict[str, ndarray]]:
    from dlfs.datasets import boston_split, load_boston

    features, target, _names = load_boston()
    X_train, X_test, y_train, y_test = boston_split(features, target)
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test}, {"y_test": y_test}


def boston_trainer(
    ref: Any,
    rng: np.random.Generator,
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


def _rmse(got: dict[str, ndarray], labels: dict[str, ndarray], **_: Any) -> float:
    preds = np.asarray(got["predictions"], dtype=np.float64)
    if preds.shape != labels["y_test"].shape:
        raise ValueError(f"predictions of shape {preds.shape}, expected {labels['y_test'].shape}")
    return float(np.sqrt(np.mean((preds - labels["y_test"]) ** 2)))


boston_trainer__data = _boston
boston_trainer__metric = _rmse
