"""Conformance: the core's reductions and softmax ops: values against NumPy, gradients against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.testing import check_gradients
from minitorch.testing import strategies as mts

from ._support import assert_tensor, draw_dtype, draw_leaf, draw_tensor, require_dtypes


def _axes(dim: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """NumPy's ``axis`` for a minitorch ``dim`` (None: every dim)."""
    if dim is None:
        return tuple(range(ndim))
    return tuple(d % max(ndim, 1) for d in ((dim,) if isinstance(dim, int) else dim)) if ndim else ()


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def _logsumexp(x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else out.squeeze(axis)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# name: (minitorch call(t, dim, keepdim), NumPy reference(x, axes, keepdims), domain, distinct values,
#        dims accepted: "many" (None, int or tuple), "one" (None or int), "int")
REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), np.sum, "default", False, "many"),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), np.mean, "default", False, "many"),
    "prod": (lambda t, d, k: t.prod(d, keepdim=k), np.prod, "around_one", False, "one"),
    "amax": (lambda t, d, k: t.amax(d, keepdim=k), np.max, "default", True, "many"),
    "amin": (lambda t, d, k: t.amin(d, keepdim=k), np.min, "default", True, "many"),
    "max_dim": (lambda t, d, k: t.max(d, keepdim=k).values, np.max, "default", True, "int"),
    "min_dim": (lambda t, d, k: t.min(d, keepdim=k).values, np.min, "default", True, "int"),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k), _logsumexp, "default", False, "int_or_tuple"),
}


def _draw_dim(data: st.DataObject, kind: str, ndim: int) -> int | tuple[int, ...] | None:
    if kind == "many":
        return data.draw(mts.dims(ndim), label="dim")
    if kind == "one":
        return data.draw(mts.dims(ndim, allow_tuple=False), label="dim")
    if kind == "int":
        return data.draw(st.integers(-ndim, ndim - 1), label="dim")
    return data.draw(mts.dims(ndim, allow_none=False), label="dim")


@pytest.mark.parametrize("op", REDUCTIONS)
@given(data=st.data())
def test_reduction_values(backend_name, op, data):
    fn, reference, domain, distinct, dim_kind = REDUCTIONS[op]
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(min_dims=1 if dim_kind in ("int", "int_or_tuple") else 0), label="shape")
    dim = _draw_dim(data, dim_kind, len(shape))
    keepdim = data.draw(st.booleans(), label="keepdim")
    x, host = draw_tensor(data, backend_name, shape, dtype, domain, distinct)
    expected = reference(host.astype(np.float64), axis=_axes(dim, len(shape)), keepdims=keepdim)
    assert_tensor(fn(x, dim, keepdim), expected, dtype, backend_name)


@pytest.mark.parametrize("op", REDUCTIONS)
@given(data=st.data())
def test_reduction_gradients(backend_name, op, data):
    require_dtypes(backend_name, "float64")
    fn, _, domain, distinct, dim_kind = REDUCTIONS[op]
    shape = data.draw(mts.shapes(min_dims=1 if dim_kind in ("int", "int_or_tuple") else 0, max_side=3), label="shape")
    dim = _draw_dim(data, dim_kind, len(shape))
    keepdim = data.draw(st.booleans(), label="keepdim")
    x, _ = draw_leaf(data, backend_name, shape, domain=domain, distinct=distinct)
    check_gradients(lambda t: fn(t, dim, keepdim), [x])


@pytest.mark.parametrize("which", ["max", "min"])
@given(data=st.data())
def test_max_min_along_dim_indices_first_of_ties(backend_name, which, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x, host = draw_tensor(data, backend_name, shape, dtype, "grid")  # a grid: many ties
    values, indices = getattr(x, which)(dim, keepdim=keepdim)
    reduce, arg = (np.max, np.argmax) if which == "max" else (np.min, np.argmin)
    axis = dim % len(shape)
    assert_tensor(values, reduce(host, axis=axis, keepdims=keepdim), dtype, backend_name)
    expected = arg(host, axis=axis)
    assert_tensor(indices, np.expand_dims(expected, axis) if keepdim else expected, "int64", backend_name)


@pytest.mark.parametrize("which", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin(backend_name, which, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    shape = data.draw(mts.shapes(), label="shape")
    dim = data.draw(mts.dims(len(shape), allow_tuple=False), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    x, host = draw_tensor(data, backend_name, shape, dtype, "grid")
    reference = getattr(np, which)
    if dim is None:  # the index into the flattened tensor
        expected = np.asarray(reference(host))
        expected = expected.reshape((1,) * host.ndim) if keepdim else expected
    else:
        expected = reference(host.reshape(host.shape or (1,)), axis=dim % max(host.ndim, 1), keepdims=keepdim)
        expected = expected.reshape(()) if not host.ndim else expected
    assert_tensor(getattr(mt, which)(x, dim, keepdim), expected, "int64", backend_name)


@pytest.mark.parametrize("which", ["var", "std"])
@given(data=st.data())
def test_var_std_values(backend_name, which, data):
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(), label="shape")
    dim = data.draw(mts.dims(len(shape)), label="dim")
    correction = data.draw(st.sampled_from([0, 1]), label="correction")
    keepdim = data.draw(st.booleans(), label="keepdim")
    axes = _axes(dim, len(shape))
    assume(_count(shape, axes) > correction)
    x, host = draw_tensor(data, backend_name, shape, dtype)
    expected = getattr(np, which)(host.astype(np.float64), axis=axes, ddof=correction, keepdims=keepdim)
    assert_tensor(getattr(x, which)(dim, keepdim=keepdim, correction=correction), expected, dtype, backend_name)


@pytest.mark.parametrize("which", ["var", "std"])
@given(data=st.data())
def test_var_std_gradients(backend_name, which, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(max_side=3), label="shape")
    dim = data.draw(mts.dims(len(shape)), label="dim")
    correction = data.draw(st.sampled_from([0, 1]), label="correction")
    axes = _axes(dim, len(shape))
    assume(_count(shape, axes) > max(correction, 1))  # std has no derivative where all values are equal
    x, _ = draw_leaf(data, backend_name, shape, distinct=True)
    check_gradients(lambda t: getattr(t, which)(dim, correction=correction), [x])


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_values(backend_name, which, data):
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    domain = data.draw(st.sampled_from(["default", "large"]), label="domain")  # large: stability
    x, host = draw_tensor(data, backend_name, shape, dtype, domain)
    expected = _softmax(host.astype(np.float64), dim)
    if which == "log_softmax":
        expected = host.astype(np.float64) - _logsumexp(host.astype(np.float64), (dim % len(shape),), True)
    assert_tensor(getattr(mt, which)(x, dim), expected, dtype, backend_name)


@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_gradients(backend_name, which, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(min_dims=1, max_side=3), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    x, _ = draw_leaf(data, backend_name, shape)
    check_gradients(lambda t: getattr(t, which)(dim), [x])


@pytest.mark.parametrize("which", ["all", "any"])
@given(data=st.data())
def test_all_any(backend_name, which, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(), label="shape")
    dim = data.draw(mts.dims(len(shape), allow_tuple=False), label="dim")
    keepdim = dim is not None and bool(shape) and data.draw(st.booleans(), label="keepdim")
    x, host = draw_tensor(data, backend_name, shape, dtype, mts.Domain(-1, 1, grid=1.0))  # many zeros
    axis = None if dim is None or not shape else dim % len(shape)
    expected = getattr(np, which)(host, axis=axis, keepdims=keepdim)
    assert_tensor(getattr(x, which)(dim, keepdim=keepdim), expected, "bool", backend_name)
