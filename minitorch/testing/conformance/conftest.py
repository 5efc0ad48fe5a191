"""Chooses the backends the conformance suite runs against, and its hypothesis settings."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

from minitorch.backends import Backend, BackendUnavailableError, available, get_backend

ENV_VAR = "MINITORCH_CONFORMANCE_BACKENDS"

# The same profiles as minitorch's own tests/conftest.py, for when the suite runs on its own.
_PROFILES = {"ci": {"max_examples": 30, "derandomize": True}, "thorough": {"max_examples": 300}}


def _is_ours(name: str) -> bool:
    """Whether profile ``name`` is minitorch's (hypothesis has a built-in ``ci`` with other sizes)."""
    try:
        profile = settings.get_profile(name)
    except InvalidArgument:
        return False
    return profile.max_examples == _PROFILES[name]["max_examples"] and profile.deadline is None


def _use_profile() -> None:
    """Make ``ci``/``thorough`` minitorch's profiles, and load ``$HYPOTHESIS_PROFILE`` (default ``ci``)
    unless a profile was loaded already (by tests/conftest.py, ``--hypothesis-profile``, ...)."""
    for name, options in _PROFILES.items():
        if not _is_ours(name):  # re-registering the loaded profile reloads it
            settings.register_profile(name, deadline=None, database=None, **options,
                                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    if settings.get_current_profile_name() == "default":
        wanted = os.environ.get("HYPOTHESIS_PROFILE", "ci")
        try:
            settings.load_profile(wanted)
        except InvalidArgument:
            settings.load_profile("ci")


_use_profile()


def _selected() -> list[str]:
    """Backends named in $MINITORCH_CONFORMANCE_BACKENDS (comma-separated), else every available one."""
    named = os.environ.get(ENV_VAR)
    if named:
        return [n.strip() for n in named.split(",") if n.strip()]
    return [name for name, status in available().items() if status.available]


@pytest.fixture(scope="session", params=_selected())
def backend_name(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test (one run of each test per selected backend)."""
    name = request.param
    try:
        get_backend(name)
    except (ValueError, BackendUnavailableError) as exc:
        pytest.fail(f"conformance: backend {name!r} cannot be tested: {exc}", pytrace=False)
    return name


@pytest.fixture(scope="session")
def backend(backend_name: str) -> Backend:
    """The backend object under test, for tests that call its primitives directly."""
    return get_backend(backend_name)
