"""Conformance: the backend's optional fast paths agree with the generic versions in the contract (and NumPy)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitorch.backends.contract import Backend
from minitorch.testing import strategies as mts

from ._support import assert_native, draw_dtype, draw_native


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


@pytest.mark.parametrize("op", ["sigmoid", "softmax", "log_softmax"])
@given(data=st.data())
def test_activation_fast_paths(backend, backend_name, op, data):
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(min_dims=0 if op == "sigmoid" else 1), label="shape")
    # large magnitudes: the fast path must be as stable as the generic version (no overflow to inf/nan)
    domain = data.draw(st.sampled_from(["default", "large"]), label="domain")
    x, host = draw_native(data, backend, shape, dtype, domain)
    wide = host.astype(np.float64)
    if op == "sigmoid":
        fast, generic, expected = backend.sigmoid(x), Backend.sigmoid(backend, x), _sigmoid(wide)
    else:
        axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
        fast, generic = getattr(backend, op)(x, axis), getattr(Backend, op)(backend, x, axis)
        expected = (_softmax if op == "softmax" else _log_softmax)(wide, axis)
    assert_native(backend, generic, expected, dtype)
    assert_native(backend, fast, backend.to_numpy(generic).astype(np.float64), dtype)
    assert np.isfinite(backend.to_numpy(fast)).all()


@given(data=st.data())
def test_cross_entropy_fast_paths(backend, backend_name, data):
    """Forward (loss and log-probabilities) and backward against the generic versions and NumPy."""
    dtype = draw_dtype(data, backend_name)
    n, classes = data.draw(st.integers(1, 9), label="n"), data.draw(st.integers(1, 12), label="classes")
    domain = data.draw(st.sampled_from(["default", "large"]), label="domain")
    x, host = draw_native(data, backend, (n, classes), dtype, domain)
    labels = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n), label="target"))
    weights = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n, max_size=n), label="weights")
    target = backend.from_numpy(labels.astype(np.int64))
    weight_t, w = backend.from_numpy(np.array(weights, dtype)), np.array(weights)
    logp = _log_softmax(host.astype(np.float64), 1)
    rows = np.arange(n)
    loss, fast_logp = backend.cross_entropy_forward(x, target, weight_t)
    generic_loss, generic_logp = Backend.cross_entropy_forward(backend, x, target, weight_t)
    for got in (loss, generic_loss):
        assert_native(backend, got, -logp[rows, labels] * w, dtype)
    for got in (fast_logp, generic_logp):
        assert_native(backend, got, logp, dtype)
    expected = np.exp(logp) * w[:, None]
    expected[rows, labels] -= w
    assert_native(backend, backend.cross_entropy_backward(fast_logp, target, weight_t), expected, dtype)
    assert_native(backend, Backend.cross_entropy_backward(backend, fast_logp, target, weight_t), expected, dtype)


# ---- fused optimizer updates: the override and the generic version from the same state --------------
_HYPER = {
    "sgd": lambda: st.fixed_dictionaries({
        "lr": st.sampled_from([0.01, 0.5]), "momentum": st.sampled_from([0.0, 0.9]),
        "dampening": st.sampled_from([0.0, 0.1]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "nesterov": st.booleans(), "maximize": st.booleans()}),
    "adam": lambda: st.fixed_dictionaries({
        "lr": st.sampled_from([0.001, 0.1]), "beta1": st.sampled_from([0.9, 0.3]), "beta2": st.just(0.999),
        "eps": st.sampled_from([1e-8, 1e-3]), "weight_decay": st.sampled_from([0.0, 0.01]),
        "decoupled_weight_decay": st.booleans(), "maximize": st.booleans(), "step": st.integers(1, 5)}),
    "rmsprop": lambda: st.fixed_dictionaries({
        "lr": st.sampled_from([0.01, 0.1]), "alpha": st.sampled_from([0.99, 0.5]), "eps": st.sampled_from([1e-8]),
        "weight_decay": st.sampled_from([0.0, 0.01]), "momentum": st.sampled_from([0.0, 0.9]),
        "maximize": st.booleans()}),
    "nadam": lambda: st.fixed_dictionaries({
        "lr": st.sampled_from([0.002, 0.1]), "beta1": st.just(0.9), "beta2": st.just(0.999), "eps": st.just(1e-8),
        "weight_decay": st.sampled_from([0.0, 0.01]), "decoupled_weight_decay": st.booleans(),
        "bias_correction2": st.sampled_from([0.001, 0.5]), "grad_coef": st.sampled_from([-0.01, -0.2]),
        "exp_avg_coef": st.sampled_from([-0.05, -0.3]), "maximize": st.booleans()}),
    "adagrad": lambda: st.fixed_dictionaries({
        "clr": st.sampled_from([0.01, 0.5]), "eps": st.sampled_from([1e-10, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.01]), "maximize": st.booleans()}),
}
# The state arrays of each update, with the domain of their values (None: an optional array).
_STATES = {
    "sgd": {"momentum_buffer": "default"},
    "adam": {"exp_avg": "default", "exp_avg_sq": "positive", "max_exp_avg_sq": "positive"},
    "rmsprop": {"square_avg": "positive", "grad_avg": mts.Domain(-0.3, 0.3), "momentum_buffer": "default"},
    "nadam": {"exp_avg": "default", "exp_avg_sq": "positive"},
    "adagrad": {"state_sum": "positive"},
}
_OPTIONAL = {"sgd": ("momentum_buffer",), "adam": ("max_exp_avg_sq",), "rmsprop": ("grad_avg", "momentum_buffer")}


def _call(backend: Any, method: Any, name: str, arrays: dict[str, Any], hyper: dict[str, Any]) -> Any:
    """Run one update on fresh native copies of ``arrays``; the new arrays and the returned value."""
    native = {k: None if v is None else backend.from_numpy(v.copy()) for k, v in arrays.items()}
    shape = arrays["param"].shape  # a view taken before the update must see it
    view = backend.index(native["param"], (slice(0, shape[0], 1),)) if shape else None
    kwargs = dict(hyper)
    if name == "adam":
        step = kwargs.pop("step")
        kwargs["step_size"] = kwargs["lr"] / (1 - kwargs["beta1"] ** step)
        kwargs["bias_correction2_sqrt"] = math.sqrt(1 - kwargs["beta2"] ** step)
    returned = method(*native.values(), **kwargs)
    return native, returned, view


@pytest.mark.parametrize("name", list(_HYPER))
@given(data=st.data())
def test_fused_optimizer_updates(backend, backend_name, name, data):
    dtype = draw_dtype(data, backend_name)
    shape = data.draw(mts.shapes(), label="shape")
    arrays: dict[str, Any] = {
        "param": data.draw(mts.arrays(dtype, shape), label="param"),
        "grad": data.draw(mts.arrays(dtype, shape), label="grad"),
    }
    for state, domain in _STATES[name].items():
        absent = state in _OPTIONAL.get(name, ()) and data.draw(st.booleans(), label=f"no {state}")
        arrays[state] = None if absent else data.draw(mts.arrays(dtype, shape, domain), label=state)
    hyper = data.draw(_HYPER[name](), label="hyperparameters")
    method = f"{name}_update"
    fast, fast_returned, fast_view = _call(backend, getattr(backend, method), name, arrays, hyper)
    generic, generic_returned, _ = _call(backend, getattr(Backend, method).__get__(backend), name, arrays, hyper)
    for key, value in generic.items():
        if value is not None:
            assert_native(backend, fast[key], backend.to_numpy(value).astype(np.float64), dtype)
    if fast_view is not None:  # updated in place
        assert_native(backend, fast_view, backend.to_numpy(generic["param"]).astype(np.float64), dtype)
    assert (fast_returned is None) == (generic_returned is None)
    if generic_returned is not None:
        assert_native(backend, fast_returned, backend.to_numpy(generic_returned).astype(np.float64), dtype)
