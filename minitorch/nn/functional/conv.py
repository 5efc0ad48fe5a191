"""Convolutions ``conv1d`` and ``conv2d`` as autograd Functions over the backend's conv fast paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import autograd
from ...functions._common import check_same_backend
from ...tensor import Tensor

__all__ = ["conv1d", "conv2d"]

Padding = int | Sequence[int] | str


# ---- argument normalisation shared with pooling -------------------------------------------
def _ntuple(value: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(items) == 1 and n > 1:
        items = items * n
    if len(items) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return items


def _sizes(values: Sequence[int]) -> str:
    """``(a x b)`` as PyTorch prints spatial sizes."""
    return "(" + " x ".join(str(v) for v in values) + ")"


def _check_float_input(op: str, input: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected a floating point input, but got {input.dtype.name}")


# ---- autograd Functions ---------------------------------------------------------------------
# The three are each other's derivatives, so gradients of gradients (create_graph=True) work:
# y = conv(x, w); dx = T(g, w) is linear in g and w; dw = W(g, x) is linear in g and x.
class _Conv2d(autograd.Function):
    """``conv2d`` on batched NCHW input; backward is the two Functions below (and a sum for the bias)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple[int, int],
                padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int], groups: int) -> Tensor:
        ctx.save_for_backward(x, weight)
        out = x._backend.conv2d_forward(x._data, weight._data, None if bias is None else bias._data, stride, padding,
                                        dilation, groups)
        return x._new(out)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        params = ctx._inputs[3:]
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = _Conv2dInputGrad.apply(grad, weight, x.shape, *params) if need_x else None
        gw = _Conv2dWeightGrad.apply(grad, x, weight.shape, *params) if need_w else None
        gb = grad.sum(dim=(0, 2, 3)) if need_b else None
        return gx, gw, gb, None, None, None, None


class _Conv2dInputGrad(autograd.Function):
    """The gradient of ``conv2d`` with respect to its input (a transposed convolution of ``grad``)."""

    @staticmethod
    def forward(ctx: Any, grad: Tensor, weight: Tensor, input_shape: tuple[int, ...], stride: tuple[int, int],
                padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int], groups: int) -> Tensor:
        ctx.save_for_backward(grad, weight)
        out = grad._backend.conv2d_backward_input(grad._data, weight._data, input_shape, stride, padding, dilation,
                                                  groups)
        return grad._new(out)

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> tuple:
        grad, weight = ctx.saved_tensors
        params = ctx._inputs[3:]
        need_g, need_w = ctx.needs_input_grad[:2]
        d_grad = _Conv2d.apply(gg, weight, None, *params) if need_g else None
        d_weight = _Conv2dWeightGrad.apply(grad, gg, weight.shape, *params) if need_w else None
        return d_grad, d_weight, None, None, None, None, None


class _Conv2dWeightGrad(autograd.Function):
    """The gradient of ``conv2d`` with respect to its weight."""

    @staticmethod
    def forward(ctx: Any, grad: Tensor, x: Tensor, weight_shape: tuple[int, ...], stride: tuple[int, int],
                padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int], groups: int) -> Tensor:
        ctx.save_for_backward(grad, x)
        out = grad._backend.conv2d_backward_weight(grad._data, x._data, weight_shape, stride, padding, dilation,
                                                   groups)
        return grad._new(out)

    @staticmethod
    def backward(ctx: Any, gg: Tensor) -> tuple:
        grad, x = ctx.saved_tensors
        params = ctx._inputs[3:]
        need_g, need_x = ctx.needs_input_grad[:2]
        d_grad = _Conv2d.apply(x, gg, None, *params) if need_g else None
        d_x = _Conv2dInputGrad.apply(grad, gg, x.shape, *params) if need_x else None
        return d_grad, d_x, None, None, None, None, None


# ---- the public functions -------------------------------------------------------------------
def _conv_padding(padding: Padding, nd: int, kernel: tuple[int, ...], stride: tuple[int, ...],
                  dilation: tuple[int, ...], op: str) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` zero padding per spatial dim; 'same' puts the odd extra after, as PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    pads = _ntuple(padding, nd, "padding", op)
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: negative padding is not supported, got padding={padding!r}")
    return tuple((p, p) for p in pads)


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Padding,
          dilation: Any, groups: int) -> Tensor:
    """Check the arguments as PyTorch does, then run ``_Conv2d`` (1-D as height-1 2-D)."""
    _check_float_input(op, input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor, got {type(weight).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}: bias must be a Tensor or None, got {type(bias).__name__}")
    check_same_backend(op, *[t for t in (input, weight, bias) if t is not None])
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype is not input.dtype:
            raise RuntimeError(f"{op}: input ({input.dtype.name}) and {name} ({t.dtype.name}) must have the same "
                               f"dtype; convert one with .to()")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input, but got input of "
                           f"size {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected {nd + 2}-dimensional weight (out_channels, in_channels/groups, "
                           f"{', '.join('k' + a for a in 'hw'[-nd:])}), but got weight of size {list(weight.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    stride_t = _ntuple(stride, nd, "stride", op)
    dilation_t = _ntuple(dilation, nd, "dilation", op)
    if any(s <= 0 for s in stride_t):
        raise ValueError(f"{op}: non-positive stride is not supported, got stride={stride!r}")
    if any(d <= 0 for d in dilation_t):
        raise ValueError(f"{op}: dilation should be greater than zero, got dilation={dilation!r}")
    x = input if input.ndim == nd + 2 else input.unsqueeze(0)
    out_channels, group_channels = weight.shape[:2]
    kernel = weight.shape[2:]
    if any(k <= 0 for k in kernel) or group_channels <= 0:
        raise RuntimeError(f"{op}: weight of size {list(weight.shape)} has an empty dimension")
    if out_channels % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(f"{op}: given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {group_channels * groups} channels, but got {x.shape[1]} "
                           f"channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"{op}: given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")
    pads = _conv_padding(padding, nd, kernel, stride_t, dilation_t, op)
    padded = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)]
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation_t)]
    if any(p < e for p, e in zip(padded, effective)):
        raise RuntimeError(f"{op}: calculated padded input size per channel: {_sizes(padded)}. Kernel size: "
                           f"{_sizes(effective)}. Kernel size can't be greater than actual input size")
    w = weight
    if nd == 1:
        x, w = x.unsqueeze(2), weight.unsqueeze(2)
        stride_t, dilation_t, pads = (1,) + stride_t, (1,) + dilation_t, ((0, 0),) + pads
    out = _Conv2d.apply(x, w, bias, stride_t, pads, dilation_t, groups)
    if nd == 1:
        out = out.squeeze(2)
    return out if input.ndim == nd + 2 else out.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int, int] = 1,
           padding: Padding = 0, dilation: int | tuple[int, int] = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over NCHW images, as ``torch.nn.functional.conv2d``.

    Runs the backend's ``conv2d_forward`` fast path; the gradients with respect to
    ``input``, ``weight`` and ``bias`` run ``conv2d_backward_input`` / ``_weight`` and a sum.
    Those gradient ops are differentiable themselves, so double backward
    (``create_graph=True``) works too.

    Args:
        input: images, batched ``(N, C, H, W)`` or unbatched ``(C, H, W)``; floating point.
        weight: filters ``(O, C / groups, kh, kw)``, same dtype and backend as ``input``.
        bias: ``(O,)`` or None.
        stride: step between windows: an int or ``(sh, sw)``.
        padding: zeros on each side: an int, ``(ph, pw)``, ``'valid'`` (none) or ``'same'``
            (output size = input size; stride must be 1; for even kernels the odd extra
            row/column goes at the bottom/right, as in PyTorch).
        dilation: spacing between kernel taps: an int or ``(dh, dw)``.
        groups: split channels into this many independent groups; divides ``C`` and ``O``.

    Shape:
        Input ``(N, C, H, W)``, output ``(N, O, oh, ow)`` with
        ``oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1`` (likewise ``ow``);
        unbatched input gives unbatched output.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.conv import conv2d
        >>> x = mt.arange(16.0).reshape(1, 1, 4, 4)
        >>> conv2d(x, mt.ones(1, 1, 2, 2), stride=2)
        tensor([[[[10., 18.],
                  [42., 50.]]]])
        >>> conv2d(mt.randn(8, 3, 28, 28), mt.randn(16, 3, 3, 3), padding="same").shape
        (8, 16, 28, 28)
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int] = 1,
           padding: Padding = 0, dilation: int | tuple[int] = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) over ``(N, C, L)`` signals, as ``torch.nn.functional.conv1d``.

    Computed as ``conv2d`` on height-1 images; differentiable twice, like ``conv2d``.

    Args:
        input: signals, batched ``(N, C, L)`` or unbatched ``(C, L)``; floating point.
        weight: filters ``(O, C / groups, k)``.
        bias: ``(O,)`` or None.
        stride: step between windows.
        padding: zeros on each side: an int, ``'valid'`` or ``'same'`` (stride 1 only).
        dilation: spacing between kernel taps.
        groups: split channels into this many independent groups.

    Shape:
        Input ``(N, C, L)``, output ``(N, O, (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.nn.functional.conv import conv1d
        >>> conv1d(mt.tensor([[[1.0, 2.0, 3.0, 4.0]]]), mt.tensor([[[1.0, -1.0]]]))
        tensor([[[-1., -1., -1.]]])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)
