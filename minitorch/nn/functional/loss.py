"""Loss functions: cross_entropy, nll_loss, mse_loss, l1_loss and the binary cross entropies."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ... import autograd
from ...dtypes import int64
from ...functions import exp, log, log_softmax, softmax, where
from ...functions._common import broadcast_shapes, check_same_backend, promote
from ...functions.indexing import Index, IndexAddInto
from ...tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("mean", "sum", "none")


# ---- shared checks and reductions ------------------------------------------------------------
def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction, honouring PyTorch's deprecated ``size_average``/``reduce`` pair."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", UserWarning, stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction: use 'mean', 'sum' or 'none'")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_tensor(op: str, name: str, t: Any) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")


def _not_differentiable(op: str, **tensors: Tensor | None) -> None:
    """PyTorch does not differentiate losses with respect to their weights; neither do we."""
    for name, t in tensors.items():
        if t is not None and t.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError(f"{op} is not differentiable with respect to argument '{name}'; "
                               f"pass {name}.detach() (this input cannot have requires_grad=True)")


# ---- class-index targets ------------------------------------------------------------------------
class _Targets:
    """Class-index targets checked against ``(N, C, d1, ...)`` scores, with the gather key.

    ``key`` indexes the score of every sample's target class (ignored samples point at class 0);
    ``valid`` is 1.0 where the target is not ``ignore_index``; ``weight_t`` is the target's class
    weight (``valid`` without class weights), 0 for ignored samples.
    """

    def __init__(self, op: str, input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int) -> None:
        _check_tensor(op, "target", target)
        check_same_backend(op, input, target, *([weight] if weight is not None else []))
        if input.ndim == 0:
            raise ValueError(f"{op}: input must have a class dim, got a 0-d tensor")
        self.unbatched = input.ndim == 1
        scores = input.reshape(1, -1) if self.unbatched else input
        expected = () if self.unbatched else (input.shape[0],) + input.shape[2:]
        if target.shape != expected:
            raise ValueError(
                f"{op}: target of shape {target.shape} does not match input of shape {input.shape}: expected "
                f"class indices of shape {expected}" + (" or class probabilities of the input's shape"
                                                        if op == "cross_entropy" else "")
            )
        if target.dtype is not int64:
            raise RuntimeError(
                f"{op}: expected class-index targets of dtype int64, got {target.dtype} (target shape "
                f"{target.shape}); convert with .long()"
                + (", or give class probabilities with the input's shape" if op == "cross_entropy" else "")
            )
        classes = scores.shape[1]
        if weight is not None and weight.shape != (classes,):
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {classes} classes or no "
                               f"classes but got weight tensor of shape: {weight.shape}")
        t = target.reshape(scores.shape[:1] + scores.shape[2:])
        with autograd.no_grad():
            ignored = t == ignore_index
            bad = ~ignored & ((t < 0) | (t >= classes))

            def out_of_bounds() -> IndexError:
                value = int(t[bad].reshape(-1)[0].item())
                return IndexError(f"{op}: Target {value} is out of bounds: class indices must be in [0, {classes}) "
                                  f"for input of shape {input.shape} with {classes} classes "
                                  f"(ignore_index={ignore_index})")

            t._backend.raise_if(bad.any()._data, out_of_bounds)
            safe = where(ignored | bad, 0, t)  # in range even where a deferred check will raise later
            self.valid = (~ignored).to(scores.dtype)
            if weight is None:
                self.weight_t = self.valid
            else:
                w = weight.detach().to(scores.dtype)
                self.weight_t = w._new(w._backend.index(w._data, (safe._data,))) * self.valid
        self.scores, self.classes, self.key = scores, classes, _gather_key(scores, safe)

    def finish(self, loss: Tensor, reduction: str) -> Tensor:
        """Reduce per-sample losses; 'mean' divides by the summed target weights, as PyTorch."""
        if reduction == "mean":
            return loss.sum() / self.weight_t.sum()
        if reduction == "sum":
            return loss.sum()
        return loss.reshape(()) if self.unbatched else loss


def _gather_key(scores: Tensor, safe_target: Tensor) -> tuple:
    """Native index arrays picking ``scores[n, target[n, *d], *d]`` for every ``(n, *d)``."""
    b = scores._backend
    n, rest = scores.shape[0], scores.shape[2:]
    ndim = 1 + len(rest)
    key = [b.from_numpy(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * len(rest))), safe_target._data]
    for i, size in enumerate(rest, 1):
        shape = [1] * ndim
        shape[i] = size
        key.append(b.from_numpy(np.arange(size, dtype=np.int64).reshape(shape)))
    return tuple(key)


class _CrossEntropy(autograd.Function):
    """Per-sample cross entropy of logits and class indices, with class weights and label smoothing.

    Forward: the backend's log-softmax and one gather. Backward in one go:
    ``g * ((1 - s) * w_t * (softmax - onehot) + s / C * (sum(w) * softmax - w))``.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, targets: _Targets, weight: Tensor | None, smoothing: float) -> Tensor:
        b = x._backend
        if x.ndim == 2 and not smoothing:  # the common case: the backend's fused fast path
            loss, logp = b.cross_entropy_forward(x._data, targets.key[1], targets.weight_t._data)
            ctx.save_for_backward(x._new(logp))
            return x._new(loss)
        logp = x._new(b.log_softmax(x._data, 1))
        picked = logp._new(b.index(logp._data, targets.key))
        loss = -(picked * targets.weight_t)
        if smoothing:
            total = (logp * _class_view(weight, x)).sum(dim=1) if weight is not None else logp.sum(dim=1)
            loss = loss * (1 - smoothing) - total * targets.valid * (smoothing / targets.classes)
        ctx.save_for_backward(logp)
        return loss

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (logp,) = ctx.saved_tensors
        x, targets, weight, smoothing = ctx._inputs
        create_graph = autograd.is_grad_enabled()
        hit = g * targets.weight_t  # what the target class loses
        if x.ndim == 2 and not smoothing and not create_graph:
            return x._new(x._backend.cross_entropy_backward(logp._data, targets.key[1], hit._data)), None, None, None
        p = softmax(x, 1) if create_graph else exp(logp)
        if smoothing:
            hit = hit * (1 - smoothing)
        scale = hit
        if smoothing:
            gv = g * targets.valid * (smoothing / targets.classes)
            scale = hit + gv * (weight.sum() if weight is not None else targets.classes)
        dx = p * scale.unsqueeze(1)
        if create_graph:
            dx = dx - IndexAddInto.apply(hit, x.shape, targets.key)
        else:  # dx is a fresh array: subtract at the targets in place
            dx._backend.index_add(dx._data, targets.key, (-hit)._data)
        if smoothing:
            spread = gv.unsqueeze(1)
            dx = dx - (spread * _class_view(weight, x) if weight is not None else spread)
        return dx, None, None, None


def _class_view(weight: Tensor, like: Tensor) -> Tensor:
    """Class weights shaped to broadcast along dim 1 of ``like``."""
    return weight.reshape((1, -1) + (1,) * (like.ndim - 2))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between logits and class indices or class probabilities (log-softmax + NLL).

    Stable for logits of any magnitude: the log-softmax is shifted by the maximum and the
    gradient is ``softmax - onehot`` computed in one go.

    Args:
        input: unnormalised scores (logits), classes in dim 1 (dim 0 for a single sample).
        target: int64 class indices, or float class probabilities with the input's shape.
        weight: ``(C,)`` rescaling weight of each class.
        size_average: deprecated, see ``reduction``.
        ignore_index: target value that contributes nothing (class-index targets only).
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'`` (divided by the summed weights of the non-ignored targets; for
            probability targets by the number of samples), ``'sum'`` or ``'none'``.
        label_smoothing: in ``[0, 1]``: mix the target with the uniform distribution.

    Shape:
        Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ...)``; target ``()``, ``(N)`` or ``(N, d1, ...)``
        for class indices, or the input's shape for probabilities; output a scalar, or the
        target's shape (without the class dim) for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> logits = mt.tensor([[2.0, 0.0, 0.0], [0.0, 1e4, 0.0]], requires_grad=True)
        >>> loss = F.cross_entropy(logits, mt.tensor([0, 1]))
        >>> loss
        tensor(0.1198, grad_fn=<DivBackward>)
        >>> loss.backward()
        >>> logits.grad
        tensor([[-0.1065,  0.0533,  0.0533],
                [ 0.    ,  0.    ,  0.    ]])
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensor("cross_entropy", "input", input)
    _check_tensor("cross_entropy", "target", target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"cross_entropy: input must be floating point logits, got {input.dtype}")
    _not_differentiable("cross_entropy", weight=weight)
    if weight is not None:
        weight = weight.detach().to(input.dtype)
    if input.ndim and target.shape == input.shape:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing)
    targets = _Targets("cross_entropy", input, target, weight, ignore_index)
    loss = _CrossEntropy.apply(targets.scores, targets, weight, float(label_smoothing))
    return targets.finish(loss, reduction)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                                 reduction: str, smoothing: float) -> Tensor:
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            f"cross_entropy: target of shape {target.shape} has the input's shape, so it is read as class "
            f"probabilities, which must be floating point, got {target.dtype}; class indices have shape "
            f"{(input.shape[0],) + input.shape[2:] if input.ndim > 1 else ()}"
        )
    if ignore_index >= 0:
        raise RuntimeError("cross_entropy: ignore_index is not supported for floating point target "
                           "(class probabilities)")
    check_same_backend("cross_entropy", input, target)
    dim = 1 if input.ndim > 1 else 0
    classes = input.shape[dim]
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
                           f"no classes but got weight tensor of shape: {weight.shape}")
    target = target.to(input.dtype)
    if smoothing:
        target = target * (1 - smoothing) + smoothing / classes
    terms = log_softmax(input, dim) * target
    if weight is not None:
        terms = terms * (_class_view(weight, input) if dim == 1 else weight)
    loss = -terms.sum(dim=dim)
    return _reduce(loss, reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices given log-probabilities: ``-input[n, target[n]]``.

    Args:
        input: log-probabilities (e.g. from ``log_softmax``), classes in dim 1 (dim 0 unbatched).
        target: int64 class indices in ``[0, C)`` or ``ignore_index``.
        weight: ``(C,)`` rescaling weight of each class.
        size_average: deprecated, see ``reduction``.
        ignore_index: target value that contributes nothing.
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'`` (divided by the summed weights of the non-ignored targets), ``'sum'``
            or ``'none'``.

    Shape:
        Input ``(C)``, ``(N, C)`` or ``(N, C, d1, ...)``; target ``()``, ``(N)`` or ``(N, d1, ...)``;
        output a scalar, or the target's shape for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> logp = mt.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(logp, mt.tensor([0, 1]))
        tensor(0.3)
        >>> F.nll_loss(logp, mt.tensor([0, -100]), reduction='none')
        tensor([0.5, 0. ])
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_tensor("nll_loss", "input", input)
    if not input.dtype.is_floating_point:
        raise TypeError(f"nll_loss: input must be floating point log-probabilities, got {input.dtype}")
    _not_differentiable("nll_loss", weight=weight)
    targets = _Targets("nll_loss", input, target, weight, ignore_index)
    loss = -(Index.apply(targets.scores, targets.key) * targets.weight_t)
    return targets.finish(loss, reduction)


# ---- regression losses ----------------------------------------------------------------------------
def _pair(op: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if target.shape != input.shape:
        warnings.warn(f"{op}: using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=3)
    (input, target), _ = promote(op, input, target, float_only=True)
    return input, target


def _weighted(op: str, loss: Tensor, input: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weights and input must have the same size, got weight of shape {weight.shape} "
                         f"and input of shape {input.shape}")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


class _SquaredError(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor) -> Tensor:
        d = x - t
        ctx.save_for_backward(d)
        return d * d

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, t = ctx._inputs
        (d,) = ctx.saved_tensors
        if autograd.is_grad_enabled():  # create_graph: keep the difference a function of the inputs
            d = x - t
        gx = g * d * 2.0
        dx, dt = ctx.needs_input_grad
        return (gx if dx else None), (-gx if dt else None)


class _AbsoluteError(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor) -> Tensor:
        d = x - t
        ctx.save_for_backward(d)
        return d.abs()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (d,) = ctx.saved_tensors
        gx = g * d.sign()
        dx, dt = ctx.needs_input_grad
        return (gx if dx else None), (-gx if dt else None)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced.

    Args:
        input: predictions.
        target: values to match; broadcast against ``input`` (with a warning when shapes differ).
        size_average: deprecated, see ``reduction``.
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        weight: per-element weights of the input's shape; ``'mean'`` then divides by their sum.

    Shape:
        Input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.mse_loss(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 4.0]))
        tensor(2.5)
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _pair("mse_loss", input, target)
    return _weighted("mse_loss", _SquaredError.apply(x, t), input, weight, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced; the gradient at 0 is 0.

    Args:
        input: predictions.
        target: values to match; broadcast against ``input`` (with a warning when shapes differ).
        size_average: deprecated, see ``reduction``.
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        weight: per-element weights of the input's shape; ``'mean'`` then divides by their sum.

    Shape:
        Input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.l1_loss(mt.tensor([1.0, 2.0]), mt.tensor([0.0, 4.0]), reduction='sum')
        tensor(3.)
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _pair("l1_loss", input, target)
    return _weighted("l1_loss", _AbsoluteError.apply(x, t), input, weight, reduction)


# ---- binary cross entropies ---------------------------------------------------------------------------
def _binary_pair(op: str, input: Tensor, target: Tensor, weight: Tensor | None,
                 pos_weight: Tensor | None = None) -> tuple[Tensor, Tensor]:
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"{op}: target of shape {target.shape} must have the same shape as input of shape "
                         f"{input.shape}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be floating point, got {input.dtype}")
    _not_differentiable(op, weight=weight, pos_weight=pos_weight)
    for name, w in (("weight", weight), ("pos_weight", pos_weight)):
        if w is None:
            continue
        try:
            shape = broadcast_shapes(op, input.shape, w.shape)
        except RuntimeError:
            shape = None
        if shape != input.shape:
            raise ValueError(f"{op}: {name} of shape {w.shape} does not broadcast to the input's shape "
                             f"{input.shape}")
    return input, target.to(input.dtype)


class _BinaryCrossEntropy(autograd.Function):
    """``-(t log x + (1 - t) log(1 - x))`` with the logs clamped at -100; PyTorch's gradients."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor) -> Tensor:
        log_x, log_1mx = log(x).clamp(min=-100.0), log(1.0 - x).clamp(min=-100.0)
        return (t - 1.0) * log_1mx - t * log_x

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, t = ctx._inputs
        dx, dt = ctx.needs_input_grad
        gx = g * (x - t) / (x * (1.0 - x)).clamp(min=1e-12) if dx else None
        gt = g * (log(1.0 - x).clamp(min=-100.0) - log(x).clamp(min=-100.0)) if dt else None
        return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities: ``-w (t log x + (1 - t) log(1 - x))``.

    As in PyTorch, each log is clamped at -100 (so the loss stays finite at 0 and 1) and the
    input gradient is ``(x - t) / max(x (1 - x), 1e-12)``.

    Args:
        input: probabilities in ``[0, 1]``.
        target: targets in ``[0, 1]``, the input's shape.
        weight: rescaling weight, broadcast to the input's shape.
        size_average: deprecated, see ``reduction``.
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.

    Shape:
        Input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.binary_cross_entropy(mt.tensor([0.5, 1.0]), mt.tensor([1.0, 0.0]), reduction='none')
        tensor([  0.6931, 100.    ])
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _binary_pair("binary_cross_entropy", input, target, weight)
    with autograd.no_grad():
        outside = ~((x >= 0) & (x <= 1)).all()
    x._backend.raise_if(outside._data, lambda: RuntimeError(
        "binary_cross_entropy: all elements of input should be between 0 and 1 "
        "(apply sigmoid first, or use binary_cross_entropy_with_logits)"))
    loss = _BinaryCrossEntropy.apply(x, t)
    if weight is not None:
        loss = loss * weight.to(x.dtype)
    return _reduce(loss, reduction)


def _log_sigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow: ``min(x, 0) - log(1 + exp(-|x|))``."""
    return where(x < 0, x, 0.0) - log(exp(-x.abs()) + 1.0)


class _BinaryCrossEntropyWithLogits(autograd.Function):
    """``(1 - t) x - (1 + (p - 1) t) log(sigmoid(x))``, stable for any logit."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor, pos_weight: Tensor | None) -> Tensor:
        log_weight = 1.0 if pos_weight is None else (pos_weight - 1.0) * t + 1.0
        return (1.0 - t) * x - log_weight * _log_sigmoid(x)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, t, pos_weight = ctx._inputs
        dx, dt, _ = ctx.needs_input_grad
        gx = gt = None
        if dx:
            s = x.sigmoid()
            if pos_weight is None:
                gx = g * (s - t)
            else:
                gx = g * ((1.0 - t) - ((pos_weight - 1.0) * t + 1.0) * (1.0 - s))
        if dt:
            gt = -(g * x) if pos_weight is None else -g * (x + (pos_weight - 1.0) * _log_sigmoid(x))
        return gx, gt, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid and binary cross entropy in one stable step, from logits.

    ``loss = -w (p t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x)))`` computed as
    ``(1 - t) x - (1 + (p - 1) t) log(sigmoid(x))`` with a log-sigmoid that never overflows.

    Args:
        input: logits.
        target: targets in ``[0, 1]``, the input's shape.
        weight: rescaling weight, broadcast to the input's shape.
        size_average: deprecated, see ``reduction``.
        reduce: deprecated, see ``reduction``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: weight of the positive examples, broadcast along the last dim (one per class).

    Shape:
        Input ``(*)``, target ``(*)``; output a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> x = mt.tensor([0.0, 1e4, -1e4])
        >>> F.binary_cross_entropy_with_logits(x, mt.tensor([1.0, 1.0, 1.0]), reduction='none')
        tensor([6.9315e-01, 0.0000e+00, 1.0000e+04])
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _binary_pair("binary_cross_entropy_with_logits", input, target, weight, pos_weight)
    pw = None if pos_weight is None else pos_weight.detach().to(x.dtype)
    loss = _BinaryCrossEntropyWithLogits.apply(x, t, pw)
    if weight is not None:
        loss = loss * weight.to(x.dtype)
    return _reduce(loss, reduction)
