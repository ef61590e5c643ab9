"""PyTorchTrainer and LSTMTrainer: training reduces the loss, the history, the train-mode fix."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlfs.reference.pytorch import (  # noqa: E402
    Autoencoder,
    BostonModel,
    DenseLayer,
    LSTMTrainer,
    NextCharacterModel,
    PyTorchModel,
    PyTorchTrainer,
)
from dlfs.reference.pytorch.lstm import char_windows  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.fixture
def regression() -> tuple[torch.Tensor, ...]:
    """A noisy linear target of 13 features: 200 training and 100 test rows."""
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(300, 13, generator=gen)
    y = X @ torch.randn(13, 1, generator=gen) + 0.1 * torch.randn(300, 1, generator=gen)
    return X[:200], y[:200], X[200:], y[200:]


def _boston_trainer(lr: float = 0.01, dropout: float = 1.0) -> PyTorchTrainer:
    torch.manual_seed(0)
    model = BostonModel(hidden_dropout=dropout)
    optim = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return PyTorchTrainer(model, optim, torch.nn.MSELoss())


def test_fit_reduces_the_test_loss(regression) -> None:
    trainer = _boston_trainer()
    before = trainer.evaluate(*regression[2:])
    history = trainer.fit(*regression, epochs=5, eval_every=1, batch_size=32, seed=3)
    assert history.val_loss[-1] < 0.5 * before
    assert history.eval_epochs == [1, 2, 3, 4, 5]
    assert len(history.train_loss) == 5 * 7  # ceil(200 / 32) batches per epoch


def test_fit_evaluates_every_eval_every_and_after_the_last_epoch(regression) -> None:
    history = _boston_trainer().fit(*regression, epochs=5, eval_every=2)
    assert history.eval_epochs == [2, 4, 5]
    assert history.final_val_loss == history.val_loss[-1]


def test_fit_accepts_numpy_arrays(regression) -> None:
    arrays = [t.double().numpy() for t in regression]
    history = _boston_trainer().fit(*arrays, epochs=1, eval_every=1)
    assert np.isfinite(history.final_val_loss)


class _DropoutProbe(PyTorchModel):
    """A dense layer with dropout that records, for each forward pass, whether it trained."""

    def __init__(self) -> None:
        super().__init__()
        self.dense = DenseLayer(13, 1, dropout=0.5)
        self.modes: list[tuple[bool, bool]] = []  # (training, grad enabled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.modes.append((self.training, torch.is_grad_enabled()))
        return self.dense(x)


def _probe_fit(trainer_cls: type[PyTorchTrainer], regression) -> _DropoutProbe:
    model = _DropoutProbe()
    trainer = trainer_cls(model, torch.optim.SGD(model.parameters(), lr=0.01), torch.nn.MSELoss())
    trainer.fit(*regression, epochs=3, eval_every=1, batch_size=50)
    return model


def test_training_batches_after_an_evaluation_still_use_dropout(regression) -> None:
    """After evaluating, does training go on in training mode (the book's trainer does not)?"""
    model = _probe_fit(PyTorchTrainer, regression)
    training_passes = [training for training, grad in model.modes if grad]
    eval_passes = [training for training, grad in model.modes if not grad]
    assert len(training_passes) == 3 * 4 and all(training_passes)
    assert len(eval_passes) == 3 and not any(eval_passes)
    assert model.training


class _BooksTrainer(PyTorchTrainer):
    """The book's evaluation: ``model.eval()`` and never ``model.train()``."""

    def evaluate(self, X, y, batch_size: int = 1000) -> float:
        self.model.eval()
        with torch.no_grad():
            return float(self.loss(self.model(X), y))


def test_the_probe_catches_the_books_missing_train_call(regression) -> None:
    """Would the check above fail for the book's evaluation? (Epochs 2 and 3 lose dropout.)"""
    model = _probe_fit(_BooksTrainer, regression)
    training_passes = [training for training, grad in model.modes if grad]
    assert training_passes[:4] == [True] * 4
    assert not any(training_passes[4:])
    assert not model.training


def test_evaluate_restores_eval_mode_and_matches_the_whole_set(regression) -> None:
    trainer = _boston_trainer(dropout=0.8)
    trainer.model.eval()
    X, y = regression[2:]
    whole = trainer.evaluate(X, y, batch_size=len(X))
    chunked = trainer.evaluate(X, y, batch_size=7)
    assert chunked == pytest.approx(whole, rel=1e-5)
    assert not trainer.model.training


def test_same_seed_same_history(regression) -> None:
    first = _boston_trainer(dropout=0.8).fit(*regression, epochs=2, eval_every=1, seed=5)
    second = _boston_trainer(dropout=0.8).fit(*regression, epochs=2, eval_every=1, seed=5)
    assert first.train_loss == second.train_loss
    assert first.val_loss == second.val_loss


def test_final_lr_exp_decays_from_lr_to_final(regression) -> None:
    history = _boston_trainer(lr=0.1).fit(*regression, epochs=4, final_lr_exp=0.001)
    assert history.lr[0] == pytest.approx(0.1)
    assert history.lr[-1] == pytest.approx(0.001)
    ratios = np.array(history.lr[1:]) / np.array(history.lr[:-1])
    np.testing.assert_allclose(ratios, ratios[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs=0"),
        ({"eval_every": 0}, "eval_every=0"),
        ({"batch_size": -1}, "batch_size=-1"),
        ({"final_lr_exp": 0.0}, "final_lr_exp=0.0"),
    ],
)
def test_fit_rejects_bad_arguments(regression, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        _boston_trainer().fit(*regression, **kwargs)


def test_optimizer_must_cover_the_model() -> None:
    model = BostonModel()
    optim = torch.optim.SGD(model.dense1.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="dense2"):
        PyTorchTrainer(model, optim, torch.nn.MSELoss())


def test_autoencoder_steps_reduce_reconstruction_loss() -> None:
    """Do a few SGD steps on the (reconstruction, code) output reduce the MSE?"""
    torch.manual_seed(0)
    X = torch.rand(60, 1, 28, 28) * 2 - 1
    model = Autoencoder(hidden_dim=4)
    trainer = PyTorchTrainer(
        model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), torch.nn.MSELoss()
    )
    losses = [trainer.train_batch(X, X) for _ in range(8)]
    assert losses[-1] < losses[0]


TEXT = "the quick brown fox jumps over the lazy dog. " * 40


def test_lstm_trainer_learns_a_repetitive_text() -> None:
    vocab = len(set(TEXT))
    torch.manual_seed(0)
    model = NextCharacterModel(vocab, hidden_size=32, sequence_length=10)
    optim = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-5)
    trainer = LSTMTrainer(model, optim, torch.nn.CrossEntropyLoss())
    history = trainer.fit(TEXT, epochs=2, batch_size=16, max_batches=40)
    assert len(history.train_loss) == 2 * 40
    assert history.val_loss[-1] < 0.5 * np.log(vocab)
    assert trainer.chars == sorted(set(TEXT))


def test_lstm_trainer_rejects_a_vocabulary_mismatch() -> None:
    model = NextCharacterModel(5, hidden_size=4, sequence_length=3)
    trainer = LSTMTrainer(model, torch.optim.Adam(model.parameters()), torch.nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="vocab_size=5"):
        trainer.fit(TEXT, epochs=1)


def test_char_windows_are_inputs_and_shifted_targets() -> None:
    codes = np.arange(10)
    windows = char_windows(codes, 3, stride=2)
    np.testing.assert_array_equal(windows[:, :-1], [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]])
    np.testing.assert_array_equal(windows[:, 1:], windows[:, :-1] + 1)
    with pytest.raises(ValueError, match="length=10"):
        char_windows(codes, 10)
