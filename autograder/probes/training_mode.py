"""Chapter 7's pieces where training mode and the criterion's arguments matter.

In evaluation mode dropout is the identity, so a layer that applies it in the wrong place (or
not at all) gives the right output; with ``nn.MSELoss`` the criterion is symmetric, so
``loss(target, prediction)`` gives the right loss. These probes run the layers in training mode
with dropout (torch's generator seeded, so the reference and the learner draw the same masks)
and the trainer with a classifier, whose cross-entropy takes ``(prediction, target)`` and
nothing else, on a model that returns a tuple ``(prediction, hidden)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .record import Probe
from .torch_common import a_float, as_numpy, pytorch_module, torch_module

__all__ = ["TRAINING_MODE_OPTIMIZER_PROBES", "TRAINING_MODE_PROBES"]

_MASK_SEED = 13
"""The seed of torch's generator just before a forward pass in training mode."""


# --- layers with dropout, in training mode ---------------------------------------------------


def _conv_inputs(rng: np.random.Generator, n: int = 5, c_in: int = 2) -> dict[str, ndarray]:
    return {"x": rng.standard_normal((n, c_in, 6, 6)).astype(np.float32)}


def _conv_layer(ref: Any, c_in: int, c_out: int, k: int, keep: float, flatten: bool) -> Any:
    torch = torch_module()
    torch.manual_seed(3)
    layer = pytorch_module(ref, "layers").ConvLayer(
        c_in, c_out, k, activation=torch.nn.Tanh(), dropout=keep, flatten=flatten
    )
    return layer.train()


def conv_layer_training(
    ref: Any,
    inputs: dict[str, ndarray],
    c_in: int = 2,
    c_out: int = 4,
    k: int = 3,
    keep: float = 0.5,
    flatten: bool = True,
    **_: Any,
) -> dict[str, Any]:
    """ConvLayer with a tanh and dropout, in training mode: dropout comes after the
    activation (and the flattening does not change its mask)."""
    torch = torch_module()
    layer = _conv_layer(ref, c_in, c_out, k, keep, flatten)
    torch.manual_seed(_MASK_SEED)
    return {"train": as_numpy(layer(torch.from_numpy(inputs["x"])))}


def _conv_layer_written(after_conv: Any) -> Any:
    """A mistake of ConvLayer's forward in training mode: ``after_conv(layer, x)`` in place
    of its activation and dropout, the flattening as the layer does it."""

    def mistake(
        ref: Any, inputs: dict, c_in: int = 2, c_out: int = 4, k: int = 3, keep: float = 0.5,
        flatten: bool = True,
    ) -> dict:  # fmt: skip
        torch = torch_module()
        layer = _conv_layer(ref, c_in, c_out, k, keep, flatten)
        torch.manual_seed(_MASK_SEED)
        x = after_conv(layer, layer.conv(torch.from_numpy(inputs["x"])))
        return {"train": as_numpy(x.flatten(start_dim=1) if flatten else x)}

    return mistake


def _channels_dropped(layer: Any, x: Any) -> Any:
    return torch_module().nn.functional.dropout2d(layer.activation(x), layer.dropout.p, True)


_CONV_LAYER_MISTAKES = {
    "whole channels are dropped (dropout2d, Keras's SpatialDropout2D): the layer's dropout "
    "drops units one by one (self.dropout, an nn.Dropout)": _conv_layer_written(_channels_dropped),
    "dropout comes before the activation: apply self.dropout after the activation (in "
    "evaluation mode the two orders agree; in training mode they do not)": (
        _conv_layer_written(lambda layer, x: layer.activation(layer.dropout(x)))
    ),
    "nothing is dropped in training mode: apply self.dropout (when it is not None) after the "
    "activation": _conv_layer_written(lambda layer, x: layer.activation(x)),
}


def _sequences(rng: np.random.Generator, n: int = 3, t: int = 5, d: int = 4) -> dict:
    return {"first": rng.standard_normal((n, t, d)).astype(np.float32)}


def lstm_layer_with_dropout(
    ref: Any, inputs: dict[str, ndarray], t: int = 5, d: int = 4, keep: float = 0.6, **_: Any
) -> dict[str, Any]:
    """The PyTorch LSTMLayer with dropout after its dense layer, in training mode (and the
    same batch in evaluation mode after it)."""
    torch = torch_module()
    x = torch.from_numpy(inputs["first"])
    torch.manual_seed(4)
    layer = pytorch_module(ref, "lstm").LSTMLayer(t, d, 6, 3, dropout=keep).train()
    torch.manual_seed(_MASK_SEED)
    trained = as_numpy(layer(x))
    layer.eval()
    return {"train_with_dropout": trained, "eval_with_dropout": as_numpy(layer(x))}


# --- the trainer with a classifier -----------------------------------------------------------


def _checked_cross_entropy(torch: Any) -> Any:
    """``nn.CrossEntropyLoss`` that says what is wrong when its arguments are not a
    prediction [N, C] of floats and class indices [N], in that order."""

    def said(prediction: Any, target: Any) -> str:
        """What is wrong with the criterion's arguments: the two swapped only where they look
        it (integers first, floats of one more axis second); else which one is of the wrong
        kind. Defined here, not at the module's level: a worker keeps only the functions a
        passing run calls (``sandbox.prune``), and this one runs only for a failing one."""
        given = (
            f"here the first argument is {prediction.dtype} of shape {tuple(prediction.shape)} "
            f"and the second {target.dtype} of shape {tuple(target.shape)}"
        )
        swapped = not torch.is_floating_point(prediction) and torch.is_floating_point(target)
        if swapped and target.dim() == prediction.dim() + 1:
            return (
                f"the criterion is called as criterion(prediction, target): {given}, the targets "
                "first; swap them (cross-entropy is not symmetric)"
            )
        if torch.is_floating_point(target):
            return (
                "nn.CrossEntropyLoss takes the targets as class indices (int64, `.long()`): "
                f"{given} — targets made floats are read as class probabilities, or refused"
            )
        return f"nn.CrossEntropyLoss takes the prediction as floats (scores, [N, C]): {given}"

    class CheckedCrossEntropy(torch.nn.CrossEntropyLoss):
        def forward(self, prediction: Any, target: Any) -> Any:
            if isinstance(prediction, tuple):
                raise TypeError(
                    "the criterion was given the model's whole output, a tuple (prediction, "
                    "...): give it the prediction, prediction_of(output)"
                )
            if not torch.is_floating_point(prediction) or torch.is_floating_point(target):
                raise TypeError(said(prediction, target))
            return super().forward(prediction, target)

    return CheckedCrossEntropy()


def _classifier(ref: Any, torch: Any, d: int, c: int) -> Any:
    """A two-layer classifier with dropout that returns ``(scores, hidden)``."""
    layers = pytorch_module(ref, "layers")

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = layers.DenseLayer(d, 8, activation=torch.nn.Tanh(), dropout=0.6)
            self.out = layers.DenseLayer(8, c)

        def forward(self, x: Any) -> tuple[Any, Any]:
            hidden = self.hidden(x)
            return self.out(hidden), hidden

    return Classifier()


def _trainer(ref: Any, torch: Any, d: int, c: int) -> Any:
    torch.manual_seed(15)
    model = _classifier(ref, torch, d, c)
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = _checked_cross_entropy(torch)
    return pytorch_module(ref, "trainer").PyTorchTrainer(model, optim, criterion)


def _class_batches(
    rng: np.random.Generator, n: int = 12, d: int = 5, c: int = 3
) -> dict[str, ndarray]:
    X = rng.standard_normal((3, n, d)).astype(np.float32)
    return {"X": X, "y": rng.integers(0, c, (3, n)).astype(np.int64)}


def train_batch_classes(
    ref: Any, inputs: dict[str, ndarray], d: int = 5, c: int = 3, **_: Any
) -> dict[str, Any]:
    """Three train_batch calls on a classifier (cross-entropy, dropout in training mode, a
    model returning a tuple): the losses, the parameters after them, the mode left."""
    torch = torch_module()
    trainer = _trainer(ref, torch, d, c)
    X, y = torch.from_numpy(inputs["X"]), torch.from_numpy(inputs["y"])
    trainer.model.train()
    torch.manual_seed(_MASK_SEED)
    losses = [trainer.train_batch(X[i], y[i]) for i in range(3)]
    result = {"losses": np.array(losses, dtype=np.float64)}
    for name, param in trainer.model.named_parameters():
        result[name.replace(".", "_")] = as_numpy(param)
    result["training_mode_kept"] = np.int64(trainer.model.training)
    return result


def _class_set(rng: np.random.Generator, n: int = 40, d: int = 5, c: int = 3) -> dict:
    X = rng.standard_normal((n, d)).astype(np.float32)
    return {"X": X, "y": rng.integers(0, c, n).astype(np.int64)}


def evaluate_classes(
    ref: Any, inputs: dict[str, ndarray], d: int = 5, c: int = 3, **_: Any
) -> dict[str, Any]:
    """evaluate on a classifier (cross-entropy, a model returning a tuple, dropout), in
    chunks of 16 rows that do not divide the 40, from training mode and from evaluation
    mode: the losses and the modes left."""
    torch = torch_module()
    trainer = _trainer(ref, torch, d, c)
    trainer.model.train()
    in_training = trainer.evaluate(inputs["X"], inputs["y"], batch_size=16)
    mode_after_training = int(trainer.model.training)
    trainer.model.eval()
    in_eval = trainer.evaluate(inputs["X"], inputs["y"], batch_size=16)
    return {
        "loss": a_float(in_training, "evaluate"),
        "loss_from_eval_mode": a_float(in_eval, "evaluate"),
        "training_mode_restored": mode_after_training,
        "eval_mode_kept": 1 - int(trainer.model.training),
    }


TRAINING_MODE_PROBES = (
    Probe(conv_layer_training, inputs=_conv_inputs, mistakes=_CONV_LAYER_MISTAKES),
    Probe(lstm_layer_with_dropout, inputs=_sequences),
    Probe(train_batch_classes, inputs=_class_batches),
    Probe(evaluate_classes, inputs=_class_set),
)
"""The probes of this module, declared in chapter 7's."""
TRAINING_MODE_OPTIMIZER_PROBES = frozenset({"train_batch_classes", "evaluate_classes"})
"""Those that build a ``torch.optim`` optimizer (see ``chapter7.OPTIMIZER_PROBES``)."""
