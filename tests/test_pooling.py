"""Max, average and adaptive pooling: values, indices and gradients against PyTorch and central differences."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch as mt
from minitorch.backends.contract import Backend
from minitorch.backends.numpy_backend import NumpyBackend
from minitorch.nn.functional.pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from minitorch.testing import check_gradients

with_torch = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def pool_cases(draw: st.DrawFn, nd: int = 2, dilation: bool = True) -> dict:
    """Random windows (any input size, not only multiples), padding <= kernel/2, ceil_mode, unbatched inputs."""
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, 2)) if dilation else 1 for _ in range(nd))
    pad = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    spatial = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), d * (k - 1) + 8))
                    for k, d, p in zip(kernel, dil, pad))
    batch = draw(st.sampled_from([(), (1,), (2,)]))
    case = {"shape": batch + (draw(st.integers(1, 3)),) + spatial, "kernel_size": kernel,
            "stride": draw(st.sampled_from([None, stride])), "padding": pad, "ceil_mode": draw(st.booleans()),
            "seed": draw(st.integers(0, 2**16))}
    if dilation:
        case["dilation"] = dil
    return case


def _windows_see_input(case: dict) -> bool:
    """Whether every window has a tap inside the input. With dilation a window can fall wholly in the padding;
    PyTorch's max_pool2d backward then writes outside its buffers (heap corruption), so such cases stay out of
    the comparisons (ours gives -inf and drops the gradient, as there is no input to route it to)."""
    nd = len(case["kernel_size"])
    stride = case["stride"] or case["kernel_size"]
    for n, k, s, p, d in zip(case["shape"][-nd:], case["kernel_size"], stride, case["padding"],
                             case.get("dilation", (1,) * nd)):
        for o in range(Backend.pool_output_size(n, k, s, p, d, case["ceil_mode"])):
            if not any(0 <= o * s - p + t * d < n for t in range(k)):
                return False
    return True


def _input(case: dict, lib, requires_grad: bool = True):
    x = np.random.default_rng(case["seed"]).standard_normal(case["shape"])
    return lib.tensor(x, requires_grad=requires_grad)


def _kwargs(case: dict) -> dict:
    return {k: v for k, v in case.items() if k not in ("shape", "seed")}


def _check_against_torch(torch, mine, theirs, case: dict, **extra) -> None:
    mx, tx = _input(case, mt), _input(case, torch)
    out, ref = mine(mx, **_kwargs(case), **extra), theirs(tx, **_kwargs(case), **extra)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(mt.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@with_torch
@given(pool_cases(2).filter(_windows_see_input))
def test_max_pool2d_matches_torch(torch, case: dict) -> None:
    _check_against_torch(torch, max_pool2d, torch.nn.functional.max_pool2d, case)
    out, idx = max_pool2d(_input(case, mt, False), **_kwargs(case), return_indices=True)
    ref, ref_idx = torch.nn.functional.max_pool2d(_input(case, torch, False), **_kwargs(case), return_indices=True)
    assert idx.dtype is mt.int64
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


@with_torch
@given(pool_cases(1).filter(_windows_see_input))
def test_max_pool1d_matches_torch(torch, case: dict) -> None:
    _check_against_torch(torch, max_pool1d, torch.nn.functional.max_pool1d, case)
    _, idx = max_pool1d(_input(case, mt, False), **_kwargs(case), return_indices=True)
    _, ref_idx = torch.nn.functional.max_pool1d(_input(case, torch, False), **_kwargs(case), return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


@with_torch
@given(pool_cases(2, dilation=False), st.booleans(), st.sampled_from([None, None, 1, 5]))
def test_avg_pool2d_matches_torch(torch, case: dict, count_include_pad: bool, divisor: int | None) -> None:
    _check_against_torch(torch, avg_pool2d, torch.nn.functional.avg_pool2d, case,
                         count_include_pad=count_include_pad, divisor_override=divisor)


@with_torch
@given(pool_cases(1, dilation=False), st.booleans())
def test_avg_pool1d_matches_torch(torch, case: dict, count_include_pad: bool) -> None:
    _check_against_torch(torch, avg_pool1d, torch.nn.functional.avg_pool1d, case, count_include_pad=count_include_pad)


@with_torch
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 5), st.one_of(st.none(), st.integers(1, 5)),
       st.booleans())
def test_adaptive_avg_pool2d_matches_torch(torch, h: int, w: int, oh: int, ow: int | None, batched: bool) -> None:
    case = {"shape": ((2,) if batched else ()) + (3, h, w), "seed": h * 10 + w}
    size = (oh, ow)
    mx, tx = _input(case, mt), _input(case, torch)
    out, ref = adaptive_avg_pool2d(mx, size), torch.nn.functional.adaptive_avg_pool2d(tx, size)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(mt.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


CEIL_CASES = [  # input size, kernel, stride, padding, dilation: ceil_mode adds a window, or must not
    (5, 2, 2, 0, 1), (5, 2, 2, 1, 1), (6, 3, 2, 1, 1), (7, 3, 3, 1, 1), (8, 2, 3, 0, 2), (4, 3, 2, 1, 1),
    (9, 4, 3, 2, 1),
]


@pytest.mark.parametrize("size, kernel, stride, padding, dilation", CEIL_CASES)
def test_ceil_mode_matches_torch(torch, size: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
    """Explicit ceil_mode edge cases, e.g. the extra window dropped when it would start in the right padding."""
    case = {"shape": (2, 2, size, size + 1), "kernel_size": kernel, "stride": stride, "padding": padding,
            "ceil_mode": True, "seed": size}
    _check_against_torch(torch, max_pool2d, torch.nn.functional.max_pool2d, dict(case, dilation=dilation))
    for include in (True, False):
        _check_against_torch(torch, avg_pool2d, torch.nn.functional.avg_pool2d, case, count_include_pad=include)


@settings(max_examples=15)
@given(pool_cases(2))
def test_max_pool2d_gradients_match_central_differences(case: dict) -> None:
    check_gradients(lambda t: max_pool2d(t, **_kwargs(case)), [_input(case, mt)])


@settings(max_examples=15)
@given(pool_cases(2, dilation=False), st.booleans(), st.sampled_from([None, 3]))
def test_avg_pool2d_gradients_match_central_differences(case: dict, count_include_pad: bool,
                                                        divisor: int | None) -> None:
    check_gradients(lambda t: avg_pool2d(t, **_kwargs(case), count_include_pad=count_include_pad,
                                         divisor_override=divisor), [_input(case, mt)])


@settings(max_examples=10)
@given(pool_cases(1))
def test_max_pool1d_gradients_match_central_differences(case: dict) -> None:
    check_gradients(lambda t: max_pool1d(t, **_kwargs(case)), [_input(case, mt)])


@settings(max_examples=10)
@given(pool_cases(1, dilation=False))
def test_avg_pool1d_gradients_match_central_differences(case: dict) -> None:
    check_gradients(lambda t: avg_pool1d(t, **_kwargs(case)), [_input(case, mt)])


def test_adaptive_avg_pool2d_gradients_match_central_differences() -> None:
    x = mt.randn(2, 2, 7, 5, dtype=mt.float64, requires_grad=True)
    for size in [(3, 2), (1, 1), (7, 1), (2, None)]:
        check_gradients(lambda t, size=size: adaptive_avg_pool2d(t, size), [x])


def test_max_pool_ties_send_the_gradient_to_the_first_maximum(torch) -> None:
    values = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0]]]])
    for kwargs in [{"kernel_size": 2}, {"kernel_size": 2, "stride": 1}, {"kernel_size": 3, "stride": 1,
                                                                          "padding": 1, "ceil_mode": True}]:
        mx, tx = mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        max_pool2d(mx, **kwargs).sum().backward()
        torch.nn.functional.max_pool2d(tx, **kwargs).sum().backward()
        np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy())


def test_max_pool_propagates_nan(torch) -> None:
    values = np.array([[[[1.0, np.nan, 0.0, 2.0], [1.0, 0.0, 2.0, 5.0]]]], np.float32)
    out = max_pool2d(mt.tensor(values), 2)
    ref = torch.nn.functional.max_pool2d(torch.tensor(values), 2)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_float32_mnist_pool_matches_torch(torch) -> None:
    x = np.random.default_rng(0).standard_normal((4, 32, 26, 26)).astype(np.float32)
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = max_pool2d(mx, 2), torch.nn.functional.max_pool2d(tx, 2)
    assert out.dtype is mt.float32 and out.shape == (4, 32, 13, 13)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy())
    assert mx.grad.dtype is mt.float32


POOLS = [  # kernel, stride, padding, dilation, ceil_mode
    ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 2), (2, 1), (1, 1), (1, 2), True),
    ((3, 3), (3, 2), (1, 0), (2, 1), True),
    ((1, 1), (2, 2), (0, 0), (1, 1), True),
]


@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode", POOLS)
def test_numpy_pool_fast_paths_match_generic_versions(kernel, stride, padding, dilation, ceil_mode) -> None:
    b = NumpyBackend()
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8))
    args = (kernel, stride, padding, dilation, ceil_mode)
    out = b.max_pool2d_forward(x, *args)
    np.testing.assert_array_equal(out, Backend.max_pool2d_forward(b, x, *args))
    g = np.random.default_rng(1).standard_normal(out.shape)
    np.testing.assert_array_equal(b.max_pool2d_backward(g, x, out, *args),
                                  Backend.max_pool2d_backward(b, g, x, out, *args))
    np.testing.assert_array_equal(b.max_pool2d_indices(x, out, *args), Backend.max_pool2d_indices(b, x, out, *args))
    for include, divisor in [(True, None), (False, None), (True, 2)]:
        avg = (kernel, stride, padding, ceil_mode, include, divisor)
        out = b.avg_pool2d_forward(x, *avg)
        np.testing.assert_allclose(out, Backend.avg_pool2d_forward(b, x, *avg), rtol=1e-12)
        np.testing.assert_allclose(b.avg_pool2d_backward(g, x.shape, *avg),
                                   Backend.avg_pool2d_backward(b, g, x.shape, *avg), rtol=1e-12)


def test_avg_pool_second_derivatives_work() -> None:
    x = mt.randn(1, 2, 5, 5, dtype=mt.float64, requires_grad=True)

    def grad_norm(t: mt.Tensor) -> mt.Tensor:
        if not t.requires_grad:
            t = t.detach().requires_grad_()
        with mt.enable_grad():
            (g,) = mt.autograd.grad((avg_pool2d(t, 3, 2, 1) ** 3).sum(), [t], create_graph=True)
            return (g * g).sum()

    check_gradients(grad_norm, [x], atol=1e-4)


def test_max_pool_second_derivatives_work(torch) -> None:
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 6))
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    results = []
    for lib, t, pool in ((mt, mx, max_pool2d), (torch, tx, torch.nn.functional.max_pool2d)):
        y = pool(t, 3, 2, 1, ceil_mode=True)
        (g,) = lib.autograd.grad((y * y * y).sum(), [t], create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), [t])
        results.append((g.detach().numpy(), gg.numpy()))
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: max_pool2d(mt.ones(1, 1, 8, 8), 3, padding=2), "pad should be at most half of kernel size"),
    (lambda: avg_pool2d(mt.ones(1, 1, 8, 8), 2, padding=2), "pad should be at most half of kernel size"),
    (lambda: max_pool2d(mt.ones(1, 2, 2, 2), 3), "given input size (2x2x2), calculated output size (2x0x0)"),
    (lambda: max_pool1d(mt.ones(1, 2, 2), 3), "given input size (2x2), calculated output size (2x0)"),
    (lambda: max_pool2d(mt.ones(8, 8), 2), "expected 3D (unbatched) or 4D (batched) input"),
    (lambda: max_pool1d(mt.ones(8), 2), "expected 2D (unbatched) or 3D (batched) input"),
    (lambda: max_pool2d(mt.ones(1, 1, 8, 8, dtype=mt.int64), 2), "floating point input"),
    (lambda: max_pool2d(mt.ones(1, 1, 8, 8), 0), "kernel_size must be greater than zero"),
    (lambda: max_pool2d(mt.ones(1, 1, 8, 8), 2, stride=0), "stride must be greater than zero"),
    (lambda: max_pool2d(mt.ones(1, 1, 8, 8), (2, 2, 2)), "kernel_size must be an int or a tuple of 2 ints"),
    (lambda: avg_pool2d(mt.ones(1, 1, 8, 8), 2, divisor_override=0), "divisor_override must be a non-zero int"),
    (lambda: adaptive_avg_pool2d(mt.ones(1, 1, 8, 8), (0, 2)), "output_size must be positive"),
    (lambda: adaptive_avg_pool2d(mt.ones(8, 8), 2), "expected 3D (unbatched) or 4D (batched) input"),
])
def test_bad_arguments_get_clear_errors(call, message: str) -> None:
    with pytest.raises((RuntimeError, ValueError, TypeError), match=re.escape(message)):
        call()
