"""Weight initialisation schemes (PyTorch's torch.nn.init), drawn from minitorch's seeded generators."""

from __future__ import annotations

import math
import warnings

from ..autograd import no_grad
from ..random import Generator
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "ones_", "zeros_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    Args:
        nonlinearity: ``'linear'``, ``'conv1d'``/``'conv2d'``..., ``'sigmoid'``, ``'tanh'``, ``'relu'``,
            ``'leaky_relu'`` or ``'selu'``.
        param: the negative slope for ``'leaky_relu'`` (0.01 when omitted).

    Shape:
        Returns a Python float.

    Example:
        >>> import minitorch as mt
        >>> round(mt.nn.init.calculate_gain("relu"), 4)
        1.4142
        >>> round(mt.nn.init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: in/out features times the receptive field size."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place with values drawn from U(a, b).

    Args:
        tensor: the tensor to fill.
        a: the lower bound.
        b: the upper bound.
        generator: the generator to draw from (the default, seeded by ``mt.manual_seed``, when omitted).

    Shape:
        Any; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> w = mt.nn.init.uniform_(mt.empty(3, 5), -0.1, 0.1)
        >>> bool((w.abs() <= 0.1).all())
        True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place with values drawn from N(mean, std²).

    Args:
        tensor: the tensor to fill.
        mean: the mean of the normal distribution.
        std: its standard deviation.
        generator: the generator to draw from (the default one when omitted).

    Shape:
        Any; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.normal_(mt.empty(2, 2), std=0.02).shape
        (2, 2)
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` in place with ``val``.

    Args:
        tensor: the tensor to fill.
        val: the value.

    Shape:
        Any; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.constant_(mt.empty(3), 0.5)
        tensor([0.5, 0.5, 0.5])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with ones.

    Args:
        tensor: the tensor to fill.

    Shape:
        Any; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.ones_(mt.empty(2))
        tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with zeros.

    Args:
        tensor: the tensor to fill.

    Shape:
        Any; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.zeros_(mt.ones(2))
        tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier uniform init (Keras's ``glorot_uniform``): U(-b, b), b = gain·sqrt(6 / (fan_in + fan_out)).

    Args:
        tensor: a tensor with at least 2 dimensions ``(out, in, *kernel)``.
        gain: a scaling factor, e.g. ``calculate_gain('tanh')``.
        generator: the generator to draw from (the default one when omitted).

    Shape:
        At least 2-D; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> w = mt.nn.init.xavier_uniform_(mt.empty(30, 20))
        >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier normal init: N(0, std²), std = gain·sqrt(2 / (fan_in + fan_out)).

    Keras's ``glorot_normal`` is the same up to its truncation at two standard deviations.

    Args:
        tensor: a tensor with at least 2 dimensions.
        gain: a scaling factor.
        generator: the generator to draw from (the default one when omitted).

    Shape:
        At least 2-D; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.xavier_normal_(mt.empty(4, 3)).shape
        (4, 3)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He/Kaiming uniform init: U(-b, b), b = gain·sqrt(3 / fan), gain = ``calculate_gain(nonlinearity, a)``.

    Linear and Conv layers use ``a=sqrt(5)``, giving b = 1/sqrt(fan_in), as PyTorch.

    Args:
        tensor: a tensor with at least 2 dimensions ``(out, in, *kernel)``.
        a: the negative slope of the rectifier after this layer (for ``'leaky_relu'``).
        mode: ``'fan_in'`` (keeps the forward variance) or ``'fan_out'`` (the backward one).
        nonlinearity: ``'relu'`` or ``'leaky_relu'`` (recommended), or another name ``calculate_gain`` knows.
        generator: the generator to draw from (the default one when omitted).

    Shape:
        At least 2-D; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> w = mt.nn.init.kaiming_uniform_(mt.empty(64, 50), nonlinearity="relu")
        >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
        True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He/Kaiming normal init: N(0, std²), std = gain / sqrt(fan).

    Args:
        tensor: a tensor with at least 2 dimensions.
        a: the negative slope of the rectifier after this layer (for ``'leaky_relu'``).
        mode: ``'fan_in'`` or ``'fan_out'``.
        nonlinearity: ``'relu'`` or ``'leaky_relu'`` (recommended), or another name ``calculate_gain`` knows.
        generator: the generator to draw from (the default one when omitted).

    Shape:
        At least 2-D; returns ``tensor``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.init.kaiming_normal_(mt.empty(8, 4, 3, 3), mode="fan_out", nonlinearity="relu").shape
        (8, 4, 3, 3)
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)
