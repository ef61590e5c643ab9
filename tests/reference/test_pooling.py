"""Chapter 5's extension: max and average pooling."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.autograder.gradcheck import check_operation, rel_error
from dlfs.reference.pooling import AvgPool2D, MaxPool2D

# (input shape, size, stride): the usual 2×2/2, odd sizes that drop a row, overlapping windows.
CASES = [
    ((2, 3, 4, 6), 2, None),
    ((2, 2, 5, 7), 2, 2),
    ((1, 2, 7, 6), 3, 2),
    ((3, 1, 5, 5), 3, 1),
    ((2, 1, 6, 4), 1, 1),
    ((2, 2, 7, 8), 2, 3),  # gaps between windows: pixels no window reads get no gradient
]
POOLS = [MaxPool2D, AvgPool2D]


def test_max_and_average_of_a_known_image():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2D().forward(x)[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(AvgPool2D(2).forward(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]])


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_output_shapes_drop_what_does_not_fill_a_window(rng, pool, shape, size, stride):
    out = pool(size, stride).forward(rng.standard_normal(shape))
    s = size if stride is None else stride
    assert out.shape == (*shape[:2], (shape[2] - size) // s + 1, (shape[3] - size) // s + 1)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_pooling_passes_the_gradient_check(rng, pool, shape, size, stride):
    for result in check_operation(pool(size, stride), rng.standard_normal(shape)):
        assert result.passed, str(result)


def test_max_pooling_sends_the_gradient_to_the_first_maximum_only():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    pool = MaxPool2D()
    pool.forward(x)
    np.testing.assert_array_equal(pool.backward(np.array([[[[2.0]]]]))[0, 0], [[0, 2], [0, 0]])


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_pooling_agrees_with_torch_autograd(rng, shape, size, stride):
    torch = pytest.importorskip("torch")
    functions = {
        MaxPool2D: torch.nn.functional.max_pool2d,
        AvgPool2D: torch.nn.functional.avg_pool2d,
    }
    x = rng.standard_normal(shape)
    for pool, torch_pool in functions.items():
        op = pool(size, stride)
        out = op.forward(x)
        G = rng.standard_normal(out.shape)
        input_grad = op.backward(G)
        x_t = torch.tensor(x, requires_grad=True)
        out_t = torch_pool(x_t, size, stride)
        out_t.backward(torch.tensor(G))
        assert rel_error(out, out_t.detach().numpy()).max() < 1e-8, pool
        assert rel_error(input_grad, x_t.grad.numpy()).max() < 1e-8, pool


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"size": 0}, "size >= 1, got size=0"), ({"size": 2, "stride": 0}, "got stride=0")],
)
def test_bad_sizes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaxPool2D(**kwargs)


def test_bad_inputs_are_refused(rng):
    with pytest.raises(ValueError, match=r"\[N, C, H, W\], got shape \(4, 4\)"):
        AvgPool2D().forward(rng.standard_normal((4, 4)))
    with pytest.raises(ValueError, match=r"smaller than the window size=3"):
        MaxPool2D(3).forward(rng.standard_normal((1, 1, 2, 5)))


class _WindowsMaxPool(MaxPool2D):
    """Max pooling the other way, over the helpers' views of whole windows."""

    def _output(self, inference: bool = False) -> np.ndarray:
        return self._windows().max(axis=(4, 5))

    def _input_grad(self, output_grad: np.ndarray) -> np.ndarray:
        windows = self._windows()
        flat = windows.reshape(*windows.shape[:4], -1)
        first_max = flat.argmax(axis=-1)[..., None] == np.arange(flat.shape[-1])
        windows_grad = (first_max * output_grad[..., None]).reshape(windows.shape)
        return self._add_at_windows(np.zeros_like(self.input_), windows_grad)


@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_the_whole_window_helpers_give_the_same_pooling(rng, shape, size, stride):
    x = rng.standard_normal(shape)
    ours, windows = MaxPool2D(size, stride), _WindowsMaxPool(size, stride)
    np.testing.assert_array_equal(ours.forward(x), windows.forward(x))
    G = rng.standard_normal(ours.output.shape)
    np.testing.assert_array_equal(ours.backward(G), windows.backward(G))


@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_ties_send_the_gradient_to_the_first_maximum_only(rng, shape, size, stride):
    x = rng.integers(0, 2, shape).astype(float)  # most windows hold their maximum twice
    ours, windows = MaxPool2D(size, stride), _WindowsMaxPool(size, stride)
    ours.forward(x)
    windows.forward(x)
    G = rng.standard_normal(ours.output.shape)
    np.testing.assert_array_equal(ours.backward(G), windows.backward(G))


def test_a_nan_window_does_not_hide_a_tie_in_another(rng):
    """One maximum found per window on average is not one in each: a window with NaN finds
    none, a tied one two; the tie still sends the gradient to its first maximum only."""
    x = rng.uniform(-1, 0, (1, 1, 4, 4))
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 2, 2] = x[0, 0, 2, 3] = 5.0
    pool = MaxPool2D(2)
    pool.forward(x)
    grad = pool.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(grad[0, 0, 2:, 2:], [[1.0, 0.0], [0.0, 0.0]])
    assert np.count_nonzero(grad[0, 0, :2, 2:]) == 1 and np.count_nonzero(grad[0, 0, 2:, :2]) == 1
