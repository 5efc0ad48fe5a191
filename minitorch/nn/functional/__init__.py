"""Functional forms of the neural-network operations, with ``torch.nn.functional``'s names and semantics."""

from .activation import elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .conv import conv1d, conv2d
from .dropout import dropout
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .misc import flatten, one_hot, pad
from .normalization import batch_norm
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d

__all__ = [
    "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "cross_entropy", "dropout", "elu", "flatten", "gelu",
    "l1_loss", "leaky_relu", "linear", "log_softmax", "max_pool1d", "max_pool2d", "mse_loss", "nll_loss", "one_hot",
    "pad", "relu", "sigmoid", "softmax", "tanh",
]
