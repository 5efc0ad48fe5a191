"""Elementwise kernels: ReLU (maximum with a scalar), the select of its backward, bias broadcasts."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._jit import kernel


@kernel()
def maximum_scalar(x, s, out):  # pragma: no cover - compiled
    """``out = maximum(x, s)`` over flat arrays as NumPy: NaN in ``x`` propagates, ties give ``s`` (ReLU: s = 0)."""
    for i in prange(out.size):
        v = x[i]
        out[i] = v if (v > s or v != v) else s


@kernel()
def select_scalar(cond, a, b, out):  # pragma: no cover - compiled
    """``out = a if cond else b`` over flat arrays, ``b`` a scalar of ``out``'s dtype: one parallel pass."""
    for i in prange(out.size):
        out[i] = a[i] if cond[i] else b


@kernel()
def select_scalar_first(cond, a, b, out):  # pragma: no cover - compiled
    """``out = a if cond else b`` over flat arrays, ``a`` a scalar of ``out``'s dtype."""
    for i in prange(out.size):
        out[i] = a if cond[i] else b[i]


# The arithmetic ops with a bias-shaped operand, by the code the broadcast kernels take.
BIAS_OPS = {"add": 0, "sub": 1, "mul": 2, "div": 3}


@njit(inline="always", cache=True)
def _arith(code, x, y):  # pragma: no cover - compiled
    """``x op y`` for a ``BIAS_OPS`` code (loop-invariant: LLVM unswitches the loops that call it)."""
    if code == 0:
        return x + y
    if code == 1:
        return x - y
    if code == 2:
        return x * y
    return x / y


@kernel()
def per_channel(a, bias, code, bias_first, out):  # pragma: no cover - compiled
    """``out[n, c, :] = a[n, c, :] op bias[c]`` (``bias[c] op a[n, c, :]`` when ``bias_first``); (N, C, L) arrays."""
    n, c, length = a.shape
    for t in prange(n * c):
        b = t // c
        ch = t - b * c
        v = bias[ch]
        src = a[b, ch]
        dst = out[b, ch]
        if bias_first:
            for q in range(length):
                dst[q] = _arith(code, v, src[q])
        else:
            for q in range(length):
                dst[q] = _arith(code, src[q], v)


@kernel()
def per_column(a, bias, code, bias_first, out):  # pragma: no cover - compiled
    """``out[n, :] = a[n, :] op bias`` (``bias op a[n, :]`` when ``bias_first``); ``a`` (N, F), ``bias`` (F,)."""
    for r in prange(a.shape[0]):
        src = a[r]
        dst = out[r]
        if bias_first:
            for q in range(src.size):
                dst[q] = _arith(code, bias[q], src[q])
        else:
            for q in range(src.size):
                dst[q] = _arith(code, src[q], bias[q])


def is_float_array(x: object) -> bool:
    """Whether ``x`` is a float32/float64 ndarray (what the kernels are compiled for).

    Example:
        >>> is_float_array(np.zeros(2, np.float32)), is_float_array(np.zeros(2, np.int64))
        (True, False)
    """
    return isinstance(x, np.ndarray) and x.dtype in (np.float32, np.float64)
