"""The answer key: every component of *Deep Learning from Scratch*, chapters 1–7.

Everything is importable flat (``from dlfs.reference import Dense, SGDMomentum, Trainer``)
as well as from its module. The PyTorch track (chapter 7) lives in ``dlfs.reference.pytorch``
and needs the optional extra: ``pip install -e ".[torch]"``.
"""

# isort: skip_file
# Chapter 3: the framework's base classes.
from .base import Operation, ParamOperation, assert_same_shape
from .layers import Layer

__all__ = [
    "Layer",
    "Operation",
    "ParamOperation",
    "assert_same_shape",
]
