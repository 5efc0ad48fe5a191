"""Seeded random number generation on the host, so a seed gives the same values on every backend."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import DType, as_dtype, get_default_dtype, int64
from .tensor import Tensor

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like"]


class Generator:
    """A seedable random source, as ``torch.Generator``; wraps NumPy's PCG64.

    Example:
        >>> import minitorch as mt
        >>> g = mt.Generator().manual_seed(0)
        >>> a = mt.rand(3, generator=g)
        >>> b = mt.rand(3, generator=mt.Generator().manual_seed(0))
        >>> bool((a == b).all())
        True
    """

    def __init__(self) -> None:
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart this generator from ``seed``; returns the generator, so calls chain."""
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Re-seed from fresh entropy and return the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))._seed

    def initial_seed(self) -> int:
        """The seed this generator was last started from."""
        return self._seed

    def get_state(self) -> dict:
        """The generator's state (a dict), to restore later with ``set_state``."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        """Restore a state from ``get_state``; returns the generator."""
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (weights, dropout, shuffling). Example: ``mt.manual_seed(0)``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from fresh entropy. Example: ``mt.seed()``."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator started from. Example: ``mt.initial_seed()``."""
    return default_generator.initial_seed()


def _host_generator(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def _make(values: np.ndarray, dtype: DType, requires_grad: bool, backend: Any, device: Any) -> Tensor:
    from .creation import from_host

    return from_host(values.astype(dtype.numpy, copy=False), dtype, requires_grad, backend, device)


def _float_dtype(dtype: Any) -> DType:
    d = as_dtype(dtype) if dtype is not None else get_default_dtype()
    if not d.is_floating_point:
        raise TypeError(f"random floats need a floating point dtype, got {d}")
    return d


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
         backend: Any = None, device: Any = None) -> Tensor:
    """Uniform samples in [0, 1).

    Example:
        >>> import minitorch as mt
        >>> mt.rand(2, 3).shape
        (2, 3)
    """
    from .functions import size_args

    d = _float_dtype(dtype)
    values = _host_generator(generator).random(size_args(size), dtype=d.numpy.type)
    return _make(values, d, requires_grad, backend, device)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, requires_grad: bool = False,
          backend: Any = None, device: Any = None) -> Tensor:
    """Standard normal samples.

    Example:
        >>> import minitorch as mt
        >>> mt.randn(4, dtype=mt.float64).dtype
        minitorch.float64
    """
    from .functions import size_args

    d = _float_dtype(dtype)
    values = _host_generator(generator).standard_normal(size_args(size), dtype=d.numpy.type)
    return _make(values, d, requires_grad, backend, device)


def randint(low: int, high: int | None = None, size: Any = (), *, generator: Generator | None = None,
            dtype: Any = None, backend: Any = None, device: Any = None) -> Tensor:
    """Integers in [low, high) (or [0, low) when high is omitted), as ``torch.randint``.

    Example:
        >>> import minitorch as mt
        >>> x = mt.randint(0, 10, (5,))
        >>> bool(((x >= 0) & (x < 10)).all())
        True
    """
    if isinstance(high, (tuple, list)):  # randint(high, size), as torch.randint
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    values = _host_generator(generator).integers(low, high, size=tuple(size))
    return _make(values, as_dtype(dtype) if dtype is not None else int64, False, backend, device)


def randperm(n: int, *, generator: Generator | None = None, backend: Any = None, device: Any = None) -> Tensor:
    """A random permutation of ``0..n-1``. Example: ``sorted(mt.randperm(4).tolist())`` is ``[0, 1, 2, 3]``."""
    return _make(_host_generator(generator).permutation(n), int64, False, backend, device)


def rand_like(t: Tensor, *, dtype: Any = None, generator: Generator | None = None,
              requires_grad: bool = False) -> Tensor:
    """``rand`` with ``t``'s shape, dtype and backend. Example: ``mt.rand_like(mt.zeros(2))``."""
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad, backend=t._backend)


def randn_like(t: Tensor, *, dtype: Any = None, generator: Generator | None = None,
               requires_grad: bool = False) -> Tensor:
    """``randn`` with ``t``'s shape, dtype and backend. Example: ``mt.randn_like(mt.zeros(2))``."""
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, requires_grad=requires_grad, backend=t._backend)


def randint_like(t: Tensor, low: int, high: int | None = None, *, generator: Generator | None = None) -> Tensor:
    """``randint`` with ``t``'s shape and backend. Example: ``mt.randint_like(mt.zeros(2), 5)``."""
    return randint(low, high, t.shape, generator=generator, dtype=t.dtype, backend=t._backend)
