"""Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss."""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss"]


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` that PyTorch's deprecated ``size_average``/``reduce`` arguments mean."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=4)
    return reduction


class _Loss(Module):
    """Holds ``reduction`` ('none' | 'mean' | 'sum'), accepting PyTorch's legacy arguments too."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"{type(self).__name__}: {reduction!r} is not a valid value for reduction; "
                             "use 'none', 'mean' or 'sum'")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, kept as a buffer (so it moves with ``.to``)."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between logits and class indices (or class probabilities): log_softmax + NLLLoss.

    Args:
        weight: a manual rescaling weight per class, shape ``(C,)``.
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        ignore_index: a target value that does not contribute to the loss or gradient. Default: -100.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` (weighted mean over non-ignored targets) or ``'sum'``.
        label_smoothing: in [0, 1], mixes the targets with the uniform distribution. Default: 0.0.

    Shape:
        - Input: ``(N, C)`` logits, or ``(N, C, d1, ...)``, or ``(C,)``.
        - Target: ``(N,)`` int64 class indices in [0, C), or ``(N, C)`` probabilities.
        - Output: a scalar, or ``(N,)`` with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> loss = mt.nn.CrossEntropyLoss()
        >>> logits = mt.zeros(3, 5, requires_grad=True)
        >>> out = loss(logits, mt.tensor([1, 0, 4]))
        >>> round(out.item(), 4)
        1.6094
        >>> out.backward()
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices, given log-probabilities (e.g. from LogSoftmax).

    Args:
        weight: a manual rescaling weight per class, shape ``(C,)``.
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        ignore_index: a target value that does not contribute to the loss or gradient. Default: -100.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` (weighted mean) or ``'sum'``.

    Shape:
        - Input: ``(N, C)`` or ``(N, C, d1, ...)`` log-probabilities.
        - Target: ``(N,)`` or ``(N, d1, ...)`` int64 class indices.
        - Output: a scalar, or the target's shape with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> logp = mt.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> mt.nn.NLLLoss()(logp, mt.tensor([0, 1]))
        tensor(0.3)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)²``, reduced by ``reduction``.

    Args:
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: any shape.
        - Target: the same shape.
        - Output: a scalar, or the input's shape with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.MSELoss()(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 4.0]))
        tensor(2.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``, reduced by ``reduction``.

    Args:
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: any shape.
        - Target: the same shape.
        - Output: a scalar, or the input's shape with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.L1Loss(reduction="sum")(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 4.0]))
        tensor(3.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy between probabilities in [0, 1] and targets (log terms clamped at -100).

    Args:
        weight: a manual rescaling weight, broadcast to the input's shape.
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.

    Shape:
        - Input: any shape, probabilities.
        - Target: the same shape, values in [0, 1].
        - Output: a scalar, or the input's shape with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> round(mt.nn.BCELoss()(mt.tensor([0.5, 0.5]), mt.tensor([1.0, 0.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy in one numerically stable step, on logits.

    Args:
        weight: a manual rescaling weight, broadcast to the input's shape.
        size_average: deprecated (PyTorch legacy); use ``reduction``.
        reduce: deprecated (PyTorch legacy); use ``reduction``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``. Default: ``'mean'``.
        pos_weight: a weight of positive examples per class, broadcast along the last dim.

    Shape:
        - Input: any shape, logits.
        - Target: the same shape, values in [0, 1].
        - Output: a scalar, or the input's shape with ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> round(mt.nn.BCEWithLogitsLoss()(mt.zeros(2), mt.tensor([1.0, 0.0])).item(), 4)
        0.6931
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)
