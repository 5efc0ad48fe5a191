"""Conformance: every required primitive of the backend contract, called on native arrays, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch.backends.contract import ARG_REDUCE_OPS, BINARY_OPS, COMPARISON_OPS, REDUCE_OPS, UNARY_OPS
from minitorch.testing import strategies as mts

from ._support import assert_native, assert_values, draw_dtype, draw_native, require_dtypes

NP_UNARY = {
    "neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "reciprocal": np.reciprocal,
    "abs": np.abs, "sign": np.sign, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
}
NP_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "pow": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "ne": np.not_equal,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
}
NP_REDUCE = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}
UNARY_DOMAINS = {"exp": "exp", "log": "log", "sqrt": "log", "reciprocal": "nonzero"}
INT_DOMAIN = mts.Domain(-3, 3)
# Per binary op: (domain of a, domain of b) for floats; ints use INT_DOMAIN except where listed.
BINARY_DOMAINS = {"div": ("default", "nonzero"), "pow": ("pow_base", "pow_exponent")}
INT_BINARY_DOMAINS = {"pow": (INT_DOMAIN, mts.Domain(0, 3))}
# The dtypes the core sends to each binary op (div and pow of bools never reach a backend).
BINARY_DTYPES = {op: ("float32", "float64", "int64") for op in BINARY_OPS}
BINARY_DTYPES.update({op: ("float32", "float64", "int64", "bool") for op in (*COMPARISON_OPS, "maximum", "minimum")})
BINARY_DTYPES["div"] = ("float32", "float64")


def _scalar_strategy(dtype: str, domain: str | mts.Domain) -> st.SearchStrategy:
    """Python scalars of the kind the core passes next to an array of ``dtype``."""
    kind = {"bool": bool, "int64": int}.get(dtype, float)
    return mts.elements(dtype, domain).map(kind)


def _unchanged(backend, x, before: np.ndarray) -> None:
    """A primitive must not modify its inputs."""
    np.testing.assert_array_equal(backend.to_numpy(x), before, err_msg="the primitive modified its input")


# ---- creation and transfer ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", mts.DTYPE_NAMES)
@given(data=st.data())
def test_from_numpy_to_numpy_round_trip(backend, backend_name, dtype, data):
    require_dtypes(backend_name, dtype)
    values = data.draw(mts.arrays(dtype, mts.shapes(min_side=0)), label="values")
    if values.ndim >= 2 and data.draw(st.booleans(), label="transposed host array"):
        values = values.T  # a non-contiguous NumPy array arrives with the same values
    x = backend.from_numpy(values)
    assert_native(backend, x, values, dtype)
    assert_native(backend, x, values, dtype)  # to_numpy twice: reading does not consume or change


@pytest.mark.parametrize("dtype", mts.DTYPE_NAMES)
@given(data=st.data())
def test_full(backend, backend_name, dtype, data):
    require_dtypes(backend_name, dtype)
    shape = data.draw(mts.shapes(min_side=0), label="shape")
    value = data.draw(_scalar_strategy(dtype, "default"), label="value")
    x = backend.full(shape, value, dtype)
    assert_native(backend, x, np.full(shape, value, dtype=dtype), dtype)
    if x.shape and np.prod(shape) > 0:  # a new array each time: writing one leaves the other alone
        y = backend.full(shape, value, dtype)
        backend.index_put(x, (), backend.full(shape, not value if dtype == "bool" else value + 1, dtype))
        assert_native(backend, y, np.full(shape, value, dtype=dtype), dtype)


# ---- elementwise ----------------------------------------------------------------------------
@pytest.mark.parametrize("op", UNARY_OPS)
@given(data=st.data())
def test_unary(backend, backend_name, op, data):
    among = mts.FLOAT_DTYPES + (("int64",) if op in ("neg", "abs", "sign") else ())
    dtype = draw_dtype(data, backend_name, among)
    shape = data.draw(mts.shapes(), label="shape")
    domain = INT_DOMAIN if dtype == "int64" else UNARY_DOMAINS.get(op, "default")
    x, host = draw_native(data, backend, shape, dtype, domain)
    before = host.copy()
    expected = NP_UNARY[op](host.astype(np.float64) if dtype != "int64" else host)
    assert_native(backend, backend.unary(op, x), expected, dtype)
    _unchanged(backend, x, before)


@pytest.mark.parametrize("op", BINARY_OPS)
@given(data=st.data())
def test_binary_broadcasting(backend, backend_name, op, data):
    dtype = draw_dtype(data, backend_name, BINARY_DTYPES[op])
    shape_a, shape_b = data.draw(mts.broadcastable_shapes(), label="shapes")
    if dtype == "int64":
        dom_a, dom_b = INT_BINARY_DOMAINS.get(op, (INT_DOMAIN, INT_DOMAIN))
    else:
        dom_a, dom_b = BINARY_DOMAINS.get(op, ("grid", "grid"))  # a grid: ties for comparisons
    scalar = data.draw(st.sampled_from([None, "a", "b"]), label="python scalar operand")
    if scalar == "a":
        a = host_a = data.draw(_scalar_strategy(dtype, dom_a), label="a")
    else:
        a, host_a = draw_native(data, backend, shape_a, dtype, dom_a)
    if scalar == "b":
        b = host_b = data.draw(_scalar_strategy(dtype, dom_b), label="b")
    else:
        b, host_b = draw_native(data, backend, shape_b, dtype, dom_b)
    wide = (lambda v: np.asarray(v, np.float64)) if dtype in mts.FLOAT_DTYPES else np.asarray
    expected = NP_BINARY[op](wide(host_a), wide(host_b))
    out_dtype = "bool" if op in COMPARISON_OPS else dtype
    assert_native(backend, backend.binary(op, a, b), expected, out_dtype)


@given(data=st.data())
def test_where(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    s_cond, s_a, s_b = data.draw(mts.broadcastable_shapes(3), label="shapes")
    cond, host_cond = draw_native(data, backend, s_cond, "bool")
    scalar = data.draw(st.sampled_from([None, "a", "b"]), label="python scalar operand")
    operands = []
    for name, shape in (("a", s_a), ("b", s_b)):
        if scalar == name:
            value = data.draw(_scalar_strategy(dtype, "grid"), label=name)
            operands.append((value, value))
        else:
            operands.append(draw_native(data, backend, shape, dtype, "grid"))
    (a, host_a), (b, host_b) = operands
    expected = np.where(host_cond, host_a, host_b)
    assert_native(backend, backend.where(cond, a, b), expected, dtype)


@given(data=st.data())
def test_astype(backend, backend_name, data):
    src = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    dst = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    x, host = draw_native(data, backend, data.draw(mts.shapes(), label="shape"), src)
    y = backend.astype(x, dst)
    assert_native(backend, y, host.astype(dst), dst)  # float -> int truncates toward zero, as C and NumPy
    if y.shape and src == dst and host.size:  # a new array even without a conversion
        backend.index_put(y, (), backend.full(y.shape, 1, dst))
        assert_native(backend, x, host, src)


# ---- reductions and products -------------------------------------------------------------------
@pytest.mark.parametrize("op", REDUCE_OPS)
@given(data=st.data())
def test_reduce(backend, backend_name, op, data):
    among = mts.FLOAT_DTYPES + ("int64",) + (("bool",) if op in ("max", "min") else ())
    dtype = draw_dtype(data, backend_name, among)
    empty_ok = op in ("sum", "prod")  # max/min of nothing is an error the core reports first
    shape = data.draw(mts.shapes(min_side=0 if empty_ok else 1), label="shape")
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, max(len(shape) - 1, 0)), max_size=len(shape)),
                                  label="axes")))
    keepdims = data.draw(st.booleans(), label="keepdims")
    domain = "around_one" if op == "prod" else INT_DOMAIN if dtype == "int64" else "default"
    x, host = draw_native(data, backend, shape, dtype, domain)
    wide = host.astype(np.float64) if dtype in mts.FLOAT_DTYPES else host
    expected = NP_REDUCE[op](wide, axis=axes, keepdims=keepdims)
    assert_native(backend, backend.reduce(op, x, axes, keepdims), expected, dtype)


@pytest.mark.parametrize("op", ARG_REDUCE_OPS)
@given(data=st.data())
def test_arg_reduce_first_of_ties(backend, backend_name, op, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    x, host = draw_native(data, backend, shape, dtype, INT_DOMAIN if dtype == "int64" else "grid")
    expected = (np.argmax if op == "argmax" else np.argmin)(host, axis=axis)
    assert_native(backend, backend.arg_reduce(op, x, axis), expected, "int64")


@given(data=st.data())
def test_matmul_batched(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    batch_a, batch_b = data.draw(mts.broadcastable_shapes(max_dims=2), label="batch shapes")
    n, k, m = data.draw(st.tuples(*[st.integers(1, 4)] * 3), label="n, k, m")
    domain = INT_DOMAIN if dtype == "int64" else "default"
    a, host_a = draw_native(data, backend, batch_a + (n, k), dtype, domain)
    b, host_b = draw_native(data, backend, batch_b + (k, m), dtype, domain)
    wide = (lambda v: v.astype(np.float64)) if dtype != "int64" else (lambda v: v)
    assert_native(backend, backend.matmul(a, b), np.matmul(wide(host_a), wide(host_b)), dtype)


# ---- views and copies ----------------------------------------------------------------------------
@given(data=st.data())
def test_reshape(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(min_side=0), label="shape")
    target = data.draw(mts.reshape_targets(shape, allow_infer=False), label="target")
    x, host = draw_native(data, backend, shape, dtype)  # a view may need a copy to reshape
    assert_native(backend, backend.reshape(x, target), host.reshape(target), dtype)


@given(data=st.data())
def test_permute(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(max_dims=4), label="shape")
    axes = tuple(data.draw(st.permutations(range(len(shape))), label="axes"))
    x, host = draw_native(data, backend, shape, dtype)
    assert_native(backend, backend.permute(x, axes), host.transpose(axes), dtype)


@given(data=st.data())
def test_expand(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    target = data.draw(mts.shapes(), label="target")
    source = data.draw(mts.expand_sources(target), label="source shape")
    x, host = draw_native(data, backend, source, dtype)
    y = backend.expand(x, target)
    assert_native(backend, y, np.broadcast_to(host, target), dtype)
    # what the core does with expanded gradients: reduce them, copy them, compute with them
    assert_native(backend, backend.copy(y), np.broadcast_to(host, target), dtype)
    if dtype in mts.FLOAT_DTYPES:
        axes = tuple(range(len(target)))
        expected = np.broadcast_to(host, target).astype(np.float64).sum(axis=axes, keepdims=True)
        assert_native(backend, backend.reduce("sum", y, axes, True), expected, dtype)


@st.composite
def index_keys(draw: st.DrawFn, shape: tuple[int, ...], arrays: bool = True, unique: bool = False) -> tuple:
    """A normalised index key as the core passes it: ints, slices with steps > 0, int64 index arrays.

    Index arrays (host NumPy arrays here) all have one length, so that they broadcast together;
    with ``unique`` no position is selected twice.
    """
    n_entries = draw(st.integers(0, len(shape)))
    kinds = [draw(st.sampled_from(["int", "slice", "array"] if arrays else ["int", "slice"]))
             for _ in range(n_entries)]
    array_sizes = [n for n, kind in zip(shape, kinds) if kind == "array"]
    length = draw(st.integers(1, min([3] + array_sizes) if unique else 3))
    key = []
    for size, kind in zip(shape, kinds):
        if kind == "int":
            key.append(draw(st.integers(0, size - 1)))
        elif kind == "slice":
            start, stop, step = draw(st.integers(0, size)), draw(st.integers(0, size)), draw(st.integers(1, 3))
            key.append(slice(start, max(start, stop), step))
        else:
            picks = st.lists(st.integers(0, size - 1), min_size=length, max_size=length, unique=unique)
            key.append(np.array(draw(picks), dtype=np.int64))
    return tuple(key)


def _native_key(backend, key: tuple) -> tuple:
    return tuple(backend.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)


@given(data=st.data())
def test_index(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(max_dims=4), label="shape")
    key = data.draw(index_keys(shape), label="key")
    x, host = draw_native(data, backend, shape, dtype)
    assert_native(backend, backend.index(x, _native_key(backend, key)), host[key], dtype)


@given(data=st.data())
def test_index_put(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(), label="shape")
    host = data.draw(mts.arrays(dtype, shape), label="values")
    x = backend.from_numpy(host)
    key = data.draw(index_keys(shape, unique=True), label="key")
    target_shape = host[key].shape
    if data.draw(st.booleans(), label="python scalar value"):
        values = host_values = data.draw(_scalar_strategy(dtype, "default"), label="value")
    else:
        source = data.draw(mts.expand_sources(target_shape), label="value shape")
        values, host_values = draw_native(data, backend, source, dtype)
    expected = host.copy()  # before the update: from_numpy may share memory with ``host``
    expected[key] = host_values
    backend.index_put(x, _native_key(backend, key), values)
    assert_native(backend, x, expected, dtype)


@given(data=st.data())
def test_index_add_accumulates_repeated_indices(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    shape = data.draw(mts.shapes(), label="shape")
    domain = INT_DOMAIN if dtype == "int64" else "default"
    host = data.draw(mts.arrays(dtype, shape, domain), label="values")
    x = backend.from_numpy(host)
    key = data.draw(index_keys(shape), label="key")  # repeated indices must all add up
    values, host_values = draw_native(data, backend, host[key].shape, dtype, domain)
    expected = host.astype(np.float64) if dtype != "int64" else host.copy()  # before: memory may be shared
    np.add.at(expected, key, host_values)
    backend.index_add(x, _native_key(backend, key), values)
    assert_native(backend, x, expected, dtype)


@given(data=st.data())
def test_concatenate(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sizes along axis")
    pieces = [draw_native(data, backend, shape[:axis] + (n,) + shape[axis + 1:], dtype) for n in sizes]
    expected = np.concatenate([h for _, h in pieces], axis=axis)
    assert_native(backend, backend.concatenate([x for x, _ in pieces], axis), expected, dtype)


@given(data=st.data())
def test_pad(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    widths = tuple(data.draw(st.tuples(st.integers(0, 2), st.integers(0, 2))) for _ in shape)
    value = data.draw(_scalar_strategy(dtype, "default"), label="value")
    x, host = draw_native(data, backend, shape, dtype)
    expected = np.pad(host, widths, constant_values=value)
    assert_native(backend, backend.pad(x, widths, value), expected, dtype)


def _windows_reference(x: np.ndarray, size: tuple[int, ...], stride: tuple[int, ...],
                       dilation: tuple[int, ...]) -> np.ndarray:
    """out[..., o, w] = x[..., o * stride + w * dilation], one element at a time."""
    k = len(size)
    out = tuple((n - d * (s - 1) - 1) // sd + 1 for n, s, sd, d in zip(x.shape[-k:], size, stride, dilation))
    result = np.empty(x.shape[:-k] + out + tuple(size), dtype=x.dtype)
    for o in np.ndindex(*out):
        for w in np.ndindex(*size):
            source = tuple(oi * sd + wi * d for oi, wi, sd, d in zip(o, w, stride, dilation))
            result[(..., *o, *w)] = x[(..., *source)]
    return result


@given(data=st.data())
def test_windows(backend, backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    k = data.draw(st.integers(1, 2), label="spatial dims")
    lead = data.draw(mts.shapes(max_dims=2, max_side=3), label="leading dims")
    size = tuple(data.draw(st.integers(1, 3)) for _ in range(k))
    stride = tuple(data.draw(st.integers(1, 2)) for _ in range(k))
    dilation = tuple(data.draw(st.integers(1, 2)) for _ in range(k))
    spatial = tuple(d * (s - 1) + 1 + data.draw(st.integers(0, 3)) for s, d in zip(size, dilation))
    x, host = draw_native(data, backend, lead + spatial, dtype)
    expected = _windows_reference(host, size, stride, dilation)
    assert_native(backend, backend.windows(x, size, stride, dilation), expected, dtype)


@pytest.mark.parametrize("method", ["copy", "contiguous"])
@given(data=st.data())
def test_copy_and_contiguous(backend, backend_name, method, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(), label="shape")
    x, host = draw_native(data, backend, shape, dtype)
    y = getattr(backend, method)(x)
    assert_native(backend, y, host, dtype)
    if method == "copy" and host.size:  # a new, writable array: writing it leaves ``x`` alone
        before = host.copy()
        fill = backend.full(shape, True if dtype == "bool" else 1, dtype)
        backend.index_put(y, (), backend.binary("ne" if dtype == "bool" else "add", y, fill))
        assert_native(backend, x, before, dtype)
        assert_values(backend.to_numpy(y), np.logical_not(before) if dtype == "bool" else before + 1, dtype)
