"""Tools for testing minitorch and its backends: gradient checks, hypothesis strategies, conformance.

* ``check_gradients`` / ``numerical_gradients``: autograd against central differences.
* ``minitorch.testing.strategies``: hypothesis strategies (shapes, broadcastable shapes, arrays with
  safe values per op, non-contiguous views, dtypes); needs ``hypothesis``, so it loads on first use.
* ``minitorch.testing.conformance``: the pytest suite every backend must pass; run it with
  ``python -m minitorch.testing --backend NAME``.

Example:
    >>> import minitorch as mt
    >>> from minitorch.testing import check_gradients
    >>> check_gradients(lambda t: (t * t).sum(), [mt.ones(3, dtype=mt.float64, requires_grad=True)])
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .gradients import check_gradients, numerical_gradients

__all__ = ["check_gradients", "numerical_gradients", "strategies"]


def __getattr__(name: str) -> ModuleType:
    if name == "strategies":  # hypothesis is a test dependency: import it only when asked for
        return importlib.import_module(".strategies", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
