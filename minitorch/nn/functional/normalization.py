"""Batch normalisation over the channels of ``(N, C, *)`` inputs, with running statistics."""

from __future__ import annotations

from typing import Any

from ... import autograd
from ...functions import reciprocal, sqrt
from ...tensor import Tensor

__all__ = ["batch_norm"]


def _batch_stats(x: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, Tensor, Tensor]:
    """The mean, the centred input and the biased variance over ``axes`` (dims kept)."""
    mean = x.mean(dim=axes, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=axes, keepdim=True)
    return mean, centred, var


class _BatchNormTrain(autograd.Function):
    """Normalise with the batch's statistics; the backward is the fused closed form.

    ``dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat))`` over the reduced axes.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, centred: Tensor,
                invstd: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
        scale = invstd if weight is None else invstd * _channel_view(weight, x)
        y = centred * scale
        if bias is not None:
            y = y + _channel_view(bias, x)
        ctx.save_for_backward(centred, invstd)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, weight, bias, _, _, axes, eps = ctx._inputs
        dx, dw, db = ctx.needs_input_grad[:3]
        if autograd.is_grad_enabled():  # create_graph: the statistics stay functions of x
            _, centred, var = _batch_stats(x, axes)
            invstd = reciprocal(sqrt(var + eps))
        else:
            centred, invstd = ctx.saved_tensors
        count = x.numel() // x.shape[1]
        sum_g = g.sum(dim=axes, keepdim=True)
        sum_gc = (g * centred).sum(dim=axes, keepdim=True)
        gx = gw = gb = None
        if dx:
            scale = invstd if weight is None else invstd * _channel_view(weight, x)
            gx = (g - sum_g / count - centred * (invstd * invstd * sum_gc / count)) * scale
        if dw:
            gw = (sum_gc * invstd).reshape(-1)
        if db:
            gb = sum_g.reshape(-1)
        return gx, gw, gb, None, None, None, None


def _channel_view(t: Tensor, like: Tensor) -> Tensor:
    """A per-channel ``(C,)`` tensor shaped to broadcast along dim 1 of ``like``."""
    return t.reshape((1, -1) + (1,) * (like.ndim - 2))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel to zero mean and unit variance, then scale and shift.

    In training the batch's statistics are used (the biased variance) and, when given, the
    running statistics are updated in place without autograd:
    ``running = (1 - momentum) * running + momentum * batch`` with the unbiased variance for
    ``running_var``, as PyTorch. In evaluation the running statistics are used.

    Args:
        input: ``(N, C, *)`` with channels in dim 1.
        running_mean: ``(C,)`` running mean, or None (training only).
        running_var: ``(C,)`` running variance, or None (training only).
        weight: ``(C,)`` scale (gamma), or None for 1.
        bias: ``(C,)`` shift (beta), or None for 0.
        training: use (and update the running stats from) the batch's statistics.
        momentum: weight of the new batch in the running statistics.
        eps: added to the variance for stability.

    Shape:
        Input ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or any ``(N, C, *)``; output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> x = mt.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> rm, rv = mt.zeros(2), mt.ones(2)
        >>> F.batch_norm(x, rm, rv, training=True)
        tensor([[-1., -1.],
                [ 1.,  1.]])
        >>> rm, rv
        (tensor([0.2, 2. ]), tensor([ 1.1, 20.9]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C) or (N, C, *), got shape {input.shape}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"batch_norm: expected a floating point input, got {input.dtype}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({channels},) for the {channels} channels "
                               f"of input of shape {input.shape}, got shape {t.shape}")
    weight = None if weight is None else weight.to(input.dtype)
    bias = None if bias is None else bias.to(input.dtype)
    axes = (0,) + tuple(range(2, input.ndim))
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode "
                               "(training=False)")
        scale = reciprocal(sqrt(running_var.to(input.dtype) + eps))
        if weight is not None:
            scale = scale * weight
        shift = -running_mean.to(input.dtype) * scale
        if bias is not None:
            shift = shift + bias
        return input * _channel_view(scale, input) + _channel_view(shift, input)

    count = input.numel() // channels if channels else 0
    if count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    with autograd.no_grad():
        mean, centred, var = _batch_stats(input, axes)
        invstd = reciprocal(sqrt(var + eps))
        for running, batch in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
            if running is not None:
                running.copy_(running * (1.0 - momentum) + batch.reshape(-1) * momentum)
    return _BatchNormTrain.apply(input, weight, bias, centred, invstd, axes, float(eps))
