"""RMSprop: gradients scaled by a running root mean square, optionally centered and with momentum."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: ``torch.optim.RMSprop``'s update.

    With ``g = grad + weight_decay * p``: ``v = alpha * v + (1 - alpha) * g * g``;
    ``avg = sqrt(v - mean_g**2) + eps`` when ``centered`` (``mean_g`` a running
    mean of ``g``), else ``sqrt(v) + eps``; then ``buf = momentum * buf + g / avg``
    and ``p -= lr * buf`` with momentum, else ``p -= lr * g / avg``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: term added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor.
        centered: normalise by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
                    "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        if not float(group["momentum"]) >= 0.0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if not float(group["alpha"]) >= 0.0:
            raise ValueError(f"Invalid alpha value: {group['alpha']}")

    def _update(self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        backend = param._backend
        momentum, centered = float(group["momentum"]), bool(group["centered"])

        def zeros() -> Tensor:
            return param._new(backend.full(param.shape, 0, param.dtype.name))

        if not state:
            state["step"] = 0
            state["square_avg"] = zeros()
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = zeros()
        if centered and "grad_avg" not in state:
            state["grad_avg"] = zeros()
        state["step"] += 1
        backend.rmsprop_update(
            param._data, grad._data, state["square_avg"]._data,
            state["grad_avg"]._data if centered else None,
            state["momentum_buffer"]._data if momentum > 0 else None,
            lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), momentum=momentum, maximize=bool(group["maximize"]),
        )
