"""nn.functional losses: central differences, PyTorch values/gradients for every option, stability, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
import minitorch.nn.functional as F
from minitorch.testing import check_gradients

seeds = st.integers(0, 2**16)
reductions = st.sampled_from(["mean", "sum", "none"])


def _compare(torch, mt_fn, torch_fn, arrays, differentiable=None, rtol=1e-10, atol=1e-12, grad_rtol=1e-9):
    """Same float64 inputs to both frameworks: compare the loss and the gradients of the listed inputs."""
    differentiable = range(len(arrays)) if differentiable is None else differentiable
    mx = [mt.tensor(a, requires_grad=i in differentiable) for i, a in enumerate(arrays)]
    tx = [torch.tensor(a, requires_grad=i in differentiable) for i, a in enumerate(arrays)]
    mo, to = mt_fn(*mx), torch_fn(*tx)
    assert mo.shape == tuple(to.shape)
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(7).standard_normal(mo.shape)
    mo.backward(mt.tensor(upstream, dtype=mo.dtype))
    to.backward(torch.tensor(upstream, dtype=to.dtype))
    for i in differentiable:
        np.testing.assert_allclose(mx[i].grad.numpy(), tx[i].grad.numpy(), rtol=grad_rtol, atol=atol)


def _class_problem(seed, n, c, spatial, ignore_some):
    """Logits ``(n, c, *spatial)``, int targets (some set to the ignore index 1 or -100) and class weights."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c) + spatial) * 3
    target = rng.integers(0, c, (n,) + spatial)
    if ignore_some:
        target.reshape(-1)[:: 3] = -100
    weight = rng.uniform(0.2, 2.0, c)
    return logits, target, weight


options = st.fixed_dictionaries({
    "reduction": reductions,
    "weighted": st.booleans(),
    "ignore": st.sampled_from([None, -100, 1]),
    "label_smoothing": st.sampled_from([0.0, 0.0, 0.15, 1.0]),
})


def _kwargs(lib, opts, weight, nll=False):
    kw = {"reduction": opts["reduction"]}
    if opts["weighted"]:
        kw["weight"] = lib.tensor(weight)
    if opts["ignore"] is not None:
        kw["ignore_index"] = opts["ignore"]
    if not nll:
        kw["label_smoothing"] = opts["label_smoothing"]
    return kw


@given(seed=seeds, n=st.integers(1, 4), c=st.integers(2, 4), spatial=st.sampled_from([(), (3,), (2, 2)]),
       opts=options)
def test_cross_entropy_class_indices_match_torch(seed, n, c, spatial, opts):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    logits, target, weight = _class_problem(seed, n, c, spatial, opts["ignore"] == -100)
    _compare(torch, lambda x, t: F.cross_entropy(x, t, **_kwargs(mt, opts, weight)),
             lambda x, t: torch.nn.functional.cross_entropy(x, t, **_kwargs(torch, opts, weight)),
             [logits, target], differentiable=[0])


@given(seed=seeds, n=st.integers(1, 3), c=st.integers(2, 4), spatial=st.sampled_from([(), (2,)]), opts=options)
def test_cross_entropy_gradients_match_central_differences(seed, n, c, spatial, opts):
    logits, target, weight = _class_problem(seed, n, c, spatial, opts["ignore"] == -100)
    check_gradients(lambda x: F.cross_entropy(x, mt.tensor(target), **_kwargs(mt, opts, weight)),
                    [mt.tensor(logits, requires_grad=True)])


@given(seed=seeds, n=st.integers(1, 4), c=st.integers(2, 4), spatial=st.sampled_from([(), (3,), (2, 2)]),
       opts=options)
def test_nll_loss_matches_torch_and_central_differences(seed, n, c, spatial, opts):
    torch = pytest.importorskip("torch")
    logits, target, weight = _class_problem(seed, n, c, spatial, opts["ignore"] == -100)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    _compare(torch, lambda x, t: F.nll_loss(x, t, **_kwargs(mt, opts, weight, nll=True)),
             lambda x, t: torch.nn.functional.nll_loss(x, t, **_kwargs(torch, opts, weight, nll=True)),
             [logp, target], differentiable=[0])
    check_gradients(lambda x: F.nll_loss(x, mt.tensor(target), **_kwargs(mt, opts, weight, nll=True)),
                    [mt.tensor(logp, requires_grad=True)])


@given(seed=seeds, n=st.integers(1, 3), c=st.integers(2, 4), spatial=st.sampled_from([(), (2,)]),
       reduction=reductions, weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_probability_targets(seed, n, c, spatial, reduction, weighted, smoothing):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c) + spatial) * 3
    probs = rng.uniform(0.0, 1.0, logits.shape)
    probs /= probs.sum(axis=1, keepdims=True)
    weight = rng.uniform(0.2, 2.0, c)

    def kw(lib):
        return {"reduction": reduction, "label_smoothing": smoothing,
                **({"weight": lib.tensor(weight)} if weighted else {})}

    _compare(torch, lambda x, q: F.cross_entropy(x, q, **kw(mt)),
             lambda x, q: torch.nn.functional.cross_entropy(x, q, **kw(torch)), [logits, probs])
    check_gradients(lambda x, q: F.cross_entropy(x, q, **kw(mt)),
                    [mt.tensor(logits, requires_grad=True), mt.tensor(probs, requires_grad=True)])


def test_cross_entropy_unbatched_and_empty(torch):
    x = np.array([0.5, -1.0, 2.0])
    for reduction in ["mean", "sum", "none"]:
        _compare(torch, lambda a, t, r=reduction: F.cross_entropy(a, t, reduction=r),
                 lambda a, t, r=reduction: torch.nn.functional.cross_entropy(a, t, reduction=r),
                 [x, np.array(2)], differentiable=[0])
        _compare(torch, lambda a, t, r=reduction: F.nll_loss(a, t, reduction=r),
                 lambda a, t, r=reduction: torch.nn.functional.nll_loss(a, t, reduction=r),
                 [x, np.array(1)], differentiable=[0])
    _compare(torch, lambda a, q: F.cross_entropy(a, q), lambda a, q: torch.nn.functional.cross_entropy(a, q),
             [x, np.array([0.2, 0.3, 0.5])])
    empty = F.cross_entropy(mt.zeros(0, 3), mt.zeros(0, dtype=mt.int64))
    assert np.isnan(empty.item())
    ignored = F.cross_entropy(mt.ones(2, 3), mt.tensor([-100, -100]))
    assert np.isnan(ignored.item())
    assert F.cross_entropy(mt.ones(2, 3), mt.tensor([-100, -100]), reduction="sum").item() == 0.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_is_stable_for_huge_logits(torch, dtype, smoothing):
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4], [-1e4, -1e4, -1e4], [5e3, 1e4, -1e4]])
    target = np.array([1, 0, 2, 0])
    x = mt.tensor(logits, dtype=getattr(mt, dtype), requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor(target), label_smoothing=smoothing)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    xt = torch.tensor(logits, dtype=getattr(torch, dtype), requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(target), label_smoothing=smoothing)
    lt.backward()
    np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)
    probs = np.full(logits.shape, 1 / 3)
    soft = F.cross_entropy(mt.tensor(logits, dtype=getattr(mt, dtype)), mt.tensor(probs, dtype=getattr(mt, dtype)))
    assert np.isfinite(soft.item())


def test_cross_entropy_second_derivatives_match_torch(torch):
    logits, target, weight = _class_problem(3, 4, 5, (), True)
    for kw in [{}, {"label_smoothing": 0.2}]:
        m = mt.tensor(logits, requires_grad=True)
        t = torch.tensor(logits, requires_grad=True)
        (gm,) = mt.autograd.grad(F.cross_entropy(m, mt.tensor(target), weight=mt.tensor(weight), **kw), [m],
                                 create_graph=True)
        (gt,) = torch.autograd.grad(torch.nn.functional.cross_entropy(t, torch.tensor(target),
                                                                      weight=torch.tensor(weight), **kw),
                                    [t], create_graph=True)
        (hm,) = mt.autograd.grad((gm * gm).sum(), [m])
        (ht,) = torch.autograd.grad((gt * gt).sum(), [t])
        np.testing.assert_allclose(hm.numpy(), ht.numpy(), rtol=1e-9, atol=1e-14)


def test_cross_entropy_errors_are_clear():
    x = mt.randn(4, 3)
    with pytest.raises(ValueError, match=r"target of shape \(3,\) does not match input of shape \(4, 3\)"):
        F.cross_entropy(x, mt.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"int64, got minitorch.float32 \(target shape \(4,\)\)"):
        F.cross_entropy(x, mt.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(RuntimeError, match="class probabilities, which must be floating point, got minitorch.int64"):
        F.cross_entropy(x, mt.zeros(4, 3, dtype=mt.int64))
    with pytest.raises(IndexError, match=r"Target 3 is out of bounds.*\[0, 3\).*3 classes"):
        F.cross_entropy(x, mt.tensor([0, 1, 3, 1]))
    with pytest.raises(IndexError, match="Target -2 is out of bounds"):
        F.nll_loss(x, mt.tensor([0, -2, 1, 1]))
    with pytest.raises(RuntimeError, match=r"all 3 classes.*shape: \(4,\)"):
        F.cross_entropy(x, mt.tensor([0, 1, 2, 1]), weight=mt.ones(4))
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        F.cross_entropy(x, mt.rand(4, 3), ignore_index=0)
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction|avg is not a valid"):
        F.cross_entropy(x, mt.tensor([0, 1, 2, 1]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, mt.tensor([0, 1, 2, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        F.cross_entropy(x, mt.tensor([0, 1, 2, 1]), weight=mt.ones(3, requires_grad=True))
    with pytest.raises(TypeError, match="floating point"):
        F.nll_loss(mt.zeros(2, 3, dtype=mt.int64), mt.tensor([0, 1]))


def test_legacy_reduction_arguments():
    x, t = mt.randn(3, 4), mt.tensor([0, 1, 3])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        summed = F.cross_entropy(x, t, size_average=False)
    np.testing.assert_allclose(summed.item(), F.cross_entropy(x, t, reduction="sum").item(), rtol=1e-6)
    with pytest.warns(UserWarning):
        assert F.nll_loss(x, t, reduce=False).shape == (3,)
    with pytest.warns(UserWarning):
        assert F.mse_loss(x, x * 2, reduce=False).shape == (3, 4)


# ---- regression and binary losses ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@given(seed=seeds, shape=st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), reduction=reductions,
       weighted=st.booleans())
def test_regression_losses(name, seed, shape, reduction, weighted):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, y, w = rng.standard_normal(shape), rng.standard_normal(shape), rng.uniform(0.1, 1.0, shape)

    def kw(lib):
        return {"reduction": reduction, **({"weight": lib.tensor(w)} if weighted else {})}

    fn, tfn = getattr(F, name), getattr(torch.nn.functional, name)
    _compare(torch, lambda a, b: fn(a, b, **kw(mt)), lambda a, b: tfn(a, b, **kw(torch)), [x, y])
    check_gradients(lambda a, b: fn(a, b, **kw(mt)), [mt.tensor(x, requires_grad=True),
                                                      mt.tensor(y, requires_grad=True)])


def test_regression_losses_broadcast_with_a_warning(torch):
    x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 0.5])
    for name in ["mse_loss", "l1_loss"]:
        with pytest.warns(UserWarning, match=r"target size \(\(3,\)\).*input size \(\(2, 3\)\)"):
            getattr(F, name)(mt.tensor(x), mt.tensor(y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _compare(torch, getattr(F, name), getattr(torch.nn.functional, name), [x, y])
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) and input of shape \(2, 3\)"):
        F.mse_loss(mt.tensor(x), mt.tensor(x), weight=mt.ones(3))
    assert F.l1_loss(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 0.0]), reduction="none").tolist() == [0.0, 2.0]


binary_options = st.fixed_dictionaries({"reduction": reductions, "weight": st.sampled_from([None, "full", "row"]),
                                        "pos_weight": st.booleans()})


def _binary_problem(seed, shape):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape) * 3
    target = rng.uniform(0.0, 1.0, shape)
    weight = {"full": rng.uniform(0.2, 2.0, shape), "row": rng.uniform(0.2, 2.0, shape[-1:])}
    return logits, target, weight, rng.uniform(0.5, 3.0, shape[-1:])


def _binary_kwargs(lib, opts, weights, pos_weight, logits):
    kw = {"reduction": opts["reduction"]}
    if opts["weight"]:
        kw["weight"] = lib.tensor(weights[opts["weight"]])
    if opts["pos_weight"] and logits:
        kw["pos_weight"] = lib.tensor(pos_weight)
    return kw


@given(seed=seeds, shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), opts=binary_options)
def test_binary_cross_entropy_with_logits(seed, shape, opts):
    torch = pytest.importorskip("torch")
    logits, target, weights, pos_weight = _binary_problem(seed, shape)
    _compare(torch, lambda x, t: F.binary_cross_entropy_with_logits(
                 x, t, **_binary_kwargs(mt, opts, weights, pos_weight, True)),
             lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(
                 x, t, **_binary_kwargs(torch, opts, weights, pos_weight, True)), [logits, target])
    check_gradients(lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, **_binary_kwargs(mt, opts, weights, pos_weight, True)),
        [mt.tensor(logits, requires_grad=True), mt.tensor(target, requires_grad=True)])


@given(seed=seeds, shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), opts=binary_options)
def test_binary_cross_entropy(seed, shape, opts):
    torch = pytest.importorskip("torch")
    logits, target, weights, _ = _binary_problem(seed, shape)
    probs = 0.05 + 0.9 / (1 + np.exp(-logits))
    _compare(torch, lambda p, t: F.binary_cross_entropy(p, t, **_binary_kwargs(mt, opts, weights, None, False)),
             lambda p, t: torch.nn.functional.binary_cross_entropy(
                 p, t, **_binary_kwargs(torch, opts, weights, None, False)), [probs, target])
    check_gradients(lambda p, t: F.binary_cross_entropy(p, t, **_binary_kwargs(mt, opts, weights, None, False)),
                    [mt.tensor(probs, requires_grad=True), mt.tensor(target, requires_grad=True)])


def test_binary_losses_at_the_extremes(torch):
    probs = np.array([0.0, 1.0, 0.0, 1.0, 1e-20, 0.5])
    target = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
    _compare(torch, lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
             lambda p, t: torch.nn.functional.binary_cross_entropy(p, t, reduction="none"),
             [probs, target], differentiable=[0], grad_rtol=1e-7)  # gradients of 1e12 near 0 and 1
    logits = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 50.0])
    for dtype in ["float32", "float64"]:
        x = mt.tensor(logits, dtype=getattr(mt, dtype), requires_grad=True)
        loss = F.binary_cross_entropy_with_logits(x, mt.tensor(target, dtype=x.dtype), reduction="sum",
                                                  pos_weight=mt.tensor([2.0], dtype=x.dtype))
        loss.backward()
        assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    _compare(torch, lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
             lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none"),
             [logits, target])


def test_binary_second_derivatives_match_torch(torch):
    rng = np.random.default_rng(5)
    x, t, pw = rng.standard_normal((3, 4)), rng.uniform(size=(3, 4)), rng.uniform(0.5, 2, 4)
    cases = [(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=mt.tensor(pw)),
              lambda a, b: torch.nn.functional.binary_cross_entropy_with_logits(a, b, pos_weight=torch.tensor(pw)),
              x),
             (F.binary_cross_entropy, torch.nn.functional.binary_cross_entropy, 1 / (1 + np.exp(-x))),
             (F.mse_loss, torch.nn.functional.mse_loss, x)]
    for fn, tfn, first in cases:
        ms = [mt.tensor(first, requires_grad=True), mt.tensor(t, requires_grad=True)]
        ts = [torch.tensor(first, requires_grad=True), torch.tensor(t, requires_grad=True)]
        gm = mt.autograd.grad(fn(*ms), ms, create_graph=True)
        gt = torch.autograd.grad(tfn(*ts), ts, create_graph=True)
        hm = mt.autograd.grad(sum((g * g).sum() for g in gm), ms)
        ht = torch.autograd.grad(sum((g * g).sum() for g in gt), ts)
        for a, b in zip(hm, ht):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-12)


def test_binary_loss_errors():
    with pytest.raises(ValueError, match=r"target of shape \(3, 1\).*input of shape \(3,\)"):
        F.binary_cross_entropy(mt.rand(3), mt.rand(3, 1))
    with pytest.raises(ValueError, match=r"target of shape \(2,\).*input of shape \(3,\)"):
        F.binary_cross_entropy_with_logits(mt.rand(3), mt.rand(2))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([0.5, 1.5]), mt.rand(2))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mt.tensor([0.5, float("nan")]), mt.rand(2))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(4,\) does not broadcast"):
        F.binary_cross_entropy_with_logits(mt.rand(4, 3), mt.rand(4, 3), pos_weight=mt.ones(4))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'pos_weight'"):
        F.binary_cross_entropy_with_logits(mt.rand(2), mt.rand(2), pos_weight=mt.ones(2, requires_grad=True))
