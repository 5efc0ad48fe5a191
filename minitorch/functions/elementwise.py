"""Elementwise operations: unary math, arithmetic with broadcasting, comparisons, where."""

from __future__ import annotations

from typing import Any

from .. import autograd
from ..dtypes import bool_
from ..tensor import Tensor
from ._common import as_scalar, broadcast_shapes, check_same_backend, promote


def _data(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _first_tensor(*xs: Any) -> Tensor:
    return next(x for x in xs if isinstance(x, Tensor))


# ---- unary ------------------------------------------------------------------------
class _Unary(autograd.Function):
    """An elementwise op: ``compute`` gives the output, ``grad`` the input's gradient."""

    op = ""

    @classmethod
    def compute(cls, backend: Any, x: Any) -> Any:
        return backend.unary(cls.op, x)

    @classmethod
    def forward(cls, ctx: Any, x: Tensor) -> Tensor:
        y = x._new(cls.compute(x._backend, x._data))
        ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx: Any, g: Tensor) -> Tensor:
        x, y = ctx.saved_tensors
        return cls.grad(g, x, y)

    @staticmethod
    def grad(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError


class Neg(_Unary):
    op = "neg"
    grad = staticmethod(lambda g, x, y: -g)


class Exp(_Unary):
    op = "exp"
    grad = staticmethod(lambda g, x, y: g * y)


class Log(_Unary):
    op = "log"
    grad = staticmethod(lambda g, x, y: g / x)


class Sqrt(_Unary):
    op = "sqrt"
    grad = staticmethod(lambda g, x, y: g / (2 * y))


class Reciprocal(_Unary):
    op = "reciprocal"
    grad = staticmethod(lambda g, x, y: -g * y * y)


class Abs(_Unary):
    op = "abs"
    grad = staticmethod(lambda g, x, y: g * x.sign())


class Sign(_Unary):
    op = "sign"
    grad = staticmethod(lambda g, x, y: g * 0)


class Sin(_Unary):
    op = "sin"
    grad = staticmethod(lambda g, x, y: g * x.cos())


class Cos(_Unary):
    op = "cos"
    grad = staticmethod(lambda g, x, y: -g * x.sin())


class Tanh(_Unary):
    op = "tanh"
    grad = staticmethod(lambda g, x, y: g * (1 - y * y))


class Sigmoid(_Unary):
    compute = classmethod(lambda cls, backend, x: backend.sigmoid(x))
    grad = staticmethod(lambda g, x, y: g * y * (1 - y))


class Relu(_Unary):
    compute = classmethod(lambda cls, backend, x: backend.binary("maximum", x, 0))
    grad = staticmethod(lambda g, x, y: where(y > 0, g, 0))


def _unary(fn: type[_Unary], x: Tensor, float_only: bool) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn.__name__.lower()}: expected a Tensor, got {type(x).__name__}")
    if x.dtype is bool_ and fn in (Neg, Abs, Sign, Relu):
        raise TypeError(f"{fn.__name__.lower()} is not supported on bool tensors; use ~ or logical_not for negation")
    if float_only and not x.dtype.is_floating_point:
        (x,), _ = promote(fn.__name__.lower(), x, float_only=True)
    return fn.apply(x)


def neg(x: Tensor) -> Tensor:
    """``-x``. Example: ``mt.neg(mt.tensor([1.0]))`` gives ``tensor([-1.])``."""
    return _unary(Neg, x, False)


def exp(x: Tensor) -> Tensor:
    """Elementwise e**x. Example: ``mt.exp(mt.zeros(2))`` gives ``tensor([1., 1.])``."""
    return _unary(Exp, x, True)


def log(x: Tensor) -> Tensor:
    """Natural logarithm. Example: ``mt.log(mt.ones(1))`` gives ``tensor([0.])``."""
    return _unary(Log, x, True)


def sqrt(x: Tensor) -> Tensor:
    """Square root. Example: ``mt.sqrt(mt.tensor([4.0]))`` gives ``tensor([2.])``."""
    return _unary(Sqrt, x, True)


def reciprocal(x: Tensor) -> Tensor:
    """``1 / x``. Example: ``mt.reciprocal(mt.tensor([2.0]))`` gives ``tensor([0.5])``."""
    return _unary(Reciprocal, x, True)


def abs(x: Tensor) -> Tensor:
    """Absolute value. Example: ``mt.abs(mt.tensor([-2]))`` gives ``tensor([2])``."""
    return _unary(Abs, x, False)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 by sign; its gradient is zero. Example: ``mt.sign(mt.tensor([-3.0]))``."""
    return _unary(Sign, x, False)


def sin(x: Tensor) -> Tensor:
    """Sine. Example: ``mt.sin(mt.zeros(1))`` gives ``tensor([0.])``."""
    return _unary(Sin, x, True)


def cos(x: Tensor) -> Tensor:
    """Cosine. Example: ``mt.cos(mt.zeros(1))`` gives ``tensor([1.])``."""
    return _unary(Cos, x, True)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent. Example: ``mt.tanh(mt.zeros(1))`` gives ``tensor([0.])``."""
    return _unary(Tanh, x, True)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic function, stable for large magnitudes. Example: ``mt.sigmoid(mt.zeros(1))``."""
    return _unary(Sigmoid, x, True)


def relu(x: Tensor) -> Tensor:
    """``max(x, 0)``; gradient 0 at 0 as in PyTorch. Example: ``mt.relu(mt.tensor([-1.0, 2.0]))``."""
    return _unary(Relu, x, False)


# ---- binary -----------------------------------------------------------------------
class _Binary(autograd.Function):
    op = ""

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any) -> Tensor:
        ctx.save_for_backward(a, b)
        t = _first_tensor(a, b)
        return t._new(t._backend.binary(cls.op, _data(a), _data(b)))


class Add(_Binary):
    op = "add"

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g, g


class Sub(_Binary):
    op = "sub"

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        return g, -g


class Mul(_Binary):
    op = "mul"

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        return (g * b if da else None), (g * a if db else None)


class Div(_Binary):
    op = "div"

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        return (g / b if da else None), (-g * a / (b * b) if db else None)


class Pow(_Binary):
    op = "pow"

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        da, db = ctx.needs_input_grad
        ga = gb = None
        if da:  # d/da a**b = b * a**(b-1), and exactly 0 where b == 0
            ga = g * b * a ** (b - 1)
            ga = where(b == 0, 0, ga) if isinstance(b, Tensor) else (g * 0 if b == 0 else ga)
        if db:  # d/db a**b = a**b * log(a), and 0 where a == 0 <= b (as PyTorch)
            gb = where((a == 0) & (b >= 0), 0, g * a ** b * log(a))
        return ga, gb


class _Extremum(_Binary):
    """maximum/minimum: the winner gets the gradient, a tie splits it in half (as PyTorch)."""

    wins = ""

    @classmethod
    def backward(cls, ctx: Any, g: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_wins = compare(cls.wins, a, b).to(g.dtype) + compare("eq", a, b).to(g.dtype) * 0.5
        da, db = ctx.needs_input_grad
        return (g * a_wins if da else None), (g * (1 - a_wins) if db else None)


class Maximum(_Extremum):
    op, wins = "maximum", "gt"


class Minimum(_Extremum):
    op, wins = "minimum", "lt"


def _binary(fn: type[_Binary], a: Any, b: Any, float_only: bool = False) -> Tensor:
    name = fn.__name__.lower()
    kinds = [x.dtype if isinstance(x, Tensor) else type(x).__name__ for x in (a, b)]
    if fn is Sub and any(k is bool_ or k == "bool" for k in kinds):  # as PyTorch: any bool operand
        raise TypeError(f"sub: subtraction with a bool operand is not supported (got {kinds[0]} and {kinds[1]}); "
                        "use ^ (xor) or ~ (logical_not) for masks, or convert with .long()")
    (a, b), dtype = promote(name, a, b, float_only=float_only)
    if dtype is bool_ and fn in (Div, Pow):
        raise TypeError(f"{name} of two bool operands ({kinds[0]} and {kinds[1]}) is not supported; "
                        "convert with .long() or .float() first")
    return fn.apply(a, b)


def add(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a + alpha * b`` with broadcasting. Example: ``mt.add(mt.ones(2), 1)`` gives ``tensor([2., 2.])``."""
    return _binary(Add, a, b if alpha == 1 else b * alpha)


def sub(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a - alpha * b``. Example: ``mt.sub(mt.ones(2), 1)`` gives ``tensor([0., 0.])``."""
    return _binary(Sub, a, b if alpha == 1 else b * alpha)


def mul(a: Any, b: Any) -> Tensor:
    """``a * b``. Example: ``mt.mul(mt.ones(2), 3)`` gives ``tensor([3., 3.])``."""
    return _binary(Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    """True division; integers give floats. Example: ``mt.div(mt.tensor([1]), 2)`` gives ``tensor([0.5])``."""
    return _binary(Div, a, b, float_only=True)


def pow(a: Any, b: Any) -> Tensor:
    """``a ** b``. Example: ``mt.pow(mt.tensor([3.0]), 2)`` gives ``tensor([9.])``."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor) and b.requires_grad:
        from ..creation import tensor

        a = tensor(as_scalar(a, "pow"), backend=b._backend)  # the exponent's gradient needs log(a)
    return _binary(Pow, a, b)


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise maximum of two tensors. Example: ``mt.maximum(mt.zeros(1), mt.ones(1))``."""
    return _binary(Maximum, a, b)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise minimum of two tensors. Example: ``mt.minimum(mt.zeros(1), mt.ones(1))``."""
    return _binary(Minimum, a, b)


def compare(op: str, a: Any, b: Any) -> Tensor:
    """A comparison (``eq ne lt le gt ge``) as a bool tensor; not differentiable."""
    (a, b), _ = promote(op, a, b)
    t = _first_tensor(a, b)
    return t._new(t._backend.binary(op, _data(a), _data(b)), bool_)


def _require_bool(op: str, *xs: Any) -> None:
    for x in xs:
        if isinstance(x, Tensor) and x.dtype is not bool_:
            raise TypeError(f"{op} needs bool tensors (masks), got {x.dtype}")


def logical(op: str, a: Any, b: Any) -> Tensor:
    """``and``, ``or`` or ``xor`` of bool tensors (the ``& | ^`` operators)."""
    _require_bool(op, a, b)
    backend_op = {"and": "minimum", "or": "maximum", "xor": "ne"}[op]
    (a, b), _ = promote(op, a, b)
    t = _first_tensor(a, b)
    return t._new(t._backend.binary(backend_op, _data(a), _data(b)), bool_)


def logical_not(x: Tensor) -> Tensor:
    """``~mask``. Example: ``~mt.tensor([True, False])`` gives ``tensor([False,  True])``."""
    _require_bool("logical_not", x)
    return x._new(x._backend.binary("eq", x._data, False), bool_)


# ---- where and clamp ----------------------------------------------------------------
class Where(autograd.Function):
    @staticmethod
    def forward(ctx: Any, cond: Tensor, a: Any, b: Any) -> Tensor:
        ctx.save_for_backward(cond)
        t = _first_tensor(a, b)
        return t._new(t._backend.where(cond._data, _data(a), _data(b)))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        (cond,) = ctx.saved_tensors
        _, da, db = ctx.needs_input_grad
        return None, (where(cond, g, 0) if da else None), (where(cond, 0, g) if db else None)


def where(cond: Tensor, a: Any, b: Any) -> Tensor:
    """Elementwise ``a`` where ``cond`` is true, else ``b``; all three broadcast.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor([-1.0, 2.0])
        >>> mt.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    if not isinstance(cond, Tensor) or cond.dtype is not bool_:
        got = cond.dtype if isinstance(cond, Tensor) else type(cond).__name__
        raise TypeError(f"where expected the condition to be a bool tensor, but got {got}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        from ..creation import tensor

        a = tensor(as_scalar(a, "where"), backend=cond._backend)
    (a, b), _ = promote("where", a, b)
    tensors = [cond] + [x for x in (a, b) if isinstance(x, Tensor)]
    check_same_backend("where", *tensors)
    broadcast_shapes("where", *(t.shape for t in tensors))
    return Where.apply(cond, a, b)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to ``[min, max]``; the gradient passes where ``min <= x <= max``.

    Example:
        >>> import minitorch as mt
        >>> mt.clamp(mt.tensor([-2.0, 0.5, 3.0]), -1, 1)
        tensor([-1. ,  0.5,  1. ])
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    out = x
    if min is not None:
        out = where(out < min, min, out)
    if max is not None:
        out = where(out > max, max, out)
    return out
