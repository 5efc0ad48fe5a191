"""Tests of the numba plugin: discovery, fast paths against the NumPy backend, the missing-Numba error, training."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minitorch as mt

pytest.importorskip("numba", reason="the numba backend needs Numba: pip install numba")
pytest.importorskip("minitorch_numba", reason="pip install -e backends/numba")

import minitorch_numba  # noqa: E402
import numba  # noqa: E402
from minitorch_numba import _jit  # noqa: E402
from minitorch_numba.backend import NumbaBackend  # noqa: E402

from minitorch import backends  # noqa: E402
from minitorch.backends import BackendUnavailableError  # noqa: E402
from minitorch.backends.numpy_backend import NumpyBackend  # noqa: E402
from minitorch.testing import fresh_backend  # noqa: E402

NP = NumpyBackend()
NB = NumbaBackend()
DTYPES = [np.float32, np.float64]


def _close(a: np.ndarray, b: np.ndarray, dtype) -> None:
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _close_sums(a: np.ndarray, b: np.ndarray, dtype) -> None:
    """Equal up to the rounding of sums taken in another order (GEMMs, reductions), relative to their size."""
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(np.nan_to_num(b)).max(initial=0))


@pytest.fixture(params=[False, True], ids=["one-thread", "parallel"])
def threads(request, monkeypatch):
    """Run a test with the kernels on one thread, and again with every call parallel."""
    if request.param:
        monkeypatch.setattr(_jit, "PARALLEL_MIN", 0)
    return request.param


def test_small_calls_never_compile_the_parallel_version(monkeypatch):
    """Below PARALLEL_MIN only the serial compilation runs (parallel compiling is most of a cold start)."""
    def fill(out, value):  # pragma: no cover - compiled
        for i in numba.prange(out.size):
            out[i] = value

    k = _jit.Kernel(fill, cache=False)
    out = np.zeros(5)
    k(out.size, out, 1.5)
    assert out.tolist() == [1.5] * 5 and k.serial.signatures and not k.parallel.signatures
    monkeypatch.setattr(_jit, "PARALLEL_MIN", 5)
    k(out.size, out, 2.5)
    assert out.tolist() == [2.5] * 5 and k.parallel.signatures
    assert k.serial.py_func.__qualname__ != k.parallel.py_func.__qualname__  # separate on-disk cache entries


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
    with fresh_backend("numba"):
        status = backends.available()["numba"]
        assert not status.available
        assert "ImportError" in status.reason and "pip install numba" in status.reason
        with pytest.raises(BackendUnavailableError, match="pip install"):
            mt.zeros(1, backend="numba")
    assert mt.zeros(1, backend="numba").backend == "numba"


# ---- fast paths against the NumPy backend ----------------------------------------------------
_POOL_SHAPES = [(2, 3, 8, 8), (3, 2, 17, 16), (1, 4, 32, 33), (2, 1, 16, 19), (2, 3, 11, 11), (1, 2, 10, 7)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", _POOL_SHAPES)
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
@pytest.mark.parametrize("shape", _POOL_SHAPES)
@pytest.mark.parametrize("divisor", [None, 3])
def test_avg_pool_2x2_matches_numpy(dtype, shape, divisor, threads):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(dtype)
    x[-1, -1, 2, 2] = np.nan
    x[0, 0, 4, 5] = np.inf
    args = ((2, 2), (2, 2), (0, 0), False, True, divisor)
    out = NB.avg_pool2d_forward(x, *args)
    np.testing.assert_array_equal(out, NP.avg_pool2d_forward(x, *args))  # same order of additions: bitwise
    assert np.isnan(out[-1, -1, 1, 1]) and np.isinf(out[0, 0, 2, 2])
    g = rng.standard_normal(out.shape).astype(dtype)
    gx = NB.avg_pool2d_backward(g, shape, *args)
    np.testing.assert_array_equal(gx, NP.avg_pool2d_backward(g, shape, *args))
    assert gx.dtype == dtype and gx.shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 7, 9), (64, 4, 26, 26), (1, 1, 1, 1), (2, 3, 0, 4)])
def test_channel_sum_matches_numpy(dtype, shape, threads):
    x = np.random.default_rng(sum(shape)).standard_normal(shape).astype(dtype) + 1
    for keepdims in (False, True):
        out = NB.reduce("sum", x, (0, 2, 3), keepdims)
        assert out.dtype == dtype and out.shape == NP.reduce("sum", x, (0, 2, 3), keepdims).shape
        _close_sums(out, NP.reduce("sum", x, (0, 2, 3), keepdims), dtype)
    if x.size:
        x[-1, -1, -1, -1] = np.nan
        out = NB.reduce("sum", x, (0, 2, 3), False)
        assert np.isnan(out[-1]) and not np.isnan(out[:-1]).any()
        planes = np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)  # falls back: same values
        _close_sums(NB.reduce("sum", planes, (0, 2, 3), False), NP.reduce("sum", x, (0, 2, 3), False), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("big,bias", [
    ((3, 5, 4, 7), (1, 5, 1, 1)), ((2, 130, 11, 13), (130, 1, 1)), ((300, 67), (1, 67)), ((129, 130), (130,)),
    ((64, 128, 3, 3), (1, 128, 1, 1)), ((70, 5, 8, 8), (5, 8, 8)),  # the last two fall back to NumPy
])
def test_bias_broadcast_matches_numpy(dtype, big, bias, threads):
    nb = NumbaBackend()
    nb.bias_min_size = 1
    rng = np.random.default_rng(len(big) + sum(bias))
    a = rng.standard_normal(big).astype(dtype)
    b = rng.standard_normal(bias).astype(dtype)
    a.flat[0] = np.nan
    b.flat[0] = 0.0  # x / 0 is inf or nan, as in NumPy
    a.flat[-1] = 0.0  # bias / 0
    for op in ("add", "sub", "mul", "div"):
        for x, y in ((a, b), (b, a)):
            out = nb.binary(op, x, y)
            assert out.dtype == dtype
            np.testing.assert_array_equal(out, NP.binary(op, x, y))  # one operation per element: bitwise
    assert np.isinf(nb.binary("div", a, b)).any() and np.isinf(nb.binary("div", b, a)).any()


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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n, classes", [(1, 1), (7, 10), (64, 10), (33, 16), (33, 129)])
def test_cross_entropy_matches_numpy(dtype, n, classes, threads):
    rng = np.random.default_rng(n * classes)
    x = (rng.standard_normal((n, classes)) * 30).astype(dtype)
    x[0, 0] = np.nan if classes > 1 else x[0, 0]  # a NaN logit makes its row's loss and gradient NaN
    target = rng.integers(0, classes, n)
    weight = rng.choice(np.array([0.0, 0.5, 1.0, 3.0], dtype), n)
    loss, logp = NB.cross_entropy_forward(x, target, weight)
    expected_loss, expected_logp = NP.cross_entropy_forward(x, target, weight)
    assert loss.dtype == logp.dtype == dtype
    _close(loss, expected_loss, dtype)
    _close(logp, expected_logp, dtype)
    _close(NB.cross_entropy_backward(logp, target, weight), NP.cross_entropy_backward(logp, target, weight), dtype)


def test_cross_entropy_kernel_never_reads_out_of_range():
    """The core passes targets in range; called directly with one that is not, the kernel gives NaN, not garbage."""
    x = np.zeros((3, 3), np.float32)
    loss, _ = NB.cross_entropy_forward(x, np.array([1, 3, -1]), np.ones(3, np.float32))
    assert loss[0] == pytest.approx(np.log(3)) and np.isnan(loss[1]) and np.isnan(loss[2])


def test_row_kernels_leave_wide_rows_to_numpy(monkeypatch):
    """Above ``row_kernel_max_width`` classes NumPy's SIMD exp is faster: the kernels must not be called."""
    from minitorch_numba import softmax

    def fail(*args):
        raise AssertionError("row kernel called on wide rows")

    for name in ("softmax_rows", "log_softmax_rows", "cross_entropy_rows"):
        monkeypatch.setattr(softmax, name, fail)
    x = np.random.default_rng(0).standard_normal((4, NB.row_kernel_max_width + 1)).astype(np.float32)
    _close(NB.softmax(x, 1), NP.softmax(x, 1), np.float32)
    _close(NB.log_softmax(x, 1), NP.log_softmax(x, 1), np.float32)
    _close(NB.cross_entropy_forward(x, np.zeros(4, np.int64), np.ones(4, np.float32))[0],
           NP.cross_entropy_forward(x, np.zeros(4, np.int64), np.ones(4, np.float32))[0], np.float32)


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


def _wide_open() -> NumbaBackend:
    """A Numba backend whose convolutions take the Numba path for every shape with one group, a few samples a chunk."""
    nb = NumbaBackend()
    nb._conv_nchw = lambda *args: False  # the NumPy backend's test for its shallow-layer path
    nb.conv_chunk = 600
    return nb


# (x shape, weight shape, stride, ((top, bottom), (left, right)), dilation, groups)
_CONVS = [
    ((2, 4, 18, 19), (6, 4, 3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((3, 2, 9, 7), (5, 2, 3, 2), (2, 1), ((1, 2), (0, 1)), (1, 1), 1),
    ((2, 3, 11, 10), (4, 3, 3, 3), (1, 2), ((4, 1), (1, 3)), (2, 1), 1),  # padding wider than the kernel reaches
    ((2, 5, 9, 11), (4, 5, 3, 2), (1, 2), ((1, 0), (2, 1)), (2, 3), 1),  # dilated columns: kw runs of C values
    ((2, 4, 8, 9), (6, 2, 2, 3), (2, 2), ((1, 1), (2, 2)), (1, 2), 2),  # groups: the NumPy backend's path
    ((1, 6, 5, 5), (3, 2, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 3),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", _CONVS)
def test_conv_im2col_col2im_match_numpy(xs, ws, stride, padding, dilation, groups, dtype, threads):
    nb = _wide_open()
    rng = np.random.default_rng(sum(xs) + sum(ws))
    x = rng.standard_normal(xs).astype(dtype)
    x[0, 0, 2, 2] = np.nan  # NaN reaches every output whose window holds it (a covered position in every case)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    args = (stride, padding, dilation, groups)
    for bias in (b, None):
        out = nb.conv2d_forward(x, w, bias, *args)
        _close_sums(out, NP.conv2d_forward(x, w, bias, *args), dtype)
    assert np.isnan(out).any() and not np.isnan(out).all()
    g = rng.standard_normal(out.shape).astype(dtype)
    _close_sums(nb.conv2d_backward_input(g, w, xs, *args), NP.conv2d_backward_input(g, w, xs, *args), dtype)
    x[0, 0, 2, 2] = 0.5
    _close_sums(nb.conv2d_backward_weight(g, x, ws, *args), NP.conv2d_backward_weight(g, x, ws, *args), dtype)
    # non-contiguous operands (column-major planes) are copied, not misread
    xt, gt = (np.ascontiguousarray(a.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2) for a in (x, g))
    assert not (xt.flags.c_contiguous or gt.flags.c_contiguous)
    _close_sums(nb.conv2d_backward_weight(gt, xt, ws, *args), NP.conv2d_backward_weight(g, x, ws, *args), dtype)
    _close_sums(nb.conv2d_forward(xt, w, b, *args), NP.conv2d_forward(x, w, b, *args), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_gradients_through_autograd_match_numpy(dtype, threads):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 20, 14)).astype(dtype)  # 45-deep columns: the default Numba path
    w = rng.standard_normal((7, 5, 3, 3)).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    padding = ((1, 1), (1, 1))
    assert NB._conv_numba(x.shape, w.shape, (1, 1), padding, 1, x, w, b)
    assert not NB._conv_numba((3, 3, 20, 14), (7, 3, 3, 3), (1, 1), padding, 1, x, w, b)  # 27 deep: NumPy's NCHW path
    assert not NB._conv_numba(x.shape, w.shape, (1, 1), padding, 5, x, w, b)  # groups: the NumPy backend's
    grads = []
    for name in ("numpy", "numba"):
        ts = [mt.tensor(a, backend=name, requires_grad=True) for a in (x, w, b)]
        y = mt.nn.functional.conv2d(*ts, padding=1)
        (y * y).sum().backward()
        grads.append([y.detach().numpy()] + [t.grad.numpy() for t in ts])
    for a, b_ in zip(*grads):
        _close_sums(b_, a, dtype)


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
