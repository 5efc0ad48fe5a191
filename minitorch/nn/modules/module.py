"""Module: the base class of every layer and model, holding parameters, buffers, submodules and hooks."""

from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np

from ...autograd import no_grad
from ...dtypes import DType, as_dtype
from ...functions import resolve_backend
from ...tensor import Tensor
from ..parameter import Parameter, is_lazy

__all__ = ["Module", "RemovableHandle"]

M = TypeVar("M", bound="Module")
_DTYPE_NAMES = ("float32", "float64", "float", "double", "int64", "long", "bool")


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find, and the ones it did not use."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(s: str, num_spaces: int) -> str:
    """Indent every line but the first of ``s`` (blank lines stay empty), as torch's repr does."""
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    first, rest = lines[0], lines[1:]
    return "\n".join([first] + [(" " * num_spaces + line) if line.strip() else "" for line in rest])


class RemovableHandle:
    """The handle a hook registration returns: ``handle.remove()`` unregisters the hook.

    Also a context manager that removes the hook on exit.

    Args:
        hooks: the ordered dict the hook was stored in.

    Shape:
        Not applicable.

    Example:
        >>> import minitorch as mt
        >>> layer = mt.nn.Identity()
        >>> with layer.register_forward_hook(lambda m, args, out: print("called")):
        ...     _ = layer(mt.ones(1))
        called
        >>> _ = layer(mt.ones(1))
    """

    _next_id = 0

    def __init__(self, hooks: OrderedDict) -> None:
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Unregister the hook (removing twice is harmless)."""
        self.hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module:
    """Base class of all layers and models, as ``torch.nn.Module``.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and
    submodules as attributes (they are registered automatically, in order) and
    implement ``forward``; call the module itself to run ``forward`` with its hooks.

    Args:
        None.

    Shape:
        Whatever ``forward`` accepts and returns.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> class MLP(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(4, 8)
        ...         self.fc2 = nn.Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).relu())
        >>> model = MLP()
        >>> model(mt.ones(3, 4)).shape
        (3, 2)
        >>> list(model.state_dict())
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
        >>> model
        MLP(
          (fc1): Linear(in_features=4, out_features=8, bias=True)
          (fc2): Linear(in_features=8, out_features=2, bias=True)
        )
    """

    training: bool

    def __init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_pre_hooks_with_kwargs", set())
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_forward_hooks_with_kwargs", set())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module; every subclass overrides it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- calling, with hooks ------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook registered with with_kwargs=True must return "
                                           f"None or a tuple (new_args, new_kwargs), got {result!r}")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _register_hook(self, hooks: OrderedDict, with_kwargs_set: set, hook: Callable, prepend: bool,
                       with_kwargs: bool) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if with_kwargs:
            with_kwargs_set.add(handle.id)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before every ``forward``; a non-None result replaces ``args``.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return
        ``(args, kwargs)``. ``prepend=True`` runs it before the hooks already registered.

        Example:
            >>> import minitorch as mt
            >>> layer = mt.nn.Identity()
            >>> handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 2)
            >>> layer(mt.ones(2))
            tensor([2., 2.])
            >>> handle.remove()
        """
        return self._register_hook(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs, hook,
                                   prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every ``forward``; a non-None result replaces the output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.
        Model summaries and feature-map visualisation use these hooks.

        Example:
            >>> import minitorch as mt
            >>> shapes = []
            >>> model = mt.nn.Sequential(mt.nn.Linear(4, 3), mt.nn.ReLU())
            >>> handle = model[0].register_forward_hook(lambda m, args, out: shapes.append(out.shape))
            >>> _ = model(mt.ones(2, 4)); handle.remove(); _ = model(mt.ones(2, 4))
            >>> shapes
            [(2, 3)]
        """
        return self._register_hook(self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend, with_kwargs)

    # ---- registration ---------------------------------------------------------------------
    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's running mean).

        Persistent buffers are part of ``state_dict``; non-persistent ones are not.

        Example:
            >>> import minitorch as mt
            >>> m = mt.nn.Module()
            >>> m.register_buffer("steps", mt.tensor(0))
            >>> m.register_buffer("cache", mt.zeros(2), persistent=False)
            >>> list(m.state_dict()), [n for n, _ in m.named_buffers()]
            (['steps'], ['steps', 'cache'])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(minitorch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, e.g. ``bias`` when disabled).

        Example:
            >>> import minitorch as mt
            >>> m = mt.nn.Module()
            >>> m.register_parameter("scale", mt.nn.Parameter(mt.ones(1)))
            >>> [n for n, _ in m.named_parameters()]
            ['scale']
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minitorch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             "created explicitly: wrap a detached tensor, e.g. Parameter(t.detach())")
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as the attribute ``name``.

        Example:
            >>> import minitorch as mt
            >>> m = mt.nn.Module()
            >>> m.add_module("act", mt.nn.ReLU())
            >>> m.act
            ReLU()
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module).

        Example:
            >>> import minitorch as mt
            >>> net = mt.nn.Sequential(mt.nn.Sequential(mt.nn.Linear(2, 2)))
            >>> net.get_submodule("0.0")
            Linear(in_features=2, out_features=2, bias=True)
        """
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f"{mod._get_name()} has no submodule `{item}` (looking up '{target}')")
            mod = mod._modules[item]  # type: ignore[assignment]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``, e.g. ``"0.weight"``.

        Example:
            >>> import minitorch as mt
            >>> mt.nn.Sequential(mt.nn.Linear(2, 3)).get_parameter("0.bias").shape
            (3,)
        """
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._parameters or mod._parameters[name] is None:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}`")
        return mod._parameters[name]  # type: ignore[return-value]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``, e.g. ``"bn.running_mean"``.

        Example:
            >>> import minitorch as mt
            >>> mt.nn.Sequential(mt.nn.BatchNorm1d(3)).get_buffer("0.running_var")
            tensor([1., 1., 1.])
        """
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod._buffers or mod._buffers[name] is None:
            raise AttributeError(f"{mod._get_name()} has no buffer `{name}`")
        return mod._buffers[name]  # type: ignore[return-value]

    # ---- attribute protocol -------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__

        def remove_from(*stores: Any) -> None:
            for store in stores:
                if name in store:
                    if isinstance(store, dict):
                        del store[name]
                    else:
                        store.discard(name)

        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minitorch.nn.Parameter or None expected)")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(d, self._parameters, self._buffers, self._non_persistent_buffers_set)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(minitorch.nn.Module or None expected)")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(minitorch Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if name in d.get("_parameters", ()):
            del self._parameters[name]
        elif name in d.get("_buffers", ()):
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in d.get("_modules", ()):
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(dir(type(self))) + list(self.__dict__) + list(self._parameters) + list(self._modules) + list(
            self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # ---- traversal ------------------------------------------------------------------------
    def _named_members(self, get_members: Callable[[Module], Any], prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs, named as in ``state_dict``; shared parameters once.

        Example:
            >>> import minitorch as mt
            >>> [(n, p.shape) for n, p in mt.nn.Linear(2, 3).named_parameters()]
            [('weight', (3, 2)), ('bias', (3,))]
        """
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module and (with ``recurse``) of its submodules, for an optimizer.

        Example:
            >>> import minitorch as mt
            >>> sum(p.numel() for p in mt.nn.Linear(784, 10).parameters())
            7850
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) pairs, persistent or not.

        Example:
            >>> import minitorch as mt
            >>> [n for n, _ in mt.nn.BatchNorm1d(3).named_buffers()]
            ['running_mean', 'running_var', 'num_batches_tracked']
        """
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers of this module and (with ``recurse``) of its submodules.

        Example:
            >>> import minitorch as mt
            >>> len(list(mt.nn.BatchNorm2d(3).buffers()))
            3
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) pairs of the direct children, each module once.

        Example:
            >>> import minitorch as mt
            >>> [n for n, _ in mt.nn.Sequential(mt.nn.ReLU(), mt.nn.Tanh()).named_children()]
            ['0', '1']
        """
        memo: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct child modules.

        Example:
            >>> import minitorch as mt
            >>> list(mt.nn.Sequential(mt.nn.ReLU()).children())
            [ReLU()]
        """
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module (name ``""``) and every descendant, depth first.

        Example:
            >>> import minitorch as mt
            >>> net = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.Sequential(mt.nn.ReLU()))
            >>> [n for n, _ in net.named_modules()]
            ['', '0', '1', '1.0']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once.

        Example:
            >>> import minitorch as mt
            >>> len(list(mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.ReLU()).modules()))
            3
        """
        for _, module in self.named_modules():
            yield module

    # ---- modes and gradients ------------------------------------------------------------
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (``mode=True``) or evaluation mode on this module and all descendants.

        Example:
            >>> import minitorch as mt
            >>> net = mt.nn.Sequential(mt.nn.Dropout(0.5))
            >>> net.eval()[0].training, net.train()[0].training
            (False, True)
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: M) -> M:
        """Set evaluation mode: Dropout passes inputs through, BatchNorm uses its running statistics.

        Example:
            >>> import minitorch as mt
            >>> mt.nn.BatchNorm1d(2).eval().training
            False
        """
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Set ``requires_grad`` of every parameter (e.g. ``False`` to freeze a feature extractor).

        Example:
            >>> import minitorch as mt
            >>> layer = mt.nn.Linear(2, 2).requires_grad_(False)
            >>> layer.weight.requires_grad
            False
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros in place.

        Example:
            >>> import minitorch as mt
            >>> layer = mt.nn.Linear(2, 1)
            >>> layer(mt.ones(1, 2)).sum().backward()
            >>> layer.zero_grad()
            >>> layer.weight.grad is None
            True
        """
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()
                p.grad.zero_()

    # ---- conversion ---------------------------------------------------------------------------
    def _apply(self: M, fn: Callable[[Tensor], Tensor]) -> M:
        """Apply ``fn`` to every parameter (in place: same objects), gradient and buffer."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                if is_lazy(p):
                    p._retarget(*getattr(fn, "target", (None, None)))  # type: ignore[attr-defined]
                    continue
                new = fn(p.detach())
                p._data, p.dtype, p._backend = new._data, new.dtype, new._backend
                p._version += 1
                if p.grad is not None:
                    p.grad = fn(p.grad.detach())
            for name, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[name] = fn(buf)
        return self

    def to(self: M, *args: Any, dtype: DType | str | None = None, backend: str | None = None,
           device: str | None = None) -> M:
        """Move parameters and buffers to another backend/device and/or cast floating ones to ``dtype``.

        Works in place and keeps the same ``Parameter`` objects (an optimizer built
        before still holds them); integer buffers such as ``num_batches_tracked``
        keep their dtype.

        Args:
            args: a dtype (``mt.float64``, ``"float64"``), a backend or device name
                (``"numpy"``, ``"cpu"``, ``"numba"``), or a tensor whose dtype and backend to match.
            dtype: a floating point dtype.
            backend: a backend name.
            device: a PyTorch-style device name (``"cpu"``, ``"cuda"``).

        Example:
            >>> import minitorch as mt
            >>> layer = mt.nn.Linear(2, 2)
            >>> w = layer.weight
            >>> layer.to(mt.float64).weight is w, w.dtype
            (True, minitorch.float64)
        """
        for arg in args:
            if isinstance(arg, DType) or (isinstance(arg, str) and arg in _DTYPE_NAMES):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype, backend = arg.dtype, arg.backend
            else:
                device = arg
        target = as_dtype(dtype) if dtype is not None else None
        if target is not None and not target.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={target}")
        where = resolve_backend(backend, device) if backend is not None or device is not None else None

        def convert(t: Tensor) -> Tensor:
            return t.to(dtype=target if t.is_floating_point() else None, backend=where)

        convert.target = (target, where)  # type: ignore[attr-defined]
        return self._apply(convert)

    def float(self: M) -> M:
        """Cast floating point parameters and buffers to float32. Example: ``model.float()``."""
        return self.to(dtype="float32")

    def double(self: M) -> M:
        """Cast floating point parameters and buffers to float64. Example: ``model.double()``."""
        return self.to(dtype="float64")

    def cpu(self: M) -> M:
        """Move parameters and buffers to the CPU (the numpy backend). Example: ``model.cpu()``."""
        return self.to(device="cpu")

    def cuda(self: M) -> M:
        """Move parameters and buffers to the GPU (the cupy backend). Example: ``model.cuda()``."""
        return self.to(device="cuda")

    def apply(self: M, fn: Callable[[Module], None]) -> M:
        """Call ``fn`` on every submodule (children first) and then on this module; e.g. custom init.

        Example:
            >>> import minitorch as mt
            >>> def init_weights(m):
            ...     if isinstance(m, mt.nn.Linear):
            ...         mt.nn.init.zeros_(m.bias)
            >>> net = mt.nn.Sequential(mt.nn.Linear(2, 2)).apply(init_weights)
            >>> net[0].bias
            Parameter containing:
            tensor([0., 0.], requires_grad=True)
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- state dict ---------------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars or is_lazy(param) else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """An ordered dict of every parameter and persistent buffer, keyed by PyTorch's dotted names.

        The tensors are detached but share memory with the module (unless ``keep_vars``).

        Example:
            >>> import minitorch as mt
            >>> net = mt.nn.Sequential(mt.nn.Linear(2, 2), mt.nn.BatchNorm1d(2))
            >>> list(net.state_dict())
            ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, strict: bool,
                              missing_keys: list[str], unexpected_keys: list[str], error_msgs: list[str],
                              assign: bool = False) -> None:
        """Copy this module's own entries of ``state_dict`` (keys starting with ``prefix``)."""
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items())
                       if v is not None}
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__array__"):
                    error_msgs.append(f'While copying the parameter named "{key}", expected a Tensor or an array '
                                      f"from checkpoint but received {type(value)}")
                    continue
                value = np.asarray(value)
            shape = tuple(value.shape)
            if is_lazy(param):
                error_msgs.append(f"cannot load {key} into an uninitialized parameter of {self._get_name()}; "
                                  "run the module once (or load into a lazy module) first")
                continue
            if shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {shape} from checkpoint, "
                                  f"the shape in current model is {param.shape}.")
                continue
            try:
                with no_grad():
                    if assign:
                        new = value if isinstance(value, Tensor) else _host_tensor(value, param)
                        new = new.to(param.dtype, backend=param.backend).detach()
                        if name in self._parameters:
                            setattr(self, name, Parameter(new, requires_grad=param.requires_grad))
                        else:
                            self._buffers[name] = new
                    else:
                        param.copy_(value)
            except Exception as exc:  # noqa: BLE001 - reported together with the other problems
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model are '
                                  f"{param.shape} and whose dimensions in the checkpoint are {shape}, "
                                  f"an exception occurred: {exc!r}.")
        if strict:
            for key in state_dict:
                if not key.startswith(prefix):
                    continue
                head = key[len(prefix):].split(".", 1)
                if len(head) > 1:
                    if head[0] not in self._modules:
                        unexpected_keys.append(key)
                elif head[0] not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module, in place.

        Values may be minitorch tensors or arrays (NumPy, or anything with ``__array__``,
        e.g. PyTorch CPU tensors). Shapes must match. With ``strict`` (default) the keys
        must match exactly too; every missing, unexpected and mis-shaped key is listed
        in one ``RuntimeError``.

        Args:
            state_dict: a mapping from dotted names (as ``state_dict()`` gives) to values.
            strict: whether missing or unexpected keys are an error.
            assign: replace the parameters and buffers by the loaded values instead of copying into them.

        Returns:
            ``(missing_keys, unexpected_keys)`` as a named tuple.

        Example:
            >>> import minitorch as mt
            >>> a, b = mt.nn.Linear(2, 2), mt.nn.Linear(2, 2)
            >>> b.load_state_dict(a.state_dict())
            <All keys matched successfully>
            >>> bool((a.weight == b.weight).all())
            True
            >>> b.load_state_dict({"weight": mt.zeros(2, 2)}, strict=False)
            _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: Module, local: Mapping[str, Any], prefix: str = "") -> None:
            module._load_from_state_dict(local, prefix, True, missing, unexpected, errors, assign)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, dict(state_dict))
        if strict:
            if unexpected:
                quoted = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {quoted}. ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing -------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The layer's own settings for its repr, e.g. ``in_features=4, out_features=2, bias=True``.

        Override it in custom modules; single- and multi-line strings both work.

        Example:
            >>> import minitorch as mt
            >>> mt.nn.Linear(4, 2).extra_repr()
            'in_features=4, out_features=2, bias=True'
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _host_tensor(value: np.ndarray, like: Tensor) -> Tensor:
    from ...creation import tensor

    return tensor(value, backend=like.backend)

