"""Every test run by the repository's pytest (tests/, doctests, plugins) starts from the same global state."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests that change the default dtype or backend must not leak it to others."""
    import minitorch as mt
    from minitorch import backends

    yield
    mt.set_default_dtype(mt.float32)
    backends._default_name = None
    backends._default_stack.clear()
