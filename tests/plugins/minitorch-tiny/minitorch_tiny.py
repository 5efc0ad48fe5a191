"""minitorch-tiny: a complete minimal backend plugin, implementing only the required primitives.

Its native array type is ``TinyArray``, a small wrapper around a NumPy array, so
anything in minitorch that used a tensor's data as a NumPy array would fail on
this backend. Every primitive unwraps its inputs, calls NumPy and wraps the
result. The optional fast paths (sigmoid, softmax, ...) are not overridden: the
generic versions of ``minitorch.backends.contract.Backend`` run instead.

Example:
    >>> import minitorch as mt
    >>> x = mt.tensor([1.0, 2.0], backend="tiny", requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad.tolist(), type(x.grad._data).__name__
    ([2.0, 4.0], 'TinyArray')
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minitorch.backends.contract import Backend

_DTYPES = {"bool": np.bool_, "int64": np.int64, "float32": np.float32, "float64": np.float64}
_UNARY = {"neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "reciprocal": np.reciprocal,
          "abs": np.abs, "sign": np.sign, "sin": np.sin, "cos": np.cos, "tanh": np.tanh}
_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "pow": np.power,
           "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "ne": np.not_equal,
           "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}
_REDUCE = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}


class TinyArray:
    """The native array of the tiny backend: it has a ``shape`` and nothing else NumPy-like."""

    __slots__ = ("a",)

    def __init__(self, a: np.ndarray) -> None:
        self.a = np.asarray(a)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    def __repr__(self) -> str:
        return f"TinyArray({self.a!r})"


def _np(x: Any) -> Any:
    """The NumPy array inside a TinyArray; Python scalars pass through."""
    return x.a if isinstance(x, TinyArray) else x


def _key(key: tuple) -> tuple:
    """An index key with its native int64 index arrays unwrapped."""
    return tuple(_np(k) for k in key)


class TinyBackend(Backend):
    """Only the required primitives of the contract, each one NumPy call between unwrap and wrap."""

    name = "tiny"
    device = "cpu"
    dtypes = ("bool", "int64", "float32", "float64")

    def from_numpy(self, array: np.ndarray) -> TinyArray:
        return TinyArray(np.array(array, copy=True))  # "moved to the device": no shared memory

    def to_numpy(self, x: TinyArray) -> np.ndarray:
        return np.array(x.a, copy=True)

    def full(self, shape: tuple[int, ...], value: Any, dtype: str) -> TinyArray:
        return TinyArray(np.full(shape, value, dtype=_DTYPES[dtype]))

    def unary(self, op: str, x: TinyArray) -> TinyArray:
        with np.errstate(all="ignore"):
            return TinyArray(_UNARY[op](x.a))

    def binary(self, op: str, a: Any, b: Any) -> TinyArray:
        with np.errstate(all="ignore"):
            return TinyArray(_BINARY[op](_np(a), _np(b)))

    def where(self, cond: TinyArray, a: Any, b: Any) -> TinyArray:
        return TinyArray(np.where(cond.a, _np(a), _np(b)))

    def astype(self, x: TinyArray, dtype: str) -> TinyArray:
        return TinyArray(x.a.astype(_DTYPES[dtype]))

    def reduce(self, op: str, x: TinyArray, axes: tuple[int, ...], keepdims: bool) -> TinyArray:
        return TinyArray(_REDUCE[op](x.a, axis=axes, keepdims=keepdims))

    def arg_reduce(self, op: str, x: TinyArray, axis: int) -> TinyArray:
        return TinyArray((np.argmax if op == "argmax" else np.argmin)(x.a, axis=axis))

    def matmul(self, a: TinyArray, b: TinyArray) -> TinyArray:
        return TinyArray(np.matmul(a.a, b.a))

    def reshape(self, x: TinyArray, shape: tuple[int, ...]) -> TinyArray:
        return TinyArray(x.a.reshape(shape))

    def permute(self, x: TinyArray, axes: tuple[int, ...]) -> TinyArray:
        return TinyArray(x.a.transpose(axes))

    def expand(self, x: TinyArray, shape: tuple[int, ...]) -> TinyArray:
        return TinyArray(np.broadcast_to(x.a, shape))

    def index(self, x: TinyArray, key: tuple) -> TinyArray:
        return TinyArray(x.a[_key(key)])

    def index_put(self, x: TinyArray, key: tuple, values: Any) -> None:
        x.a[_key(key)] = _np(values)

    def index_add(self, x: TinyArray, key: tuple, values: TinyArray) -> None:
        np.add.at(x.a, _key(key), values.a)  # accumulates repeated indices

    def concatenate(self, xs: list[TinyArray], axis: int) -> TinyArray:
        return TinyArray(np.concatenate([x.a for x in xs], axis=axis))

    def pad(self, x: TinyArray, widths: tuple[tuple[int, int], ...], value: float) -> TinyArray:
        return TinyArray(np.pad(x.a, widths, constant_values=value))

    def windows(self, x: TinyArray, size: tuple[int, ...], stride: tuple[int, ...],
                dilation: tuple[int, ...]) -> TinyArray:
        # Every window as wide as the dilated kernel; keep every stride-th window, every dilation-th element.
        k = len(size)
        span = tuple(d * (s - 1) + 1 for s, d in zip(size, dilation))
        w = sliding_window_view(x.a, span, axis=tuple(range(x.a.ndim - k, x.a.ndim)))
        every = [slice(None, None, n) for n in (*stride, *dilation)]
        return TinyArray(w[(..., *every)])

    def copy(self, x: TinyArray) -> TinyArray:
        return TinyArray(x.a.copy())


def factory() -> TinyBackend:
    """The entry point (``tiny = "minitorch_tiny:factory"`` in group ``minitorch.backends``)."""
    return TinyBackend()
