"""The PyTorch track's layers and models: shapes, dropout, flatten, argument checks."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from dlfs.reference.pytorch import (  # noqa: E402
    Autoencoder,
    BostonModel,
    ConvLayer,
    Decoder,
    DenseLayer,
    Encoder,
    LSTMLayer,
    MNIST_ConvNet,
    NextCharacterModel,
)

pytestmark = pytest.mark.torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_dense_layer_is_linear_then_activation() -> None:
    """Is DenseLayer's output tanh(x Wᵀ + b)?"""
    layer = DenseLayer(4, 3, activation=torch.nn.Tanh())
    x = torch.randn(5, 4)
    expected = torch.tanh(x @ layer.linear.weight.T + layer.linear.bias)
    torch.testing.assert_close(layer(x), expected)
    assert layer(x).shape == (5, 3)


def test_dense_layer_without_activation_is_linear() -> None:
    layer = DenseLayer(4, 2)
    x = torch.randn(3, 4)
    torch.testing.assert_close(layer(x), layer.linear(x))


def test_dense_dropout_drops_in_training_and_scales_by_keep_prob() -> None:
    """Does dropout=0.8 zero about 20% of units in training, scale the rest by 1/0.8, and
    leave evaluation deterministic?"""
    layer = DenseLayer(10, 1000, dropout=0.8)
    x = torch.randn(50, 10)
    clean = layer.linear(x)
    out = layer(x)
    dropped = out == 0
    assert 0.17 < dropped.float().mean().item() < 0.23
    torch.testing.assert_close(out[~dropped], clean[~dropped] / 0.8)
    layer.eval()
    torch.testing.assert_close(layer(x), clean)


def test_no_dropout_module_when_keeping_everything() -> None:
    assert DenseLayer(3, 3).dropout is None
    assert ConvLayer(1, 2, 3).dropout is None


@pytest.mark.parametrize("keep", [0.0, -0.1, 1.5])
def test_dropout_must_be_a_keep_probability(keep: float) -> None:
    with pytest.raises(ValueError, match=f"dropout={keep!r}"):
        DenseLayer(3, 3, dropout=keep)


def test_conv_layer_keeps_height_and_width() -> None:
    """Does the 'same' padding keep 28×28 images 28×28?"""
    layer = ConvLayer(1, 14, 5, activation=torch.nn.Tanh())
    assert layer(torch.randn(2, 1, 28, 28)).shape == (2, 14, 28, 28)


def test_conv_layer_flatten_gives_one_row_per_image() -> None:
    layer = ConvLayer(3, 7, 3, flatten=True)
    x = torch.randn(4, 3, 6, 5)
    out = layer(x)
    assert out.shape == (4, 7 * 6 * 5)
    torch.testing.assert_close(out, layer.conv(x).reshape(4, -1))


def test_conv_dropout_drops_in_training_only() -> None:
    layer = ConvLayer(2, 8, 3, dropout=0.5, flatten=True)
    x = torch.randn(16, 2, 8, 8)
    clean = layer.conv(x).reshape(16, -1)
    out = layer(x)
    assert 0.4 < (out == 0).float().mean().item() < 0.6
    layer.eval()
    torch.testing.assert_close(layer(x), clean)


@pytest.mark.parametrize("size", [0, 4])
def test_conv_filter_size_must_be_odd_and_positive(size: int) -> None:
    with pytest.raises(ValueError, match=f"filter_size={size}"):
        ConvLayer(1, 1, size)


def test_boston_model_shapes_and_feature_check() -> None:
    model = BostonModel(hidden_size=13, hidden_dropout=0.8)
    assert model(torch.randn(7, 13)).shape == (7, 1)
    with pytest.raises(ValueError, match="13 features"):
        model(torch.randn(7, 12))


def test_mnist_convnet_gives_ten_logits() -> None:
    model = MNIST_ConvNet()
    assert model(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    with pytest.raises(ValueError, match="4 dimensions"):
        model(torch.randn(3, 784))


def test_autoencoder_shapes_and_range() -> None:
    """Does the autoencoder return a [N,1,28,28] reconstruction in (−1, 1) and its code?"""
    model = Autoencoder(hidden_dim=28)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    reconstruction, code = model(x)
    assert reconstruction.shape == x.shape
    assert code.shape == (4, 28)
    assert reconstruction.abs().max() < 1
    torch.testing.assert_close(model.encoder(x), code)
    torch.testing.assert_close(model.decoder(code), reconstruction)


def test_encoder_and_decoder_alone() -> None:
    assert Encoder(2)(torch.randn(5, 1, 28, 28)).shape == (5, 2)
    assert Decoder(2)(torch.randn(5, 2)).shape == (5, 1, 28, 28)


def test_lstm_layer_shapes() -> None:
    layer = LSTMLayer(sequence_length=6, input_size=5, hidden_size=8, output_size=3)
    assert layer(torch.randn(4, 6, 5)).shape == (4, 6, 3)


def test_lstm_layer_carries_mean_state_in_training_only() -> None:
    """Is the next batch's initial state the mean final state, updated only when training?"""
    layer = LSTMLayer(6, 5, 8, 3)
    x = torch.randn(4, 6, 5)
    _, (h_n, c_n) = layer.lstm(x)
    layer(x)
    torch.testing.assert_close(layer.h_init, h_n[0].mean(0, keepdim=True))
    torch.testing.assert_close(layer.c_init, c_n[0].mean(0, keepdim=True))
    assert not layer.h_init.requires_grad
    layer.eval()
    before = layer.h_init.clone()
    layer(torch.randn(2, 6, 5))
    torch.testing.assert_close(layer.h_init, before)
    layer.reset_state()
    assert layer.h_init.abs().sum() == 0


def test_next_character_model_puts_classes_second() -> None:
    model = NextCharacterModel(vocab_size=11, hidden_size=11, sequence_length=7)
    x = torch.nn.functional.one_hot(torch.randint(0, 11, (3, 7)), 11).float()
    assert model(x).shape == (3, 11, 7)
