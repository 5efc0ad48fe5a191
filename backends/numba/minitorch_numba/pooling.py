"""Max and average pooling 2x2 with stride 2 (the CNN case) over NCHW planes: forward, and backward in one pass."""

from __future__ import annotations

from numba import prange
from numba import uint64 as _u

from ._jit import kernel

# Each kernel walks whole (n, c) planes, two input rows at a time: the forward reads them once
# and writes one output row; the backward writes all four gradient positions of each window in
# one pass (max: at its first maximum, found by comparing with the forward's output; average: the
# shared gradient), with no zero-filling pass and no masks. The parallel loop splits the N*C
# planes, so no two threads write the same element.


@kernel()
def forward_2x2(x, take_max, div, out):  # pragma: no cover - compiled
    """``out[n, c, y, x]`` = the maximum (``take_max``) or the sum over ``div`` of ``x[n, c, 2y:2y+2, 2x:2x+2]``.

    The maximum propagates NaN and keeps the first of equal values, as NumPy's chain of maximums;
    the sum adds in row-major order, as NumPy. ``take_max`` is the same for the whole call, so
    the branch on it is predicted (LLVM hoists it out of the loop).
    """
    n, c = x.shape[0], x.shape[1]
    oh, ow = out.shape[2], out.shape[3]
    for t in prange(n * c):
        b = t // c
        ch = t - b * c
        src = x[b, ch]
        dst = out[b, ch]
        for y in range(oh):
            r0 = src[2 * y]
            r1 = src[2 * y + 1]
            d = dst[y]
            for xo in range(ow):
                q = 2 * xo
                x0, x1, x2, x3 = r0[q], r0[q + 1], r1[q], r1[q + 1]
                if take_max:
                    # selects, not if-statements: LLVM vectorises them (branches on random data cost 4-10x)
                    top = x1 if x1 > x0 else x0
                    bottom = x3 if x3 > x2 else x2
                    a = bottom if bottom > top else top
                    if (x0 != x0) | (x1 != x1) | (x2 != x2) | (x3 != x3):  # rare: a NaN propagates
                        a = x0 + x1 + x2 + x3
                    d[xo] = a
                else:
                    d[xo] = (((x0 + x1) + x2) + x3) / div


@kernel()
def max_backward_2x2(grad, x, out, gx):  # pragma: no cover - compiled
    """``gx`` (every element written): each window's gradient at its first maximum ``out`` (first NaN), else 0.

    Branch-free on the common path: one equality select per position against the forward's
    maximum (random data makes "which of the four" unpredictable, and mispredicted branches
    cost 3x). Flat unsigned indices: signed ones make Numba test each for wrap-around.
    """
    n, c, h, w = x.shape
    oh, ow = grad.shape[2], grad.shape[3]
    src, dst, gf, top = x.reshape(-1), gx.reshape(-1), grad.reshape(-1), out.reshape(-1)
    H, W, OH, OW, one, two = _u(h), _u(w), _u(oh), _u(ow), _u(1), _u(2)
    for t_ in prange(n * c):
        t = _u(t_)
        plane = t * H * W
        for y in range(OH):
            r0 = plane + two * y * W
            r1 = r0 + W
            g = (t * OH + y) * OW
            for xo in range(OW):
                q = two * xo
                x0, x1, x2 = src[r0 + q], src[r0 + q + one], src[r1 + q]
                a = top[g + xo]
                if a == a:
                    h0, h1, h2 = x0 == a, x1 == a, x2 == a
                else:  # a NaN: the first NaN takes the gradient
                    h0, h1, h2 = x0 != x0, x1 != x1, x2 != x2
                h1 = h1 & (not h0)  # bitwise: `and`/`or` would branch
                first_row = h0 | h1
                h2 = h2 & (not first_row)
                h3 = not (first_row | h2)
                gv = gf[g + xo]
                dst[r0 + q] = gv if h0 else 0.0
                dst[r0 + q + one] = gv if h1 else 0.0
                dst[r1 + q] = gv if h2 else 0.0
                dst[r1 + q + one] = gv if h3 else 0.0
            for q in range(two * OW, W):  # a last column no window covers (odd width)
                dst[r0 + q] = 0
                dst[r1 + q] = 0
        for q in range(plane + two * OH * W, plane + H * W):  # a last row no window covers (odd height)
            dst[q] = 0


@kernel()
def avg_backward_2x2(grad, div, gx):  # pragma: no cover - compiled
    """``gx`` (every element written): each window's four positions get ``grad / div``; uncovered ones 0."""
    n, c, h, w = gx.shape
    oh, ow = grad.shape[2], grad.shape[3]
    for t in prange(n * c):
        b = t // c
        ch = t - b * c
        dst = gx[b, ch]
        g = grad[b, ch]
        for y in range(oh):
            d0 = dst[2 * y]
            d1 = dst[2 * y + 1]
            gr = g[y]
            for xo in range(ow):
                v = gr[xo] / div
                d0[2 * xo] = v
                d0[2 * xo + 1] = v
                d1[2 * xo] = v
                d1[2 * xo + 1] = v
            for q in range(2 * ow, w):
                d0[q] = 0
                d1[q] = 0
        for r in range(2 * oh, h):
            dst[r, :] = 0
