"""Tensor creation, conversion, random generation, 0-d tensors, elementwise math and in-place updates."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import minitorch as mt


# ---- creation ----------------------------------------------------------------------------
def test_tensor_from_nested_lists_copies_data():
    data = [[1.0, 2.0], [3.0, 4.0]]
    t = mt.tensor(data)
    assert t.shape == (2, 2) and t.ndim == 2 and t.dim() == 2 and len(t) == 2
    assert t.numel() == 4 and t.size() == (2, 2) and t.size(1) == 2 and t.size(-2) == 2
    assert t.tolist() == data
    arr = np.array([1.0, 2.0])
    t2 = mt.tensor(arr)
    arr[0] = 99.0
    assert t2.tolist() == [1.0, 2.0]  # mt.tensor copies
    t3 = mt.tensor(t2)
    t3[0] = 5.0
    assert t2.tolist() == [1.0, 2.0]


def test_tensor_options():
    t = mt.tensor([1, 2], dtype=mt.float64, requires_grad=True, backend="numpy")
    assert t.dtype is mt.float64 and t.requires_grad and t.backend == "numpy" and t.device == "cpu"
    assert t.is_leaf and t.grad is None and t.grad_fn is None
    with pytest.raises(ValueError, match="ragged"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="stack"):
        mt.tensor([mt.ones(1), mt.ones(1)])


def test_zeros_ones_full_empty():
    assert mt.zeros(2, 3).tolist() == np.zeros((2, 3)).tolist()
    assert mt.zeros((2, 3)).shape == (2, 3) and mt.zeros([2, 3]).shape == (2, 3)
    assert mt.ones(3, dtype=mt.int64).tolist() == [1, 1, 1]
    assert mt.full((2, 2), 2.5).tolist() == [[2.5, 2.5], [2.5, 2.5]]
    assert mt.full(3, -1).tolist() == [-1, -1, -1]
    assert mt.empty(4, 2).shape == (4, 2) and mt.empty(4).dtype is mt.float32
    assert mt.zeros(0, 3).shape == (0, 3) and mt.zeros(0, 3).numel() == 0
    assert mt.zeros(()).shape == () and mt.ones([]).item() == 1.0
    assert mt.ones(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="negative"):
        mt.zeros(2, -1)


def test_arange_linspace_eye_match_numpy():
    np.testing.assert_array_equal(mt.arange(5).numpy(), np.arange(5))
    np.testing.assert_array_equal(mt.arange(2, 11, 3).numpy(), np.arange(2, 11, 3))
    np.testing.assert_array_equal(mt.arange(5, 0, -2).numpy(), np.arange(5, 0, -2))
    np.testing.assert_allclose(mt.arange(0, 1, 0.25).numpy(), np.arange(0, 1, 0.25))
    assert mt.arange(3, dtype=mt.float64).dtype is mt.float64
    with pytest.raises(ValueError, match="step"):
        mt.arange(0, 3, 0)
    np.testing.assert_allclose(mt.linspace(-1, 2, 7).numpy(), np.linspace(-1, 2, 7), rtol=1e-6)
    assert mt.linspace(0, 1, 1).tolist() == [0.0] and mt.linspace(0, 1, 5).dtype is mt.float32
    np.testing.assert_array_equal(mt.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(mt.eye(2, 4, dtype=mt.int64).numpy(), np.eye(2, 4, dtype=np.int64))


def test_like_factories_keep_shape_dtype_backend():
    x = mt.tensor([[1, 2, 3]], dtype=mt.float64)
    for fn, value in [(mt.zeros_like, 0.0), (mt.ones_like, 1.0), (mt.empty_like, None)]:
        y = fn(x)
        assert y.shape == x.shape and y.dtype is mt.float64 and y.backend == x.backend
        if value is not None:
            assert y.tolist() == [[value] * 3]
    y = mt.full_like(x, 4)
    assert y.tolist() == [[4.0] * 3] and y.dtype is mt.float64
    assert mt.zeros_like(x, dtype=mt.int64).dtype is mt.int64
    assert mt.ones_like(x, requires_grad=True).requires_grad
    assert mt.full_like(mt.tensor([1, 2]), 2.7).tolist() == [2, 2]  # int dtype kept, as torch


def test_from_numpy_shares_memory_and_numpy_returns_it():
    a = np.zeros(3)
    t = mt.from_numpy(a)
    assert t.dtype is mt.float64
    a[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    t[2] = 7.0
    assert a[2] == 7.0
    back = t.numpy()
    assert np.shares_memory(back, a)
    assert mt.from_numpy(np.array([1, 2])).dtype is mt.int64
    assert mt.from_numpy(np.array([True])).dtype is mt.bool
    assert mt.from_numpy(np.ones(2, dtype=np.float32)).dtype is mt.float32
    with pytest.raises(TypeError, match="ndarray"):
        mt.from_numpy([1, 2])
    np.testing.assert_array_equal(np.asarray(mt.tensor([[1, 2]])), np.array([[1, 2]]))


def test_item_tolist_and_python_conversions():
    assert mt.tensor(2.5).item() == 2.5 and isinstance(mt.tensor(2.5).item(), float)
    assert mt.tensor([[7]]).item() == 7 and isinstance(mt.tensor([[7]]).item(), int)
    assert mt.tensor(True).item() is True
    assert mt.tensor([1.5, 2.0]).tolist() == [1.5, 2.0] and mt.tensor(3).tolist() == 3
    with pytest.raises(RuntimeError, match="2 elements"):
        mt.ones(2).item()
    assert float(mt.tensor([0.5])) == 0.5 and int(mt.tensor(3)) == 3
    assert bool(mt.tensor([1.0])) and not bool(mt.tensor(0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.ones(2))
    assert [1, 2, 3][mt.tensor(1)] == 2  # __index__
    assert f"{mt.tensor(0.123456):.2f}" == "0.12"
    with pytest.raises(RuntimeError, match="detach"):
        mt.ones(2, requires_grad=True).numpy()
    assert mt.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]


def test_repr_shows_values_and_non_default_attributes():
    assert repr(mt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=minitorch.float64" in repr(mt.tensor([1.0], dtype=mt.float64))
    assert "requires_grad=True" in repr(mt.ones(1, requires_grad=True))
    assert "grad_fn=" in repr(mt.ones(1, requires_grad=True) * 2)


def test_iteration_and_len():
    t = mt.tensor([[1, 2], [3, 4], [5, 6]])
    assert [row.tolist() for row in t] == [[1, 2], [3, 4], [5, 6]]
    with pytest.raises(TypeError, match="0-d"):
        len(mt.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(mt.tensor(1.0))


def test_deepcopy_copies_data_and_flags():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.grad.tolist() == [2.0, 4.0]
    with mt.no_grad():
        y[0] = 9.0
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="leaf"):
        copy.deepcopy(x * 2)


# ---- random -----------------------------------------------------------------------------
@pytest.mark.parametrize("factory", [
    lambda **kw: mt.rand(2, 3, **kw),
    lambda **kw: mt.randn((2, 3), **kw),
    lambda **kw: mt.randint(0, 100, (2, 3), **kw),
    lambda **kw: mt.randperm(10, **kw),
    lambda **kw: mt.rand_like(mt.zeros(4, dtype=mt.float64), **kw),
    lambda **kw: mt.randn_like(mt.zeros(4), **kw),
    lambda **kw: mt.randint_like(mt.zeros(4, dtype=mt.int64), 10, **kw),
])
def test_seeding_reproduces_values(factory):
    mt.manual_seed(123)
    a = factory()
    mt.manual_seed(123)
    b = factory()
    assert a.tolist() == b.tolist()
    g1, g2 = mt.Generator().manual_seed(7), mt.Generator().manual_seed(7)
    c, d = factory(generator=g1), factory(generator=g2)
    assert c.tolist() == d.tolist()
    e = factory(generator=g1)  # the generator advanced
    assert e.tolist() != c.tolist()
    mt.manual_seed(123)
    factory(generator=mt.Generator().manual_seed(5))  # an explicit generator leaves the default alone
    assert factory().tolist() == a.tolist()


def test_random_distributions_and_ranges():
    g = mt.Generator().manual_seed(0)
    u = mt.rand(4000, generator=g)
    assert u.dtype is mt.float32 and u.shape == (4000,)
    assert 0.0 <= u.min().item() and u.max().item() < 1.0 and abs(u.mean().item() - 0.5) < 0.03
    n = mt.randn(4000, dtype=mt.float64, generator=g)
    assert n.dtype is mt.float64 and abs(n.mean().item()) < 0.1 and abs(n.std().item() - 1.0) < 0.1
    r = mt.randint(3, 7, (1000,), generator=g)
    assert r.dtype is mt.int64 and set(r.tolist()) == {3, 4, 5, 6}
    assert set(mt.randint(2, (50,), generator=g).tolist()) == {0, 1}
    assert sorted(mt.randperm(6, generator=g).tolist()) == list(range(6))
    assert mt.rand(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="floating"):
        mt.rand(2, dtype=mt.int64)
    with pytest.raises(ValueError, match="low"):
        mt.randint(5, 5, (2,))


def test_generator_state_and_seeds():
    g = mt.Generator().manual_seed(42)
    assert g.initial_seed() == 42
    state = g.get_state()
    a = mt.randn(3, generator=g)
    g.set_state(state)
    assert mt.randn(3, generator=g).tolist() == a.tolist()
    mt.manual_seed(9)
    assert mt.initial_seed() == 9
    s = mt.seed()
    assert mt.initial_seed() == s


def test_in_place_random_fill_uses_the_generator():
    a = mt.empty(5).uniform_(-2.0, -1.0, generator=mt.Generator().manual_seed(1))
    b = mt.empty(5).uniform_(-2.0, -1.0, generator=mt.Generator().manual_seed(1))
    assert a.tolist() == b.tolist() and -2.0 <= a.min().item() and a.max().item() < -1.0
    c = mt.zeros(2000, dtype=mt.float64).normal_(3.0, 0.5, generator=mt.Generator().manual_seed(2))
    assert c.dtype is mt.float64 and abs(c.mean().item() - 3.0) < 0.05


# ---- 0-d tensors ----------------------------------------------------------------------------
def test_zero_dim_tensors():
    s = mt.tensor(3.0)
    assert s.shape == () and s.ndim == 0 and s.numel() == 1
    assert (s * 2).shape == () and (s + mt.ones(2)).shape == (2,)
    assert s.sum().shape == () and s.sum(0).item() == 3.0 and s.mean().item() == 3.0
    assert s.max(0).values.item() == 3.0 and s.max(0).indices.item() == 0
    assert s.argmax().item() == 0 and s.unsqueeze(0).shape == (1,) and s.reshape(1, 1).shape == (1, 1)
    assert s.squeeze().shape == () and s.squeeze(0).shape == () and s.flatten().shape == (1,)
    assert s[None].shape == (1,) and s[...].shape == () and s.T.shape == ()
    assert s.softmax(0).item() == 1.0 and s.log_softmax(-1).item() == 0.0 and s.softmax(0).shape == ()
    assert s.argmin(0).item() == 0 and s.argmax(-1, keepdim=True).shape == () and s.min(-1).values.item() == 3.0
    with pytest.raises(IndexError, match="range"):
        s.sum(1)
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        mt.cat([s, s])
    assert mt.stack([s, s * 2]).tolist() == [3.0, 6.0]
    x = mt.tensor(2.0, requires_grad=True)
    (x * x * x).backward()
    assert x.grad.shape == () and x.grad.item() == 12.0
    assert (mt.ones(2, 3) @ mt.ones(3)).shape == (2,)


# ---- elementwise math, compared with NumPy -------------------------------------------------
@pytest.mark.parametrize("name, np_fn, low", [
    ("exp", np.exp, -3), ("log", np.log, 0.1), ("sqrt", np.sqrt, 0.0), ("abs", np.abs, -3),
    ("sin", np.sin, -3), ("cos", np.cos, -3), ("tanh", np.tanh, -3), ("neg", np.negative, -3),
    ("reciprocal", np.reciprocal, 0.1), ("sign", np.sign, -3),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), -30), ("relu", lambda a: np.maximum(a, 0), -3),
])
def test_unary_ops_match_numpy(name, np_fn, low):
    arr = np.random.default_rng(0).uniform(low, 3, (3, 4))
    for dtype in (mt.float32, mt.float64):
        t = mt.tensor(arr, dtype=dtype)
        out = getattr(mt, name)(t)
        assert out.dtype is dtype and out.shape == (3, 4)
        np.testing.assert_allclose(out.numpy(), np_fn(arr.astype(dtype.numpy)), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(getattr(t, name)().numpy(), out.numpy())


def test_arithmetic_operators_broadcast_like_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2, (2, 1, 3)), rng.uniform(0.5, 2, (4, 1))
    ta, tb = mt.tensor(a, dtype=mt.float64), mt.tensor(b, dtype=mt.float64)
    for op in ["__add__", "__sub__", "__mul__", "__truediv__", "__pow__"]:
        np.testing.assert_allclose(getattr(ta, op)(tb).numpy(), getattr(a, op)(b), rtol=1e-12)
        np.testing.assert_allclose(getattr(ta, op)(1.5).numpy(), getattr(a, op)(1.5), rtol=1e-12)
    np.testing.assert_allclose((2.0 - ta).numpy(), 2.0 - a)
    np.testing.assert_allclose((2.0 / ta).numpy(), 2.0 / a)
    np.testing.assert_allclose((2.0 ** ta).numpy(), 2.0 ** a)
    np.testing.assert_allclose((-ta).numpy(), -a)
    np.testing.assert_allclose((+ta).numpy(), a)
    np.testing.assert_allclose(abs(ta - 1).numpy(), abs(a - 1))
    np.testing.assert_allclose(mt.add(ta, tb, alpha=2).numpy(), a + 2 * b)
    np.testing.assert_allclose(mt.sub(ta, tb, alpha=3).numpy(), a - 3 * b)
    np.testing.assert_allclose(mt.mul(ta, tb).numpy(), a * b)
    np.testing.assert_allclose(mt.div(ta, tb).numpy(), a / b)
    np.testing.assert_allclose(mt.pow(ta, 2).numpy(), a ** 2)
    assert (ta + tb).shape == (2, 4, 3)


def test_numpy_scalars_act_as_python_scalars_on_either_side():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for out, expected in [(np.float64(2.0) + x, [3.0, 4.0]), (x * np.float32(3), [3.0, 6.0]),
                          (np.int64(5) - x, [4.0, 3.0]), (np.float64(4.0) / x, [4.0, 2.0]),
                          (np.float64(2.0) ** x, [2.0, 4.0])]:
        assert isinstance(out, mt.Tensor) and out.dtype is mt.float32 and out.requires_grad  # not an ndarray
        assert out.tolist() == expected
    assert isinstance(np.float64(1.5) < x, mt.Tensor) and (np.float64(1.5) < x).tolist() == [False, True]
    assert (np.int64(2) * mt.tensor([1, 2])).dtype is mt.int64
    with pytest.raises(TypeError, match="ndarray"):
        x * np.array([1.0, 2.0])


def test_clamp_maximum_minimum_where():
    x = mt.tensor([-2.0, -0.5, 0.5, 3.0])
    assert mt.clamp(x, -1, 1).tolist() == [-1.0, -0.5, 0.5, 1.0]
    assert x.clamp(min=0).tolist() == [0.0, 0.0, 0.5, 3.0]
    assert x.clip(max=0).tolist() == [-2.0, -0.5, 0.0, 0.0]
    assert mt.clamp(x, mt.tensor([0.0, 0.0, 1.0, 1.0])).tolist() == [0.0, 0.0, 1.0, 3.0]
    with pytest.raises(ValueError, match="min and max"):
        mt.clamp(x)
    y = mt.tensor([0.0, -1.0, 1.0, 5.0])
    assert mt.maximum(x, y).tolist() == [0.0, -0.5, 1.0, 5.0]
    assert mt.minimum(x, y).tolist() == [-2.0, -1.0, 0.5, 3.0]
    assert x.maximum(y).tolist() == mt.max(x, y).tolist()
    assert mt.where(x > 0, x, y).tolist() == [0.0, -1.0, 0.5, 3.0]
    assert mt.where(x > 0, 1.0, 0.0).tolist() == [0.0, 0.0, 1.0, 1.0]
    assert mt.where(x > 0, x, 0).tolist() == [0.0, 0.0, 0.5, 3.0]
    col = mt.tensor([[True], [False]])
    assert mt.where(col, mt.ones(3), mt.zeros(2, 1)).tolist() == [[1.0] * 3, [0.0] * 3]
    assert x.masked_fill(x < 0, 9.0).tolist() == [9.0, 9.0, 0.5, 3.0]


def test_sigmoid_and_softmax_are_stable_for_large_inputs():
    x = mt.tensor([-1000.0, 0.0, 1000.0])
    assert x.sigmoid().tolist() == [0.0, 0.5, 1.0]
    s = mt.tensor([[1000.0, 1000.0], [-1000.0, 0.0]]).softmax(1)
    assert not np.isnan(s.numpy()).any()
    np.testing.assert_allclose(s.numpy(), [[0.5, 0.5], [0.0, 1.0]])
    assert math.isclose(mt.tensor([1e4, 1e4]).logsumexp(0).item(), 1e4 + math.log(2), rel_tol=1e-6)


# ---- in-place updates ----------------------------------------------------------------------
def test_in_place_ops_update_memory_and_views():
    x = mt.zeros(2, 3)
    row = x[0]
    x.add_(1).mul_(3).sub_(0.5).div_(2)
    assert x.tolist() == [[1.25] * 3] * 2 and row.tolist() == [1.25] * 3
    x += 1
    assert x.tolist() == [[2.25] * 3] * 2
    x.add_(mt.ones(3), alpha=2)
    assert x.tolist() == [[4.25] * 3] * 2
    x.clamp_(max=4).zero_()
    assert x.tolist() == [[0.0] * 3] * 2
    x.fill_(2).copy_(mt.tensor([1.0, 2.0, 3.0]))  # copy_ broadcasts
    assert x.tolist() == [[1.0, 2.0, 3.0]] * 2
    i = mt.tensor([1, 2])
    i.mul_(3)
    assert i.dtype is mt.int64 and i.tolist() == [3, 6]
    with pytest.raises(RuntimeError, match="float32.*int64"):
        i.mul_(2.7)  # as torch: a float result can't be written into an int tensor
    d = mt.zeros(2, dtype=mt.float64)
    d.add_(mt.tensor([0.5, 1.5]))  # float32 into float64 (and back) is fine
    assert d.tolist() == [0.5, 1.5]
    with pytest.raises(RuntimeError, match="shape"):
        mt.zeros(3).add_(mt.ones(2, 3))


def test_in_place_ops_on_leaves_that_require_grad_need_no_grad():
    w = mt.ones(3, requires_grad=True)
    for update in [lambda: w.add_(1), lambda: w.sub_(1), lambda: w.mul_(2), lambda: w.div_(2),
                   lambda: w.clamp_(0, 1), lambda: w.zero_(), lambda: w.fill_(3), lambda: w.copy_(mt.zeros(3)),
                   lambda: w.uniform_(), lambda: w.normal_()]:
        with pytest.raises(RuntimeError, match="leaf.*no_grad"):
            update()
    with pytest.raises(RuntimeError, match="leaf"):
        w += 1
    assert w.tolist() == [1.0, 1.0, 1.0]
    with mt.no_grad():
        w.add_(1)
        w.mul_(mt.tensor([1.0, 2.0, 3.0]))
    assert w.tolist() == [2.0, 4.0, 6.0] and w.requires_grad and w.is_leaf
    h = w * 2
    with pytest.raises(RuntimeError, match="in-place"):
        h.add_(1)
