"""The book's PyTorch models: Boston housing regression and the MNIST convolutional net."""

from __future__ import annotations

from ._require import Tensor, nn
from .layers import ConvLayer, DenseLayer

__all__ = ["BostonModel", "MNIST_ConvNet", "PyTorchModel", "check_input_dim"]


def check_input_dim(x: Tensor, ndim: int, name: str = "x") -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` dimensions (the book's ``assert_dim``)."""
    if x.dim() != ndim:
        raise ValueError(f"expected {name} with {ndim} dimensions, got shape {tuple(x.shape)}")


class PyTorchModel(nn.Module):
    """The base of the book's PyTorch models: an ``nn.Module`` made of ``PyTorchLayer``s.

    ``forward`` returns the prediction; a model that also returns something else (the
    autoencoder's codes) returns a tuple whose first element is the prediction.
    """

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, ...]:
        raise NotImplementedError


class BostonModel(PyTorchModel):
    """13 features → Tanh(``hidden_size``, dropout) → 1: the book's Boston housing regressor.

    Args:
        hidden_size: H, the hidden layer's neurons (the book: 13).
        hidden_dropout: the hidden layer's keep probability (the book: 0.8).
    """

    def __init__(self, hidden_size: int = 13, hidden_dropout: float = 1.0) -> None:
        super().__init__()
        self.dense1 = DenseLayer(13, hidden_size, dropout=hidden_dropout, activation=nn.Tanh())
        self.dense2 = DenseLayer(hidden_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        """[N, 13] features → [N, 1] predicted prices."""
        check_input_dim(x, 2)
        if x.shape[1] != 13:
            raise ValueError(f"expected 13 features, got shape {tuple(x.shape)}")
        return self.dense2(self.dense1(x))


class MNIST_ConvNet(PyTorchModel):
    """The book's MNIST net: Conv(1→14, 5×5) → Conv(14→7, 5×5, flatten) → 32 → 10.

    Tanh activations and dropout keeping 0.8 in every layer but the last, whose 10 outputs
    are logits (``nn.CrossEntropyLoss`` applies the softmax).
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = ConvLayer(1, 14, 5, activation=nn.Tanh(), dropout=0.8)
        self.conv2 = ConvLayer(14, 7, 5, activation=nn.Tanh(), dropout=0.8, flatten=True)
        self.dense1 = DenseLayer(7 * 28 * 28, 32, activation=nn.Tanh(), dropout=0.8)
        self.dense2 = DenseLayer(32, 10)

    def forward(self, x: Tensor) -> Tensor:
        """[N, 1, 28, 28] images → [N, 10] logits."""
        check_input_dim(x, 4)
        x = self.conv2(self.conv1(x))
        return self.dense2(self.dense1(x))
