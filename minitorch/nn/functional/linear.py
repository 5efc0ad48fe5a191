"""The affine map of fully connected layers: ``linear(x, W, b) = x @ W.T + b``."""

from __future__ import annotations

from typing import Any

from ... import autograd
from ...functions import matmul
from ...functions._common import promote
from ...tensor import Tensor

__all__ = ["linear"]


class _Linear(autograd.Function):
    """``x @ W.T + b`` for a 2-D ``x``: one matrix product forward, two backward."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        b = x._backend
        out = b.matmul(x._data, b.permute(weight._data, (1, 0)))
        if bias is not None:
            out = b.binary("add", out, bias._data)
        ctx.save_for_backward(x, weight)
        return x._new(out)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        dx, dw, db = ctx.needs_input_grad
        return (g @ weight if dx else None), (g.mT @ x if dw else None), (g.sum(dim=0) if db else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Apply ``y = x @ weight.T + bias`` over the last dim of ``input``.

    Leading dims are folded into one matrix product (and one for each gradient).

    Args:
        input: features in the last dim.
        weight: ``(out_features, in_features)`` (or ``(in_features,)`` for a single output, dropped).
        bias: ``(out_features,)`` or None.

    Shape:
        Input ``(*, in_features)``, output ``(*, out_features)``.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> x, w, b = mt.ones(4, 3), mt.ones(2, 3), mt.tensor([0.0, 1.0])
        >>> F.linear(x, w, b)
        tensor([[3., 4.],
                [3., 4.],
                [3., 4.],
                [3., 4.]])
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("linear: input and weight must be tensors")
    if input.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if weight.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-d or 2-d (out_features, in_features), got shape {weight.shape}")
    in_features = input.shape[-1]
    if weight.shape[-1] != in_features:
        raise RuntimeError(
            f"linear: input of shape {input.shape} has {in_features} features in its last dim, but weight of "
            f"shape {weight.shape} expects {weight.shape[-1]}"
        )
    if weight.ndim == 1:
        out = matmul(input, weight)
        return out if bias is None else out + bias
    operands = (input, weight) if bias is None else (input, weight, bias)
    operands, _ = promote("linear", *operands, float_only=True, broadcast=False)
    input, weight = operands[0], operands[1]
    bias = operands[2] if bias is not None else None
    out_features = weight.shape[0]
    if bias is not None and bias.shape not in ((out_features,), (1,), ()):
        raise RuntimeError(f"linear: bias of shape {bias.shape} does not match the {out_features} output "
                           f"features of weight of shape {weight.shape}")
    lead = input.shape[:-1]
    x2 = input if input.ndim == 2 else input.reshape(-1, in_features)
    out = _Linear.apply(x2, weight, bias)
    return out if input.ndim == 2 else out.reshape(lead + (out_features,))
