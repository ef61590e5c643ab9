"""The book's convolutional autoencoder: 28×28 images → a code of ``hidden_dim`` → 28×28.

Every layer ends in Tanh, so the inputs should be scaled to [−1, 1]; train with
``nn.MSELoss()`` and the images as their own targets.
"""

from __future__ import annotations

from ._require import Tensor, nn
from .layers import ConvLayer, DenseLayer
from .models import PyTorchModel, check_input_dim

__all__ = ["Autoencoder", "Decoder", "Encoder"]


class Encoder(PyTorchModel):
    """Conv(1→14, 5×5, Tanh) → Conv(14→7, 5×5, Tanh, flatten) → Dense(7·28·28 → code, Tanh).

    Args:
        hidden_dim: the code size (the book: 28).
    """

    def __init__(self, hidden_dim: int = 28) -> None:
        super().__init__()
        self.conv1 = ConvLayer(1, 14, 5, activation=nn.Tanh())
        self.conv2 = ConvLayer(14, 7, 5, activation=nn.Tanh(), flatten=True)
        self.dense1 = DenseLayer(7 * 28 * 28, hidden_dim, activation=nn.Tanh())

    def forward(self, x: Tensor) -> Tensor:
        """Encode images.

        Args:
            x: [N, 1, 28, 28] images in [−1, 1].

        Returns:
            [N, hidden_dim] codes in (−1, 1).
        """
        check_input_dim(x, 4)
        ### BEGIN SOLUTION
        x = self.conv1(x)
        x = self.conv2(x)
        return self.dense1(x)
        ### END SOLUTION


class Decoder(PyTorchModel):
    """Dense(code → 7·28·28, Tanh), reshape to [7, 28, 28] → Conv(7→14) → Conv(14→1), Tanh.

    Args:
        hidden_dim: the code size (the book: 28).
    """

    def __init__(self, hidden_dim: int = 28) -> None:
        super().__init__()
        self.dense1 = DenseLayer(hidden_dim, 7 * 28 * 28, activation=nn.Tanh())
        self.conv1 = ConvLayer(7, 14, 5, activation=nn.Tanh())
        self.conv2 = ConvLayer(14, 1, 5, activation=nn.Tanh())

    def forward(self, x: Tensor) -> Tensor:
        """Decode codes.

        Args:
            x: [N, hidden_dim] codes.

        Returns:
            [N, 1, 28, 28] images in (−1, 1).
        """
        check_input_dim(x, 2)
        ### BEGIN SOLUTION
        x = self.dense1(x)
        x = x.view(-1, 7, 28, 28)
        x = self.conv1(x)
        return self.conv2(x)
        ### END SOLUTION


class Autoencoder(PyTorchModel):
    """An ``Encoder`` and a ``Decoder`` with the same code size.

    ``forward`` returns ``(reconstruction, code)``: the trainer fits the reconstruction
    (the first element) to the target.

    Args:
        hidden_dim: the code size (the book: 28).
    """

    def __init__(self, hidden_dim: int = 28) -> None:
        super().__init__()
        if hidden_dim < 1:
            raise ValueError(f"hidden_dim must be at least 1, got hidden_dim={hidden_dim!r}")
        self.encoder = Encoder(hidden_dim)
        self.decoder = Decoder(hidden_dim)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """[N, 1, 28, 28] images → ([N, 1, 28, 28] reconstructions, [N, hidden_dim] codes)."""
        check_input_dim(x, 4)
        code = self.encoder(x)
        return self.decoder(code), code
