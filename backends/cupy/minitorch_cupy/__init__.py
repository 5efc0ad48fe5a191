"""minitorch-cupy: the ``cupy`` backend plugin (NVIDIA GPUs through CuPy), found through its entry point."""

from __future__ import annotations

import importlib
from types import ModuleType

from minitorch.backends import KNOWN_PLUGINS

INSTALL = KNOWN_PLUGINS["cupy"]


def gpu_unavailable_reason(cupy: ModuleType) -> str | None:
    """Why CuPy cannot run here (no driver, no GPU, a broken CUDA install), or None when it can.

    Runs one tiny kernel, so a missing compiler library (NVRTC) is found now, not mid-training.

    Example (without CUDA, the reason names the CUDA error):
        >>> import cupy                            # doctest: +SKIP
        >>> gpu_unavailable_reason(cupy) is None   # doctest: +SKIP
        True
    """
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError: no driver, no device, driver too old
        return f"CuPy {cupy.__version__} is installed but CUDA cannot start: {type(exc).__name__}: {exc}"
    if count == 0:
        return f"CuPy {cupy.__version__} is installed but there is no CUDA GPU on this machine"
    try:
        (cupy.arange(4, dtype="float32") * 2).sum().item()
    except Exception as exc:
        return f"CuPy {cupy.__version__} sees {count} GPU(s) but cannot run a kernel: {type(exc).__name__}: {exc}"
    return None


def factory():
    """Entry point of the ``cupy`` backend: its reason for being unavailable is the error it raises.

    Example:
        >>> import minitorch as mt
        >>> status = mt.backends.available()["cupy"]
        >>> status.available or "CuPy" in status.reason
        True
    """
    try:
        cupy = importlib.import_module("cupy")
        cupyx = importlib.import_module("cupyx")
    except ImportError as exc:
        raise ImportError(f"CuPy is not installed ({exc}); {INSTALL}") from exc
    reason = gpu_unavailable_reason(cupy)
    if reason is not None:
        raise RuntimeError(reason)
    from .backend import CupyBackend

    return CupyBackend(cupy, cupyx)
