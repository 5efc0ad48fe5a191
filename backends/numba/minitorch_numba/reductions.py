"""Reductions in Numba: the per-channel sum of NCHW arrays (the conv bias gradient)."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import kernel


@kernel(fastmath=True)
def sum_per_channel(x, out):  # pragma: no cover - compiled
    """``out[c]`` = the sum of ``x[:, c]`` over a C-contiguous (N, C, L) array.

    One task per channel; each (n, c) plane of L contiguous values is summed with reassociation
    allowed, so LLVM keeps a vector of partial sums (more accurate than one running sum, like
    NumPy's pairwise summation, though not in its order), and the plane sums are added in order.
    """
    n, c, length = x.shape
    zero = np.zeros(1, x.dtype)[0]
    for ch in prange(c):
        total = zero
        for b in range(n):
            plane = x[b, ch]
            s = zero
            for q in range(length):
                s += plane[q]
            total += s
        out[ch] = total
