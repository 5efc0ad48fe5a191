"""Flatten and Unflatten: reshape a range of dimensions into one, and back."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...functions import normalize_dim
from ...tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dimensions ``start_dim`` to ``end_dim`` into one (by default all but the batch dim).

    Args:
        start_dim: first dimension to flatten. Default: 1.
        end_dim: last dimension to flatten. Default: -1.

    Shape:
        - Input: ``(*, S_start, ..., S_end, *)``.
        - Output: ``(*, S_start * ... * S_end, *)``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Flatten()(mt.zeros(32, 1, 5, 5)).shape
        (32, 25)
        >>> mt.nn.Flatten(0, 2)(mt.zeros(32, 1, 5, 5)).shape
        (160, 5)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dimension ``dim`` into the shape ``unflattened_size`` (the inverse of Flatten).

    Args:
        dim: the dimension to unflatten.
        unflattened_size: the new shape of that dimension; its product must equal its size.

    Shape:
        - Input: ``(*, S_dim, *)``.
        - Output: ``(*, U_1, ..., U_n, *)`` with ``U_1 * ... * U_n = S_dim``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Unflatten(1, (2, 5, 5))(mt.zeros(2, 50)).shape
        (2, 2, 5, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        d = normalize_dim(self.dim, input.ndim)
        if -1 not in self.unflattened_size and math.prod(self.unflattened_size) != input.shape[d]:
            raise RuntimeError(f"{self!r}: the product of unflattened_size {tuple(self.unflattened_size)} must equal "
                               f"the size {input.shape[d]} of dim {self.dim} (input shape {input.shape})")
        return input.reshape(*input.shape[:d], *self.unflattened_size, *input.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
