"""The built-in NumPy backend: every primitive as one whole-array call of its array module (NumPy)."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .contract import Backend
from .host_memory import keep_freed_memory

# Ops by the name of the array module's function, so a NumPy-compatible module (CuPy) reuses the class.
_UNARY = {
    "neg": "negative", "exp": "exp", "log": "log", "sqrt": "sqrt", "reciprocal": "reciprocal", "abs": "abs",
    "sign": "sign", "sin": "sin", "cos": "cos", "tanh": "tanh",
}
_BINARY = {
    "add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide", "pow": "power",
    "maximum": "maximum", "minimum": "minimum", "eq": "equal", "ne": "not_equal", "lt": "less",
    "le": "less_equal", "gt": "greater", "ge": "greater_equal",
}
_REDUCE = {"sum": "sum", "prod": "prod", "max": "max", "min": "min"}
_ARG_REDUCE = {"argmax": "argmax", "argmin": "argmin"}
_DTYPES = {"bool": np.bool_, "int64": np.int64, "float32": np.float32, "float64": np.float64}


def _is_zero_scalar(value) -> bool:
    """A Python scalar whose bit pattern is all zeros (so +0.0 but not -0.0)."""
    return not hasattr(value, "shape") and value == 0 and math.copysign(1.0, value) > 0


class NumpyBackend(Backend):
    """Arrays are ``numpy.ndarray``; views share memory as in PyTorch.

    Every method goes through ``self.xp``, the array module (``numpy`` here), so a backend whose
    arrays follow NumPy's API (CuPy) subclasses this one, sets ``xp`` and overrides what differs.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([1.0, 2.0], backend="numpy").backend
        'numpy'
    """

    name = "numpy"
    device = "cpu"
    xp: ModuleType = np

    def __init__(self) -> None:
        keep_freed_memory()
        xp = self.xp
        self._unary = {op: getattr(xp, fn) for op, fn in _UNARY.items()}
        self._binary = {op: getattr(xp, fn) for op, fn in _BINARY.items()}
        self._reduce = {op: getattr(xp, fn) for op, fn in _REDUCE.items()}
        self._arg_reduce = {op: getattr(xp, fn) for op, fn in _ARG_REDUCE.items()}

    def from_numpy(self, array):
        return self.xp.asarray(array)

    def to_numpy(self, x):
        return x

    def full(self, shape, value, dtype):
        return self.xp.full(shape, value, dtype=_DTYPES[dtype])

    def unary(self, op, x):
        with np.errstate(all="ignore"):
            return self.xp.asarray(self._unary[op](x))

    def binary(self, op, a, b):
        with np.errstate(all="ignore"):
            return self.xp.asarray(self._binary[op](a, b))

    def where(self, cond, a, b):
        # np.where branches per element and runs ~6x slower on unpredictable masks (ReLU's);
        # selecting bit patterns with an all-ones/all-zeros mask is exact and branch-free.
        xp = self.xp
        if not isinstance(a, xp.ndarray) and not isinstance(b, xp.ndarray):
            return xp.where(cond, a, b)
        dtype = (a if isinstance(a, xp.ndarray) else b).dtype
        bits = np.dtype(f"i{dtype.itemsize}")
        mask = cond.astype(bits)
        xp.negative(mask, out=mask)
        picked = []
        if not _is_zero_scalar(a):
            picked.append(xp.bitwise_and(xp.asarray(a, dtype).view(bits), mask))
        if not _is_zero_scalar(b):
            picked.append(xp.bitwise_and(xp.asarray(b, dtype).view(bits), xp.invert(mask, out=mask)))
        out = xp.asarray(picked[0] if len(picked) == 1 else xp.bitwise_or(*picked) if picked else mask & 0)
        shape = np.broadcast_shapes(*(getattr(v, "shape", ()) for v in (cond, a, b)))
        return xp.broadcast_to(out, shape).view(dtype) if out.shape != shape else out.view(dtype)

    def astype(self, x, dtype):
        return x.astype(_DTYPES[dtype])

    def reduce(self, op, x, axes, keepdims):
        return self.xp.asarray(self._reduce[op](x, axis=axes, keepdims=keepdims))

    def arg_reduce(self, op, x, axis):
        return self.xp.asarray(self._arg_reduce[op](x, axis=axis))

    def matmul(self, a, b):
        return self.xp.matmul(a, b)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def permute(self, x, axes):
        return x.transpose(axes)

    def expand(self, x, shape):
        return self.xp.broadcast_to(x, shape)

    def index(self, x, key):
        return x[key + (Ellipsis,)]  # the trailing ... keeps basic indexing a view, even down to 0-d

    def index_put(self, x, key, values):
        x[key] = values

    def index_add(self, x, key, values):
        if any(isinstance(k, self.xp.ndarray) for k in key):
            self._scatter_add(x, key, values)
        else:
            x[key] += values

    def _scatter_add(self, x, key, values):
        """``x[key] += values`` where repeated positions in ``key`` all add (unbuffered)."""
        np.add.at(x, key, values)

    def concatenate(self, xs, axis):
        return self.xp.concatenate(xs, axis=axis)

    def pad(self, x, widths, value):
        return self.xp.pad(x, widths, constant_values=value)

    def _as_strided(self, x, shape, strides):
        """A read-only view of ``x`` with the given shape and strides (in bytes)."""
        return as_strided(x, shape=shape, strides=strides, writeable=False)

    def windows(self, x, size, stride, dilation):
        k = len(size)
        spatial = x.shape[-k:]
        out = tuple((n - d * (s - 1) - 1) // st + 1 for n, s, st, d in zip(spatial, size, stride, dilation))
        inner = x.strides[-k:]
        window_strides = tuple(s * st for s, st in zip(inner, stride)) + tuple(s * d for s, d in zip(inner, dilation))
        return self._as_strided(x, x.shape[:-k] + out + tuple(size), x.strides[:-k] + window_strides)

    def copy(self, x):
        return self.xp.array(x, copy=True, order="C")

    def contiguous(self, x):
        return self.xp.asarray(x, order="C")

    def sigmoid(self, x):
        xp = self.xp
        with np.errstate(over="ignore"):
            e = xp.exp(-xp.abs(x))
            return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def log_softmax(self, x, axis):
        xp = self.xp
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def softmax(self, x, axis):
        xp = self.xp
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def cross_entropy_forward(self, x, target, weight_t):
        logp = self.log_softmax(x, 1)
        return -logp[self.xp.arange(x.shape[0]), target] * weight_t, logp

    def cross_entropy_backward(self, logp, target, hit):
        grad = self.xp.exp(logp)
        grad *= hit[:, None]
        grad[self.xp.arange(logp.shape[0]), target] -= hit  # one target per row: no repeated positions
        return grad

    # ---- fused optimizer updates: in-place ufuncs, one scratch array per call ----------
    def _decayed_grad(self, param, grad, weight_decay, maximize):
        xp = self.xp
        if maximize:
            g = xp.negative(grad)
            if weight_decay != 0:
                g += param * weight_decay
            return g
        return grad + param * weight_decay if weight_decay != 0 else grad

    def _lerp_(self, start, end, weight, tmp):
        """In place: ``start`` moved towards ``end`` by ``weight`` (``torch.lerp``'s formula)."""
        xp = self.xp
        xp.subtract(end, start, out=tmp)
        if weight < 0.5:
            tmp *= weight
            start += tmp
        else:
            tmp *= 1 - weight
            xp.subtract(end, tmp, out=start)

    def _ema_square_(self, avg, g, decay, tmp):
        """In place: ``avg = decay * avg + (1 - decay) * g * g`` (Adam's second moment, RMSprop's mean square)."""
        xp = self.xp
        avg *= decay
        xp.multiply(g, 1 - decay, out=tmp)
        tmp *= g
        avg += tmp

    def _adam_moments(self, param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                      decoupled_weight_decay, maximize):
        """Shared start of Adam, AdamW and NAdam: weight decay, then both moments; returns (g, scratch)."""
        xp = self.xp
        if weight_decay != 0 and decoupled_weight_decay:
            param *= 1 - lr * weight_decay
            weight_decay = 0.0
        g = self._decayed_grad(param, grad, weight_decay, maximize)
        tmp = xp.empty_like(exp_avg)
        self._lerp_(exp_avg, g, 1 - beta1, tmp)
        self._ema_square_(exp_avg_sq, g, beta2, tmp)
        return g, tmp

    def sgd_update(self, param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
                   maximize):
        xp = self.xp
        with np.errstate(all="ignore"):
            g = self._decayed_grad(param, grad, weight_decay, maximize)
            buf = None
            if momentum != 0:
                if momentum_buffer is None:
                    buf = xp.array(g, copy=True, order="C")
                else:
                    buf = momentum_buffer
                    buf *= momentum
                    buf += g * (1 - dampening) if dampening != 0 else g
                g = g + buf * momentum if nesterov else buf
            param += g * -lr
            return buf

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                    weight_decay, decoupled_weight_decay, step_size, bias_correction2_sqrt, maximize):
        xp = self.xp
        with np.errstate(all="ignore"):
            g, tmp = self._adam_moments(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                                        decoupled_weight_decay, maximize)
            second = exp_avg_sq
            if max_exp_avg_sq is not None:
                xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                second = max_exp_avg_sq
            xp.sqrt(second, out=tmp)
            tmp /= bias_correction2_sqrt
            tmp += eps
            xp.divide(xp.multiply(exp_avg, -step_size), tmp, out=tmp)
            param += tmp

    def rmsprop_update(self, param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                       weight_decay, momentum, maximize):
        xp = self.xp
        with np.errstate(all="ignore"):
            g = self._decayed_grad(param, grad, weight_decay, maximize)
            tmp = xp.empty_like(square_avg)
            self._ema_square_(square_avg, g, alpha, tmp)
            if grad_avg is not None:
                self._lerp_(grad_avg, g, 1 - alpha, tmp)
                xp.multiply(grad_avg, grad_avg, out=tmp)
                xp.subtract(square_avg, tmp, out=tmp)
                xp.sqrt(tmp, out=tmp)
            else:
                xp.sqrt(square_avg, out=tmp)
            tmp += eps
            if momentum > 0 and momentum_buffer is not None:
                momentum_buffer *= momentum
                xp.divide(g, tmp, out=tmp)
                momentum_buffer += tmp
                xp.multiply(momentum_buffer, -lr, out=tmp)
            else:
                xp.divide(xp.multiply(g, -lr), tmp, out=tmp)
            param += tmp

    def nadam_update(self, param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                     decoupled_weight_decay, bias_correction2, grad_coef, exp_avg_coef, maximize):
        xp = self.xp
        with np.errstate(all="ignore"):
            g, tmp = self._adam_moments(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, weight_decay,
                                        decoupled_weight_decay, maximize)
            denom = xp.divide(exp_avg_sq, bias_correction2, out=xp.empty_like(exp_avg_sq))
            xp.sqrt(denom, out=denom)
            denom += eps
            xp.multiply(g, grad_coef, out=tmp)
            tmp /= denom
            param += tmp
            xp.multiply(exp_avg, exp_avg_coef, out=tmp)
            tmp /= denom
            param += tmp

    def adagrad_update(self, param, grad, state_sum, *, clr, eps, weight_decay, maximize):
        xp = self.xp
        with np.errstate(all="ignore"):
            g = self._decayed_grad(param, grad, weight_decay, maximize)
            tmp = xp.multiply(g, g, out=xp.empty_like(state_sum))
            state_sum += tmp
            xp.sqrt(state_sum, out=tmp)
            tmp += eps
            xp.divide(xp.multiply(g, -clr), tmp, out=tmp)
            param += tmp

    # ==== convolution and pooling: optional fast paths (begin) ==========================
    # Whole-array calls: im2col as one strided copy and one large GEMM per batch chunk,
    # col2im and pooling as one strided operation per kernel offset (never per pixel).
    # Convolutions whose input has few channels (C*kh*kw <= 32: first layers) keep NCHW:
    # columns (N, C*kh*kw, oh*ow) and a batched GEMM write the output in place. The others
    # go channels-last: the input is copied once to NHWC, so every im2col row is a run of
    # kw*C contiguous values, rows are output positions, and (O, kh*kw*C) @ (kh*kw*C, N*oh*ow)
    # is one large GEMM whose (O, N, oh*ow) result is copied to NCHW while the bias is added.
    _conv_chunk = 1 << 24  # most im2col elements per batch chunk (64 MiB in float32)

    def _pad_planes(self, x, top, bottom, left, right, value, channels_last=False):
        """NCHW ``x`` padded with ``value``; NHWC (a copy) when ``channels_last``."""
        xp = self.xp
        n, c, h, w = x.shape
        if channels_last:
            out = xp.empty((n, h + top + bottom, w + left + right, c), x.dtype)
            inner = out[:, top:top + h, left:left + w, :]
            src = x.transpose(0, 2, 3, 1)
        else:
            if not (top or bottom or left or right):
                return x
            out = xp.empty((n, c, h + top + bottom, w + left + right), x.dtype)
            inner = out[:, :, top:top + h, left:left + w]
            src = x
        if top or bottom or left or right:
            out.fill(value)
        xp.copyto(inner, src)
        return out

    def _conv_nchw(self, c, kh, kw, stride, padding, groups):
        """Whether to run a convolution in NCHW (few input channels, or a plain 1x1)."""
        if groups != 1:
            return False
        plain_1x1 = kh == kw == 1 and tuple(stride) == (1, 1) and not any(padding[0]) and not any(padding[1])
        return c * kh * kw <= 32 or plain_1x1

    def _conv_geometry(self, x_shape, w_shape, stride, padding, dilation):
        h, w = x_shape[2], x_shape[3]
        kh, kw = w_shape[2], w_shape[3]
        oh = self.conv_output_size(h, kh, stride[0], padding[0], dilation[0])
        ow = self.conv_output_size(w, kw, stride[1], padding[1], dilation[1])
        return oh, ow

    def _conv_windows(self, padded, kh, kw, oh, ow, stride, dilation, channels_last):
        """Strided view of the windows: (N, C, kh, kw, oh, ow), or (N, oh, ow, kh, kw, C) channels-last."""
        if channels_last:
            n, _, _, c = padded.shape
            s_n, s_h, s_w, s_c = padded.strides
            return self._as_strided(padded, (n, oh, ow, kh, kw, c), (s_n, s_h * stride[0], s_w * stride[1],
                                                                      s_h * dilation[0], s_w * dilation[1], s_c))
        n, c = padded.shape[:2]
        s_n, s_c, s_h, s_w = padded.strides
        return self._as_strided(padded, (n, c, kh, kw, oh, ow), (s_n, s_c, s_h * dilation[0], s_w * dilation[1],
                                                                  s_h * stride[0], s_w * stride[1]))

    def _batch_chunks(self, n, per_sample, limit=None):
        """``(n0, n1)`` batch ranges of at most ``limit`` (default ``_conv_chunk``) elements, one sample at least."""
        step = max(1, (limit or self._conv_chunk) // max(per_sample, 1))
        return [(i, min(i + step, n)) for i in range(0, n, step)]

    def _nhwc_cols(self, win, n0, n1, groups):
        """Columns (G, nb*oh*ow, kh*kw*Cg) of batch rows ``n0:n1`` from a channels-last window view."""
        xp = self.xp
        nb, oh, ow, kh, kw, c = (n1 - n0,) + win.shape[1:]
        part = win[n0:n1]
        if groups == 1:
            return xp.ascontiguousarray(part).reshape(1, nb * oh * ow, kh * kw * c)
        part = part.reshape(nb, oh, ow, kh, kw, groups, c // groups).transpose(5, 0, 1, 2, 3, 4, 6)
        return xp.ascontiguousarray(part).reshape(groups, nb * oh * ow, kh * kw * (c // groups))

    def _grad_rows_nhwc(self, grad, groups):
        """``grad`` (N, O, oh, ow) as contiguous rows (G, N*oh*ow, O/G)."""
        xp = self.xp
        n, o, oh, ow = grad.shape
        g = grad.reshape(n, groups, o // groups, oh, ow).transpose(1, 0, 3, 4, 2)
        return xp.ascontiguousarray(g).reshape(groups, n * oh * ow, o // groups)

    def conv2d_forward(self, x, w, bias, stride, padding, dilation, groups):
        xp = self.xp
        n, c = x.shape[:2]
        o, cg, kh, kw = w.shape
        oh, ow = self._conv_geometry(x.shape, w.shape, stride, padding, dilation)
        (top, bottom), (left, right) = padding
        if self._conv_nchw(c, kh, kw, stride, padding, groups):
            k, length = c * kh * kw, oh * ow
            win = self._conv_windows(self._pad_planes(x, top, bottom, left, right, 0), kh, kw, oh, ow, stride,
                                     dilation, False)
            out = xp.empty((n, o, length), x.dtype)
            wm = w.reshape(o, k)
            if bias is not None:  # a row of ones in the columns adds the bias inside the GEMM, saving a pass
                wm = xp.concatenate([wm, bias.reshape(o, 1)], axis=1)
            for n0, n1 in self._batch_chunks(n, k * length):
                if bias is None:
                    cols = xp.ascontiguousarray(win[n0:n1]).reshape(n1 - n0, k, length)
                else:
                    cols = xp.empty((n1 - n0, k + 1, length), x.dtype)
                    cols[:, k] = 1
                    xp.copyto(cols[:, :k].reshape(win[n0:n1].shape), win[n0:n1])
                xp.matmul(wm, cols, out=out[n0:n1])
            return out.reshape(n, o, oh, ow)
        og = o // groups
        win = self._conv_windows(self._pad_planes(x, top, bottom, left, right, 0, channels_last=True), kh, kw, oh, ow,
                                 stride, dilation, True)
        wm = xp.ascontiguousarray(w.reshape(groups, og, cg, kh, kw).transpose(0, 1, 3, 4, 2)).reshape(
            groups, og, kh * kw * cg)
        out = xp.empty((n, groups, og, oh, ow), x.dtype)
        b = None if bias is None else bias.reshape(groups, og, 1, 1)
        for n0, n1 in self._batch_chunks(n, oh * ow * kh * kw * c):
            # (O/G, K) @ (K, nb*oh*ow): OpenBLAS runs this orientation ~10% faster, and its (O, N, oh*ow)
            # result reaches NCHW by copying whole rows of oh*ow values.
            res = xp.matmul(wm, self._nhwc_cols(win, n0, n1, groups).transpose(0, 2, 1))  # (G, O/G, nb*oh*ow)
            src = res.reshape(groups, og, n1 - n0, oh, ow).transpose(2, 0, 1, 3, 4)
            if b is None:
                xp.copyto(out[n0:n1], src)
            else:
                xp.add(src, b, out=out[n0:n1])
        return out.reshape(n, o, oh, ow)

    def conv2d_backward_input(self, grad, w, input_shape, stride, padding, dilation, groups):
        xp = self.xp
        n, c, h, wd = input_shape
        o, cg, kh, kw = w.shape
        oh, ow = grad.shape[2], grad.shape[3]
        (top, bottom), (left, right) = padding
        rows = [self._window_slice(i * dilation[0], stride[0], oh) for i in range(kh)]
        cols = [self._window_slice(j * dilation[1], stride[1], ow) for j in range(kw)]
        if self._conv_nchw(c, kh, kw, stride, padding, groups):
            k, length = c * kh * kw, oh * ow
            gxp = xp.zeros((n, c, h + top + bottom, wd + left + right), grad.dtype)
            wt = w.reshape(o, k).T
            g = grad.reshape(n, o, length)
            for n0, n1 in self._batch_chunks(n, k * length):
                gc = xp.matmul(wt, g[n0:n1]).reshape(n1 - n0, c, kh, kw, oh, ow)
                for i in range(kh):
                    for j in range(kw):
                        gxp[n0:n1, :, rows[i], cols[j]] += gc[:, :, i, j]
            if top or bottom or left or right:
                return xp.ascontiguousarray(gxp[:, :, top:top + h, left:left + wd])
            return gxp
        og = o // groups
        gr = self._grad_rows_nhwc(grad, groups)  # (G, N*oh*ow, O/G)
        wk = xp.ascontiguousarray(w.reshape(groups, og, cg, kh, kw).transpose(0, 3, 4, 1, 2)).reshape(
            groups, kh * kw, og, cg)
        gxh = xp.zeros((n, h + top + bottom, wd + left + right, groups, cg), grad.dtype)
        length = oh * ow
        for n0, n1 in self._batch_chunks(n, length * kh * kw * c):
            gc = xp.matmul(gr[:, None, n0 * length:n1 * length], wk)  # (G, kh*kw, nb*oh*ow, Cg)
            for i in range(kh):
                for j in range(kw):
                    piece = gc[:, i * kw + j].reshape(groups, n1 - n0, oh, ow, cg).transpose(1, 2, 3, 0, 4)
                    gxh[n0:n1, rows[i], cols[j]] += piece
        gxh = gxh.reshape(n, h + top + bottom, wd + left + right, c)[:, top:top + h, left:left + wd]
        return xp.ascontiguousarray(gxh.transpose(0, 3, 1, 2))

    def conv2d_backward_weight(self, grad, x, weight_shape, stride, padding, dilation, groups):
        xp = self.xp
        n, c = x.shape[:2]
        o, cg, kh, kw = weight_shape
        oh, ow = grad.shape[2], grad.shape[3]
        (top, bottom), (left, right) = padding
        length = oh * ow
        if self._conv_nchw(c, kh, kw, stride, padding, groups):
            k = c * kh * kw
            win = self._conv_windows(self._pad_planes(x, top, bottom, left, right, 0), kh, kw, oh, ow, stride,
                                     dilation, False)
            g = grad.reshape(n, o, length)
            gw = xp.zeros((o, k), grad.dtype)
            for n0, n1 in self._batch_chunks(n, max(k, o) * length):
                part = xp.ascontiguousarray(win[n0:n1]).reshape(n1 - n0, k, length)
                gw += xp.matmul(g[n0:n1], part.transpose(0, 2, 1)).sum(axis=0)
            return gw.reshape(o, cg, kh, kw)
        og = o // groups
        win = self._conv_windows(self._pad_planes(x, top, bottom, left, right, 0, channels_last=True), kh, kw, oh, ow,
                                 stride, dilation, True)
        gr = self._grad_rows_nhwc(grad, groups)
        gw = xp.zeros((groups, og, kh * kw * cg), grad.dtype)
        for n0, n1 in self._batch_chunks(n, length * kh * kw * c):
            part = self._nhwc_cols(win, n0, n1, groups)  # (G, nb*oh*ow, kh*kw*Cg)
            gw += xp.matmul(gr[:, n0 * length:n1 * length].transpose(0, 2, 1), part)
        gw = gw.reshape(groups, og, kh, kw, cg).transpose(0, 1, 4, 2, 3)
        return xp.ascontiguousarray(gw).reshape(o, cg, kh, kw)

    def _pool_setup(self, x, kernel_size, stride, padding, dilation, ceil_mode, value):
        """Padded input, output size and the kernel-offset slices of a pooling."""
        n, c, h, w = x.shape
        oh = self.pool_output_size(h, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
        ow = self.pool_output_size(w, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)
        (top, bottom) = self.pool_padding(h, kernel_size[0], stride[0], padding[0], dilation[0], oh)
        (left, right) = self.pool_padding(w, kernel_size[1], stride[1], padding[1], dilation[1], ow)
        padded = self._pad_planes(x, top, bottom, left, right, value)
        keys = [(Ellipsis, self._window_slice(i * dilation[0], stride[0], oh),
                 self._window_slice(j * dilation[1], stride[1], ow))
                for i in range(kernel_size[0]) for j in range(kernel_size[1])]
        return padded, (oh, ow), ((top, bottom), (left, right)), keys

    def _crop_planes(self, padded, pads, shape):
        (top, _), (left, _) = pads
        if padded.shape == tuple(shape):
            return padded
        return self.xp.ascontiguousarray(padded[:, :, top:top + shape[2], left:left + shape[3]])

    @staticmethod
    def _overlapping(kernel_size, stride, dilation):
        return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel_size, stride, dilation))

    def max_pool2d_forward(self, x, kernel_size, stride, padding, dilation, ceil_mode):
        xp = self.xp
        padded, _, _, keys = self._pool_setup(x, kernel_size, stride, padding, dilation, ceil_mode, -np.inf)
        if len(keys) == 1:
            return xp.array(padded[keys[0]], copy=True)
        out = xp.maximum(padded[keys[0]], padded[keys[1]])
        for key in keys[2:]:
            xp.maximum(out, padded[key], out=out)
        return out

    def _may_hold_nan(self, nan):
        """Whether the bool array ``nan`` has a True (a host check; a GPU backend answers True, never syncing)."""
        return bool(nan.any())

    def _max_masks(self, padded, out, keys):
        """For each kernel offset, where it holds its window's first maximum (the first NaN for NaN)."""
        xp = self.xp
        nan = xp.isnan(out)
        has_nan = self._may_hold_nan(nan)
        free = None
        for k, key in enumerate(keys):
            m = xp.equal(padded[key], out)
            if has_nan:
                m |= xp.isnan(padded[key]) & nan
            if free is None:
                if len(keys) > 1:
                    free = xp.logical_not(m)
            else:
                m &= free
                if k < len(keys) - 1:
                    free ^= m
            yield key, m

    def max_pool2d_backward(self, grad, x, out, kernel_size, stride, padding, dilation, ceil_mode):
        xp = self.xp
        padded, _, pads, keys = self._pool_setup(x, kernel_size, stride, padding, dilation, ceil_mode, -np.inf)
        gxp = xp.zeros(padded.shape, grad.dtype)
        overlap = self._overlapping(kernel_size, stride, dilation)
        for key, m in self._max_masks(padded, out, keys):
            if overlap:
                gxp[key] += grad * m
            else:  # each position is in one window at most: write, don't add (copyto with where= is slow)
                xp.multiply(grad, m, out=gxp[key])
        return self._crop_planes(gxp, pads, x.shape)

    def max_pool2d_indices(self, x, out, kernel_size, stride, padding, dilation, ceil_mode):
        xp = self.xp
        padded, (oh, ow), _, keys = self._pool_setup(x, kernel_size, stride, padding, dilation, ceil_mode, -np.inf)
        width = x.shape[3]
        index = xp.zeros(out.shape, np.int64)
        shifts = [i * dilation[0] * width + j * dilation[1] for i in range(kernel_size[0])
                  for j in range(kernel_size[1])]
        for shift, (_, m) in zip(shifts, self._max_masks(padded, out, keys)):
            if shift:
                index += m * np.int64(shift)
        rows = xp.arange(oh, dtype=np.int64) * stride[0] - padding[0]
        cols = xp.arange(ow, dtype=np.int64) * stride[1] - padding[1]
        index += rows[:, None] * width + cols
        return index

    def avg_pool2d_forward(self, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
        padded, out_hw, _, keys = self._pool_setup(x, kernel_size, stride, padding, (1, 1), ceil_mode, 0)
        out = self.xp.array(padded[keys[0]], copy=True)
        for key in keys[1:]:
            out += padded[key]
        out /= self._avg_pool2d_divisor(x, x.shape[2:], out_hw, kernel_size, stride, padding, count_include_pad,
                                        divisor_override)
        return out

    def avg_pool2d_backward(self, grad, input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad,
                            divisor_override):
        xp = self.xp
        n, c, h, w = input_shape
        oh, ow = grad.shape[2], grad.shape[3]
        (top, bottom) = self.pool_padding(h, kernel_size[0], stride[0], padding[0], 1, oh)
        (left, right) = self.pool_padding(w, kernel_size[1], stride[1], padding[1], 1, ow)
        g = grad / self._avg_pool2d_divisor(grad, (h, w), (oh, ow), kernel_size, stride, padding,
                                            count_include_pad, divisor_override)
        gxp = xp.zeros((n, c, h + top + bottom, w + left + right), grad.dtype)
        overlap = self._overlapping(kernel_size, stride, (1, 1))
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                key = (Ellipsis, self._window_slice(i, stride[0], oh), self._window_slice(j, stride[1], ow))
                if overlap:
                    gxp[key] += g
                else:
                    gxp[key] = g
        return self._crop_planes(gxp, ((top, bottom), (left, right)), input_shape)
    # ==== convolution and pooling: optional fast paths (end) ============================


def factory() -> NumpyBackend:
    """Entry point of the ``numpy`` backend."""
    return NumpyBackend()

