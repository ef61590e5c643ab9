"""Probes of how a fit starts and ends (chapter 3): seeding the layers, early stopping.

Both hold one of the book's bugs: every ``Dense`` re-seeds NumPy with the same seed (so layers
of the same shape start equal), and early stopping restores a copy taken at the start of the
failing evaluation's epoch instead of the best model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from .record import Probe

__all__ = ["EARLY_STOPPING", "FIT_SCHEDULE", "SEED_LAYERS"]


# --- seeding the layers ----------------------------------------------------------------------


def _first_weights(ref: Any, seed: int, restart: bool = False) -> ndarray:
    """The weights of five Dense layers of the same shape, [5, 5, 5], of a new network (more
    layers than the book's networks have: a scheme that seeds only the first few shows)."""
    net = ref.NeuralNetwork(
        [ref.Dense(5, ref.Linear()) for _ in range(5)], ref.MeanSquaredError(), seed
    )
    x = np.ones((2, 5))
    net.forward(x)
    if restart:
        net.restart()
        net.forward(x)
    return np.stack([np.asarray(layer.params[0], dtype=float) for layer in net.layers])


def _seed(rng: np.random.Generator) -> dict[str, int]:
    return {"seed": int(rng.integers(1, 2**31))}


def _after_a_draw(ref: Any, seed: int) -> ndarray:
    """The weights of :func:`_first_weights`'s network when its first layer's generator drew
    numbers of its own first (a dropout mask, say): each layer's own generator keeps the
    others' weights as they were; one shared by all shifts them."""
    net = ref.NeuralNetwork(
        [ref.Dense(5, ref.Linear()) for _ in range(5)], ref.MeanSquaredError(), seed
    )
    drawn = getattr(net.layers[0], "rng", None)
    if drawn is not None:
        drawn.random(7)
    net.forward(np.ones((2, 5)))
    return np.stack([np.asarray(layer.params[0], dtype=float) for layer in net.layers])


def _global_state() -> tuple[str, ndarray, int]:
    kind, keys, position, *_ = np.random.get_state()
    return kind, keys.copy(), position


def seed_layers(ref: Any, inputs: dict[str, int]) -> dict[str, ndarray]:
    """The first weights of networks whose layers ``_seed_layers`` seeded: twice with one
    seed, once after ``restart``, once with another seed, once after the first layer drew
    numbers of its own; and whether NumPy's global generator was left as it was."""
    seed = inputs["seed"]
    before = _global_state()
    first = _first_weights(ref, seed)
    after = _global_state()
    kept = before[0] == after[0] and before[2] == after[2] and np.array_equal(before[1], after[1])
    return {
        "first": first,
        "again": _first_weights(ref, seed),
        "restarted": _first_weights(ref, seed, restart=True),
        "other_seed": _first_weights(ref, seed + 1),
        "after_a_draw": _after_a_draw(ref, seed),
        "global_kept": np.array(kept),
    }


def _same(a: ndarray, b: ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b))


def _seed_layers_judge(got: dict, expected: dict) -> list[tuple[str, bool, str]]:
    first = got["first"]
    equal_pairs = [
        (i + 1, j + 1)
        for i in range(len(first))
        for j in range(i + 1, len(first))
        if _same(first[i], first[j])
    ]
    layers_differ = (
        "layers of the same shape start differently",
        not equal_pairs,
        "layers {} and {} start with the same weights: every layer was seeded with the same "
        "seed — the book's bug (every Dense re-seeds NumPy with the same seed, so its layers "
        "start correlated); derive one generator per layer, e.g. "
        "np.random.SeedSequence(self.seed).spawn(len(self.layers))".format(
            *(equal_pairs[0] if equal_pairs else (0, 0))
        ),
    )
    unseeded = [
        i + 1 for i, (a, b) in enumerate(zip(first, got["again"], strict=False)) if not _same(a, b)
    ]
    reproducible = _same(first, got["again"])
    return [
        layers_differ,
        (
            "the same seed gives the same network",
            reproducible,
            f"two networks with the same seed start with different weights in layer(s) "
            f"{', '.join(map(str, unseeded)) or '?'} of {len(first)}: give every layer its "
            "generator in layer.rng, derived from self.seed (not NumPy's global one)",
        ),
        (
            "restart draws the same network again",
            _same(first, got["restarted"]),
            "after restart() the network starts from other weights than a new network with "
            "its seed: _seed_layers must make each layer's generator afresh from self.seed",
        ),
        (
            "another seed gives another network",
            not _same(first, got["other_seed"]),
            "networks with different seeds start with the same weights: the seed is not used",
        ),
        (  # judged where the same seed gives the same network: else that says it already
            "each layer draws from a generator of its own",
            _same(first[1:], got["after_a_draw"][1:]) or not reproducible,
            "when the first layer's generator draws numbers of its own (a dropout mask), the "
            "next layers start from other weights: the layers share one generator, so what "
            "one draws depends on what the others drew before; give each its own "
            "(np.random.SeedSequence(self.seed).spawn(len(self.layers)))",
        ),
        (
            "NumPy's global generator is left alone",
            bool(np.asarray(got["global_kept"]).all()),
            "seeding the layers changed NumPy's global generator (np.random.seed or a draw "
            "from np.random): other code shares it, and its numbers now depend on the "
            "network's seed; derive each layer's generator from self.seed alone",
        ),
    ]


SEED_LAYERS = Probe(seed_layers, inputs=_seed, judge=_seed_layers_judge)


# --- early stopping --------------------------------------------------------------------------


def _drift(ref: Any) -> Any:
    """An optimizer that moves every parameter up by 1 a step, whatever its gradient: with
    one batch an epoch, a parameter says how many epochs trained it."""

    class Drift(ref.Optimizer):
        def _update_rule(self, param: ndarray, grad: ndarray) -> None:
            param += 1.0

    return Drift(1.0)


def _one_layer(ref: Any) -> Any:
    return ref.NeuralNetwork([ref.Dense(1, ref.Linear())], ref.MeanSquaredError(), 20190501)


def _fit(ref: Any, best: int, eval_every: int, epochs: int, early_stopping: bool) -> list[float]:
    """Fit so that the validation loss is lowest after epoch ``best`` and rises after it:
    the prediction on a row of ones is its start plus 2 per epoch (W and B each move by 1).
    Returns the epochs that trained the model fit leaves, the epochs trained, whether it
    stopped early, the best epoch it recorded, and how many validation losses the history
    held when the callbacks ran, summed over the epochs (an epoch ends after its evaluation:
    a callback sees it)."""
    start = float(_one_layer(ref).forward(np.ones((1, 1)))[0, 0])
    net = _one_layer(ref)
    X_train, y_train = np.ones((4, 1)), np.zeros((4, 1))
    X_test, y_test = np.ones((2, 1)), np.full((2, 1), start + 2.0 * best)
    trainer = ref.Trainer(net, _drift(ref))
    seen: list[int] = []
    history = trainer.fit(
        X_train, y_train, X_test, y_test, epochs=epochs, eval_every=eval_every,
        batch_size=8, early_stopping=early_stopping,
        callbacks=[lambda epoch, history: seen.append(len(history.val_losses))],
    )  # fmt: skip
    kept = (float(trainer.net.forward(np.ones((1, 1)))[0, 0]) - start) / 2.0
    best_epoch = getattr(history, "best_epoch", None)
    return [
        kept,
        float(len(getattr(history, "train_losses", []))),
        float(bool(getattr(history, "stopped_early", False))),
        float(best_epoch if best_epoch is not None else -1),
        float(sum(seen)),
    ]


def _early_stopping_inputs(rng: np.random.Generator, eval_every: int = 3) -> dict[str, int]:
    best = eval_every * int(rng.integers(2, 4))
    return {"best": best, "eval_every": eval_every, "epochs": best + 3 * eval_every}


def early_stopping(ref: Any, inputs: dict[str, int], **_: Any) -> dict[str, ndarray]:
    """Trainer.fit with and without early stopping, on a fit whose validation loss is lowest
    at a random evaluated epoch: ``[model's epochs, epochs trained, stopped early, best
    epoch, validation losses the callbacks saw]`` of each."""
    best, eval_every, epochs = inputs["best"], inputs["eval_every"], inputs["epochs"]
    return {
        "early_stopping": np.array(_fit(ref, best, eval_every, epochs, True)),
        "no_early_stopping": np.array(_fit(ref, best, eval_every, epochs, False)),
    }


def _kept_from(epochs_back: int) -> Any:
    def wrong(ref: Any, inputs: dict[str, int], **_: Any) -> dict[str, ndarray]:
        stopped = early_stopping(ref, inputs)["early_stopping"]
        stopped[0] = stopped[1] - epochs_back
        return {"early_stopping": stopped}

    return wrong


EARLY_STOPPING = Probe(
    early_stopping,
    inputs=_early_stopping_inputs,
    mistakes={
        "the book's early-stopping bug: the model put back is a copy taken at the start of "
        "the epoch whose evaluation failed, not the best evaluated model; keep a copy of the "
        "parameters whenever an evaluation improves, and put that back": _kept_from(1),
        "training stopped, but the network kept the last epoch's parameters: put back the "
        "parameters of the best evaluation": _kept_from(0),
    },
)


# --- the edges of a schedule -----------------------------------------------------------------

_SCHEDULES = {
    "one_epoch": {"epochs": 1, "eval_every": 1, "batch_size": 8},
    "one_epoch_none_evaluated": {"epochs": 1, "eval_every": 3, "batch_size": 8},
    "seven_epochs_every_three": {"epochs": 7, "eval_every": 3, "batch_size": 3},
}
"""Schedules at the edges: one epoch (evaluated, or not at all: eval_every is larger), an
eval_every that does not divide the epochs, a batch size that does not divide the 4 rows."""


def _schedule(ref: Any, rise_after: int, epochs: int, eval_every: int, batch_size: int) -> dict:
    """One fit without early stopping: the epochs trained, the epochs evaluated, the epochs
    after which the callback ran (and how many epochs the history held then), the optimizer
    steps the model took."""
    start = float(_one_layer(ref).forward(np.ones((1, 1)))[0, 0])
    trainer = ref.Trainer(_one_layer(ref), _drift(ref))
    X_test, y_test = np.ones((2, 1)), np.full((2, 1), start + 2.0 * rise_after)
    called: list[tuple[int, int]] = []

    def callback(epoch: int, history: Any) -> None:
        called.append((epoch, len(getattr(history, "train_losses", []))))

    history = trainer.fit(
        np.ones((4, 1)), np.zeros((4, 1)), X_test, y_test, epochs=epochs,
        eval_every=eval_every, batch_size=batch_size, early_stopping=False,
        callbacks=[callback],
    )  # fmt: skip
    steps = (float(trainer.net.forward(np.ones((1, 1)))[0, 0]) - start) / 2.0
    return {
        "epochs_trained": len(getattr(history, "train_losses", [])),
        "eval_epochs": np.array(getattr(history, "eval_epochs", []), dtype=np.int64),
        "callback_epochs": np.array(called, dtype=np.int64).reshape(-1, 2),
        "steps": steps,
    }


def _schedule_inputs(rng: np.random.Generator) -> dict[str, int]:
    return {"rise_after": int(rng.integers(1, 4))}


def fit_schedule(ref: Any, inputs: dict[str, int], **_: Any) -> dict[str, ndarray]:
    """Trainer.fit on the schedules of :data:`_SCHEDULES`: for each, ``epochs_trained``,
    ``eval_epochs``, ``callback_epochs`` (rows of [epoch, epochs in the history then]) and the
    optimizer ``steps`` the model took (two a batch of the four rows' epoch of size 3)."""
    result: dict[str, ndarray] = {}
    for name, schedule in _SCHEDULES.items():
        for key, value in _schedule(ref, inputs["rise_after"], **schedule).items():
            result[f"{key}_{name}"] = np.asarray(value)
    return result


FIT_SCHEDULE = Probe(fit_schedule, inputs=_schedule_inputs)
