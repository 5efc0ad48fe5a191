"""conv1d/conv2d: values and gradients against PyTorch and central differences, fast paths, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitorch as mt
from minitorch.backends.contract import Backend
from minitorch.backends.numpy_backend import NumpyBackend
from minitorch.nn.functional.conv import conv1d, conv2d
from minitorch.testing import check_gradients

with_torch = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def conv_cases(draw: st.DrawFn, nd: int = 2, max_group_channels: int = 3) -> dict:
    """Small random conv problems: shapes, stride, padding (int, tuple, 'valid', 'same'), dilation, groups."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, max_group_channels)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"] if stride == (1,) * nd else ["int", "tuple",
                                                                                               "valid"]))
    if kind == "int":
        padding = draw(st.integers(0, 2))
        pads = (padding,) * nd
    elif kind == "tuple":
        pads = tuple(draw(st.integers(0, 2)) for _ in range(nd))
        padding = pads
    else:
        padding, pads = kind, (0,) * nd
    spatial = []
    for k, d, p in zip(kernel, dilation, pads):
        need = d * (k - 1) + 1 - (0 if kind == "same" else 2 * p)
        spatial.append(draw(st.integers(max(1, need), max(1, need) + 4)))
    n = draw(st.integers(1, 2))
    return {"x": (n, cg * groups, *spatial), "w": (og * groups, cg, *kernel), "bias": draw(st.booleans()),
            "stride": _maybe_int(draw, stride), "padding": padding, "dilation": _maybe_int(draw, dilation),
            "groups": groups, "seed": draw(st.integers(0, 2**16))}


def _maybe_int(draw: st.DrawFn, values: tuple[int, ...]) -> int | tuple[int, ...]:
    """Equal values sometimes as a single int, as users write them."""
    return values[0] if len(set(values)) == 1 and draw(st.booleans()) else values


def _arrays(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal(case["x"])
    w = rng.standard_normal(case["w"])
    b = rng.standard_normal(case["w"][0]) if case["bias"] else None
    return x, w, b


def _compare_with_torch(torch, fn, torch_fn, case: dict, unbatched: bool = False) -> None:
    x, w, b = _arrays(case)
    if unbatched:
        x = x[0]
    kwargs = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    mx, mw = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    mb = None if b is None else mt.tensor(b, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    out, ref = fn(mx, mw, mb, **kwargs), torch_fn(tx, tw, tb, **kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(mt.tensor(g))
    ref.backward(torch.tensor(g))
    for mine, theirs in ((mx, tx), (mw, tw), (mb, tb)):
        if mine is not None:
            np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


@with_torch
@given(conv_cases(2))
def test_conv2d_matches_torch(torch, case: dict) -> None:
    _compare_with_torch(torch, conv2d, torch.nn.functional.conv2d, case)


@with_torch
@given(conv_cases(1))
def test_conv1d_matches_torch(torch, case: dict) -> None:
    _compare_with_torch(torch, conv1d, torch.nn.functional.conv1d, case)


@settings(max_examples=15)
@given(conv_cases(2, max_group_channels=2))
def test_conv2d_gradients_match_central_differences(case: dict) -> None:
    x, w, b = _arrays(case)
    kwargs = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    inputs = [mt.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    check_gradients(lambda *t: conv2d(t[0], t[1], t[2] if len(t) > 2 else None, **kwargs), inputs)


@settings(max_examples=10)
@given(conv_cases(1))
def test_conv1d_gradients_match_central_differences(case: dict) -> None:
    x, w, b = _arrays(case)
    kwargs = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    inputs = [mt.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    check_gradients(lambda *t: conv1d(t[0], t[1], t[2] if len(t) > 2 else None, **kwargs), inputs)


def test_unbatched_input_matches_torch(torch) -> None:
    case = {"x": (1, 4, 6, 5), "w": (6, 2, 3, 2), "bias": True, "stride": (2, 1), "padding": 1,
            "dilation": (1, 2), "groups": 2, "seed": 3}
    _compare_with_torch(torch, conv2d, torch.nn.functional.conv2d, case, unbatched=True)
    case = {"x": (1, 3, 9), "w": (2, 3, 4), "bias": True, "stride": 1, "padding": "same", "dilation": 2,
            "groups": 1, "seed": 4}
    _compare_with_torch(torch, conv1d, torch.nn.functional.conv1d, case, unbatched=True)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("kernel, dilation", [((2, 4), (1, 1)), ((4, 3), (3, 2)), ((1, 2), (1, 3))])
def test_same_padding_with_even_kernels_pads_like_torch(torch, kernel: tuple, dilation: tuple) -> None:
    case = {"x": (2, 3, 7, 8), "w": (4, 3, *kernel), "bias": False, "stride": 1, "padding": "same",
            "dilation": dilation, "groups": 1, "seed": 5}
    _compare_with_torch(torch, conv2d, torch.nn.functional.conv2d, case)
    assert conv2d(mt.ones(1, 3, 7, 8), mt.ones(4, 3, *kernel), padding="same", dilation=dilation).shape == (1, 4, 7, 8)


@pytest.mark.parametrize("cin, cout, size", [(1, 32, 28), (32, 64, 13), (64, 64, 5), (3, 8, 9)])
def test_mnist_layers_float32_match_torch(torch, cin: int, cout: int, size: int) -> None:
    """The layers of the MNIST CNN in float32: both NumPy layouts (NCHW for few channels, NHWC for many)."""
    rng = np.random.default_rng(cin)
    x = rng.standard_normal((4, cin, size, size)).astype(np.float32)
    w = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    mts_ = [mt.tensor(a, requires_grad=True) for a in (x, w, b)]
    ths = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    out, ref = conv2d(*mts_, padding=1), torch.nn.functional.conv2d(*ths, padding=1)
    assert out.dtype is mt.float32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(ref.shape).astype(np.float32)
    out.backward(mt.tensor(g))
    ref.backward(torch.tensor(g))
    for mine, theirs in zip(mts_, ths):
        assert mine.grad.dtype is mt.float32
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-3)


CONFIGS = [  # x shape, w shape, stride, padding, dilation, groups
    ((3, 1, 9, 8), (5, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),  # NCHW layout
    ((3, 2, 9, 8), (4, 2, 2, 3), (2, 1), ((0, 1), (2, 0)), (2, 1), 1),  # NCHW, strided, asymmetric padding
    ((2, 8, 7, 6), (4, 8, 1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),  # a plain 1x1: NCHW without a copy
    ((3, 12, 7, 9), (6, 12, 3, 3), (1, 2), ((1, 2), (0, 1)), (1, 2), 1),  # NHWC layout
    ((2, 12, 8, 8), (6, 4, 3, 2), (2, 2), ((1, 1), (1, 1)), (1, 1), 3),  # NHWC with groups
    ((2, 6, 5, 5), (6, 1, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 6),  # depthwise
]


@pytest.mark.parametrize("chunk", [NumpyBackend._conv_chunk, 1])
@pytest.mark.parametrize("config", CONFIGS)
def test_numpy_fast_paths_match_generic_versions(monkeypatch, config: tuple, chunk: int) -> None:
    """The NumPy overrides agree with the contract's generic versions, also one sample per batch chunk."""
    monkeypatch.setattr(NumpyBackend, "_conv_chunk", chunk)
    xs, ws, stride, padding, dilation, groups = config
    b = NumpyBackend()
    rng = np.random.default_rng(0)
    x, w, bias = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    args = (stride, padding, dilation, groups)
    out = b.conv2d_forward(x, w, bias, *args)
    np.testing.assert_allclose(out, Backend.conv2d_forward(b, x, w, bias, *args), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    np.testing.assert_allclose(b.conv2d_backward_input(g, w, xs, *args),
                               Backend.conv2d_backward_input(b, g, w, xs, *args), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.conv2d_backward_weight(g, x, ws, *args),
                               Backend.conv2d_backward_weight(b, g, x, ws, *args), rtol=1e-12, atol=1e-12)
    assert out.dtype == np.float64
    assert b.conv2d_forward(x.astype(np.float32), w.astype(np.float32), None, *args).dtype == np.float32


def test_conv2d_second_derivatives_match_central_differences() -> None:
    """The gradient ops are differentiable: check d/d(x, w) of a function of the first gradients."""
    rng = np.random.default_rng(7)
    x, w = mt.tensor(rng.standard_normal((2, 4, 5, 5)), requires_grad=True), mt.tensor(
        rng.standard_normal((4, 2, 3, 3)), requires_grad=True)

    def first_grads(x: mt.Tensor, w: mt.Tensor) -> mt.Tensor:
        if not x.requires_grad:  # central differences call this on plain tensors, under no_grad
            x, w = x.detach().requires_grad_(), w.detach().requires_grad_()
        with mt.enable_grad():
            y = conv2d(x, w, stride=(1, 2), padding=1, groups=2)
            gx, gw = mt.autograd.grad((y * y).sum(), [x, w], create_graph=True)
            return (gx * gx).sum() + (gw * gw * gw).sum()

    check_gradients(first_grads, [x, w], atol=1e-4)


def test_conv2d_without_grad_records_nothing() -> None:
    x, w = mt.randn(2, 3, 5, 5), mt.randn(4, 3, 3, 3, requires_grad=True)
    with mt.no_grad():
        y = conv2d(x, w)
    assert not y.requires_grad and y.grad_fn is None
    y = conv2d(x, w)
    y.sum().backward()
    assert w.grad.shape == w.shape and x.grad is None


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(mt.ones(2, 3, 8, 8), mt.ones(4, 1, 3, 3)),
     "expected input[2, 3, 8, 8] to have 1 channels, but got 3 channels instead"),
    (lambda: conv2d(mt.ones(1, 1, 2, 2), mt.ones(1, 1, 3, 3)),
     "padded input size per channel: (2 x 2). Kernel size: (3 x 3)"),
    (lambda: conv2d(mt.ones(1, 1, 4, 4), mt.ones(1, 1, 3, 3), dilation=2),
     "padded input size per channel: (4 x 4). Kernel size: (5 x 5)"),
    (lambda: conv2d(mt.ones(8, 8), mt.ones(1, 1, 3, 3)), "expected 3D (unbatched) or 4D (batched) input"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(1, 3, 3)), "expected 4-dimensional weight"),
    (lambda: conv2d(mt.ones(1, 4, 8, 8), mt.ones(3, 2, 3, 3), groups=2),
     "expected weight to be divisible by 2 at dimension 0"),
    (lambda: conv2d(mt.ones(1, 3, 8, 8), mt.ones(4, 1, 3, 3), groups=2), "to have 2 channels, but got 3"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), mt.ones(3)),
     "expected bias to be 1-dimensional with 4 elements"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), padding="full"), "invalid padding string 'full'"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), padding=-1), "negative padding"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), stride=0), "non-positive stride"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3), groups=0), "groups must be a positive integer"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8), mt.ones(4, 1, 3, 3, dtype=mt.float64)),
     "input (float32) and weight (float64)"),
    (lambda: conv2d(mt.ones(1, 1, 8, 8, dtype=mt.int64), mt.ones(4, 1, 3, 3)), "floating point input"),
    (lambda: conv1d(mt.ones(2, 3, 8), mt.ones(4, 2, 3)), "expected input[2, 3, 8] to have 2 channels"),
    (lambda: conv1d(mt.ones(2, 3, 2), mt.ones(4, 3, 3)), "padded input size per channel: (2). Kernel size: (3)"),
])
def test_bad_arguments_get_clear_errors(call, message: str) -> None:
    with pytest.raises((RuntimeError, ValueError, TypeError), match=re.escape(message)):
        call()
