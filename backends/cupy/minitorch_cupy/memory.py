"""Out-of-memory errors that say how much was asked for and how much the GPU has free."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from types import ModuleType

GiB = float(1 << 30)


class GPUOutOfMemoryError(MemoryError):
    """The GPU could not hold a new array; the message has the sizes and what to try.

    Example:
        >>> issubclass(GPUOutOfMemoryError, MemoryError)
        True
    """


def requested_bytes(exc: BaseException) -> int | None:
    """The size of the failed allocation, from CuPy's ``OutOfMemoryError``.

    Example:
        >>> requested_bytes(MemoryError("Out of memory allocating 1,024 bytes (allocated so far: 0 bytes)."))
        1024
    """
    size = getattr(exc, "_size", None)
    if isinstance(size, int):
        return size
    found = re.search(r"allocating ([\d,]+) bytes", str(exc))
    return int(found.group(1).replace(",", "")) if found else None


def describe(cupy: ModuleType, exc: BaseException) -> str:
    """The message of a ``GPUOutOfMemoryError`` for CuPy's ``exc``: asked, free, total and pooled bytes.

    Example (a module without CUDA: the free memory is reported unknown, the request still named):
        >>> import types
        >>> print(describe(types.ModuleType("nocuda"), MemoryError("Out of memory allocating 2,048 bytes")))
        ... # doctest: +ELLIPSIS
        cupy backend: out of GPU memory: asked for 0.00 GiB (2,048 bytes); free memory unknown (...). Try ...
    """
    asked = requested_bytes(exc)
    parts = [f"out of GPU memory: asked for {asked / GiB:.2f} GiB ({asked:,} bytes)" if asked is not None
             else f"out of GPU memory ({exc})"]
    try:
        free, total = cupy.cuda.runtime.memGetInfo()
        device = cupy.cuda.Device().id
        parts.append(f"{free / GiB:.2f} GiB free of {total / GiB:.2f} GiB on GPU {device}")
        pool = cupy.get_default_memory_pool()
        parts.append(f"CuPy's memory pool holds {pool.total_bytes() / GiB:.2f} GiB "
                     f"({pool.free_bytes() / GiB:.2f} GiB of it cached for reuse)")
    except Exception as info_error:  # the sizes are a courtesy: never hide the real error behind them
        parts.append(f"free memory unknown ({type(info_error).__name__}: {info_error})")
    return ("cupy backend: " + "; ".join(parts) + ". Try a smaller batch, delete tensors you no longer need, "
            "or release cached blocks with cupy.get_default_memory_pool().free_all_blocks().")


def translating_out_of_memory(cupy: ModuleType, method: Callable) -> Callable:
    """``method`` with CuPy's ``OutOfMemoryError`` re-raised as ``GPUOutOfMemoryError`` (the original chained).

    Example:
        >>> import types
        >>> fake = types.SimpleNamespace(cuda=types.SimpleNamespace(memory=types.SimpleNamespace(
        ...     OutOfMemoryError=MemoryError)))
        >>> def allocate():
        ...     raise MemoryError("Out of memory allocating 1,024 bytes (allocated so far: 0 bytes).")
        >>> try:
        ...     translating_out_of_memory(fake, allocate)()
        ... except GPUOutOfMemoryError as e:
        ...     print(str(e)[:60])
        cupy backend: out of GPU memory: asked for 0.00 GiB (1,024 b
    """
    oom = cupy.cuda.memory.OutOfMemoryError

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except oom as exc:
            raise GPUOutOfMemoryError(describe(cupy, exc)) from exc

    return wrapper


def wrap_public_methods(obj: object, cupy: ModuleType) -> None:
    """Give the instance ``obj`` translating versions of its public methods (the contract's entry points).

    Example:
        >>> import types
        >>> fake = types.SimpleNamespace(cuda=types.SimpleNamespace(memory=types.SimpleNamespace(
        ...     OutOfMemoryError=MemoryError)))
        >>> class Backend:
        ...     def full(self, n):
        ...         raise MemoryError("Out of memory allocating 4 bytes")
        >>> b = Backend()
        >>> wrap_public_methods(b, fake)
        >>> try:
        ...     b.full(1)
        ... except GPUOutOfMemoryError as e:
        ...     print(type(e).__name__, "4 bytes" in str(e))
        GPUOutOfMemoryError True
    """
    for name, _ in inspect.getmembers(type(obj), inspect.isfunction):
        if not name.startswith("_") and not isinstance(inspect.getattr_static(type(obj), name), staticmethod):
            setattr(obj, name, translating_out_of_memory(cupy, getattr(obj, name)))
