"""The answer key: every component of *Deep Learning from Scratch*, chapters 1–7.

Everything is importable flat (``from dlfs.reference import Dense, SGDMomentum, Trainer``)
as well as from its module. The PyTorch track (chapter 7) lives in ``dlfs.reference.pytorch``
and needs the optional extra: ``pip install -e ".[torch]"``.
"""

# isort: skip_file
# Chapter 1: derivatives, the chain rule and functions of matrices (plain functions).
from .foundations import (
    chain_deriv_2,
    chain_deriv_3,
    chain_length_2,
    deriv,
    leaky_relu,
    multiple_inputs_add,
    multiple_inputs_add_backward,
    sigmoid,
    square,
)
from .matrix_functions import (
    matmul_backward_first,
    matmul_forward,
    matrix_forward_extra,
    matrix_function_backward_1,
    matrix_function_backward_sum_1,
    matrix_function_forward_sum,
)

# Chapter 2: linear regression and a two-layer network, plain functions on a dict of weights.
# The book gives both models the names init_weights, loss_gradients, train and predict:
# linear regression keeps them here, the network's carry the suffix _nn (each module itself
# keeps the book's names: dlfs.reference.two_layer_network.train is train_nn).
from .linear_regression import (
    forward_linear_regression,
    init_weights,
    loss_gradients,
    predict,
    train,
)
from .two_layer_network import forward_loss
from .two_layer_network import init_weights as init_weights_nn
from .two_layer_network import loss_gradients as loss_gradients_nn
from .two_layer_network import predict as predict_nn
from .two_layer_network import train as train_nn
from .regression_metrics import mae, rmse
from .np_utils import generate_batch, permute_data, to_2d_np

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

# Chapter 5: convolutions step by step, im2col, the convolution operation and layer, pooling.
from .conv_steps import conv_1d, conv_1d_batch, conv_2d, conv_2d_multichannel
from .im2col import col2im, im2col
from .conv import Conv2DOperation, Flatten
from .conv_layer import Conv2D
from .pooling import AvgPool2D, MaxPool2D

# Chapter 6: automatic differentiation on numbers, recurrent nodes, layers, model, optimizers
# and trainer. The book's chapter 6 optimizer ``SGD`` is ``RNNSGD`` here (``SGD`` is chapter 3's).
from .autodiff import NumberWithGrad
from .rnn_nodes import GRUNode, LSTMNode, RNNNode
from .rnn_layers import GRULayer, LSTMLayer, RNNLayer
from .rnn_model import RNNModel, RNNSoftmaxCrossEntropy
from .rnn_optimizers import RNNSGD, AdaGrad, RNNOptimizer
from .rnn_trainer import RNNTrainer, RNNTrainingHistory

# Chapter 7: a dense autoencoder in NumPy. The PyTorch track is imported lazily (see
# ``__getattr__`` at the end of this file).
from .autoencoder import DenseAutoencoder, to_tanh_range

__all__ = [
    "RNNSGD",
    "SGD",
    "AdaGrad",
    "AvgPool2D",
    "BiasAdd",
    "Conv2D",
    "Conv2DOperation",
    "Dense",
    "DenseAutoencoder",
    "Dropout",
    "Flatten",
    "GRULayer",
    "GRUNode",
    "LSTMLayer",
    "LSTMNode",
    "Layer",
    "Linear",
    "Loss",
    "MaxPool2D",
    "MeanSquaredError",
    "NeuralNetwork",
    "NumberWithGrad",
    "Operation",
    "Optimizer",
    "ParamOperation",
    "RNNLayer",
    "RNNModel",
    "RNNNode",
    "RNNOptimizer",
    "RNNSoftmaxCrossEntropy",
    "RNNTrainer",
    "RNNTrainingHistory",
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
    "chain_deriv_2",
    "chain_deriv_3",
    "chain_length_2",
    "col2im",
    "conv_1d",
    "conv_1d_batch",
    "conv_2d",
    "conv_2d_multichannel",
    "deriv",
    "eval_regression_model",
    "forward_linear_regression",
    "forward_loss",
    "generate_batch",
    "im2col",
    "init_scale",
    "init_weights",
    "init_weights_nn",
    "leaky_relu",
    "loss_gradients",
    "loss_gradients_nn",
    "mae",
    "matmul_backward_first",
    "matmul_forward",
    "matrix_forward_extra",
    "matrix_function_backward_1",
    "matrix_function_backward_sum_1",
    "matrix_function_forward_sum",
    "multiple_inputs_add",
    "multiple_inputs_add_backward",
    "permute_data",
    "predict",
    "predict_nn",
    "rmse",
    "sigmoid",
    "softmax",
    "square",
    "to_2d_np",
    "to_tanh_range",
    "train",
    "train_nn",
]


# Chapter 7, the PyTorch track: these names import ``dlfs.reference.pytorch`` (and PyTorch) on
# first use, so that ``import dlfs.reference`` works without the optional extra; without it,
# using one raises an ImportError saying how to install it. Chapter 6 took ``LSTMLayer``: here
# PyTorch's is ``TorchLSTMLayer``. They stay out of ``__all__`` so that ``import *`` never
# needs PyTorch.
_TORCH_NAMES = {
    "Autoencoder": "Autoencoder",
    "BostonModel": "BostonModel",
    "ConvLayer": "ConvLayer",
    "Decoder": "Decoder",
    "DenseLayer": "DenseLayer",
    "Encoder": "Encoder",
    "LSTMTrainer": "LSTMTrainer",
    "MNIST_ConvNet": "MNIST_ConvNet",
    "NextCharacterModel": "NextCharacterModel",
    "PyTorchLayer": "PyTorchLayer",
    "PyTorchModel": "PyTorchModel",
    "PyTorchTrainer": "PyTorchTrainer",
    "TorchLSTMLayer": "LSTMLayer",
}


def __getattr__(name: str) -> object:
    """Resolve the PyTorch track's flat names on first use."""
    if name not in _TORCH_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import pytorch

    value = getattr(pytorch, _TORCH_NAMES[name])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_TORCH_NAMES})
