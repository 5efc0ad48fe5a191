"""Reductions (sum mean max min argmax argmin var std prod logsumexp all any) and softmax, against NumPy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt


@st.composite
def reduce_cases(draw):
    """An array, a dim (None, int or tuple; negatives allowed) and keepdim."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ndim = len(shape)
    dim = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim)
        .filter(lambda ds: len({d % ndim for d in ds}) == len(ds)).map(tuple),
    ))
    seed = draw(st.integers(0, 2**32 - 1))
    arr = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) * 0.5 - 3.0  # no ties
    return arr, dim, draw(st.booleans())


NP_REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(axis=d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(axis=d, keepdims=k)),
    "amax": (lambda t, d, k: t.amax(d, keepdim=k), lambda a, d, k: a.max(axis=d, keepdims=k)),
    "amin": (lambda t, d, k: mt.amin(t, d, keepdim=k), lambda a, d, k: a.min(axis=d, keepdims=k)),
    "prod": (lambda t, d, k: t.prod(d, keepdim=k) if not isinstance(d, tuple) else None,
             lambda a, d, k: a.prod(axis=d, keepdims=k)),
    "var": (lambda t, d, k: t.var(d, keepdim=k), lambda a, d, k: a.var(axis=d, keepdims=k, ddof=1)),
    "var_unbiased_false": (lambda t, d, k: t.var(d, unbiased=False, keepdim=k),
                           lambda a, d, k: a.var(axis=d, keepdims=k)),
    "std": (lambda t, d, k: mt.std(t, d, keepdim=k), lambda a, d, k: a.std(axis=d, keepdims=k, ddof=1)),
    "std_correction0": (lambda t, d, k: t.std(d, keepdim=k, correction=0), lambda a, d, k: a.std(axis=d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k) if d is not None else None,
                  lambda a, d, k: np.log(np.exp(a).sum(axis=d, keepdims=k))),
}


@pytest.mark.parametrize("name", sorted(NP_REDUCTIONS))
@given(case=reduce_cases())
def test_reductions_match_numpy(name, case):
    arr, dim, keepdim = case
    mt_fn, np_fn = NP_REDUCTIONS[name]
    for dtype in (mt.float32, mt.float64):
        out = mt_fn(mt.tensor(arr, dtype=dtype), dim, keepdim)
        if out is None:
            return
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's var of one element: nan, as ours
            expected = np.asarray(np_fn(arr, dim, keepdim))
        assert out.shape == expected.shape and out.dtype is dtype
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5 if dtype is mt.float32 else 1e-12, equal_nan=True)


@given(case=reduce_cases())
def test_max_min_argmax_argmin_along_dim_match_numpy(case):
    arr, dim, keepdim = case
    dim = dim if isinstance(dim, int) else -1
    t = mt.tensor(arr)
    for op, arg in [("max", np.argmax), ("min", np.argmin)]:
        values, indices = getattr(t, op)(dim, keepdim=keepdim)
        expected_idx = arg(arr, axis=dim, keepdims=keepdim)
        assert indices.dtype is mt.int64 and indices.shape == expected_idx.shape
        np.testing.assert_array_equal(indices.numpy(), expected_idx)
        np.testing.assert_array_equal(values.numpy(), getattr(arr, op)(axis=dim, keepdims=keepdim).astype(np.float32))
        result = getattr(t, op)(dim)
        assert result.values.shape == result.indices.shape  # a named tuple
        np.testing.assert_array_equal(getattr(t, "arg" + op)(dim, keepdim=keepdim).numpy(), expected_idx)
    assert t.argmax().item() == int(np.argmax(arr)) and t.argmin().item() == int(np.argmin(arr))
    assert t.argmax(keepdim=True).shape == (1,) * arr.ndim


def test_arg_reductions_pick_the_first_of_ties():
    t = mt.tensor([[1, 3, 3], [0, 0, -1]])
    assert t.argmax(1).tolist() == [1, 0] and t.argmin(1).tolist() == [0, 2]
    assert t.max(1).indices.tolist() == [1, 0] and t.argmax().item() == 1


def test_integer_and_bool_reductions():
    i = mt.tensor([[1, 2], [3, 4]])
    assert i.sum().item() == 10 and i.sum().dtype is mt.int64
    assert i.sum(dim=0).tolist() == [4, 6] and i.prod().item() == 24
    assert i.amax().item() == 4 and i.max(0).values.dtype is mt.int64
    b = mt.tensor([[True, False], [True, True]])
    assert b.sum().item() == 3 and b.sum().dtype is mt.int64
    assert b.all().item() is False and b.any().item() is True
    assert b.all(dim=0).tolist() == [True, False] and b.any(dim=1, keepdim=True).tolist() == [[True], [True]]
    assert mt.tensor([0.0, 2.0]).all().item() is False and mt.tensor([0.0, 2.0]).any().item() is True
    assert i.sum(dtype=mt.float64).dtype is mt.float64


def test_empty_and_degenerate_reductions():
    e = mt.zeros(0, 3)
    assert e.sum().item() == 0.0 and e.sum(0).tolist() == [0.0, 0.0, 0.0] and e.sum(1).shape == (0,)
    assert e.prod(0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="empty"):
        e.amax()
    with pytest.raises(RuntimeError, match="empty"):
        e.argmax()
    assert mt.ones(2, 3).sum(()).item() == 6.0  # an empty tuple reduces everything, as torch
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="multiple times"):
        mt.ones(2, 3).sum((1, -1))


def test_var_std_hand_computed():
    x = mt.tensor([1.0, 2.0, 3.0, 4.0])
    assert abs(x.var().item() - 5.0 / 3.0) < 1e-6
    assert abs(x.var(unbiased=False).item() - 1.25) < 1e-6
    assert abs(x.std(correction=0).item() - 1.25 ** 0.5) < 1e-6
    assert x.var(0, keepdim=True).shape == (1,)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@given(case=reduce_cases())
def test_softmax_matches_numpy(fn, case):
    arr, dim, _ = case
    dim = dim if isinstance(dim, int) else 0
    out = getattr(mt.tensor(arr, dtype=mt.float64), fn)(dim)
    e = np.exp(arr - arr.max(axis=dim, keepdims=True))
    soft = e / e.sum(axis=dim, keepdims=True)
    expected = soft if fn == "softmax" else np.log(soft)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    if fn == "softmax":
        np.testing.assert_allclose(out.sum(dim).numpy(), 1.0, rtol=1e-12)
    assert getattr(mt, fn)(mt.tensor(arr, dtype=mt.float32), dim=dim).dtype is mt.float32


def test_logsumexp_handles_infinities():
    x = mt.tensor([[-float("inf"), -float("inf")], [0.0, -float("inf")], [float("inf"), 1.0]], dtype=mt.float64)
    out = x.logsumexp(1)
    assert out.tolist() == [-float("inf"), 0.0, float("inf")]
