"""Chapter 7's PyTorch track: the book's layers, models and trainers written with PyTorch.

Needs the optional extra, ``pip install -e ".[torch]"``. Nothing here imports PyTorch until a
name is first used (a module-level ``__getattr__``), so ``import dlfs.reference`` works
without it; using a name without PyTorch raises an ``ImportError`` saying how to install it.

Models here run in float32, PyTorch's default. Layers take no ``inference`` flag: as in
PyTorch, ``model.eval()`` switches dropout off and ``model.train()`` back on.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> the submodule that defines it
_NAMES = {
    "PyTorchLayer": "layers",
    "DenseLayer": "layers",
    "ConvLayer": "layers",
    "PyTorchModel": "models",
    "BostonModel": "models",
    "MNIST_ConvNet": "models",
    "PyTorchTrainer": "trainer",
    "FitHistory": "trainer",
    "LSTMLayer": "lstm",
    "NextCharacterModel": "lstm",
    "LSTMTrainer": "lstm",
    "Encoder": "autoencoder",
    "Decoder": "autoencoder",
    "Autoencoder": "autoencoder",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    """Import the submodule defining ``name`` (and with it PyTorch) on first use."""
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_NAMES[name]}", __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))
