"""The ``numba`` backend: the NumPy backend's arrays and views, with parallel Numba kernels where they are faster."""

from __future__ import annotations

import numpy as np

from minitorch.backends.numpy_backend import NumpyBackend

from . import elementwise, optim, pooling
from .elementwise import is_float_array

_EMPTY = {np.dtype(np.float32): np.empty(0, np.float32), np.dtype(np.float64): np.empty(0, np.float64)}


def _flat(x: np.ndarray) -> np.ndarray | None:
    """A writable 1-D view of a C-contiguous float array, or None (then the caller falls back)."""
    if is_float_array(x) and x.flags.c_contiguous and x.flags.writeable:
        return x.reshape(-1)
    return None


class NumbaBackend(NumpyBackend):
    """NumPy arrays; max pooling 2x2, ReLU and its backward, softmax and the Adam-family updates in Numba.

    Everything else (views, reductions, matmul, the im2col + GEMM convolutions, the other
    poolings, SGD) is the NumPy backend's, which measured faster there. Each override falls
    back to it for dtypes, layouts or shapes its kernels do not cover.

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
        return super().binary(op, a, b)

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

    def _rows(self, x, axis):
        """``x`` as C-contiguous rows when ``axis`` is its last and it is a non-empty float array."""
        if is_float_array(x) and x.ndim >= 1 and axis == x.ndim - 1 and x.size > 0:
            return np.ascontiguousarray(x).reshape(-1, x.shape[-1])
        return None

    def log_softmax(self, x, axis):
        rows = self._rows(x, axis)
        if rows is None:
            return super().log_softmax(x, axis)
        out = np.empty(rows.shape, x.dtype)
        elementwise.log_softmax_rows(out.size, rows, out)
        return out.reshape(x.shape)

    def softmax(self, x, axis):
        rows = self._rows(x, axis)
        if rows is None:
            return super().softmax(x, axis)
        out = np.empty(rows.shape, x.dtype)
        elementwise.softmax_rows(out.size, rows, out)
        return out.reshape(x.shape)

    # ---- pooling ------------------------------------------------------------------------------
    # Convolutions stay on the NumPy backend's im2col + GEMM: measured on every conv of the MNIST
    # CNN and the CIFAR VGG, direct-loop Numba kernels were 1.1-45x slower (see README.md).
    # Average pooling and max pooling other than 2x2/stride 2 also measured slower: NumPy's.
    # Planes at least this wide go to the Numba 2x2 max-pooling kernels (narrower ones measured slower).
    max_pool_min_width = 16

    def _max_pool_2x2(self, x, kernel_size, stride, padding, dilation, ceil_mode) -> bool:
        """Whether the Numba 2x2 kernels apply: float NCHW, 2x2 windows, stride 2, no padding, floor mode."""
        return (is_float_array(x) and x.ndim == 4 and tuple(kernel_size) == (2, 2) and tuple(stride) == (2, 2)
                and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
                and (not ceil_mode or (x.shape[2] % 2 == 0 and x.shape[3] % 2 == 0))
                and x.shape[3] >= self.max_pool_min_width and x.shape[2] >= 2)

    def max_pool2d_forward(self, x, kernel_size, stride, padding, dilation, ceil_mode):
        if not self._max_pool_2x2(x, kernel_size, stride, padding, dilation, ceil_mode):
            return super().max_pool2d_forward(x, kernel_size, stride, padding, dilation, ceil_mode)
        out = np.empty(x.shape[:2] + (x.shape[2] // 2, x.shape[3] // 2), x.dtype)
        if out.size:
            pooling.max_forward_2x2(x.size, np.ascontiguousarray(x), out)
        return out

    def max_pool2d_backward(self, grad, x, out, kernel_size, stride, padding, dilation, ceil_mode):
        if not (self._max_pool_2x2(x, kernel_size, stride, padding, dilation, ceil_mode) and grad.dtype == x.dtype):
            return super().max_pool2d_backward(grad, x, out, kernel_size, stride, padding, dilation, ceil_mode)
        gx = np.empty(x.shape, x.dtype)
        if x.size:
            pooling.max_backward_2x2(x.size, np.ascontiguousarray(grad), np.ascontiguousarray(x), gx)
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
