"""Property tests: autograd's gradient of every differentiable core op against central differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.testing import check_gradients

SEEDS = st.integers(0, 2**32 - 1)
LAYOUTS = st.sampled_from(["contiguous", "transposed", "strided"])


# ---- strategies ---------------------------------------------------------------------
@st.composite
def shapes(draw, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3) -> tuple[int, ...]:
    return tuple(draw(st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims)))


@st.composite
def broadcast_pairs(draw, min_dims: int = 0) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together: size-1 dims and missing leading dims on either side."""
    full = draw(shapes(min_dims=min_dims))
    out = []
    for _ in range(2):
        drop = draw(st.integers(0, len(full)))
        shape = list(full[drop:])
        for i in range(len(shape)):
            if draw(st.booleans()):
                shape[i] = 1
        out.append(tuple(shape))
    return out[0], out[1]


def values(seed: int, shape: tuple[int, ...], kind: str = "any") -> np.ndarray:
    """Random float64 values kept away from the op's non-differentiable or undefined points."""
    return np.asarray(_values(seed, shape, kind), dtype=np.float64)


def _values(seed: int, shape: tuple[int, ...], kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1.0, 1.0, shape)
    if kind == "positive":
        return 0.2 + 1.5 * np.abs(u)
    if kind == "nonzero":  # |x| >= 0.3: away from the kinks of abs and relu and the pole of 1/x
        return np.sign(u + (u == 0)) * (0.3 + np.abs(u))
    if kind == "distinct":  # a random permutation of well separated values: no ties for max/min
        n = int(np.prod(shape, dtype=np.int64))
        return (rng.permutation(n) * 0.37 - n * 0.15 + rng.uniform(0, 0.05, n)).reshape(shape)
    return 2.0 * u


def leaf(arr: np.ndarray, layout: str = "contiguous") -> mt.Tensor:
    """A float64 leaf requiring grad whose memory is laid out contiguously, transposed or strided."""
    if layout == "transposed" and arr.ndim >= 2:
        x = mt.from_numpy(np.ascontiguousarray(arr.T).T)
    elif layout == "strided" and arr.ndim >= 1:
        padded = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],))
        padded[..., ::2] = arr
        x = mt.from_numpy(padded[..., ::2])
    else:
        x = mt.from_numpy(arr.copy())
    assert np.array_equal(x.numpy(), arr)
    return x.requires_grad_()


# ---- unary ----------------------------------------------------------------------------
UNARY = {
    "neg": (lambda x: -x, "any"),
    "exp": (mt.exp, "any"),
    "log": (mt.log, "positive"),
    "sqrt": (mt.sqrt, "positive"),
    "reciprocal": (mt.reciprocal, "nonzero"),
    "abs": (mt.abs, "nonzero"),
    "sin": (mt.sin, "any"),
    "cos": (mt.cos, "any"),
    "tanh": (mt.tanh, "any"),
    "sigmoid": (mt.sigmoid, "any"),
    "relu": (mt.relu, "nonzero"),
    "sign": (mt.sign, "nonzero"),
    "square": (lambda x: x.square(), "any"),
    "pow_scalar": (lambda x: x ** 3, "any"),
    "pow_fractional": (lambda x: x ** 1.5, "positive"),
    "rpow": (lambda x: 2.0 ** x, "any"),
    "clamp": (lambda x: mt.clamp(x, -0.5, 0.5), "any"),
    "clamp_min": (lambda x: x.clamp(min=0.1), "any"),
    "scalar_arith": (lambda x: (3 - x) * 2 / 4 + 1, "any"),
    "rdiv": (lambda x: 1.5 / x, "nonzero"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes(), seed=SEEDS, layout=LAYOUTS)
def test_unary_gradients(name, shape, seed, layout):
    fn, kind = UNARY[name]
    arr = values(seed, shape, kind)
    if name.startswith("clamp"):  # keep values away from the clamp bounds
        arr = np.where(np.abs(np.abs(arr) - 0.5) < 0.05, arr + 0.2, arr)
        arr = np.where(np.abs(arr - 0.1) < 0.05, arr + 0.2, arr)
    check_gradients(fn, [leaf(arr, layout)])


# ---- binary, with broadcasting ------------------------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, "any", "any"),
    "sub": (lambda a, b: a - b, "any", "any"),
    "mul": (lambda a, b: a * b, "any", "any"),
    "div": (lambda a, b: a / b, "any", "nonzero"),
    "pow": (lambda a, b: a ** b, "positive", "any"),
    "maximum": (mt.maximum, "distinct", "distinct"),
    "minimum": (mt.minimum, "distinct", "distinct"),
    "add_alpha": (lambda a, b: mt.add(a, b, alpha=2.5), "any", "any"),
    "sub_alpha": (lambda a, b: mt.sub(a, b, alpha=0.5), "any", "any"),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcast_pairs(), seed=SEEDS, layout=LAYOUTS)
def test_binary_gradients_with_broadcasting(name, pair, seed, layout):
    fn, kind_a, kind_b = BINARY[name]
    a = values(seed, pair[0], kind_a)
    b = values(seed + 1, pair[1], kind_b)
    if kind_a == "distinct":  # no ties between the two operands either
        b = np.asarray(b + 0.011)
    check_gradients(fn, [leaf(a, layout), leaf(b)])


@given(pair=broadcast_pairs(), seed=SEEDS, layout=LAYOUTS)
def test_where_gradients(pair, seed, layout):
    a, b = values(seed, pair[0]), values(seed + 1, pair[1])
    full = np.broadcast_shapes(pair[0], pair[1])
    cond = mt.tensor(np.random.default_rng(seed).random(full) > 0.5)
    check_gradients(lambda x, y: mt.where(cond, x, y), [leaf(a, layout), leaf(b)])
    check_gradients(lambda x: mt.where(cond, x, 0.5), [leaf(a, layout)])
    check_gradients(lambda x: x.masked_fill(cond, -1.0), [leaf(a, layout)])


@st.composite
def matmul_shapes(draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Operand shapes for torch.matmul: 1-D, 2-D and batched with broadcast batch dims."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch_a, batch_b = draw(broadcast_pairs())
    batch_a, batch_b = batch_a[-2:], batch_b[-2:]
    a = draw(st.sampled_from([(k,), (n, k), batch_a + (n, k)]))
    b = draw(st.sampled_from([(k,), (k, m), batch_b + (k, m)]))
    return a, b


@given(pair=matmul_shapes(), seed=SEEDS, layout=LAYOUTS)
def test_matmul_gradients(pair, seed, layout):
    a, b = values(seed, pair[0]), values(seed + 1, pair[1])
    check_gradients(lambda x, y: x @ y, [leaf(a, layout), leaf(b, layout)])


# ---- reductions ---------------------------------------------------------------------------
@st.composite
def reduce_args(draw, min_dims: int = 1):
    shape = draw(shapes(min_dims=min_dims))
    ndim = len(shape)
    dim = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1) if ndim else st.none(),
        st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim).map(tuple) if ndim else st.none(),
    ))
    return shape, dim, draw(st.booleans())


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), "any"),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), "any"),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), "distinct"),
    "amin": (lambda x, d, k: x.amin(d, keepdim=k), "distinct"),
    "logsumexp": (lambda x, d, k: x.logsumexp(() if d is None else d, keepdim=k), "any"),
    "var": (lambda x, d, k: x.var(d, keepdim=k), "any"),
    "var_biased": (lambda x, d, k: x.var(d, keepdim=k, correction=0), "any"),
    "std": (lambda x, d, k: x.std(d, keepdim=k), "distinct"),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(args=reduce_args(), seed=SEEDS, layout=LAYOUTS)
def test_reduction_gradients(name, args, seed, layout):
    shape, dim, keepdim = args
    fn, kind = REDUCTIONS[name]
    if name.startswith(("var", "std")):
        counted = np.prod([shape[d] for d in ((dim,) if isinstance(dim, int) else dim or range(len(shape)))])
        if counted < 2:  # var of a single element (correction 1) divides by zero
            dim, shape = None, shape + (2,)
    check_gradients(lambda x: fn(x, dim, keepdim), [leaf(values(seed, shape, kind), layout)])


@given(args=reduce_args(), seed=SEEDS, layout=LAYOUTS, op=st.sampled_from(["max", "min"]))
def test_max_min_along_dim_gradients(args, seed, layout, op):
    shape, dim, keepdim = args
    dim = dim if isinstance(dim, int) else 0
    check_gradients(lambda x: getattr(x, op)(dim, keepdim=keepdim).values,
                    [leaf(values(seed, shape, "distinct"), layout)])
    check_gradients(lambda x: getattr(x, op)(), [leaf(values(seed, shape, "distinct"), layout)])


@given(shape=shapes(min_dims=1), seed=SEEDS, layout=LAYOUTS, zeros=st.integers(0, 2), data=st.data())
def test_prod_gradients_with_zeros(shape, seed, layout, zeros, data):
    arr = values(seed, shape, "nonzero")
    flat = arr.reshape(-1)
    flat[np.random.default_rng(seed).permutation(flat.size)[:zeros]] = 0.0
    dim = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdim = data.draw(st.booleans())
    check_gradients(lambda x: x.prod(dim, keepdim=keepdim), [leaf(arr, layout)])


@pytest.mark.parametrize("fn", [mt.softmax, mt.log_softmax], ids=["softmax", "log_softmax"])
@given(shape=shapes(min_dims=1), seed=SEEDS, layout=LAYOUTS, data=st.data())
def test_softmax_gradients(fn, shape, seed, layout, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_gradients(lambda x: fn(x, dim=dim), [leaf(values(seed, shape), layout)])


# ---- shapes, views and indexing -------------------------------------------------------------------
@given(shape=shapes(min_dims=1), seed=SEEDS, layout=LAYOUTS, data=st.data())
def test_view_op_gradients(shape, seed, layout, data):
    x = leaf(values(seed, shape), layout)
    ndim = len(shape)
    perm = tuple(data.draw(st.permutations(range(ndim))))
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    unsq = data.draw(st.integers(-ndim - 1, ndim))
    check_gradients(lambda t: t.reshape(-1), [x])
    check_gradients(lambda t: t.view(1, -1, 1), [x])
    check_gradients(lambda t: t.permute(*perm), [x])
    check_gradients(lambda t: t.transpose(d0, d1), [x])
    check_gradients(lambda t: t.T, [x])
    check_gradients(lambda t: t.unsqueeze(unsq), [x])
    check_gradients(lambda t: t.unsqueeze(0).squeeze(), [x])
    check_gradients(lambda t: t.flatten(), [x])
    check_gradients(lambda t: t.expand(2, *shape), [x])
    check_gradients(lambda t: t.contiguous() * 1.5, [x])
    check_gradients(lambda t: t.clone(), [x])
    check_gradients(lambda t: mt.pad(t, (1, 2)), [x])


@given(pair=broadcast_pairs(min_dims=1), seed=SEEDS, layout=LAYOUTS)
def test_expand_gradients(pair, seed, layout):
    small, _ = pair
    target = np.broadcast_shapes(*pair)
    check_gradients(lambda t: t.expand(*target), [leaf(values(seed, small), layout)])
    check_gradients(lambda t: mt.broadcast_to(t, (2,) + target), [leaf(values(seed, small), layout)])


@given(shape=shapes(min_dims=1), seed=SEEDS, layout=LAYOUTS, data=st.data())
def test_cat_stack_split_chunk_gradients(shape, seed, layout, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    other = list(shape)
    other[dim] = data.draw(st.integers(1, 3))
    a, b = leaf(values(seed, shape), layout), leaf(values(seed + 1, tuple(other)), layout)
    check_gradients(lambda x, y: mt.cat([x, y, x], dim=dim), [a, b])
    sdim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check_gradients(lambda x, y: mt.stack([x, y * 2], dim=sdim), [a, leaf(values(seed + 2, shape))])
    size = data.draw(st.integers(1, 3))
    # weight the pieces differently so a gradient sent to the wrong piece shows
    check_gradients(lambda x: mt.cat([p * (i + 1) for i, p in enumerate(x.split(size, dim))], dim), [a])
    check_gradients(lambda x: mt.cat([p * (i + 1) for i, p in enumerate(x.chunk(size, dim))], dim), [a])


@given(shape=shapes(min_dims=1), seed=SEEDS, layout=LAYOUTS, data=st.data())
def test_indexing_gradients(shape, seed, layout, data):
    x = leaf(values(seed, shape), layout)
    n = shape[0]
    i = data.draw(st.integers(-n, n - 1))
    start = data.draw(st.integers(0, n))
    step = data.draw(st.integers(1, 2))
    idx = mt.tensor(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))  # repeats accumulate
    mask = mt.tensor(np.random.default_rng(seed).random(shape) > 0.4)
    check_gradients(lambda t: t[i], [x])
    check_gradients(lambda t: t[start::step], [x])
    check_gradients(lambda t: t[None, ..., None], [x])
    check_gradients(lambda t: t[idx], [x])
    check_gradients(lambda t: t[mask], [x])
    check_gradients(lambda t: t[..., -1], [x])
    if len(shape) >= 2:
        j = mt.tensor(data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=1, max_size=3)))
        check_gradients(lambda t: t[:, j], [x])
        check_gradients(lambda t: t[idx[:1], j[:1]], [x])


@given(shape=shapes(), seed=SEEDS, layout=LAYOUTS)
def test_composite_expression_gradients(shape, seed, layout):
    """A small network-like expression mixing many ops, with x used several times."""
    x = leaf(values(seed, shape, "positive"), layout)
    check_gradients(lambda t: (t.exp() * t.log() - t.sqrt() / (1 + t * t)).tanh() + t.sigmoid() ** 2, [x])
