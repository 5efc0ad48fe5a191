"""Activation layers: ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """Rectified linear unit, ``max(0, x)``, elementwise.

    Args:
        inplace: accepted for PyTorch compatibility and passed to ``functional.relu``. Default: ``False``.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.ReLU()(mt.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for positive inputs and ``negative_slope * x`` otherwise, elementwise.

    Args:
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: accepted for PyTorch compatibility and passed to ``functional.leaky_relu``. Default: ``False``.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.LeakyReLU(0.1)(mt.tensor([-1.0, 2.0]))
        tensor([-0.1,  2. ])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """Exponential linear unit: ``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: the scale of the negative part. Default: 1.0.
        inplace: accepted for PyTorch compatibility and passed to ``functional.elu``. Default: ``False``.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.ELU()(mt.tensor([0.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """Gaussian error linear unit, ``x * Φ(x)``; ``approximate='tanh'`` uses the tanh approximation.

    Args:
        approximate: ``'none'`` (exact, with erf) or ``'tanh'``. Default: ``'none'``.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.GELU()(mt.tensor([0.0]))
        tensor([0.])
        >>> mt.nn.GELU(approximate="tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """The logistic function ``1 / (1 + exp(-x))``, elementwise.

    Args:
        None.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Sigmoid()(mt.tensor([0.0]))
        tensor([0.5])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent, elementwise.

    Args:
        None.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Tanh()(mt.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softmax(Module):
    """Softmax along ``dim``: exponentials normalised to sum to 1 (e.g. class probabilities).

    Args:
        dim: the dimension to normalise over (pass it explicitly; PyTorch's implicit choice otherwise).

    Shape:
        - Input: any shape.
        - Output: the same shape, values in [0, 1] summing to 1 along ``dim``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Softmax(dim=1)(mt.zeros(1, 4))
        tensor([[0.25, 0.25, 0.25, 0.25]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably; pair it with ``NLLLoss``.

    Args:
        dim: the dimension to normalise over.

    Shape:
        - Input: any shape.
        - Output: the same shape, values in (-inf, 0].

    Example:
        >>> import minitorch as mt
        >>> mt.nn.LogSoftmax(dim=1)(mt.zeros(1, 2))
        tensor([[-0.6931, -0.6931]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
