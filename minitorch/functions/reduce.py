"""Reductions (sum, mean, max, prod, var, ...) and softmax/log-softmax along a dim."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import autograd
from ..dtypes import DType, bool_, get_default_dtype, int64
from ..tensor import Tensor
from ._common import cast, normalize_dim, normalize_dims
from .elementwise import exp, log, sqrt, where

Dims = int | Sequence[int] | None
MaxResult = namedtuple("MaxResult", ["values", "indices"])
MinResult = namedtuple("MinResult", ["values", "indices"])


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _grad_to_input(g: Tensor, x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """A reduction's output gradient reshaped with kept dims and broadcast to ``x``."""
    return g.reshape(_kept_shape(x.shape, axes)).expand(x.shape)


class Sum(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        return x._new(x._backend.reduce("sum", x._data, axes, keepdim))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, axes, _ = ctx._inputs
        return _grad_to_input(g, x, axes), None, None


class _Extreme(autograd.Function):
    """amax/amin: the gradient is shared evenly among tied extremes (as PyTorch)."""

    op = ""

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        y = x._new(x._backend.reduce(cls.op, x._data, axes, keepdim))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        _, axes, _ = ctx._inputs
        hit = (x == _grad_to_input(y, x, axes)).to(g.dtype)
        count = hit.sum(dim=axes, keepdim=True)
        return _grad_to_input(g, x, axes) * hit / count, None, None


class Amax(_Extreme):
    op = "max"


class Amin(_Extreme):
    op = "min"


class ExtremeAlongDim(autograd.Function):
    """max/min along one dim with indices; the gradient goes to the index found."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, op: str, axis: int, keepdim: bool) -> tuple[Tensor, Tensor]:
        b = x._backend
        values = x._new(b.reduce(op, x._data, (axis,), keepdim))
        indices = b.arg_reduce("arg" + op, x._data, axis)
        if keepdim:
            indices = b.reshape(indices, _kept_shape(x.shape, (axis,)))
        indices = x._new(indices, int64)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx: Any, g: Tensor, _: Tensor) -> tuple:
        x, _, axis, _ = ctx._inputs
        (indices,) = ctx.saved_tensors
        return _scatter_along(g, indices, x, axis), None, None, None


def _scatter_along(g: Tensor, indices: Tensor, x: Tensor, axis: int) -> Tensor:
    """``g`` placed at ``indices`` along ``axis`` of a zero tensor shaped like ``x``."""
    positions = np.arange(x.shape[axis]).reshape([-1] + [1] * (x.ndim - axis - 1))
    positions = x._new(x._backend.from_numpy(positions), int64)
    kept = _kept_shape(x.shape, (axis,))
    one_hot = positions == indices.reshape(kept)
    return where(one_hot, g.reshape(kept), 0)


class Prod(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
        y = x._new(x._backend.reduce("prod", x._data, axes, keepdim))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        # d prod / d x_i is the product of the others; with zeros present, that is the
        # product of the non-zero entries at the single zero and 0 everywhere else.
        x, y = ctx.saved_tensors
        _, axes, _ = ctx._inputs
        is_zero = x == 0
        zeros = is_zero.long().sum(dim=axes, keepdim=True)
        others_nonzero = Prod.apply(where(is_zero, 1, x), axes, True)
        y_kept = _grad_to_input(y, x, axes)
        no_zero = where(is_zero, 0, y_kept / where(is_zero, 1, x))
        one_zero = where(is_zero, others_nonzero, 0)
        grad = where(zeros == 0, no_zero, where(zeros == 1, one_zero, 0))
        return _grad_to_input(g, x, axes) * grad, None, None


class Softmax(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, axis: int) -> Tensor:
        y = x._new(x._backend.softmax(x._data, axis))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (y,) = ctx.saved_tensors
        axis = ctx._inputs[1]
        return y * (g - (g * y).sum(dim=axis, keepdim=True)), None


class LogSoftmax(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, axis: int) -> Tensor:
        y = x._new(x._backend.log_softmax(x._data, axis))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (y,) = ctx.saved_tensors
        axis = ctx._inputs[1]
        return g - exp(y) * g.sum(dim=axis, keepdim=True), None


# ---- the public functions --------------------------------------------------------
def sum(x: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: DType | None = None) -> Tensor:
    """Sum over ``dim`` (int, tuple, or all); integers and bools sum to int64.

    Example:
        >>> import minitorch as mt
        >>> mt.sum(mt.tensor([[1, 2], [3, 4]]), dim=0)
        tensor([4, 6])
    """
    if dtype is not None:
        x = x.to(dtype)
    elif not x.dtype.is_floating_point:
        x = cast(x, int64)
    return Sum.apply(x, normalize_dims(dim, x.ndim), keepdim)


def mean(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over ``dim``; floating tensors only, as in PyTorch.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([1.0, 2.0, 6.0]).mean()
        tensor(3.)
    """
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"mean(): input dtype must be floating point, got {x.dtype}")
    axes = normalize_dims(dim, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    return Sum.apply(x, axes, keepdim) / count


def amax(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Maximum over ``dim``; ties share the gradient. Example: ``mt.amax(mt.tensor([1, 5]))``."""
    _check_nonempty("amax", x, dim)
    return Amax.apply(x, normalize_dims(dim, x.ndim), keepdim)


def amin(x: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Minimum over ``dim``; ties share the gradient. Example: ``mt.amin(mt.tensor([1, 5]))``."""
    _check_nonempty("amin", x, dim)
    return Amin.apply(x, normalize_dims(dim, x.ndim), keepdim)


def _check_nonempty(op: str, x: Tensor, dim: Dims) -> None:
    if x.numel() == 0:
        raise RuntimeError(f"{op}(): cannot reduce an empty tensor of shape {x.shape} (dim={dim})")


def _extreme(op: str, x: Tensor, dim: Any, keepdim: bool) -> Any:
    from .elementwise import maximum, minimum

    if isinstance(dim, Tensor):  # mt.max(a, b) is the elementwise maximum
        return (maximum if op == "max" else minimum)(x, dim)
    if dim is None:
        return (amax if op == "max" else amin)(x)
    _check_nonempty(op, x, dim)
    if x.ndim == 0:  # as PyTorch: a 0-d tensor is its own extreme along dim 0 (or -1), at index 0
        normalize_dim(dim, 0)
        x, keepdim = x.reshape(1), False
    values, indices = ExtremeAlongDim.apply(x, op, normalize_dim(dim, x.ndim), keepdim)
    return (MaxResult if op == "max" else MinResult)(values, indices)


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The largest value; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``maximum``.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([[1, 5], [7, 2]]).max(dim=1)
        MaxResult(values=tensor([5, 7]), indices=tensor([1, 0]))
    """
    return _extreme("max", x, dim, keepdim)


def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The smallest value; with ``dim``, a ``(values, indices)`` pair; with a tensor, ``minimum``.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([3.0, 1.0]).min()
        tensor(1.)
    """
    return _extreme("min", x, dim, keepdim)


def _arg(op: str, x: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    _check_nonempty(op, x, dim)
    if dim is None:
        flat = x.reshape(-1)
        out = x._new(x._backend.arg_reduce(op, flat._data, 0), int64)
        return out.reshape((1,) * x.ndim) if keepdim else out
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:  # backends reduce over real axes only
        return _arg(op, x, None, False)
    out = x._new(x._backend.arg_reduce(op, x._data, axis), int64)
    return out.reshape(_kept_shape(x.shape, (axis,))) if keepdim else out


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) largest value. Example: ``mt.argmax(mt.tensor([1, 9, 3]))`` is ``tensor(1)``."""
    return _arg("argmax", x, dim, keepdim)


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) smallest value. Example: ``mt.argmin(mt.tensor([4, 0, 3]))`` is ``tensor(1)``."""
    return _arg("argmin", x, dim, keepdim)


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product over one dim or all; correct gradients with zeros present.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([2.0, 3.0, 4.0]).prod()
        tensor(24.)
    """
    if not x.dtype.is_floating_point:
        x = cast(x, int64)
    axes = normalize_dims(None if dim is None else normalize_dim(dim, x.ndim), x.ndim)
    return Prod.apply(x, axes, keepdim)


def _correction(unbiased: bool | None, correction: int | None) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def var(x: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """Variance with Bessel's ``correction`` (default 1, as PyTorch).

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([1.0, 2.0, 3.0, 4.0]).var()
        tensor(1.6667)
    """
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"var(): input dtype must be floating point, got {x.dtype}")
    axes = normalize_dims(dim, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    centered = x - mean(x, axes, keepdim=True)
    return (centered * centered).sum(dim=axes, keepdim=keepdim) / (count - _correction(unbiased, correction))


def std(x: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """Standard deviation: the square root of ``var``. Example: ``mt.tensor([1.0, 3.0]).std()``."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def logsumexp(x: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, stable for large magnitudes.

    Example:
        >>> import minitorch as mt
        >>> mt.logsumexp(mt.tensor([1e4, 1e4], dtype=mt.float64), dim=0)
        tensor(10000.6931, dtype=minitorch.float64)
    """
    if not x.dtype.is_floating_point:
        x = cast(x, get_default_dtype())
    axes = normalize_dims(dim, x.ndim)
    shift = amax(x.detach(), axes, keepdim=True)
    shift = where(shift.abs() == float("inf"), 0, shift)
    out = log(exp(x - shift).sum(dim=axes, keepdim=True)) + shift
    return out if keepdim else out.squeeze(axes)


def _float_input(x: Tensor) -> Tensor:
    return x if x.dtype.is_floating_point else cast(x, get_default_dtype())


def softmax(x: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, stable for large magnitudes.

    Example:
        >>> import minitorch as mt
        >>> mt.softmax(mt.tensor([0.0, 0.0]), dim=0)
        tensor([0.5, 0.5])
    """
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:  # backends reduce over real axes only: go through a 1-element vector
        return softmax(x.reshape(1), 0).reshape(())
    return Softmax.apply(_float_input(x), axis)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``. Example: ``mt.log_softmax(mt.zeros(2), dim=0)``."""
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:  # backends reduce over real axes only: go through a 1-element vector
        return log_softmax(x.reshape(1), 0).reshape(())
    return LogSoftmax.apply(_float_input(x), axis)


def _count_true(x: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    return sum(x if x.dtype is bool_ else x != 0, dim, keepdim)


def all(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``) is true (non-zero). Example: ``(mt.ones(2) > 0).all()``."""
    return _count_true(x == 0 if x.dtype is not bool_ else ~x, dim, keepdim) == 0


def any(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``) is true (non-zero). Example: ``(mt.ones(2) > 1).any()``."""
    return _count_true(x, dim, keepdim) > 0
