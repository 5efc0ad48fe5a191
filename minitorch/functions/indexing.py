"""Indexing as PyTorch does it: ints, slices, None, ..., integer tensors and bool masks."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..dtypes import bool_, int64
from ..tensor import Tensor
from ._common import as_tensor_like, check_inplace


class Index(autograd.Function):
    """``x[key]`` for a normalised key; the gradient is scattered back (and accumulated)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, key: tuple) -> Tensor:
        return x._new(x._backend.index(x._data, key))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, key = ctx._inputs
        return IndexAddInto.apply(g, x.shape, key), None


class IndexAddInto(autograd.Function):
    """Zeros of ``shape`` with ``g`` added at ``key``; the inverse of ``Index``."""

    @staticmethod
    def forward(ctx: Any, g: Tensor, shape: tuple[int, ...], key: tuple) -> Tensor:
        b = g._backend
        out = b.full(shape, 0, g.dtype.name)
        b.index_add(out, key, g._data)
        return g._new(out)

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> tuple:
        return Index.apply(gg, ctx._inputs[2]), None, None


def _as_index_tensor(entry: Any, x: Tensor) -> Tensor | None:
    if isinstance(entry, Tensor):
        return entry
    if isinstance(entry, (list, np.ndarray)):
        arr = np.asarray(entry)
        if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer):
            return as_tensor_like(arr.astype(np.int64) if arr.dtype != np.bool_ else arr, x)
        raise IndexError(f"tensors used as indices must be integer or bool, got {arr.dtype}")
    return None


def _normalize_key(x: Tensor, key: Any) -> tuple[Tensor, tuple]:
    """Resolve ``...``, ``None`` (as size-1 dims), masks and negative/out-of-range indices."""
    key = key if isinstance(key, tuple) else (key,)
    entries = []
    for k in key:
        t = _as_index_tensor(k, x)
        entries.append(t if t is not None else k)
    consumed = sum(e.ndim if isinstance(e, Tensor) and e.dtype is bool_ else 0 if e is None or e is Ellipsis else 1
                   for e in entries)
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {consumed})")
    if Ellipsis in [e for e in entries if not isinstance(e, Tensor)]:
        at = next(i for i, e in enumerate(entries) if e is Ellipsis)
        entries[at:at + 1] = [slice(None)] * (x.ndim - consumed)

    out, dim = [], 0
    for e in entries:
        if e is None:
            x = x.unsqueeze(dim)
            out.append(slice(0, 1, 1))
            dim += 1
        elif isinstance(e, slice):
            start, stop, step = e.indices(x.shape[dim])
            if step <= 0:
                raise ValueError(f"step must be greater than zero, got {e.step}")
            out.append(slice(start, stop, step))
            dim += 1
        elif isinstance(e, Tensor) and e.dtype is bool_:
            expected = x.shape[dim:dim + e.ndim]
            if e.shape != expected:
                raise IndexError(f"the shape of the mask {e.shape} at index {dim} does not match the shape "
                                 f"of the indexed tensor {expected}")
            for positions in np.nonzero(e._backend.to_numpy(e._data)):
                out.append(x._backend.from_numpy(positions.astype(np.int64)))
            dim += e.ndim
        elif isinstance(e, Tensor):
            if e.dtype is not int64:
                raise IndexError(f"tensors used as indices must be int64 or bool, got {e.dtype}")
            out.append(_checked_positions(x, dim, e._backend.to_numpy(e._data)))
            dim += 1
        elif isinstance(e, (int, np.integer)) and not isinstance(e, bool):
            size = x.shape[dim]
            if not -size <= e < size:
                raise IndexError(f"index {e} is out of bounds for dimension {dim} with size {size}")
            out.append(int(e) % size)
            dim += 1
        else:
            raise IndexError(f"unsupported index {e!r} of type {type(e).__name__}: use ints, slices, None, "
                             "..., integer tensors or bool masks")
    if any(isinstance(k, int) for k in out) and any(not isinstance(k, (int, slice)) for k in out):
        # As PyTorch (unlike NumPy): ints select first, so they never take part in placing the
        # dims of the tensor indices; x[0, :, idx] has shape (n1, len(idx)).
        x = Index.apply(x, tuple(k if isinstance(k, int) else slice(0, n, 1) for k, n in zip(out, x.shape)))
        out = [k for k in out if not isinstance(k, int)]
    return x, tuple(out)


def _checked_positions(x: Tensor, dim: int, positions: np.ndarray) -> Any:
    size = x.shape[dim]
    if positions.size and (positions.min() < -size or positions.max() >= size):
        bad = positions[(positions < -size) | (positions >= size)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    return x._backend.from_numpy(np.where(positions < 0, positions + size, positions))


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]``, differentiable; basic indexing gives views.

    Example:
        >>> import minitorch as mt
        >>> x = mt.arange(12).reshape(3, 4)
        >>> x[1:, mt.tensor([0, 3])]
        tensor([[ 4,  7],
                [ 8, 11]])
    """
    x, key = _normalize_key(x, key)
    return Index.apply(x, key)


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value`` in place (not recorded by autograd).

    Example:
        >>> import minitorch as mt
        >>> x = mt.zeros(3)
        >>> x[x == 0] = 2.0
        >>> x
        tensor([2., 2., 2.])
    """
    check_inplace(x)
    target, key = _normalize_key(x, key)
    if isinstance(value, Tensor):
        value = value.to(x.dtype, backend=x._backend)._data
    elif not isinstance(value, (int, float, bool)):
        value = as_tensor_like(value, x, dtype=x.dtype).to(x.dtype)._data
    x._backend.index_put(target._data, key, value)
    x._version += 1
