"""Trainer: batches, reproducible fits, early stopping that keeps the best model, decay."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.reference import (
    SGD,
    Dense,
    Linear,
    MeanSquaredError,
    NeuralNetwork,
    SGDMomentum,
    SoftmaxCrossEntropy,
    Tanh,
    Trainer,
    calc_accuracy_model,
)


def _classification(rng, n=300):
    """Two Gaussian blobs in 4-D, one-hot targets."""
    labels = rng.integers(0, 2, n)
    X = rng.standard_normal((n, 4)) + 2.0 * labels[:, None]
    return X, np.eye(2)[labels]


def _trainer(seed=1, optim=None):
    net = NeuralNetwork(
        [Dense(8, Tanh(), weight_init="glorot"), Dense(2, Linear(), weight_init="glorot")],
        SoftmaxCrossEntropy(),
        seed=seed,
    )
    return Trainer(net, optim or SGDMomentum(0.05))


def test_generate_batches(rng):
    X, y = rng.standard_normal((10, 3)), rng.standard_normal((10, 1))
    batches = list(_trainer().generate_batches(X, y, size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    order = rng.permutation(10)
    shuffled = list(_trainer().generate_batches(X, y, size=3, order=order))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in shuffled]), X[order])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in shuffled]), y[order])


def test_generate_batches_refuses_mismatched_rows(rng):
    with pytest.raises(ValueError, match="X has 5 rows but y has 4"):
        next(_trainer().generate_batches(np.zeros((5, 2)), np.zeros((4, 1))))


def test_fit_learns_and_prints_nothing(rng, capsys):
    X, y = _classification(rng)
    trainer = _trainer()
    history = trainer.fit(X[:200], y[:200], X[200:], y[200:], epochs=20, eval_every=5)
    assert capsys.readouterr() == ("", "")
    assert history.epochs == len(history.train_losses) == len(history.lrs)
    assert history.eval_epochs[0] == 5
    assert history.train_losses[-1] < history.train_losses[0]
    assert calc_accuracy_model(trainer.net, X[200:], y[200:]) > 0.9
    assert history.seconds > 0
    assert history.to_dict()["epochs"] == history.epochs


def test_same_seeds_identical_runs_and_restart(rng):
    """Do two fits with the same seeds (and a refit with restart) give identical results?"""
    X, y = _classification(rng)
    args = (X[:200], y[:200], X[200:], y[200:])
    a, b = _trainer(seed=3), _trainer(seed=3)
    ha, hb = a.fit(*args, epochs=6, eval_every=2), b.fit(*args, epochs=6, eval_every=2)
    assert ha.train_losses == hb.train_losses and ha.val_losses == hb.val_losses
    for p, q in zip(a.net.params(), b.net.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    again = a.fit(*args, epochs=6, eval_every=2)  # restart=True: the same run again
    assert again.train_losses == ha.train_losses
    other = a.fit(*args, epochs=6, eval_every=2, seed=4)  # another shuffle
    assert other.train_losses != ha.train_losses


def test_restart_false_continues(rng):
    X, y = _classification(rng)
    trainer = _trainer()
    first = trainer.fit(X, y, X, y, epochs=3, eval_every=3)
    more = trainer.fit(X, y, X, y, epochs=3, eval_every=3, restart=False)
    assert more.train_losses[0] < first.train_losses[0]


def _diverging_validation(rng):
    """1-D regression that walks w from -1 towards 3 (the training optimum) through 1.5 (the
    validation optimum): the validation loss falls, then rises."""
    x = rng.standard_normal((200, 1))
    net = NeuralNetwork([Dense(1, Linear())], MeanSquaredError(), seed=1)
    net.forward(x[:1])
    W, B = net.layers[0].params
    W[...], B[...] = -1.0, 0.0
    return Trainer(net, SGD(0.002)), (x, 3.0 * x, x, 1.5 * x)


def test_early_stopping_restores_the_best_evaluated_model(rng):
    trainer, data = _diverging_validation(rng)
    snapshots = []

    def remember(epoch, history):
        snapshots.append([p.copy() for p in trainer.net.params()])

    history = trainer.fit(
        *data, epochs=60, eval_every=2, batch_size=10, restart=False, callbacks=[remember]
    )
    assert history.stopped_early
    stop, best = history.epochs, history.best_epoch
    assert best == stop - 2 and history.val_losses[-1] > history.best_loss
    # ours: the parameters of the best evaluated epoch, and its validation loss
    for p, q in zip(trainer.net.params(), snapshots[best - 1], strict=True):
        np.testing.assert_array_equal(p, q)
    X_test, y_test = data[2], data[3]
    restored = trainer.net.loss.forward(trainer.net.forward(X_test, inference=True), y_test)
    assert restored == pytest.approx(history.best_loss)
    # the book restores the copy taken before the failing epoch's training (after epoch
    # stop - 1): a model never evaluated, whose loss is not the best loss it reports
    book_W, book_B = snapshots[stop - 2]
    book_loss = float(np.mean((X_test * book_W[0, 0] + book_B[0, 0] - y_test) ** 2))
    assert not np.array_equal(book_W, snapshots[best - 1][0])
    assert book_loss != pytest.approx(history.best_loss)


def test_without_early_stopping_all_epochs_run(rng):
    trainer, data = _diverging_validation(rng)
    history = trainer.fit(
        *data, epochs=30, eval_every=2, batch_size=10, restart=False, early_stopping=False
    )
    assert history.epochs == 30 and not history.stopped_early
    assert len(history.val_losses) == 15
    assert history.best_epoch < 30


def test_the_trainer_decays_the_learning_rate(rng):
    X, y = _classification(rng, n=40)
    trainer = _trainer(optim=SGDMomentum(0.15, final_lr=0.05, decay_type="linear"))
    history = trainer.fit(X, y, X, y, epochs=5, eval_every=5, early_stopping=False)
    np.testing.assert_allclose(history.lrs, [0.15, 0.125, 0.1, 0.075, 0.05])
    again = trainer.fit(X, y, X, y, epochs=5, eval_every=5, early_stopping=False)
    np.testing.assert_allclose(again.lrs, history.lrs)  # restart resets the schedule


def test_callbacks_are_called_after_every_epoch(rng):
    X, y = _classification(rng, n=40)
    calls = []
    _trainer().fit(X, y, X, y, epochs=4, eval_every=2, callbacks=[lambda e, h: calls.append(e)])
    assert calls == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "got epochs=0"),
        ({"eval_every": 0}, "got eval_every=0"),
        ({"batch_size": 0}, "got batch_size=0"),
    ],
)
def test_bad_arguments_are_refused(rng, kwargs, match):
    X, y = _classification(rng, n=20)
    with pytest.raises(ValueError, match=match):
        _trainer().fit(X, y, X, y, **kwargs)


def test_mismatched_rows_are_refused(rng):
    X, y = _classification(rng, n=20)
    with pytest.raises(ValueError, match="X_test has 20 rows but y_test has 19"):
        _trainer().fit(X, y, X, y[:19])
