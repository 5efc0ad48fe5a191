"""Matrix multiplication with PyTorch's 1-D, batched and broadcasting rules."""

from __future__ import annotations

from typing import Any

from .. import autograd
from ..tensor import Tensor
from ._common import broadcast_shapes, promote


class MatMul(autograd.Function):
    """``a @ b`` for operands with at least 2 dims; batch dims broadcast."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        return a._new(a._backend.matmul(a._data, b._data))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        ga = g @ b.mT if da else None
        if db and b.ndim == 2 and a.ndim > 2:  # a shared weight: fold the batch into one product
            gb = a.reshape(-1, a.shape[-1]).mT @ g.reshape(-1, g.shape[-1])
        else:
            gb = a.mT @ g if db else None
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product: vectors, matrices and batches of them, as ``torch.matmul``.

    Example:
        >>> import minitorch as mt
        >>> (mt.ones(5, 2, 3) @ mt.ones(3, 4)).shape
        (5, 2, 4)
    """
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    (a2, b2), _ = promote("matmul", a, b, broadcast=False)
    a2 = a2.unsqueeze(0) if a.ndim == 1 else a2
    b2 = b2.unsqueeze(-1) if b.ndim == 1 else b2
    if a2.shape[-1] != b2.shape[-2]:
        raise RuntimeError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
            f"({a2.shape[-1]} columns vs {b2.shape[-2]} rows)"
        )
    broadcast_shapes("matmul (batch dims)", a2.shape[:-2], b2.shape[:-2])
    out = MatMul.apply(a2, b2)
    if b.ndim == 1:
        out = out.squeeze(-1)
    if a.ndim == 1:
        out = out.squeeze(-2 if b.ndim > 1 else -1)
    return out
