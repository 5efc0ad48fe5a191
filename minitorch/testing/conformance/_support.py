"""Helpers the conformance tests share: tensors on the backend under test and comparisons with NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import minitorch as mt
from minitorch.backends import Backend, get_backend
from minitorch.testing import strategies as mts

LAYOUTS = ("contiguous", "view", "expanded")

# Results are compared with a NumPy reference computed in float64 from the same inputs.
TOLERANCES = {"float32": {"rtol": 1e-4, "atol": 1e-4}, "float64": {"rtol": 1e-7, "atol": 1e-9}}


def float_dtypes(backend_name: str) -> tuple[str, ...]:
    """The floating dtypes the backend supports, float32 first.

    Example:
        >>> float_dtypes("numpy")
        ('float32', 'float64')
    """
    return tuple(d for d in mts.FLOAT_DTYPES if d in get_backend(backend_name).dtypes)


def require_dtypes(backend_name: str, *names: str) -> None:
    """Skip the test when the backend lacks one of the dtypes ``names``.

    Example:
        >>> require_dtypes("numpy", "float64")
    """
    missing = [n for n in names if n not in get_backend(backend_name).dtypes]
    if missing:
        pytest.skip(f"backend {backend_name!r} does not support {', '.join(missing)}")


def draw_dtype(data: st.DataObject, backend_name: str, among: tuple[str, ...] = mts.FLOAT_DTYPES) -> str:
    """One of ``among`` that the backend supports (the test is skipped when there is none)."""
    supported = [d for d in among if d in get_backend(backend_name).dtypes]
    if not supported:
        pytest.skip(f"backend {backend_name!r} supports none of {', '.join(among)}")
    return data.draw(mts.dtype_names(supported), label="dtype")


def tensor(array: np.ndarray, backend_name: str, requires_grad: bool = False) -> mt.Tensor:
    """A tensor on the backend holding a copy of ``array``, with the same dtype.

    Example:
        >>> tensor(np.ones(2, np.float32), "numpy").dtype
        minitorch.float32
    """
    return mt.tensor(array, dtype=mt.dtypes.as_dtype(array.dtype), backend=backend_name,
                     requires_grad=requires_grad)


def host(t: mt.Tensor) -> np.ndarray:
    """A tensor's values as a NumPy array (detached)."""
    return t.detach().numpy()


def assert_values(actual: np.ndarray, expected: Any, dtype: str) -> None:
    """``actual`` (a NumPy array of ``dtype``) equals ``expected``: exactly for bool/int64, within tolerance for floats.

    Example:
        >>> assert_values(np.float32([1.0, 2.0]), [1.0, 2.0000001], "float32")
    """
    expected = np.asarray(expected)
    assert isinstance(actual, np.ndarray), f"expected a NumPy array, got {type(actual).__name__}"
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    assert actual.dtype == np.dtype(dtype), f"values have dtype {actual.dtype}, expected {dtype}"
    if dtype in TOLERANCES:
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64), equal_nan=True,
                                   **TOLERANCES[dtype])
    else:
        np.testing.assert_array_equal(actual, expected.astype(dtype))


def assert_tensor(t: mt.Tensor, expected: Any, dtype: str, backend_name: str) -> None:
    """``t`` lives on the backend, has ``dtype`` (declared and actual) and ``expected``'s values.

    Example:
        >>> assert_tensor(mt.tensor([1, 2]), [1, 2], "int64", "numpy")
    """
    assert isinstance(t, mt.Tensor), f"expected a Tensor, got {type(t).__name__}"
    assert t.backend == backend_name, f"result on backend {t.backend!r}, expected {backend_name!r}"
    assert t.dtype.name == dtype, f"result dtype {t.dtype.name}, expected {dtype}"
    assert_values(host(t), expected, dtype)


def assert_native(backend: Backend, x: Any, expected: Any, dtype: str) -> None:
    """A native array of the backend has ``expected``'s shape and values, and dtype ``dtype``.

    Example:
        >>> b = get_backend("numpy")
        >>> assert_native(b, b.full((2,), 3, "int64"), [3, 3], "int64")
    """
    expected = np.asarray(expected)
    assert tuple(x.shape) == expected.shape, f"native .shape {tuple(x.shape)} != expected {expected.shape}"
    assert_values(backend.to_numpy(x), expected, dtype)


def draw_native(data: st.DataObject, backend: Backend, shape: tuple[int, ...], dtype: str,
                domain: str | mts.Domain = "default", distinct: bool = False,
                layout: str | None = None) -> tuple[Any, np.ndarray]:
    """A native array of ``shape`` and its host copy: contiguous, a strided/transposed view, or expanded.

    ``layout`` forces one of ``LAYOUTS``; None draws one. Expanded arrays (zero strides, read-only)
    repeat values, so ``distinct`` never draws them.
    """
    if layout is None:
        layout = data.draw(st.sampled_from(LAYOUTS[:2] if distinct else LAYOUTS), label="layout")
    if layout == "contiguous":
        values = data.draw(mts.arrays(dtype, shape, domain, distinct), label="values")
        return backend.from_numpy(values), values
    if layout == "expanded":
        source = data.draw(mts.arrays(dtype, mts.expand_sources(shape), domain), label="source")
        return backend.expand(backend.from_numpy(source), shape), np.broadcast_to(source, shape)
    view = data.draw(mts.views(shape), label="view")
    base = data.draw(mts.arrays(dtype, view.base_shape, domain, distinct), label="base")
    return view.native(backend, backend.from_numpy(base)), view.numpy(base)


def draw_tensor(data: st.DataObject, backend_name: str, shape: tuple[int, ...], dtype: str,
                domain: str | mts.Domain = "default", distinct: bool = False, requires_grad: bool = False,
                layout: str | None = None) -> tuple[mt.Tensor, np.ndarray]:
    """A tensor of ``shape`` on the backend and its host values: contiguous, a strided view, or expanded.

    With ``requires_grad``, a view or expansion is a non-leaf (made from a leaf by differentiable ops);
    use :func:`draw_leaf` for a leaf tensor whose own memory is strided.
    """
    if layout is None:
        layout = data.draw(st.sampled_from(LAYOUTS[:2] if distinct else LAYOUTS), label="layout")
    if layout == "contiguous":
        values = data.draw(mts.arrays(dtype, shape, domain, distinct), label="values")
        return tensor(values, backend_name, requires_grad), values
    if layout == "expanded":
        source = data.draw(mts.arrays(dtype, mts.expand_sources(shape), domain), label="source")
        return tensor(source, backend_name, requires_grad).expand(*shape), np.broadcast_to(source, shape)
    view = data.draw(mts.views(shape), label="view")
    base = data.draw(mts.arrays(dtype, view.base_shape, domain, distinct), label="base")
    return view.tensor(tensor(base, backend_name, requires_grad)), view.numpy(base)


def draw_leaf(data: st.DataObject, backend_name: str, shape: tuple[int, ...], dtype: str = "float64",
              domain: str | mts.Domain = "default", distinct: bool = False) -> tuple[mt.Tensor, np.ndarray]:
    """A leaf tensor requiring grad whose native data is contiguous or a strided/transposed view (drawn)."""
    b = get_backend(backend_name)
    native, values = draw_native(data, b, shape, dtype, domain, distinct)
    leaf = mt.Tensor(native, mt.dtypes.as_dtype(dtype), b)
    return leaf.requires_grad_(), values
