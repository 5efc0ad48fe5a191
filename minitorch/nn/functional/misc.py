"""Shape and encoding helpers: one_hot, flatten and pad (constant, reflect, replicate, circular)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ... import autograd
from ...creation import arange, from_host
from ...dtypes import int64
from ...functions import flatten as _flatten
from ...functions import pad as _pad
from ...tensor import Tensor

__all__ = ["one_hot", "flatten", "pad"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Encode int64 class indices as one-hot int64 vectors in a new last dim.

    Args:
        tensor: int64 class indices in ``[0, num_classes)``.
        num_classes: the length of the vectors; -1 means ``tensor.max() + 1``.

    Shape:
        Input ``(*)``, output ``(*, num_classes)``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.one_hot(mt.tensor([0, 2]), num_classes=3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if not isinstance(tensor, Tensor) or tensor.dtype is not int64:
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot is only applicable to index tensors of dtype int64, got {got}")
    empty = tensor.numel() == 0
    if num_classes == -1:
        if empty:
            raise RuntimeError("one_hot: can not infer the total number of classes from an empty tensor; "
                               "pass num_classes")
        num_classes = int(tensor.max().item()) + 1
    elif num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    if not empty:
        low, high = int(tensor.min().item()), int(tensor.max().item())
        if low < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {low}")
        if high >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes ({num_classes}), got {high}")
    classes = arange(num_classes, dtype=int64, backend=tensor._backend)
    return (tensor.unsqueeze(-1) == classes).long()


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one, as ``torch.flatten``.

    ``nn.Flatten`` keeps the batch dim with ``start_dim=1``; this function's default, like
    ``torch.flatten``'s, is 0.

    Args:
        input: a tensor.
        start_dim: first dim to merge.
        end_dim: last dim to merge.

    Shape:
        Input ``(*, S_start, ..., S_end, *)``, output ``(*, S_start * ... * S_end, *)``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.flatten(mt.ones(2, 3, 4), start_dim=1).shape
        (2, 12)
    """
    return _flatten(input, start_dim, end_dim)


def _pad_positions(mode: str, size: int, lo: int, hi: int, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    """For each output position along a dim, the input position it copies."""
    positions = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "circular":
        if lo > size or hi > size:
            raise ValueError(f"pad: circular padding ({lo}, {hi}) can't be larger than the size {size} of dim {dim} "
                             f"of input of shape {shape}")
        return positions % size
    if lo >= size or hi >= size:  # reflect
        raise ValueError(f"pad: padding size should be less than the corresponding input dimension, but got: padding "
                         f"({lo}, {hi}) at dimension {dim} of input of shape {shape}")
    positions = np.abs(positions)
    return np.where(positions > size - 1, 2 * (size - 1) - positions, positions)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims, PyTorch order: ``(last_lo, last_hi, second_last_lo, ...)``.

    Args:
        input: a tensor.
        pad: the padding sizes (non-negative), two per padded dim starting from the last.
        mode: ``'constant'`` (fill with ``value``), ``'reflect'`` (mirror without the edge),
            ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).
        value: the fill value of constant padding (default 0).

    Shape:
        Input ``(*, S_k, ..., S_1)``, output ``(*, S_k + lo_k + hi_k, ..., S_1 + lo_1 + hi_1)``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> x = mt.tensor([[1.0, 2.0, 3.0]])
        >>> F.pad(x, (1, 2))
        tensor([[0., 1., 2., 3., 0., 0.]])
        >>> F.pad(x, (2, 1), mode='reflect')
        tensor([[3., 2., 1., 2., 3., 2.]])
    """
    if mode == "constant":
        return _pad(input, pad, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use 'constant', 'reflect', 'replicate' "
                                  "or 'circular'")
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2 * {input.ndim} entries")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported")
    out = input
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if lo == hi == 0:
            continue
        if input.shape[dim] == 0:
            raise ValueError(f"pad: can't {mode}-pad the empty dim {dim} of input of shape {input.shape}")
        positions = _pad_positions(mode, input.shape[dim], lo, hi, dim, input.shape)
        with autograd.no_grad():
            index = from_host(positions.astype(np.int64), int64, backend=input._backend)
        out = out[(slice(None),) * dim + (index,)]
    return out
