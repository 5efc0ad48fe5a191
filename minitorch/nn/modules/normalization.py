"""Batch normalisation layers BatchNorm1d and BatchNorm2d, with running statistics as buffers."""

from __future__ import annotations

from typing import Any

from ...creation import empty, ones, tensor, zeros
from ...dtypes import int64
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """State and forward logic shared by the batch-norm layers (torch's ``_NormBase`` + ``_BatchNorm``)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Set the running mean to 0, the running variance to 1 and the batch count to 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to 1 and the bias to 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"{self!r}: expected input with {self.num_features} channels in dim 1, "
                               f"got shape {input.shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        # batch statistics while training, and in eval mode when no running statistics are kept
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None, self.running_var if update else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a 2-D (N, C) or 3-D (N, C, L) input, per channel C.

    While training it normalises with the batch mean and (biased) variance and updates
    ``running_mean``/``running_var`` (unbiased variance) by ``momentum``
    (``momentum=None``: a cumulative average); in eval mode it uses the running statistics.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of the new batch in the running statistics. Default: 0.1.
        affine: whether to learn a per-channel scale ``weight`` (init 1) and shift ``bias`` (init 0).
        track_running_stats: whether to keep running statistics (buffers ``running_mean``,
            ``running_var``, ``num_batches_tracked``). Default: ``True``.
        device: the device or backend name to create parameters and buffers on.
        dtype: their floating point dtype.
        bias: with ``affine``, whether to learn the shift. Default: ``True``.

    Shape:
        - Input: ``(N, C)`` or ``(N, C, L)``.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> bn = mt.nn.BatchNorm1d(3)
        >>> y = bn(mt.randn(16, 3))
        >>> bool((y.mean(0).abs() < 1e-5).all()), bn.num_batches_tracked.item()
        (True, 1)
        >>> bn
        BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"{self!r}: expected 2D (N, C) or 3D (N, C, L) input, got shape {input.shape}")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over NCHW images, per channel C (statistics over N, H and W).

    While training it normalises with the batch statistics and updates the running ones;
    in eval mode it uses the running statistics.

    Args:
        num_features: the number of channels C.
        eps: added to the variance for numerical stability. Default: 1e-5.
        momentum: the weight of the new batch in the running statistics (``None``: cumulative average).
        affine: whether to learn a per-channel scale ``weight`` (init 1) and shift ``bias`` (init 0).
        track_running_stats: whether to keep running statistics as buffers. Default: ``True``.
        device: the device or backend name to create parameters and buffers on.
        dtype: their floating point dtype.
        bias: with ``affine``, whether to learn the shift. Default: ``True``.

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> bn = mt.nn.BatchNorm2d(16)
        >>> bn(mt.randn(4, 16, 8, 8)).shape
        (4, 16, 8, 8)
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"{self!r}: expected 4D (N, C, H, W) input, got shape {input.shape}")
