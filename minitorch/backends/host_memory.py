"""Keep freed host memory in the process (glibc's malloc), so a training step's temporaries do not page-fault."""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's mallopt parameters and the values set. By default glibc gives every block of 128 KiB
# or more (the limit then adapts) back to the kernel when it is freed, or trims it off the heap,
# so the next step's arrays of the same size fault in again, page by page: a Keras MNIST CNN
# training step made about 1,900 page faults (NumPy backend: 38 ms instead of 23 ms) and
# PyTorch's made 3,500 in the same process. With these limits blocks up to 32 MiB (glibc's
# maximum) come from the heap, and up to 256 MiB of free heap stays mapped for the next step.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20
OPT_OUT = "MINITORCH_KEEP_FREED_MEMORY"  # set to 0 to leave malloc as it is
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process to keep freed memory; whether it is tuned.

    Does nothing (and says False) on other C libraries and platforms, when the environment
    already sets malloc's limits (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``,
    ``GLIBC_TUNABLES``: the user's choice wins), or when ``MINITORCH_KEEP_FREED_MEMORY=0``. The
    NumPy backend (and every backend built on it) calls it when it is created.

    Example:
        >>> from minitorch.backends.host_memory import keep_freed_memory
        >>> keep_freed_memory() == keep_freed_memory()  # once per process; later calls report the first
        True
    """
    global _done
    if _done is None:
        _done = _tune()
    return _done


def _tune() -> bool:
    if os.environ.get(OPT_OUT, "1") == "0" or any(name in os.environ for name in _USER_SETTINGS):
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # glibc's parameters: another C library reads them otherwise
        return False
    mmap_set = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(mmap_set) and bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
