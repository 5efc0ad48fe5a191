"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d (sharing one base class) and AdaptiveAvgPool2d."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _batched_call, _check_spatial_input, _single

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d"]


class _Pool(Module):
    """What every sliding-window pooling layer shares: the window arguments and the forward call.

    Subclasses set ``_ndim`` (spatial dims), ``_function`` (the functional op's name)
    and return their extra keyword arguments from ``_options``.
    """

    _ndim = 2
    _function = ""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode

    def _options(self) -> dict[str, Any]:
        return {}

    def forward(self, input: Tensor) -> Any:
        batched = _check_spatial_input(self, input, self._ndim)
        fn = getattr(F, self._function)
        return _batched_call(lambda x: fn(x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
                                          **self._options()), input, batched)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = dilation
        self.return_indices = return_indices

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"dilation": self.dilation}
        if self.return_indices:
            options["return_indices"] = True
        return options

    def extra_repr(self) -> str:
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class _AvgPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = count_include_pad

    def _options(self) -> dict[str, Any]:
        return {"count_include_pad": self.count_include_pad}


class MaxPool1d(_MaxPool):
    """1-D max pooling over an input of shape (N, C, L).

    Args:
        kernel_size: size of the window.
        stride: step of the window. Default: ``kernel_size``.
        padding: implicit negative-infinity padding on both sides (at most half the kernel). Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the argmax positions. Default: ``False``.
        ceil_mode: use ceil instead of floor for the output length. Default: ``False``.

    Shape:
        - Input: ``(N, C, L_in)`` or ``(C, L_in)``.
        - Output: ``(N, C, L_out)``, ``L_out = floor((L_in + 2 * padding - dilation * (kernel_size - 1) - 1)
          / stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.MaxPool1d(2)(mt.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        tensor([[[3., 2.]]])
    """

    _ndim = 1
    _function = "max_pool1d"


class MaxPool2d(_MaxPool):
    """2-D max pooling over NCHW images.

    Args:
        kernel_size: size of the window (int or pair).
        stride: step of the window. Default: ``kernel_size``.
        padding: implicit negative-infinity padding on all sides (at most half the kernel). Default: 0.
        dilation: spacing between window elements. Default: 1.
        return_indices: also return the argmax positions. Default: ``False``.
        ceil_mode: use ceil instead of floor for the output size. Default: ``False``.

    Shape:
        - Input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``.
        - Output: ``(N, C, H_out, W_out)``, ``H_out = floor((H_in + 2 * padding[0] - dilation[0] *
          (kernel_size[0] - 1) - 1) / stride[0] + 1)``, likewise ``W_out``.

    Example:
        >>> import minitorch as mt
        >>> pool = mt.nn.MaxPool2d(2)
        >>> pool(mt.randn(8, 32, 28, 28)).shape
        (8, 32, 14, 14)
        >>> pool
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _ndim = 2
    _function = "max_pool2d"


class AvgPool1d(_AvgPool):
    """1-D average pooling over an input of shape (N, C, L).

    Args:
        kernel_size: size of the window.
        stride: step of the window. Default: ``kernel_size``.
        padding: implicit zero padding on both sides. Default: 0.
        ceil_mode: use ceil instead of floor for the output length. Default: ``False``.
        count_include_pad: count the zero padding in the averages. Default: ``True``.

    Shape:
        - Input: ``(N, C, L_in)`` or ``(C, L_in)``.
        - Output: ``(N, C, L_out)``, ``L_out = floor((L_in + 2 * padding - kernel_size) / stride + 1)``.

    Example:
        >>> import minitorch as mt
        >>> pool = mt.nn.AvgPool1d(2)
        >>> pool(mt.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        tensor([[[2., 1.]]])
        >>> pool
        AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    _ndim = 1
    _function = "avg_pool1d"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        # stored as 1-tuples, as torch.nn.AvgPool1d does (it shows in the repr)
        super().__init__(_single(kernel_size, "kernel_size"),
                         _single(stride if stride is not None else kernel_size, "stride"),
                         _single(padding, "padding"), ceil_mode, count_include_pad)


class AvgPool2d(_AvgPool):
    """2-D average pooling over NCHW images.

    Args:
        kernel_size: size of the window (int or pair).
        stride: step of the window. Default: ``kernel_size``.
        padding: implicit zero padding on all sides. Default: 0.
        ceil_mode: use ceil instead of floor for the output size. Default: ``False``.
        count_include_pad: count the zero padding in the averages. Default: ``True``.
        divisor_override: divide by this instead of the window size. Default: ``None``.

    Shape:
        - Input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``.
        - Output: ``(N, C, H_out, W_out)``, ``H_out = floor((H_in + 2 * padding[0] - kernel_size[0]) /
          stride[0] + 1)``, likewise ``W_out``.

    Example:
        >>> import minitorch as mt
        >>> pool = mt.nn.AvgPool2d(2)
        >>> pool(mt.ones(1, 1, 4, 4)).shape
        (1, 1, 2, 2)
        >>> pool
        AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    _ndim = 2
    _function = "avg_pool2d"

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def _options(self) -> dict[str, Any]:
        options = super()._options()
        if self.divisor_override is not None:
            options["divisor_override"] = self.divisor_override
        return options


class AdaptiveAvgPool2d(Module):
    """2-D average pooling to a fixed output size, whatever the input size (e.g. global pooling with 1).

    Args:
        output_size: the target size ``(H_out, W_out)``, or an int for a square output;
            ``None`` in a place keeps that input dimension.

    Shape:
        - Input: ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example:
        >>> import minitorch as mt
        >>> pool = mt.nn.AdaptiveAvgPool2d((5, 7))
        >>> pool(mt.randn(1, 64, 8, 9)).shape
        (1, 64, 5, 7)
        >>> pool
        AdaptiveAvgPool2d(output_size=(5, 7))
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        batched = _check_spatial_input(self, input, 2)
        return _batched_call(lambda x: F.adaptive_avg_pool2d(x, self.output_size), input, batched)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
