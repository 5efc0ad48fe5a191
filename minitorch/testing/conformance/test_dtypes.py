"""Conformance: mixed-dtype ops give the same result dtypes, values and errors as on the numpy backend."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.testing import strategies as mts

from ._support import assert_tensor, host, tensor

# Values every dtype holds exactly, with no zero divisors or negative integer powers.
_SAFE = {
    "bool": mts.Domain(0, 1),
    "int64": mts.Domain(1, 3),
    "float32": mts.Domain(0.5, 3.0, grid=0.5),
    "float64": mts.Domain(0.5, 3.0, grid=0.5),
}

def _true_like(*operands: Any) -> mt.Tensor:
    """A 0-d True on the backend of the first tensor among ``operands``."""
    return mt.tensor(True, backend=next(t for t in operands if isinstance(t, mt.Tensor)).backend)


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow, "maximum": mt.maximum, "minimum": mt.minimum,
    "lt": operator.lt, "eq": operator.eq, "where": lambda a, b: mt.where(_true_like(a, b), a, b),
    "cat": lambda a, b: mt.cat([a.reshape(-1), b.reshape(-1)]),
    "matmul": lambda a, b: a.reshape(1, -1) @ b.reshape(-1, 1),
}
UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": operator.neg, "abs": mt.abs, "sign": mt.sign, "exp": mt.exp, "log": mt.log, "sqrt": mt.sqrt,
    "sin": mt.sin, "tanh": mt.tanh, "sigmoid": mt.sigmoid, "relu": mt.relu, "reciprocal": mt.reciprocal,
    "sum": mt.sum, "prod": mt.prod, "mean": mt.mean, "amax": mt.amax, "argmax": mt.argmax,
    "softmax": lambda t: mt.softmax(t.reshape(-1), 0), "logsumexp": lambda t: mt.logsumexp(t.reshape(-1), 0),
    "clamp_float_bounds": lambda t: mt.clamp(t, 1.5, 2.5), "invert": operator.invert,
    "to_float64": lambda t: t.double(), "to_int64": lambda t: t.long(), "to_bool": lambda t: t.bool(),
}


@st.composite
def _operand(draw: st.DrawFn, dtype: str, kind: str, shape: tuple[int, ...]) -> tuple[str, Any]:
    """("tensor", array) with ``shape`` (0-d when ``kind`` is "0-d") or ("scalar", Python value)."""
    if kind == "scalar":
        python = {"bool": bool, "int64": int}.get(dtype, float)
        return "scalar", python(draw(mts.elements(dtype, _SAFE[dtype])))
    return "tensor", draw(mts.arrays(dtype, () if kind == "0-d" else shape, _SAFE[dtype]))


def _build(spec: tuple[str, Any], backend_name: str) -> Any:
    kind, value = spec
    return tensor(value, backend_name) if kind == "tensor" else value


def _outcome(fn: Callable[..., Any], specs: list[tuple[str, Any]], backend_name: str) -> Any:
    """The result of ``fn`` on operands built on the backend, or the exception it raised."""
    try:
        return fn(*(_build(s, backend_name) for s in specs))
    except AssertionError:
        raise
    except Exception as exc:  # compared with the numpy backend's outcome
        return exc


def _assert_same_outcome(backend_name: str, fn: Callable[..., Any], specs: list[tuple[str, Any]]) -> None:
    expected = _outcome(fn, specs, "numpy")
    actual = _outcome(fn, specs, backend_name)
    if isinstance(expected, Exception):
        assert isinstance(actual, type(expected)), (
            f"the numpy backend raises {type(expected).__name__}: {expected}; {backend_name!r} gives {actual!r}")
        return
    assert not isinstance(actual, Exception), f"the numpy backend succeeds, {backend_name!r} raises {actual!r}"
    assert_tensor(actual, host(expected), expected.dtype.name, backend_name)


def _dtypes(backend_name: str) -> tuple[str, ...]:
    """The dtypes both the backend and the numpy backend (the reference) support."""
    return tuple(d for d in mts.DTYPE_NAMES if d in mt.backends.get_backend(backend_name).dtypes)


@pytest.mark.parametrize("op", BINARY)
@given(data=st.data())
def test_binary_promotion(backend_name, op, data):
    dtype_a, dtype_b = data.draw(mts.dtype_pairs(_dtypes(backend_name)), label="dtypes")
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(min_dims=1), label="shapes")
    kinds = st.sampled_from(["tensor", "0-d", "scalar"])  # 0-d tensors and scalars promote less
    kind_a, kind_b = data.draw(st.tuples(kinds, kinds), label="kinds")
    if op in ("cat", "matmul"):
        kind_a, kind_b, shape_a, shape_b = "tensor", "tensor", (3,), (3,)
    elif kind_a == kind_b == "scalar":
        kind_b = "tensor"
    specs = [data.draw(_operand(dtype_a, kind_a, shape_a), label="a"),
             data.draw(_operand(dtype_b, kind_b, shape_b), label="b")]
    _assert_same_outcome(backend_name, BINARY[op], specs)


@pytest.mark.parametrize("op", UNARY)
@given(data=st.data())
def test_unary_and_reduction_dtypes(backend_name, op, data):
    dtype = data.draw(mts.dtype_names(_dtypes(backend_name)), label="dtype")
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    spec = data.draw(_operand(dtype, "tensor", shape), label="x")
    _assert_same_outcome(backend_name, UNARY[op], [spec])


@pytest.mark.parametrize("op", ["add_", "mul_", "div_", "copy_"])
@given(data=st.data())
def test_inplace_dtypes(backend_name, op, data):
    dtype_a, dtype_b = data.draw(mts.dtype_pairs(_dtypes(backend_name)), label="dtypes")
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    kind_b = data.draw(st.sampled_from(["tensor", "scalar"]), label="kind of b")
    specs = [data.draw(_operand(dtype_a, "tensor", shape), label="a"),
             data.draw(_operand(dtype_b, kind_b, shape), label="b")]

    def update(a: mt.Tensor, b: Any) -> mt.Tensor:
        out = getattr(a, op)(b)
        assert out is a  # in place, returning the tensor itself
        return a

    _assert_same_outcome(backend_name, update, specs)
