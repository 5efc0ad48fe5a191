"""Convolution layers Conv1d and Conv2d over functional.conv1d/conv2d."""

from __future__ import annotations

from typing import Any

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module
from .utils import _batched_call, _check_spatial_input, _ntuple, reset_weight_and_bias

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """The state and checks Conv1d and Conv2d share; ``_ndim`` is the number of spatial dims."""

    _ndim = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, n = type(self).__name__, self._ndim
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        self.dilation = _ntuple(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of ('valid', 'same')")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride={self.stride})")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = _ntuple(padding, n, "padding")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not supported by minitorch; "
                                      "only padding_mode='zeros' is (pad the input yourself with mt.pad otherwise)")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.groups = groups
        self.padding_mode = padding_mode
        self.output_padding = (0,) * n
        self.transposed = False
        self.weight = Parameter(empty((out_channels, in_channels // groups, *self.kernel_size), device=device,
                                      dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias with PyTorch's default initialisation."""
        reset_weight_and_bias(self.weight, self.bias)

    def _check_input(self, input: Tensor) -> bool:
        n = self._ndim
        batched = _check_spatial_input(self, input, n)
        channels = input.shape[-n - 1]
        if channels != self.in_channels:
            raise RuntimeError(f"{self!r}: expected input with {self.in_channels} channels, got {channels} "
                               f"channels (input shape {input.shape})")
        if not isinstance(self.padding, str):
            spatial = input.shape[-n:]
            padded = tuple(s + 2 * p for s, p in zip(spatial, self.padding))
            extent = tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel_size))
            if any(p < e for p, e in zip(padded, extent)):
                raise RuntimeError(f"{self!r}: input spatial size {spatial} (padded: {padded}) is smaller than "
                                   f"the kernel's extent {extent}")
        return batched

    def forward(self, input: Tensor) -> Tensor:
        batched = self._check_input(input)
        conv = getattr(F, f"conv{self._ndim}d")
        return _batched_call(lambda x: conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                                            self.groups), input, batched)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._ndim:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._ndim:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over an input of shape (N, C_in, L).

    Parameters are initialised as PyTorch's: ``kaiming_uniform_(a=sqrt(5))`` for ``weight``
    (out_channels, in_channels / groups, kernel_size) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for ``bias``.

    Args:
        in_channels: number of channels of the input.
        out_channels: number of channels the convolution produces.
        kernel_size: size of the kernel (int or 1-tuple).
        stride: stride of the convolution. Default: 1.
        padding: zeros added to both sides: an int, a 1-tuple, ``'valid'`` (none) or ``'same'``
            (output length = input length; stride 1 only). Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: number of blocked connections from input to output channels. Default: 1.
        bias: whether to learn an additive bias. Default: ``True``.
        padding_mode: only ``'zeros'`` is supported; the other PyTorch modes raise ``NotImplementedError``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C_in, L_in)`` or ``(C_in, L_in)``.
        - Output: ``(N, C_out, L_out)`` with
          ``L_out = floor((L_in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> conv = mt.nn.Conv1d(16, 33, 3, stride=2)
        >>> conv(mt.randn(20, 16, 50)).shape
        (20, 33, 24)
        >>> conv
        Conv1d(16, 33, kernel_size=(3,), stride=(2,))
    """

    _ndim = 1


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over NCHW images.

    Parameters are initialised as PyTorch's: ``kaiming_uniform_(a=sqrt(5))`` for ``weight``
    (out_channels, in_channels / groups, kH, kW) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for ``bias``.

    Args:
        in_channels: number of channels of the input image.
        out_channels: number of channels the convolution produces.
        kernel_size: size of the kernel (int or (kH, kW)).
        stride: stride of the convolution (int or pair). Default: 1.
        padding: zeros added to all four sides: an int, a pair, ``'valid'`` (none) or ``'same'``
            (output size = input size; stride 1 only). Default: 0.
        dilation: spacing between kernel elements (int or pair). Default: 1.
        groups: number of blocked connections from input to output channels. Default: 1.
        bias: whether to learn an additive bias. Default: ``True``.
        padding_mode: only ``'zeros'`` is supported; the other PyTorch modes raise ``NotImplementedError``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C_in, H_in, W_in)`` or ``(C_in, H_in, W_in)``.
        - Output: ``(N, C_out, H_out, W_out)`` with
          ``H_out = floor((H_in + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) / stride[0] + 1)``
          and likewise for ``W_out``.

    Example:
        >>> import minitorch as mt
        >>> conv = mt.nn.Conv2d(1, 32, 3, padding=1)
        >>> conv(mt.randn(8, 1, 28, 28)).shape
        (8, 32, 28, 28)
        >>> conv
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """

    _ndim = 2
