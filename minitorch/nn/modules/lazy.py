"""Lazy layers (LazyLinear, LazyConv1d, LazyConv2d) that infer their input size on the first call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor
from ..parameter import UninitializedParameter, is_lazy
from .conv import Conv1d, Conv2d
from .linear import Linear
from .module import Module
from .utils import _check_spatial_input

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d"]


def _shape_of(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, Tensor):
        return value.shape
    return tuple(np.asarray(value).shape) if hasattr(value, "__array__") else None


class LazyModuleMixin:
    """Turns a layer lazy: its parameters are ``UninitializedParameter`` until the first call.

    The first call infers the input size, materialises the parameters with the
    layer's usual initialisation, and turns the module into ``cls_to_become``
    (a ``LazyLinear`` becomes a ``Linear``). Loading a state dict into a lazy layer
    materialises it from the checkpoint's shapes. Before that, using a parameter's
    values or size (``p.numel()``, an optimizer step) raises a ``ValueError``
    saying to run the module once first. Subclasses implement ``_in_dim_from_input``,
    ``_in_dim_from_weight`` and ``_materialize``.

    Args:
        args: passed on to the wrapped layer's constructor.
        kwargs: passed on to the wrapped layer's constructor.

    Shape:
        That of the wrapped layer.

    Example:
        >>> import minitorch as mt
        >>> layer = mt.nn.LazyLinear(4)
        >>> layer.has_uninitialized_params()
        True
        >>> _ = layer(mt.ones(2, 3))
        >>> type(layer).__name__, layer.weight.shape
        ('Linear', (4, 3))
    """

    cls_to_become: type[Module] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)  # type: ignore[attr-defined]

    def has_uninitialized_params(self) -> bool:
        """Whether some parameter is still an ``UninitializedParameter``."""
        return any(is_lazy(p) for p in self._parameters.values())  # type: ignore[attr-defined]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Materialise the parameters for ``input`` (called by the first forward)."""
        if self.has_uninitialized_params():
            with no_grad():
                self._materialize(self._in_dim_from_input(input))

    def _in_dim_from_input(self, input: Tensor) -> int:
        raise NotImplementedError

    def _in_dim_from_weight(self, shape: tuple[int, ...]) -> int | None:
        raise NotImplementedError

    def _materialize(self, in_dim: int) -> None:
        raise NotImplementedError

    def _infer_parameters(self, module: Module, args: tuple) -> None:
        if not args or not isinstance(args[0], Tensor):
            raise TypeError(f"{type(self).__name__}: expected a minitorch Tensor as the first argument")
        self.initialize_parameters(*args)
        self._become_eager()

    def _become_eager(self) -> None:
        self._initialize_hook.remove()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, strict: bool,
                              missing_keys: list[str], unexpected_keys: list[str], error_msgs: list[str],
                              assign: bool = False) -> None:
        key = prefix + "weight"
        if self.has_uninitialized_params() and key in state_dict:
            shape = _shape_of(state_dict[key])
            in_dim = self._in_dim_from_weight(shape) if shape is not None else None
            if in_dim is None:
                error_msgs.append(f"cannot infer the input size of {type(self).__name__} from {key} of shape {shape}")
            else:
                with no_grad():
                    self._materialize(in_dim)
        super()._load_from_state_dict(state_dict, prefix, strict, missing_keys,  # type: ignore[misc]
                                      unexpected_keys, error_msgs, assign)
        if not self.has_uninitialized_params() and self._initialize_hook.id in self._forward_pre_hooks:  # type: ignore[attr-defined]
            self._become_eager()


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is inferred from the last dim of the first input.

    Until the first call ``weight`` and ``bias`` are ``UninitializedParameter`` (using
    them raises a ``ValueError``); then they get PyTorch's ``Linear`` initialisation and
    the module becomes a ``Linear``.

    Args:
        out_features: size of each output sample.
        bias: whether to learn an additive bias. Default: ``True``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(*, H_in)``, any H_in on the first call.
        - Output: ``(*, out_features)``.

    Example:
        >>> import minitorch as mt
        >>> layer = mt.nn.LazyLinear(10)
        >>> layer
        LazyLinear(in_features=0, out_features=10, bias=True)
        >>> layer(mt.ones(4, 576)).shape
        (4, 10)
        >>> layer
        Linear(in_features=576, out_features=10, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, False, device=device, dtype=dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def _in_dim_from_input(self, input: Tensor) -> int:
        if input.ndim == 0:
            raise RuntimeError(f"{type(self).__name__}: expected an input with at least 1 dimension, got a scalar")
        return input.shape[-1]

    def _in_dim_from_weight(self, shape: tuple[int, ...]) -> int | None:
        return shape[1] if len(shape) == 2 else None

    def _materialize(self, in_dim: int) -> None:
        self.in_features = in_dim
        self.weight.materialize((self.out_features, in_dim))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """Infers ``in_channels`` of a convolution from the channel dim of the first input."""

    _ndim = 2

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode,
                         device=device, dtype=dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if out_channels % groups != 0:
            raise ValueError(f"{type(self).__name__}: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def _in_dim_from_input(self, input: Tensor) -> int:
        _check_spatial_input(self, input, self._ndim)
        channels = input.shape[-self._ndim - 1]
        if channels % self.groups != 0:
            raise RuntimeError(f"{type(self).__name__}: the input's {channels} channels are not divisible by "
                               f"groups={self.groups} (input shape {input.shape})")
        return channels

    def _in_dim_from_weight(self, shape: tuple[int, ...]) -> int | None:
        return shape[1] * self.groups if len(shape) == self._ndim + 2 else None

    def _materialize(self, in_dim: int) -> None:
        self.in_channels = in_dim
        self.weight.materialize((self.out_channels, in_dim // self.groups, *self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` is inferred from the first input (dim -2).

    Args:
        out_channels: number of channels the convolution produces.
        kernel_size: size of the kernel.
        stride: stride of the convolution. Default: 1.
        padding: an int, a 1-tuple, ``'valid'`` or ``'same'``. Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: number of blocked connections. Default: 1.
        bias: whether to learn an additive bias. Default: ``True``.
        padding_mode: only ``'zeros'``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C_in, L_in)`` or ``(C_in, L_in)``, any C_in on the first call.
        - Output: ``(N, C_out, L_out)``, as ``Conv1d``.

    Example:
        >>> import minitorch as mt
        >>> conv = mt.nn.LazyConv1d(8, 3)
        >>> conv(mt.ones(2, 4, 10)).shape, conv.in_channels
        ((2, 8, 8), 4)
    """

    cls_to_become = Conv1d
    _ndim = 1


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` is inferred from the first input (dim -3).

    Until the first call ``weight`` and ``bias`` are ``UninitializedParameter``; then they
    get PyTorch's ``Conv2d`` initialisation and the module becomes a ``Conv2d``.

    Args:
        out_channels: number of channels the convolution produces.
        kernel_size: size of the kernel (int or pair).
        stride: stride of the convolution. Default: 1.
        padding: an int, a pair, ``'valid'`` or ``'same'``. Default: 0.
        dilation: spacing between kernel elements. Default: 1.
        groups: number of blocked connections. Default: 1.
        bias: whether to learn an additive bias. Default: ``True``.
        padding_mode: only ``'zeros'``.
        device: the device or backend name to create the parameters on.
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C_in, H_in, W_in)`` or ``(C_in, H_in, W_in)``, any C_in on the first call.
        - Output: ``(N, C_out, H_out, W_out)``, as ``Conv2d``.

    Example:
        >>> import minitorch as mt
        >>> conv = mt.nn.LazyConv2d(32, 3)
        >>> conv(mt.ones(2, 3, 8, 8)).shape
        (2, 32, 6, 6)
        >>> conv
        Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1))
    """

    cls_to_become = Conv2d
    _ndim = 2
