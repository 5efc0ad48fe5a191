"""Dropout: zeroes random elements while training, passes inputs through in eval mode."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """While training, zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    In evaluation mode (``model.eval()``) it returns the input unchanged. The mask is
    drawn from the seeded default generator (``mt.manual_seed``).

    Args:
        p: probability of an element being zeroed. Default: 0.5.
        inplace: accepted for PyTorch compatibility and passed to ``functional.dropout``. Default: ``False``.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> drop = mt.nn.Dropout(p=0.5)
        >>> y = drop(mt.ones(1000))
        >>> sorted(set(y.tolist()))
        [0.0, 2.0]
        >>> drop.eval()(mt.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
