"""Gradient checking: autograd's gradients against central differences in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..autograd import grad, no_grad
from ..creation import from_host
from ..tensor import Tensor


def _projection(out: Tensor, seed: int = 1234) -> Tensor:
    """Fixed random weights that turn a tensor output into a scalar to differentiate."""
    w = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype.numpy)
    return from_host(w, out.dtype, backend=out._backend)


def _scalar(fn: Callable[..., Tensor], inputs: Sequence[Tensor], weights: Tensor | None) -> Tensor:
    out = fn(*inputs)
    return out if weights is None else (out * weights).sum()


def numerical_gradients(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradients of ``sum(fn(*inputs) * w)`` (w fixed, random) per input.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor(3.0, dtype=mt.float64)
        >>> round(float(numerical_gradients(lambda t: t * t, [x])[0]), 4)
        6.0
    """
    with no_grad():
        out = fn(*inputs)
        weights = None if out.numel() == 1 and out.ndim == 0 else _projection(out)
        grads = []
        for i, x in enumerate(inputs):
            base = np.array(x._backend.to_numpy(x._data), dtype=np.float64)
            g = np.zeros_like(base)
            for j in np.ndindex(base.shape):
                values = []
                for step in (eps, -eps):
                    shifted = base.copy()
                    shifted[j] += step
                    args = list(inputs)
                    args[i] = from_host(shifted.astype(x.dtype.numpy), x.dtype, backend=x._backend)
                    values.append(_scalar(fn, args, weights).item())
                g[j] = (values[0] - values[1]) / (2 * eps)
            grads.append(g)
    return grads


def check_gradients(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
                    atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Raise AssertionError when autograd and central differences disagree for ``fn``.

    Example:
        >>> import minitorch as mt
        >>> x = mt.randn(2, 3, dtype=mt.float64, requires_grad=True)
        >>> check_gradients(lambda t: t.softmax(dim=1), [x])
    """
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise ValueError(f"input {i} must have requires_grad=True")
    out = fn(*inputs)
    weights = None if out.numel() == 1 and out.ndim == 0 else _projection(out)
    scalar = out if weights is None else (out * weights).sum()
    analytic = grad(scalar, list(inputs), allow_unused=True)
    numeric = numerical_gradients(fn, [x.detach() for x in inputs], eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a_np = np.zeros_like(n) if a is None else np.asarray(a.detach().numpy(), dtype=np.float64)
        if a_np.shape != n.shape:
            raise AssertionError(f"input {i}: gradient shape {a_np.shape} != input shape {n.shape}")
        if not np.allclose(a_np, n, atol=atol, rtol=rtol, equal_nan=True):
            worst = np.unravel_index(np.argmax(np.abs(a_np - n)), n.shape) if n.size else ()
            raise AssertionError(
                f"input {i}: autograd and central differences disagree; at {worst} autograd gives "
                f"{a_np[worst]!r}, central differences {n[worst]!r}\nautograd:\n{a_np}\nnumerical:\n{n}"
            )
