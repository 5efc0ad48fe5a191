"""Numba kernels compiled once (parallel, cached on disk), run on one thread or all by the amount of work."""

from __future__ import annotations

import os
import types
from collections.abc import Callable

# Numba's parallel kernels run on its OpenMP thread pool. By default (OMP_WAIT_POLICY=active)
# those threads spin after each kernel and take the cores from OpenBLAS's GEMM threads, which
# then wait for each other: the small VGG's training step (its 4.2M-element calls parallel) took
# 1.53 s instead of 0.49 s at 2 threads. Passive threads sleep at once. Set before Numba's OpenMP
# runtime starts (it reads the variable then); a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402

# Reassociation and FMA contraction only: lets LLVM vectorise sums without changing NaN/inf semantics.
FAST = frozenset({"reassoc", "contract"})

# Calls on at least this many elements run on all Numba threads. In a training step a parallel
# region competes with OpenBLAS, whose threads spin (yielding) for a while after each GEMM on the
# core Numba's second thread needs: on 2 cores every step size we measured ran faster on one
# thread (the small VGG's step, whose ReLUs are 4.2M elements: 0.62-0.87 s with 4M as the
# limit, 0.54-0.70 s with none), while in isolation 2 threads were 2x faster at 4M elements. At
# 16M a second thread paid off even between GEMMs (max-pool backward 1.9x). Set
# ``MINITORCH_NUMBA_PARALLEL_MIN`` to change it (smaller when BLAS is idle, or single-threaded).
PARALLEL_MIN = int(os.environ.get("MINITORCH_NUMBA_PARALLEL_MIN", str(1 << 24)))


class Kernel:
    """A function compiled twice by Numba (``cache=True``): serially for small work, ``parallel=True`` for large.

    Call it as ``k(size, *args)``: below ``PARALLEL_MIN`` elements of work the serial version
    runs (``prange`` is a plain loop there: no thread wake-up), at or above it the parallel one on
    all of Numba's threads. Each version is compiled on its first call, so a process that never
    crosses ``PARALLEL_MIN`` never pays for the parallel compilation (3-4x slower than the serial
    one: it is most of a cold start). The two are distinct functions to Numba's on-disk cache.

    Example:
        >>> import numpy as np
        >>> def fill(out, value):
        ...     for i in numba.prange(out.size):
        ...         out[i] = value
        >>> k = Kernel(fill, cache=False)
        >>> out = np.zeros(3)
        >>> k(out.size, out, 2.0)
        >>> out.tolist()
        [2.0, 2.0, 2.0]
    """

    def __init__(self, fn: Callable, fastmath: bool = False, cache: bool = True) -> None:
        self.__doc__ = fn.__doc__
        # error_model="numpy": x / 0 gives inf or nan as in NumPy, instead of raising ZeroDivisionError.
        options = dict(fastmath=set(FAST) if fastmath else False, error_model="numpy", cache=cache, nogil=True)
        self.serial = numba.njit(parallel=False, **options)(_renamed(fn, "serial"))
        self.parallel = numba.njit(parallel=True, **options)(fn)

    def __call__(self, size: int, *args: object) -> object:
        return (self.parallel if size >= PARALLEL_MIN else self.serial)(*args)


def _renamed(fn: Callable, suffix: str) -> Callable:
    """A copy of ``fn`` with another qualified name, so Numba caches its compilations apart from ``fn``'s."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = f"{fn.__qualname__}_{suffix}"
    copy.__module__, copy.__doc__ = fn.__module__, fn.__doc__
    return copy


def kernel(fastmath: bool = False) -> Callable[[Callable], Kernel]:
    """Decorator: the function as a ``Kernel`` (fastmath = reassociation and contraction only, when asked).

    Example:
        >>> callable(kernel(fastmath=True))
        True
    """
    return lambda fn: Kernel(fn, fastmath)
