"""Shared test settings: hypothesis profiles sized for a 2-core CI machine, and the torch oracle."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def torch():
    """PyTorch as an oracle; the test is skipped where it is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Tests that change the default dtype or backend must not leak it to others."""
    import minitorch as mt
    from minitorch import backends

    yield
    mt.set_default_dtype(mt.float32)
    backends._default_name = None
    backends._default_stack.clear()
