"""What chapter 7's probes share: PyTorch imported on first use, the reference's PyTorch
modules, tensors as float64 arrays."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["as_numpy", "pytorch_module", "torch_module"]


def torch_module() -> Any:
    """``torch``, imported when a probe runs, on one thread."""
    torch = importlib.import_module("torch")
    torch.set_num_threads(1)
    return torch


def pytorch_module(ref: Any, module: str) -> Any:
    """``<ref>.pytorch.<module>`` (``layers``, ``lstm``, ``trainer``, ``autoencoder``)."""
    return importlib.import_module(f"{ref.__name__}.pytorch.{module}")


def as_numpy(tensor: Any) -> ndarray:
    """A tensor's values as a float64 array.

    Raises:
        TypeError: ``tensor`` is not a tensor (the learner's code returned something else).
    """
    if not hasattr(tensor, "detach"):
        raise TypeError(f"expected a torch.Tensor, got {type(tensor).__name__}")
    return tensor.detach().cpu().numpy().astype(np.float64)
