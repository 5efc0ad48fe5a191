"""Learning-rate schedules that adjust an optimizer's ``lr`` between steps, as ``torch.optim.lr_scheduler``."""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]

_EPOCH_DEPRECATION = (
    "The epoch parameter in `scheduler.step()` is deprecated, as in PyTorch: call `scheduler.step()` "
    "once per epoch instead. With an epoch given, the closed form of the schedule is used where there is one."
)


class LRScheduler:
    """Base class of the epoch-based schedules (PyTorch's semantics).

    Construction records each group's ``initial_lr`` and performs the initial
    step, so ``last_epoch`` is 0 and the optimizer holds the epoch-0 rates.
    Call ``step()`` once per epoch, after ``optimizer.step()``. Subclasses
    implement ``get_lr()``, the rates for ``last_epoch`` (computed from the
    current ones, so schedules can be chained), and optionally
    ``_get_closed_form_lr()``.

    Args:
        optimizer: the optimizer whose ``param_groups[i]['lr']`` are set.
        last_epoch: the index of the last epoch when resuming; -1 to start fresh
            (resuming needs ``initial_lr`` in every group, as a loaded optimizer
            state dict provides).

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched.last_epoch, sched.get_last_lr()
        (0, [1.0])
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a scheduler with "
                        "last_epoch >= 0; load the optimizer's state dict first, or start with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates of ``last_epoch``, from the current ones (chainable form)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates last set by this scheduler, one per parameter group.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
            >>> mt.optim.lr_scheduler.StepLR(opt, step_size=2).get_last_lr()
            [0.1]
        """
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and write the new rates into the optimizer's groups.

        Args:
            epoch: deprecated (as in PyTorch); jumps to that epoch using the
                closed form where the schedule has one.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
            >>> sched = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
            >>> lrs = []
            >>> for _ in range(4):
            ...     opt.step()
            ...     sched.step()
            ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
            >>> lrs
            [1.0, 0.1, 0.1, 0.01]
        """
        if self._step_count == 1 and not self.optimizer._step_called:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`: call them in the opposite order, "
                "or the first value of the learning-rate schedule is skipped",
                UserWarning, stacklevel=2,
            )
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (every attribute but the optimizer), for checkpoints.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
            >>> sd = mt.optim.lr_scheduler.StepLR(opt, step_size=3).state_dict()
            >>> sd["step_size"], sd["last_epoch"], sd["base_lrs"]
            (3, 0, [1.0])
        """
        return {key: _copy(value) for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state from ``state_dict`` (as returned by ``state_dict()``).

        Args:
            state_dict: the scheduler state to restore.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
            >>> a = mt.optim.lr_scheduler.StepLR(opt, step_size=3)
            >>> a.last_epoch = 7
            >>> b = mt.optim.lr_scheduler.StepLR(opt, step_size=1)
            >>> b.load_state_dict(a.state_dict())
            >>> b.last_epoch, b.step_size
            (7, 3)
        """
        self.__dict__.update({key: _copy(value) for key, value in state_dict.items()})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self.get_last_lr()})"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    Args:
        optimizer: the optimizer to schedule.
        step_size: epochs between decays.
        gamma: multiplicative decay factor.
        last_epoch: index of the last epoch when resuming (-1 to start fresh).

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
        >>> sched = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if int(step_size) < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Args:
        optimizer: the optimizer to schedule.
        gamma: multiplicative decay factor per epoch.
        last_epoch: index of the last epoch when resuming (-1 to start fresh).

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> for _ in range(3):
        ...     opt.step()
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from its initial value to ``eta_min`` along a cosine over ``T_max`` epochs.

    ``lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``,
    computed recursively as PyTorch does (so it composes with other changes to
    the rate); past ``T_max`` it rises again, periodically.

    Args:
        optimizer: the optimizer to schedule.
        T_max: number of epochs of the half cosine.
        eta_min: the minimum learning rate.
        last_epoch: index of the last epoch when resuming (-1 to start fresh).

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
        >>> lrs = []
        >>> for _ in range(4):
        ...     opt.step()
        ...     sched.step()
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        >>> lrs
        [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if T_max <= 0:
            raise ValueError(f"T_max must be positive, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and self.last_epoch > 0:
            return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base_lr, group in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (group["lr"] - self.eta_min) + self.eta_min
                for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rate when a metric has stopped improving for ``patience`` epochs.

    Call ``step(metric)`` once per epoch with the validation loss (``mode='min'``)
    or accuracy (``mode='max'``).

    Args:
        optimizer: the optimizer to schedule.
        mode: ``'min'`` (lower is better) or ``'max'``.
        factor: the rate is multiplied by it on a plateau (must be < 1).
        patience: epochs without improvement tolerated before reducing.
        threshold: the least change that counts as an improvement.
        threshold_mode: ``'rel'`` (relative to the best value) or ``'abs'``.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: a lower bound on the rate, or one per parameter group.
        eps: reductions smaller than this are skipped.

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        >>> lrs = []
        >>> for loss in [3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0]:
        ...     sched.step(loss)
        ...     lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, mode: Literal["min", "max"] = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: Literal["rel", "abs"] = "rel",
                 cooldown: int = 0, min_lr: list[float] | float = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the rate after ``patience`` epochs without improvement.

        Args:
            metrics: the monitored quantity (a number or a one-element tensor).
            epoch: deprecated, as in PyTorch.

        Example:
            >>> import minitorch as mt
            >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
            >>> sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0)
            >>> sched.step(mt.tensor(0.9))
            >>> sched.step(0.8)
            >>> sched.get_last_lr()
            [0.1]
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the optimizer ({len(groups)}) differs from when "
                    f"ReduceLROnPlateau was initialized ({len(self.min_lrs)}); set its min_lrs to match"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is waiting out its cooldown after a reduction."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError(f"mode {mode!r} is unknown; use 'min' or 'max'")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown; use 'rel' or 'abs'")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
