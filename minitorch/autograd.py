"""Reverse-mode autograd: grad mode, ``Function`` (the graph node), and the iterative engine."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = [
    "Function",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "gradcheck",
]

_grad_enabled = True

_FREED = (
    "Trying to backward through the graph a second time (or to read saved tensors after "
    "they were freed). Saved values are freed when you call .backward() or autograd.grad(); "
    "pass retain_graph=True to the first call if you need to backward through the graph again."
)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for autograd.

    Example:
        >>> import minitorch as mt
        >>> with mt.no_grad():
        ...     mt.is_grad_enabled()
        False
    """
    return _grad_enabled


class _GradMode:
    """Shared logic of the grad-mode switches: context manager and decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        global _grad_enabled
        self.prev, _grad_enabled = _grad_enabled, self.mode

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(mode):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradMode):
    """Turn recording on or off: as a call, a context manager, or a decorator.

    Example:
        >>> import minitorch as mt
        >>> x = mt.ones(2, requires_grad=True)
        >>> with mt.set_grad_enabled(False):
        ...     (x * 2).requires_grad
        False
    """

    def __init__(self, mode: bool) -> None:
        global _grad_enabled
        super().__init__(bool(mode))
        self.prev, _grad_enabled = _grad_enabled, self.mode

    def __enter__(self) -> None:
        pass  # the switch already happened when called

    def __call__(self, fn: Callable) -> Callable:
        global _grad_enabled
        _grad_enabled = self.prev  # used as a decorator: only calls of fn switch
        return super().__call__(fn)


class no_grad(_GradMode):
    """Do not record operations: a context manager, or a decorator (``@mt.no_grad()`` or ``@mt.no_grad``).

    Example:
        >>> import minitorch as mt
        >>> w = mt.ones(3, requires_grad=True)
        >>> with mt.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used as a bare decorator (no parentheses), as PyTorch allows

    def __init__(self, orig_func: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` region.

    Example:
        >>> import minitorch as mt
        >>> w = mt.ones(3, requires_grad=True)
        >>> with mt.no_grad(), mt.enable_grad():
        ...     (w * 2).requires_grad
        True
    """

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used as a bare decorator (no parentheses), as PyTorch allows

    def __init__(self, orig_func: Callable | None = None) -> None:
        super().__init__(True)


class Function:
    """A differentiable operation and, once applied, its node in the graph.

    Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``
    and call ``MyFn.apply(...)``. ``ctx`` is the node itself: save tensors with
    ``ctx.save_for_backward`` and anything else as attributes. ``backward``
    returns one gradient (or None) per argument of ``forward``; the engine sums
    gradients back over broadcast dimensions.

    Example:
        >>> import minitorch as mt
        >>> class Cube(mt.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return grad * 3 * x * x
        >>> x = mt.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).sum().backward()
        >>> x.grad
        tensor([12.])
    """

    _inputs: tuple = ()
    _saved: tuple | None = ()
    _saved_versions: tuple = ()
    _freed = False
    _outputs_meta: tuple = ()
    needs_input_grad: tuple[bool, ...] = ()

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> Any:
        raise NotImplementedError

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` for ``backward`` (read them back with ``ctx.saved_tensors``)."""
        self._saved = tensors
        self._saved_versions = tuple(getattr(t, "_version", None) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``; an error if the graph was freed or they changed in place."""
        if self._freed:
            raise RuntimeError(_FREED)
        for t, version in zip(self._saved, self._saved_versions):
            if version is not None and t._version != version:
                raise RuntimeError(
                    f"one of the tensors needed by {self.name()}Backward, of shape {t.shape}, has been modified "
                    f"by an in-place operation (it is at version {t._version}; expected version {version}). "
                    "Compute the gradient before modifying it, or modify a clone."
                )
        return self._saved

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        global _grad_enabled
        from .tensor import Tensor

        ctx = cls()
        recording = _grad_enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev, _grad_enabled = _grad_enabled, False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _grad_enabled = prev
        if recording:
            ctx._inputs = args
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
            outputs = out if isinstance(out, tuple) else (out,)
            if any(o is a for o in outputs for a in args):  # an input returned as is: a new tensor sharing its data
                outputs = tuple(o._new(o._data) if any(o is a for a in args) else o for o in outputs)
                out = outputs if isinstance(out, tuple) else outputs[0]
            ctx._outputs_meta = tuple((o.shape, o.dtype, o._backend) for o in outputs)
            for i, o in enumerate(outputs):
                if o.dtype.is_floating_point:
                    o._ctx, o._out_index, o.requires_grad = ctx, i, True
        return out

    def _free(self) -> None:
        """Drop what backward needed (saved tensors, and the inputs that keep activations alive)."""
        self._saved = None
        self._inputs = ()
        self._freed = True

    def name(self) -> str:
        """The operation's name, e.g. ``'Mul'``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()}Backward>"


def _reduce_to_shape(g: Tensor, shape: tuple[int, ...], node: Function) -> Tensor:
    """Sum ``g`` over the dims that broadcasting added to a tensor of ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra < 0 or any(s != 1 and s != gs for s, gs in zip(shape, g.shape[extra:])):
        raise RuntimeError(
            f"{node.name()}.backward returned a gradient of shape {g.shape} for an input "
            f"of shape {shape}"
        )
    axes = tuple(range(extra)) + tuple(extra + i for i, s in enumerate(shape) if s == 1 and g.shape[extra + i] != 1)
    return g.sum(dim=axes, keepdim=True).reshape(shape) if axes else g.reshape(shape)


def _zeros_for(meta: tuple) -> Tensor:
    from .tensor import Tensor

    shape, dtype, backend = meta
    return Tensor._make(backend.full(shape, 0, dtype.name), dtype, backend)


def _run(roots: Sequence[tuple[Tensor, Tensor]], retain_graph: bool, create_graph: bool,
         capture: dict[int, Tensor | None] | None) -> None:
    """Propagate gradients from ``roots`` down the graph in topological order.

    With ``capture`` (ids of tensors), gradients reaching those tensors are
    stored there and no ``.grad`` is touched; otherwise leaves accumulate ``.grad``.
    """
    global _grad_enabled
    # Count, for every node, how many edges from other reachable nodes lead into it.
    dependencies: dict[Function, int] = {}
    stack = [t._ctx for t, _ in roots if t._ctx is not None]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for inp in node._inputs:
            parent = getattr(inp, "_ctx", None)
            if parent is not None:
                dependencies[parent] = dependencies.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)

    pending: dict[Function, list] = {}

    def deliver(t: Tensor, g: Tensor) -> None:
        if capture is not None and id(t) in capture:
            prev = capture[id(t)]
            capture[id(t)] = g if prev is None else prev + g
        if t._ctx is not None:
            slots = pending.setdefault(t._ctx, [None] * len(t._ctx._outputs_meta))
            prev = slots[t._out_index]
            slots[t._out_index] = g if prev is None else prev + g
            if t._retains_grad and capture is None:
                t.grad = g.detach() if t.grad is None else t.grad + g.detach()
        elif capture is None:
            t._accumulate_grad(g)

    for t, g in roots:
        deliver(t, g)
    ready = [n for n in {t._ctx for t, _ in roots if t._ctx is not None} if dependencies.get(n, 0) == 0]

    prev_mode = _grad_enabled
    try:
        while ready:
            node = ready.pop()
            if node._freed:
                raise RuntimeError(_FREED)
            slots = pending.pop(node, None)
            in_grads: tuple = ()
            if slots is not None:
                grads = [g if g is not None else _zeros_for(m) for g, m in zip(slots, node._outputs_meta)]
                _grad_enabled = create_graph
                result = type(node).backward(node, *grads)
                _grad_enabled = prev_mode
                in_grads = result if isinstance(result, tuple) else (result,)
                if len(in_grads) < len(node._inputs) and any(node.needs_input_grad[len(in_grads):]):
                    raise RuntimeError(
                        f"{node.name()}.backward returned {len(in_grads)} gradients, "
                        f"expected {len(node._inputs)} (one per forward argument)"
                    )
            for i, inp in enumerate(node._inputs):
                if not node.needs_input_grad[i]:
                    continue
                g = in_grads[i] if i < len(in_grads) else None
                if g is not None:
                    if g.dtype is not inp.dtype:
                        g = g.to(inp.dtype)
                    deliver(inp, _reduce_to_shape(g, inp.shape, node))
                parent = inp._ctx
                if parent is not None:
                    dependencies[parent] -= 1
                    if dependencies[parent] == 0:
                        ready.append(parent)
            if slots is not None and not retain_graph:
                node._free()
    finally:
        _grad_enabled = prev_mode


def _seed_gradients(outputs: Sequence[Tensor], grad_outputs: Sequence[Tensor | None] | None) -> list:
    from .tensor import Tensor

    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn: "
                "nothing to differentiate (did you forget requires_grad=True, or run under no_grad?)"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; this output has "
                    f"shape {out.shape}: pass gradient= of that shape"
                )
            g = Tensor._make(out._backend.full(out.shape, 1, out.dtype.name), out.dtype, out._backend)
        elif not isinstance(g, Tensor):
            g = Tensor._make(out._backend.full(out.shape, g, out.dtype.name), out.dtype, out._backend)
        elif g.shape != out.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {out.shape}")
        roots.append((out, g))
    return roots


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors``.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> mt.autograd.backward((x * x).sum())
        >>> x.grad
        tensor([2., 4.])
    """
    from .tensor import Tensor

    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is not None and isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    roots = _seed_gradients(tensors, grad_tensors)
    _run(roots, create_graph if retain_graph is None else retain_graph, create_graph, None)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor(3.0, requires_grad=True)
        >>> (dx,) = mt.autograd.grad(x ** 2, x)
        >>> dx
        tensor(6.)
    """
    from .tensor import Tensor

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is not None and isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"input {i} of autograd.grad does not require grad")
    capture: dict[int, Tensor | None] = {id(t): None for t in inputs}
    roots = _seed_gradients(outputs, grad_outputs)
    _run(roots, create_graph if retain_graph is None else retain_graph, create_graph, capture)
    result = tuple(capture[id(t)] for t in inputs)
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"input {i} of autograd.grad was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return result


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compare autograd's gradients of ``fn`` with central differences; raise on mismatch.

    The inputs should be float64 tensors with ``requires_grad=True``. Returns True.

    Example:
        >>> import minitorch as mt
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> mt.autograd.gradcheck(lambda t: (t.sin() * t).sum(), [x])
        True
    """
    from .testing.gradients import check_gradients

    check_gradients(fn, list(inputs), eps=eps, atol=atol, rtol=rtol)
    return True
