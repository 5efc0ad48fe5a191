"""Recording which module call made each autograd node (``record_modules``), and finding repeated blocks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..autograd import Function
from ..tensor import Tensor
from ._dot import Key, _tensors


class _Call:
    """One call of a module during a recorded forward pass."""

    def __init__(self, index: int, module: Any, name: str, parent: _Call | None, start: int) -> None:
        self.index, self.module, self.name, self.parent = index, module, name, parent
        self.depth = 0 if parent is None else parent.depth + 1
        self.children: list[_Call] = []
        self.start, self.finish, self.end = start, -1, index + 1  # calls[index:end] is this call's subtree
        self.nodes: list[Key] = []  # ops and leaves reached from the outputs, nested calls' included, in walk order
        self.in_src: list[tuple[Any, tuple, Any]] = []  # (producer call | graph input number | None, shape, dtype)
        self.out_src: list[Any] = []
        self.out_meta: list[tuple[tuple, Any]] = []
        self.signature: tuple = ()

    def within(self, ancestor: _Call) -> bool:
        call: _Call | None = self
        while call is not None:
            if call is ancestor:
                return True
            call = call.parent
        return False

    def __repr__(self) -> str:
        return f"<call {self.index}: {self.name or '(model)'} {type(self.module).__name__}>"


class ModuleRecord:
    """Which module call produced each autograd node of a forward pass; made by :func:`record_modules`.

    Attributes:
        model: the module whose calls were recorded.
        calls: one entry per module call, in call order (``name``, ``module``, ``parent``, ``depth``).

    A node belongs to the innermost module call that created it: after each call, the graph
    is walked back from the call's outputs to its inputs. Ops run outside any module (e.g. a
    loss function) belong to no module. The record keeps the graph's nodes alive while it exists.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[_Call] = []
        self._names = {id(m): n for n, m in model.named_modules()}
        self._op_owner: dict[Function, _Call] = {}
        self._leaf_owner: dict[int, _Call] = {}
        self._leaves: dict[int, Tensor] = {}  # keeps recorded leaves alive, so their ids stay theirs
        self.input_meta: list[tuple[tuple, Any]] = []  # shape and dtype of each input of the outermost calls
        self._input_leaves: dict[int, Tensor] = {}  # those inputs that are leaves, named "input" in drawings
        self._stack: list[_Call] = []
        self._produced: dict[int, _Call] = {}  # id(tensor) -> innermost call that returned it (during the pass)
        self._inputs: dict[int, int] = {}  # id(tensor) -> its number among the outermost calls' inputs
        self._alive: list[Tensor] = []  # every tensor seen during the pass, so ids are not reused
        self._clock = 0

    def _source(self, t: Tensor) -> Any:
        if id(t) in self._produced:
            return self._produced[id(t)]
        return self._inputs.get(id(t))

    def _pre(self, module: Any, args: tuple, kwargs: dict) -> None:
        parent = self._stack[-1] if self._stack else None
        call = _Call(len(self.calls), module, self._names.get(id(module), "?"), parent, self._clock)
        self._clock += 1
        tensors = _tensors((args, kwargs))
        if parent is None:
            for t in tensors:
                if id(t) not in self._inputs and id(t) not in self._produced:
                    self._inputs[id(t)] = len(self._inputs)
                    self.input_meta.append((t.shape, t.dtype))
                    if t._ctx is None:
                        self._input_leaves[id(t)] = t
        else:
            parent.children.append(call)
        call.in_src = [(self._source(t), t.shape, t.dtype) for t in tensors]
        self._alive.extend(tensors)
        self.calls.append(call)
        self._stack.append(call)

    def _post(self, module: Any, args: tuple, kwargs: dict, output: Any) -> None:
        call = self._stack.pop()
        call.finish, call.end = self._clock, len(self.calls)
        self._clock += 1
        outs = _tensors(output)
        call.out_meta = [(t.shape, t.dtype) for t in outs]
        if call.parent is None:
            call.out_src = [self._source(t) for t in outs]
        input_ids = {id(t) for t in _tensors((args, kwargs))}
        for t in outs:
            prev = self._produced.get(id(t))
            # innermost call first; a call returning its input (Identity, Dropout in eval) passes it on
            if prev is None or (id(t) in input_ids and not prev.within(call)):
                self._produced[id(t)] = call
        self._alive.extend(outs)
        self._claim(call, outs, input_ids)

    def _claim(self, call: _Call, outs: list[Tensor], input_ids: set[int]) -> None:
        """Walk back from the outputs to the inputs; unclaimed nodes on the way were made by this call."""
        stack = [t._ctx for t in reversed(outs) if t._ctx is not None and id(t) not in input_ids]
        seen: set[Function] = set()
        leaves: set[int] = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            owner = self._op_owner.get(node)
            if owner is not None and not owner.within(call):
                continue  # made before this call, outside it
            if owner is None:
                self._op_owner[node] = call
            call.nodes.append(("op", node))
            for inp in reversed(node._inputs):
                if not isinstance(inp, Tensor) or id(inp) in input_ids:
                    continue
                if inp._ctx is not None:
                    stack.append(inp._ctx)
                elif id(inp) not in leaves:
                    leaves.add(id(inp))
                    call.nodes.append(("leaf", id(inp)))
                    if id(inp) not in self._leaf_owner:
                        self._leaf_owner[id(inp)] = call
                        self._leaves[id(inp)] = inp

    def _finish(self) -> None:
        self._stack.clear()
        self._produced.clear()
        self._inputs.clear()
        self._alive.clear()

    def owner(self, key: Key) -> _Call | None:
        """The call that made the op or claimed the leaf named by ``key``."""
        if key[0] in ("op", "cut"):
            return self._op_owner.get(key[1])
        if key[0] in ("leaf", "saved"):
            return self._leaf_owner.get(key[1])
        return None


@contextlib.contextmanager
def record_modules(model: Any) -> Iterator[ModuleRecord]:
    """Record, with forward hooks, which module call produces each node; pass the record to :func:`draw`.

    Hooks go on ``model`` and all its submodules for the ``with`` block and are removed after it.

    Args:
        model: an ``nn.Module``.

    Yields:
        A :class:`ModuleRecord`, filled in as the forward pass runs.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> with mt.graph.record_modules(model) as rec:
        ...     loss = model(mt.randn(3, 4)).sum()
        >>> [c.name for c in rec.calls]
        ['', '0', '1', '2']
        >>> dot = mt.graph.draw(loss, modules=rec)  # clusters per module, parameter names from model
        >>> 'label="0: Linear"' in dot.source and "0.weight" in dot.source
        True
    """
    record = ModuleRecord(model)
    handles = []
    try:
        for _, module in model.named_modules():
            handles.append(module.register_forward_pre_hook(record._pre, with_kwargs=True))
            handles.append(module.register_forward_hook(record._post, with_kwargs=True))
        yield record
    finally:
        for handle in handles:
            handle.remove()
        record._finish()


def _signatures(calls: list[_Call], with_nodes: bool) -> None:
    """Give every call a structural signature: equal signatures mean the same block on same-shaped data."""
    for call in reversed(calls):  # children come after their parent in call order
        extra = call.module.extra_repr() if hasattr(call.module, "extra_repr") else ""
        nodes: tuple = ()
        if with_nodes:
            pos = {key: i for i, key in enumerate(call.nodes)}
            entries = []
            for key in call.nodes:
                if key[0] == "leaf":
                    entries.append(("leaf",))
                    continue
                node = key[1]
                args = tuple(pos.get(("op", a._ctx) if a._ctx is not None else ("leaf", id(a)), ("ext", a.shape))
                             if isinstance(a, Tensor) else type(a).__name__ for a in node._inputs)
                entries.append((node.name(), tuple((s, d.name) for s, d, _ in node._outputs_meta), args))
            nodes = tuple(entries)
        call.signature = (type(call.module).__name__, extra, tuple((s, d.name) for _, s, d in call.in_src),
                          tuple((s, d.name) for s, d in call.out_meta), nodes,
                          tuple(c.signature for c in call.children))


def _runs(calls: list[_Call], min_run: int | None, eligible: Any = None) -> list[list[_Call]]:
    """Runs of at least ``min_run`` consecutive sibling calls with equal signatures (none inside a folded copy)."""
    if min_run is None:
        return []
    runs: list[list[_Call]] = []
    hidden: list[tuple[int, int]] = []  # index ranges of the copies that runs fold away
    groups = [(None, [c for c in calls if c.parent is None])] + [(c, c.children) for c in calls]
    for parent, children in groups:
        if parent is not None and any(a <= parent.index < b for a, b in hidden):
            continue
        children = [c for c in children if eligible is None or eligible(c)]
        i = 0
        while i < len(children):
            j = i + 1
            while j < len(children) and children[j].signature == children[i].signature:
                j += 1
            if j - i >= min_run:
                runs.append(children[i:j])
                hidden += [(c.index, c.end) for c in children[i:j - 1]]
            i = j
    return runs


def _short_name(call: _Call) -> str:
    """The call's module name relative to its parent's (``fc`` inside ``blocks.4``), which labels the cluster."""
    parent = call.parent.name if call.parent is not None else ""
    return call.name[len(parent) + 1:] if parent and call.name.startswith(parent + ".") else call.name


def _run_title(calls: list) -> str:
    """``"blocks.0 … blocks.11: Block × 12"`` for a run of calls, ``"fc1: Linear"`` for one."""
    first, last = _short_name(calls[0]), _short_name(calls[-1])
    kind = type(calls[0].module).__name__
    name = first if first == last else f"{first} … {last}"
    title = f"{name}: {kind}" if first else kind
    return title if len(calls) == 1 else f"{title} × {len(calls)}"
