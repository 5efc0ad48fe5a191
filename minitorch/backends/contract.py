"""The backend contract: the primitive ops a backend must provide and the fast paths it may.

A backend owns arrays of its own native type; the core owns autograd, shapes,
broadcasting rules and dtypes. The core calls only the methods below, so a
class that implements the required primitives runs every model. The optional
fast paths have generic implementations here, written with the primitives;
a backend overrides them when it has something faster.

Conventions every method follows:

* ``dtype`` arguments are minitorch dtype names: ``"float32"``, ``"float64"``,
  ``"int64"``, ``"bool"``.
* Native arrays expose ``.shape`` as a tuple of ints; nothing else is assumed.
* Binary ops receive two arrays of the same dtype, or one array and a Python
  scalar; shapes broadcast by NumPy rules (the core has already checked them).
* Results may be views of their inputs where the method says "view".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

CONTRACT_VERSION = 1

UNARY_OPS = ("neg", "exp", "log", "sqrt", "reciprocal", "abs", "sign", "sin", "cos", "tanh")
BINARY_OPS = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge")
REDUCE_OPS = ("sum", "prod", "max", "min")
ARG_REDUCE_OPS = ("argmax", "argmin")
COMPARISON_OPS = ("eq", "ne", "lt", "le", "gt", "ge")

Array = Any
IndexKey = tuple  # of int, slice (step > 0, bounds normalised) and native int64 arrays


class Backend:
    """Base class of every backend; subclasses implement the required primitives.

    Class attributes to set: ``name``, ``device``, ``dtypes`` (names supported),
    ``contract_version``.

    Example:
        >>> import minitorch as mt
        >>> b = mt.backends.get_backend("numpy")
        >>> b.name, b.device, b.contract_version
        ('numpy', 'cpu', 1)
    """

    name: str = "abstract"
    device: str = "cpu"
    dtypes: tuple[str, ...] = ("bool", "int64", "float32", "float64")
    contract_version: int = CONTRACT_VERSION

    # ---- creation and transfer -------------------------------------------------
    def from_numpy(self, array) -> Array:
        """A native array holding the values of a NumPy array (same dtype)."""
        raise NotImplementedError

    def to_numpy(self, x: Array):
        """A NumPy array holding the values of ``x``."""
        raise NotImplementedError

    def full(self, shape: tuple[int, ...], value: float | int | bool, dtype: str) -> Array:
        """A new array of ``shape`` filled with ``value``."""
        raise NotImplementedError

    # ---- elementwise -------------------------------------------------------------
    def unary(self, op: str, x: Array) -> Array:
        """Apply one of ``UNARY_OPS`` elementwise."""
        raise NotImplementedError

    def binary(self, op: str, a: Array | float, b: Array | float) -> Array:
        """Apply one of ``BINARY_OPS`` with broadcasting; comparisons return bool."""
        raise NotImplementedError

    def where(self, cond: Array, a: Array | float, b: Array | float) -> Array:
        """Elementwise ``a`` where ``cond`` else ``b``, with broadcasting."""
        raise NotImplementedError

    def astype(self, x: Array, dtype: str) -> Array:
        """``x`` converted to ``dtype`` (a new array)."""
        raise NotImplementedError

    # ---- reductions and products ------------------------------------------------
    def reduce(self, op: str, x: Array, axes: tuple[int, ...], keepdims: bool) -> Array:
        """Reduce over ``axes`` (non-negative, possibly empty) with one of ``REDUCE_OPS``."""
        raise NotImplementedError

    def arg_reduce(self, op: str, x: Array, axis: int) -> Array:
        """int64 indices of the first maximum/minimum along ``axis``, which is removed."""
        raise NotImplementedError

    def matmul(self, a: Array, b: Array) -> Array:
        """Batched matrix product of arrays with at least 2 dims; batch dims broadcast."""
        raise NotImplementedError

    # ---- views and copies -------------------------------------------------------
    def reshape(self, x: Array, shape: tuple[int, ...]) -> Array:
        """View (or copy when impossible) of ``x`` with a new shape of the same size."""
        raise NotImplementedError

    def permute(self, x: Array, axes: tuple[int, ...]) -> Array:
        """View of ``x`` with its axes reordered."""
        raise NotImplementedError

    def expand(self, x: Array, shape: tuple[int, ...]) -> Array:
        """Read-only broadcast view of ``x`` to ``shape``."""
        raise NotImplementedError

    def index(self, x: Array, key: IndexKey) -> Array:
        """``x[key]`` with NumPy semantics; a view when ``key`` has no arrays."""
        raise NotImplementedError

    def index_put(self, x: Array, key: IndexKey, values: Array | float) -> None:
        """In place: ``x[key] = values``."""
        raise NotImplementedError

    def index_add(self, x: Array, key: IndexKey, values: Array) -> None:
        """In place: add ``values`` at ``key``, accumulating repeated indices."""
        raise NotImplementedError

    def concatenate(self, xs: Sequence[Array], axis: int) -> Array:
        """Join arrays of equal shape except along ``axis``."""
        raise NotImplementedError

    def pad(self, x: Array, widths: tuple[tuple[int, int], ...], value: float) -> Array:
        """A new array: ``x`` surrounded by ``value``, ``widths[d]`` before/after dim d."""
        raise NotImplementedError

    def windows(self, x: Array, size: tuple[int, ...], stride: tuple[int, ...],
                dilation: tuple[int, ...]) -> Array:
        """Strided view of sliding windows over the trailing ``len(size)`` dims.

        For ``x`` of shape ``(*lead, *spatial)`` the result has shape
        ``(*lead, *out, *size)`` with ``out[i] = (spatial[i] - dilation[i]*(size[i]-1) - 1)
        // stride[i] + 1``.
        """
        raise NotImplementedError

    def copy(self, x: Array) -> Array:
        """A new contiguous array with the values of ``x``."""
        raise NotImplementedError

    def contiguous(self, x: Array) -> Array:
        """``x`` itself when already contiguous, else a contiguous copy."""
        return self.copy(x)

    # ---- host synchronisation (optional) ------------------------------------------
    # A backend whose work runs asynchronously (a GPU) crosses to the host only in ``to_numpy``;
    # these let the core validate data without forcing such a crossing in every call.
    def raise_if(self, flag: Array, make_error: Callable[[], Exception]) -> None:
        """Raise ``make_error()`` if the 0-d bool array ``flag`` is True.

        Checked now by default. An asynchronous backend may instead remember the check and
        raise at its next ``to_numpy`` or ``synchronize`` (as CUDA reports a failed device
        assertion at the next synchronisation), so a training step never waits for the device.
        """
        if bool(self.to_numpy(flag)):
            raise make_error()

    def synchronize(self) -> None:
        """Wait until all queued work has finished (for timing); raises any deferred ``raise_if`` error."""

    # ---- optional fast paths (generic versions built from the primitives) --------
    def sigmoid(self, x: Array) -> Array:
        """Numerically stable logistic function."""
        e = self.unary("exp", self.unary("neg", self.unary("abs", x)))
        one_plus = self.binary("add", e, 1)
        positive = self.binary("ge", x, 0)
        return self.where(positive, self.unary("reciprocal", one_plus), self.binary("div", e, one_plus))

    def log_softmax(self, x: Array, axis: int) -> Array:
        """``x - logsumexp(x)`` along ``axis``, stable for large magnitudes."""
        shifted = self.binary("sub", x, self.reduce("max", x, (axis,), True))
        total = self.reduce("sum", self.unary("exp", shifted), (axis,), True)
        return self.binary("sub", shifted, self.unary("log", total))

    def softmax(self, x: Array, axis: int) -> Array:
        """``exp(x) / sum(exp(x))`` along ``axis``, stable for large magnitudes."""
        e = self.unary("exp", self.binary("sub", x, self.reduce("max", x, (axis,), True)))
        return self.binary("div", e, self.reduce("sum", e, (axis,), True))

    def _row_indices(self, n: int) -> Array:
        """``0, 1, ..., n - 1`` as a native int64 array."""
        return self.from_numpy(np.arange(n, dtype=np.int64))

    def cross_entropy_forward(self, x: Array, target: Array, weight_t: Array) -> tuple[Array, Array]:
        """Per-sample cross entropy of logits ``x`` (N, C) and class indices ``target`` (N,), times ``weight_t``.

        Returns ``(loss, logp)``: ``loss[n] = -log_softmax(x)[n, target[n]] * weight_t[n]`` (N,) and
        the log-probabilities (N, C), which the backward takes. Targets are in range (the core checks).
        """
        logp = self.log_softmax(x, 1)
        picked = self.index(logp, (self._row_indices(x.shape[0]), target))
        return self.binary("mul", self.unary("neg", picked), weight_t), logp

    def cross_entropy_backward(self, logp: Array, target: Array, hit: Array) -> Array:
        """The logits' gradient of ``sum(hit * loss)``: ``softmax * hit[:, None]``, minus ``hit`` at each target."""
        n = logp.shape[0]
        grad = self.binary("mul", self.unary("exp", logp), self.reshape(hit, (n, 1)))
        self.index_add(grad, (self._row_indices(n), target), self.unary("neg", hit))
        return grad

    def __repr__(self) -> str:
        return f"<minitorch backend {self.name!r} on {self.device}>"

    # ---- optional fast paths: fused optimizer updates ----------------------------------
    # One call per parameter and step, on native arrays. The optimizer computes the scalar
    # schedule (bias corrections, step sizes); these do the elementwise work and write
    # ``param`` and the state arrays in place (views of them stay valid). The generic
    # versions below use only primitives and write with ``index_put(x, (), new)``;
    # a backend overrides them to avoid temporaries (see the NumPy backend).
    def _lerp(self, start: Array, end: Array, weight: float) -> Array:
        """``start + weight * (end - start)``, evaluated as ``torch.lerp`` does."""
        if weight < 0.5:
            return self.binary("add", start, self.binary("mul", self.binary("sub", end, start), weight))
        return self.binary("sub", end, self.binary("mul", self.binary("sub", end, start), 1 - weight))

    def _effective_grad(self, param: Array, grad: Array, weight_decay: float, maximize: bool) -> Array:
        """``-grad`` when maximizing, plus the L2 term ``weight_decay * param``."""
        g = self.unary("neg", grad) if maximize else grad
        if weight_decay != 0:
            g = self.binary("add", g, self.binary("mul", param, weight_decay))
        return g

    def sgd_update(self, param: Array, grad: Array, momentum_buffer: Array | None, *, lr: float,
                   momentum: float, dampening: float, weight_decay: float, nesterov: bool,
                   maximize: bool) -> Array | None:
        """In place: one step of ``torch.optim.SGD`` on ``param``.

        Returns the momentum buffer: ``momentum_buffer`` updated in place, a new
        array at the first step (when it is None), or None when ``momentum`` is 0.
        """
        g = self._effective_grad(param, grad, weight_decay, maximize)
        buf = None
        if momentum != 0:
            if momentum_buffer is None:
                buf = self.copy(g)
            else:
                buf = momentum_buffer
                self.index_put(buf, (), self.binary("add", self.binary("mul", buf, momentum),
                                                    self.binary("mul", g, 1 - dampening)))
            g = self.binary("add", g, self.binary("mul", buf, momentum)) if nesterov else buf
        self.index_put(param, (), self.binary("add", param, self.binary("mul", g, -lr)))
        return buf

    def adam_update(self, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array,
                    max_exp_avg_sq: Array | None, *, lr: float, beta1: float, beta2: float, eps: float,
                    weight_decay: float, decoupled_weight_decay: bool, step_size: float,
                    bias_correction2_sqrt: float, maximize: bool) -> None:
        """In place: one step of ``torch.optim.Adam`` (AdamW with ``decoupled_weight_decay``).

        ``step_size`` is ``lr / (1 - beta1**t)``; ``max_exp_avg_sq`` is given for AMSGrad.
        """
        if weight_decay != 0 and decoupled_weight_decay:
            self.index_put(param, (), self.binary("mul", param, 1 - lr * weight_decay))
            weight_decay = 0.0
        g = self._effective_grad(param, grad, weight_decay, maximize)
        self.index_put(exp_avg, (), self._lerp(exp_avg, g, 1 - beta1))
        self.index_put(exp_avg_sq, (), self.binary("add", self.binary("mul", exp_avg_sq, beta2),
                                                   self.binary("mul", self.binary("mul", g, 1 - beta2), g)))
        second = exp_avg_sq
        if max_exp_avg_sq is not None:
            self.index_put(max_exp_avg_sq, (), self.binary("maximum", max_exp_avg_sq, exp_avg_sq))
            second = max_exp_avg_sq
        denom = self.binary("add", self.binary("div", self.unary("sqrt", second), bias_correction2_sqrt), eps)
        self.index_put(param, (), self.binary("add", param,
                                              self.binary("div", self.binary("mul", exp_avg, -step_size), denom)))

    def rmsprop_update(self, param: Array, grad: Array, square_avg: Array, grad_avg: Array | None,
                       momentum_buffer: Array | None, *, lr: float, alpha: float, eps: float,
                       weight_decay: float, momentum: float, maximize: bool) -> None:
        """In place: one step of ``torch.optim.RMSprop``; ``grad_avg`` is given when centered."""
        g = self._effective_grad(param, grad, weight_decay, maximize)
        self.index_put(square_avg, (), self.binary("add", self.binary("mul", square_avg, alpha),
                                                   self.binary("mul", self.binary("mul", g, 1 - alpha), g)))
        if grad_avg is not None:
            self.index_put(grad_avg, (), self._lerp(grad_avg, g, 1 - alpha))
            variance = self.binary("add", square_avg, self.binary("mul", self.unary("neg", grad_avg), grad_avg))
            avg = self.binary("add", self.unary("sqrt", variance), eps)
        else:
            avg = self.binary("add", self.unary("sqrt", square_avg), eps)
        if momentum > 0 and momentum_buffer is not None:
            self.index_put(momentum_buffer, (), self.binary("add", self.binary("mul", momentum_buffer, momentum),
                                                            self.binary("div", g, avg)))
            self.index_put(param, (), self.binary("add", param, self.binary("mul", momentum_buffer, -lr)))
        else:
            self.index_put(param, (), self.binary("add", param, self.binary("div", self.binary("mul", g, -lr), avg)))

    def nadam_update(self, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, *, lr: float,
                     beta1: float, beta2: float, eps: float, weight_decay: float, decoupled_weight_decay: bool,
                     bias_correction2: float, grad_coef: float, exp_avg_coef: float, maximize: bool) -> None:
        """In place: one step of ``torch.optim.NAdam``.

        ``param += grad_coef * g / denom + exp_avg_coef * exp_avg / denom`` with
        ``denom = sqrt(exp_avg_sq / bias_correction2) + eps``.
        """
        if weight_decay != 0 and decoupled_weight_decay:
            self.index_put(param, (), self.binary("mul", param, 1 - lr * weight_decay))
            weight_decay = 0.0
        g = self._effective_grad(param, grad, weight_decay, maximize)
        self.index_put(exp_avg, (), self._lerp(exp_avg, g, 1 - beta1))
        self.index_put(exp_avg_sq, (), self.binary("add", self.binary("mul", exp_avg_sq, beta2),
                                                   self.binary("mul", self.binary("mul", g, 1 - beta2), g)))
        denom = self.binary("add", self.unary("sqrt", self.binary("div", exp_avg_sq, bias_correction2)), eps)
        new = self.binary("add", param, self.binary("div", self.binary("mul", g, grad_coef), denom))
        new = self.binary("add", new, self.binary("div", self.binary("mul", exp_avg, exp_avg_coef), denom))
        self.index_put(param, (), new)

    def adagrad_update(self, param: Array, grad: Array, state_sum: Array, *, clr: float, eps: float,
                       weight_decay: float, maximize: bool) -> None:
        """In place: one step of ``torch.optim.Adagrad`` with the decayed learning rate ``clr``."""
        g = self._effective_grad(param, grad, weight_decay, maximize)
        self.index_put(state_sum, (), self.binary("add", state_sum, self.binary("mul", g, g)))
        std = self.binary("add", self.unary("sqrt", state_sum), eps)
        self.index_put(param, (), self.binary("add", param, self.binary("div", self.binary("mul", g, -clr), std)))

    # ==== convolution and pooling: optional fast paths (begin) ==========================
    # All on batched NCHW arrays. The autograd Functions in ``minitorch.nn.functional.conv``
    # and ``.pooling`` add the batch dim of unbatched inputs, turn 1-D ops into 2-D ones
    # and validate every argument first, so a backend may assume valid arguments.
    # Spatial arguments are ``(h, w)`` pairs of ints; conv ``padding`` is
    # ``((top, bottom), (left, right))`` (asymmetric for padding='same'), pooling
    # ``padding`` is ``(ph, pw)`` on both sides. The generic versions use only the
    # primitives (pad, windows, reshape/permute, matmul, reduce, where, index_add):
    # complete but slow; the NumPy backend shows what a fast override looks like.

    @staticmethod
    def conv_output_size(size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int) -> int:
        """Output length of a convolution along one axis; ``pad`` is ``(before, after)``.

        Example:
            >>> Backend.conv_output_size(28, 3, 1, (0, 0), 1)
            26
        """
        return (size + pad[0] + pad[1] - dilation * (kernel - 1) - 1) // stride + 1

    @staticmethod
    def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
        """Output length of a pooling along one axis, computed as PyTorch does.

        With ``ceil_mode`` the last window may run past the right edge but must start
        inside the input or the left padding.

        Example:
            >>> Backend.pool_output_size(5, 2, 2, 0, 1, False), Backend.pool_output_size(5, 2, 2, 0, 1, True)
            (2, 3)
        """
        span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
        out = span // stride + 1
        if ceil_mode and (out - 1) * stride >= size + pad:
            out -= 1
        return out

    @staticmethod
    def pool_padding(size: int, kernel: int, stride: int, pad: int, dilation: int, out: int) -> tuple[int, int]:
        """``(before, after)`` padding that makes exactly ``out`` windows fit (``after`` covers ceil_mode)."""
        needed = (out - 1) * stride + dilation * (kernel - 1) + 1
        return pad, max(0, needed - size - pad)

    @staticmethod
    def avg_pool_counts(size: int, kernel: int, stride: int, pad: int, out: int,
                        count_include_pad: bool) -> list[int]:
        """PyTorch's average-pooling divisor along one axis, per output position.

        The divisor of output ``(i, j)`` is ``counts_h[i] * counts_w[j]``: each window is
        clipped to the padded input and, without ``count_include_pad``, to the input.
        """
        counts = []
        for o in range(out):
            start = o * stride - pad
            end = min(start + kernel, size + pad)
            counts.append(max(end - start if count_include_pad else min(end, size) - max(start, 0), 1))
        return counts

    @staticmethod
    def _window_slice(offset: int, stride: int, count: int) -> slice:
        """The ``count`` positions ``offset, offset + stride, ...`` as a slice."""
        return slice(offset, offset + stride * (count - 1) + 1, stride)

    def _zeros_as(self, like: Array, shape: tuple[int, ...]) -> Array:
        """Zeros of ``shape`` with the dtype of ``like`` (an empty slice of it, padded out)."""
        n = 1
        for s in like.shape:
            n *= s
        total = 1
        for s in shape:
            total *= s
        empty = self.index(self.reshape(like, (n,)), (slice(0, 0, 1),))
        return self.reshape(self.pad(empty, ((0, total),), 0), tuple(shape))

    def _filled_as(self, like: Array, values: Sequence[float]) -> Array:
        """A 1-D array of ``values`` with the dtype of ``like`` (written by runs of equal values)."""
        out = self._zeros_as(like, (len(values),))
        start = 0
        for k in range(1, len(values) + 1):
            if k == len(values) or values[k] != values[start]:
                self.index_put(out, (slice(start, k, 1),), float(values[start]))
                start = k
        return out

    def _pad_spatial(self, x: Array, padding: tuple[tuple[int, int], tuple[int, int]], value: float) -> Array:
        if not any(padding[0]) and not any(padding[1]):
            return x
        return self.pad(x, ((0, 0), (0, 0), tuple(padding[0]), tuple(padding[1])), value)

    def _crop_spatial(self, xp: Array, padding: tuple[tuple[int, int], tuple[int, int]],
                      shape: tuple[int, ...]) -> Array:
        if not any(padding[0]) and not any(padding[1]):
            return xp
        key = (slice(0, shape[0], 1), slice(0, shape[1], 1), slice(padding[0][0], padding[0][0] + shape[2], 1),
               slice(padding[1][0], padding[1][0] + shape[3], 1))
        return self.contiguous(self.index(xp, key))

    def _im2col(self, x: Array, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int],
                groups: int) -> tuple[Array, int, int]:
        """Columns ``(G, N*oh*ow, Cg*kh*kw)`` of the zero-padded input, and ``oh, ow``."""
        n, c = x.shape[0], x.shape[1]
        win = self.windows(self._pad_spatial(x, padding, 0.0), kernel, stride, dilation)  # (N, C, oh, ow, kh, kw)
        oh, ow = win.shape[2], win.shape[3]
        win = self.reshape(win, (n, groups, c // groups, oh, ow) + tuple(kernel))
        cols = self.permute(win, (1, 0, 3, 4, 2, 5, 6))
        return self.reshape(cols, (groups, n * oh * ow, c // groups * kernel[0] * kernel[1])), oh, ow

    def _grad_rows(self, grad: Array, groups: int) -> Array:
        """``grad`` (N, O, oh, ow) as rows ``(G, N*oh*ow, O/G)``."""
        n, o, oh, ow = grad.shape
        g = self.permute(self.reshape(grad, (n, groups, o // groups, oh, ow)), (1, 0, 3, 4, 2))
        return self.reshape(g, (groups, n * oh * ow, o // groups))

    def conv2d_forward(self, x: Array, w: Array, bias: Array | None, stride: tuple[int, int],
                       padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int],
                       groups: int) -> Array:
        """2-D cross-correlation with zero padding, as ``torch.nn.functional.conv2d``.

        Shapes: ``x`` (N, C, H, W); ``w`` (O, C/groups, kh, kw); ``bias`` (O,) or None;
        returns a new (N, O, oh, ow) array, ``oh = conv_output_size(H, kh, stride[0],
        padding[0], dilation[0])`` (likewise ``ow``). Generic version: im2col through
        ``windows``, one batched ``matmul`` over the groups.
        """
        n = x.shape[0]
        o, cg, kh, kw = w.shape
        cols, oh, ow = self._im2col(x, (kh, kw), stride, padding, dilation, groups)
        wm = self.permute(self.reshape(w, (groups, o // groups, cg * kh * kw)), (0, 2, 1))
        out = self.matmul(cols, wm)  # (G, N*oh*ow, O/G)
        out = self.permute(self.reshape(out, (groups, n, oh, ow, o // groups)), (1, 0, 4, 2, 3))
        out = self.reshape(out, (n, o, oh, ow))
        if bias is not None:
            out = self.binary("add", out, self.reshape(bias, (1, o, 1, 1)))
        return self.contiguous(out)

    def conv2d_backward_input(self, grad: Array, w: Array, input_shape: tuple[int, ...], stride: tuple[int, int],
                              padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int],
                              groups: int) -> Array:
        """Gradient of ``conv2d_forward`` with respect to ``x`` (a transposed convolution).

        Shapes: ``grad`` (N, O, oh, ow); ``w`` (O, C/groups, kh, kw); returns a new array of
        ``input_shape`` (N, C, H, W); positions that no window covers get zero. Generic
        version: one ``matmul`` to columns, then col2im with one ``index_add`` per kernel offset.
        """
        n, c, h, wd = input_shape
        o, cg, kh, kw = w.shape
        oh, ow = grad.shape[2], grad.shape[3]
        cols = self.matmul(self._grad_rows(grad, groups), self.reshape(w, (groups, o // groups, cg * kh * kw)))
        cols = self.reshape(cols, (groups, n, oh, ow, cg, kh, kw))
        (top, bottom), (left, right) = padding
        gxp = self._zeros_as(grad, (n, c, h + top + bottom, wd + left + right))
        lead = (slice(None),) * 5
        for i in range(kh):
            for j in range(kw):
                piece = self.permute(self.index(cols, lead + (i, j)), (1, 0, 4, 2, 3))  # (N, G, Cg, oh, ow)
                key = (slice(0, n, 1), slice(0, c, 1), self._window_slice(i * dilation[0], stride[0], oh),
                       self._window_slice(j * dilation[1], stride[1], ow))
                self.index_add(gxp, key, self.reshape(piece, (n, c, oh, ow)))
        return self._crop_spatial(gxp, padding, tuple(input_shape))

    def conv2d_backward_weight(self, grad: Array, x: Array, weight_shape: tuple[int, ...], stride: tuple[int, int],
                               padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int],
                               groups: int) -> Array:
        """Gradient of ``conv2d_forward`` with respect to ``w``.

        Shapes: ``grad`` (N, O, oh, ow); ``x`` (N, C, H, W); returns a new array of
        ``weight_shape`` (O, C/groups, kh, kw). Generic version: im2col and one ``matmul``.
        """
        kh, kw = weight_shape[2], weight_shape[3]
        cols, _, _ = self._im2col(x, (kh, kw), stride, padding, dilation, groups)
        gw = self.matmul(self.permute(self._grad_rows(grad, groups), (0, 2, 1)), cols)  # (G, O/G, Cg*kh*kw)
        return self.contiguous(self.reshape(gw, tuple(weight_shape)))

    def _pool_windows(self, x: Array, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                      dilation: tuple[int, int], ceil_mode: bool,
                      value: float) -> tuple[Array, tuple[tuple[int, int], tuple[int, int]]]:
        """Window view (N, C, oh, ow, kh, kw) of ``x`` padded with ``value``, and the padding used."""
        h, w = x.shape[2], x.shape[3]
        oh = self.pool_output_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
        ow = self.pool_output_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
        pads = (self.pool_padding(h, kernel[0], stride[0], padding[0], dilation[0], oh),
                self.pool_padding(w, kernel[1], stride[1], padding[1], dilation[1], ow))
        win = self.windows(self._pad_spatial(x, pads, value), kernel, stride, dilation)
        return self.index(win, (slice(None), slice(None), slice(0, oh, 1), slice(0, ow, 1))), pads

    def max_pool2d_forward(self, x: Array, kernel_size: tuple[int, int], stride: tuple[int, int],
                           padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool) -> Array:
        """Maximum over each window, as ``torch.nn.functional.max_pool2d``; padding is -inf.

        Shapes: ``x`` (N, C, H, W); returns a new (N, C, oh, ow) array with ``oh =
        pool_output_size(H, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)``.
        NaN propagates.
        """
        win, _ = self._pool_windows(x, kernel_size, stride, padding, dilation, ceil_mode, float("-inf"))
        return self.reduce("max", win, (4, 5), False)

    def _max_pool2d_argmax(self, x: Array, kernel_size: tuple[int, int], stride: tuple[int, int],
                           padding: tuple[int, int], dilation: tuple[int, int],
                           ceil_mode: bool) -> tuple[Array, tuple[tuple[int, int], tuple[int, int]]]:
        """Position ``i * kw + j`` in its window of each output's first maximum (int64), and the padding."""
        win, pads = self._pool_windows(x, kernel_size, stride, padding, dilation, ceil_mode, float("-inf"))
        n, c, oh, ow = win.shape[:4]
        flat = self.reshape(self.contiguous(win), (n, c, oh, ow, kernel_size[0] * kernel_size[1]))
        return self.arg_reduce("argmax", flat, 4), pads

    def max_pool2d_backward(self, grad: Array, x: Array, out: Array, kernel_size: tuple[int, int],
                            stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
                            ceil_mode: bool) -> Array:
        """Gradient of ``max_pool2d_forward``: each window's gradient goes to its first maximum.

        Shapes: ``grad`` and ``out`` (the forward result) (N, C, oh, ow); ``x`` (N, C, H, W);
        returns a new (N, C, H, W) array. Overlapping windows accumulate.
        """
        arg, pads = self._max_pool2d_argmax(x, kernel_size, stride, padding, dilation, ceil_mode)
        n, c, oh, ow = grad.shape
        gxp = self._zeros_as(grad, (n, c, x.shape[2] + sum(pads[0]), x.shape[3] + sum(pads[1])))
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                piece = self.where(self.binary("eq", arg, i * kernel_size[1] + j), grad, 0)
                key = (slice(0, n, 1), slice(0, c, 1), self._window_slice(i * dilation[0], stride[0], oh),
                       self._window_slice(j * dilation[1], stride[1], ow))
                self.index_add(gxp, key, piece)
        return self._crop_spatial(gxp, pads, tuple(x.shape))

    def max_pool2d_indices(self, x: Array, out: Array, kernel_size: tuple[int, int], stride: tuple[int, int],
                           padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool) -> Array:
        """PyTorch's ``return_indices``: the flat input index ``h * W + w`` of each output's maximum.

        Shapes: ``x`` (N, C, H, W); ``out`` (the forward result) (N, C, oh, ow); returns a new
        (N, C, oh, ow) int64 array.
        """
        import numpy as np

        arg, _ = self._max_pool2d_argmax(x, kernel_size, stride, padding, dilation, ceil_mode)
        oh, ow, width = arg.shape[2], arg.shape[3], x.shape[3]
        rows = np.arange(oh, dtype=np.int64) * stride[0] - padding[0]
        cols = np.arange(ow, dtype=np.int64) * stride[1] - padding[1]
        index = self.from_numpy((rows[:, None] * width + cols[None, :]).reshape(1, 1, oh, ow))
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                shift = i * dilation[0] * width + j * dilation[1]
                if shift:
                    hit = self.binary("eq", arg, i * kernel_size[1] + j)
                    index = self.binary("add", index, self.where(hit, shift, 0))
        return self.binary("add", index, self.full(tuple(arg.shape), 0, "int64"))

    def _avg_pool2d_divisor(self, like: Array, hw: tuple[int, int], out_hw: tuple[int, int],
                            kernel_size: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
                            count_include_pad: bool, divisor_override: int | None) -> Array | float:
        """The divisor of every output: a float, or an (oh, ow) array of ``like``'s dtype."""
        if divisor_override:
            return float(divisor_override)
        ch, cw = (self.avg_pool_counts(hw[a], kernel_size[a], stride[a], padding[a], out_hw[a], count_include_pad)
                  for a in (0, 1))
        if len(set(ch)) <= 1 and len(set(cw)) <= 1:
            return float(ch[0] * cw[0]) if ch and cw else 1.0
        rows = self.reshape(self._filled_as(like, ch), (len(ch), 1))
        return self.binary("mul", rows, self.reshape(self._filled_as(like, cw), (1, len(cw))))

    def avg_pool2d_forward(self, x: Array, kernel_size: tuple[int, int], stride: tuple[int, int],
                           padding: tuple[int, int], ceil_mode: bool, count_include_pad: bool,
                           divisor_override: int | None) -> Array:
        """Mean over each window, as ``torch.nn.functional.avg_pool2d``; padding is 0.

        Shapes: ``x`` (N, C, H, W); returns a new (N, C, oh, ow) array (``oh`` as for
        ``max_pool2d_forward`` with dilation 1). The divisor follows PyTorch: see
        ``avg_pool_counts``, or ``divisor_override`` when given.
        """
        win, _ = self._pool_windows(x, kernel_size, stride, padding, (1, 1), ceil_mode, 0.0)
        total = self.reduce("sum", win, (4, 5), False)
        div = self._avg_pool2d_divisor(x, (x.shape[2], x.shape[3]), (total.shape[2], total.shape[3]), kernel_size,
                                       stride, padding, count_include_pad, divisor_override)
        return self.binary("div", total, div)

    def avg_pool2d_backward(self, grad: Array, input_shape: tuple[int, ...], kernel_size: tuple[int, int],
                            stride: tuple[int, int], padding: tuple[int, int], ceil_mode: bool,
                            count_include_pad: bool, divisor_override: int | None) -> Array:
        """Gradient of ``avg_pool2d_forward`` (it is linear in ``x``, so ``x`` is not needed).

        Shapes: ``grad`` (N, C, oh, ow); returns a new array of ``input_shape`` (N, C, H, W).
        """
        n, c, h, w = input_shape
        oh, ow = grad.shape[2], grad.shape[3]
        div = self._avg_pool2d_divisor(grad, (h, w), (oh, ow), kernel_size, stride, padding, count_include_pad,
                                       divisor_override)
        g = self.binary("div", grad, div)
        pads = (self.pool_padding(h, kernel_size[0], stride[0], padding[0], 1, oh),
                self.pool_padding(w, kernel_size[1], stride[1], padding[1], 1, ow))
        gxp = self._zeros_as(grad, (n, c, h + sum(pads[0]), w + sum(pads[1])))
        for i in range(kernel_size[0]):
            for j in range(kernel_size[1]):
                key = (slice(0, n, 1), slice(0, c, 1), self._window_slice(i, stride[0], oh),
                       self._window_slice(j, stride[1], ow))
                self.index_add(gxp, key, g)
        return self._crop_spatial(gxp, pads, tuple(input_shape))
    # ==== convolution and pooling: optional fast paths (end) ============================


class DeferredChecks:
    """Mixin for asynchronous backends: ``raise_if`` checks wait for the next host crossing.

    Put it before the backend class (``class GpuBackend(DeferredChecks, Backend)``), implement
    ``_host(x)`` (the plain device-to-host copy) and call ``self._raise_pending()`` at the start
    of ``to_numpy`` and ``synchronize``. The flags of all checks since the last crossing go to the
    host in one copy there; the first failed check raises its error. After ``max_pending``
    unresolved checks they are resolved at once, so memory stays bounded (one synchronisation per
    ``max_pending`` checks in a loop that never reads anything back).

    Example:
        >>> from minitorch.backends.numpy_backend import NumpyBackend
        >>> class Deferring(DeferredChecks, NumpyBackend):
        ...     def _host(self, x):
        ...         return x
        >>> b = Deferring()
        >>> b.raise_if(b.from_numpy(True), lambda: ValueError("bad input"))  # nothing yet
        >>> b.to_numpy(b.from_numpy(1.0))
        Traceback (most recent call last):
        ...
        ValueError: bad input
    """

    max_pending = 1024

    def _host(self, x: Array):
        raise NotImplementedError

    def raise_if(self, flag: Array, make_error: Callable[[], Exception]) -> None:
        pending = self.__dict__.setdefault("_pending_checks", [])
        pending.append((flag, make_error))
        if len(pending) >= self.max_pending:
            self._raise_pending()

    def _raise_pending(self) -> None:
        pending = self.__dict__.get("_pending_checks")
        if not pending:
            return
        self._pending_checks = []
        flags = self._host(self.concatenate([self.reshape(f, (1,)) for f, _ in pending], 0))
        for failed, (_, make_error) in zip(flags.tolist(), pending):
            if failed:
                raise make_error()

    def to_numpy(self, x: Array):
        self._raise_pending()
        return self._host(x)

    def synchronize(self) -> None:
        self._raise_pending()
