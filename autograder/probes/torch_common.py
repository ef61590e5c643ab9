"""What chapter 7's probes share: PyTorch imported on first use, the reference's PyTorch
modules, tensors as float64 arrays."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from numpy import ndarray

__all__ = ["a_float", "as_numpy", "pytorch_module", "torch_module"]


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


def a_float(value: Any, name: str) -> float:
    """``value`` as a float, where the book's function returns one (a loss): a tensor is not
    one (it prints as ``tensor(…)`` and may hold its graph), nor is an array.

    Raises:
        TypeError: ``value`` is not a Python or NumPy number.
    """
    if isinstance(value, bool) or not isinstance(value, float | int | np.floating | np.integer):
        raise TypeError(
            f"{name} should return a Python float; it returned a {type(value).__name__}"
            + (": .item() gives a tensor's number" if type(value).__name__ == "Tensor" else "")
        )
    return float(value)
