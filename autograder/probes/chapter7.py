"""Probes for chapter 7: the PyTorch layers, the LSTM layer, the trainer, the autoencoder.

PyTorch is imported when a probe runs (the grader's worker server imports it beforehand for
chapter 7). Every probe seeds torch's global generator before it builds a module, so the
reference and the learner's code start from the same weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .backward_through import BACKWARD_THROUGH_PROBES, in_graph
from .record import Probe, declare
from .torch_common import a_float
from .torch_common import as_numpy as _np
from .torch_common import pytorch_module as _pt
from .torch_common import torch_module as _torch
from .training import boston, rmse
from .training_mode import TRAINING_MODE_OPTIMIZER_PROBES, TRAINING_MODE_PROBES

__all__ = ["PROBES"]


def _dense_inputs(rng: np.random.Generator, n: int = 5, d: int = 4) -> dict[str, ndarray]:
    return {"x": rng.standard_normal((n, d)).astype(np.float32)}


def dense_layer(
    ref: Any, inputs: dict[str, ndarray], d: int = 4, h: int = 3, dropout: float = 1.0, **_: Any
) -> dict[str, Any]:
    """DenseLayer with a tanh, in training mode (no dropout) and evaluation mode."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(1)
    layer = _pt(ref, "layers").DenseLayer(d, h, dropout=dropout, activation=torch.nn.Tanh())
    layer.eval()
    evaluated = _np(layer(x))
    plain = _pt(ref, "layers").DenseLayer(d, h)
    plain.load_state_dict({k: v for k, v in layer.state_dict().items()})
    return {"output": evaluated, "without_activation": _np(plain(x))}


def _dropout_inputs(rng: np.random.Generator, n: int = 200, d: int = 30) -> dict[str, ndarray]:
    return {"x": rng.standard_normal((n, d)).astype(np.float32)}


def dense_layer_dropout(
    ref: Any, inputs: dict[str, ndarray], d: int = 30, keep: float = 0.6, **_: Any
) -> dict[str, Any]:
    """DenseLayer with dropout in training mode (twice: a new mask each call), beside the
    same layer in evaluation mode."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(2)  # with an activation: dropout comes after it, as the book's layer
    layer = _pt(ref, "layers").DenseLayer(d, d, dropout=keep, activation=torch.nn.Tanh())
    layer.eval()
    evaluated = _np(layer(x))
    layer.train()
    train = _np(layer(x))
    return {"train": train, "eval": evaluated, "train_again": _np(layer(x))}


def _dense_layer_dropout_judge(got: dict, expected: dict, keep: float = 0.6, **_: Any) -> list:
    train, evaluated = got["train"], got["eval"]
    if train.shape != evaluated.shape:
        return [("shape", False, f"training output {train.shape}, evaluation {evaluated.shape}")]
    kept = train != 0
    fraction = float(kept.mean())
    again = got.get("train_again")
    fresh = (  # judged where units were dropped: that they are not says it already
        again is None
        or np.shape(again) != train.shape
        or bool(kept.all())
        or bool(np.any((again != 0) != kept))
    )
    return [
        (
            "a new mask on every call",
            fresh,
            "two calls in training mode dropped the very same units: draw a new mask on "
            "every call (self.dropout does), not once for the layer",
        ),
        (
            "drops in training mode",
            abs(fraction - keep) < 0.05,
            f"in training mode {fraction:.2f} of the units were kept; dropout={keep} keeps "
            "that fraction (apply self.dropout after the activation)",
        ),
        (
            "scales the kept units",
            bool(np.allclose(train[kept], evaluated[kept] / keep, rtol=1e-4, atol=1e-5)),
            "the kept units should be the evaluation output / keep_prob (nn.Dropout does that)",
        ),
    ]


def _conv_inputs(rng: np.random.Generator, n: int = 5, c_in: int = 2) -> dict[str, ndarray]:
    """Images taller than they are wide: a flatten that reads one side twice shows."""
    return {"x": rng.standard_normal((n, c_in, 7, 6)).astype(np.float32)}


def conv_layer(
    ref: Any,
    inputs: dict[str, ndarray],
    c_in: int = 2,
    c_out: int = 4,
    k: int = 3,
    flatten: bool = False,
    **_: Any,
) -> dict[str, Any]:
    """ConvLayer with a tanh ("same" padding), flattened or not, in evaluation mode."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(3)
    layer = _pt(ref, "layers").ConvLayer(
        c_in, c_out, k, activation=torch.nn.Tanh(), dropout=0.5, flatten=flatten
    )
    layer.eval()
    return {"output": _np(layer(x))}


def _sequences(rng: np.random.Generator, n: int = 3, t: int = 5, d: int = 4) -> dict:
    draws = [rng.standard_normal((n, t, d)).astype(np.float32) for _ in range(2)]
    return {"first": draws[0], "second": draws[1]}


def lstm_layer(ref: Any, inputs: dict[str, ndarray], t: int = 5, d: int = 4, **_: Any) -> dict:
    """The PyTorch LSTMLayer: outputs of two batches in training mode (the state carries
    from the first to the second), the carried state, and an evaluation pass. What the state
    becomes after evaluating is left to the learner (the specification does not say; the
    book's layer carries it on)."""
    torch = _torch()
    xs = [torch.from_numpy(inputs[name]) for name in ("first", "second")]
    torch.manual_seed(4)
    layer = _pt(ref, "lstm").LSTMLayer(t, d, 6, 3)
    layer.train()
    outputs = []
    # a backward per batch: a state not detached drags the last batch's graph
    for which, x in zip(("first", "second"), xs, strict=True):
        output = in_graph(layer(x), which)
        output.sum().backward()
        outputs.append(_np(output))
    first, second = outputs
    carried, carried_cell = _np(layer.h_init), _np(layer.c_init)
    layer.eval()
    evaluated = _np(layer(xs[0]))
    return {
        "first_batch": first,
        "second_batch": second,
        "h_init": carried,
        "c_init": carried_cell,
        "eval": evaluated,
    }


def _tiny_model(ref: Any, torch: Any, d: int, dropout: float = 1.0) -> Any:
    layers = _pt(ref, "layers")
    return torch.nn.Sequential(
        layers.DenseLayer(d, 8, activation=torch.nn.Tanh(), dropout=dropout),
        layers.DenseLayer(8, 1),
    )


def train_batch(ref: Any, inputs: dict[str, ndarray], d: int = 5, **_: Any) -> dict[str, Any]:
    """Three train_batch calls: their losses and the parameters after them."""
    return _train_batches(ref, inputs, d, lambda trainer, X, y: trainer.train_batch(X, y))


def _without_zero_grad(trainer: Any, X: Any, y: Any) -> float:
    loss = trainer.loss(trainer.model(X)[0], y)
    loss.backward()
    trainer.optim.step()
    return float(loss.item())


def _train_batch_mistakes() -> dict[str, Any]:
    return {
        "the gradients of earlier batches are added to this one's: call "
        "self.optim.zero_grad() before loss.backward()": lambda ref, inputs, d=5: _train_batches(
            ref, inputs, d, _without_zero_grad
        ),
    }


def _with_extras(torch: Any, body: Any) -> Any:
    """``body`` returning ``(prediction, hidden)``, as the book's models may: train_batch must
    take the prediction (``prediction_of``), not the tuple."""

    class WithExtras(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = body

        def forward(self, x: Any) -> tuple[Any, Any]:
            hidden = self.body[0](x)
            return self.body[1](hidden), hidden

    return WithExtras()


def _batches(rng: np.random.Generator, n: int = 16, d: int = 5) -> dict[str, ndarray]:
    X = rng.standard_normal((3, n, d)).astype(np.float32)
    return {"X": X, "y": rng.standard_normal((3, n, 1)).astype(np.float32)}


def _train_batches(ref: Any, inputs: dict[str, ndarray], d: int, step: Any) -> dict:
    torch = _torch()
    X, y = torch.from_numpy(inputs["X"]), torch.from_numpy(inputs["y"])
    torch.manual_seed(5)
    model = _with_extras(torch, _tiny_model(ref, torch, d))
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    trainer = _pt(ref, "trainer").PyTorchTrainer(model, optim, torch.nn.MSELoss())
    losses = [step(trainer, X[i], y[i]) for i in range(3)]
    result = {"losses": np.array(losses, dtype=np.float64)}
    for name, param in model.named_parameters():
        result[name.replace(".", "_")] = _np(param)
    return result


def _evaluate_inputs(rng: np.random.Generator, n: int = 50, d: int = 5) -> dict[str, ndarray]:
    X = rng.standard_normal((n, d)).astype(np.float32)
    return {"X": X, "y": rng.standard_normal((n, 1)).astype(np.float32)}


def evaluate(ref: Any, inputs: dict, **_: Any) -> dict[str, Any]:
    """evaluate on a model with dropout: the loss (dropout off), in chunks, and the mode after."""
    torch = _torch()
    X, y = inputs["X"], inputs["y"]
    d = X.shape[1]
    torch.manual_seed(6)
    model = _tiny_model(ref, torch, d, dropout=0.5)
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = _pt(ref, "trainer").PyTorchTrainer(model, optim, torch.nn.MSELoss())
    tracked: list[bool] = []
    model.register_forward_hook(lambda *_: tracked.append(torch.is_grad_enabled()))
    model.train()
    in_training = trainer.evaluate(X, y, batch_size=16)
    mode_after_training = int(model.training)
    gradients_on_after = int(torch.is_grad_enabled())  # no_grad inside, not switched off
    torch.set_grad_enabled(True)
    model.eval()
    in_eval = trainer.evaluate(X, y, batch_size=16)
    mode_after_eval = int(model.training)
    torch.set_grad_enabled(True)
    return {
        "loss": a_float(in_training, "evaluate"),
        "loss_from_eval_mode": a_float(in_eval, "evaluate"),
        "training_mode_restored": mode_after_training,
        "eval_mode_kept": 1 - mode_after_eval,
        "no_gradients_tracked": int(bool(tracked) and not any(tracked)),
        "gradients_on_after": gradients_on_after,
    }


def _evaluate_book(ref: Any, inputs: dict) -> dict:
    return {**evaluate(ref, inputs), "training_mode_restored": 0}


def _evaluate_tracking(ref: Any, inputs: dict) -> dict:
    return {**evaluate(ref, inputs), "no_gradients_tracked": 0}


def _evaluate_unweighted(ref: Any, inputs: dict) -> dict:
    """The chunks' losses averaged as they are: the last, smaller chunk weighs as a full one."""
    torch = _torch()
    torch.manual_seed(6)
    model = _tiny_model(ref, torch, inputs["X"].shape[1], dropout=0.5).eval()
    X, y = torch.from_numpy(inputs["X"]), torch.from_numpy(inputs["y"])
    with torch.no_grad():
        losses = [
            float(torch.nn.functional.mse_loss(model(X[i : i + 16]), y[i : i + 16]))
            for i in range(0, X.shape[0], 16)
        ]
    mean = float(np.mean(losses))
    return {**evaluate(ref, inputs), "loss": mean, "loss_from_eval_mode": mean}


def _evaluate_always_training(ref: Any, inputs: dict) -> dict:
    return {**evaluate(ref, inputs), "eval_mode_kept": 0}


def _evaluate_gradients_left_off(ref: Any, inputs: dict) -> dict:
    return {**evaluate(ref, inputs), "gradients_on_after": 0}


_evaluate_mistakes = {
    "the evaluation tracks gradients (slower, and memory for a graph nobody uses): compute "
    "the predictions under torch.no_grad()": _evaluate_tracking,
    "the book's bug: the model stays in evaluation mode after evaluate, so dropout is off "
    "for every later epoch; put it back in the mode it was in (model.train(was_training))": (
        _evaluate_book
    ),
    "the chunks' losses are averaged as they are: a last, smaller chunk counts as much as a "
    "full one; weight each chunk's loss by its size (its rows) and divide by all the rows": (
        _evaluate_unweighted
    ),
    "a model that was in evaluation mode is in training mode after evaluate: remember the "
    "mode it was in (was_training = model.training) and put that back, not model.train()": (
        _evaluate_always_training
    ),
    "autograd is switched off and left off (torch.set_grad_enabled(False)): every training "
    "step after evaluate builds no graph; compute under with torch.no_grad(): instead": (
        _evaluate_gradients_left_off
    ),
}


def encoder(ref: Any, inputs: dict[str, ndarray], hidden_dim: int = 8, **_: Any) -> dict:
    """The Encoder's codes for a few images in [−1, 1]."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(7)
    model = _pt(ref, "autoencoder").Encoder(hidden_dim)
    model.eval()
    return {"codes": _np(model(x))}


def _images(rng: np.random.Generator, n: int = 2) -> dict[str, ndarray]:
    return {"x": rng.uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)}


def encoder_gradients(ref: Any, inputs: dict[str, ndarray], hidden_dim: int = 8, **_: Any) -> dict:
    """After one backward pass in training mode, the size of each parameter's gradient (in
    ``model.parameters()`` order): every layer of the Encoder must be trained."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(7)
    model = _pt(ref, "autoencoder").Encoder(hidden_dim)
    model.train()
    (model(x) ** 2).sum().backward()
    norms = [0.0 if p.grad is None else float(p.grad.abs().sum()) for p in model.parameters()]
    return {"gradient_sizes": np.array(norms)}


def _encoder_gradients_judge(got: dict, expected: dict, **_: Any) -> list:
    sizes, theirs = np.asarray(got["gradient_sizes"]), np.asarray(expected["gradient_sizes"])
    if sizes.shape != theirs.shape:
        return [("parameters", False, f"{sizes.size} parameters, expected {theirs.size}")]
    missing = [int(i) for i in np.flatnonzero((sizes == 0) & (theirs > 0))]
    return [
        (
            "every parameter gets a gradient",
            not missing,
            f"{len(missing)} of the {sizes.size} parameters get no gradient from a backward "
            f"pass (the first is parameter {missing[0] if missing else 0} in "
            "model.parameters() order): a layer run under torch.no_grad(), or a tensor "
            ".detach()ed on the way, is never trained",
        )
    ]


def _codes(rng: np.random.Generator, n: int = 2, hidden_dim: int = 8) -> dict[str, ndarray]:
    return {"x": rng.uniform(-1, 1, (n, hidden_dim)).astype(np.float32)}


def decoder(ref: Any, inputs: dict[str, ndarray], hidden_dim: int = 8, **_: Any) -> dict:
    """The Decoder's images for a few codes."""
    torch = _torch()
    x = torch.from_numpy(inputs["x"])
    torch.manual_seed(8)
    model = _pt(ref, "autoencoder").Decoder(hidden_dim)
    model.eval()
    return {"images": _np(model(x))}


# --- training on Boston housing ------------------------------------------------------------------


def boston_train_batch(
    ref: Any, inputs: dict[str, Any], data: dict, epochs: int = 20, lr: float = 0.01, **_: Any
) -> dict[str, ndarray]:
    """The book's Boston model trained by PyTorchTrainer.fit with the learner's train_batch."""
    torch = _torch()
    torch.manual_seed(9)
    layers = _pt(ref, "layers")
    model = torch.nn.Sequential(
        layers.DenseLayer(13, 13, activation=torch.nn.Tanh()), layers.DenseLayer(13, 1)
    )
    optim = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    trainer = _pt(ref, "trainer").PyTorchTrainer(model, optim, torch.nn.MSELoss())
    X, y = data["X_train"], data["y_train"]
    trainer.fit(X[:300], y[:300], X[300:], y[300:], epochs=epochs, eval_every=10, seed=1)
    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(data["X_test"].astype(np.float32)))
    return {"predictions": _np(predictions)}


OPTIMIZER_PROBES = frozenset(
    {"train_batch", "evaluate", "boston_train_batch", *TRAINING_MODE_OPTIMIZER_PROBES}
)
"""The probes that build a ``torch.optim`` optimizer: its first one imports ``torch._dynamo``
(about a second), which :func:`warm_up` does beforehand and :func:`warm_up_layers` does not."""


def warm_up_layers() -> None:
    """Run the layer probes once on the reference (no optimizer), so that the PyTorch modules
    they load lazily are loaded (the worker server calls this before forking a chapter-7
    worker whose probes are all in this list)."""
    # optional: the students' copy has no reference
    import dlfs.reference as reference

    rng = np.random.default_rng(0)
    for name in ("dense_layer", "dense_layer_dropout", "conv_layer", "lstm_layer"):
        PROBES[name](reference, rng)


def warm_up() -> None:
    """Run every probe once on the reference, so that PyTorch's lazily imported modules are
    loaded (the grader's worker server calls this before forking a chapter-7 worker that runs
    one of :data:`OPTIMIZER_PROBES`)."""
    # optional: the students' copy has no reference
    import dlfs.reference as reference

    warm_up_layers()
    rng = np.random.default_rng(0)
    PROBES["train_batch"](reference, rng)
    PROBES["evaluate"](reference, rng)
    fake = {
        "X_train": rng.standard_normal((320, 13)),
        "y_train": rng.standard_normal((320, 1)),
        "X_test": rng.standard_normal((5, 13)),
    }
    boston_train_batch(reference, rng, fake, epochs=2)


def warm_up_torch() -> None:
    """Load PyTorch's lazily imported modules without the reference (a learner's copy): a
    step of each kind the chapter's exercises take, on PyTorch's own modules."""
    # optional: PyTorch is an extra, imported only where chapter 7 runs
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3, padding=1),
        torch.nn.Tanh(),
        torch.nn.Dropout(0.5),
        torch.nn.Flatten(),
        torch.nn.Linear(2 * 4 * 4, 3),
    )
    lstm = torch.nn.LSTM(3, 2, batch_first=True)
    optim = torch.optim.SGD([*model.parameters(), *lstm.parameters()], lr=0.01, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optim, gamma=0.9)
    out, _ = lstm(model(torch.randn(2, 1, 4, 4)).unsqueeze(1))
    loss = torch.nn.MSELoss()(out, torch.zeros_like(out)) + torch.nn.CrossEntropyLoss()(
        model(torch.randn(2, 1, 4, 4)), torch.tensor([0, 2])
    )
    optim.zero_grad()
    loss.backward()
    optim.step()
    scheduler.step()
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 1, 4, 4))


PROBES = declare(
    Probe(boston_train_batch, data=boston, metric=rmse, datasets=("boston",)),
    Probe(
        conv_layer,
        inputs=_conv_inputs,
        mistakes={
            "the output is not flattened: with flatten=True, end with x.flatten(start_dim=1)": (
                lambda ref, i, **params: conv_layer(ref, i, **{**params, "flatten": False})
            ),
        },
    ),
    Probe(decoder, inputs=_codes),
    Probe(
        dense_layer,
        inputs=_dense_inputs,
        mistakes={
            "the activation is not applied: x = self.activation(x) when there is one": (
                lambda ref, i, **params: {
                    "output": dense_layer(ref, i, **params)["without_activation"]
                }
            ),
        },
    ),
    Probe(dense_layer_dropout, inputs=_dropout_inputs, judge=_dense_layer_dropout_judge),
    Probe(encoder_gradients, inputs=_images, judge=_encoder_gradients_judge),
    Probe(encoder, inputs=_images),
    Probe(evaluate, inputs=_evaluate_inputs, mistakes=_evaluate_mistakes),
    Probe(lstm_layer, inputs=_sequences),
    Probe(train_batch, inputs=_batches, mistakes=_train_batch_mistakes()),
    *TRAINING_MODE_PROBES,
    *BACKWARD_THROUGH_PROBES,
)
"""Every probe of this chapter, with its companions."""
