"""Views and shape operations: reshape, permute, expand, cat/stack/split, pad, copies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import autograd
from ..tensor import Tensor
from ._common import check_same_backend, normalize_dim, promote


class Reshape(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, shape: tuple[int, ...]) -> Tensor:
        return x._new(x._backend.reshape(x._data, shape))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g.reshape(ctx._inputs[0].shape), None


class Permute(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, axes: tuple[int, ...]) -> Tensor:
        return x._new(x._backend.permute(x._data, axes))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g.permute(*np.argsort(ctx._inputs[1]).tolist()), None


class Expand(autograd.Function):
    """Broadcast view; the engine sums the gradient back over the expanded dims."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, shape: tuple[int, ...]) -> Tensor:
        return x._new(x._backend.expand(x._data, shape))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g, None


class Copy(autograd.Function):
    """A fresh copy (``clone``) or a contiguous one; the gradient passes unchanged."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, contiguous_only: bool) -> Tensor:
        b = x._backend
        return x._new(b.contiguous(x._data) if contiguous_only else b.copy(x._data))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g, None


class Cat(autograd.Function):
    @staticmethod
    def forward(ctx: Any, axis: int, *xs: Tensor) -> Tensor:
        return xs[0]._new(xs[0]._backend.concatenate([x._data for x in xs], axis))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        axis, *xs = ctx._inputs
        return (None, *g.split([x.shape[axis] for x in xs], axis))


class Pad(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, widths: tuple[tuple[int, int], ...], value: float) -> Tensor:
        return x._new(x._backend.pad(x._data, widths, value))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, widths, _ = ctx._inputs
        return g[tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))], None, None


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory, still in the graph. Example: ``mt.ones(2).clone()``."""
    return Copy.apply(x, False)


def contiguous(x: Tensor) -> Tensor:
    """``x`` laid out contiguously (a copy only when needed). Example: ``mt.ones(2, 3).T.contiguous()``."""
    return Copy.apply(x, True)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape; one size may be -1 (inferred).

    Example:
        >>> import minitorch as mt
        >>> mt.arange(6).reshape(2, -1).shape
        (2, 3)
    """
    shape = tuple(int(s) for s in shape)
    n = x.numel()
    if shape.count(-1) > 1:
        raise RuntimeError(f"reshape: only one dimension can be inferred, got shape {list(shape)}")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif known != n or any(s < 0 for s in shape):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one. Example: ``mt.ones(2, 3, 4).flatten(1).shape`` is ``(2, 12)``."""
    if x.ndim == 0:
        return x.reshape(1)
    start, end = normalize_dim(start_dim, x.ndim), normalize_dim(end_dim, x.ndim)
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[start:end + 1], dtype=np.int64))
    return x.reshape(x.shape[:start] + (merged,) + x.shape[end + 1:])


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dims (all, or those in ``dim``). Example: ``mt.ones(1, 3, 1).squeeze().shape`` is ``(3,)``."""
    if dim is None:
        axes = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        dims = (dim,) if isinstance(dim, int) else dim
        if x.ndim == 0:  # dim 0 or -1 of a 0-d tensor: nothing to squeeze
            for d in dims:
                normalize_dim(d, 0)  # raises for any other dim
            return x
        axes = {normalize_dim(d, x.ndim) for d in dims if x.shape[normalize_dim(d, x.ndim)] == 1}
    return x.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``. Example: ``mt.ones(3).unsqueeze(0).shape`` is ``(1, 3)``."""
    axis = normalize_dim(dim, x.ndim + 1)
    return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    """Reorder dims. Example: ``mt.ones(2, 3, 4).permute(2, 0, 1).shape`` is ``(4, 2, 3)``."""
    axes = tuple(normalize_dim(d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise RuntimeError(f"permute: dims {tuple(dims)} are not a permutation of the {x.ndim} dims of shape {x.shape}")
    return x if axes == tuple(range(x.ndim)) else Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims. Example: ``mt.ones(2, 3).transpose(0, 1).shape`` is ``(3, 2)``."""
    axes = list(range(x.ndim))
    a, b = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, axes)


def expand(x: Tensor, sizes: Sequence[int]) -> Tensor:
    """Broadcast view to ``sizes`` (-1 keeps a dim). Example: ``mt.ones(3).expand(2, 3).shape`` is ``(2, 3)``."""
    sizes = tuple(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand: the number of sizes {list(sizes)} is less than the tensor's dims {x.shape}")
    lead = len(sizes) - x.ndim
    if any(n < 0 for n in sizes[:lead]):
        raise RuntimeError(f"expand: the expanded size -1 isn't allowed in a leading, non-existing dimension; "
                           f"target sizes {list(sizes)}, tensor sizes {list(x.shape)}")
    target = list(sizes)
    for i, n in enumerate(x.shape):
        want = sizes[lead + i]
        if want == -1:
            target[lead + i] = n
        elif n != 1 and n != want:
            raise RuntimeError(
                f"expand: the expanded size {want} must match the existing size {n} at non-singleton "
                f"dimension {lead + i}; target sizes {list(sizes)}, tensor sizes {list(x.shape)}"
            )
    target = tuple(target)
    return x if target == x.shape else Expand.apply(x, target)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """``expand`` under NumPy's name. Example: ``mt.broadcast_to(mt.ones(1), (3,)).shape`` is ``(3,)``."""
    return expand(x, shape)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim (dtypes promote).

    Example:
        >>> import minitorch as mt
        >>> mt.cat([mt.zeros(1, 2), mt.ones(2, 2)]).shape
        (3, 2)
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat expects a non-empty list of tensors")
    tensors, _ = promote("cat", *tensors, broadcast=False)
    check_same_backend("cat", *tensors)
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; "
                               "use mt.stack or unsqueeze it first")
    axis = normalize_dim(dim, tensors[0].ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != len(first) or any(a != b for d, (a, b) in enumerate(zip(first, t.shape)) if d != axis):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {axis}; tensor 0 has shape "
                f"{first} and tensor {i} has shape {t.shape}"
            )
    return tensors[0] if len(tensors) == 1 else Cat.apply(axis, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new dim.

    Example:
        >>> import minitorch as mt
        >>> mt.stack([mt.ones(2), mt.zeros(2)]).shape
        (2, 2)
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack expects a non-empty list of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects tensors of equal shape, but tensor 0 has shape "
                               f"{tensors[0].shape} and tensor {i} has shape {t.shape}")
    axis = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(axis) for t in tensors], axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of size ``split_size`` (the last may be smaller) or of the given sizes.

    Example:
        >>> import minitorch as mt
        >>> [t.shape for t in mt.arange(5).split(2)]
        [(2,), (2,), (1,)]
    """
    axis = normalize_dim(dim, x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split: sizes {sizes} don't add up to the size {n} of dimension {axis}")
    lead = (slice(None),) * axis
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(x[lead + (slice(s, s + k),)] for s, k in zip(starts, sizes))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal pieces (fewer when too small). Example: ``mt.arange(6).chunk(3)``."""
    if chunks <= 0:
        raise ValueError(f"chunk expects a positive number of chunks, got {chunks}")
    n = x.shape[normalize_dim(dim, x.ndim)]
    if n == 0:  # as PyTorch: `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


def pad(x: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:
    """Constant padding, PyTorch order: ``(last_lo, last_hi, second_last_lo, ...)``.

    Example:
        >>> import minitorch as mt
        >>> mt.pad(mt.ones(2, 2), (1, 1)).shape
        (2, 4)
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2 * {x.ndim} entries")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported")
    if not any(pad):
        return clone(x)
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    widths = ((0, 0),) * (x.ndim - len(pairs)) + tuple(pairs)
    return Pad.apply(x, widths, value)
