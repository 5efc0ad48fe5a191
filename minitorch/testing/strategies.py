"""Hypothesis strategies for testing minitorch and its backends: shapes, arrays, views and dtypes.

Everything here draws plain NumPy data and shapes; tests turn them into tensors
on the backend under test. Values come from per-op *domains* that keep each
operation away from overflow, poles and kinks (so central differences agree
with autograd), and :func:`views` describes non-contiguous views to carve out
of a larger base array.

Example:
    >>> from hypothesis import given
    >>> from minitorch.testing import strategies as mts
    >>> @given(mts.float_arrays(mts.shapes(max_dims=2), domain="log"))
    ... def test_log_domain(x):
    ...     assert (x > 0).all()
    >>> test_log_domain()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "DOMAINS",
    "DTYPE_NAMES",
    "FLOAT_DTYPES",
    "Domain",
    "View",
    "arrays",
    "broadcastable_shapes",
    "dims",
    "dtype_names",
    "dtype_pairs",
    "elements",
    "expand_sources",
    "expand_targets",
    "float_arrays",
    "python_scalars",
    "reshape_targets",
    "shapes",
    "views",
]

DTYPE_NAMES = ("bool", "int64", "float32", "float64")
FLOAT_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class Domain:
    """Values in ``[low, high]``; with ``signed``, either sign of a magnitude in ``[low, high]``.

    ``grid`` > 0 draws only multiples of ``grid`` plus ``offset`` (exact ties, and
    spacing far larger than the central-difference step).

    Example:
        >>> Domain(0.5, 2.0, signed=True).contains(-1.0)
        True
    """

    low: float
    high: float
    signed: bool = False
    grid: float = 0.0
    offset: float = 0.0

    def contains(self, value: float) -> bool:
        """Whether ``value`` can be drawn from this domain."""
        v = abs(value) if self.signed else value
        return self.low <= v <= self.high


# Safe inputs per op: finite results, no poles, kinks or branch cuts within reach of the
# gradient check's step, and magnitudes where float32 and float64 agree closely.
DOMAINS: dict[str, Domain] = {
    "default": Domain(-3.0, 3.0),
    "wide": Domain(-12.0, 12.0),          # sigmoid, tanh: saturating ops
    "exp": Domain(-4.0, 4.0),
    "log": Domain(0.1, 5.0),              # and sqrt
    "positive": Domain(0.1, 5.0),
    "nonzero": Domain(0.25, 3.0, signed=True),   # reciprocal, div denominators, abs, sign, relu
    "pow_base": Domain(0.25, 3.0),
    "pow_exponent": Domain(-2.0, 2.0),
    "grid": Domain(-3.0, 3.0, grid=0.25),         # maximum/minimum/comparisons: exact ties
    "around_one": Domain(-2.0, 2.0, grid=0.25),   # prod: small products, zeros included
    "int": Domain(-5, 5),
    "large": Domain(-1000.0, 1000.0),     # softmax/log-softmax stability
}


def _domain(domain: str | Domain) -> Domain:
    return DOMAINS[domain] if isinstance(domain, str) else domain


def elements(dtype: str, domain: str | Domain = "default") -> st.SearchStrategy[Any]:
    """Scalar values of ``dtype`` (a minitorch dtype name) drawn from ``domain``.

    Example:
        >>> from hypothesis import find
        >>> find(elements("float32", "positive"), lambda v: v > 1.0) > 1.0
        True
    """
    d = _domain(domain)
    if dtype == "bool":
        return st.booleans()
    if dtype == "int64":
        lo, hi = int(np.ceil(d.low)), int(np.floor(d.high))
        if d.signed:
            return st.integers(max(lo, 1), hi).flatmap(lambda m: st.sampled_from([m, -m]))
        return st.integers(lo, hi)
    width = 32 if dtype == "float32" else 64
    if d.grid:
        lo, hi = int(np.ceil((d.low - d.offset) / d.grid)), int(np.floor((d.high - d.offset) / d.grid))
        values = st.integers(lo, hi).map(lambda k: float(k * d.grid + d.offset))
    else:
        lo, hi = (float(np.float32(v)) for v in (d.low, d.high)) if width == 32 else (d.low, d.high)
        values = st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if d.signed:
        values = st.tuples(st.booleans(), values).map(lambda sv: -sv[1] if sv[0] else sv[1])
    return values


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d and size-1 dims (``min_side=0`` adds empty ones).

    Example:
        >>> from hypothesis import find
        >>> find(shapes(), lambda s: len(s) == 2)
        (1, 1)
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy:
    """Tuples of ``num_shapes`` shapes that broadcast together (size-1 and missing dims included).

    Example:
        >>> from hypothesis import find
        >>> a, b = find(broadcastable_shapes(), lambda p: len(p[0]) == 2 and p[0] != p[1])
        >>> np.broadcast_shapes(a, b) in (a, b)
        True
    """
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda b: b.input_shapes)


@st.composite
def expand_sources(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that expands (broadcasts) to ``shape``: some dims set to 1, maybe fewer leading dims.

    Example:
        >>> from hypothesis import find
        >>> find(expand_sources((2, 3)), lambda s: len(s) == 2)
        (2, 3)
    """
    drop = draw(st.integers(0, len(shape)))
    if drop and not draw(st.booleans()):
        drop = 0
    return tuple(1 if draw(st.booleans()) else n for n in shape[drop:])


@st.composite
def expand_targets(draw: st.DrawFn, shape: tuple[int, ...], max_side: int = 3) -> tuple[int, ...]:
    """A shape that ``shape`` expands to: size-1 dims grown, maybe new leading dims.

    Example:
        >>> from hypothesis import find
        >>> find(expand_targets((1, 3)), lambda s: s[0] > 1)
        (2, 3)
    """
    lead = draw(st.lists(st.integers(1, max_side), max_size=2 if len(shape) < 3 else 0))
    return tuple(lead) + tuple(draw(st.integers(1, max_side)) if n == 1 else n for n in shape)


def arrays(dtype: str, shape: tuple[int, ...] | st.SearchStrategy, domain: str | Domain = "default",
           distinct: bool = False) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of a minitorch dtype name with values from ``domain``.

    With ``distinct`` the values are all different (for max/min, whose gradient
    at ties differs from central differences); the shape must then be small
    enough for the domain to supply that many values.

    Example:
        >>> from hypothesis import find
        >>> find(arrays("int64", (2, 3), "int"), lambda a: a.sum() > 3).shape
        (2, 3)
    """
    if distinct and dtype != "bool":
        d = _domain(domain)  # a fine grid: plenty of values, all far apart compared with the gradient step
        d = Domain(d.low, d.high, d.signed, grid=(d.high if d.signed else d.high - d.low) / 256)
        return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, d), unique=True)
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, domain))


def float_arrays(shape: tuple[int, ...] | st.SearchStrategy | None = None, dtype: str = "float64",
                 domain: str | Domain = "default", distinct: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Float arrays (``shape`` defaults to :func:`shapes`) with values safe for ``domain``'s op.

    Example:
        >>> from hypothesis import find
        >>> x = find(float_arrays((3,), domain="nonzero"), lambda a: True)
        >>> bool((np.abs(x) >= 0.25).all())
        True
    """
    return arrays(dtype, shapes() if shape is None else shape, domain, distinct)


def dims(ndim: int, allow_none: bool = True, allow_tuple: bool = True) -> st.SearchStrategy:
    """A ``dim`` argument for a reduction over ``ndim`` dims: None, an int (maybe negative) or a tuple.

    Example:
        >>> from hypothesis import find
        >>> find(dims(3), lambda d: isinstance(d, tuple) and len(d) == 2)
        (0, 1)
    """
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
                           .map(tuple))
    return st.one_of(options) if options else st.none()


@st.composite
def reshape_targets(draw: st.DrawFn, shape: tuple[int, ...], allow_infer: bool = True) -> tuple[int, ...]:
    """A new shape with as many elements as ``shape`` (its factors regrouped, size-1 dims added, maybe a -1).

    Example:
        >>> from hypothesis import find
        >>> target = find(reshape_targets((2, 6)), lambda s: len(s) == 3 and -1 not in s)
        >>> int(np.prod(target))
        12
    """
    n = int(np.prod(shape, dtype=np.int64))
    factors = [p for p in _prime_factors(n)] + [1] * draw(st.integers(0, 2))
    if n == 0:
        factors = [0] + draw(st.lists(st.integers(1, 3), max_size=2))
    factors = draw(st.permutations(factors))
    cuts = sorted(draw(st.sets(st.integers(1, max(len(factors) - 1, 1)), max_size=3)))
    groups = [factors[a:b] for a, b in zip([0] + cuts, cuts + [len(factors)]) if factors[a:b]]
    target = [int(np.prod(g, dtype=np.int64)) for g in groups]
    if allow_infer and target and n and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


def dtype_names(among: Sequence[str] = DTYPE_NAMES) -> st.SearchStrategy[str]:
    """One minitorch dtype name among ``among`` (e.g. a backend's ``dtypes``).

    Example:
        >>> from hypothesis import find
        >>> find(dtype_names(FLOAT_DTYPES), lambda d: True)
        'float32'
    """
    return st.sampled_from(tuple(among))


def dtype_pairs(among: Sequence[str] = DTYPE_NAMES) -> st.SearchStrategy[tuple[str, str]]:
    """Two dtype names (possibly equal) for mixed-dtype promotion tests.

    Example:
        >>> from hypothesis import find
        >>> find(dtype_pairs(), lambda p: p[0] != p[1])
        ('bool', 'int64')
    """
    return st.tuples(dtype_names(among), dtype_names(among))


def python_scalars(kinds: Sequence[str] = ("bool", "int", "float")) -> st.SearchStrategy:
    """Small Python bools, ints and floats (exactly representable in every dtype), never zero for ints/floats.

    Example:
        >>> from hypothesis import find
        >>> type(find(python_scalars(("float",)), lambda v: True))
        <class 'float'>
    """
    options = {
        "bool": st.booleans(),
        "int": st.sampled_from([1, 2, 3, -1, -2]),
        "float": st.sampled_from([0.5, 1.5, 2.0, -0.5, -1.25]),
    }
    return st.one_of([options[k] for k in kinds])


@dataclass(frozen=True)
class View:
    """A recipe for a non-contiguous view of shape ``shape``: slice ``key`` (steps, offsets) of a
    ``base_shape`` array, then reorder its axes by ``axes``.

    Apply the same recipe to a NumPy array (the host reference), a tensor, or a
    backend's native array.

    Example:
        >>> v = View(base_shape=(5, 2), key=(slice(1, 5, 2), slice(0, 2, 1)), axes=(1, 0))
        >>> v.shape, v.numpy(np.arange(10).reshape(5, 2)).tolist()
        ((2, 2), [[2, 6], [3, 7]])
    """

    base_shape: tuple[int, ...]
    key: tuple[slice, ...]
    axes: tuple[int, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the view."""
        sliced = [len(range(*k.indices(n))) for k, n in zip(self.key, self.base_shape)]
        return tuple(sliced[a] for a in self.axes)

    def numpy(self, base: np.ndarray) -> np.ndarray:
        """The view of a NumPy array."""
        return base[self.key].transpose(self.axes)

    def tensor(self, base: Any) -> Any:
        """The view of a minitorch tensor (differentiable)."""
        return base[self.key].permute(*self.axes)

    def native(self, backend: Any, base: Any) -> Any:
        """The view of a backend's native array, made with its ``index`` and ``permute`` primitives."""
        return backend.permute(backend.index(base, self.key), self.axes)


@st.composite
def views(draw: st.DrawFn, shape: tuple[int, ...]) -> View:
    """A :class:`View` recipe giving ``shape``: strided slices with offsets, then a permutation.

    Every recipe for a shape with a dim larger than 1 is non-contiguous (a step, an offset or
    a transpose that matters).

    Example:
        >>> from hypothesis import find
        >>> v = find(views((2, 3)), lambda v: True)
        >>> v.shape, np.ones(v.base_shape)[v.key].transpose(v.axes).flags.c_contiguous
        ((2, 3), False)
    """
    ndim = len(shape)
    axes = tuple(draw(st.permutations(range(ndim))))
    pre = [0] * ndim  # the shape before the permutation
    for i, a in enumerate(axes):
        pre[a] = shape[i]
    steps = [draw(st.integers(1, 3)) for _ in range(ndim)]
    long_dims = [d for d in range(ndim) if pre[d] > 1]
    if long_dims and all(s == 1 for s in steps) and _keeps_order(axes, shape):
        steps[long_dims[-1]] = 2  # make sure the view is not simply contiguous
    key, base = [], []
    for n, step in zip(pre, steps):
        start = draw(st.integers(0, 2))
        stop = start + (n - 1) * step + 1 if n else start
        base.append(stop + draw(st.integers(0, 1)))
        key.append(slice(start, stop, step))
    return View(tuple(base), tuple(key), axes)


def _keeps_order(axes: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether permuting by ``axes`` to ``shape`` leaves the dims longer than 1 in memory order."""
    order = [a for i, a in enumerate(axes) if shape[i] > 1]
    return order == sorted(order)
