"""Convolution data movement around a BLAS GEMM, channels-last: im2col, col2im and the layout changes.

The GEMMs stay ``np.matmul`` (OpenBLAS); these kernels move the data. The input is copied once
to padded NHWC, so a window's values for one kernel row are ``kw*C`` contiguous floats and
im2col is a run of short memcpys: columns are ``(N*oh*ow, kh*kw*C)``, one row per output position
ordered ``(i, j, c)``. The forward GEMM gives rows ``(N*oh*ow, O)``, transposed back to NCHW
while the bias is added; the backward passes copy the gradient to ``(O, N*oh*ow)`` (whole rows)
and let BLAS read it transposed where they need ``(N*oh*ow, O)``.

Every index is unsigned (``_u``): Numba checks signed indices for wrap-around (``a[-1]``), and that
branch in the inner loops kept LLVM from vectorising the copies (im2col ran 6x slower).
Each kernel splits its work by image, so no two threads write one element.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba import uint64 as _u

from ._jit import kernel


@njit(inline="always", cache=True)
def _fill_zero(dst, start, stop):  # pragma: no cover - compiled
    for q in range(start, stop):
        dst[q] = 0


@kernel()
def to_channels_last(x, top, left, out):  # pragma: no cover - compiled
    """``out`` (N, Hp, Wp, C) = ``x`` (N, C, H, W; C-contiguous) placed at row ``top``, column ``left``; 0 around."""
    n, c, h, w = x.shape
    src, dst = x.reshape(-1), out.reshape(-1)
    C, H, W, T, L = _u(c), _u(h), _u(w), _u(top), _u(left)
    HP, WP = _u(out.shape[1]), _u(out.shape[2])
    for b_ in prange(n):
        b = _u(b_)
        base = b * HP * WP * C
        _fill_zero(dst, base, base + T * WP * C)
        _fill_zero(dst, base + (T + H) * WP * C, base + HP * WP * C)
        for y in range(H):
            row = base + (y + T) * WP * C
            _fill_zero(dst, row, row + L * C)
            _fill_zero(dst, row + (L + W) * C, row + WP * C)
        # Plane by plane: the reads stream, the writes (stride C) stay within one image's block.
        for ch in range(C):
            s = (b * C + ch) * H * W
            for y in range(H):
                d = base + ((y + T) * WP + L) * C + ch
                for xo in range(W):
                    dst[d + xo * C] = src[s + y * W + xo]


@kernel()
def im2col(xp, kh, kw, sh, sw, dh, dw, oh, ow, cols):  # pragma: no cover - compiled
    """``cols[(n*oh + y)*ow + x, (i*kw + j)*C + c] = xp[n, y*sh + i*dh, x*sw + j*dw, c]`` (``xp`` padded NHWC).

    For ``dw == 1`` each kernel row is one copy of ``kw*C`` contiguous values, else ``kw`` copies of ``C``.
    """
    n, hp, wp, c = xp.shape
    src, dst = xp.reshape(-1), cols.reshape(-1)
    C, KH, KW, SH, SW, DH, DW = _u(c), _u(kh), _u(kw), _u(sh), _u(sw), _u(dh), _u(dw)
    OH, OW, HP, WP = _u(oh), _u(ow), _u(hp), _u(wp)
    run = KW * C
    for b_ in prange(n):
        b = _u(b_)
        d = b * OH * OW * KH * run
        for y in range(OH):
            for xo in range(OW):
                for i in range(KH):
                    s = ((b * HP + y * SH + i * DH) * WP + xo * SW) * C
                    if DW == 1:
                        for q in range(run):
                            dst[d + q] = src[s + q]
                        d += run
                    else:
                        for j in range(KW):
                            sj = s + j * DW * C
                            for q in range(C):
                                dst[d + q] = src[sj + q]
                            d += C


@kernel()
def col2im(cols, kh, kw, sh, sw, dh, dw, oh, ow, top, left, gx):  # pragma: no cover - compiled
    """The adjoint of ``to_channels_last`` then ``im2col``: ``gx`` (N, C, H, W; every element written).

    Per image: the columns are added into a zeroed padded NHWC plane in row order (each row of
    ``cols`` as ``kh`` runs of ``kw*C``), then the plane's inside is transposed into ``gx``.
    """
    n, c, h, w = gx.shape
    hp = max((oh - 1) * sh + (kh - 1) * dh + 1, h + top)
    wp = max((ow - 1) * sw + (kw - 1) * dw + 1, w + left)
    src, dst = cols.reshape(-1), gx.reshape(-1)
    C, KH, KW, SH, SW, DH, DW = _u(c), _u(kh), _u(kw), _u(sh), _u(sw), _u(dh), _u(dw)
    OH, OW, WP, H, W, T, L = _u(oh), _u(ow), _u(wp), _u(h), _u(w), _u(top), _u(left)
    run = KW * C
    for b_ in prange(n):
        b = _u(b_)
        acc = np.zeros(hp * wp * c, gx.dtype)
        s = b * OH * OW * KH * run
        for y in range(OH):
            for xo in range(OW):
                for i in range(KH):
                    d = ((y * SH + i * DH) * WP + xo * SW) * C
                    if DW == 1:
                        for q in range(run):
                            acc[d + q] += src[s + q]
                        s += run
                    else:
                        for j in range(KW):
                            dj = d + j * DW * C
                            for q in range(C):
                                acc[dj + q] += src[s + q]
                            s += C
        for ch in range(C):
            for y in range(H):
                o = ((b * C + ch) * H + y) * W
                a = ((y + T) * WP + L) * C + ch
                for xo in range(W):
                    dst[o + xo] = acc[a + xo * C]


@kernel()
def rows_to_nchw(rows, bias, out):  # pragma: no cover - compiled
    """``out[n, o, p] = rows[n, p, o] (+ bias[o] unless ``bias`` is empty)``: GEMM rows (N, L, O) to NCHW (N, O, L)."""
    n, length, o = rows.shape
    src, dst = rows.reshape(-1), out.reshape(-1)
    with_bias = bias.size > 0
    LEN, OC = _u(length), _u(o)
    for b_ in prange(n):
        base = _u(b_) * LEN * OC
        for oc in range(OC):
            d = base + oc * LEN
            if with_bias:  # two loops: adding a zero bias would turn -0.0 into 0.0
                v = bias[oc]
                for p in range(LEN):
                    dst[d + p] = src[base + p * OC + oc] + v
            else:
                for p in range(LEN):
                    dst[d + p] = src[base + p * OC + oc]


@kernel()
def swap_leading(src, dst):  # pragma: no cover - compiled
    """``dst[b, a, :] = src[a, b, :]``: NCHW (N, O, L) to (O, N, L), GEMM rows of the gradient per channel.

    Whole runs of ``L`` contiguous values: a copy's speed, where transposing to (N*L, O) rows ran
    up to 9x slower (4 KiB strides on the VGG's 32x32 planes alias in the cache).
    """
    na, nb, length = src.shape
    s, d = src.reshape(-1), dst.reshape(-1)
    A, B, LEN = _u(na), _u(nb), _u(length)
    for b_ in prange(nb):
        b = _u(b_)
        for a in range(A):
            so = (a * B + b) * LEN
            do = (b * A + a) * LEN
            for q in range(LEN):
                d[do + q] = s[so + q]
