"""Activation functions: relu, leaky_relu, elu, gelu, sigmoid, tanh, softmax and log_softmax."""

from __future__ import annotations

import math
import warnings
from typing import Any

from ... import autograd
from ...dtypes import DType, float64
from ...functions import exp, where
from ...functions import log_softmax as _log_softmax
from ...functions import relu as _relu
from ...functions import sigmoid as _sigmoid
from ...functions import softmax as _softmax
from ...functions import tanh as _tanh
from ...tensor import Tensor

__all__ = ["relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax"]


def _check_float(op: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype} (convert with .float())")


def _maybe_inplace(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    """With ``inplace``, write ``result`` into ``input`` unless autograd is recording ``input``.

    minitorch does not record in-place operations, so for a tensor in the graph the
    result comes back as a new tensor (``x = F.relu(x, inplace=True)`` works either way).
    """
    if not inplace or (autograd.is_grad_enabled() and input.requires_grad):
        return result
    return input._inplace(result)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, ``max(x, 0)``; the gradient at 0 is 0, as in PyTorch.

    Args:
        input: any tensor.
        inplace: write the result into ``input`` (only when autograd is not recording it).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.relu(mt.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return _maybe_inplace(input, _relu(input), inplace)


class _LeakyRelu(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, slope: float) -> Tensor:
        positive = x > 0
        ctx.save_for_backward(positive)
        return where(positive, x, x * slope)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (positive,) = ctx.saved_tensors
        return where(positive, g, g * ctx._inputs[1]), None


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    Args:
        input: a floating point tensor.
        negative_slope: the slope for negative inputs (also the gradient at 0, as in PyTorch).
        inplace: write the result into ``input`` (only when autograd is not recording it).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.leaky_relu(mt.tensor([-2.0, 3.0]), negative_slope=0.1)
        tensor([-0.2,  3. ])
    """
    _check_float("leaky_relu", input)
    return _maybe_inplace(input, _LeakyRelu.apply(input, float(negative_slope)), inplace)


class _Elu(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, alpha: float) -> Tensor:
        positive = x > 0
        y = where(positive, x, (exp(where(positive, 0.0, x)) - 1) * alpha)
        ctx.save_for_backward(positive, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        positive, y = ctx.saved_tensors
        x, alpha = ctx._inputs
        if autograd.is_grad_enabled():  # create_graph: keep the slope a function of x
            slope = exp(where(positive, 0.0, x)) * alpha
        else:
            slope = y + alpha  # alpha * exp(x) on the negative side
        return where(positive, g, g * slope), None


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        input: a floating point tensor.
        alpha: the value the negative side saturates to is ``-alpha``.
        inplace: write the result into ``input`` (only when autograd is not recording it).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.elu(mt.tensor([-1.0, 2.0], dtype=mt.float64))
        tensor([-0.6321,  2.    ], dtype=minitorch.float64)
    """
    _check_float("elu", input)
    return _maybe_inplace(input, _Elu.apply(input, float(alpha)), inplace)


# ---- the normal CDF for the exact GELU -------------------------------------------------
# erfc is built from tensor ops, so every backend runs it. In float64: W. J. Cody's rational
# Chebyshev approximations (Math. Comp. 23, 1969; SPECFUN's CALERF), relative error of erfc
# below 1e-14 for |z| <= 10 and below 1e-12 in the far tail (the rounding of exp(-z*z)).
# In float32, where that is more than the dtype resolves: the single-formula Chebyshev fit of
# Numerical Recipes (erfcc, fit error below 1.2e-7 relative), three times cheaper; with float32
# rounding the absolute error stays below 3e-7 (relative 2e-5 in the far tail, from exp(-z*z)).
# The tests check both against math.erfc.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_INV_SQRT_PI = 0.56418958354775628695
_SMALL, _LARGE = 0.46875, 4.0
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf_small(x: Tensor) -> Tensor:
    """erf(x) for |x| <= 0.5."""
    ysq = x * x
    num, den = ysq * _A[4], ysq
    for i in range(3):
        num, den = (num + _A[i]) * ysq, (den + _B[i]) * ysq
    return x * (num + _A[3]) / (den + _B[3])


def _erfc_mid(y: Tensor) -> Tensor:
    """erfc(y) for 0.46875 <= y <= 4."""
    num, den = y * _C[8], y
    for i in range(7):
        num, den = (num + _C[i]) * y, (den + _D[i]) * y
    return exp(-(y * y)) * (num + _C[7]) / (den + _D[7])


def _erfc_large(y: Tensor) -> Tensor:
    """erfc(y) for y >= 4."""
    ysq = 1.0 / (y * y)
    num, den = ysq * _P[5], ysq
    for i in range(4):
        num, den = (num + _P[i]) * ysq, (den + _Q[i]) * ysq
    r = ysq * (num + _P[4]) / (den + _Q[4])
    return exp(-(y * y)) * (_INV_SQRT_PI - r) / y


_NR = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
       1.48851587, -0.82215223, 0.17087277)


def _erfc_chebyshev(a: Tensor) -> Tensor:
    """erfc(a) for a >= 0, relative error below 1.2e-7 (Numerical Recipes' erfcc)."""
    t = 1.0 / (a * 0.5 + 1.0)
    poly = t * _NR[9]
    for c in _NR[8:0:-1]:
        poly = (poly + c) * t
    return t * exp(poly + (_NR[0] - a * a))


def _erfc(z: Tensor) -> Tensor:
    """erfc(z) with small relative error everywhere (so tiny tails stay accurate); not recorded."""
    with autograd.no_grad():
        a = z.abs()
        if z.dtype is not float64:
            tail = _erfc_chebyshev(a)
            return where(z >= 0, tail, 2.0 - tail)
        tail = where(a < _LARGE, _erfc_mid(a.clamp(_SMALL, _LARGE)), _erfc_large(a.clamp(min=_LARGE)))
        outer = where(z > 0, tail, 2.0 - tail)
        return where(a < _SMALL, 1.0 - _erf_small(z.clamp(-0.5, 0.5)), outer)


def _normal_cdf_values(x: Tensor) -> Tensor:
    return _erfc(x * -_SQRT_HALF) * 0.5


def _normal_pdf(x: Tensor) -> Tensor:
    return exp(x * x * -0.5) * _INV_SQRT_2PI


class _NormalCdf(autograd.Function):
    """Phi(x), the standard normal CDF; its gradient is the density (differentiable again)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        return _normal_cdf_values(x)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        return g * _normal_pdf(ctx._inputs[0])


_TANH_K = math.sqrt(2.0 / math.pi)
_TANH_C = 0.044715


class _Gelu(autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, approximate: str) -> Tensor:
        if approximate == "tanh":
            s = _tanh((x + x * x * x * _TANH_C) * _TANH_K)
            y = x * (s + 1.0) * 0.5
        else:
            s = _normal_cdf_values(x)
            y = x * s
        ctx.save_for_backward(s)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        x, approximate = ctx._inputs
        (s,) = ctx.saved_tensors
        recompute = autograd.is_grad_enabled()  # create_graph: s must stay a function of x
        if approximate == "tanh":
            if recompute:
                s = _tanh((x + x * x * x * _TANH_C) * _TANH_K)
            inner = (x * x * (3 * _TANH_C) + 1.0) * _TANH_K
            slope = (s + 1.0) * 0.5 + x * (1.0 - s * s) * inner * 0.5
        else:
            if recompute:
                s = _NormalCdf.apply(x)
            slope = s + x * _normal_pdf(x)
        return g * slope, None


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, ``x * Phi(x)`` with Phi the standard normal CDF.

    With ``approximate='none'`` Phi is computed from erfc built from the core ops: W. J. Cody's
    rational approximations in float64 (relative error below 1e-14 for ``|x| < 14``, 1e-12
    beyond), a Chebyshev fit in float32 (absolute error below 3e-7);
    with ``approximate='tanh'``, ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``.
    Gradients are analytic (and differentiable again).

    Args:
        input: a floating point tensor.
        approximate: ``'none'`` (exact) or ``'tanh'``.

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.gelu(mt.tensor([-1.0, 0.0, 1.0], dtype=mt.float64))
        tensor([-0.1587,  0.    ,  0.8413], dtype=minitorch.float64)
    """
    _check_float("gelu", input)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _Gelu.apply(input, approximate)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic function ``1 / (1 + exp(-x))``, stable for large magnitudes.

    Args:
        input: any tensor (integers become the default float dtype).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.sigmoid(mt.tensor([0.0, 1e4]))
        tensor([0.5, 1. ])
    """
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Args:
        input: any tensor (integers become the default float dtype).

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.tanh(mt.tensor([0.0, 100.0]))
        tensor([0., 1.])
    """
    return _tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: DType | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, stable for large magnitudes.

    Args:
        input: a tensor.
        dim: the dim that sums to 1. Leaving it out picks one as PyTorch's deprecated rule
            does (0 for 0-, 1- and 3-d inputs, else 1) with a warning.
        dtype: convert the input to this dtype first.

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.softmax(mt.tensor([[1.0, 1.0], [0.0, 1e4]]), dim=1)
        tensor([[0.5, 0.5],
                [0. , 1. ]])
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: DType | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, stable for large magnitudes.

    Args:
        input: a tensor.
        dim: the dim to normalise over (left out: PyTorch's deprecated implicit choice, with a warning).
        dtype: convert the input to this dtype first.

    Shape:
        Input ``(*)``, output the same shape.

    Example:
        >>> import minitorch as mt
        >>> import minitorch.nn.functional as F
        >>> F.log_softmax(mt.tensor([0.0, 0.0], dtype=mt.float64), dim=0)
        tensor([-0.6931, -0.6931], dtype=minitorch.float64)
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim)
