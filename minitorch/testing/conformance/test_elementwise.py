"""Conformance: the core's elementwise ops: values against NumPy, gradients against central differences."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.testing import check_gradients
from minitorch.testing import strategies as mts

from ._support import assert_tensor, draw_dtype, draw_leaf, draw_tensor, require_dtypes, tensor

# name: (minitorch function, NumPy reference, input domain)
UNARY = {
    "neg": (operator.neg, np.negative, "default"),
    "exp": (mt.exp, np.exp, "exp"),
    "log": (mt.log, np.log, "log"),
    "sqrt": (mt.sqrt, np.sqrt, "positive"),
    "reciprocal": (mt.reciprocal, np.reciprocal, "nonzero"),
    "abs": (mt.abs, np.abs, "nonzero"),
    "sign": (mt.sign, np.sign, "nonzero"),
    "sin": (mt.sin, np.sin, "default"),
    "cos": (mt.cos, np.cos, "default"),
    "tanh": (mt.tanh, np.tanh, "wide"),
    "sigmoid": (mt.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "wide"),
    "relu": (mt.relu, lambda x: np.maximum(x, 0), "nonzero"),
    "square": (lambda t: t.square(), np.square, "default"),
}
# name: (minitorch function, NumPy reference, domain of a, domain of b)
BINARY = {
    "add": (operator.add, np.add, "default", "default"),
    "sub": (operator.sub, np.subtract, "default", "default"),
    "mul": (operator.mul, np.multiply, "default", "default"),
    "div": (operator.truediv, np.true_divide, "default", "nonzero"),
    "pow": (operator.pow, np.power, "pow_base", "pow_exponent"),
    # on a grid: exact ties, where both sides get half the gradient (as PyTorch, and as central differences)
    "maximum": (mt.maximum, np.maximum, "grid", "grid"),
    "minimum": (mt.minimum, np.minimum, "grid", "grid"),
}
COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
               "gt": operator.gt, "ge": operator.ge}
LOGICAL = {"and": (operator.and_, np.logical_and), "or": (operator.or_, np.logical_or),
           "xor": (operator.xor, np.logical_xor)}


def _python_scalar(data: st.DataObject, domain: str) -> float:
    return float(data.draw(mts.elements("float64", domain), label="python scalar"))


# ---- unary -----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", UNARY)
@given(data=st.data())
def test_unary_values(backend_name, op, data):
    fn, reference, domain = UNARY[op]
    dtype = draw_dtype(data, backend_name)
    x, host = draw_tensor(data, backend_name, data.draw(mts.shapes(), label="shape"), dtype, domain)
    assert_tensor(fn(x), reference(host.astype(np.float64)), dtype, backend_name)


@pytest.mark.parametrize("op", UNARY)
@given(data=st.data())
def test_unary_gradients(backend_name, op, data):
    require_dtypes(backend_name, "float64")
    fn, _, domain = UNARY[op]
    x, _ = draw_leaf(data, backend_name, data.draw(mts.shapes(max_side=3), label="shape"), domain=domain)
    check_gradients(fn, [x])


# ---- binary, with broadcasting and Python scalars --------------------------------------------
@pytest.mark.parametrize("op", BINARY)
@given(data=st.data())
def test_binary_values(backend_name, op, data):
    fn, reference, dom_a, dom_b = BINARY[op]
    dtype = draw_dtype(data, backend_name)
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(), label="shapes")
    scalar = data.draw(st.sampled_from([None, "a", "b"]), label="python scalar operand")
    if scalar == "a":
        a = host_a = _python_scalar(data, dom_a)
    else:
        a, host_a = draw_tensor(data, backend_name, shape_a, dtype, dom_a)
    if scalar == "b":
        b = host_b = _python_scalar(data, dom_b)
    else:
        b, host_b = draw_tensor(data, backend_name, shape_b, dtype, dom_b)
    if op in ("maximum", "minimum") and scalar:  # tensors only, as in PyTorch
        a, b = (tensor(np.asarray(v, dtype), backend_name) if isinstance(v, float) else v for v in (a, b))
    expected = reference(np.asarray(host_a, np.float64), np.asarray(host_b, np.float64))
    assert_tensor(fn(a, b), expected, dtype, backend_name)


@pytest.mark.parametrize("op", BINARY)
@given(data=st.data())
def test_binary_gradients(backend_name, op, data):
    require_dtypes(backend_name, "float64")
    fn, _, dom_a, dom_b = BINARY[op]
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(max_side=3), label="shapes")
    a, _ = draw_leaf(data, backend_name, shape_a, domain=dom_a)
    b, _ = draw_leaf(data, backend_name, shape_b, domain=dom_b)
    check_gradients(fn, [a, b])
    if op not in ("maximum", "minimum"):  # and with a Python scalar on either side
        s = _python_scalar(data, dom_b)
        check_gradients(lambda t: fn(t, s), [a])
        s = _python_scalar(data, dom_a)
        check_gradients(lambda t: fn(s, t), [b])


# ---- comparisons and logic (not differentiable) -----------------------------------------------
@pytest.mark.parametrize("op", COMPARISONS)
@given(data=st.data())
def test_comparisons(backend_name, op, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(), label="shapes")
    a, host_a = draw_tensor(data, backend_name, shape_a, dtype, "grid")
    b, host_b = draw_tensor(data, backend_name, shape_b, dtype, "grid")
    compare = COMPARISONS[op]
    assert_tensor(compare(a, b), compare(host_a, host_b), "bool", backend_name)
    assert_tensor(compare(a, 1), compare(host_a, np.asarray(1).astype(dtype)), "bool", backend_name)


@pytest.mark.parametrize("op", LOGICAL)
@given(data=st.data())
def test_logical(backend_name, op, data):
    require_dtypes(backend_name, "bool")
    fn, reference = LOGICAL[op]
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(), label="shapes")
    a, host_a = draw_tensor(data, backend_name, shape_a, "bool")
    b, host_b = draw_tensor(data, backend_name, shape_b, "bool")
    assert_tensor(fn(a, b), reference(host_a, host_b), "bool", backend_name)
    assert_tensor(~a, np.logical_not(host_a), "bool", backend_name)


# ---- where and clamp ------------------------------------------------------------------------------
@given(data=st.data())
def test_where_values(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    s_cond, s_a, s_b = data.draw(mts.broadcastable_shapes(3), label="shapes")
    cond, host_cond = draw_tensor(data, backend_name, s_cond, "bool")
    a, host_a = draw_tensor(data, backend_name, s_a, dtype)
    b, host_b = draw_tensor(data, backend_name, s_b, dtype)
    assert_tensor(mt.where(cond, a, b), np.where(host_cond, host_a, host_b), dtype, backend_name)
    if dtype in mts.FLOAT_DTYPES:  # a Python scalar on either side keeps the tensor's dtype
        assert_tensor(mt.where(cond, a, 0.5), np.where(host_cond, host_a, 0.5), dtype, backend_name)
        assert_tensor(mt.where(cond, 2.0, b), np.where(host_cond, 2.0, host_b), dtype, backend_name)


@given(data=st.data())
def test_where_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    s_cond, s_a, s_b = data.draw(mts.broadcastable_shapes(3, max_side=3), label="shapes")
    cond, _ = draw_tensor(data, backend_name, s_cond, "bool")
    a, _ = draw_leaf(data, backend_name, s_a)
    b, _ = draw_leaf(data, backend_name, s_b)
    check_gradients(lambda x, y: mt.where(cond, x, y), [a, b])
    check_gradients(lambda x: mt.where(cond, x, 0.0), [a])


# clamp: x on the grid shifted by half a step never meets the bounds, which are drawn on the grid
_OFF_GRID = mts.Domain(-3.0, 3.0, grid=0.25, offset=0.125)


@st.composite
def _clamp_bounds(draw: st.DrawFn) -> tuple[float | None, float | None]:
    lo, hi = sorted(draw(st.lists(mts.elements("float64", "grid"), min_size=2, max_size=2)))
    which = draw(st.sampled_from(["both", "min", "max"]))
    return (lo if which != "max" else None), (hi if which != "min" else None)


@given(data=st.data())
def test_clamp_values(backend_name, data):
    dtype = draw_dtype(data, backend_name)
    lo, hi = data.draw(_clamp_bounds(), label="bounds")
    x, host = draw_tensor(data, backend_name, data.draw(mts.shapes(), label="shape"), dtype)
    assert_tensor(mt.clamp(x, lo, hi), np.clip(host.astype(np.float64), lo, hi), dtype, backend_name)


@given(data=st.data())
def test_clamp_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    lo, hi = data.draw(_clamp_bounds(), label="bounds")
    x, _ = draw_leaf(data, backend_name, data.draw(mts.shapes(max_side=3), label="shape"), domain=_OFF_GRID)
    check_gradients(lambda t: mt.clamp(t, lo, hi), [x])
