"""minitorch-numba: the ``numba`` backend plugin (NumPy arrays, parallel Numba kernels on the hot paths)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backend import NumbaBackend

__all__ = ["factory"]

INSTALL_HINT = "pip install numba  (or: pip install 'minitorch[numba]')"


def factory() -> NumbaBackend:
    """Entry point of the ``numba`` backend; raises ImportError naming the install command without Numba.

    Example:
        >>> import minitorch as mt
        >>> mt.backends.get_backend("numba").name
        'numba'
    """
    try:
        import numba  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"the numba backend needs Numba, which is not installed: {INSTALL_HINT}") from exc
    from .backend import NumbaBackend

    return NumbaBackend()
