"""Fused optimizer updates: one parallel pass over each parameter, writing it and its state in place."""

from __future__ import annotations

import math

from numba import njit, prange

from ._jit import kernel

# Arrays are flat (C-contiguous parameters and state, viewed 1-D); the scalars are of the
# parameter's dtype, so float32 arithmetic rounds as the NumPy backend's does. The formulas
# follow the NumPy backend's order of operations (PyTorch's ``torch.lerp`` for the moments).


@njit(inline="always", cache=True)
def _adam_moments(p, raw_grad, m, v, w, w_c, beta2, beta2_c, weight_decay, decoupled, decay,
                  maximize):  # pragma: no cover - compiled
    """The start Adam, AdamW and NAdam share, for one element: weight decay, then both moments.

    Returns the decayed parameter, the effective gradient and the new first and second moments.
    """
    if weight_decay != 0 and decoupled:
        p *= decay
    g = -raw_grad if maximize else raw_grad
    if weight_decay != 0 and not decoupled:
        g = g + p * weight_decay
    d = g - m
    m = m + d * w if w < 0.5 else g - d * w_c
    v = v * beta2 + g * beta2_c * g
    return p, g, m, v


@kernel()
def adam(param, grad, exp_avg, exp_avg_sq, max_sq, w, w_c, beta2, beta2_c, eps, weight_decay, decoupled, decay,
         step_size, bc2_sqrt, maximize):  # pragma: no cover - compiled
    """Adam/AdamW, AMSGrad when ``max_sq`` is not empty; ``w = 1 - beta1``, ``*_c = 1 - *``, ``decay = 1 - lr*wd``."""
    amsgrad = max_sq.size > 0
    for i in prange(param.size):
        p, g, m, v = _adam_moments(param[i], grad[i], exp_avg[i], exp_avg_sq[i], w, w_c, beta2, beta2_c,
                                   weight_decay, decoupled, decay, maximize)
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            mx = max_sq[i]
            if v > mx or v != v:
                mx = v
            max_sq[i] = mx
            v = mx
        denom = math.sqrt(v) / bc2_sqrt + eps
        param[i] = p + (m * -step_size) / denom


@kernel()
def rmsprop(param, grad, square_avg, grad_avg, buf, lr, alpha, alpha_c, w_c, eps, weight_decay, momentum,
            maximize):  # pragma: no cover - compiled
    """RMSprop: centered when ``grad_avg`` is not empty, momentum when ``buf`` is; ``alpha_c = 1 - alpha``."""
    centered = grad_avg.size > 0
    use_buf = momentum > 0 and buf.size > 0
    for i in prange(param.size):
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + param[i] * weight_decay
        sq = square_avg[i] * alpha + g * alpha_c * g
        square_avg[i] = sq
        if centered:
            a = grad_avg[i]
            d = g - a
            a = a + d * alpha_c if alpha_c < 0.5 else g - d * w_c
            grad_avg[i] = a
            avg = math.sqrt(sq - a * a) + eps
        else:
            avg = math.sqrt(sq) + eps
        if use_buf:
            b = buf[i] * momentum + g / avg
            buf[i] = b
            param[i] += b * -lr
        else:
            param[i] += (g * -lr) / avg


@kernel()
def nadam(param, grad, exp_avg, exp_avg_sq, w, w_c, beta2, beta2_c, eps, weight_decay, decoupled, decay,
          bias_correction2, grad_coef, exp_avg_coef, maximize):  # pragma: no cover - compiled
    """NAdam: ``param += grad_coef * g / denom + exp_avg_coef * exp_avg / denom``."""
    for i in prange(param.size):
        p, g, m, v = _adam_moments(param[i], grad[i], exp_avg[i], exp_avg_sq[i], w, w_c, beta2, beta2_c,
                                   weight_decay, decoupled, decay, maximize)
        exp_avg[i] = m
        exp_avg_sq[i] = v
        denom = math.sqrt(v / bias_correction2) + eps
        p = p + (g * grad_coef) / denom
        param[i] = p + (m * exp_avg_coef) / denom


@kernel()
def adagrad(param, grad, state_sum, clr, eps, weight_decay, maximize):  # pragma: no cover - compiled
    """Adagrad with the decayed learning rate ``clr``."""
    for i in prange(param.size):
        g = -grad[i] if maximize else grad[i]
        if weight_decay != 0:
            g = g + param[i] * weight_decay
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] += (g * -clr) / (math.sqrt(s) + eps)
