"""Probes for chapter 2: linear regression and the two-layer network, with dicts of weights."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from . import book
from .common import numeric
from .record import Probe, declare
from .training import boston
from .training import rmse as rmse_metric

__all__ = ["PROBES"]


def _regression_data(rng: np.random.Generator, n: int, d: int) -> tuple[ndarray, ndarray]:
    return rng.standard_normal((n, d)), rng.standard_normal((n, 1))


def _linear_weights(rng: np.random.Generator, d: int) -> dict[str, ndarray]:
    return {"W": rng.standard_normal((d, 1)), "B": rng.standard_normal((1, 1))}


def _network_weights(rng: np.random.Generator, d: int, h: int) -> dict[str, ndarray]:
    return {
        "W1": rng.standard_normal((d, h)),
        "B1": rng.standard_normal((1, h)),
        "W2": rng.standard_normal((h, 1)),
        "B2": rng.standard_normal((1, 1)),
    }


def _info(forward_info: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(forward_info, dict):
        raise TypeError(f"forward_info should be a dict, got {type(forward_info).__name__}")
    missing = [k for k in keys if k not in forward_info]
    if missing:
        raise KeyError(f"forward_info lacks {missing}; it has {sorted(forward_info)}")
    return {k: forward_info[k] for k in keys}


def _linear_inputs(rng: np.random.Generator, n: int = 6, d: int = 3) -> dict[str, Any]:
    X, y = _regression_data(rng, n, d)
    return {"X": X, "y": y, "weights": _linear_weights(rng, d)}


def forward_linear_regression(ref: Any, inputs: dict[str, Any], **_: Any) -> dict[str, Any]:
    """The loss and the forward_info arrays of linear regression."""
    result = ref.linear_regression.forward_linear_regression(
        inputs["X"], inputs["y"], inputs["weights"]
    )
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError("forward_linear_regression should return (loss, forward_info)")
    loss, forward_info = result
    if isinstance(loss, dict):
        raise TypeError("the book's order is (loss, forward_info), not (forward_info, loss)")
    return {"loss": loss, **_info(forward_info, ("X", "N", "P", "y"))}


def _sum_loss(ref: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    weights = inputs["weights"]
    P = inputs["X"] @ weights["W"] + weights["B"]
    return {"loss": float(np.sum((inputs["y"] - P) ** 2))}


_forward_linear_regression_mistakes = {
    "the loss is the mean of the squared errors, not their sum": _sum_loss,
}


def linear_regression_gradients(
    ref: Any, inputs: dict[str, Any], numerical: bool = False, **_: Any
) -> dict[str, ndarray]:
    """∂L/∂W and ∂L/∂B of linear regression's mean squared error."""
    X, y, weights = inputs["X"], inputs["y"], inputs["weights"]
    module = ref.linear_regression
    if numerical:

        def loss() -> float:
            return module.forward_linear_regression(X, y, weights)[0]

        return {"W_grad": numeric(loss, weights["W"]), "B_grad": numeric(loss, weights["B"])}
    _, forward_info = module.forward_linear_regression(X, y, weights)
    grads = module.loss_gradients(forward_info, weights)
    return {"W_grad": grads["W"], "B_grad": grads["B"]}


def _book_linear_gradients(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    X, y, weights = inputs["X"], inputs["y"], inputs["weights"]
    _, info = ref.linear_regression.forward_linear_regression(X, y, weights)
    right = ref.linear_regression.loss_gradients(info, weights)
    n = X.shape[0]
    return {"W_grad": right["W"] * n, "B_grad": right["B"] * n}


_linear_regression_gradients_mistakes = {
    "the book's code: ∂L/∂P = −2(y − P) leaves out the 1/n of the mean, and summing ∂L/∂B over "
    "the batch without keepdims=True gives shape (1,) for a (1, 1) parameter": (
        book.linear_regression_gradients
    ),
    "∂L/∂P = −2(y − P) leaves out the 1/n of the mean (the book's bug)": _book_linear_gradients,
}


def _network_inputs(rng: np.random.Generator, n: int = 5, d: int = 3, h: int = 4) -> dict[str, Any]:
    X, y = _regression_data(rng, n, d)
    return {"X": X, "y": y, "weights": _network_weights(rng, d, h)}


def forward_loss(ref: Any, inputs: dict[str, Any], **_: Any) -> dict:
    """The two-layer network's loss and forward_info arrays."""
    result = ref.two_layer_network.forward_loss(inputs["X"], inputs["y"], inputs["weights"])
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError("forward_loss should return (loss, forward_info)")
    loss, forward_info = result
    return {"loss": loss, **_info(forward_info, ("X", "M1", "N1", "O1", "M2", "P", "y"))}


def network_gradients(
    ref: Any, inputs: dict[str, Any], numerical: bool = False, **_: Any
) -> dict[str, ndarray]:
    """∂L/∂W1, ∂L/∂B1, ∂L/∂W2, ∂L/∂B2 of the two-layer network."""
    X, y, weights = inputs["X"], inputs["y"], inputs["weights"]
    module = ref.two_layer_network
    if numerical:

        def loss() -> float:
            return module.forward_loss(X, y, weights)[0]

        return {f"{k}_grad": numeric(loss, weights[k]) for k in ("W1", "B1", "W2", "B2")}
    _, forward_info = module.forward_loss(X, y, weights)
    grads = module.loss_gradients(forward_info, weights)
    return {f"{k}_grad": grads[k] for k in ("W1", "B1", "W2", "B2")}


def _book_network_gradients(ref: Any, inputs: dict[str, Any]) -> dict[str, ndarray]:
    X, y, weights = inputs["X"], inputs["y"], inputs["weights"]
    _, info = ref.two_layer_network.forward_loss(X, y, weights)
    right = ref.two_layer_network.loss_gradients(info, weights)
    return {f"{k}_grad": right[k] * X.shape[0] / 2 for k in right}


_network_gradients_mistakes = {
    "the book's code: ∂L/∂P = −(y − P) leaves out the factor 2 and the 1/n of the mean, and "
    "each bias gradient is summed twice (.sum(axis=0).sum(axis=0)) down to a single number; "
    "sum over the batch once, with keepdims=True": book.network_gradients,
    "∂L/∂P = −(y − P) leaves out the factor 2 and the 1/n of the mean, as the book's code does "
    "(every gradient n/2 times too large)": _book_network_gradients,
}


def _preds(rng: np.random.Generator, n: int = 8, columns: int = 1) -> dict[str, ndarray]:
    shape = (n, columns)  # several targets per row: a mean over every element, not the rows
    return {"preds": rng.standard_normal(shape), "actuals": rng.standard_normal(shape)}


def mae(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, Any]:
    """mae of random predictions."""
    return {"mae": ref.regression_metrics.mae(inputs["preds"], inputs["actuals"])}


def rmse(ref: Any, inputs: dict[str, ndarray], **_: Any) -> dict[str, Any]:
    """rmse of random predictions."""
    return {"rmse": ref.regression_metrics.rmse(inputs["preds"], inputs["actuals"])}


_FIXED_PREDS = np.array([[1.0], [2.0], [3.0], [4.0]])
_FIXED_ACTUALS = np.array([[2.0], [2.0], [1.0], [8.0]])


def _fixed_preds(rng: np.random.Generator) -> dict[str, ndarray]:
    return {"preds": _FIXED_PREDS.copy(), "actuals": _FIXED_ACTUALS.copy()}


def mae_fixture(ref: Any, inputs: dict[str, ndarray]) -> dict[str, Any]:
    """mae of [1, 2, 3, 4] against [2, 2, 1, 8]: (1 + 0 + 2 + 4) / 4 = 1.75."""
    return {"mae": ref.regression_metrics.mae(inputs["preds"], inputs["actuals"])}


def _mae_fixture_expected() -> dict[str, Any]:
    return {"mae": 1.75}


def rmse_fixture(ref: Any, inputs: dict[str, ndarray]) -> dict[str, Any]:
    """rmse of [1, 2, 3, 4] against [2, 2, 1, 8]: √((1 + 0 + 4 + 16) / 4) = √5.25."""
    return {"rmse": ref.regression_metrics.rmse(inputs["preds"], inputs["actuals"])}


def _rmse_fixture_expected() -> dict[str, Any]:
    return {"rmse": float(np.sqrt(5.25))}


# --- training on Boston housing -----------------------------------------------------------------


def boston_linear_regression(
    ref: Any,
    inputs: dict[str, Any],
    data: dict[str, ndarray],
    n_iter: int = 1000,
    learning_rate: float = 0.01,
    batch_size: int = 23,
    **_: Any,
) -> dict[str, ndarray]:
    """Train linear regression (with the learner's code) on Boston; predict the test set."""
    module = ref.linear_regression
    weights = module.train(
        data["X_train"],
        data["y_train"],
        n_iter=n_iter,
        learning_rate=learning_rate,
        batch_size=batch_size,
        seed=1,
    )
    return {"predictions": module.predict(data["X_test"], weights)}


def boston_neural_network(
    ref: Any,
    inputs: dict[str, Any],
    data: dict[str, ndarray],
    n_iter: int = 3000,
    learning_rate: float = 0.01,
    batch_size: int = 23,
    hidden_size: int = 13,
    **_: Any,
) -> dict[str, ndarray]:
    """Train the two-layer network (with the learner's code) on Boston; predict the test set."""
    module = ref.two_layer_network
    weights = module.train(
        data["X_train"],
        data["y_train"],
        n_iter=n_iter,
        learning_rate=learning_rate,
        batch_size=batch_size,
        hidden_size=hidden_size,
        seed=1,
    )
    return {"predictions": module.predict(data["X_test"], weights)}


_MAE_SIGNED = "the errors need np.abs: without it, positive and negative errors cancel out"
_RMSE_SQUARED = "that is the mean squared error: rmse is its square root (np.sqrt)"


def _mae_signed(ref: Any, inputs: dict[str, ndarray]) -> dict[str, Any]:
    return {"mae": float(np.mean(inputs["preds"] - inputs["actuals"]))}


def _rmse_squared(ref: Any, inputs: dict[str, ndarray]) -> dict[str, Any]:
    return {"rmse": float(np.mean((inputs["preds"] - inputs["actuals"]) ** 2))}


PROBES = declare(
    Probe(boston_linear_regression, data=boston, metric=rmse_metric, datasets=("boston",)),
    Probe(boston_neural_network, data=boston, metric=rmse_metric, datasets=("boston",)),
    Probe(
        forward_linear_regression,
        inputs=_linear_inputs,
        mistakes=_forward_linear_regression_mistakes,
    ),
    Probe(forward_loss, inputs=_network_inputs),
    Probe(
        linear_regression_gradients,
        inputs=_linear_inputs,
        mistakes=_linear_regression_gradients_mistakes,
    ),
    Probe(mae, inputs=_preds, mistakes={_MAE_SIGNED: _mae_signed}),
    Probe(
        mae_fixture,
        inputs=_fixed_preds,
        expected=_mae_fixture_expected,
        mistakes={_MAE_SIGNED: _mae_signed},
    ),
    Probe(network_gradients, inputs=_network_inputs, mistakes=_network_gradients_mistakes),
    Probe(rmse, inputs=_preds, mistakes={_RMSE_SQUARED: _rmse_squared}),
    Probe(
        rmse_fixture,
        inputs=_fixed_preds,
        expected=_rmse_fixture_expected,
        mistakes={_RMSE_SQUARED: _rmse_squared},
    ),
)
"""Every probe of this chapter, with its companions."""
