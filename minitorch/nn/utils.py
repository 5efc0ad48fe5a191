"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_``, ``clip_grad_value_`` and their parts."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

from .. import autograd
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

TensorOrTensors = Tensor | Iterable[Tensor]


def _as_list(tensors: TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(x: Tensor, norm_type: float) -> Tensor:
    """The ``norm_type``-norm of all of ``x``'s elements, as ``torch.linalg.vector_norm``."""
    if norm_type == math.inf:
        return x.abs().amax()
    if norm_type == -math.inf:
        return x.abs().amin()
    if norm_type == 0:
        return (x != 0).sum().to(x.dtype)
    if norm_type == 1:
        return x.abs().sum()
    if norm_type == 2:
        return (x * x).sum().sqrt()
    return (x.abs() ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(tensors: TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """The norm of the norms of ``tensors``: their norm as if concatenated into one vector.

    Args:
        tensors: a tensor or an iterable of tensors (typically gradients).
        norm_type: the norm's order; ``float('inf')`` for the largest magnitude.
        error_if_nonfinite: raise if the total norm is nan or infinite.

    Returns:
        A 0-d tensor on the first tensor's backend (``tensor(0.)`` when there are none).

    Example:
        >>> import minitorch as mt
        >>> mt.nn.utils.get_total_norm([mt.tensor([3.0]), mt.tensor([4.0])])
        tensor(5.)
    """
    items = _as_list(tensors)
    norm_type = float(norm_type)
    if not items:
        from ..creation import tensor

        return tensor(0.0)
    first = items[0]
    with autograd.no_grad():
        norms = [_vector_norm(t.detach(), norm_type).to(backend=first.backend) for t in items]
        from ..functions import stack

        total = _vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters: TensorOrTensors, max_norm: float, total_norm: Tensor) -> None:
    """Scale the parameters' gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is scaled.
        max_norm: the largest allowed total norm.
        total_norm: the gradients' total norm, e.g. from ``get_total_norm``.

    Example:
        >>> import minitorch as mt
        >>> w = mt.zeros(2, requires_grad=True)
        >>> w.grad = mt.tensor([3.0, 4.0])
        >>> mt.nn.utils.clip_grads_with_norm_([w], 1.0, mt.tensor(5.0))
        >>> w.grad
        tensor([0.6, 0.8])
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with autograd.no_grad():
        clip_coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(backend=g.backend))


def clip_grad_norm_(parameters: TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Rescale the gradients in place so that their total norm is at most ``max_norm``.

    The norm is computed over all gradients together, as if concatenated into a
    single vector; each gradient is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``, as in PyTorch.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped
            (those without a gradient are skipped).
        max_norm: the largest allowed total norm.
        norm_type: the norm's order (``float('inf')`` for the largest magnitude).
        error_if_nonfinite: raise RuntimeError when the total norm is nan or infinite.

    Returns:
        The total norm of the gradients before clipping, as a 0-d tensor.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, 1.0], requires_grad=True)
        >>> (w * mt.tensor([3.0, 4.0])).sum().backward()
        >>> mt.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad
        tensor([0.6, 0.8])
    """
    if isinstance(parameters, types.GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        clip_value: the largest allowed magnitude of a gradient element.

    Example:
        >>> import minitorch as mt
        >>> w = mt.zeros(3, requires_grad=True)
        >>> w.grad = mt.tensor([-2.0, 0.5, 3.0])
        >>> mt.nn.utils.clip_grad_value_(w, 1.0)
        >>> w.grad
        tensor([-1. ,  0.5,  1. ])
    """
    clip_value = float(clip_value)
    with autograd.no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
