"""Backend discovery through entry points, selection of the default, and their errors.

Backends are found in the entry-point group ``minitorch.backends`` (name ->
``package.module:factory``); nothing is imported until a backend is first asked
for, and a plugin that fails to load breaks only itself.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

from .contract import CONTRACT_VERSION, Backend, DeferredChecks

__all__ = [
    "Backend",
    "BackendStatus",
    "BackendUnavailableError",
    "DeferredChecks",
    "available",
    "default_backend",
    "get_backend",
    "get_default_backend",
    "set_default_backend",
]

ENTRY_POINT_GROUP = "minitorch.backends"
ENV_VAR = "MINITORCH_BACKEND"

# Backends we publish ourselves: listed (as not installed) even before their plugin is.
KNOWN_PLUGINS = {
    "numba": "pip install numba, then the plugin from a minitorch checkout: pip install ./backends/numba",
    "cupy": "pip install 'minitorch[cupy]' (CUDA 12) or 'minitorch[cupy-cuda13]' (CUDA 13), then the plugin from a "
            "minitorch checkout: pip install ./backends/cupy",
}
# Used only when minitorch runs from a source tree without installed metadata.
_BUILTIN = {"numpy": "minitorch.backends.numpy_backend:factory"}


class BackendUnavailableError(RuntimeError):
    """A backend that is known by name but cannot start here, with the reason why."""


@dataclass(frozen=True)
class BackendStatus:
    """What ``available()`` reports for one backend."""

    name: str
    available: bool
    reason: str | None = None
    device: str | None = None
    dtypes: tuple[str, ...] = ()
    source: str = ""

    def __str__(self) -> str:
        if self.available:
            return f"{self.name:<8} available   device={self.device} dtypes={','.join(self.dtypes)} ({self.source})"
        return f"{self.name:<8} unavailable {self.reason}"


_entry_points: dict[str, str] | None = None
_instances: dict[str, Backend] = {}
_failures: dict[str, str] = {}
_default_stack: list[str] = []
_default_name: str | None = None


def _discover() -> dict[str, str]:
    global _entry_points
    if _entry_points is None:
        found = dict(_BUILTIN)
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found[ep.name] = ep.value
        _entry_points = found
    return _entry_points


def _load(name: str) -> Backend:
    target = _discover()[name]
    module_name, _, attr = target.partition(":")
    try:
        module = __import__(module_name, fromlist=[attr or "factory"])
        factory = getattr(module, attr or "factory")
        backend = factory()
    except Exception as exc:  # a broken plugin breaks only itself
        missing = isinstance(exc, ImportError) and name in KNOWN_PLUGINS and KNOWN_PLUGINS[name] not in str(exc)
        hint = f"; install it with: {KNOWN_PLUGINS[name]}" if missing else ""
        raise BackendUnavailableError(
            f"backend {name!r} ({target}) failed to load: {type(exc).__name__}: {exc}{hint}"
        ) from exc
    if not isinstance(backend, Backend):
        raise BackendUnavailableError(
            f"backend {name!r}: factory {target} returned {type(backend).__name__}, "
            "not a minitorch.backends.Backend"
        )
    if backend.contract_version != CONTRACT_VERSION:
        raise BackendUnavailableError(
            f"backend {name!r} implements contract version {backend.contract_version}, "
            f"this minitorch needs version {CONTRACT_VERSION}"
        )
    return backend


def get_backend(name: str | Backend | None = None) -> Backend:
    """The backend called ``name`` (the default backend when None), loading it on first use.

    Raises ``ValueError`` for an unknown name (listing the known ones) and
    ``BackendUnavailableError`` for one that cannot start (saying why).

    Example:
        >>> import minitorch as mt
        >>> mt.backends.get_backend("numpy").name
        'numpy'
    """
    if isinstance(name, Backend):
        return name
    from_env = name is None and not _default_stack and _default_name is None and bool(os.environ.get(ENV_VAR))
    if name is None:
        name = get_default_backend()
    backend = _instances.get(name)
    if backend is not None:
        return backend
    if name not in _discover():
        known = ", ".join(sorted(set(_discover()) | set(KNOWN_PLUGINS)))
        if name in KNOWN_PLUGINS:
            raise BackendUnavailableError(
                f"backend {name!r} is not installed; install it with: {KNOWN_PLUGINS[name]}"
            )
        source = f" (from ${ENV_VAR})" if from_env else ""
        raise ValueError(f"unknown backend {name!r}{source}; known backends: {known}")
    if name in _failures:
        raise BackendUnavailableError(_failures[name])
    try:
        backend = _load(name)
    except BackendUnavailableError as exc:
        _failures[name] = str(exc)
        raise
    _instances[name] = backend
    return backend


def available() -> dict[str, BackendStatus]:
    """Every discovered or known backend with whether it can start here, and why not.

    Example:
        >>> import minitorch as mt
        >>> mt.backends.available()["numpy"].available
        True
    """
    result = {}
    for name in sorted(set(_discover()) | set(KNOWN_PLUGINS)):
        try:
            b = get_backend(name)
        except (BackendUnavailableError, ValueError) as exc:
            result[name] = BackendStatus(name, False, reason=str(exc))
        else:
            source = _discover()[name]
            result[name] = BackendStatus(name, True, device=b.device, dtypes=tuple(b.dtypes), source=source)
    return result


def get_default_backend() -> str:
    """The name new tensors use when none is given.

    Most specific first: the innermost ``default_backend`` block, then
    ``set_default_backend``, then ``$MINITORCH_BACKEND``, then ``"numpy"``.

    Example:
        >>> import minitorch as mt
        >>> with mt.default_backend("numpy"):
        ...     mt.backends.get_default_backend()
        'numpy'
    """
    if _default_stack:
        return _default_stack[-1]
    if _default_name is not None:
        return _default_name
    return os.environ.get(ENV_VAR) or "numpy"


def set_default_backend(name: str | None) -> None:
    """Make ``name`` the default backend for new tensors (None: back to the environment).

    Example:
        >>> import minitorch as mt
        >>> mt.set_default_backend("numpy")
        >>> mt.zeros(2).backend
        'numpy'
        >>> mt.set_default_backend(None)  # back to $MINITORCH_BACKEND, then numpy
    """
    global _default_name
    if name is not None:
        get_backend(name)  # fail now, with the reason, rather than at the first tensor
    _default_name = name


@contextlib.contextmanager
def default_backend(name: str) -> Iterator[Backend]:
    """Within the block, new tensors default to backend ``name``.

    Example:
        >>> import minitorch as mt
        >>> with mt.default_backend("numpy"):
        ...     mt.ones(3).backend
        'numpy'
    """
    backend = get_backend(name)
    _default_stack.append(backend.name)
    try:
        yield backend
    finally:
        _default_stack.pop()


def _reset_discovery() -> None:
    """Forget discovered entry points and failures (for tests that install plugins)."""
    global _entry_points
    _entry_points = None
    _failures.clear()
