"""The tensor dtypes minitorch supports and PyTorch's type-promotion rules between them."""

from __future__ import annotations

import numpy as np

__all__ = [
    "DType",
    "bool_",
    "int64",
    "float32",
    "float64",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "result_type",
    "as_dtype",
]

# Categories in promotion order: a higher category always wins over a lower one.
_BOOL, _INT, _FLOAT = 0, 1, 2


class DType:
    """A tensor element type; compare with ``is`` or ``==`` like ``torch.dtype``.

    Example:
        >>> import minitorch as mt
        >>> mt.tensor([1.0, 2.0]).dtype
        minitorch.float32
        >>> mt.float64.is_floating_point
        True
    """

    __slots__ = ("name", "numpy", "category", "itemsize")

    def __init__(self, name: str, numpy_dtype: type, category: int) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.category = category
        self.itemsize = self.numpy.itemsize

    @property
    def is_floating_point(self) -> bool:
        """Whether this is a floating point dtype (float32 or float64)."""
        return self.category == _FLOAT

    def __repr__(self) -> str:
        return f"minitorch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = DType("bool", np.bool_, _BOOL)
int64 = DType("int64", np.int64, _INT)
float32 = DType("float32", np.float32, _FLOAT)
float64 = DType("float64", np.float64, _FLOAT)

ALL_DTYPES = (bool_, int64, float32, float64)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "long": int64})
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}

_default_float = float32


def get_default_dtype() -> DType:
    """The dtype Python floats become (float32 unless changed).

    Example:
        >>> import minitorch as mt
        >>> mt.get_default_dtype()
        minitorch.float32
    """
    return _default_float


def set_default_dtype(dtype: DType | str) -> None:
    """Set the dtype Python floats and float factories produce; float32 or float64.

    Example:
        >>> import minitorch as mt
        >>> mt.set_default_dtype(mt.float64); mt.tensor([1.5]).dtype
        minitorch.float64
        >>> mt.set_default_dtype(mt.float32)
    """
    global _default_float
    dtype = as_dtype(dtype)
    if not dtype.is_floating_point:
        raise TypeError(f"default dtype must be a floating point dtype, got {dtype}")
    _default_float = dtype


def as_dtype(value: object) -> DType:
    """Turn a DType, a dtype name, a NumPy dtype or a Python type into a DType.

    Example:
        >>> import minitorch as mt
        >>> mt.dtypes.as_dtype("float64")
        minitorch.float64
    """
    if isinstance(value, DType):
        return value
    if value is float:
        return _default_float
    if value is int:
        return int64
    if value is bool:
        return bool_
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        found = _BY_NUMPY.get(np.dtype(value))
    except TypeError:
        found = None
    if found is None:
        names = ", ".join(d.name for d in ALL_DTYPES)
        raise TypeError(f"unsupported dtype {value!r}; minitorch supports {names}")
    return found


def from_numpy_dtype(dtype: np.dtype) -> DType | None:
    """The DType of a NumPy dtype, or None when minitorch has no such dtype."""
    return _BY_NUMPY.get(np.dtype(dtype))


def promote_types(a: DType, b: DType) -> DType:
    """The smallest dtype both ``a`` and ``b`` convert to without losing category.

    Example:
        >>> import minitorch as mt
        >>> mt.promote_types(mt.int64, mt.float32)
        minitorch.float32
    """
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return a if a.itemsize >= b.itemsize else b


def _scalar_dtype(value: object) -> DType:
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float


def result_type(*operands: object) -> DType:
    """The dtype of an operation on tensors and Python scalars, by PyTorch's rules.

    Tensors with dimensions decide first; a 0-d tensor or a Python scalar only
    changes the result when it is of a higher category (bool < integer < float),
    and a Python scalar then contributes the default dtype of its category.

    Example:
        >>> import minitorch as mt
        >>> mt.result_type(mt.tensor([1, 2]), 2.5)
        minitorch.float32
        >>> mt.result_type(mt.tensor([1.0]), mt.tensor(1.0, dtype=mt.float64))
        minitorch.float32
    """
    dimensioned = zero_dim = scalar = None
    for op in operands:
        dtype = getattr(op, "dtype", None)
        if isinstance(dtype, DType):
            if op.ndim:
                dimensioned = dtype if dimensioned is None else promote_types(dimensioned, dtype)
            else:
                zero_dim = dtype if zero_dim is None else promote_types(zero_dim, dtype)
        else:
            dtype = _scalar_dtype(op)
            scalar = dtype if scalar is None else promote_types(scalar, dtype)
    result = dimensioned
    for lower in (zero_dim, scalar):
        if lower is not None and (result is None or lower.category > result.category):
            result = lower
    return result
