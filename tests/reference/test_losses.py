"""MeanSquaredError, softmax and SoftmaxCrossEntropy: values, gradients, the book's bugs."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_gradient, check_loss
from dlfs.reference import Loss, MeanSquaredError, SoftmaxCrossEntropy, softmax


def _one_hot(rng, n, c):
    return np.eye(c)[rng.integers(0, c, n)]


# --- mean squared error -------------------------------------------------------------------


def test_mse_value():
    """Is the loss the squared error summed over outputs and averaged over the batch?"""
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert MeanSquaredError().forward(pred, np.zeros((2, 2))) == pytest.approx(15.0)


@pytest.mark.parametrize("shape", [(1, 1), (6, 1), (5, 3)])
def test_mse_gradient(rng, shape):
    result = check_loss(MeanSquaredError(), rng.standard_normal(shape), rng.standard_normal(shape))
    assert result.passed, str(result)


def test_mse_gradient_is_2_diff_over_n(rng):
    pred, target = rng.standard_normal((8, 2)), rng.standard_normal((8, 2))
    loss = MeanSquaredError()
    loss.forward(pred, target)
    np.testing.assert_allclose(loss.backward(), 2 * (pred - target) / 8)


def test_mse_normalized_gradient(rng):
    """With normalize=True, does the gradient go through the row normalisation?"""
    pred = rng.uniform(0.1, 1.0, (5, 4))
    result = check_loss(MeanSquaredError(normalize=True), pred, _one_hot(rng, 5, 4))
    assert result.passed, str(result)


class BookNormalizedMSE(Loss):
    """The book's MSE(normalize=True): the loss of the normalised prediction, the gradient
    as if there were no normalisation."""

    def _output(self):
        self.q = self.prediction / self.prediction.sum(axis=1, keepdims=True)
        return np.sum((self.q - self.target) ** 2) / self.q.shape[0]

    def _input_grad(self):
        return 2.0 * (self.q - self.target) / self.q.shape[0]


def test_book_normalized_mse_fails_the_gradient_check_ours_passes(rng):
    pred, target = rng.uniform(0.1, 1.0, (5, 4)), _one_hot(rng, 5, 4)
    assert not check_loss(BookNormalizedMSE(), pred.copy(), target).passed
    assert check_loss(MeanSquaredError(normalize=True), pred.copy(), target).passed


# --- softmax --------------------------------------------------------------------------------


def test_softmax_rows_sum_to_one_and_ignore_shifts(rng):
    x = rng.standard_normal((6, 5))
    p = softmax(x)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(x + 100.0), p)
    np.testing.assert_allclose(p, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))


def test_softmax_does_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(np.array([[1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])


def test_softmax_along_another_axis(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(softmax(x, axis=0), softmax(x.T, axis=1).T)


# --- softmax cross-entropy ---------------------------------------------------------------


def test_cross_entropy_value(rng):
    """Is the loss −mean log p of the true class (log-sum-exp as the reference)?"""
    z, y = rng.standard_normal((7, 4)), _one_hot(rng, 7, 4)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -np.mean(np.sum(y * log_p, axis=1))
    assert SoftmaxCrossEntropy().forward(z, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("shape", [(1, 2), (6, 3), (4, 10)])
def test_cross_entropy_gradient(rng, shape):
    y = _one_hot(rng, *shape)
    result = check_loss(SoftmaxCrossEntropy(), rng.standard_normal(shape), y)
    assert result.passed, str(result)


def test_cross_entropy_gradient_with_soft_targets(rng):
    """Is the gradient right for targets that are probabilities, not one-hot?"""
    target = softmax(rng.standard_normal((5, 3)))
    result = check_loss(SoftmaxCrossEntropy(), rng.standard_normal((5, 3)), target)
    assert result.passed, str(result)


def test_cross_entropy_gradient_is_p_minus_y_over_n(rng):
    z, y = rng.standard_normal((8, 5)), _one_hot(rng, 8, 5)
    loss = SoftmaxCrossEntropy()
    loss.forward(z, y)
    np.testing.assert_allclose(loss.backward(), (softmax(z) - y) / 8)


def test_cross_entropy_is_clipped():
    """Is a confidently wrong prediction's loss −log(eps), finite, not inf?"""
    loss = SoftmaxCrossEntropy(eps=1e-9)
    value = loss.forward(np.array([[0.0, 1000.0]]), np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(1e-9))


class BookSoftmaxCrossEntropy(Loss):
    """The book's loss: it adds −Σ (1 − y) log(1 − p), which its gradient leaves out."""

    def _output(self):
        self.p = np.clip(softmax(self.prediction), 1e-9, 1 - 1e-9)
        loss = -self.target * np.log(self.p) - (1.0 - self.target) * np.log(1 - self.p)
        return np.sum(loss) / self.prediction.shape[0]

    def _input_grad(self):
        return (self.p - self.target) / self.prediction.shape[0]


def test_book_cross_entropy_fails_the_gradient_check_ours_passes(rng):
    z, y = rng.standard_normal((6, 4)), _one_hot(rng, 6, 4)
    book = check_loss(BookSoftmaxCrossEntropy(), z.copy(), y)
    assert not book.passed
    assert check_loss(SoftmaxCrossEntropy(), z.copy(), y).passed
    # and the book's reported loss is larger than the cross-entropy
    assert BookSoftmaxCrossEntropy().forward(z, y) > SoftmaxCrossEntropy().forward(z, y)


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [MeanSquaredError(), SoftmaxCrossEntropy()])
def test_mismatched_shapes_are_refused(loss):
    with pytest.raises(ValueError, match=r"prediction of shape \(4, 10\) and target of shape"):
        loss.forward(np.zeros((4, 10)), np.zeros((4,)))


@pytest.mark.parametrize("eps", [0.0, -1e-9, 0.5])
def test_bad_eps_is_refused(eps):
    with pytest.raises(ValueError, match="got eps="):
        SoftmaxCrossEntropy(eps=eps)


def test_loss_is_a_float(rng):
    value = MeanSquaredError().forward(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)))
    assert type(value) is float


def test_gradient_check_of_a_loss_through_check_gradient(rng):
    """The same checker, called directly, agrees with check_loss."""
    z, y = rng.standard_normal((3, 4)), _one_hot(rng, 3, 4)
    loss = SoftmaxCrossEntropy()
    loss.forward(z, y)
    result = check_gradient(lambda: loss.forward(z, y), z, loss.backward(), "prediction")
    assert result.passed
