"""Dropout: zero random elements while training and rescale the rest by ``1 / (1 - p)``."""

from __future__ import annotations

from ...random import rand
from ...tensor import Tensor
from .activation import _maybe_inplace

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the kept ones by ``1 / (1 - p)``.

    The mask is drawn from minitorch's default generator, so ``mt.manual_seed`` makes it
    reproducible. The expected value of every element is unchanged (inverted dropout).

    Args:
        input: a floating point tensor.
        p: probability of zeroing an element, in ``[0, 1]``; ``p=1`` gives zeros.
        training: when False (or ``p=0``) ``input`` is returned unchanged.
        inplace: write the result into ``input`` (only when autograd is not recording it).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> _ = mt.manual_seed(0)
        >>> y = F.dropout(mt.ones(10000), p=0.25)
        >>> sorted(set(y.tolist()))
        [0.0, 1.3333333730697632]
        >>> round(y.mean().item(), 1)
        1.0
        >>> F.dropout(mt.ones(3), p=0.25, training=False)
        tensor([1., 1., 1.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor, got {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if not input.dtype.is_floating_point:
        raise TypeError(f"dropout: expected a floating point tensor, got {input.dtype}")
    if p == 1.0:
        return _maybe_inplace(input, input * 0.0, inplace)
    keep = rand(input.shape, dtype=input.dtype, backend=input._backend) >= p
    mask = keep.to(input.dtype) * (1.0 / (1.0 - p))
    return _maybe_inplace(input, input * mask, inplace)
