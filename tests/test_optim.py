"""Optimizers against torch.optim (same parameters and gradients), their state dicts, and gradient clipping."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

import minitorch as mt
from minitorch.backends.contract import Backend
from minitorch.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm

SHAPES = [(3, 4), (5,), ()]

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-3, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.5)}),  # lerp weight >= 0.5 branch
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.2, "centered": True}),  # lerp weight >= 0.5 branch
    ("NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.1, "betas": (0.85, 0.99), "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-3, "maximize": True}),
]
CONFIG_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw in CONFIGS]


@pytest.fixture
def torch64(torch):
    """torch with float64 as the default dtype, so its scalar state (step, mu_product) is float64 too."""
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(prev)


def _pair(torch, name: str, kwargs: dict, rng: np.random.Generator, shapes=SHAPES, dtype="float64"):
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    mp = [mt.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    return mp, tp, getattr(mt.optim, name)(mp, **kwargs), getattr(torch.optim, name)(tp, **kwargs)


def _set_grads(torch, mp, tp, rng, dtype="float64"):
    for m, t in zip(mp, tp):
        g = rng.standard_normal(m.shape).astype(dtype)
        m.grad = mt.tensor(g)
        t.grad = torch.tensor(g)


def _assert_params_close(mp, tp, rtol=1e-12, atol=1e-14):
    for m, t in zip(mp, tp):
        np.testing.assert_allclose(np.asarray(m.detach()), t.detach().numpy(), rtol=rtol, atol=atol)


def _assert_state_close(mopt, topt, rtol=1e-12, atol=1e-14):
    msd, tsd = mopt.state_dict(), topt.state_dict()
    assert sorted(msd["state"]) == sorted(tsd["state"])
    for i, tstate in tsd["state"].items():
        mstate = msd["state"][i]
        assert sorted(mstate) == sorted(tstate), f"state keys of parameter {i}"
        for key, tv in tstate.items():
            tv = tv.detach().numpy() if hasattr(tv, "detach") else tv
            mv = np.asarray(mstate[key]) if isinstance(mstate[key], mt.Tensor) else mstate[key]
            np.testing.assert_allclose(mv, tv, rtol=rtol, atol=atol, err_msg=f"state {key!r} of parameter {i}")
    for mg, tg in zip(msd["param_groups"], tsd["param_groups"]):
        assert set(mg) <= set(tg) | {"decoupled_weight_decay"}
        for key in mg:
            if key in tg:
                assert mg[key] == tg[key], key


# ---- each optimizer against torch.optim ------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 10])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_matches_torch(torch64, name, kwargs, steps):
    torch = torch64
    rng = np.random.default_rng(steps)
    mp, tp, mopt, topt = _pair(torch, name, kwargs, rng)
    for _ in range(steps):
        _set_grads(torch, mp, tp, rng)
        mopt.step()
        topt.step()
        _assert_params_close(mp, tp)
    _assert_state_close(mopt, topt)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "NAdam", "Adagrad"])
def test_defaults_match_torch(torch, name):
    import inspect

    ours = inspect.signature(getattr(mt.optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for key, param in ours.items():
        if key != "params":
            assert key in theirs, key
            assert param.default == theirs[key].default, key


def test_float32_matches_torch(torch):
    rng = np.random.default_rng(0)
    mp, tp, mopt, topt = _pair(torch, "Adam", {"lr": 0.01, "amsgrad": True}, rng, dtype="float32")
    for _ in range(10):
        _set_grads(torch, mp, tp, rng, dtype="float32")
        mopt.step()
        topt.step()
    for m, t in zip(mp, tp):
        assert m.dtype is mt.float32
        np.testing.assert_allclose(np.asarray(m.detach()), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_param_groups_with_different_options(torch64):
    torch = torch64
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s) for s in [(4,), (2, 3), (3,)]]
    mp = [mt.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]

    def groups(ps):
        return [{"params": ps[:2]}, {"params": [ps[2]], "lr": 0.5, "momentum": 0.0, "weight_decay": 0.1}]

    mopt = mt.optim.SGD(groups(mp), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(groups(tp), lr=0.01, momentum=0.9)
    assert [g["lr"] for g in mopt.param_groups] == [0.01, 0.5]
    for _ in range(5):
        _set_grads(torch, mp, tp, rng)
        mopt.step()
        topt.step()
    _assert_params_close(mp, tp)
    _assert_state_close(mopt, topt)
    # a group added mid-training, as when unfreezing layers
    extra_init = rng.standard_normal((2, 2))
    me, te = mt.tensor(extra_init, requires_grad=True), torch.tensor(extra_init, requires_grad=True)
    mopt.add_param_group({"params": me, "lr": 0.2})
    topt.add_param_group({"params": te, "lr": 0.2})
    for _ in range(3):
        _set_grads(torch, mp + [me], tp + [te], rng)
        mopt.step()
        topt.step()
    _assert_params_close(mp + [me], tp + [te])
    _assert_state_close(mopt, topt)


def test_lr_changes_between_steps_take_effect(torch64):
    torch = torch64
    rng = np.random.default_rng(2)
    mp, tp, mopt, topt = _pair(torch, "Adam", {"lr": 0.1}, rng)
    for lr in (0.1, 0.01, 0.3):
        for opt in (mopt, topt):
            opt.param_groups[0]["lr"] = lr
        _set_grads(torch, mp, tp, rng)
        mopt.step()
        topt.step()
    _assert_params_close(mp, tp)


def test_parameters_without_grad_are_skipped(torch64):
    torch = torch64
    rng = np.random.default_rng(3)
    mp, tp, mopt, topt = _pair(torch, "Adam", {"lr": 0.1}, rng)
    before = np.asarray(mp[1].detach()).copy()
    _set_grads(torch, mp, tp, rng)
    mp[1].grad = None
    tp[1].grad = None
    mopt.step()
    topt.step()
    np.testing.assert_array_equal(np.asarray(mp[1].detach()), before)
    assert mp[1] not in mopt.state or not mopt.state[mp[1]]
    _assert_state_close(mopt, topt)


# ---- the fused NumPy fast path against the generic implementation ------------------------------

_FUSED = ["sgd_update", "adam_update", "rmsprop_update", "nadam_update", "adagrad_update"]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_fast_path_equals_generic(name, kwargs, dtype):
    backend = mt.backends.get_backend("numpy")
    for method in _FUSED:
        assert type(backend).__dict__.get(method) is not None, f"NumpyBackend overrides {method}"

    def run(generic: bool) -> list[np.ndarray]:
        rng = np.random.default_rng(7)
        ps = [mt.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]
        opt = getattr(mt.optim, name)(ps, **kwargs)
        if generic:
            for method in _FUSED:
                setattr(backend, method, types.MethodType(getattr(Backend, method), backend))
        try:
            for _ in range(4):
                for p in ps:
                    p.grad = mt.tensor(rng.standard_normal(p.shape).astype(dtype))
                opt.step()
        finally:
            for method in _FUSED:
                backend.__dict__.pop(method, None)
        return [np.asarray(p.detach()).copy() for p in ps]

    for fused, generic in zip(run(False), run(True)):
        np.testing.assert_array_equal(fused, generic)


# ---- in-place updates, no_grad, closures, zero_grad --------------------------------------------


def test_step_updates_in_place_and_keeps_views_valid():
    w = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    data, view = w._data, w.detach()[0]
    opt = mt.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w._data is data
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    np.testing.assert_allclose(np.asarray(view), [0.9, 1.9], rtol=1e-6)


def test_step_records_no_graph_even_with_grad_enabled():
    w = mt.ones(3, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.5, momentum=0.9)
    with mt.enable_grad():
        (w * 2).sum().backward()
        opt.step()
    assert w.grad_fn is None and w.is_leaf
    assert not opt.state[w]["momentum_buffer"].requires_grad
    np.testing.assert_allclose(np.asarray(w.detach()), [0.0, 0.0, 0.0])


def test_closure_runs_with_grad_enabled_and_returns_loss():
    w = mt.tensor([3.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        calls.append(mt.is_grad_enabled())
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 9.0
    assert w.item() == 1.5


def test_zero_grad():
    w = mt.ones(2, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(np.asarray(grad), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_gradient_of_other_dtype_is_converted():
    w = mt.ones(2, dtype=mt.float64, requires_grad=True)
    w.grad = mt.tensor([1.0, 2.0], dtype=mt.float32)
    mt.optim.SGD([w], lr=0.5).step()
    assert w.dtype is mt.float64
    np.testing.assert_array_equal(np.asarray(w.detach()), [0.5, 0.0])


def test_named_parameters_are_accepted():
    a, b = mt.ones(2, requires_grad=True), mt.ones(3, requires_grad=True)
    opt = mt.optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b] or opt.param_groups[0]["params"][1] is b
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]


def test_repr_lists_groups():
    opt = mt.optim.Adam([mt.zeros(1, requires_grad=True)], lr=0.5)
    text = repr(opt)
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


# ---- construction errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda w: mt.optim.SGD(w, lr=0.1), TypeError, "iterable of Tensors"),
        (lambda w: mt.optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda w: mt.optim.SGD([w], lr=-1.0), ValueError, "Invalid learning rate"),
        (lambda w: mt.optim.SGD([w], momentum=-0.1), ValueError, "Invalid momentum"),
        (lambda w: mt.optim.SGD([w], nesterov=True), ValueError, "Nesterov"),
        (lambda w: mt.optim.SGD([w], momentum=0.9, dampening=0.1, nesterov=True), ValueError, "Nesterov"),
        (lambda w: mt.optim.Adam([w], betas=(0.9, 1.0)), ValueError, "beta parameter at index 1"),
        (lambda w: mt.optim.Adam([w], eps=-1.0), ValueError, "epsilon"),
        (lambda w: mt.optim.AdamW([w], weight_decay=-1.0), ValueError, "weight_decay"),
        (lambda w: mt.optim.RMSprop([w], alpha=-1.0), ValueError, "alpha"),
        (lambda w: mt.optim.Adagrad([w], lr_decay=-1.0), ValueError, "lr_decay"),
        (lambda w: mt.optim.NAdam([w], momentum_decay=-1.0), ValueError, "momentum_decay"),
        (lambda w: mt.optim.SGD([w, w], lr=0.1), ValueError, "more than once"),
        (lambda w: mt.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1), ValueError, "more than one"),
        (lambda w: mt.optim.SGD([w * 2], lr=0.1), ValueError, "non-leaf"),
        (lambda w: mt.optim.SGD([1.0], lr=0.1), TypeError, "only optimize Tensors"),
        (lambda w: mt.optim.SGD([mt.tensor([1, 2])], lr=0.1), ValueError, "floating point"),
        (lambda w: mt.optim.SGD({w}, lr=0.1), TypeError, "ordered collections"),
        (lambda w: mt.optim.SGD([{"lr": 0.1}]), ValueError, "'params'"),
    ],
)
def test_construction_errors(make, error, match):
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(error, match=match):
        make(w)


def test_gradient_shape_mismatch_is_reported():
    w = mt.ones(2, requires_grad=True)
    w.grad = mt.ones(3)
    with pytest.raises(RuntimeError, match="shape"):
        mt.optim.SGD([w], lr=0.1).step()


# ---- state dicts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_state_dict_round_trip_continues_identically(name, kwargs):
    rng = np.random.default_rng(11)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(8)]

    def train(ps, opt, steps):
        for gs in steps:
            for p, g in zip(ps, gs):
                p.grad = mt.tensor(g)
            opt.step()

    ref = [mt.tensor(a, requires_grad=True) for a in init]
    ref_opt = getattr(mt.optim, name)(ref, **kwargs)
    train(ref, ref_opt, grads)

    first = [mt.tensor(a, requires_grad=True) for a in init]
    first_opt = getattr(mt.optim, name)(first, **kwargs)
    train(first, first_opt, grads[:4])
    saved = first_opt.state_dict()
    resumed = [mt.tensor(np.asarray(p.detach()), requires_grad=True) for p in first]
    resumed_opt = getattr(mt.optim, name)(resumed, lr=123.0)  # options come from the state dict
    resumed_opt.load_state_dict(saved)
    train(first, first_opt, grads[4:])  # the original goes on too: the loaded state must be a copy
    train(resumed, resumed_opt, grads[4:])
    for a, b, c in zip(ref, first, resumed):
        np.testing.assert_array_equal(np.asarray(a.detach()), np.asarray(c.detach()))
        np.testing.assert_array_equal(np.asarray(b.detach()), np.asarray(c.detach()))
    assert resumed_opt.param_groups[0]["lr"] == kwargs["lr"]


@pytest.mark.parametrize(("name", "kwargs"), [("SGD", {"lr": 0.1, "momentum": 0.9}), ("NAdam", {"lr": 0.1}),
                                            ("Adam", {"lr": 0.1, "amsgrad": True})])
def test_state_dict_layout_and_loading_from_torch_layout(torch64, name, kwargs):
    torch = torch64
    rng = np.random.default_rng(5)
    mp, tp, mopt, topt = _pair(torch, name, kwargs, rng)
    _set_grads(torch, mp, tp, rng)
    mopt.step()
    topt.step()
    sd = mopt.state_dict()
    assert list(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1, 2]]
    # a torch state dict converted to minitorch tensors loads and continues identically
    tsd = topt.state_dict()
    converted = {
        "state": {i: {k: mt.tensor(v.numpy()) for k, v in s.items()} for i, s in tsd["state"].items()},
        "param_groups": [{k: v for k, v in g.items() if k in sd["param_groups"][0] or k == "params"}
                         for g in tsd["param_groups"]],
    }
    fresh = getattr(mt.optim, name)(mp, lr=0.5)
    fresh.load_state_dict(converted)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(2):
        _set_grads(torch, mp, tp, rng)
        fresh.step()
        topt.step()
    _assert_params_close(mp, tp)
    if "step" in fresh.state[mp[0]]:
        assert fresh.state[mp[0]]["step"] == 3 and isinstance(fresh.state[mp[0]]["step"], int)


def test_load_state_dict_errors():
    a, b = mt.ones(2, requires_grad=True), mt.ones(3, requires_grad=True)
    opt = mt.optim.Adam([a, b])
    (a.sum() + b.sum()).backward()
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        mt.optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        mt.optim.Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        mt.optim.Adam([b, a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        mt.optim.Adam([a, b]).load_state_dict({"state": {}})


def test_load_state_dict_moves_state_to_param_dtype():
    w = mt.ones(2, dtype=mt.float64, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    sd = {"state": {0: {"momentum_buffer": mt.tensor([1.0, 2.0], dtype=mt.float32)}},
          "param_groups": [{"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0,
                            "nesterov": False, "maximize": False, "params": [0]}]}
    opt.load_state_dict(sd)
    buf = opt.state[w]["momentum_buffer"]
    assert buf.dtype is mt.float64
    assert buf is not sd["state"][0]["momentum_buffer"]


def test_adagrad_state_exists_before_the_first_step(torch):
    w = mt.ones(2, requires_grad=True)
    opt = mt.optim.Adagrad([w], initial_accumulator_value=0.5)
    tw = torch.ones(2, requires_grad=True)
    topt = torch.optim.Adagrad([tw], initial_accumulator_value=0.5)
    assert sorted(opt.state_dict()["state"][0]) == sorted(topt.state_dict()["state"][0])
    np.testing.assert_array_equal(np.asarray(opt.state[w]["sum"]), [0.5, 0.5])


# ---- gradient clipping ---------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    rng = np.random.default_rng(int(max_norm) + 3)
    grads = [rng.standard_normal(s) for s in [(3, 4), (5,), (), (2, 2, 2)]]
    mp = [mt.zeros(g.shape, dtype=mt.float64, requires_grad=True) for g in grads]
    tp = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for m, t, g in zip(mp, tp, grads):
        m.grad, t.grad = mt.tensor(g), torch.tensor(g)
    mp.append(mt.zeros(2, requires_grad=True))  # no grad: skipped
    tp.append(torch.zeros(2, requires_grad=True))
    keep = mp[0].grad
    mtotal = clip_grad_norm_(mp, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    assert isinstance(mtotal, mt.Tensor) and mtotal.shape == ()
    np.testing.assert_allclose(mtotal.item(), ttotal.item(), rtol=1e-12)
    assert mp[0].grad is keep  # in place
    for m, t in zip(mp[:-1], tp[:-1]):
        np.testing.assert_allclose(np.asarray(m.grad), t.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert mp[-1].grad is None


def test_clip_grad_norm_single_tensor_float32_and_empty(torch):
    g = np.random.default_rng(0).standard_normal((10,)).astype("float32")
    w, tw = mt.zeros(10, requires_grad=True), torch.zeros(10, requires_grad=True)
    w.grad, tw.grad = mt.tensor(g), torch.tensor(g)
    total = clip_grad_norm_(w, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(tw, 1.0)
    assert total.dtype is mt.float32
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(w.grad), tw.grad.numpy(), rtol=1e-6)
    assert clip_grad_norm_([], 1.0).item() == 0.0
    assert clip_grad_norm_([mt.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    w = mt.zeros(2, requires_grad=True)
    w.grad = mt.tensor([1.0, float("nan")])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_([w], 1.0).item())
    w.grad = mt.tensor([1.0, float("inf")])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_empty_generator_warns():
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


def test_get_total_norm():
    assert get_total_norm([mt.tensor([3.0]), mt.tensor([[4.0]])]).item() == pytest.approx(5.0)
    assert get_total_norm([mt.tensor([3.0, -7.0])], norm_type="inf").item() == 7.0


def test_clip_grad_value_matches_torch(torch):
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal(s) * 3 for s in [(3, 4), (5,)]]
    mp = [mt.zeros(g.shape, dtype=mt.float64, requires_grad=True) for g in grads]
    tp = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for m, t, g in zip(mp, tp, grads):
        m.grad, t.grad = mt.tensor(g), torch.tensor(g)
    keep = mp[0].grad
    assert clip_grad_value_(mp, 1.5) is None
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    assert mp[0].grad is keep
    for m, t in zip(mp, tp):
        np.testing.assert_array_equal(np.asarray(m.grad), t.grad.numpy())


# ---- a backend with only the required primitives (the minitorch-tiny test plugin) -------------------


@pytest.fixture
def tiny() -> str:
    status = mt.backends.available().get("tiny")
    if status is None or not status.available:
        pytest.skip("the minitorch-tiny test plugin is not installed (`make test` installs it)")
    return "tiny"


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_primitives_only_backend_matches_numpy(tiny, name, kwargs):
    def run(backend: str) -> list[np.ndarray]:
        rng = np.random.default_rng(3)
        ps = [mt.tensor(rng.standard_normal(s), requires_grad=True, backend=backend) for s in SHAPES]
        opt = getattr(mt.optim, name)(ps, **kwargs)
        for _ in range(3):
            for p in ps:
                p.grad = mt.tensor(rng.standard_normal(p.shape), backend=backend)
            opt.step()
        assert all(p.backend == backend for s in opt.state.values() for p in s.values() if isinstance(p, mt.Tensor))
        return [np.asarray(p.detach()) for p in ps]

    for a, b in zip(run(tiny), run("numpy")):
        np.testing.assert_array_equal(a, b)


def test_clipping_on_a_primitives_only_backend(tiny):
    w = mt.zeros(2, requires_grad=True, backend=tiny)
    w.grad = mt.tensor([3.0, 4.0], backend=tiny)
    total = clip_grad_norm_([w], 1.0)
    assert total.backend == tiny and total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.asarray(w.grad), [0.6, 0.8], rtol=1e-6)
    clip_grad_value_([w], 0.7)
    np.testing.assert_allclose(np.asarray(w.grad), [0.6, 0.7], rtol=1e-6)


# ---- end to end with minitorch.nn ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "NAdam", "Adagrad"])
def test_training_a_model_matches_torch(torch64, name):
    """A small MLP trained with clipping and a schedule follows torch step for step."""
    torch = torch64
    from minitorch import nn

    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).to(mt.float64)
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    tmodel.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    kwargs = {"lr": 0.05, "weight_decay": 0.01} if name != "SGD" else {"lr": 0.1, "momentum": 0.9}
    opt = getattr(mt.optim, name)(model.parameters(), **kwargs)
    topt = getattr(torch.optim, name)(tmodel.parameters(), **kwargs)
    sched = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.5)
    rng = np.random.default_rng(0)
    for _ in range(6):
        x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
        opt.zero_grad()
        loss = nn.MSELoss()(model(mt.tensor(x)), mt.tensor(y))
        loss.backward()
        norm = clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        sched.step()
        topt.zero_grad()
        tloss = torch.nn.MSELoss()(tmodel(torch.tensor(x)), torch.tensor(y))
        tloss.backward()
        tnorm = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), 0.5)
        topt.step()
        tsched.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
        assert norm.item() == pytest.approx(tnorm.item(), rel=1e-10)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(np.asarray(value), tmodel.state_dict()[key].numpy(), rtol=1e-9, atol=1e-12)
