"""Shared timing helpers for the side-by-side benchmarks: thread pinning and medians."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

THREADS = int(os.environ.get("BENCH_THREADS", "2"))


def pin_threads() -> None:
    """Give NumPy's BLAS and PyTorch the same number of threads (set before importing them).

    Also makes OpenBLAS's idle threads sleep at once (``OPENBLAS_THREAD_TIMEOUT=4``): by default
    they spin for about 0.1 s after every GEMM, and on 2 cores that spinning took the cores from
    whichever library ran next, so alternating calls charged PyTorch for our BLAS (its MNIST step
    measured 32 ms alternating and 14-16 ms on its own). With it, both run at their own speed.
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(THREADS))
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")


def median_time(fn: Callable[[], object], repeats: int = 20, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in seconds after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(rows: list[tuple[str, float, float]], title: str) -> None:
    """Print rows of (case, minitorch seconds, torch seconds) with their ratio."""
    print(f"\n{title}  (threads={THREADS}; ratio = minitorch / torch, lower is better)")
    print(f"{'case':<44} {'minitorch ms':>13} {'torch ms':>10} {'ratio':>7}")
    for name, mine, theirs in rows:
        print(f"{name:<44} {mine * 1e3:>13.3f} {theirs * 1e3:>10.3f} {mine / theirs:>7.2f}")
