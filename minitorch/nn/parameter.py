"""Parameter, the tensor a Module learns, and UninitializedParameter for lazy layers."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..creation import empty
from ..dtypes import DType, as_dtype, get_default_dtype
from ..functions import resolve_backend, size_args
from ..tensor import Tensor

__all__ = ["Parameter", "UninitializedParameter", "is_lazy"]


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as learnable when assigned as an attribute.

    It shares memory with ``data`` and requires grad by default. Operations on a
    parameter return plain tensors.

    Args:
        data: the initial values (a 0-element float tensor when omitted).
        requires_grad: whether the parameter requires gradient. Default: ``True``.

    Shape:
        That of ``data``.

    Example:
        >>> import minitorch as mt
        >>> p = mt.nn.Parameter(mt.ones(2))
        >>> p
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        >>> type(p * 2).__name__
        'Tensor'
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a minitorch Tensor, got {type(data).__name__}; "
                            "wrap values with mt.tensor(...) first")
        Tensor.__init__(self, data._data, data.dtype, data._backend)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


_UNINIT = ("Attempted to use an uninitialized parameter. This happens when you use a lazy module "
           "(LazyLinear, LazyConv2d, ...) before its first forward call, or an UninitializedParameter "
           "directly: call the module once on a dummy batch to create its parameters first")


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: the placeholder of lazy layers.

    Any use of its values, shape or size raises ``ValueError``; ``materialize``
    gives it a shape (and zero values) and turns it into a regular ``Parameter``
    in place, so references held elsewhere (an optimizer) stay valid.

    Args:
        requires_grad: whether the materialised parameter requires gradient.
        device: the device or backend name it will live on.
        dtype: its dtype once materialised (the default float dtype when omitted).

    Shape:
        None until ``materialize(shape)``.

    Example:
        >>> import minitorch as mt
        >>> p = mt.nn.UninitializedParameter()
        >>> p
        <UninitializedParameter>
        >>> p.materialize((2, 3))
        >>> type(p).__name__, p.shape
        ('Parameter', (2, 3))
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: DType | str | None = None) -> None:
        d = as_dtype(dtype) if dtype is not None else get_default_dtype()
        Tensor.__init__(self, None, d, resolve_backend(None, device))
        self.requires_grad = requires_grad

    @property  # type: ignore[override]
    def _data(self) -> Any:
        raise ValueError(_UNINIT)

    @_data.setter
    def _data(self, value: Any) -> None:
        Tensor._data.__set__(self, value)  # type: ignore[attr-defined]

    def materialize(self, shape: Any, device: Any = None, dtype: DType | str | None = None) -> None:
        """Give the parameter ``shape`` (zero-filled) and make it a regular ``Parameter``."""
        backend = resolve_backend(None, device, current=self._backend)
        d = as_dtype(dtype) if dtype is not None else self.dtype
        requires_grad = self._requires_grad
        with no_grad():
            data = empty(size_args((shape,)), dtype=d, backend=backend)
        self.__class__ = self.cls_to_become
        Tensor.__init__(self, data._data, d, backend)
        self._requires_grad = requires_grad

    def _retarget(self, dtype: DType | None, backend: Any) -> None:
        """Change the dtype/backend the parameter will be materialised with (Module.to)."""
        if dtype is not None:
            self.dtype = dtype
        if backend is not None:
            self._backend = backend

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    def __deepcopy__(self, memo: dict) -> UninitializedParameter:
        new = UninitializedParameter(self.requires_grad, dtype=self.dtype)
        new._backend = self._backend
        memo[id(self)] = new
        return new


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an :class:`UninitializedParameter` (not materialised yet).

    Example:
        >>> import minitorch as mt
        >>> mt.nn.parameter.is_lazy(mt.nn.UninitializedParameter())
        True
    """
    return isinstance(param, UninitializedParameter)
