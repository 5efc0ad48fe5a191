"""Adagrad: per-coordinate learning rates from the sum of squared gradients (PyTorch's rule)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: ``torch.optim.Adagrad``'s update.

    At step ``t``, with ``g = grad + weight_decay * p``:
    ``clr = lr / (1 + (t - 1) * lr_decay)``, ``s = s + g * g``,
    ``p -= clr * g / (sqrt(s) + eps)``. The sums start at
    ``initial_accumulator_value`` and exist from construction, as in PyTorch.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate.
        lr_decay: learning-rate decay per step.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of the sums of squared gradients.
        eps: term added to the denominator for numerical stability.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import minitorch as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adagrad([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.5, -1.5], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        if not float(group["lr_decay"]) >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {group['lr_decay']}")
        if not float(group["initial_accumulator_value"]) >= 0.0:
            raise ValueError(f"Invalid initial_accumulator_value value: {group['initial_accumulator_value']}")

    def _init_state(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            state = self.state[p]
            state["step"] = 0
            state["sum"] = p._new(p._backend.full(p.shape, float(group["initial_accumulator_value"]), p.dtype.name))

    def _update(self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] += 1
        lr = float(group["lr"])
        param._backend.adagrad_update(
            param._data, grad._data, state["sum"]._data,
            clr=lr / (1 + (state["step"] - 1) * float(group["lr_decay"])), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), maximize=bool(group["maximize"]),
        )
