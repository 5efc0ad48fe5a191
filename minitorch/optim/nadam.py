"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (PyTorch's rule)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: ``torch.optim.NAdam``'s update.

    At step ``t`` the momentum coefficient is
    ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))`` and
    ``prod_t = mu_1 * ... * mu_t``; with Adam's moments ``m`` and ``v`` and
    ``denom = sqrt(v / (1 - beta2**t)) + eps``:
    ``p -= lr * (1 - mu_t) / (1 - prod_t) * g / denom + lr * mu_{t+1} / (1 - prod_{t+1}) * m / denom``.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: term added to the denominator for numerical stability.
        weight_decay: weight decay coefficient.
        momentum_decay: the momentum schedule's decay.
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of the gradient.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        if not float(group["momentum_decay"]) >= 0.0:
            raise ValueError(f"Invalid momentum_decay value: {group['momentum_decay']}")

    def _update(self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        backend = param._backend
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = param._new(backend.full(param.shape, 0, param.dtype.name))
            state["exp_avg_sq"] = param._new(backend.full(param.shape, 0, param.dtype.name))
        state["step"] += 1
        step = float(state["step"])
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, momentum_decay = float(group["lr"]), float(group["momentum_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        backend.nadam_update(
            param._data, grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
            lr=lr, beta1=beta1, beta2=beta2, eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            bias_correction2=1 - beta2 ** step,
            grad_coef=-lr * (1.0 - mu) / (1.0 - mu_product),
            exp_avg_coef=(-lr * mu_next) / (1.0 - mu_product * mu_next),
            maximize=bool(group["maximize"]),
        )
