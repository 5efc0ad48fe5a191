"""Tensor: the user-facing n-dimensional array with autograd, its operators and methods."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import autograd
from .dtypes import DType, as_dtype, bool_, float32, float64, int64

if TYPE_CHECKING:
    from .backends.contract import Backend

Number = int | float | bool


class Tensor:
    """An n-dimensional array on a backend, recording operations for autograd.

    Create tensors with ``mt.tensor``, ``mt.zeros``, ``mt.randn`` and friends;
    this constructor is internal (native array, dtype, backend).

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> y = (x @ x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([[ 7., 11.],
                [ 9., 13.]])
    """

    __slots__ = ("_data", "_backend", "dtype", "_requires_grad", "grad", "_ctx", "_out_index",
                 "_retains_grad", "_version", "__weakref__")
    __array_priority__ = 1000  # as torch.Tensor: `np.float64(2) * t` defers to Tensor.__rmul__

    def __init__(self, data: Any, dtype: DType, backend: Backend) -> None:
        self._data = data
        self.dtype = dtype
        self._backend = backend
        self._requires_grad = False
        self.grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._out_index = 0
        self._retains_grad = False
        self._version = 0

    @classmethod
    def _make(cls, data: Any, dtype: DType, backend: Backend) -> Tensor:
        return Tensor(data, dtype, backend)

    def _new(self, data: Any, dtype: DType | None = None) -> Tensor:
        """A tensor on this tensor's backend holding native ``data``."""
        return Tensor(data, dtype or self.dtype, self._backend)

    # ---- attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of every dimension, as a tuple (``torch.Size`` in PyTorch)."""
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self._data.shape)

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension ``dim``."""
        return self.shape if dim is None else self.shape[F.normalize_dim(dim, self.ndim)]

    def numel(self) -> int:
        """The number of elements."""
        return int(np.prod(self._data.shape, dtype=np.int64))

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element of this dtype."""
        return self.dtype.itemsize

    @property
    def backend(self) -> str:
        """The name of the backend holding this tensor's data."""
        return self._backend.name

    @property
    def device(self) -> str:
        """The device of this tensor's backend, e.g. ``'cpu'``."""
        return self._backend.device

    def is_floating_point(self) -> bool:
        """Whether the dtype is float32 or float64."""
        return self.dtype.is_floating_point

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor (only floating tensors can)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        """Whether autograd records operations on this tensor (only floating tensors can)."""
        if value and not self.dtype.is_floating_point:
            raise RuntimeError(f"only tensors of floating point dtype can require gradients, got {self.dtype}")
        if not value and self._ctx is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf tensors; use .detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """Whether this tensor was made by the user rather than by a recorded operation."""
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The graph node (``Function``) that made this tensor, or None for leaves."""
        return self._ctx

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        self._retains_grad = self._ctx is not None

    @property
    def T(self) -> Tensor:
        """This tensor with its dimensions reversed."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """This (batch of) matrix transposed: the last two dimensions swapped."""
        return self.transpose(-2, -1)

    # ---- autograd ---------------------------------------------------------------
    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Example:
            >>> import minitorch as mt
            >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
            >>> (x * 3).backward(gradient=mt.ones(2))
            >>> x.grad
            tensor([3., 3.])
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def _accumulate_grad(self, g: Tensor) -> None:
        if self.grad is None:
            self.grad = g if g._ctx is not None else g._new(g._backend.copy(g._data))
        else:
            self.grad = self.grad + g

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph."""
        return self._new(self._data)

    def clone(self) -> Tensor:
        return F.clone(self)

    # ---- conversion -------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (sharing memory on the numpy backend)."""
        if self._requires_grad:
            raise RuntimeError("can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()")
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        arr = self._backend.to_numpy(self._data)
        return arr if dtype is None else arr.astype(dtype)

    def item(self) -> Number:
        """The value of a one-element tensor as a Python number."""
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to a Python scalar")
        return self._backend.to_numpy(self._data).reshape(-1)[0].item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._backend.to_numpy(self._data).tolist()

    def to(self, *args: Any, dtype: DType | None = None, backend: str | None = None,
           device: str | None = None) -> Tensor:
        """Move to another backend and/or convert to another dtype (differentiably).

        Example:
            >>> import minitorch as mt
            >>> mt.tensor([1, 2]).to(mt.float64).dtype
            minitorch.float64
        """
        for arg in args:
            if isinstance(arg, DType) or (isinstance(arg, str) and arg in ("float32", "float64", "int64", "bool")):
                dtype = as_dtype(arg)
            elif isinstance(arg, Tensor):
                dtype, backend = arg.dtype, arg.backend
            elif isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda"):
                device = arg  # .to("cpu") / .to("cuda:0"), as PyTorch's .to(device)
            else:
                backend = arg
        out = self
        target = F.resolve_backend(backend, device, current=self._backend)
        if target is not self._backend:
            out = F.to_backend(out, target)
        if dtype is not None and as_dtype(dtype) is not out.dtype:
            out = F.cast(out, as_dtype(dtype))
        return out

    def float(self) -> Tensor:
        """This tensor as float32 (differentiably)."""
        return self.to(float32)

    def double(self) -> Tensor:
        """This tensor as float64 (differentiably)."""
        return self.to(float64)

    def long(self) -> Tensor:
        """This tensor as int64."""
        return self.to(int64)

    def bool(self) -> Tensor:
        """This tensor as bool."""
        return self.to(bool_)

    def cpu(self) -> Tensor:
        """This tensor on a CPU backend (itself when it already is; else moved to numpy)."""
        return self if self.device == "cpu" else self.to("numpy")

    def cuda(self) -> Tensor:
        """This tensor on the ``cupy`` GPU backend."""
        return self.to("cupy")

    def contiguous(self) -> Tensor:
        return F.contiguous(self)

    # ---- Python protocol ----------------------------------------------------------
    def __repr__(self) -> str:
        arr = self._backend.to_numpy(self._data)
        body = np.array2string(arr, separator=", ", prefix="tensor(", precision=4,
                               threshold=1000, edgeitems=3)
        extras = []
        if self.dtype not in (float32, int64, bool_) or (arr.size == 0 and self.dtype is not float32):
            extras.append(f"dtype={self.dtype!r}")
        if self._backend.name != "numpy":
            extras.append(f"backend='{self._backend.name}'")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __format__(self, spec: str) -> str:
        if self.numel() == 1 and self.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if not self.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} values is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype is not int64 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self._ctx is not None:
            raise RuntimeError("only leaf tensors (created by the user) support deepcopy")
        new = object.__new__(type(self))
        memo[id(self)] = new
        Tensor.__init__(new, self._backend.copy(self._data), self.dtype, self._backend)
        new._requires_grad = self._requires_grad
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        for key, value in getattr(self, "__dict__", {}).items():
            new.__dict__[key] = copy.deepcopy(value, memo)
        return new

    # ---- operators ----------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return F.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return F.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return F.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return F.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return F.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return F.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return F.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return F.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return F.pow(other, self)

    def __matmul__(self, other: Tensor) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.compare("eq", self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return F.compare("ne", self, other)

    def __lt__(self, other: Any) -> Tensor:
        return F.compare("lt", self, other)

    def __le__(self, other: Any) -> Tensor:
        return F.compare("le", self, other)

    def __gt__(self, other: Any) -> Tensor:
        return F.compare("gt", self, other)

    def __ge__(self, other: Any) -> Tensor:
        return F.compare("ge", self, other)

    def __and__(self, other: Any) -> Tensor:
        return F.logical("and", self, other)

    def __or__(self, other: Any) -> Tensor:
        return F.logical("or", self, other)

    def __xor__(self, other: Any) -> Tensor:
        return F.logical("xor", self, other)

    def __invert__(self) -> Tensor:
        return F.logical_not(self)

    def __getitem__(self, key: Any) -> Tensor:
        return F.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        F.setitem(self, key, value)

    # ---- in-place updates (no autograd) ------------------------------------------
    def _assign(self, data: Any) -> Tensor:
        """Write native ``data`` into this tensor's memory, keeping views in sync."""
        F.check_inplace(self)
        self._backend.index_put(self._data, (), data)
        self._version += 1
        return self

    def _inplace(self, result: Tensor) -> Tensor:
        if result.shape != self.shape:
            raise RuntimeError(f"in-place result of shape {result.shape} doesn't match the tensor's shape {self.shape}")
        if result.dtype.category > self.dtype.category:  # as PyTorch: no float -> int or int -> bool in place
            raise RuntimeError(f"in-place: result type {result.dtype} can't be cast to the tensor's dtype {self.dtype}")
        return self._assign(result.to(self.dtype)._data)

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast and converted) into this tensor, in place."""
        src = F.as_tensor_like(src, self)
        return self._assign(F.broadcast_to(src.to(self.dtype, backend=self.backend), self.shape)._data)

    def fill_(self, value: Number) -> Tensor:
        """Set every element to ``value``, in place."""
        return self._assign(self._backend.full(self.shape, value, self.dtype.name))

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    def add_(self, other: Any, alpha: Number = 1) -> Tensor:
        """In place: ``self += alpha * other``."""
        F.check_inplace(self)  # before no_grad hides the check
        with autograd.no_grad():
            return self._inplace(self + (other * alpha if alpha != 1 else other))

    def sub_(self, other: Any, alpha: Number = 1) -> Tensor:
        """In place: ``self -= alpha * other``."""
        F.check_inplace(self)
        with autograd.no_grad():
            return self._inplace(self - (other * alpha if alpha != 1 else other))

    def mul_(self, other: Any) -> Tensor:
        """In place: ``self *= other``."""
        F.check_inplace(self)
        with autograd.no_grad():
            return self._inplace(self * other)

    def div_(self, other: Any) -> Tensor:
        """In place: ``self /= other``."""
        F.check_inplace(self)
        with autograd.no_grad():
            return self._inplace(self / other)

    def clamp_(self, min: Number | None = None, max: Number | None = None) -> Tensor:
        """In place: limit the values to ``[min, max]``."""
        F.check_inplace(self)
        with autograd.no_grad():
            return self._inplace(self.clamp(min, max))

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def _float_dtype_for_sampling(self, method: str) -> type:
        if not self.dtype.is_floating_point:
            raise TypeError(f"{method} needs a floating point tensor, got {self.dtype}")
        return self.dtype.numpy.type

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with samples from U(a, b), drawn on the host from the seeded generator."""
        from .random import _host_generator

        values = _host_generator(generator).random(self.shape, dtype=self._float_dtype_for_sampling("uniform_"))
        values *= b - a
        values += a
        return self._assign(self._backend.from_numpy(values))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with samples from N(mean, std**2), drawn on the host from the seeded generator."""
        from .random import _host_generator

        values = _host_generator(generator).standard_normal(self.shape,
                                                            dtype=self._float_dtype_for_sampling("normal_"))
        values *= std
        values += mean
        return self._assign(self._backend.from_numpy(values))

    # ---- methods delegating to minitorch.functions ---------------------------------
    def exp(self) -> Tensor:
        return F.exp(self)

    def log(self) -> Tensor:
        return F.log(self)

    def sqrt(self) -> Tensor:
        return F.sqrt(self)

    def abs(self) -> Tensor:
        return F.abs(self)

    def sign(self) -> Tensor:
        return F.sign(self)

    def reciprocal(self) -> Tensor:
        return F.reciprocal(self)

    def square(self) -> Tensor:
        """Elementwise ``self * self``."""
        return F.mul(self, self)

    def sin(self) -> Tensor:
        return F.sin(self)

    def cos(self) -> Tensor:
        return F.cos(self)

    def tanh(self) -> Tensor:
        return F.tanh(self)

    def sigmoid(self) -> Tensor:
        return F.sigmoid(self)

    def relu(self) -> Tensor:
        return F.relu(self)

    def neg(self) -> Tensor:
        return F.neg(self)

    def pow(self, exponent: Any) -> Tensor:
        return F.pow(self, exponent)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        return F.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return F.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return F.minimum(self, other)

    def matmul(self, other: Tensor) -> Tensor:
        return F.matmul(self, other)

    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, dtype: DType | None = None) -> Tensor:
        return F.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return F.mean(self, dim, keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.prod(self, dim, keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return F.min(self, dim, keepdim)

    def amax(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return F.amax(self, dim, keepdim)

    def amin(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Tensor:
        return F.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.argmin(self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
        return F.logsumexp(self, dim, keepdim)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.all(self, dim, keepdim)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return F.any(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        return F.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        return F.log_softmax(self, dim)

    def reshape(self, *shape: Any) -> Tensor:
        return F.reshape(self, F.size_args(shape))

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        """``reshape`` to ``other``'s shape."""
        return F.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return F.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: int | Sequence[int] | None = None) -> Tensor:
        return F.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return F.unsqueeze(self, dim)

    def permute(self, *dims: Any) -> Tensor:
        return F.permute(self, F.size_args(dims))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return F.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """The transpose of a tensor with at most 2 dimensions."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.T

    def expand(self, *sizes: Any) -> Tensor:
        return F.expand(self, F.size_args(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        """``expand`` to ``other``'s shape."""
        return F.expand(self, other.shape)

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        return F.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return F.chunk(self, chunks, dim)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, this tensor elsewhere (not in place)."""
        return F.where(mask, value, self)


from . import functions as F  # noqa: E402  (functions import Tensor)


def _document_method_forms() -> None:
    """Methods that wrap the function of the same name take its summary and point to it, as PyTorch's do.

    Called by ``minitorch/__init__`` once ``functions`` has finished importing.
    """
    import inspect

    for name, method in vars(Tensor).items():
        function = getattr(F, name, None)
        if callable(method) and method.__doc__ is None and inspect.isfunction(function) and function.__doc__:
            summary = inspect.getdoc(function).split("\n\n")[0]
            method.__doc__ = (f"{summary}\n\nMethod form of ``minitorch.{name}``: "
                              f"``t.{name}(...)`` is ``mt.{name}(t, ...)``.")
