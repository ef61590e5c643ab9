"""The book's PyTorch layers: a dense layer and a convolutional layer, each with an optional
activation and dropout (the book's ``lincoln.pytorch.layers``)."""

from __future__ import annotations

from ._require import Tensor, nn

__all__ = ["ConvLayer", "DenseLayer", "PyTorchLayer"]


def _dropout(keep_prob: float) -> nn.Module | None:
    """``nn.Dropout`` dropping with probability 1 − ``keep_prob``; None when nothing drops."""
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"dropout is the keep probability, in (0, 1]; got dropout={keep_prob!r}")
    return nn.Dropout(1.0 - keep_prob) if keep_prob < 1.0 else None


class PyTorchLayer(nn.Module):
    """The base of the book's PyTorch layers: an ``nn.Module`` whose ``forward`` maps a batch.

    As in PyTorch, ``module.eval()`` switches dropout off (the book's ``inference=True``) and
    ``module.train()`` switches it back on.
    """

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError


class DenseLayer(PyTorchLayer):
    """A fully connected layer: ``dropout(activation(x Wᵀ + b))``.

    Args:
        input_size: D_in, the features of each input row.
        neurons: D_out, the features of each output row.
        dropout: the probability of *keeping* a unit (the book's convention); 1.0 keeps all.
        activation: an elementwise module such as ``nn.Tanh()``, or None for none.
    """

    def __init__(
        self,
        input_size: int,
        neurons: int,
        dropout: float = 1.0,
        activation: nn.Module | None = None,
    ) -> None:
        super().__init__()
        if input_size < 1 or neurons < 1:
            raise ValueError(
                f"sizes must be positive, got input_size={input_size!r}, neurons={neurons!r}"
            )
        self.linear = nn.Linear(input_size, neurons)
        self.activation = activation
        self.dropout = _dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """The linear map, then the activation (if any), then dropout (if any).

        ``nn.Dropout`` drops only in training mode and scales the kept units by 1/keep_prob,
        so nothing changes at evaluation.

        Args:
            x: [N, D_in] batch.

        Returns:
            [N, D_out] batch.
        """
        ### BEGIN SOLUTION
        x = self.linear(x)
        if self.activation is not None:
            x = self.activation(x)
        if self.dropout is not None:
            x = self.dropout(x)
        return x
        ### END SOLUTION


class ConvLayer(PyTorchLayer):
    """A 2-D convolution with "same" zero padding, an activation, an optional flatten, dropout.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        filter_size: K, odd, so that padding K // 2 keeps the height and width.
        activation: an elementwise module such as ``nn.Tanh()``, or None for none.
        dropout: the probability of *keeping* a unit; 1.0 keeps all.
        flatten: whether to flatten each output to one row of C_out·H·W features (to feed
            a ``DenseLayer``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        filter_size: int,
        activation: nn.Module | None = None,
        dropout: float = 1.0,
        flatten: bool = False,
    ) -> None:
        super().__init__()
        if filter_size < 1 or filter_size % 2 == 0:
            raise ValueError(
                f"'same' padding needs an odd positive filter_size, got filter_size={filter_size!r}"
            )
        self.conv = nn.Conv2d(in_channels, out_channels, filter_size, padding=filter_size // 2)
        self.activation = activation
        self.flatten = flatten
        self.dropout = _dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Convolve, apply the activation, flatten if asked, then dropout.

        Args:
            x: [N, C_in, H, W] batch.

        Returns:
            [N, C_out, H, W] batch, or [N, C_out·H·W] when ``flatten``.
        """
        ### BEGIN SOLUTION
        x = self.conv(x)
        if self.activation is not None:
            x = self.activation(x)
        if self.flatten:
            x = x.flatten(start_dim=1)
        if self.dropout is not None:
            x = self.dropout(x)
        return x
        ### END SOLUTION
