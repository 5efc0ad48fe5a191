"""The backend contract: the primitive ops a backend must provide and the fast paths it may.

A backend owns arrays of its own native type; the core owns autograd, shapes,
broadcasting rules and dtypes. The core calls only the methods below, so a
class that implements the required primitives runs every model. The optional
fast paths have generic implementations here, written with the primitives;
a backend overrides them when it has something faster.

Conventions every method follows:

* ``dtype`` arguments are minitorch dtype names: ``"float32"``, ``"float64"``,
  ``"int64"``, ``"bool"``.
* Native arrays expose ``.shape`` as a tuple of ints; nothing else is assumed.
* Binary ops receive two arrays of the same dtype, or one array and a Python
  scalar; shapes broadcast by NumPy rules (the core has already checked them).
* Results may be views of their inputs where the method says "view".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CONTRACT_VERSION = 1

UNARY_OPS = ("neg", "exp", "log", "sqrt", "reciprocal", "abs", "sign", "sin", "cos", "tanh")
BINARY_OPS = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge")
REDUCE_OPS = ("sum", "prod", "max", "min")
ARG_REDUCE_OPS = ("argmax", "argmin")
COMPARISON_OPS = ("eq", "ne", "lt", "le", "gt", "ge")

Array = Any
IndexKey = tuple  # of int, slice (step > 0, bounds normalised) and native int64 arrays


class Backend:
    """Base class of every backend; subclasses implement the required primitives.

    Class attributes to set: ``name``, ``device``, ``dtypes`` (names supported),
    ``contract_version``.

    Example:
        >>> import minitorch as mt
        >>> b = mt.backends.get_backend("numpy")
        >>> b.name, b.device, b.contract_version
        ('numpy', 'cpu', 1)
    """

    name: str = "abstract"
    device: str = "cpu"
    dtypes: tuple[str, ...] = ("bool", "int64", "float32", "float64")
    contract_version: int = CONTRACT_VERSION

    # ---- creation and transfer -------------------------------------------------
    def from_numpy(self, array) -> Array:
        """A native array holding the values of a NumPy array (same dtype)."""
        raise NotImplementedError

    def to_numpy(self, x: Array):
        """A NumPy array holding the values of ``x``."""
        raise NotImplementedError

    def full(self, shape: tuple[int, ...], value: float | int | bool, dtype: str) -> Array:
        """A new array of ``shape`` filled with ``value``."""
        raise NotImplementedError

    # ---- elementwise -------------------------------------------------------------
    def unary(self, op: str, x: Array) -> Array:
        """Apply one of ``UNARY_OPS`` elementwise."""
        raise NotImplementedError

    def binary(self, op: str, a: Array | float, b: Array | float) -> Array:
        """Apply one of ``BINARY_OPS`` with broadcasting; comparisons return bool."""
        raise NotImplementedError

    def where(self, cond: Array, a: Array | float, b: Array | float) -> Array:
        """Elementwise ``a`` where ``cond`` else ``b``, with broadcasting."""
        raise NotImplementedError

    def astype(self, x: Array, dtype: str) -> Array:
        """``x`` converted to ``dtype`` (a new array)."""
        raise NotImplementedError

    # ---- reductions and products ------------------------------------------------
    def reduce(self, op: str, x: Array, axes: tuple[int, ...], keepdims: bool) -> Array:
        """Reduce over ``axes`` (non-negative, possibly empty) with one of ``REDUCE_OPS``."""
        raise NotImplementedError

    def arg_reduce(self, op: str, x: Array, axis: int) -> Array:
        """int64 indices of the first maximum/minimum along ``axis``, which is removed."""
        raise NotImplementedError

    def matmul(self, a: Array, b: Array) -> Array:
        """Batched matrix product of arrays with at least 2 dims; batch dims broadcast."""
        raise NotImplementedError

    # ---- views and copies -------------------------------------------------------
    def reshape(self, x: Array, shape: tuple[int, ...]) -> Array:
        """View (or copy when impossible) of ``x`` with a new shape of the same size."""
        raise NotImplementedError

    def permute(self, x: Array, axes: tuple[int, ...]) -> Array:
        """View of ``x`` with its axes reordered."""
        raise NotImplementedError

    def expand(self, x: Array, shape: tuple[int, ...]) -> Array:
        """Read-only broadcast view of ``x`` to ``shape``."""
        raise NotImplementedError

    def index(self, x: Array, key: IndexKey) -> Array:
        """``x[key]`` with NumPy semantics; a view when ``key`` has no arrays."""
        raise NotImplementedError

    def index_put(self, x: Array, key: IndexKey, values: Array | float) -> None:
        """In place: ``x[key] = values``."""
        raise NotImplementedError

    def index_add(self, x: Array, key: IndexKey, values: Array) -> None:
        """In place: add ``values`` at ``key``, accumulating repeated indices."""
        raise NotImplementedError

    def concatenate(self, xs: Sequence[Array], axis: int) -> Array:
        """Join arrays of equal shape except along ``axis``."""
        raise NotImplementedError

    def pad(self, x: Array, widths: tuple[tuple[int, int], ...], value: float) -> Array:
        """A new array: ``x`` surrounded by ``value``, ``widths[d]`` before/after dim d."""
        raise NotImplementedError

    def windows(self, x: Array, size: tuple[int, ...], stride: tuple[int, ...],
                dilation: tuple[int, ...]) -> Array:
        """Strided view of sliding windows over the trailing ``len(size)`` dims.

        For ``x`` of shape ``(*lead, *spatial)`` the result has shape
        ``(*lead, *out, *size)`` with ``out[i] = (spatial[i] - dilation[i]*(size[i]-1) - 1)
        // stride[i] + 1``.
        """
        raise NotImplementedError

    def copy(self, x: Array) -> Array:
        """A new contiguous array with the values of ``x``."""
        raise NotImplementedError

    def contiguous(self, x: Array) -> Array:
        """``x`` itself when already contiguous, else a contiguous copy."""
        return self.copy(x)

    # ---- optional fast paths (generic versions built from the primitives) --------
    def sigmoid(self, x: Array) -> Array:
        """Numerically stable logistic function."""
        e = self.unary("exp", self.unary("neg", self.unary("abs", x)))
        one_plus = self.binary("add", e, 1)
        positive = self.binary("ge", x, 0)
        return self.where(positive, self.unary("reciprocal", one_plus), self.binary("div", e, one_plus))

    def log_softmax(self, x: Array, axis: int) -> Array:
        """``x - logsumexp(x)`` along ``axis``, stable for large magnitudes."""
        shifted = self.binary("sub", x, self.reduce("max", x, (axis,), True))
        total = self.reduce("sum", self.unary("exp", shifted), (axis,), True)
        return self.binary("sub", shifted, self.unary("log", total))

    def softmax(self, x: Array, axis: int) -> Array:
        """``exp(x) / sum(exp(x))`` along ``axis``, stable for large magnitudes."""
        e = self.unary("exp", self.binary("sub", x, self.reduce("max", x, (axis,), True)))
        return self.binary("div", e, self.reduce("sum", e, (axis,), True))

    def __repr__(self) -> str:
        return f"<minitorch backend {self.name!r} on {self.device}>"
