"""Shape operations, joins and splits, matmul, and the shape errors they raise, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt


@st.composite
def arrays(draw, min_dims=1, max_dims=4):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims)))
    return np.arange(int(np.prod(shape))).reshape(shape)


@given(arr=arrays(), data=st.data())
def test_views_match_numpy(arr, data):
    t = mt.tensor(arr)
    ndim = arr.ndim
    perm = data.draw(st.permutations(range(ndim)))
    np.testing.assert_array_equal(t.permute(*perm).numpy(), arr.transpose(perm))
    np.testing.assert_array_equal(t.permute(perm).numpy(), arr.transpose(perm))
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    np.testing.assert_array_equal(t.transpose(d0, d1).numpy(), np.swapaxes(arr, d0, d1))
    np.testing.assert_array_equal(t.T.numpy(), arr.T)
    np.testing.assert_array_equal(t.reshape(-1).numpy(), arr.reshape(-1))
    np.testing.assert_array_equal(t.view(arr.shape[::-1]).numpy(), arr.reshape(arr.shape[::-1]))
    np.testing.assert_array_equal(t.reshape(1, -1, 1).numpy(), arr.reshape(1, -1, 1))
    start = data.draw(st.integers(-ndim, ndim - 1))
    end = data.draw(st.integers(start % ndim, ndim - 1))
    flat = t.flatten(start, end)
    s = start % ndim
    assert flat.shape == arr.shape[:s] + (int(np.prod(arr.shape[s:end + 1])),) + arr.shape[end + 1:]
    np.testing.assert_array_equal(flat.numpy().reshape(-1), arr.reshape(-1))
    u = data.draw(st.integers(-ndim - 1, ndim))
    np.testing.assert_array_equal(t.unsqueeze(u).numpy(), np.expand_dims(arr, u))
    np.testing.assert_array_equal(t.unsqueeze(u).squeeze(u).numpy(), arr)
    np.testing.assert_array_equal(t.squeeze().numpy(), arr.squeeze())
    ones = tuple(i for i, n in enumerate(arr.shape) if n == 1)
    np.testing.assert_array_equal(t.squeeze(ones).numpy(), arr.squeeze(ones) if ones else arr)
    target = tuple(data.draw(st.sampled_from([n, 3])) if n == 1 else n for n in arr.shape)
    np.testing.assert_array_equal(t.expand(2, *target).numpy(), np.broadcast_to(arr, (2,) + target))
    np.testing.assert_array_equal(t.T.contiguous().numpy(), arr.T)
    assert t.T.contiguous().numpy().flags["C_CONTIGUOUS"]


def test_views_share_memory_and_reshape_of_non_contiguous_copies_values():
    x = mt.zeros(2, 3)
    for i, view in enumerate([x.reshape(6), x.view(3, 2), x.T, x.permute(1, 0), x.unsqueeze(0), x[None], x.flatten()]):
        view.fill_(i + 1)
        assert x.sum().item() == 6 * (i + 1)
    x.T[2, 1] = 5.0
    assert x[1, 2].item() == 5.0
    x.reshape(6)[0] = 1.0
    assert x[0, 0].item() == 1.0
    t = mt.arange(6).reshape(2, 3).T
    assert t.reshape(-1).tolist() == [0, 3, 1, 4, 2, 5]
    assert t.contiguous().tolist() == t.tolist()


def test_size_arguments_and_method_aliases():
    x = mt.arange(24).reshape((2, 3, 4))
    assert x.reshape([4, 6]).shape == (4, 6) and x.view(2, 12).shape == (2, 12)
    assert x.view_as(mt.zeros(6, 4)).shape == (6, 4) and x.mT.shape == (2, 4, 3)
    assert x.expand_as(mt.zeros(5, 2, 3, 4)).shape == (5, 2, 3, 4)
    assert mt.ones(3, 1).expand(-1, 4).shape == (3, 4) and mt.ones(3, 1).expand(2, -1, 4).shape == (2, 3, 4)
    assert mt.reshape(x, (6, 4)).shape == (6, 4) and mt.permute(x, (2, 1, 0)).shape == (4, 3, 2)
    assert mt.transpose(x, 0, 2).shape == (4, 3, 2) and mt.flatten(x).shape == (24,)
    assert mt.squeeze(mt.ones(1, 2)).shape == (2,) and mt.unsqueeze(mt.ones(2), -1).shape == (2, 1)
    assert mt.ones(2, 3).t().shape == (3, 2) and mt.ones(3).t().shape == (3,)
    with pytest.raises(RuntimeError, match="t\\(\\) expects"):
        x.t()


def test_shape_errors_name_the_problem():
    x = mt.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match="not a permutation"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match=r"Dimension out of range.*got 2"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match=r"expand.*size 4.*size 3.*dimension 1"):
        x.expand(2, 4)
    with pytest.raises(RuntimeError, match="number of sizes"):
        x.expand(3)
    with pytest.raises(RuntimeError, match="leading, non-existing dimension"):
        x.expand(-1, 2, 3)
    with pytest.raises(RuntimeError, match="start_dim"):
        mt.ones(2, 3, 4).flatten(2, 1)


def test_broadcast_errors_print_both_shapes_and_the_op():
    a, b = mt.ones(2, 3), mt.ones(4)
    for op, name in [(lambda: a + b, "add"), (lambda: a - b, "sub"), (lambda: a * b, "mul"), (lambda: a / b, "div"),
                     (lambda: a ** b, "pow"), (lambda: a < b, "lt"), (lambda: a == b, "eq"),
                     (lambda: mt.maximum(a, b), "maximum"), (lambda: mt.where(a > 0, a, b), "where")]:
        with pytest.raises(RuntimeError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
            op()
    with pytest.raises(RuntimeError, match=r"where.*\(5,\)"):
        mt.where(mt.ones(5) > 0, a, 0.0)


# ---- joins and splits ----------------------------------------------------------------------
@given(arr=arrays(), data=st.data())
def test_cat_stack_match_numpy(arr, data):
    dim = data.draw(st.integers(-arr.ndim, arr.ndim - 1))
    other_shape = list(arr.shape)
    other_shape[dim] = data.draw(st.integers(1, 3))
    other = -np.arange(int(np.prod(other_shape))).reshape(other_shape)
    np.testing.assert_array_equal(mt.cat([mt.tensor(arr), mt.tensor(other)], dim).numpy(),
                                  np.concatenate([arr, other], dim))
    np.testing.assert_array_equal(mt.cat((mt.tensor(arr),), dim).numpy(), arr)
    sdim = data.draw(st.integers(-arr.ndim - 1, arr.ndim))
    np.testing.assert_array_equal(mt.stack([mt.tensor(arr), mt.tensor(-arr), mt.tensor(arr)], sdim).numpy(),
                                  np.stack([arr, -arr, arr], sdim))


@given(arr=arrays(), data=st.data())
def test_split_chunk_reassemble(arr, data):
    dim = data.draw(st.integers(-arr.ndim, arr.ndim - 1))
    n = arr.shape[dim]
    size = data.draw(st.integers(1, 5))
    t = mt.tensor(arr)
    pieces = t.split(size, dim)
    assert [p.shape[dim] for p in pieces] == [min(size, n - s) for s in range(0, n, size)]
    np.testing.assert_array_equal(mt.cat(pieces, dim).numpy(), arr)
    sections = data.draw(st.lists(st.integers(0, n), min_size=1, max_size=3))
    sections = sections[:-1] + [n - sum(sections[:-1])] if sum(sections[:-1]) <= n else [n]
    parts = mt.split(t, sections, dim)
    assert [p.shape[dim] for p in parts] == sections
    np.testing.assert_array_equal(mt.cat(parts, dim).numpy(), arr)
    chunks = data.draw(st.integers(1, 5))
    got = t.chunk(chunks, dim)
    expected = np.array_split(arr, range(-(-n // chunks), n, -(-n // chunks)), axis=dim)  # torch's rule
    assert len(got) == len(expected) <= chunks
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e)


def test_cat_stack_split_errors_and_promotion():
    with pytest.raises(RuntimeError, match=r"cat.*dimension 0.*\(1, 2\).*\(1, 3\)"):
        mt.cat([mt.ones(1, 2), mt.ones(1, 3)])
    with pytest.raises(RuntimeError, match=r"stack.*\(2,\).*\(3,\)"):
        mt.stack([mt.ones(2), mt.ones(3)])
    with pytest.raises(ValueError, match="non-empty"):
        mt.cat([])
    with pytest.raises(RuntimeError, match=r"split.*\[1, 1\].*3"):
        mt.ones(3).split([1, 1])
    with pytest.raises(ValueError, match="chunks"):
        mt.ones(3).chunk(0)
    mixed = mt.cat([mt.tensor([1, 2]), mt.tensor([0.5])])
    assert mixed.dtype is mt.float32 and mixed.tolist() == [1.0, 2.0, 0.5]
    assert [p.shape for p in mt.zeros(0).chunk(3)] == [(0,)] * 3  # as torch


def test_pad_matches_numpy():
    arr = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(mt.pad(mt.tensor(arr), (1, 2)).numpy(), np.pad(arr, ((0, 0), (1, 2))))
    np.testing.assert_array_equal(mt.pad(mt.tensor(arr), (0, 1, 2, 0), value=-1.0).numpy(),
                                  np.pad(arr, ((2, 0), (0, 1)), constant_values=-1.0))
    with pytest.raises(ValueError, match="even"):
        mt.pad(mt.tensor(arr), (1,))


# ---- matmul ------------------------------------------------------------------------------
@st.composite
def matmul_operands(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    a_batch = tuple(1 if draw(st.booleans()) else b for b in batch)[draw(st.integers(0, len(batch))):]
    b_batch = tuple(1 if draw(st.booleans()) else b for b in batch)[draw(st.integers(0, len(batch))):]
    a_shape = draw(st.sampled_from([(k,), a_batch + (n, k)]))
    b_shape = draw(st.sampled_from([(k,), b_batch + (k, m)]))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    return rng.standard_normal(a_shape), rng.standard_normal(b_shape)


@given(ops=matmul_operands())
def test_matmul_matches_numpy(ops):
    a, b = ops
    out = mt.tensor(a, dtype=mt.float64) @ mt.tensor(b, dtype=mt.float64)
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mt.matmul(mt.tensor(a), mt.tensor(b)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_matmul_dtypes_and_errors():
    i = mt.tensor([[1, 2], [3, 4]])
    assert (i @ i).tolist() == [[7, 10], [15, 22]] and (i @ i).dtype is mt.int64
    assert (i @ mt.ones(2)).dtype is mt.float32 and (i @ mt.ones(2)).tolist() == [3.0, 7.0]
    with pytest.raises(RuntimeError, match=r"matmul.*\(3, 2\).*\(3, 2\)"):
        mt.ones(3, 2) @ mt.ones(3, 2)
    with pytest.raises(RuntimeError, match=r"matmul.*\(3,\).*\(2,\)"):
        mt.ones(3) @ mt.ones(2)
    with pytest.raises(RuntimeError, match=r"matmul \(batch dims\).*\(2,\).*\(3,\)"):
        mt.ones(2, 4, 5) @ mt.ones(3, 5, 1)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        mt.tensor(2.0) @ mt.ones(2)
