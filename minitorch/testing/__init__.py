"""Tools for testing minitorch and its backends: gradient checks, hypothesis strategies, conformance.

* ``check_gradients`` / ``numerical_gradients``: autograd against central differences.
* ``minitorch.testing.strategies``: hypothesis strategies (shapes, broadcastable shapes, arrays with
  safe values per op, non-contiguous views, dtypes); needs ``hypothesis``, so it loads on first use.
* ``minitorch.testing.conformance``: the pytest suite every backend must pass; run it with
  ``python -m minitorch.testing --backend NAME``.
* ``fresh_backend``: load a backend afresh within a block (to test how it fails to load).

Example:
    >>> import minitorch as mt
    >>> from minitorch.testing import check_gradients
    >>> check_gradients(lambda t: (t * t).sum(), [mt.ones(3, dtype=mt.float64, requires_grad=True)])
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from .gradients import check_gradients, numerical_gradients

__all__ = ["check_gradients", "fresh_backend", "numerical_gradients", "strategies"]


@contextlib.contextmanager
def fresh_backend(name: str) -> Iterator[None]:
    """Within the block, backend ``name`` loads afresh on first use; afterwards its earlier state is back.

    The registry keeps each loaded backend and each failure to load; a plugin's tests that
    change what the plugin finds (``sys.modules["numba"] = None``, a stand-in library) use this
    so the change is seen, and so the rest of the session still gets the real backend.

    Example:
        >>> import minitorch as mt
        >>> with fresh_backend("numpy"):
        ...     mt.zeros(1).backend
        'numpy'
    """
    from minitorch import backends

    saved = backends._instances.pop(name, None), backends._failures.pop(name, None)
    try:
        yield
    finally:
        for registry, old in zip((backends._instances, backends._failures), saved):
            registry.pop(name, None)
            if old is not None:
                registry[name] = old


def __getattr__(name: str) -> ModuleType:
    if name == "strategies":  # hypothesis is a test dependency: import it only when asked for
        return importlib.import_module(".strategies", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
