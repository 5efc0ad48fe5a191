"""Numba kernels compiled once (parallel, cached on disk), run on one thread or all by the amount of work."""

from __future__ import annotations

import os
from collections.abc import Callable

import numba

# Reassociation and FMA contraction only: lets LLVM vectorise sums without changing NaN/inf semantics.
FAST = frozenset({"reassoc", "contract"})

# Calls on at least this many elements run on all Numba threads. A parallel region costs a
# thread wake-up, which on a busy 2-core machine means waiting for a scheduler tick (we measured
# 4-8 ms per region under load, against 0.01-0.5 ms of work on the MNIST shapes), so the
# default keeps every MNIST-sized call serial. Set ``MINITORCH_NUMBA_PARALLEL_MIN`` to change it.
PARALLEL_MIN = int(os.environ.get("MINITORCH_NUMBA_PARALLEL_MIN", str(1 << 22)))


class Kernel:
    """A function compiled by ``numba.njit(parallel=True, cache=True)``, run on 1 thread for small work.

    Call it as ``k(size, *args)``: below ``PARALLEL_MIN`` elements of work it runs on one
    thread (``numba.set_num_threads(1)``: the same vectorised machine code, no wake-up of the
    other threads), at or above it on all of Numba's threads. The setting is left in place for
    the calling thread (Numba's own ``prange`` code in it sees it too).

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
        self.jit = numba.njit(parallel=True, fastmath=set(FAST) if fastmath else False, cache=cache, nogil=True)(fn)

    def __call__(self, size: int, *args: object) -> object:
        threads = numba.config.NUMBA_NUM_THREADS if size >= PARALLEL_MIN else 1
        if numba.get_num_threads() != threads:  # left set: a run of small calls pays for it once
            numba.set_num_threads(threads)
        return self.jit(*args)


def kernel(fastmath: bool = False) -> Callable[[Callable], Kernel]:
    """Decorator: the function as a ``Kernel`` (fastmath = reassociation and contraction only, when asked).

    Example:
        >>> callable(kernel(fastmath=True))
        True
    """
    return lambda fn: Kernel(fn, fastmath)
