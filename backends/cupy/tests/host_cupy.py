"""A stand-in for CuPy that runs on the host (NumPy arrays), so the plugin's own logic is tested without a GPU.

It provides what ``minitorch_cupy`` touches: NumPy's functions under CuPy's names, ``asnumpy``,
``lib.stride_tricks.as_strided``, ``ElementwiseKernel`` (the kernel's body evaluated with NumPy:
the update rules are written in the subset C and Python share), ``cupyx.scatter_add``, and a
``cuda`` namespace with a device count, memory info and ``OutOfMemoryError``. It cannot catch
what only a GPU shows (CUDA compilation, CuPy's own semantics); ``test_gpu.py`` covers those.
"""

from __future__ import annotations

import re
import sys
import types
from contextlib import contextmanager

import numpy as np


class OutOfMemoryError(MemoryError):
    """CuPy's ``cupy.cuda.memory.OutOfMemoryError(size, total)``, with its message."""

    def __init__(self, size: int, total: int) -> None:
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: {total:,} bytes).")
        self._size, self._total = size, total


class CUDARuntimeError(RuntimeError):
    pass


class HostElementwiseKernel:
    """``cupy.ElementwiseKernel`` for bodies of ``[T ]name = expression;`` statements, run with NumPy."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str = "kernel") -> None:
        def names(params: str) -> list[str]:
            return [p.split()[-1] for p in params.split(",") if p.strip()]

        self.inputs, self.outputs, self.name = names(in_params), names(out_params), name
        self.statements = [re.sub(r"^T ", "", s.strip()) for s in operation.split(";") if s.strip()]

    def __call__(self, *args):
        assert len(args) == len(self.inputs) + len(self.outputs), (self.name, len(args))
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        t = arrays[0].dtype.type  # every parameter is T: scalars are cast to it, as CuPy does
        scope = {"sqrt": np.sqrt, "max": np.maximum, "exp": np.exp, "abs": np.abs}
        for name, value in zip(self.inputs + self.outputs, args):
            scope[name] = value if isinstance(value, np.ndarray) else t(value)
        with np.errstate(all="ignore"):
            for statement in self.statements:
                target, expression = statement.split("=", 1)
                scope[target.strip()] = np.asarray(eval(expression, scope), dtype=t)  # noqa: S307 - our own rules
        for name, out in zip(self.outputs, args[len(self.inputs):]):
            out[...] = scope[name]


class MemoryPool:
    def total_bytes(self) -> int:
        return 3 << 29

    def free_bytes(self) -> int:
        return 1 << 29


def make(device_count: int | Exception = 1, free: int = 1 << 30, total: int = 80 << 30
         ) -> tuple[types.ModuleType, types.ModuleType]:
    """A (cupy, cupyx) pair of host stand-ins."""
    cupy = types.ModuleType("cupy")
    for name in dir(np):
        if not name.startswith("_"):
            setattr(cupy, name, getattr(np, name))
    cupy.__version__ = "host-stand-in"
    cupy.asnumpy = lambda x: np.array(x, copy=True)
    cupy.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=lambda x, shape, strides: np.lib.stride_tricks.as_strided(x, shape, strides)))
    cupy.ElementwiseKernel = HostElementwiseKernel
    cupy.get_default_memory_pool = MemoryPool

    def device_count_or_error() -> int:
        if isinstance(device_count, Exception):
            raise device_count
        return device_count

    cupy.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=device_count_or_error, memGetInfo=lambda: (free, total),
                                      CUDARuntimeError=CUDARuntimeError),
        memory=types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError),
        Device=lambda: types.SimpleNamespace(id=0),
        get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None),
    )
    cupyx = types.ModuleType("cupyx")
    cupyx.scatter_add = lambda a, slices, value: np.add.at(a, slices, value)
    return cupy, cupyx


@contextmanager
def installed(**options):
    """Within the block ``import cupy`` gives the stand-in and minitorch loads the ``cupy`` backend afresh."""
    from minitorch.testing import fresh_backend

    cupy, cupyx = make(**options)
    saved = {m: sys.modules.get(m) for m in ("cupy", "cupyx")}
    sys.modules["cupy"], sys.modules["cupyx"] = cupy, cupyx
    try:
        with fresh_backend("cupy"):
            yield cupy
    finally:
        for m, module in saved.items():
            if module is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = module


def install_for_process() -> None:
    """Install the stand-in for the rest of this process (for a subprocess running the conformance suite)."""
    cupy, cupyx = make()
    sys.modules["cupy"], sys.modules["cupyx"] = cupy, cupyx
