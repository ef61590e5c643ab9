"""Import PyTorch, or fail with an error that says how to install the optional extra."""

from __future__ import annotations

INSTALL_HINT = (
    "the PyTorch track (chapter 7) needs PyTorch, an optional extra: "
    'install it with `pip install -e ".[torch]"`'
)

try:
    import torch
    from torch import Tensor, nn
except ImportError as err:  # pragma: no cover - exercised in a subprocess without torch
    raise ImportError(INSTALL_HINT) from err

__all__ = ["INSTALL_HINT", "Tensor", "nn", "torch"]
