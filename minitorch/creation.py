"""Creating tensors: from data, from NumPy, and filled with constants or ranges."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import DType, as_dtype, bool_, float64, from_numpy_dtype, get_default_dtype, int64
from .functions import resolve_backend, size_args
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "eye", "zeros_like", "ones_like", "full_like", "empty_like"]


def from_host(values: np.ndarray, dtype: DType, requires_grad: bool = False, backend: Any = None,
              device: Any = None) -> Tensor:
    """A tensor on the chosen backend holding a NumPy array already of ``dtype``."""
    b = resolve_backend(backend, device)
    if dtype.name not in b.dtypes:
        raise TypeError(f"backend {b.name!r} does not support {dtype}; it supports {', '.join(b.dtypes)}")
    t = Tensor(b.from_numpy(values), dtype, b)
    if requires_grad:
        t.requires_grad_()
    return t


def _infer_dtype(arr: np.ndarray, from_python: bool) -> DType:
    """PyTorch's choice for data: Python floats -> default float, ints -> int64, bools -> bool."""
    kind = arr.dtype.kind
    if kind == "b":
        return bool_
    if kind in "iu":
        return int64
    if kind == "f":
        if from_python:
            return get_default_dtype()
        return float64 if arr.dtype == np.float64 else get_default_dtype()
    raise TypeError(f"can't make a tensor from data of dtype {arr.dtype}; use numbers, bools or numeric arrays")


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None,
           device: Any = None) -> Tensor:
    """A new tensor copying ``data`` (numbers, nested lists, NumPy arrays or tensors).

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([[1, 2], [3, 4]]).dtype
        minitorch.int64
        >>> mt.tensor(2.5, requires_grad=True)
        tensor(2.5, requires_grad=True)
    """
    if isinstance(data, Tensor):
        values = data.detach()._backend.to_numpy(data._data)
        from_python = False
    else:
        from_python = not isinstance(data, np.ndarray) and not isinstance(data, np.generic)
        if from_python:
            _reject_tensors_inside(data)
        try:
            values = np.array(data)
        except ValueError as exc:
            raise ValueError(f"can't make a tensor from ragged nested sequences: {exc}") from None
    d = as_dtype(dtype) if dtype is not None else (
        data.dtype if isinstance(data, Tensor) else _infer_dtype(values, from_python))
    return from_host(np.array(values, dtype=d.numpy, copy=True), d, requires_grad, backend, device)


def _reject_tensors_inside(data: Any) -> None:
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, Tensor) for x in data):
        raise TypeError("mt.tensor got a list of tensors; use mt.stack(list) to combine them")


def as_tensor(data: Any, dtype: Any = None, backend: Any = None) -> Tensor:
    """``data`` as a tensor, without copying when it already is one of that dtype and backend.

    Example:
        >>> import minitorch as mt
        >>> t = mt.ones(2)
        >>> mt.as_tensor(t) is t
        True
    """
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, backend=backend) if (dtype or backend) else data
    return tensor(data, dtype=dtype, backend=backend)


def from_numpy(array: np.ndarray, backend: Any = None) -> Tensor:
    """A tensor sharing memory with a NumPy array (on the numpy backend) and keeping its dtype.

    Example:
        >>> import numpy as np, minitorch as mt
        >>> a = np.zeros(3)
        >>> t = mt.from_numpy(a); a[0] = 5
        >>> t
        tensor([5., 0., 0.], dtype=minitorch.float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtype = from_numpy_dtype(array.dtype)
    if dtype is None:
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}; minitorch supports bool, int64, "
                        "float32 and float64 (convert with array.astype(...) first)")
    return from_host(array, dtype, backend=backend)


def _filled(size: tuple, value: Any, dtype: Any, requires_grad: bool, backend: Any, device: Any) -> Tensor:
    shape = size_args(size)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"trying to create tensor with negative dimension: {shape}")
    d = as_dtype(dtype) if dtype is not None else _infer_dtype(np.asarray(value), True)
    b = resolve_backend(backend, device)
    t = Tensor(b.full(shape, value, d.name), d, b)
    return t.requires_grad_() if requires_grad else t


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None,
          device: Any = None) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``). Example: ``mt.zeros(2, 3).shape`` is ``(2, 3)``."""
    return _filled(size, 0.0 if dtype is None else 0, dtype, requires_grad, backend, device)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None,
         device: Any = None) -> Tensor:
    """A tensor of ones. Example: ``mt.ones(2, dtype=mt.int64)`` gives ``tensor([1, 1])``."""
    return _filled(size, 1.0 if dtype is None else 1, dtype, requires_grad, backend, device)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None,
          device: Any = None) -> Tensor:
    """An uninitialised tensor (zero-filled here). Example: ``mt.empty(3).shape`` is ``(3,)``."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, backend=backend, device=device)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False, backend: Any = None,
         device: Any = None) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value as in PyTorch.

    Example:
        >>> import minitorch as mt
        >>> mt.full((2,), 7)
        tensor([7, 7])
    """
    size = (size,) if isinstance(size, int) else size
    return _filled(tuple(size), fill_value, dtype, requires_grad, backend, device)


def arange(start: float, end: float | None = None, step: float = 1, *, dtype: Any = None,
           requires_grad: bool = False, backend: Any = None, device: Any = None) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments.

    Example:
        >>> import minitorch as mt
        >>> mt.arange(1, 7, 2)
        tensor([1, 3, 5])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    d = as_dtype(dtype) if dtype is not None else (int64 if is_int else get_default_dtype())
    return from_host(np.arange(start, end, step).astype(d.numpy), d, requires_grad, backend, device)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, requires_grad: bool = False,
             backend: Any = None, device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import minitorch as mt
        >>> mt.linspace(0, 1, 5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    d = as_dtype(dtype) if dtype is not None else get_default_dtype()
    return from_host(np.linspace(start, end, steps).astype(d.numpy), d, requires_grad, backend, device)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False,
        backend: Any = None, device: Any = None) -> Tensor:
    """The identity matrix (``n`` x ``m``). Example: ``mt.eye(2)`` gives ``tensor([[1., 0.], [0., 1.]])``."""
    d = as_dtype(dtype) if dtype is not None else get_default_dtype()
    return from_host(np.eye(n, m, dtype=d.numpy), d, requires_grad, backend, device)


def _like(t: Tensor, dtype: Any, requires_grad: bool, value: Any) -> Tensor:
    return _filled(t.shape, value, dtype or t.dtype, requires_grad, t._backend, None)


def zeros_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape, dtype and backend. Example: ``mt.zeros_like(mt.ones(2))``."""
    return _like(t, dtype, requires_grad, 0)


def ones_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape, dtype and backend. Example: ``mt.ones_like(mt.zeros(2))``."""
    return _like(t, dtype, requires_grad, 1)


def empty_like(t: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised (zeroed) tensor like ``t``. Example: ``mt.empty_like(mt.ones(2))``."""
    return _like(t, dtype, requires_grad, 0)


def full_like(t: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``t``'s shape, dtype and backend. Example: ``mt.full_like(mt.ones(2), 3)``."""
    return _like(t, dtype, requires_grad, fill_value)
