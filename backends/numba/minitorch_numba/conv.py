"""Convolution data movement around a BLAS GEMM: im2col packing, col2im scatter-add, and the layout swaps.

The GEMM stays ``np.matmul`` (OpenBLAS); these kernels replace the NumPy backend's strided
copies. Columns are laid out ``(C*kh*kw, N*oh*ow)``: row ``(c, i, j)`` holds, for every sample
and output position, the input pixel that kernel offset ``(i, j)`` of channel ``c`` sees. Each
row is written as whole output rows, each read from one input row (contiguous for stride 1), so
the packing is a run of row copies; and the rows of a group are one block, so the group GEMMs
are one batched ``matmul`` over ``(G, C/G*kh*kw, N*oh*ow)``.
"""

from __future__ import annotations

from numba import njit, prange

from ._jit import kernel


@njit(inline="always", cache=True)
def _span(offset, stride, size, count):  # pragma: no cover - compiled
    """The outputs ``o`` in ``[0, count)`` whose input position ``o * stride + offset`` is in ``[0, size)``."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = 0 if size - offset <= 0 else min(count, (size - offset - 1) // stride + 1)
    return lo, max(lo, hi)


@kernel()
def im2col(x, kh, kw, sh, sw, dh, dw, top, left, oh, ow, cols):  # pragma: no cover - compiled
    """``cols[(c*kh + i)*kw + j, (n*oh + y)*ow + x] = x[n, c, y*sh + i*dh - top, x*sw + j*dw - left]`` (0 outside).

    One task per (column row, sample): ``oh`` output rows, each a copy of ``ow`` input values
    (a contiguous run for stride 1, which LLVM vectorises), zeros where the window is in the padding.
    """
    n, c, h, w = x.shape
    length = oh * ow
    src = x.reshape(-1)
    dst = cols.reshape(-1)
    width = cols.shape[1]
    for t in prange(c * kh * kw * n):
        k = t // n
        b = t - k * n
        ch = k // (kh * kw)
        y_off = (k // kw) % kh * dh - top
        x_off = k % kw * dw - left
        x0, x1 = _span(x_off, sw, w, ow)
        y0, y1 = _span(y_off, sh, h, oh)
        plane = (b * c + ch) * h * w
        out = k * width + b * length
        for yo in range(oh):
            d = out + yo * ow
            if yo < y0 or yo >= y1:
                for xo in range(ow):
                    dst[d + xo] = 0
                continue
            s = plane + (yo * sh + y_off) * w + x_off
            for xo in range(x0):
                dst[d + xo] = 0
            if sw == 1:
                for xo in range(x0, x1):
                    dst[d + xo] = src[s + xo]
            else:
                for xo in range(x0, x1):
                    dst[d + xo] = src[s + xo * sw]
            for xo in range(x1, ow):
                dst[d + xo] = 0


@kernel()
def col2im(cols, kh, kw, sh, sw, dh, dw, top, left, oh, ow, gx):  # pragma: no cover - compiled
    """The adjoint of ``im2col``: ``gx`` (every element written) = the sum of the columns over each pixel's windows.

    One task per (sample, channel) plane, so no two threads add into one element; the kernel
    offsets are added in the NumPy backend's order (row-major over ``(i, j)``).
    """
    n, c, h, w = gx.shape
    length = oh * ow
    src = cols.reshape(-1)
    dst = gx.reshape(-1)
    width = cols.shape[1]
    for t in prange(n * c):
        b = t // c
        ch = t - b * c
        plane = t * h * w
        for q in range(plane, plane + h * w):
            dst[q] = 0
        for i in range(kh):
            y_off = i * dh - top
            y0, y1 = _span(y_off, sh, h, oh)
            for j in range(kw):
                x_off = j * dw - left
                x0, x1 = _span(x_off, sw, w, ow)
                row = ((ch * kh + i) * kw + j) * width + b * length
                for yo in range(y0, y1):
                    s = row + yo * ow
                    d = plane + (yo * sh + y_off) * w + x_off
                    if sw == 1:
                        for xo in range(x0, x1):
                            dst[d + xo] += src[s + xo]
                    else:
                        for xo in range(x0, x1):
                            dst[d + xo * sw] += src[s + xo]


@kernel()
def swap_leading(src, add, dst):  # pragma: no cover - compiled
    """``dst[b, a, :] = src[a, b, :] (+ add[a] when ``add`` is not empty)``: (O, N, L) <-> (N, O, L) row copies."""
    na, nb = src.shape[0], src.shape[1]
    with_add = add.size > 0
    for t in prange(na * nb):
        b = t // na
        a = t - b * na
        s = src[a, b]
        d = dst[b, a]
        if with_add:
            v = add[a]
            for q in range(s.size):
                d[q] = s[q] + v
        else:
            d[:] = s
