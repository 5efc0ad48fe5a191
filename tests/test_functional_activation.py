"""nn.functional activations, softmax and linear: central differences, PyTorch values/gradients, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.nn.functional import activation
from minitorch.testing import check_gradients

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
seeds = st.integers(0, 2**16)


def _array(shape, seed, scale=2.0, away_from_zero=True):
    """Random float64 values; away from 0 by 1e-3 so central differences never straddle a kink."""
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    if away_from_zero:
        x = np.where(np.abs(x) < 1e-3, 0.5, x)
    return x


def _compare(torch, mt_fn, torch_fn, arrays, dtype="float64", rtol=1e-10, atol=1e-12, grad_rtol=1e-9):
    """Same inputs to both frameworks: compare outputs and every input's gradient."""
    mx = [mt.tensor(a, dtype=getattr(mt, dtype), requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    mo, to = mt_fn(*mx), torch_fn(*tx)
    assert mo.shape == tuple(to.shape)
    assert mo.dtype is getattr(mt, dtype)
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(7).standard_normal(mo.shape)
    mo.backward(mt.tensor(upstream, dtype=mo.dtype))
    to.backward(torch.tensor(upstream, dtype=to.dtype))
    for m, t in zip(mx, tx):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=grad_rtol, atol=atol * 10)


# name: (minitorch fn, torch fn name, kwargs)
ACTIVATIONS = {
    "relu": (F.relu, "relu", {}),
    "leaky_relu": (F.leaky_relu, "leaky_relu", {"negative_slope": 0.2}),
    "leaky_relu_default": (F.leaky_relu, "leaky_relu", {}),
    "elu": (F.elu, "elu", {"alpha": 1.5}),
    "gelu": (F.gelu, "gelu", {}),
    "gelu_tanh": (F.gelu, "gelu", {"approximate": "tanh"}),
    "sigmoid": (F.sigmoid, "sigmoid", {}),
    "tanh": (F.tanh, "tanh", {}),
    "softmax": (F.softmax, "softmax", {"dim": -1}),
    "log_softmax": (F.log_softmax, "log_softmax", {"dim": 0}),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=shapes, seed=seeds)
def test_activation_gradients_match_central_differences(name, shape, seed):
    fn, _, kwargs = ACTIVATIONS[name]
    x = mt.tensor(_array(shape, seed), requires_grad=True)
    check_gradients(lambda t: fn(t, **kwargs), [x])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=shapes, seed=seeds)
def test_activations_match_torch(name, shape, seed):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    fn, torch_name, kwargs = ACTIVATIONS[name]
    tfn = getattr(torch.nn.functional, torch_name)
    _compare(torch, lambda t: fn(t, **kwargs), lambda t: tfn(t, **kwargs), [_array(shape, seed, scale=4.0)])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_match_torch_in_float32(torch, name):
    fn, torch_name, kwargs = ACTIVATIONS[name]
    tfn = getattr(torch.nn.functional, torch_name)
    x = _array((6, 7), 3, scale=5.0)
    _compare(torch, lambda t: fn(t, **kwargs), lambda t: tfn(t, **kwargs), [x], dtype="float32",
             rtol=2e-6, atol=1e-6, grad_rtol=1e-5)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "elu", "leaky_relu"])
def test_second_derivatives_match_torch(torch, name):
    fn, torch_name, kwargs = ACTIVATIONS[name]
    tfn = getattr(torch.nn.functional, torch_name)
    x = _array((3, 5), 11)
    m = mt.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (gm,) = mt.autograd.grad((fn(m, **kwargs) ** 2).sum(), [m], create_graph=True)
    (gt,) = torch.autograd.grad((tfn(t, **kwargs) ** 2).sum(), [t], create_graph=True)
    (hm,) = mt.autograd.grad((gm * gm).sum(), [m])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [t])
    np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype,rtol,atol", [(mt.float64, 1e-14, 0.0), (mt.float32, 2e-5, 3e-7)])
def test_erfc_matches_math_erfc(dtype, rtol, atol):
    z = np.concatenate([np.linspace(-6, 6, 4001), np.linspace(-1e-3, 1e-3, 41), [0.46875, 4.0, -4.0, 0.5]])
    got = activation._erfc(mt.tensor(z, dtype=dtype)).numpy().astype(np.float64)
    want = np.array([math.erfc(v) for v in z])
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    tail = np.linspace(6, 26, 201)  # erfc down to 1e-295: relative accuracy in float64
    if dtype is mt.float64:
        got = activation._erfc(mt.tensor(tail, dtype=dtype)).numpy()
        np.testing.assert_allclose(got, [math.erfc(v) for v in tail], rtol=1e-12)


def test_extreme_inputs_stay_finite(torch):
    x = np.array([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    for name in ["gelu", "gelu_tanh", "elu", "sigmoid", "tanh", "leaky_relu"]:
        fn, torch_name, kwargs = ACTIVATIONS[name]
        tfn = getattr(torch.nn.functional, torch_name)
        _compare(torch, lambda t, f=fn, k=kwargs: f(t, **k), lambda t, f=tfn, k=kwargs: f(t, **k), [x])


def test_gelu_known_values():
    x = mt.tensor([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=mt.float64)
    want = [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.tolist()]
    np.testing.assert_allclose(F.gelu(x).numpy(), want, rtol=1e-14, atol=0)


def test_gradients_at_kinks_follow_torch(torch):
    x = np.array([-1.0, 0.0, 1.0])
    for name in ["relu", "leaky_relu", "elu"]:
        fn, torch_name, kwargs = ACTIVATIONS[name]
        tfn = getattr(torch.nn.functional, torch_name)
        _compare(torch, lambda t, f=fn, k=kwargs: f(t, **k), lambda t, f=tfn, k=kwargs: f(t, **k), [x])


def test_inplace_writes_into_the_input_only_outside_the_graph():
    x = mt.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = mt.tensor([-1.0, 2.0])
    assert F.leaky_relu(y, 0.5, inplace=True) is y and y.tolist() == [-0.5, 2.0]
    w = mt.tensor([-1.0, 2.0], requires_grad=True)
    out = F.elu(w, inplace=True)
    assert out is not w and w.tolist() == [-1.0, 2.0]
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [math.exp(-1.0), 1.0], rtol=1e-6)


def test_softmax_options(torch):
    x = _array((2, 3, 4), 5)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        implicit = F.softmax(mt.tensor(x))
    np.testing.assert_allclose(implicit.numpy(), torch.softmax(torch.tensor(x), 0).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        assert F.log_softmax(mt.tensor(x[0])).shape == (3, 4)
    y = F.log_softmax(mt.tensor(x, dtype=mt.float32), dim=1, dtype=mt.float64)
    assert y.dtype is mt.float64


def test_activation_errors():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(mt.ones(2), approximate="erf")
    with pytest.raises(TypeError, match="floating point tensor, got minitorch.int64"):
        F.elu(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match="expected a Tensor"):
        F.leaky_relu([1.0])


# ---- linear ----------------------------------------------------------------------------------
@given(lead=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple), n_in=st.integers(1, 4),
       n_out=st.integers(1, 3), bias=st.booleans(), seed=seeds)
def test_linear_matches_torch_and_central_differences(lead, n_in, n_out, bias, seed):
    torch = pytest.importorskip("torch")
    arrays = [_array(lead + (n_in,), seed), _array((n_out, n_in), seed + 1)] + ([_array((n_out,), seed + 2)] * bias)
    _compare(torch, F.linear, torch.nn.functional.linear, arrays)
    check_gradients(F.linear, [mt.tensor(a, requires_grad=True) for a in arrays])


def test_linear_one_matmul_node_and_shapes():
    x = mt.randn(2, 3, 4, requires_grad=True)
    w = mt.randn(5, 4, requires_grad=True)
    b = mt.randn(5, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.shape == (2, 3, 5)
    y.sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(b.grad.numpy(), np.full(5, 6.0))
    assert F.linear(mt.ones(4), mt.ones(2, 4)).tolist() == [4.0, 4.0]
    assert F.linear(mt.ones(3, 4), mt.ones(4), mt.tensor(1.0)).tolist() == [5.0, 5.0, 5.0]
    assert F.linear(mt.ones(2, 4, dtype=mt.float64), mt.ones(3, 4)).dtype is mt.float64


def test_linear_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"input of shape \(4, 3\).*weight of shape \(5, 4\)"):
        F.linear(mt.ones(4, 3), mt.ones(5, 4))
    with pytest.raises(RuntimeError, match=r"bias of shape \(3,\).*5 output features"):
        F.linear(mt.ones(4, 3), mt.ones(5, 3), mt.ones(3))
    with pytest.raises(RuntimeError, match="0-d"):
        F.linear(mt.tensor(1.0), mt.ones(5, 1))
