"""The ``cupy`` backend: CuPy arrays on an NVIDIA GPU, the NumPy backend's algorithms, fused CUDA fused."""

from __future__ import annotations

from types import ModuleType

from minitorch.backends.contract import DeferredChecks
from minitorch.backends.numpy_backend import NumpyBackend

from . import fused
from .memory import wrap_public_methods


class CupyBackend(DeferredChecks, NumpyBackend):
    """Arrays are ``cupy.ndarray`` on the current GPU; nothing crosses to the host but ``to_numpy``.

    The NumPy backend's whole-array algorithms run unchanged on CuPy (its ``xp`` is ``cupy``
    here): convolutions as im2col plus one cuBLAS GEMM per batch chunk, pooling as strided
    elementwise kernels. What differs: transfers, deferred checks (``raise_if`` waits for the
    next host copy instead of synchronising), ``where`` (no bit tricks needed on a GPU),
    unbuffered adds (``cupyx.scatter_add``), no host-side NaN test in max pooling, and sigmoid
    and the optimizer updates, each one fused CUDA kernel (``fused``). Allocation failures raise
    ``GPUOutOfMemoryError`` with the sizes.

    Example (on a machine with an NVIDIA GPU and CuPy):
        >>> import minitorch as mt
        >>> x = mt.tensor([1.0, 2.0], backend="cupy")  # doctest: +SKIP
        >>> (x * 2).tolist(), x.backend                 # doctest: +SKIP
        ([2.0, 4.0], 'cupy')
    """

    name = "cupy"
    device = "cuda"
    _conv_chunk = 1 << 27  # im2col elements per batch chunk: 512 MiB in float32, fewer and larger GEMMs

    def __init__(self, cupy: ModuleType, cupyx: ModuleType) -> None:
        self.xp = cupy
        self._cupyx = cupyx
        super().__init__()
        self._kernels: dict[fused.ElementwiseRule, object] = {}
        wrap_public_methods(self, cupy)

    # ---- transfers and synchronisation -------------------------------------------------
    def from_numpy(self, array):
        return self.xp.asarray(array)

    def _host(self, x):
        return self.xp.asnumpy(x)

    def synchronize(self) -> None:
        self.xp.cuda.get_current_stream().synchronize()
        super().synchronize()

    # ---- what differs from the NumPy backend ----------------------------------------------
    def where(self, cond, a, b):
        xp = self.xp
        out = xp.where(cond, a, b)
        like = a if isinstance(a, xp.ndarray) else b
        if isinstance(like, xp.ndarray) and out.dtype != like.dtype:  # a Python scalar must not widen it
            out = out.astype(like.dtype)
        return out

    def _scatter_add(self, x, key, values):
        self._cupyx.scatter_add(x, key, values)

    def _as_strided(self, x, shape, strides):
        return self.xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)

    def _may_hold_nan(self, nan):
        return True  # asking would copy to the host; the NaN-aware masks cost one more kernel

    # ---- fused kernels: sigmoid, and each optimizer update (one kernel per parameter and step) -----
    def _run(self, rule: fused.ElementwiseRule, array, scalars: dict[str, float], outputs: list) -> None:
        kernel = self._kernels.get(rule)
        if kernel is None:
            kernel = self.xp.ElementwiseKernel(rule.in_params(), rule.out_params(), rule.operation(), rule.name)
            self._kernels[rule] = kernel
        kernel(array, *(scalars[n] for n in rule.scalars), *outputs)

    def sigmoid(self, x):
        if x.dtype.kind != "f":
            return super().sigmoid(x)
        out = self.xp.empty_like(x)
        self._run(fused.SIGMOID, x, {}, [out])
        return out

    def sgd_update(self, param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay, nesterov,
                   maximize):
        rule = fused.sgd_rule(momentum != 0, nesterov, weight_decay != 0, maximize)
        outputs, buf = [param], None
        if momentum != 0:
            first = momentum_buffer is None
            buf = self.xp.zeros_like(param) if first else momentum_buffer
            outputs.append(buf)
            # the first step's buffer is the gradient itself: 0 * momentum + 1 * g
            dampening = 0.0 if first else dampening
        self._run(rule, grad, {"lr": lr, "wd": weight_decay, "momentum": momentum, "dampening_c": 1 - dampening},
                  outputs)
        return buf

    def _moment_scalars(self, lr, beta1, beta2, eps, weight_decay) -> dict[str, float]:
        return {"decay": 1 - lr * weight_decay, "wd": weight_decay, "w": 1 - beta1, "beta2": beta2,
                "beta2_c": 1 - beta2, "eps": eps}

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                    weight_decay, decoupled_weight_decay, step_size, bias_correction2_sqrt, maximize):
        amsgrad = max_exp_avg_sq is not None
        rule = fused.adam_rule(amsgrad, decoupled_weight_decay, weight_decay != 0, maximize)
        scalars = self._moment_scalars(lr, beta1, beta2, eps, weight_decay)
        scalars.update(step_size=step_size, bc2_sqrt=bias_correction2_sqrt)
        self._run(rule, grad, scalars, [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else []))

    def nadam_update(self, param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                     decoupled_weight_decay, bias_correction2, grad_coef, exp_avg_coef, maximize):
        rule = fused.nadam_rule(decoupled_weight_decay, weight_decay != 0, maximize)
        scalars = self._moment_scalars(lr, beta1, beta2, eps, weight_decay)
        scalars.update(bc2=bias_correction2, g_coef=grad_coef, m_coef=exp_avg_coef)
        self._run(rule, grad, scalars, [param, exp_avg, exp_avg_sq])

    def rmsprop_update(self, param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                       weight_decay, momentum, maximize):
        with_momentum = momentum > 0 and momentum_buffer is not None
        rule = fused.rmsprop_rule(grad_avg is not None, with_momentum, weight_decay != 0, maximize)
        outputs = [param, square_avg] + ([grad_avg] if grad_avg is not None else []) + (
            [momentum_buffer] if with_momentum else [])
        self._run(rule, grad, {"lr": lr, "alpha": alpha, "alpha_c": 1 - alpha, "eps": eps, "wd": weight_decay,
                               "momentum": momentum}, outputs)

    def adagrad_update(self, param, grad, state_sum, *, clr, eps, weight_decay, maximize):
        rule = fused.adagrad_rule(weight_decay != 0, maximize)
        self._run(rule, grad, {"clr": clr, "eps": eps, "wd": weight_decay}, [param, state_sum])
