"""Max, average and adaptive average pooling (1-D and 2-D) over the backend's pooling fast paths."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import autograd
from ...creation import arange, from_host
from ...dtypes import int64
from ...functions import where
from ...tensor import Tensor
from .conv import _check_float_input, _ntuple

__all__ = ["adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d"]

Pair = tuple[int, int]


# ---- autograd Functions ---------------------------------------------------------------------
class _MaxPool2d(autograd.Function):
    """``max_pool2d`` on batched NCHW input; the gradient goes to each window's first maximum."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                ceil_mode: bool) -> Tensor:
        out = x._backend.max_pool2d_forward(x._data, kernel_size, stride, padding, dilation, ceil_mode)
        ctx.save_for_backward(x)
        ctx.out = out  # the output tensor's own array: keeping it costs nothing
        return x._new(out)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        return (_MaxPool2dGrad.apply(grad, x, ctx.out, *ctx._inputs[1:]),) + (None,) * 5


class _MaxPool2dGrad(autograd.Function):
    """The gradient of ``max_pool2d``: ``grad`` routed to the maxima of ``x``.

    It is linear in ``grad``, and its derivative with respect to ``x`` is zero (the routing
    is piecewise constant), so its own backward gathers at the same positions.
    """

    @staticmethod
    def forward(ctx: Any, grad: Tensor, x: Tensor, out: Any, kernel_size: Pair, stride: Pair, padding: Pair,
                dilation: Pair, ceil_mode: bool) -> Tensor:
        ctx.save_for_backward(x)
        return grad._new(grad._backend.max_pool2d_backward(grad._data, x._data, out, kernel_size, stride, padding,
                                                           dilation, ceil_mode))

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        out, *params = ctx._inputs[2:]
        n, c, h, w = x.shape
        index = x._new(x._backend.max_pool2d_indices(x._data, out, *params), int64)
        oh, ow = index.shape[2:]
        index = index.reshape(n * c, oh * ow)
        inside = (index >= 0) & (index < h * w)  # a window wholly in the padding has no input to gather from
        rows = arange(n * c, backend=x._backend).reshape(n * c, 1)
        picked = gg.reshape(n * c, h * w)[rows, where(inside, index, 0)]
        return (where(inside, picked, 0.0).reshape(n, c, oh, ow),) + (None,) * 7


class _AvgPool2d(autograd.Function):
    """``avg_pool2d`` on batched NCHW input; linear, so its backward is a Function too (double backward works)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, kernel_size: Pair, stride: Pair, padding: Pair, ceil_mode: bool,
                count_include_pad: bool, divisor_override: int | None) -> Tensor:
        return x._new(x._backend.avg_pool2d_forward(x._data, kernel_size, stride, padding, ceil_mode,
                                                    count_include_pad, divisor_override))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, *params = ctx._inputs
        return (_AvgPool2dGrad.apply(grad, x.shape, *params),) + (None,) * 6


class _AvgPool2dGrad(autograd.Function):
    """The gradient of ``avg_pool2d`` (the transpose of that linear map)."""

    @staticmethod
    def forward(ctx: Any, grad: Tensor, input_shape: tuple[int, ...], kernel_size: Pair, stride: Pair,
                padding: Pair, ceil_mode: bool, count_include_pad: bool, divisor_override: int | None) -> Tensor:
        return grad._new(grad._backend.avg_pool2d_backward(grad._data, input_shape, kernel_size, stride, padding,
                                                           ceil_mode, count_include_pad, divisor_override))

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> tuple:
        params = ctx._inputs[2:]
        return (_AvgPool2d.apply(gg, *params),) + (None,) * 7


# ---- argument checks ------------------------------------------------------------------------
def _pool_args(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
               dilation: Any) -> tuple[Tensor, Pair, Pair, Pair, Pair]:
    """Check as PyTorch does; return the batched 4-D input and 2-D kernel/stride/padding/dilation."""
    _check_float_input(op, input)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input, but got input of "
                           f"size {list(input.shape)}")
    kernel = _ntuple(kernel_size, nd, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    step = kernel if no_stride else _ntuple(stride, nd, "stride", op)
    pad = _ntuple(padding, nd, "padding", op)
    dil = _ntuple(dilation, nd, "dilation", op)
    if any(k <= 0 for k in kernel):
        raise ValueError(f"{op}: kernel_size must be greater than zero, got kernel_size={kernel_size!r}")
    if any(s <= 0 for s in step):
        raise ValueError(f"{op}: stride must be greater than zero, got stride={stride!r}")
    if any(d <= 0 for d in dil):
        raise ValueError(f"{op}: dilation must be greater than zero, got dilation={dilation!r}")
    if any(p < 0 for p in pad):
        raise ValueError(f"{op}: padding must be non-negative, got padding={padding!r}")
    for p, k in zip(pad, kernel):
        if p > k // 2:
            raise ValueError(f"{op}: pad should be at most half of kernel size, but got padding={pad} for "
                             f"kernel_size={kernel}")
    x = input if input.ndim == nd + 2 else input.unsqueeze(0)
    if any(n == 0 for n in x.shape[1:]):
        raise RuntimeError(f"{op}: expected input with non-zero channel and spatial sizes, but got input of size "
                           f"{list(input.shape)}")
    if nd == 1:
        return x.unsqueeze(2), (1,) + kernel, (1,) + step, (0,) + pad, (1,) + dil
    return x, kernel, step, pad, dil


def _check_output_size(op: str, x: Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                       ceil_mode: bool, nd: int) -> None:
    b = x._backend
    out = [b.pool_output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
           zip(x.shape[2:], kernel, stride, padding, dilation)]
    if any(o < 1 for o in out):
        c = x.shape[1]
        sizes = "x".join(str(v) for v in (c, *x.shape[4 - nd:]))
        outs = "x".join(str(v) for v in (c, *out[2 - nd:]))
        raise RuntimeError(f"{op}: given input size ({sizes}), calculated output size ({outs}): output size is "
                           f"too small (kernel_size={kernel[2 - nd:]}, stride={stride[2 - nd:]}, "
                           f"padding={padding[2 - nd:]}, dilation={dilation[2 - nd:]})")


def _unbatch(out: Tensor, input: Tensor, nd: int) -> Tensor:
    if nd == 1:
        out = out.squeeze(2)
    return out if input.ndim == nd + 2 else out.squeeze(0)


def _max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool) -> Any:
    x, kernel, step, pad, dil = _pool_args(op, nd, input, kernel_size, stride, padding, dilation)
    _check_output_size(op, x, kernel, step, pad, dil, bool(ceil_mode), nd)
    out = _MaxPool2d.apply(x, kernel, step, pad, dil, bool(ceil_mode))
    if not return_indices:
        return _unbatch(out, input, nd)
    idx = x._backend.max_pool2d_indices(x._data, out._data, kernel, step, pad, dil, bool(ceil_mode))
    return _unbatch(out, input, nd), _unbatch(x._new(idx, int64), input, nd)


def _avg_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x, kernel, step, pad, dil = _pool_args(op, nd, input, kernel_size, stride, padding, 1)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        raise ValueError(f"{op}: divisor_override must be a non-zero int or None, got {divisor_override!r}")
    _check_output_size(op, x, kernel, step, pad, dil, bool(ceil_mode), nd)
    out = _AvgPool2d.apply(x, kernel, step, pad, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return _unbatch(out, input, nd)


# ---- the public functions -------------------------------------------------------------------
def max_pool2d(input: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None, padding: int | Pair = 0,
               dilation: int | Pair = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pooling over NCHW images, as ``torch.nn.functional.max_pool2d``.

    The gradient of each window goes to its first maximum; the gradient op is
    differentiable too (double backward works). NaN propagates. Any input size works,
    not only multiples of the kernel.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``; floating point.
        kernel_size: window size: an int or ``(kh, kw)``.
        stride: step between windows; defaults to ``kernel_size``.
        padding: implicit ``-inf`` on each side, at most half the kernel size.
        dilation: spacing between window taps.
        ceil_mode: round the output size up (an extra, partial window at the end
            when it starts inside the input or the left padding), as PyTorch.
        return_indices: also return the flat index ``h * W + w`` of each maximum (int64).

    Shape:
        Output ``(N, C, oh, ow)``: ``oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1`` (rounded up
        with ``ceil_mode``); the indices have the same shape.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.pooling import max_pool2d
        >>> x = mt.tensor([[[[1.0, 2.0, 5.0], [3.0, 4.0, 0.0], [6.0, 7.0, 8.0]]]])
        >>> max_pool2d(x, 2)
        tensor([[[[4.]]]])
        >>> out, idx = max_pool2d(x, 2, ceil_mode=True, return_indices=True)
        >>> out
        tensor([[[[4., 5.],
                  [7., 8.]]]])
        >>> idx
        tensor([[[[4, 2],
                  [7, 8]]]])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input: Tensor, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
               padding: int | tuple[int] = 0, dilation: int | tuple[int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """1-D max pooling over ``(N, C, L)`` signals, as ``torch.nn.functional.max_pool1d``.

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``; floating point.
        kernel_size: window length.
        stride: step between windows; defaults to ``kernel_size``.
        padding: implicit ``-inf`` on both ends, at most half the kernel size.
        dilation: spacing between window taps.
        ceil_mode: round the output length up, as PyTorch.
        return_indices: also return the index of each maximum along ``L`` (int64).

    Shape:
        Output ``(N, C, (L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.pooling import max_pool1d
        >>> max_pool1d(mt.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
        tensor([[[3., 2.]]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool2d(input: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None, padding: int | Pair = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over NCHW images, as ``torch.nn.functional.avg_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``; floating point.
        kernel_size: window size: an int or ``(kh, kw)``.
        stride: step between windows; defaults to ``kernel_size``.
        padding: implicit zeros on each side, at most half the kernel size.
        ceil_mode: round the output size up, as PyTorch.
        count_include_pad: count the zero padding in the divisor (the part of a
            ceil_mode window beyond the padding never counts).
        divisor_override: divide every window sum by this instead.

    Shape:
        Output ``(N, C, oh, ow)`` with ``oh = (H + 2 * ph - kh) // sh + 1`` (rounded up with ``ceil_mode``).

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.pooling import avg_pool2d
        >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
        >>> avg_pool2d(x, 2, stride=1)
        tensor([[[[2., 3.],
                  [5., 6.]]]])
        >>> avg_pool2d(x, 2, ceil_mode=True)
        tensor([[[[2. , 3.5],
                  [6.5, 8. ]]]])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input: Tensor, kernel_size: int | tuple[int], stride: int | tuple[int] | None = None,
               padding: int | tuple[int] = 0, ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over ``(N, C, L)`` signals, as ``torch.nn.functional.avg_pool1d``.

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``; floating point.
        kernel_size: window length.
        stride: step between windows; defaults to ``kernel_size``.
        padding: implicit zeros on both ends, at most half the kernel size.
        ceil_mode: round the output length up, as PyTorch.
        count_include_pad: count the zero padding in the divisor.

    Shape:
        Output ``(N, C, (L + 2 * padding - kernel_size) // stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.pooling import avg_pool1d
        >>> avg_pool1d(mt.tensor([[[1.0, 3.0, 2.0, 0.0, 5.0]]]), 2)
        tensor([[[2., 1.]]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def _adaptive_matrix(size: int, out: int) -> np.ndarray:
    """(out, size) averaging matrix of PyTorch's adaptive windows ``[floor(i*size/out), ceil((i+1)*size/out))``."""
    m = np.zeros((out, size))
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:
    """Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output ``(i, j)`` averages rows ``floor(i * H / oh)`` to ``ceil((i + 1) * H / oh)`` (exclusive) and
    likewise columns. Runs as a mean (1x1 output), an ``avg_pool2d`` (sizes divide evenly, small
    windows) or two matrix products with averaging matrices, all differentiable.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``; floating point.
        output_size: ``oh`` (square) or ``(oh, ow)``; None keeps that input size.

    Shape:
        Output ``(N, C, oh, ow)``.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.pooling import adaptive_avg_pool2d
        >>> adaptive_avg_pool2d(mt.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5,  4.5],
                  [10.5, 12.5]]]])
        >>> adaptive_avg_pool2d(mt.randn(2, 8, 7, 5), (3, None)).shape
        (2, 8, 3, 5)
    """
    op = "adaptive_avg_pool2d"
    _check_float_input(op, input)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected 3D (unbatched) or 4D (batched) input, but got input of size "
                           f"{list(input.shape)}")
    h, w = input.shape[-2:]
    if h == 0 or w == 0:
        raise RuntimeError(f"{op}: expected input with non-zero spatial sizes, but got input of size "
                           f"{list(input.shape)}")
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2 or not all(s is None or (isinstance(s, int) and not isinstance(s, bool)) for s in sizes):
        raise ValueError(f"{op}: output_size must be an int or a pair of ints (or None), got {output_size!r}")
    oh, ow = (h if sizes[0] is None else sizes[0]), (w if sizes[1] is None else sizes[1])
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if (oh, ow) == (h, w):
        return input.clone()
    if (oh, ow) == (1, 1):
        return input.mean(dim=(-2, -1), keepdim=True)
    if h % oh == 0 and w % ow == 0 and (h // oh) * (w // ow) <= 16:
        return avg_pool2d(input, (h // oh, w // ow))
    out = input
    if ow != w:
        pw = from_host(_adaptive_matrix(w, ow).T.astype(input.dtype.numpy), input.dtype, backend=input._backend)
        out = out @ pw
    if oh != h:
        ph = from_host(_adaptive_matrix(h, oh).astype(input.dtype.numpy), input.dtype, backend=input._backend)
        out = ph @ out
    return out
