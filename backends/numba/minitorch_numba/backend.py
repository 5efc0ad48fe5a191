"""The ``numba`` backend: the NumPy backend's arrays and views, with parallel Numba kernels where they are faster."""

from __future__ import annotations

import numpy as np

from minitorch.backends.numpy_backend import NumpyBackend

from . import conv, elementwise, optim, pooling, reductions, softmax
from .elementwise import is_float_array

_EMPTY = {np.dtype(np.float32): np.empty(0, np.float32), np.dtype(np.float64): np.empty(0, np.float64)}


def _flat(x: np.ndarray) -> np.ndarray | None:
    """A writable 1-D view of a C-contiguous float array, or None (then the caller falls back)."""
    if is_float_array(x) and x.flags.c_contiguous and x.flags.writeable:
        return x.reshape(-1)
    return None


class NumbaBackend(NumpyBackend):
    """NumPy arrays; Numba kernels for the hot paths of CNN training, each kept where it measured faster.

    In Numba: the data movement of the deep convolutions (channels-last copy, im2col, col2im and
    the layout changes around the GEMMs, which stay on BLAS), 2x2 max and average pooling, ReLU
    and its backward, bias broadcasts, the conv bias gradient's per-channel sum, softmax and
    cross-entropy, and the Adam-family updates. Everything else (views, other reductions, matmul,
    the shallow first-layer convolutions, the other poolings, SGD) is the NumPy backend's. Each
    override falls back to it for dtypes, layouts or shapes its kernels do not cover.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor([[-1.0, 2.0]], backend="numba", requires_grad=True)
        >>> x.relu().sum().backward()
        >>> x.grad.tolist(), x.backend
        ([[0.0, 1.0]], 'numba')
    """

    name = "numba"
    device = "cpu"

    # ---- elementwise -----------------------------------------------------------------------
    def binary(self, op, a, b):
        # ReLU's forward, maximum(x, 0): one pass, 4x faster than np.maximum on the MNIST shapes.
        if (op == "maximum" and is_float_array(a) and a.flags.c_contiguous and a.size
                and type(b) in (int, float) and b == b):
            out = np.empty(a.shape, a.dtype)
            elementwise.maximum_scalar(out.size, a.reshape(-1), a.dtype.type(b), out.reshape(-1))
            return out
        if (op in elementwise.BIAS_OPS and type(a) is np.ndarray and type(b) is np.ndarray
                and max(a.size, b.size) >= self.bias_min_size):
            out = self._bias_binary(op, a, b)
            if out is not None:
                return out
        return super().binary(op, a, b)

    # Bias broadcasts run in Numba on at least this many elements, in runs (planes, rows) at least
    # this long: below either, NumPy's broadcast loop measured as fast or faster.
    bias_min_size = 1 << 14
    bias_min_run = 16

    def _bias_binary(self, op, a, b):
        """``a op b`` where one is a C-contiguous NCHW or (N, F) float array and the other its bias, else None.

        Bias shapes: (1, C, 1, 1) or (C, 1, 1) against NCHW, (1, F) or (F,) against (N, F); one
        pass over the large operand, split by plane (or row), instead of NumPy's broadcast loop.
        """
        if not (is_float_array(a) and a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous):
            return None
        bias_first = a.size < b.size
        big, bias = (b, a) if bias_first else (a, b)
        code = elementwise.BIAS_OPS[op]
        if (big.ndim == 4 and bias.shape in ((1, big.shape[1], 1, 1), (big.shape[1], 1, 1))
                and big.shape[2] * big.shape[3] >= self.bias_min_run):
            n, c = big.shape[:2]
            out = np.empty(big.shape, big.dtype)
            elementwise.per_channel(big.size, big.reshape(n, c, -1), bias.reshape(-1), code, bias_first,
                                    out.reshape(n, c, -1))
            return out
        if big.ndim == 2 and bias.shape in ((1, big.shape[1]), (big.shape[1],)) and big.shape[1] >= self.bias_min_run:
            out = np.empty(big.shape, big.dtype)
            elementwise.per_column(big.size, big, bias.reshape(-1), code, bias_first, out)
            return out
        return None

    def where(self, cond, a, b):
        # The fused case is ReLU's backward, where(y > 0, g, 0): one pass, no masks or temporaries.
        if isinstance(cond, np.ndarray) and cond.dtype == np.bool_ and cond.flags.c_contiguous:
            if is_float_array(a) and not isinstance(b, np.ndarray) and a.shape == cond.shape and a.flags.c_contiguous:
                out = np.empty(a.shape, a.dtype)
                elementwise.select_scalar(out.size, cond.reshape(-1), a.reshape(-1), a.dtype.type(b), out.reshape(-1))
                return out
            if is_float_array(b) and not isinstance(a, np.ndarray) and b.shape == cond.shape and b.flags.c_contiguous:
                out = np.empty(b.shape, b.dtype)
                elementwise.select_scalar_first(out.size, cond.reshape(-1), b.dtype.type(a), b.reshape(-1),
                                                out.reshape(-1))
                return out
        return super().where(cond, a, b)

    def reduce(self, op, x, axes, keepdims):
        # The conv bias gradient, sum over (0, 2, 3) of NCHW: one pass, split by channel.
        if op == "sum" and tuple(axes) == (0, 2, 3) and is_float_array(x) and x.ndim == 4 and x.flags.c_contiguous:
            n, c = x.shape[:2]
            out = np.empty(c, x.dtype)
            reductions.sum_per_channel(x.size, x.reshape(n, c, -1), out)
            return out.reshape(1, c, 1, 1) if keepdims else out
        return super().reduce(op, x, axes, keepdims)

    # Row kernels (softmax, log-softmax, cross-entropy) on rows at most this long. They win by
    # doing in one call what NumPy does in five (0.55-0.75x at 2-16 classes, any batch size); from
    # about 32 classes NumPy's SIMD exp is faster than Numba's scalar one (2.7x at 1000 classes).
    row_kernel_max_width = 16

    def _softmax_rows(self, x, axis):
        """``x`` as C-contiguous rows when ``axis`` is its last, of at most ``row_kernel_max_width``, and it is a
        non-empty float array; else None."""
        if (is_float_array(x) and x.ndim >= 1 and axis == x.ndim - 1 and x.size > 0
                and x.shape[-1] <= self.row_kernel_max_width):
            return np.ascontiguousarray(x).reshape(-1, x.shape[-1])
        return None

    def log_softmax(self, x, axis):
        rows = self._softmax_rows(x, axis)
        if rows is None:
            return super().log_softmax(x, axis)
        out = np.empty(rows.shape, x.dtype)
        softmax.log_softmax_rows(out.size, rows, out)
        return out.reshape(x.shape)

    def softmax(self, x, axis):
        rows = self._softmax_rows(x, axis)
        if rows is None:
            return super().softmax(x, axis)
        out = np.empty(rows.shape, x.dtype)
        softmax.softmax_rows(out.size, rows, out)
        return out.reshape(x.shape)

    def cross_entropy_forward(self, x, target, weight_t):
        # The backward stays on NumPy: it is one exp over the whole array, which NumPy's SIMD exp
        # does 1.5-5x faster than a Numba loop at every shape measured.
        rows = self._softmax_rows(x, 1) if x.ndim == 2 and weight_t.dtype == x.dtype else None
        if rows is None:
            return super().cross_entropy_forward(x, target, weight_t)
        loss, logp = np.empty(x.shape[0], x.dtype), np.empty(x.shape, x.dtype)
        softmax.cross_entropy_rows(x.size, rows, np.ascontiguousarray(target, np.int64),
                                   np.ascontiguousarray(weight_t), loss, logp)
        return loss, logp

    # ---- convolutions: channels-last im2col / col2im in Numba around one BLAS GEMM per batch chunk ----
    # Taken for the convolutions the NumPy backend runs channels-last (C*kh*kw > 32, groups 1); the
    # shallow first layers keep its NCHW path, whose GEMM also adds the bias. Most im2col elements
    # per batch chunk: 16 MiB of float32 columns, still in L3 when the GEMM reads them.
    conv_chunk = 1 << 22

    def _conv_numba(self, x_shape, w_shape, stride, padding, groups, *arrays) -> bool:
        """Whether the Numba convolution applies: float arrays (None skipped) of one dtype, deep columns, one group."""
        present = [a for a in arrays if a is not None]
        return (groups == 1 and all(is_float_array(a) and a.dtype == present[0].dtype for a in present)
                and not self._conv_nchw(x_shape[1], w_shape[2], w_shape[3], stride, padding, groups))

    def _columns(self, x, kh, kw, stride, padding, dilation, oh, ow):
        """Yield ``(n0, n1, cols)``: the im2col rows ``((n1-n0)*oh*ow, kh*kw*C)`` of each batch chunk of ``x``."""
        (top, bottom), (left, right) = padding
        n, c, h, w = x.shape
        xp = np.empty((n, h + top + bottom, w + left + right, c), x.dtype)
        conv.to_channels_last(x.size, np.ascontiguousarray(x), top, left, xp)
        k = kh * kw * c
        for n0, n1 in self._batch_chunks(n, k * oh * ow, self.conv_chunk):
            cols = np.empty(((n1 - n0) * oh * ow, k), x.dtype)
            conv.im2col(cols.size, xp[n0:n1], kh, kw, *stride, *dilation, oh, ow, cols)
            yield n0, n1, cols

    @staticmethod
    def _grad_by_channel(grad):
        """``grad`` (N, O, oh, ow) as ``(O, N*oh*ow)``: its transpose is the GEMM rows of both backward passes."""
        n, o = grad.shape[:2]
        by_channel = np.empty((o, n, grad.shape[2] * grad.shape[3]), grad.dtype)
        conv.swap_leading(by_channel.size, np.ascontiguousarray(grad).reshape(n, o, -1), by_channel)
        return by_channel.reshape(o, -1)

    def conv2d_forward(self, x, w, bias, stride, padding, dilation, groups):
        if not self._conv_numba(x.shape, w.shape, stride, padding, groups, x, w, bias):
            return super().conv2d_forward(x, w, bias, stride, padding, dilation, groups)
        n = x.shape[0]
        o, c, kh, kw = w.shape
        oh, ow = self._conv_geometry(x.shape, w.shape, stride, padding, dilation)
        wt = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(kh * kw * c, o)  # (K, O), K ordered (i, j, c)
        add = _EMPTY[x.dtype] if bias is None else np.ascontiguousarray(bias)
        out = np.empty((n, o, oh * ow), x.dtype)
        for n0, n1, cols in self._columns(x, kh, kw, stride, padding, dilation, oh, ow):
            rows = np.matmul(cols, wt).reshape(n1 - n0, oh * ow, o)
            conv.rows_to_nchw(rows.size, rows, add, out[n0:n1])
        return out.reshape(n, o, oh, ow)

    def conv2d_backward_input(self, grad, w, input_shape, stride, padding, dilation, groups):
        if not self._conv_numba(input_shape, w.shape, stride, padding, groups, grad, w):
            return super().conv2d_backward_input(grad, w, input_shape, stride, padding, dilation, groups)
        n = input_shape[0]
        o, c, kh, kw = w.shape
        oh, ow = grad.shape[2], grad.shape[3]
        length, k = oh * ow, kh * kw * c
        wm = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(o, k)  # (O, K), K ordered (i, j, c)
        by_channel = self._grad_by_channel(grad)
        gx = np.empty(input_shape, grad.dtype)
        for n0, n1 in self._batch_chunks(n, k * length, self.conv_chunk):
            cols = np.empty(((n1 - n0) * length, k), grad.dtype)
            np.matmul(by_channel[:, n0 * length:n1 * length].T, wm, out=cols)
            conv.col2im(cols.size, cols, kh, kw, *stride, *dilation, oh, ow, padding[0][0], padding[1][0],
                        gx[n0:n1])
        return gx

    def conv2d_backward_weight(self, grad, x, weight_shape, stride, padding, dilation, groups):
        if not self._conv_numba(x.shape, weight_shape, stride, padding, groups, grad, x):
            return super().conv2d_backward_weight(grad, x, weight_shape, stride, padding, dilation, groups)
        o, c, kh, kw = weight_shape
        length = grad.shape[2] * grad.shape[3]
        by_channel = self._grad_by_channel(grad)
        gw = None
        for n0, n1, cols in self._columns(x, kh, kw, stride, padding, dilation, grad.shape[2], grad.shape[3]):
            part = np.matmul(by_channel[:, n0 * length:n1 * length], cols)  # (O, K)
            gw = part if gw is None else gw + part
        return np.ascontiguousarray(gw.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))

    # ---- pooling ------------------------------------------------------------------------------
    # 2x2 windows with stride 2 run whole-plane Numba kernels (faster on every plane size we
    # measured, 10x10 to 32x32); other poolings are the NumPy backend's.
    def _pool_2x2(self, shape, kernel_size, stride, padding, dilation, ceil_mode) -> bool:
        """Whether the Numba 2x2 kernels apply to an NCHW ``shape``: 2x2 windows, stride 2, no padding, floor mode."""
        return (len(shape) == 4 and tuple(kernel_size) == (2, 2) and tuple(stride) == (2, 2)
                and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
                and (not ceil_mode or (shape[2] % 2 == 0 and shape[3] % 2 == 0))
                and shape[2] >= 2 and shape[3] >= 2)

    def max_pool2d_forward(self, x, kernel_size, stride, padding, dilation, ceil_mode):
        if not (is_float_array(x) and self._pool_2x2(x.shape, kernel_size, stride, padding, dilation, ceil_mode)):
            return super().max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode)
        out = np.empty(x.shape[:2] + (x.shape[2] // 2, x.shape[3] // 2), x.dtype)
        if out.size:
            pooling.forward_2x2(x.size, np.ascontiguousarray(x), True, x.dtype.type(1), out)
        return out

    def max_pool2d_backward(self, grad, x, out, kernel_size, stride, padding, dilation, ceil_mode):
        if not (is_float_array(x) and grad.dtype == x.dtype
                and self._pool_2x2(x.shape, kernel_size, stride, padding, dilation, ceil_mode)):
            return super().max_pool2d_backward(grad, x, out, kernel_size, stride, padding, dilation, ceil_mode)
        gx = np.empty(x.shape, x.dtype)
        if x.size:
            grad, x, out = (np.ascontiguousarray(a) for a in (grad, x, out))
            pooling.max_backward_2x2(x.size, grad, x, out, gx)
        return gx

    def avg_pool2d_forward(self, x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
        if not (is_float_array(x) and self._pool_2x2(x.shape, kernel_size, stride, padding, (1, 1), ceil_mode)):
            return super().avg_pool2d_forward(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                              divisor_override)
        out = np.empty(x.shape[:2] + (x.shape[2] // 2, x.shape[3] // 2), x.dtype)
        if out.size:
            pooling.forward_2x2(x.size, np.ascontiguousarray(x), False, x.dtype.type(divisor_override or 4), out)
        return out

    def avg_pool2d_backward(self, grad, input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad,
                            divisor_override):
        if not (is_float_array(grad) and self._pool_2x2(input_shape, kernel_size, stride, padding, (1, 1), ceil_mode)):
            return super().avg_pool2d_backward(grad, input_shape, kernel_size, stride, padding, ceil_mode,
                                               count_include_pad, divisor_override)
        gx = np.empty(input_shape, grad.dtype)
        if gx.size:
            pooling.avg_backward_2x2(gx.size, np.ascontiguousarray(grad), grad.dtype.type(divisor_override or 4), gx)
        return gx

    # ---- fused optimizer updates -------------------------------------------------------------
    # Parameters smaller than this stay on the NumPy backend's update (call overhead dominates there).
    optimizer_min_size = 256

    def _state(self, *arrays):
        """Flat views of ``arrays`` (None stays None), or None when one cannot be used in place."""
        if arrays[0].size < self.optimizer_min_size:
            return None
        flats = []
        for a in arrays:
            if a is None:
                flats.append(None)
                continue
            f = _flat(a)
            if f is None:
                return None
            flats.append(f)
        return flats

    @staticmethod
    def _grad(param, grad):
        if not isinstance(grad, np.ndarray) or grad.dtype != param.dtype or grad.shape != param.shape:
            return None
        return np.ascontiguousarray(grad).reshape(-1)

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                    weight_decay, decoupled_weight_decay, step_size, bias_correction2_sqrt, maximize):
        state = self._state(param, exp_avg, exp_avg_sq, max_exp_avg_sq)
        g = self._grad(param, grad) if state else None
        if g is None:
            return super().adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr=lr, beta1=beta1,
                                       beta2=beta2, eps=eps, weight_decay=weight_decay,
                                       decoupled_weight_decay=decoupled_weight_decay, step_size=step_size,
                                       bias_correction2_sqrt=bias_correction2_sqrt, maximize=maximize)
        t = param.dtype.type
        w = 1 - beta1
        max_sq = _EMPTY[param.dtype] if state[3] is None else state[3]
        optim.adam(param.size, state[0], g, state[1], state[2], max_sq, t(w), t(1 - w), t(beta2), t(1 - beta2),
                   t(eps), t(weight_decay), decoupled_weight_decay, t(1 - lr * weight_decay), t(step_size),
                   t(bias_correction2_sqrt), maximize)

    def rmsprop_update(self, param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                       weight_decay, momentum, maximize):
        state = self._state(param, square_avg, grad_avg, momentum_buffer)
        g = self._grad(param, grad) if state else None
        if g is None:
            return super().rmsprop_update(param, grad, square_avg, grad_avg, momentum_buffer, lr=lr, alpha=alpha,
                                          eps=eps, weight_decay=weight_decay, momentum=momentum, maximize=maximize)
        t = param.dtype.type
        empty = _EMPTY[param.dtype]
        optim.rmsprop(param.size, state[0], g, state[1], empty if state[2] is None else state[2],
                      empty if state[3] is None else state[3], t(lr), t(alpha), t(1 - alpha), t(1 - (1 - alpha)),
                      t(eps), t(weight_decay), t(momentum), maximize)

    def nadam_update(self, param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                     decoupled_weight_decay, bias_correction2, grad_coef, exp_avg_coef, maximize):
        state = self._state(param, exp_avg, exp_avg_sq)
        g = self._grad(param, grad) if state else None
        if g is None:
            return super().nadam_update(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                                        weight_decay=weight_decay, decoupled_weight_decay=decoupled_weight_decay,
                                        bias_correction2=bias_correction2, grad_coef=grad_coef,
                                        exp_avg_coef=exp_avg_coef, maximize=maximize)
        t = param.dtype.type
        w = 1 - beta1
        optim.nadam(param.size, state[0], g, state[1], state[2], t(w), t(1 - w), t(beta2), t(1 - beta2), t(eps),
                    t(weight_decay), decoupled_weight_decay, t(1 - lr * weight_decay), t(bias_correction2),
                    t(grad_coef), t(exp_avg_coef), maximize)

    def adagrad_update(self, param, grad, state_sum, *, clr, eps, weight_decay, maximize):
        state = self._state(param, state_sum)
        g = self._grad(param, grad) if state else None
        if g is None:
            return super().adagrad_update(param, grad, state_sum, clr=clr, eps=eps, weight_decay=weight_decay,
                                          maximize=maximize)
        t = param.dtype.type
        optim.adagrad(param.size, state[0], g, state[1], t(clr), t(eps), t(weight_decay), maximize)
