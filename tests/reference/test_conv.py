"""Chapter 5: ``Conv2DOperation``, ``Flatten`` and the ``Conv2D`` layer, and the book's bugs."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from dlfs.autograder.gradcheck import (
    check_gradient,
    check_layer,
    check_network,
    check_operation,
    rel_error,
)
from dlfs.reference import (
    Conv2D,
    Conv2DOperation,
    Dense,
    Dropout,
    Flatten,
    Linear,
    NeuralNetwork,
    SoftmaxCrossEntropy,
    Tanh,
)
from dlfs.reference.conv_steps import (
    _input_grad_2d_multichannel,
    _param_grad_2d_multichannel,
    conv_2d_multichannel,
)
from dlfs.reference.im2col import im2col

# (input [N, C_in, H, W], filters [C_in, C_out, K, K]): batch > 1, C_in > 1, K = 1, 3, 5,
# non-square images.
SHAPES = [
    ((2, 3, 5, 6), (3, 2, 3, 3)),
    ((3, 1, 4, 7), (1, 4, 1, 1)),
    ((2, 2, 6, 5), (2, 3, 5, 5)),
    ((1, 2, 3, 3), (2, 2, 3, 3)),
    ((4, 1, 7, 4), (1, 1, 3, 3)),
]


def _book_input_grad(x, W, output_grad):
    """The book's ``Conv2D_Op._input_grad``: the padded output gradient times the filters as
    they are, not flipped."""
    p = W.shape[2] // 2
    g_pad = np.pad(output_grad, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(g_pad, W.shape[2:], axis=(2, 3))
    return np.einsum("nohwij,coij->nchw", windows, W)


def _book_param_grad(x, W, output_grad):
    """The book's ``Conv2D_Op._param_grad``: its patches are stacked pixel-major ([H·W, N, …])
    but reshaped to rows as if image-major, so when N > 1 each row of patches meets the
    output gradient of another image (or another pixel)."""
    N, C_in, H, Wd = x.shape
    C_out, K = W.shape[1], W.shape[2]
    patches = im2col(x, K).transpose(2, 0, 1)  # [H·W, N, C_in·K·K], as the book stacks them
    rows = patches.reshape(N * H * Wd, -1)
    grads = output_grad.transpose(0, 2, 3, 1).reshape(N * H * Wd, C_out)  # image-major
    return (rows.T @ grads).reshape(C_in, K, K, C_out).transpose(0, 3, 1, 2)


@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_conv2d_operation_passes_the_gradient_check(rng, x_shape, w_shape):
    """Are ∂L/∂input_ and ∂L/∂W right, for batches, channels, K = 1, 3, 5, non-square images?"""
    op = Conv2DOperation(rng.standard_normal(w_shape))
    for result in check_operation(op, rng.standard_normal(x_shape)):
        assert result.passed, str(result)


@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_conv2d_operation_matches_the_step_by_step_functions(rng, x_shape, w_shape):
    x, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    op = Conv2DOperation(W)
    out = op.forward(x)
    G = rng.standard_normal(out.shape)
    np.testing.assert_allclose(out, conv_2d_multichannel(x, W), atol=1e-12)
    np.testing.assert_allclose(op.backward(G), _input_grad_2d_multichannel(x, W, G), atol=1e-12)
    np.testing.assert_allclose(op.param_grad, _param_grad_2d_multichannel(x, W, G), atol=1e-12)


def test_the_books_unflipped_input_grad_fails_the_check(rng):
    x = rng.standard_normal((2, 2, 5, 5))
    W = rng.standard_normal((2, 3, 3, 3))
    op = Conv2DOperation(W)
    G = rng.standard_normal(op.forward(x).shape)
    ours = check_operation(op, x)[0]
    assert ours.passed, str(ours)

    def loss() -> float:
        return float(np.sum(op.forward(x) * G))

    book = check_gradient(loss, x, _book_input_grad(x, W, G), "input_")
    assert not book.passed
    assert book.max_rel_error > 0.1
    # For a filter symmetric under the flip the two agree: why the bug is easy to miss.
    W_sym = W + W[:, :, ::-1, ::-1]
    np.testing.assert_allclose(
        _book_input_grad(x, W_sym, G), _input_grad_2d_multichannel(x, W_sym, G), atol=1e-12
    )


def test_the_books_param_grad_passes_the_check_for_one_image_only(rng):
    """The book's row mix-up is invisible at batch size 1 and fails from batch size 2."""
    W = rng.standard_normal((2, 3, 3, 3))
    op = Conv2DOperation(W)
    for N, passes in ((1, True), (3, False)):
        x = rng.standard_normal((N, 2, 4, 5))
        G = rng.standard_normal((N, 3, 4, 5))

        def loss(x=x, G=G) -> float:
            return float(np.sum(op.forward(x) * G))

        book = check_gradient(loss, W, _book_param_grad(x, W, G), "W")
        assert book.passed is passes, (N, str(book))


@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_the_param_grad_sums_over_the_batch(rng, x_shape, w_shape):
    x, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    op = Conv2DOperation(W)
    G = rng.standard_normal(op.forward(x).shape)
    op.backward(G)
    total = op.param_grad.copy()
    per_image = []
    for n in range(x_shape[0]):
        op.forward(x[n : n + 1])
        op.backward(G[n : n + 1])
        per_image.append(op.param_grad.copy())
    np.testing.assert_allclose(total, np.sum(per_image, axis=0), atol=1e-12)


def test_backward_frees_the_columns_and_a_second_backward_gives_the_same(rng):
    """The columns (K² times the input) do not outlive the backward pass; another backward
    for the same forward pass computes them again, and ``backward_param`` frees them too."""
    x, W = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((2, 4, 3, 3))
    op = Conv2DOperation(W)
    G = rng.standard_normal(op.forward(x).shape)
    assert op._cols is not None
    input_grad = op.backward(G).copy()
    param_grad = op.param_grad.copy()
    assert op._cols is None
    np.testing.assert_array_equal(op.backward(G), input_grad)
    np.testing.assert_array_equal(op.param_grad, param_grad)
    op.forward(x)
    op.backward_param(G)
    assert op._cols is None
    np.testing.assert_array_equal(op.param_grad, param_grad)


@pytest.mark.torch
@pytest.mark.parametrize(("x_shape", "w_shape"), SHAPES)
def test_conv2d_operation_agrees_with_torch_autograd(rng, x_shape, w_shape):
    torch = pytest.importorskip("torch")
    x, W = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    op = Conv2DOperation(W)
    out = op.forward(x)
    G = rng.standard_normal(out.shape)
    input_grad = op.backward(G)

    x_t = torch.tensor(x, requires_grad=True)
    W_t = torch.tensor(W.transpose(1, 0, 2, 3).copy(), requires_grad=True)  # [C_out, C_in, K, K]
    out_t = torch.nn.functional.conv2d(x_t, W_t, padding=W.shape[2] // 2)
    out_t.backward(torch.tensor(G))

    assert rel_error(out, out_t.detach().numpy()).max() < 1e-8
    assert rel_error(input_grad, x_t.grad.numpy()).max() < 1e-8
    assert rel_error(op.param_grad, W_t.grad.numpy().transpose(1, 0, 2, 3)).max() < 1e-8


def test_conv2d_operation_refuses_bad_filters_and_inputs(rng):
    with pytest.raises(ValueError, match="odd filter size, got K=4"):
        Conv2DOperation(rng.standard_normal((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"square filters .* got shape \(1, 2, 3, 5\)"):
        Conv2DOperation(rng.standard_normal((1, 2, 3, 5)))
    op = Conv2DOperation(rng.standard_normal((3, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"C_in=1 channels .* expect 3"):
        op.forward(rng.standard_normal((2, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"\[N, C_in, H, W\], got shape \(2, 5, 5\)"):
        op.forward(rng.standard_normal((2, 5, 5)))


def test_flatten_keeps_the_batch_axis_and_passes_gradients_back(rng):
    x = rng.standard_normal((3, 2, 4, 5))
    flatten = Flatten()
    out = flatten.forward(x)
    assert out.shape == (3, 40)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    for result in check_operation(flatten, x):
        assert result.passed, str(result)


def test_conv2d_layer_shapes_with_and_without_flatten(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    layer = Conv2D(4, 3, seed=0)
    assert layer.forward(x).shape == (2, 4, 5, 6)
    assert layer.params[0].shape == (3, 4, 3, 3)
    assert [type(op) for op in layer.operations] == [Conv2DOperation, Linear]
    flat = Conv2D(4, 3, activation=Tanh(), flatten=True, dropout=0.5, seed=0)
    assert flat.forward(x).shape == (2, 4 * 5 * 6)
    assert [type(op) for op in flat.operations] == [Conv2DOperation, Tanh, Flatten, Dropout]
    assert flat.backward(np.ones((2, 120))).shape == x.shape


@pytest.mark.parametrize("flatten", [False, True])
def test_conv2d_layer_passes_the_gradient_check(rng, flatten):
    layer = Conv2D(3, 3, activation=Tanh(), flatten=flatten, seed=1)
    for result in check_layer(layer, rng.standard_normal((2, 2, 4, 5))):
        assert result.passed, str(result)


def test_conv2d_layer_initial_scales(rng):
    x = rng.standard_normal((1, 1, 8, 8))
    glorot = Conv2D(16, 5, weight_init="glorot", seed=0)
    glorot.forward(x)
    assert np.std(glorot.params[0]) == pytest.approx(np.sqrt(2 / (25 + 16 * 25)), rel=0.1)
    normal = Conv2D(16, 5, seed=0)
    normal.forward(x)
    assert np.std(normal.params[0]) == pytest.approx(1.0, rel=0.1)


def test_conv2d_layers_keep_their_own_activation():
    shared = Tanh()
    a, b = Conv2D(2, 3, activation=shared), Conv2D(2, 3, activation=shared)
    assert a.activation is not b.activation


def test_dropout_acts_in_training_only(rng):
    x = rng.standard_normal((2, 1, 5, 5))
    layer = Conv2D(3, 3, dropout=0.5, seed=0)
    inference = layer.forward(x, inference=True)
    np.testing.assert_allclose(inference, layer.operations[0].forward(x))
    training = layer.forward(x)
    assert np.any(training == 0.0) and not np.any(inference == 0.0)


def test_a_conv_then_dense_network_passes_the_gradient_check(rng):
    net = NeuralNetwork(
        [Conv2D(2, 3, activation=Tanh(), flatten=True), Dense(3, activation=Linear())],
        loss=SoftmaxCrossEntropy(),
        seed=5,
    )
    X = rng.standard_normal((3, 1, 4, 4))
    y = np.eye(3)[[0, 2, 1]]
    for result in check_network(net, X, y):
        assert result.passed, str(result)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"param_size": 4}, "odd filter size param_size >= 1, got param_size=4"),
        ({"param_size": 0}, "got param_size=0"),
        ({"weight_init": "he"}, "weight_init must be one of .* got weight_init='he'"),
        ({"dropout": 1.5}, r"keep_prob must lie in \(0, 1\], got keep_prob=1.5"),
        ({"out_channels": 0}, "at least one neuron, got neurons=0"),
    ],
)
def test_conv2d_layer_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(**{"out_channels": 2, "param_size": 3, **kwargs})


def test_conv2d_layer_refuses_flat_inputs(rng):
    with pytest.raises(ValueError, match=r"\[N, C_in, H, W\], got shape \(2, 25\)"):
        Conv2D(2, 3).forward(rng.standard_normal((2, 25)))
