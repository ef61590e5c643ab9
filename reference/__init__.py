"""The answer key: every component of *Deep Learning from Scratch*, chapters 1–7.

Everything is importable flat (``from dlfs.reference import Dense, SGDMomentum, Trainer``)
as well as from its module. The PyTorch track (chapter 7) lives in ``dlfs.reference.pytorch``
and needs the optional extra: ``pip install -e ".[torch]"``.
"""

# isort: skip_file
# Chapter 3: the framework's base classes.
from .base import Operation, ParamOperation, assert_same_shape
from .layers import Layer

# Chapters 3–4: operations, activations, dropout, Dense, losses, network, optimizers, trainer.
from .operations import BiasAdd, WeightMultiply
from .activations import Linear, ReLU, Sigmoid, Tanh
from .dropout import Dropout
from .layers import Dense, init_scale
from .losses import Loss, MeanSquaredError, SoftmaxCrossEntropy, softmax
from .network import NeuralNetwork
from .optimizers import SGD, Optimizer, SGDMomentum
from .trainer import Trainer, TrainingHistory
from .metrics import calc_accuracy_model, eval_regression_model

__all__ = [
    "SGD",
    "BiasAdd",
    "Dense",
    "Dropout",
    "Layer",
    "Linear",
    "Loss",
    "MeanSquaredError",
    "NeuralNetwork",
    "Operation",
    "Optimizer",
    "ParamOperation",
    "ReLU",
    "SGDMomentum",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "Trainer",
    "TrainingHistory",
    "WeightMultiply",
    "assert_same_shape",
    "calc_accuracy_model",
    "eval_regression_model",
    "init_scale",
    "softmax",
]
