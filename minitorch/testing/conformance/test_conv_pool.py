"""Conformance: the conv and pooling fast paths against the generic versions and NumPy loops, plus gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.backends.contract import Backend
from minitorch.nn.functional.conv import conv1d, conv2d
from minitorch.nn.functional.pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from minitorch.testing import check_gradients

from ._support import assert_native, float_dtypes, require_dtypes, tensor

# ---- references: plain loops over output positions, independent of the backend code ----------


def ref_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride, padding, dilation,
               groups: int) -> np.ndarray:
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    for oc in range(o):
        g = oc // (o // groups)
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, i * stride[0]:i * stride[0] + dilation[0] * (kh - 1) + 1:dilation[0],
                           j * stride[1]:j * stride[1] + dilation[1] * (kw - 1) + 1:dilation[1]]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out if b is None else out + b[None, :, None, None]


def ref_conv2d_grads(x: np.ndarray, w: np.ndarray, grad: np.ndarray, stride, padding, dilation,
                     groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of ``sum(conv2d(x, w) * grad)`` with respect to ``x`` and ``w``, by the same loops."""
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    gxp, gw = np.zeros_like(xp), np.zeros_like(w)
    o, cg, kh, kw = w.shape
    for oc in range(o):
        g = oc // (o // groups)
        for i in range(grad.shape[2]):
            for j in range(grad.shape[3]):
                key = (slice(None), slice(g * cg, (g + 1) * cg),
                       slice(i * stride[0], i * stride[0] + dilation[0] * (kh - 1) + 1, dilation[0]),
                       slice(j * stride[1], j * stride[1] + dilation[1] * (kw - 1) + 1, dilation[1]))
                gxp[key] += grad[:, oc, i, j][:, None, None, None] * w[oc]
                gw[oc] += (xp[key] * grad[:, oc, i, j][:, None, None, None]).sum(axis=0)
    return gxp[:, :, top:top + x.shape[2], left:left + x.shape[3]], gw


def _pool_out(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's output size, written out again from its documentation."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def ref_max_pool2d(x: np.ndarray, grad: np.ndarray | None, kernel, stride, padding, dilation, ceil_mode):
    """Output, flat argmax indices (first maximum) and the gradient for ``grad``."""
    n, c, h, w = x.shape
    oh = _pool_out(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = _pool_out(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    out, index, gx = np.empty((n, c, oh, ow)), np.empty((n, c, oh, ow), np.int64), np.zeros_like(x)
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    best, where = -np.inf, None
                    for u in range(kernel[0]):
                        for v in range(kernel[1]):
                            r = i * stride[0] - padding[0] + u * dilation[0]
                            q = j * stride[1] - padding[1] + v * dilation[1]
                            if 0 <= r < h and 0 <= q < w and (where is None or x[a, b, r, q] > best):
                                best, where = x[a, b, r, q], (r, q)
                    out[a, b, i, j] = best
                    index[a, b, i, j] = where[0] * w + where[1]
                    if grad is not None:
                        gx[a, b, where[0], where[1]] += grad[a, b, i, j]
    return out, index, gx


def ref_avg_pool2d(x: np.ndarray, grad: np.ndarray | None, kernel, stride, padding, ceil_mode, count_include_pad,
                   divisor_override):
    n, c, h, w = x.shape
    oh = _pool_out(h, kernel[0], stride[0], padding[0], 1, ceil_mode)
    ow = _pool_out(w, kernel[1], stride[1], padding[1], 1, ceil_mode)
    out, gx = np.zeros((n, c, oh, ow)), np.zeros_like(x)
    for i in range(oh):
        for j in range(ow):
            rows = [i * stride[0] - padding[0] + u for u in range(kernel[0])]
            cols = [j * stride[1] - padding[1] + v for v in range(kernel[1])]
            inside_pad = [(r, q) for r in rows for q in cols if -padding[0] <= r < h + padding[0]
                          and -padding[1] <= q < w + padding[1]]
            inside = [(r, q) for r, q in inside_pad if 0 <= r < h and 0 <= q < w]
            div = divisor_override or len(inside_pad if count_include_pad else inside) or 1
            for r, q in inside:
                out[:, :, i, j] += x[:, :, r, q] / div
                if grad is not None:
                    gx[:, :, r, q] += grad[:, :, i, j] / div
    return out, gx


# ---- the fast paths against the generic versions and the references --------------------------
CONVS = [  # x shape, w shape, stride, padding ((top, bottom), (left, right)), dilation, groups
    ((2, 1, 7, 6), (3, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 3, 8, 7), (4, 3, 2, 3), (2, 1), ((0, 1), (2, 0)), (2, 1), 1),
    ((1, 6, 5, 5), (2, 6, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 12, 6, 7), (4, 12, 3, 3), (1, 2), ((1, 2), (0, 1)), (1, 2), 1),
    ((2, 6, 6, 6), (4, 3, 3, 2), (2, 2), ((1, 1), (1, 1)), (1, 1), 2),
    ((1, 4, 5, 5), (4, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 4),
]
POOLS = [  # kernel, stride, padding, dilation, ceil_mode
    ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 2), (2, 1), (1, 1), (1, 2), True),
    ((3, 3), (3, 2), (1, 0), (2, 1), True),
    ((2, 3), (1, 2), (1, 1), (1, 1), False),
]


@pytest.mark.parametrize("config", CONVS)
def test_conv2d_fast_paths_match_generic_and_reference(backend, backend_name, config):
    xs, ws, stride, padding, dilation, groups = config
    rng = np.random.default_rng(sum(xs))
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    expected = ref_conv2d(x, w, b, stride, padding, dilation, groups)
    grad = rng.standard_normal(expected.shape)
    expected_gx, expected_gw = ref_conv2d_grads(x, w, grad, stride, padding, dilation, groups)
    args = (stride, padding, dilation, groups)
    for dtype in float_dtypes(backend_name):
        nx, nw, nb, ng = (backend.from_numpy(a.astype(dtype)) for a in (x, w, b, grad))
        for impl in (backend, None):  # the backend's own method, then the generic one on its primitives
            call = (lambda name, *a: getattr(backend, name)(*a)) if impl else (
                lambda name, *a: getattr(Backend, name)(backend, *a))
            assert_native(backend, call("conv2d_forward", nx, nw, nb, *args), expected, dtype)
            assert_native(backend, call("conv2d_forward", nx, nw, None, *args), expected - b[:, None, None], dtype)
            assert_native(backend, call("conv2d_backward_input", ng, nw, xs, *args), expected_gx, dtype)
            assert_native(backend, call("conv2d_backward_weight", ng, nx, ws, *args), expected_gw, dtype)


@pytest.mark.parametrize("config", POOLS)
def test_pool_fast_paths_match_generic_and_reference(backend, backend_name, config):
    kernel, stride, padding, dilation, ceil_mode = config
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 9, 8))
    out, index, _ = ref_max_pool2d(x, None, *config)
    grad = rng.standard_normal(out.shape)
    _, _, gx = ref_max_pool2d(x, grad, *config)
    for dtype in float_dtypes(backend_name):
        nx, ng = backend.from_numpy(x.astype(dtype)), backend.from_numpy(grad.astype(dtype))
        for impl in (backend, None):
            call = (lambda name, *a: getattr(backend, name)(*a)) if impl else (
                lambda name, *a: getattr(Backend, name)(backend, *a))
            nout = call("max_pool2d_forward", nx, *config)
            assert_native(backend, nout, out, dtype)
            assert_native(backend, call("max_pool2d_backward", ng, nx, nout, *config), gx, dtype)
            assert_native(backend, call("max_pool2d_indices", nx, nout, *config), index, "int64")
            for include, divisor in [(True, None), (False, None), (True, 5)]:
                avg = (kernel, stride, padding, ceil_mode, include, divisor)
                a_out, _ = ref_avg_pool2d(x, None, *avg)
                a_grad = rng.standard_normal(a_out.shape)
                _, a_gx = ref_avg_pool2d(x, a_grad, *avg)
                assert_native(backend, call("avg_pool2d_forward", nx, *avg), a_out, dtype)
                assert_native(backend, call("avg_pool2d_backward", backend.from_numpy(a_grad.astype(dtype)),
                                            x.shape, *avg), a_gx, dtype)


def test_max_pool_ties_go_to_the_first_maximum(backend, backend_name):
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, 1.0, 2.0], [2.0, 0.0, 2.0]]]])
    config = ((2, 2), (1, 1), (0, 0), (1, 1), False)
    out, index, _ = ref_max_pool2d(x, None, *config)
    grad = np.arange(1.0, out.size + 1).reshape(out.shape)
    _, _, gx = ref_max_pool2d(x, grad, *config)
    for dtype in float_dtypes(backend_name):
        nx = backend.from_numpy(x.astype(dtype))
        nout = backend.max_pool2d_forward(nx, *config)
        assert_native(backend, backend.max_pool2d_indices(nx, nout, *config), index, "int64")
        assert_native(backend, backend.max_pool2d_backward(backend.from_numpy(grad.astype(dtype)), nx, nout, *config),
                      gx, dtype)


def test_max_pool_nan_takes_its_window_wherever_it_sits(backend, backend_name):
    """A NaN is its window's maximum (forward), index and gradient target, at each of the four 2x2 positions."""
    x = np.arange(32.0).reshape(1, 2, 4, 4) / 8
    nans = [(0, 0, 0, 1), (0, 0, 1, 2), (0, 0, 3, 1), (0, 1, 0, 0), (0, 1, 3, 3)]  # the last: after bigger values
    for position in nans:
        x[position] = np.nan
    config = ((2, 2), (2, 2), (0, 0), (1, 1), False)
    grad = np.arange(1.0, 9.0).reshape(1, 2, 2, 2)
    gx, index = np.zeros_like(x), np.empty(grad.shape, np.int64)
    for n, c, i, j in np.ndindex(grad.shape):
        window = [(2 * i + u, 2 * j + v) for u in (0, 1) for v in (0, 1)]
        r, q = next(((r, q) for r, q in window if np.isnan(x[n, c, r, q])), window[-1])  # no NaN: the last is largest
        gx[n, c, r, q], index[n, c, i, j] = grad[n, c, i, j], r * 4 + q
    for dtype in float_dtypes(backend_name):
        nx = backend.from_numpy(x.astype(dtype))
        nout = backend.max_pool2d_forward(nx, *config)
        out = backend.to_numpy(nout)
        assert np.isnan(out).tolist() == [[[[True, True], [True, False]], [[True, False], [False, True]]]]
        assert_native(backend, backend.max_pool2d_indices(nx, nout, *config), index, "int64")
        assert_native(backend, backend.max_pool2d_backward(backend.from_numpy(grad.astype(dtype)), nx, nout, *config),
                      gx, dtype)


# ---- the public functions on this backend: values and central differences ---------------------
@given(data=st.data())
def test_conv2d_on_the_backend_matches_the_reference(backend_name, data):
    groups = data.draw(st.sampled_from([1, 2]), label="groups")
    cin, cout = groups * data.draw(st.integers(1, 3)), groups * data.draw(st.integers(1, 3))
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    stride = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    pad = data.draw(st.integers(0, 1))
    size = (data.draw(st.integers(3, 7)), data.draw(st.integers(3, 7)))
    dtype = data.draw(st.sampled_from(float_dtypes(backend_name)), label="dtype")
    rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="seed"))
    x, w, b = rng.standard_normal((2, cin, *size)), rng.standard_normal((cout, cin // groups, *k)), \
        rng.standard_normal(cout)
    out = conv2d(tensor(x.astype(dtype), backend_name), tensor(w.astype(dtype), backend_name),
                 tensor(b.astype(dtype), backend_name), stride=stride, padding=pad, groups=groups)
    assert out.backend == backend_name and out.dtype.name == dtype
    assert_native(out._backend, out._data, ref_conv2d(x, w, b, stride, ((pad, pad),) * 2, (1, 1), groups), dtype)


@pytest.mark.parametrize("case", ["conv2d", "conv1d", "conv2d_same", "max_pool2d", "max_pool1d", "avg_pool2d",
                                  "avg_pool1d", "adaptive_avg_pool2d"])
def test_gradients_match_central_differences(backend_name, case):
    require_dtypes(backend_name, "float64")
    rng = np.random.default_rng(3)

    def leaf(*shape: int) -> mt.Tensor:
        return tensor(rng.standard_normal(shape), backend_name, requires_grad=True)

    fn, inputs = {
        "conv2d": (lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
                   [leaf(2, 4, 6, 7), leaf(4, 2, 3, 2), leaf(4)]),
        "conv1d": (lambda x, w, b: conv1d(x, w, b, stride=2, padding=1), [leaf(2, 3, 9), leaf(2, 3, 3), leaf(2)]),
        "conv2d_same": (lambda x, w: conv2d(x, w, padding="same"), [leaf(1, 2, 5, 6), leaf(3, 2, 2, 4)]),
        "max_pool2d": (lambda x: max_pool2d(x, 3, 2, 1, ceil_mode=True), [leaf(2, 2, 7, 6)]),
        "max_pool1d": (lambda x: max_pool1d(x, 2, 1, dilation=2), [leaf(2, 3, 8)]),
        "avg_pool2d": (lambda x: avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                       [leaf(2, 2, 7, 6)]),
        "avg_pool1d": (lambda x: avg_pool1d(x, 3, 2, 1), [leaf(2, 3, 8)]),
        "adaptive_avg_pool2d": (lambda x: adaptive_avg_pool2d(x, (3, 4)), [leaf(2, 2, 7, 6)]),
    }[case]
    check_gradients(fn, inputs)
