"""Conformance: the core's shape, indexing, matmul and conversion ops on the backend, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.testing import check_gradients
from minitorch.testing import strategies as mts

from ._support import assert_tensor, draw_dtype, draw_leaf, draw_tensor, host, require_dtypes, tensor


@st.composite
def _shape_ops(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[str, object, object]:
    """One view/shape op applicable to ``shape``: (name, tensor function, NumPy reference)."""
    ndim = len(shape)
    options = ["reshape", "view_flat", "unsqueeze", "squeeze", "flatten", "expand"]
    if ndim:
        options += ["permute", "transpose", "T", "squeeze_dim", "flatten_range"]
    if ndim >= 2:
        options.append("mT")
    name = draw(st.sampled_from(options))
    if name == "reshape":
        target = draw(mts.reshape_targets(shape))
        return name, lambda t: t.reshape(*target), lambda a: a.reshape(target)
    if name == "view_flat":
        return name, lambda t: t.view(-1), lambda a: a.reshape(-1)
    if name == "unsqueeze":
        d = draw(st.integers(-ndim - 1, ndim))
        return name, lambda t: t.unsqueeze(d), lambda a: np.expand_dims(a, d)
    if name == "squeeze":
        return name, lambda t: t.squeeze(), lambda a: a.squeeze()
    if name == "squeeze_dim":
        d = draw(st.integers(-ndim, ndim - 1))
        return name, lambda t: t.squeeze(d), lambda a: a.squeeze(d) if a.shape[d] == 1 else a
    if name == "flatten":
        return name, lambda t: t.flatten(), lambda a: a.reshape(-1)
    if name == "flatten_range":
        lo, hi = sorted(draw(st.lists(st.integers(0, ndim - 1), min_size=2, max_size=2)))
        merged = shape[:lo] + (int(np.prod(shape[lo:hi + 1], dtype=np.int64)),) + shape[hi + 1:]
        return name, lambda t: t.flatten(lo, hi), lambda a: a.reshape(merged)
    if name == "expand":
        target = draw(mts.expand_targets(shape))
        return name, lambda t: t.expand(*target), lambda a: np.broadcast_to(a, target)
    if name == "permute":
        axes = tuple(draw(st.permutations(range(ndim))))
        return name, lambda t: t.permute(*axes), lambda a: a.transpose(axes)
    if name == "transpose":
        d0, d1 = draw(st.integers(-ndim, ndim - 1)), draw(st.integers(-ndim, ndim - 1))
        return name, lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1)
    if name == "T":
        return name, lambda t: t.T, lambda a: a.T
    return name, lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2)


@given(data=st.data())
def test_shape_ops_values(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(), label="shape")
    name, fn, reference = data.draw(_shape_ops(shape), label="op")
    x, values = draw_tensor(data, backend_name, shape, dtype)
    assert_tensor(fn(x), reference(values), dtype, backend_name)


@given(data=st.data())
def test_shape_ops_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(max_side=3), label="shape")
    name, fn, _ = data.draw(_shape_ops(shape), label="op")
    x, _ = draw_leaf(data, backend_name, shape)
    check_gradients(lambda t: fn(t) * 1.5, [x])


@given(data=st.data())
def test_contiguous_and_clone(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    x, values = draw_tensor(data, backend_name, data.draw(mts.shapes(), label="shape"), dtype)
    assert_tensor(x.contiguous(), values, dtype, backend_name)
    c = x.clone()
    assert_tensor(c, values, dtype, backend_name)
    if values.size:  # the clone has its own memory
        before = values.copy()
        c.fill_(True if dtype == "bool" else 7)
        assert_tensor(x, before, dtype, backend_name)
        assert_tensor(c, np.full(values.shape, True if dtype == "bool" else 7, dtype), dtype, backend_name)


@given(data=st.data())
def test_contiguous_and_clone_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    x, _ = draw_leaf(data, backend_name, data.draw(mts.shapes(max_side=3), label="shape"))
    check_gradients(lambda t: t.contiguous() * t.clone(), [x])


@st.composite
def _joined(draw: st.DrawFn, max_side: int = 4) -> tuple[tuple[int, ...], int, list[int]]:
    """A shape, an axis of it, and the sizes along that axis of 1 to 3 pieces."""
    shape = draw(mts.shapes(min_dims=1, max_side=max_side))
    axis = draw(st.integers(0, len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    return shape, axis, sizes


@given(data=st.data())
def test_cat_stack_values(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape, axis, sizes = data.draw(_joined(), label="pieces")
    pieces = [draw_tensor(data, backend_name, shape[:axis] + (n,) + shape[axis + 1:], dtype) for n in sizes]
    expected = np.concatenate([v for _, v in pieces], axis=axis)
    assert_tensor(mt.cat([t for t, _ in pieces], dim=axis - len(shape)), expected, dtype, backend_name)
    same = [draw_tensor(data, backend_name, shape, dtype) for _ in sizes]
    expected = np.stack([v for _, v in same], axis=axis)
    assert_tensor(mt.stack([t for t, _ in same], dim=axis), expected, dtype, backend_name)


@given(data=st.data())
def test_cat_stack_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    shape, axis, sizes = data.draw(_joined(max_side=3), label="pieces")
    leaves = [draw_leaf(data, backend_name, shape[:axis] + (n,) + shape[axis + 1:])[0] for n in sizes]
    check_gradients(lambda *ts: mt.cat(ts, dim=axis), leaves)
    same = [draw_leaf(data, backend_name, shape)[0] for _ in sizes]
    check_gradients(lambda *ts: mt.stack(ts, dim=axis), same)


@given(data=st.data())
def test_split_chunk(backend_name, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(min_dims=1, max_side=4), label="shape")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    size = data.draw(st.integers(1, 3), label="split size")
    x, values = draw_leaf(data, backend_name, shape)
    pieces = x.split(size, dim=axis)
    bounds = list(range(size, shape[axis], size))
    expected = np.split(values, bounds, axis=axis)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        assert_tensor(p, e, "float64", backend_name)
    assert len(x.chunk(size, dim=axis)) <= size
    # weigh each piece differently so that a gradient sent to the wrong place shows
    check_gradients(lambda t: sum((p * (i + 1)).sum() for i, p in enumerate(t.split(size, dim=axis))), [x])
    check_gradients(lambda t: sum((p * (i + 1)).sum() for i, p in enumerate(t.chunk(size, dim=axis))), [x])


@given(data=st.data())
def test_pad(backend_name, data):
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(min_dims=1), label="shape")
    n_dims = data.draw(st.integers(1, len(shape)), label="padded dims")
    widths = data.draw(st.lists(st.integers(0, 2), min_size=2 * n_dims, max_size=2 * n_dims), label="pad")
    value = data.draw(st.sampled_from([0.0, -1.5]), label="value")
    x, values = draw_tensor(data, backend_name, shape, dtype)
    pairs = [(widths[i], widths[i + 1]) for i in range(0, len(widths), 2)][::-1]
    np_widths = [(0, 0)] * (len(shape) - n_dims) + pairs
    expected = np.pad(values, np_widths, constant_values=value)
    assert_tensor(mt.pad(x, widths, value), expected, dtype, backend_name)
    if "float64" in mt.backends.get_backend(backend_name).dtypes:
        leaf, _ = draw_leaf(data, backend_name, tuple(min(n, 3) for n in shape))
        check_gradients(lambda t: mt.pad(t, widths, value), [leaf])


# ---- indexing -----------------------------------------------------------------------------------
@st.composite
def _keys(draw: st.DrawFn, shape: tuple[int, ...], advanced: bool, unique: bool = False) -> tuple:
    """A PyTorch-style index: ints (maybe negative), slices (any bounds, step > 0), None, ...;
    with ``advanced``, integer index lists (maybe negative; repeated unless ``unique``) or a bool mask."""
    if advanced and shape and draw(st.booleans()):  # a bool mask over the leading dims
        n = draw(st.integers(1, len(shape)))
        mask = draw(mts.arrays("bool", shape[:n]))
        return (mask,) + tuple(slice(None) for _ in shape[n:])
    kinds = ["int", "slice", "none"] + (["list"] if advanced else [])
    entries = []
    while len([k for k in entries if k != "none"]) < len(shape) and draw(st.booleans()):
        entries.append(draw(st.sampled_from(kinds)))
    ellipsis = draw(st.sampled_from(["none", "front", "back"]))
    consumed = len([k for k in entries if k != "none"])
    dims = shape[len(shape) - consumed:] if ellipsis == "front" else shape[:consumed]  # what entries index
    sizes = iter(dims)
    list_sizes = [n for n, kind in zip(dims, [k for k in entries if k != "none"]) if kind == "list"]
    length = draw(st.integers(1, min([3] + list_sizes) if unique else 3))
    key: list = []
    for kind in entries:
        if kind == "none":
            key.append(None)
            continue
        size = next(sizes)
        if kind == "int":
            key.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            bound = st.none() | st.integers(-size - 1, size + 1)
            key.append(slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))))
        else:  # positions, each maybe written as a negative index
            positions = draw(st.lists(st.integers(0, size - 1), min_size=length, max_size=length, unique=unique))
            key.append([p - size if draw(st.booleans()) else p for p in positions])
    return (Ellipsis, *key) if ellipsis == "front" else (*key, Ellipsis) if ellipsis == "back" else tuple(key)


def _numpy_key(key: tuple) -> tuple:
    return tuple(np.asarray(k) if isinstance(k, (list, np.ndarray)) else k for k in key)


def _split_key(key: tuple) -> tuple[tuple, tuple]:
    """PyTorch's order (unlike NumPy's): ints select first, then the tensor indices apply, so ints
    never take part in placing the indexed dims. Returns the two keys to apply one after the other."""
    advanced = [isinstance(k, (list, np.ndarray)) for k in key]
    if not any(advanced) or not any(isinstance(k, int) for k in key):
        return _numpy_key(key), ()
    first: list = []
    for k, adv in zip(key, advanced):
        first += [slice(None)] * (np.ndim(k) if isinstance(k, np.ndarray) else 1) if adv else [k]
    second = [slice(None) if k is None else k for k in key if not isinstance(k, int)]
    return tuple(first), _numpy_key(tuple(second))


def _reference_view(values: np.ndarray, key: tuple) -> tuple[np.ndarray, tuple]:
    """``values`` with the first (basic) part of ``key`` applied as a view, and the rest of the key."""
    first, second = _split_key(key)
    return (values[first], second) if second else (values, first)


def _tensor_key(key: tuple, backend_name: str) -> tuple:
    return tuple(tensor(np.asarray(k), backend_name) if isinstance(k, (list, np.ndarray)) else k for k in key)


@pytest.mark.parametrize("advanced", [False, True], ids=["basic", "advanced"])
@given(data=st.data())
def test_getitem(backend_name, advanced, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(max_dims=4), label="shape")
    key = data.draw(_keys(shape, advanced), label="key")
    x, values = draw_tensor(data, backend_name, shape, dtype)
    view, rest = _reference_view(values, key)
    assert_tensor(x[_tensor_key(key, backend_name)], view[rest], dtype, backend_name)


@pytest.mark.parametrize("advanced", [False, True], ids=["basic", "advanced"])
@given(data=st.data())
def test_getitem_gradients(backend_name, advanced, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(max_dims=3, max_side=3), label="shape")
    key = data.draw(_keys(shape, advanced), label="key")  # repeated indices: gradients accumulate
    x, _ = draw_leaf(data, backend_name, shape)
    tensor_key = _tensor_key(key, backend_name)
    check_gradients(lambda t: t[tensor_key] * 2.0, [x])


@given(data=st.data())
def test_setitem(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    shape = data.draw(mts.shapes(max_dims=3), label="shape")
    advanced = data.draw(st.booleans(), label="advanced")
    key = data.draw(_keys(shape, advanced, unique=True), label="key")  # repeated writes: any one may win
    values = data.draw(mts.arrays(dtype, shape), label="values")
    x = tensor(values, backend_name)
    expected = values.copy()
    view, rest = _reference_view(expected, key)  # writing into ``view`` writes ``expected``
    if data.draw(st.booleans(), label="scalar value"):
        new = new_host = data.draw(mts.elements(dtype), label="value")
    else:
        source = data.draw(mts.expand_sources(view[rest].shape), label="value shape")
        new, new_host = draw_tensor(data, backend_name, source, dtype)
    view[rest] = new_host
    x[_tensor_key(key, backend_name)] = new
    assert_tensor(x, expected, dtype, backend_name)


# ---- matmul -------------------------------------------------------------------------------------
@st.composite
def _matmul_shapes(draw: st.DrawFn, max_side: int = 4) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Operand shapes for matmul: vectors, matrices, and batches whose batch dims broadcast."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    batch_a, batch_b = draw(mts.broadcastable_shapes(max_dims=2, max_side=3))
    a = (k,) if draw(st.booleans()) and not batch_a else batch_a + (n, k)
    b = (k,) if draw(st.booleans()) and not batch_b else batch_b + (k, m)
    return a, b


@given(data=st.data())
def test_matmul_values(backend_name, data):
    dtype = draw_dtype(data, backend_name, mts.FLOAT_DTYPES + ("int64",))
    shape_a, shape_b = data.draw(_matmul_shapes(), label="shapes")
    domain = mts.Domain(-3, 3) if dtype == "int64" else "default"
    a, host_a = draw_tensor(data, backend_name, shape_a, dtype, domain)
    b, host_b = draw_tensor(data, backend_name, shape_b, dtype, domain)
    wide = (lambda v: v) if dtype == "int64" else (lambda v: v.astype(np.float64))
    assert_tensor(a @ b, np.matmul(wide(host_a), wide(host_b)), dtype, backend_name)


@given(data=st.data())
def test_matmul_gradients(backend_name, data):
    require_dtypes(backend_name, "float64")
    shape_a, shape_b = data.draw(_matmul_shapes(max_side=3), label="shapes")
    a, _ = draw_leaf(data, backend_name, shape_a)
    b, _ = draw_leaf(data, backend_name, shape_b)
    check_gradients(mt.matmul, [a, b])


# ---- dtype conversion and moving between backends -------------------------------------------------
@given(data=st.data())
def test_to_dtype(backend_name, data):
    src = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    dst = draw_dtype(data, backend_name, mts.DTYPE_NAMES)
    x, values = draw_tensor(data, backend_name, data.draw(mts.shapes(), label="shape"), src)
    assert_tensor(x.to(mt.dtypes.as_dtype(dst)), values.astype(dst), dst, backend_name)


@given(data=st.data())
def test_to_dtype_gradient(backend_name, data):
    require_dtypes(backend_name, "float32", "float64")
    x, values = draw_leaf(data, backend_name, data.draw(mts.shapes(), label="shape"))
    w = data.draw(mts.arrays("float32", values.shape), label="weights")
    (g,) = mt.autograd.grad((x.float() * tensor(w, backend_name)).sum(), [x])
    assert_tensor(g, w.astype(np.float64), "float64", backend_name)  # back in the input's dtype


@given(data=st.data())
def test_between_backends(backend_name, data):
    require_dtypes(backend_name, "float64")
    shape = data.draw(mts.shapes(), label="shape")
    x, values = draw_leaf(data, backend_name, shape)
    on_numpy = x.to("numpy")
    assert_tensor(on_numpy, values, "float64", "numpy")
    back = (on_numpy * 3.0).to(backend_name)
    assert_tensor(back, values * 3.0, "float64", backend_name)
    (g,) = mt.autograd.grad(back.sum(), [x])  # the gradient comes back to the input's backend
    assert_tensor(g, np.full(shape, 3.0), "float64", backend_name)
    start = mt.tensor(values, dtype=mt.float64, backend="numpy", requires_grad=True)
    assert_tensor(start.to(backend_name), values, "float64", backend_name)
    assert host(start.to(backend_name).to("numpy")).tolist() == values.tolist()
