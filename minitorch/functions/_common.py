"""Helpers every operation shares: argument normalisation, promotion, broadcasting checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import autograd
from ..backends import get_backend
from ..backends.contract import Backend
from ..dtypes import DType, get_default_dtype, result_type
from ..tensor import Tensor

Scalar = (int, float, bool)
_DEVICE_ALIASES = {"cpu": "numpy", "cuda": "cupy"}


def normalize_dim(dim: int, ndim: int) -> int:
    """``dim`` as a non-negative axis of an ``ndim``-dimensional tensor, or IndexError."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})")
    return dim % bound


def normalize_dims(dim: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Sorted non-negative axes for a reduction; None or () means every axis."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return tuple(range(ndim))
    axes = tuple(sorted({normalize_dim(d, ndim) for d in dims}))
    if len(axes) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return axes if ndim else ()


def size_args(args: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    try:
        return tuple(int(a) for a in args)
    except TypeError:
        raise TypeError(f"sizes must be integers, got {args!r}") from None


def resolve_backend(backend: str | Backend | None, device: str | None = None,
                    current: Backend | None = None) -> Backend:
    """The backend named by ``backend`` or a PyTorch-style ``device`` ('cpu', 'cuda')."""
    if backend is None and device is not None:
        device = str(device)
        if current is not None and device == current.device:
            return current
        backend = _DEVICE_ALIASES.get(device.split(":")[0], device)
    if backend is None:
        return current if current is not None else get_backend(None)
    return get_backend(backend)


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of ``shapes`` by NumPy rules, or an error naming the op and both shapes."""
    result = list(shapes[0])
    for shape in shapes[1:]:
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        offset = len(result) - len(shape)
        for i, n in enumerate(shape):
            m = result[offset + i]
            if m == 1:
                result[offset + i] = n
            elif n != 1 and n != m:
                raise RuntimeError(
                    f"{op}: shapes {tuple(shapes[0])} and {tuple(shape)} cannot be broadcast together "
                    f"(size {m} vs {n} at dim {offset + i})"
                )
    return tuple(result)


def check_same_backend(op: str, *tensors: Tensor) -> Backend:
    backend = tensors[0]._backend
    for t in tensors[1:]:
        if t._backend is not backend:
            raise RuntimeError(
                f"{op}: expected all tensors on the same backend, but found at least two backends, "
                f"{backend.name!r} and {t._backend.name!r}; move one with .to({backend.name!r})"
            )
    return backend


def as_scalar(value: Any, op: str) -> int | float | bool:
    if isinstance(value, Scalar):
        return value
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{op}: unsupported operand type {type(value).__name__}; expected a Tensor or a Python number")


def promote(op: str, *operands: Any, float_only: bool = False, broadcast: bool = True) -> tuple[list, DType]:
    """Tensors and scalars converted to one dtype (PyTorch's rules) on one backend.

    With ``broadcast``, the tensors' shapes must also broadcast together.
    """
    items = [x if isinstance(x, Tensor) else as_scalar(x, op) for x in operands]
    tensors = [x for x in items if isinstance(x, Tensor)]
    if not tensors:
        raise TypeError(f"{op}: at least one operand must be a Tensor")
    dtype = result_type(*items)
    if float_only and not dtype.is_floating_point:
        dtype = get_default_dtype()
    if len(tensors) > 1:
        check_same_backend(op, *tensors)
        shapes = [t.shape for t in tensors]
        if broadcast and any(s != shapes[0] for s in shapes[1:]):
            broadcast_shapes(op, *shapes)
    out = []
    for x in items:
        if isinstance(x, Tensor):
            out.append(x if x.dtype is dtype else cast(x, dtype))
        else:
            out.append(float(x) if dtype.is_floating_point and not isinstance(x, float) else x)
    return out, dtype


def as_tensor_like(value: Any, like: Tensor, dtype: DType | None = None) -> Tensor:
    """``value`` (Tensor, number or array-like) as a tensor on ``like``'s backend."""
    if isinstance(value, Tensor):
        return value
    from ..creation import tensor

    return tensor(value, dtype=dtype or (like.dtype if isinstance(value, Scalar) else None), backend=like._backend)


def check_inplace(t: Tensor) -> None:
    if autograd.is_grad_enabled() and t.requires_grad:
        if t.is_leaf:
            raise RuntimeError(
                "a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap the update in `with mt.no_grad():`"
            )
        raise RuntimeError(
            "in-place operations on tensors recorded for autograd are not supported; "
            "use the out-of-place operation instead"
        )


class Cast(autograd.Function):
    """Convert to another dtype; the gradient converts back."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, dtype: DType) -> Tensor:
        return x._new(x._backend.astype(x._data, dtype.name), dtype)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g.to(ctx._inputs[0].dtype), None


def cast(x: Tensor, dtype: DType) -> Tensor:
    return x if x.dtype is dtype else Cast.apply(x, dtype)


class ToBackend(autograd.Function):
    """Move data to another backend (through NumPy on the host); the gradient moves back."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, target: Backend) -> Tensor:
        return Tensor(target.from_numpy(x._backend.to_numpy(x._data)), x.dtype, target)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g.to(ctx._inputs[0]._backend), None


def to_backend(x: Tensor, target: Backend) -> Tensor:
    return x if x._backend is target else ToBackend.apply(x, target)
