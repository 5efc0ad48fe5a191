"""Containers of modules: Sequential, ModuleList, ModuleDict, and the Identity placeholder."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module, _addindent

__all__ = ["Identity", "Sequential", "ModuleList", "ModuleDict"]


def _index(idx: Any, size: int, container: str) -> int:
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range for a {container} of length {size}")
    return idx % size


class Identity(Module):
    """A placeholder that returns its input unchanged; it accepts and ignores any arguments.

    Args:
        args: ignored.
        kwargs: ignored.

    Shape:
        - Input: any shape.
        - Output: the same shape.

    Example:
        >>> import minitorch as mt
        >>> mt.nn.Identity(54, unused="ignored")(mt.ones(2))
        tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Sequential(Module):
    """A chain of modules called in order, each on the previous one's output.

    Children are named ``"0"``, ``"1"``, ... (so state_dict keys are ``"0.weight"``),
    or by the keys of an ``OrderedDict``. Indexing with an int (negative too) gives a
    module; a slice gives a new ``Sequential`` sharing the modules. Deleting renumbers
    positional names as torch does (names from an ``OrderedDict`` are kept, unlike torch).

    Args:
        args: the modules in order, or a single ``OrderedDict`` of name -> module.

    Shape:
        - Input: what the first module accepts.
        - Output: what the last module returns.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> model(mt.ones(5, 4)).shape
        (5, 2)
        >>> model[-1], len(model[:2])
        (Linear(in_features=8, out_features=2, bias=True), 2)
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self), type(self).__name__)]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self), type(self).__name__)]
        setattr(self, key, module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        targets = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(self), type(self).__name__)]]
        for key in targets:
            delattr(self, key)
        # keep positional names contiguous, as torch does (names from an OrderedDict are kept)
        items = list(self._modules.items())
        if all(k.isdigit() for k, _ in items):
            self._modules.clear()
            self._modules.update((str(i), m) for i, (_, m) in enumerate(items))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``.

        Example:
            >>> import minitorch as mt
            >>> len(mt.nn.Sequential(mt.nn.ReLU()).append(mt.nn.Tanh()))
            2
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Add every module of ``modules`` at the end; returns ``self``.

        Example:
            >>> import minitorch as mt
            >>> len(mt.nn.Sequential().extend([mt.nn.ReLU(), mt.nn.Tanh()]))
            2
        """
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (renumbering the later ones); returns ``self``.

        Example:
            >>> import minitorch as mt
            >>> mt.nn.Sequential(mt.nn.ReLU()).insert(0, mt.nn.Tanh())[0]
            Tanh()
        """
        if not isinstance(module, Module):
            raise TypeError(f"module should be of type Module, got {type(module).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"index {index} is out of range for insertion into a Sequential of length {n}")
        index = index % (n + 1) if index < 0 else index
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
        return self

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered so that their parameters belong to the owner.

    It has no ``forward``: the owner decides how to call them.

    Args:
        modules: an iterable of modules to start with.

    Shape:
        Not applicable.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
        >>> x = mt.ones(1, 3)
        >>> for layer in layers:
        ...     x = layer(x)
        >>> x.shape, len(list(layers.parameters()))
        ((1, 3), 4)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), type(self).__name__))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index(idx, len(self), type(self).__name__)), module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        targets = keys[idx] if isinstance(idx, slice) else [str(_index(idx, len(self), type(self).__name__))]
        for key in targets:
            delattr(self, key)
        modules = list(self._modules.values())
        self._modules.clear()
        self._modules.update((str(i), m) for i, m in enumerate(modules))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)(list(self) + list(other))

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns ``self``.

        Example:
            >>> import minitorch as mt
            >>> len(mt.nn.ModuleList().append(mt.nn.ReLU()))
            1
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end; returns ``self``.

        Example:
            >>> import minitorch as mt
            >>> len(mt.nn.ModuleList().extend([mt.nn.ReLU(), mt.nn.Tanh()]))
            2
        """
        if not isinstance(modules, Iterable) or isinstance(modules, Module) and not isinstance(modules, ModuleList):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__}")
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``.

        Example:
            >>> import minitorch as mt
            >>> layers = mt.nn.ModuleList([mt.nn.ReLU()])
            >>> layers.insert(0, mt.nn.Tanh())
            >>> layers[0]
            Tanh()
        """
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def pop(self, idx: int = -1) -> Module:
        """Remove and return the module at ``idx`` (the last one by default).

        Example:
            >>> import minitorch as mt
            >>> mt.nn.ModuleList([mt.nn.ReLU(), mt.nn.Tanh()]).pop()
            Tanh()
        """
        module = self[idx]
        del self[idx]
        return module

    def __repr__(self) -> str:
        # runs of identical children print once, as "(0-2): 3 x Linear(...)", like torch
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        blocks: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for start, end, r in blocks:
            line = f"({start}): {r}" if start == end else f"({start}-{end}): {end - start + 1} x {r}"
            lines.append(_addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules keyed by string, registered so that their parameters belong to the owner.

    Keeps insertion order; state_dict keys are ``"<key>.weight"`` and so on.

    Args:
        modules: a mapping or an iterable of (key, module) pairs to start with.

    Shape:
        Not applicable.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 4)})
        >>> heads["cls"](mt.ones(2, 4)).shape, list(heads)
        ((2, 3), ['cls', 'box'])
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module. Example: ``heads.clear()``."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the module at ``key`` and return it. Example: ``heads.pop("cls")``."""
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order. Example: ``list(heads.keys())``."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """The (key, module) pairs. Example: ``dict(heads.items())``."""
        return self._modules.items()  # type: ignore[return-value]

    def values(self) -> Iterable[Module]:
        """The modules. Example: ``list(heads.values())``."""
        return self._modules.values()  # type: ignore[return-value]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or an iterable of (key, module) pairs.

        Example:
            >>> import minitorch as mt
            >>> d = mt.nn.ModuleDict()
            >>> d.update([("act", mt.nn.ReLU())])
            >>> d["act"]
            ReLU()
        """
        if isinstance(modules, (Mapping, ModuleDict)):
            for key, module in modules.items():
                self[key] = module
            return
        for j, pair in enumerate(modules):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ModuleDict update sequence element #{j} should be a (key, module) pair, "
                                 f"got {pair!r}")
            self[pair[0]] = pair[1]
