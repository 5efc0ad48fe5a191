"""nn.functional batch_norm, dropout, one_hot, flatten and pad: PyTorch, central differences, statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.testing import check_gradients

seeds = st.integers(0, 2**16)


def _compare(torch, mt_fn, torch_fn, arrays, rtol=1e-10, atol=1e-12):
    """Same float64 inputs to both frameworks: compare outputs and every input's gradient."""
    mx = [mt.tensor(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    mo, to = mt_fn(*mx), torch_fn(*tx)
    assert mo.shape == tuple(to.shape)
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(7).standard_normal(mo.shape)
    mo.backward(mt.tensor(upstream, dtype=mo.dtype))
    to.backward(torch.tensor(upstream, dtype=to.dtype))
    for m, t in zip(mx, tx):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=atol * 100)


# ---- batch_norm ---------------------------------------------------------------------------------------
bn_shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.sampled_from([(), (3,), (2, 3)])).map(
    lambda t: (t[0], t[1]) + t[2]).filter(lambda s: int(np.prod(s)) // s[1] > 1)


@given(shape=bn_shapes, seed=seeds, training=st.booleans(), affine=st.sampled_from(["none", "weight", "both"]),
       momentum=st.sampled_from([0.1, 0.5]))
def test_batch_norm_matches_torch_with_running_stats(shape, seed, training, affine, momentum):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    rng = np.random.default_rng(seed)
    channels = shape[1]
    x = rng.standard_normal(shape) * 3 + 1
    count = {"none": 0, "weight": 1, "both": 2}[affine]
    params = [rng.uniform(0.5, 2.0, channels), rng.standard_normal(channels)][:count]
    stats = rng.standard_normal(channels), rng.uniform(0.5, 2.0, channels)
    m_stats = [mt.tensor(s) for s in stats]
    t_stats = [torch.tensor(s) for s in stats]
    _compare(torch, lambda a, *p: F.batch_norm(a, *m_stats, *p, training=training, momentum=momentum, eps=1e-3),
             lambda a, *p: torch.nn.functional.batch_norm(a, *t_stats, *p, training=training, momentum=momentum,
                                                          eps=1e-3), [x, *params])
    for m, t in zip(m_stats, t_stats):  # updated in place (training) or untouched (eval)
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)


@given(shape=bn_shapes, seed=seeds, training=st.booleans())
def test_batch_norm_gradients_match_central_differences(shape, seed, training):
    rng = np.random.default_rng(seed)
    channels = shape[1]
    x = mt.tensor(rng.standard_normal(shape) * 2, requires_grad=True)
    w = mt.tensor(rng.uniform(0.5, 2.0, channels), requires_grad=True)
    b = mt.tensor(rng.standard_normal(channels), requires_grad=True)
    mean, var = mt.tensor(rng.standard_normal(channels)), mt.tensor(rng.uniform(0.5, 2.0, channels))
    check_gradients(lambda a, g, h: F.batch_norm(a, None if training else mean, None if training else var, g, h,
                                                 training=training), [x, w, b])


def test_batch_norm_running_stats_are_updated_without_grad_and_keep_dtype():
    x = mt.tensor([[[1.0, 3.0]], [[5.0, 7.0]]], dtype=mt.float64)  # (N=2, C=1, L=2)
    mean, var = mt.zeros(1), mt.ones(1)
    y = F.batch_norm(x, mean, var, training=True, momentum=0.5)
    assert mean.dtype is mt.float32 and not mean.requires_grad and not var.requires_grad
    np.testing.assert_allclose(mean.numpy(), [2.0])  # 0.5 * 0 + 0.5 * 4
    np.testing.assert_allclose(var.numpy(), [0.5 + 0.5 * 20 / 3])  # unbiased variance of 1, 3, 5, 7 is 20/3
    np.testing.assert_allclose(y.numpy().reshape(-1), np.array([-3, -1, 1, 3]) / np.sqrt(5 + 1e-5))
    F.batch_norm(x, mean, var, training=False)
    np.testing.assert_allclose(mean.numpy(), [2.0])
    with mt.no_grad():  # no graph needed for the update
        F.batch_norm(x, mean, var, training=True, momentum=1.0)
    np.testing.assert_allclose(mean.numpy(), [4.0])


def test_batch_norm_second_derivatives_match_torch(torch):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((4, 3, 2)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)]
    ms = [mt.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gm = mt.autograd.grad((F.batch_norm(ms[0], None, None, ms[1], ms[2], True) ** 3).sum(), ms, create_graph=True)
    gt = torch.autograd.grad((torch.nn.functional.batch_norm(ts[0], None, None, ts[1], ts[2], True) ** 3).sum(), ts,
                             create_graph=True)
    hm = mt.autograd.grad(sum((g * g).sum() for g in gm), ms)
    ht = torch.autograd.grad(sum((g * g).sum() for g in gt), ts)
    for a, b in zip(hm, ht):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10)


def test_batch_norm_errors():
    with pytest.raises(RuntimeError, match="must be defined in evaluation mode"):
        F.batch_norm(mt.ones(4, 3), None, None)
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \(1, 3\)"):
        F.batch_norm(mt.ones(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"running_mean should have shape \(3,\).*\(4, 3\), got shape \(4,\)"):
        F.batch_norm(mt.ones(4, 3), mt.zeros(4), mt.ones(3))
    with pytest.raises(ValueError, match=r"\(N, C\).*got shape \(3,\)"):
        F.batch_norm(mt.ones(3), mt.zeros(3), mt.ones(3))


# ---- dropout --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    mt.manual_seed(1234)
    x = mt.full((200, 500), 3.0, requires_grad=True)
    y = F.dropout(x, p=p)
    values = y.detach().numpy()
    zeroed = (values == 0).mean()
    n = values.size
    assert abs(zeroed - p) < 5 * np.sqrt(p * (1 - p) / n)  # fraction zeroed ~ p
    kept = values[values != 0]
    np.testing.assert_allclose(kept, 3.0 / (1 - p), rtol=1e-6)  # inverted scaling
    assert abs(values.mean() - 3.0) < 5 * 3.0 * np.sqrt(p / ((1 - p) * n))  # the mean is preserved
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(values == 0, 0.0, 1 / (1 - p)), rtol=1e-6)


def test_dropout_is_deterministic_under_manual_seed():
    x = mt.ones(50, 40, dtype=mt.float64)
    mt.manual_seed(7)
    a = F.dropout(x, 0.3).numpy()
    b = F.dropout(x, 0.3).numpy()
    mt.manual_seed(7)
    c = F.dropout(x, 0.3).numpy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    assert F.dropout(x, 0.3).dtype is mt.float64


def test_dropout_special_cases():
    x = mt.randn(4, 5, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    assert (y.detach().numpy() == 0).all()
    y.sum().backward()
    assert (x.grad.numpy() == 0).all()
    z = mt.ones(1000)
    mt.manual_seed(0)
    out = F.dropout(z, 0.5, inplace=True)
    assert out is z and (z.numpy() == 0).any() and set(np.unique(z.numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1, but got -0.1"):
        F.dropout(x, -0.1)


# ---- one_hot, flatten, pad ---------------------------------------------------------------------------------
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple), classes=st.integers(1, 5), seed=seeds,
       infer=st.booleans())
def test_one_hot_matches_torch(shape, classes, seed, infer):
    torch = pytest.importorskip("torch")
    labels = np.random.default_rng(seed).integers(0, classes, shape)
    if infer and labels.size == 0:
        infer = False
    args = () if infer else (classes,)
    got = F.one_hot(mt.tensor(labels, dtype=mt.int64), *args)
    want = torch.nn.functional.one_hot(torch.tensor(labels, dtype=torch.long), *args)
    assert got.dtype is mt.int64 and got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match=r"smaller than num_classes \(3\), got 3"):
        F.one_hot(mt.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="non-negative, got -1"):
        F.one_hot(mt.tensor([0, -1]), 3)
    with pytest.raises(RuntimeError, match="int64, got minitorch.float32"):
        F.one_hot(mt.tensor([0.0, 1.0]), 3)
    with pytest.raises(RuntimeError, match="empty tensor"):
        F.one_hot(mt.zeros(0, dtype=mt.int64))


def test_flatten_follows_torch_flatten(torch):
    x = np.arange(24.0).reshape(2, 3, 4)
    for args in [(), (1,), (0, 1), (1, -1), (-2, -1)]:
        _compare(torch, lambda a, k=args: F.flatten(a, *k), lambda a, k=args: torch.flatten(a, *k), [x])


pad_modes = st.sampled_from(["constant", "reflect", "replicate", "circular"])


@given(mode=pad_modes, seed=seeds, dims=st.integers(1, 3), data=st.data())
def test_pad_matches_torch(mode, seed, dims, data):
    torch = pytest.importorskip("torch")
    spatial = tuple(data.draw(st.lists(st.integers(2, 4), min_size=dims, max_size=dims)))
    pad = []
    for size in spatial[::-1]:
        limit = size - 1 if mode == "reflect" else size
        pad += [data.draw(st.integers(0, limit)), data.draw(st.integers(0, limit))]
    if mode == "constant":  # PyTorch's other modes pad exactly the dims after (N, C)
        pad = pad[: 2 * data.draw(st.integers(1, dims))]
    pad = tuple(pad)
    x = np.random.default_rng(seed).standard_normal((1, 2) + spatial)
    kw = {"value": 1.5} if mode == "constant" else {}
    _compare(torch, lambda a: F.pad(a, pad, mode=mode, **kw),
             lambda a: torch.nn.functional.pad(a, pad, mode=mode, **kw), [x])


def test_pad_gradients_match_central_differences():
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    for mode in ["constant", "reflect", "replicate", "circular"]:
        check_gradients(lambda a, m=mode: F.pad(a, (2, 1, 1, 2), mode=m), [x])


def test_pad_errors():
    with pytest.raises(ValueError, match=r"padding \(3, 3\) at dimension 2 of input of shape \(1, 1, 3\)"):
        F.pad(mt.ones(1, 1, 3), (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="'wrap' is not supported"):
        F.pad(mt.ones(1, 1, 3), (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="even length"):
        F.pad(mt.ones(1, 1, 3), (1, 1, 1), mode="replicate")
