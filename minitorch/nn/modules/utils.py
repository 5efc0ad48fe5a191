"""Small helpers the layers share: int-or-tuple arguments, unbatched inputs, default initialisation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ...tensor import Tensor
from .. import init


def reset_weight_and_bias(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv: ``kaiming_uniform_(a=sqrt(5))`` weight, U(+-1/sqrt(fan_in)) bias."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def _ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``value`` as an ``n``-tuple of ints: an int is repeated, a sequence must have length ``n``."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _single(value: Any, name: str = "argument") -> tuple[int, ...]:
    return _ntuple(value, 1, name)


def _pair(value: Any, name: str = "argument") -> tuple[int, ...]:
    return _ntuple(value, 2, name)


def _check_spatial_input(module: Any, input: Tensor, spatial: int, what: str = "") -> bool:
    """Raise a clear error unless ``input`` is (C, *spatial) or (N, C, *spatial); return whether batched."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{module!r}: expected a minitorch Tensor, got {type(input).__name__}")
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{module!r}: expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input"
                           f"{what}, got shape {input.shape}")
    return input.ndim == spatial + 2


def _batched_call(fn: Callable[[Tensor], Any], input: Tensor, batched: bool) -> Any:
    """Run ``fn`` on a batched view of ``input``, removing the added batch dim again when unbatched."""
    if batched:
        return fn(input)
    out = fn(input.unsqueeze(0))
    return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
