"""Tests of the numba plugin: discovery, fast paths against the NumPy backend, the missing-Numba error, training."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minitorch as mt

pytest.importorskip("numba", reason="the numba backend needs Numba: pip install numba")
pytest.importorskip("minitorch_numba", reason="pip install -e backends/numba")

import minitorch_numba  # noqa: E402
from minitorch_numba import _jit  # noqa: E402
from minitorch_numba.backend import NumbaBackend  # noqa: E402

from minitorch import backends  # noqa: E402
from minitorch.backends import BackendUnavailableError  # noqa: E402
from minitorch.backends.numpy_backend import NumpyBackend  # noqa: E402

NP = NumpyBackend()
NB = NumbaBackend()
DTYPES = [np.float32, np.float64]


def _close(a: np.ndarray, b: np.ndarray, dtype) -> None:
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.fixture(params=[False, True], ids=["one-thread", "parallel"])
def threads(request, monkeypatch):
    """Run a test with the kernels on one thread, and again with every call parallel."""
    if request.param:
        monkeypatch.setattr(_jit, "PARALLEL_MIN", 0)
    return request.param


# ---- discovery and selection ---------------------------------------------------------------
def test_discovered_available_and_selectable(monkeypatch):
    status = mt.backends.available()["numba"]
    assert status.available and status.device == "cpu" and "minitorch_numba" in status.source
    assert mt.tensor([1.0], backend="numba").backend == "numba"
    with mt.default_backend("numba"):
        assert mt.zeros(2).backend == "numba"
    monkeypatch.setenv("MINITORCH_BACKEND", "numba")
    assert mt.ones(1).backend == "numba"
    x = mt.tensor([1.0, -2.0]).to("numba")
    assert x.backend == "numba" and isinstance(x._data, np.ndarray)


def test_missing_numba_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    with pytest.raises(ImportError, match="pip install numba"):
        minitorch_numba.factory()
    saved = dict(backends._instances), dict(backends._failures)
    backends._instances.pop("numba", None)
    backends._failures.pop("numba", None)
    try:
        status = backends.available()["numba"]
        assert not status.available
        assert "ImportError" in status.reason and "pip install numba" in status.reason
        with pytest.raises(BackendUnavailableError, match="pip install"):
            mt.zeros(1, backend="numba")
    finally:
        for d, old in zip((backends._instances, backends._failures), saved):
            d.clear()
            d.update(old)
    assert mt.zeros(1, backend="numba").backend == "numba"


# ---- fast paths against the NumPy backend ----------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (3, 2, 17, 16), (1, 4, 32, 33), (2, 1, 16, 19)])
def test_max_pool_2x2_matches_numpy(dtype, shape, threads):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(dtype)
    x[0, 0, 0, :4] = 1.0  # ties: the first maximum takes the gradient
    x[-1, -1, 2, 2] = np.nan  # NaN propagates and takes its window's gradient
    x[-1, -1, 4, 5] = -np.inf
    args = ((2, 2), (2, 2), (0, 0), (1, 1), False)
    out = NB.max_pool2d_forward(x, *args)
    np.testing.assert_array_equal(out, NP.max_pool2d_forward(x, *args))
    g = rng.standard_normal(out.shape).astype(dtype)
    np.testing.assert_array_equal(NB.max_pool2d_backward(g, x, out, *args), NP.max_pool2d_backward(g, x, out, *args))


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_and_softmax_match_numpy(dtype, threads):
    rng = np.random.default_rng(1)
    for shape in [(5,), (3, 7), (2, 3, 4, 5)]:
        y = rng.standard_normal(shape).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        y.flat[:3] = [np.nan, -0.0, 0.0]
        for s in (0, 0.0, -0.5):
            relu = NB.binary("maximum", y, s)
            assert relu.dtype == y.dtype
            np.testing.assert_array_equal(relu, NP.binary("maximum", y, s))
            np.testing.assert_array_equal(np.signbit(relu), np.signbit(NP.binary("maximum", y, s)))
        np.testing.assert_array_equal(NB.where(y > 0, g, 0.0), NP.where(y > 0, g, 0.0))
        np.testing.assert_array_equal(NB.where(y > 0, 0.5, g), NP.where(y > 0, 0.5, g))
        x = (rng.standard_normal(shape) * 50).astype(dtype)
        for axis in range(len(shape)):
            _close(NB.softmax(x, axis), NP.softmax(x, axis), dtype)
            _close(NB.log_softmax(x, axis), NP.log_softmax(x, axis), dtype)


_OPTIMIZERS = [
    ("adam_update", ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
     dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, decoupled_weight_decay=False,
          step_size=0.05, bias_correction2_sqrt=0.3, maximize=False)),
    ("adam_update", ("exp_avg", "exp_avg_sq", None),
     dict(lr=0.01, beta1=0.3, beta2=0.99, eps=1e-8, weight_decay=0.1, decoupled_weight_decay=True,
          step_size=0.05, bias_correction2_sqrt=0.3, maximize=True)),
    ("rmsprop_update", ("square_avg", "grad_avg", "momentum_buffer"),
     dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.01, momentum=0.9, maximize=False)),
    ("rmsprop_update", ("square_avg", None, None),
     dict(lr=0.01, alpha=0.3, eps=1e-7, weight_decay=0.0, momentum=0.0, maximize=True)),
    ("nadam_update", ("exp_avg", "exp_avg_sq"),
     dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, decoupled_weight_decay=False,
          bias_correction2=0.2, grad_coef=-0.01, exp_avg_coef=-0.02, maximize=False)),
    ("adagrad_update", ("state_sum",), dict(clr=0.1, eps=1e-10, weight_decay=0.01, maximize=False)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method,state,kwargs", _OPTIMIZERS)
def test_optimizer_updates_match_numpy(method, state, kwargs, dtype, threads):
    rng = np.random.default_rng(2)
    shape = (33, 17)  # above optimizer_min_size: the Numba kernels run
    param = rng.standard_normal(shape).astype(dtype)
    runs = []
    for backend in (NP, NB):
        p = param.copy()
        arrays = [None if s is None else np.abs(rng.standard_normal(shape)).astype(dtype) * 0 for s in state]
        view = p[1]  # views of the parameter stay valid: updates are in place
        for step in range(3):
            g = np.random.default_rng(step).standard_normal(shape).astype(dtype)
            getattr(backend, method)(p, g, *arrays, **kwargs)
        np.testing.assert_array_equal(view, p[1])
        runs.append([p] + [a for a in arrays if a is not None])
    for a, b in zip(*runs):
        _close(b, a, dtype)


# ---- values and gradients through autograd, and a small training run ------------------------
def _model() -> mt.nn.Module:
    nn = mt.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


@pytest.mark.parametrize("opt", ["Adam", "RMSprop"])
def test_training_matches_numpy_backend(opt):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 32)
    results = []
    for name in ("numpy", "numba"):
        mt.manual_seed(0)
        model = _model().to(backend=name)
        optimizer = getattr(mt.optim, opt)(model.parameters(), lr=1e-3)
        xs, ys = mt.tensor(x, backend=name), mt.tensor(y, backend=name)
        losses = []
        for _ in range(5):
            optimizer.zero_grad()
            loss = mt.nn.functional.cross_entropy(model(xs), ys)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((losses, [p.detach().numpy() for p in model.parameters()]))
    (l_np, p_np), (l_nb, p_nb) = results
    np.testing.assert_allclose(l_nb, l_np, rtol=1e-4)
    assert l_nb[-1] < l_nb[0]
    for a, b in zip(p_nb, p_np):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
