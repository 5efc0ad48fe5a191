"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay (PyTorch's rules)."""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: ``torch.optim.Adam``'s update, optionally AMSGrad.

    At step ``t``, with ``g = grad + weight_decay * p`` (or, with
    ``decoupled_weight_decay``, ``p *= 1 - lr * weight_decay`` first):
    ``m = beta1 * m + (1 - beta1) * g``, ``v = beta2 * v + (1 - beta2) * g * g``,
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``
    (``v`` replaced by its running maximum with ``amsgrad``).

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: term added to the denominator for numerical stability.
        weight_decay: weight decay coefficient (an L2 penalty on the gradient by default).
        amsgrad: use the AMSGrad variant (the maximum of past second moments).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly, as AdamW does.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9, -1.9], requires_grad=True)
        >>> sorted(opt.state[w])
        ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        backend = param._backend
        if not state:
            state["step"] = 0
            state["exp_avg"] = param._new(backend.full(param.shape, 0, param.dtype.name))
            state["exp_avg_sq"] = param._new(backend.full(param.shape, 0, param.dtype.name))
        amsgrad = bool(group["amsgrad"])
        if amsgrad and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = param._new(backend.full(param.shape, 0, param.dtype.name))
        state["step"] += 1
        step = state["step"]
        beta1, beta2 = (float(b) for b in group["betas"])
        lr = float(group["lr"])
        backend.adam_update(
            param._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
            state["max_exp_avg_sq"]._data if amsgrad else None,
            lr=lr, beta1=beta1, beta2=beta2, eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            step_size=lr / (1 - beta1 ** step), bias_correction2_sqrt=math.sqrt(1 - beta2 ** step),
            maximize=bool(group["maximize"]),
        )


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, ``torch.optim.AdamW``'s update.

    Each step first shrinks the weights, ``p *= 1 - lr * weight_decay``, then
    applies Adam's update to the undecayed gradient.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: term added to the denominator for numerical stability.
        weight_decay: decoupled weight decay coefficient.
        amsgrad: use the AMSGrad variant.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.85, -1.8 ], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
