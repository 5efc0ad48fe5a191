"""Row-wise kernels over (N, C) scores: softmax, log-softmax and the cross-entropy forward."""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._jit import kernel

# One row per iteration of the parallel loop: each row is read from a contiguous run of C values
# (its maximum, then its sum of exponentials, accumulated in the row's dtype), and written once.


@njit(inline="always", cache=True)
def _shift_and_log_sum(x, r):  # pragma: no cover - compiled
    """Row ``r``'s maximum ``m`` (NaN if any) and ``log(sum(exp(x[r] - m)))``."""
    m = x[r, 0]
    for j in range(1, x.shape[1]):
        v = x[r, j]
        if v > m or v != v:
            m = v
    s = np.zeros(1, x.dtype)[0]
    for j in range(x.shape[1]):
        s += math.exp(x[r, j] - m)
    return m, math.log(s)


@kernel()
def log_softmax_rows(x, out):  # pragma: no cover - compiled
    """Row-wise ``x - max - log(sum(exp(x - max)))`` of a 2-D C-contiguous array."""
    for r in prange(x.shape[0]):
        m, log_sum = _shift_and_log_sum(x, r)
        for j in range(x.shape[1]):
            out[r, j] = (x[r, j] - m) - log_sum


@kernel()
def softmax_rows(x, out):  # pragma: no cover - compiled
    """Row-wise ``exp(x - max) / sum(exp(x - max))`` of a 2-D C-contiguous array."""
    rows, cols = x.shape
    zero = np.zeros(1, x.dtype)[0]
    for r in prange(rows):
        m = x[r, 0]
        for j in range(1, cols):
            v = x[r, j]
            if v > m or v != v:
                m = v
        s = zero
        for j in range(cols):  # the exponentials are stored while they are summed
            e = math.exp(x[r, j] - m)
            out[r, j] = e
            s += e
        for j in range(cols):
            out[r, j] /= s


@kernel()
def cross_entropy_rows(x, target, weight, loss, logp):  # pragma: no cover - compiled
    """``logp`` = the log-softmax of each row and ``loss[r] = -logp[r, target[r]] * weight[r]`` (NaN off range)."""
    for r in prange(x.shape[0]):
        m, log_sum = _shift_and_log_sum(x, r)
        for j in range(x.shape[1]):
            logp[r, j] = (x[r, j] - m) - log_sum
        t = target[r]
        loss[r] = -logp[r, t] * weight[r] if 0 <= t < x.shape[1] else np.nan
