"""``draw``: the autograd graph behind a tensor, as micrograd's draw_dot and torchviz's make_dot."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..autograd import Function
from ..tensor import Tensor
from ._dot import (
    _NO_ATTRS,
    Key,
    _emit,
    _gc_paused,
    _graphviz,
    _meta,
    _min_run,
    _names,
    _new_graph,
    _op_name,
    _value_lines,
)
from ._record import ModuleRecord, _Call, _run_title, _runs, _signatures

if TYPE_CHECKING:
    import graphviz


class _Walk:
    """The part of the autograd graph behind ``roots`` within ``max_depth`` ops, found breadth first."""

    def __init__(self, roots: list[Tensor], max_depth: int | None, show_saved: bool, names: Mapping[int, str],
                 keep_outputs: bool) -> None:
        self.items: dict[Key, Any] = {}  # key -> Function or Tensor, in discovery order
        self.edges: list[tuple[Key, Key, dict]] = []
        self.outputs: dict[Function, dict[int, Tensor]] = {}  # output tensors seen: named ones, or all
        self.depth: dict[Function, int] = {}
        self.cut = False
        items, edges, depth, outputs = self.items, self.edges, self.depth, self.outputs
        limit = max_depth if max_depth is not None else float("inf")
        queue: deque[Function] = deque()
        saved_attrs = {"style": "dashed", "color": "orange3"}

        def reach(node: Function, d: int, consumer: Key, t: Tensor) -> None:
            if keep_outputs or id(t) in names:
                outputs.setdefault(node, {})[t._out_index] = t
            if d > limit and node not in depth:  # (shown nodes are all found before the first cut)
                self.cut = True
                key = ("cut", node)
                items.setdefault(key, node)
                edges.append((key, consumer, _NO_ATTRS))
                return
            key = ("op", node)
            if node not in depth:
                depth[node] = d
                items[key] = node
                queue.append(node)
            many = len(node._outputs_meta) > 1
            edges.append((key, consumer, {"label": f"[{t._out_index}]"} if many else _NO_ATTRS))

        for i, root in enumerate(roots):
            if root._ctx is None:
                items.setdefault(("leaf", id(root)), root)
                continue
            items[("root", i)] = root
            reach(root._ctx, 1, ("root", i), root)
        while queue:  # breadth first: each node at its shortest distance from the output
            node = queue.popleft()
            d = depth[node] + 1
            me = ("op", node)
            for inp in node._inputs:
                if not isinstance(inp, Tensor):
                    continue
                if inp._ctx is not None:
                    reach(inp._ctx, d, me, inp)
                else:
                    key = ("leaf", id(inp))
                    items.setdefault(key, inp)
                    edges.append((key, me, _NO_ATTRS))
            if show_saved and node._saved:
                for t in node._saved:
                    if isinstance(t, Tensor):
                        key = ("saved", id(t))
                        items.setdefault(key, t)
                        edges.append((key, me, saved_attrs))


def _count_ops(roots: list[Tensor]) -> int:
    stack = [r._ctx for r in roots if r._ctx is not None]
    seen = set(stack)
    while stack:
        for inp in stack.pop()._inputs:
            parent = getattr(inp, "_ctx", None)
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def draw(output: Tensor | Sequence[Tensor], params: Any = None, *, modules: ModuleRecord | None = None,
         show_values: bool = False, show_saved: bool = False, max_depth: int | None = None,
         collapse_repeats: bool | int = True, collapse_depth: int | None = None, rankdir: str = "BT",
         graph_attr: Mapping[str, str] | None = None) -> graphviz.Digraph:
    """Draw the autograd graph that produced ``output``, as micrograd's ``draw_dot`` and torchviz's ``make_dot``.

    Op nodes (gray) name the operation and the shape and dtype of what it returned; leaf
    tensors show their names from ``params`` (blue: requires grad; white: constants such as
    the input data); the output is green. Edges point the way data flowed forward. The walk
    is iterative, so graphs of any depth (100k ops) can be drawn; ``max_depth`` and the
    folding options keep big ones readable.

    Modules: run the forward pass inside ``with mt.graph.record_modules(model) as rec:`` and
    pass ``modules=rec``. Each node then sits in a cluster of the module call that made it,
    parameters are named from the model, ``collapse_depth`` can draw modules as single nodes,
    and a block applied several times in a row (``nn.ModuleList`` of identical blocks, a
    layer or an RNN cell in a loop) is drawn once, as its last copy, labelled "× N"; the
    links from one copy to the next are left out, and the data fed to every copy in the
    same place (an RNN's ``x[t]``) becomes one node.

    Args:
        output: the tensor (or tensors) whose graph to draw.
        params: names for tensors: a mapping ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``),
            (name, tensor) pairs, or a module (its parameters and buffers). Names of intermediate
            results label the op that made them, micrograd style. Default: the recorded model's.
        modules: a :class:`ModuleRecord` from ``with record_modules(model) as rec:`` around the
            forward pass: nodes are clustered by the module call that made them.
        show_values: add data (and gradient) summaries: the value of one-element tensors,
            else min/mean/max, to leaves, ops' outputs and saved tensors.
        show_saved: draw the tensors each op saved for backward (orange, dashed edges);
            after ``backward()`` without ``retain_graph`` the op says they were freed.
        max_depth: draw only the ops at most this many ops from the output; inputs cut off
            become "…" nodes naming the op behind them.
        collapse_repeats: fold a run of identical consecutive module calls (with ``modules``)
            into the last one, labelled "× N", and a chain of identical ops (e.g. ``x = x * w``
            in a loop) into one "Op × N" node. ``True`` folds runs of 3 or more; an int sets the length.
        collapse_depth: with ``modules``, draw each module call at this nesting depth (the
            recorded model is depth 0, its children 1) as one node, hiding the ops inside it.
        rankdir: graph direction: ``"BT"`` (output on top), ``"TB"``, ``"LR"`` or ``"RL"``.
        graph_attr: extra Graphviz graph attributes, e.g. ``{"size": "8,8"}``.

    Returns:
        A ``graphviz.Digraph``; ``.source`` is the DOT text and ``render(dot, "g.png")`` writes a file.

    Example:
        >>> import minitorch as mt
        >>> a = mt.tensor(2.0, requires_grad=True); b = mt.tensor(-3.0, requires_grad=True)
        >>> c = mt.tensor(10.0, requires_grad=True); f = mt.tensor(-2.0, requires_grad=True)
        >>> e = a * b; d = e + c; L = d * f
        >>> dot = mt.graph.draw(L, dict(a=a, b=b, c=c, f=f, e=e, d=d), show_values=True, rankdir="LR")
        >>> print(dot.source.count("->"), 'label="e = Mul' in dot.source, "data -8" in dot.source)
        7 True True
    """
    _graphviz()  # ImportError with the install hint, before any work
    roots = [output] if isinstance(output, Tensor) else list(output)
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError("draw expects a tensor or a sequence of tensors")
    if max_depth is not None and max_depth < 0:
        raise ValueError(f"max_depth must be >= 0, got {max_depth}")
    if collapse_depth is not None and modules is None:
        raise ValueError("collapse_depth needs modules=: record the forward pass with mt.graph.record_modules(model)")
    min_run = _min_run(collapse_repeats)
    names = _names(params if params is not None else (modules.model if modules is not None else None))
    if modules is not None:
        for i, (tid, _) in enumerate(modules._input_leaves.items()):
            names.setdefault(tid, "input" if len(modules._input_leaves) == 1 else f"input[{i}]")
    graph = _new_graph(rankdir, None, graph_attr)
    with _gc_paused():
        walk = _Walk(roots, max_depth, show_saved, names, show_values)
        drawing = _Folding(walk, names, modules, collapse_depth)
        if modules is not None and min_run is not None:
            drawing.fold_runs(min_run)
        if collapse_depth is not None:
            drawing.fold_depth()
        if min_run is not None:
            drawing.fold_chains(min_run)
        drawing.merge_copies_inputs()
        notes = []
        if walk.cut:
            notes.append(f"{len(walk.depth)} of {_count_ops(roots)} ops shown (max_depth={max_depth})")
        if show_saved and any(node._freed for node in walk.depth):
            notes.append("saved tensors were freed by backward(); pass retain_graph=True to keep them")
        if notes:
            graph.attr(label="\\n".join(notes), labelloc="t")
        edges = drawing.edges()
        nodes, cluster_of = drawing.nodes(edges, roots, show_values)
        return _emit(graph, nodes, edges, cluster_of, lambda c: _run_title(drawing.rep_runs.get(c, [c])))


class _Folding:
    """Which walked nodes stand for which (``remap``): folded module copies, folded modules, op chains."""

    def __init__(self, walk: _Walk, names: dict[int, str], modules: ModuleRecord | None,
                 collapse_depth: int | None) -> None:
        self.walk, self.items, self.names, self.modules = walk, walk.items, names, modules
        self.collapse_depth = collapse_depth
        self.remap: dict[Key, Key] = {}
        self.labels: dict[Key, list[str]] = {}  # of the nodes that stand for an op chain
        self.owner: dict[Key, _Call | None] = {}  # the call whose cluster shows the node
        self.made_by: dict[Key, _Call | None] = {}  # the call that made it (differs inside folded copies)
        self.run_of: dict[_Call, tuple[int, int]] = {}  # call in a folded run -> (run number, position)
        self.rep_runs: dict[_Call, list[_Call]] = {}  # the last call of a run -> the run
        self.merged_leaves: dict[Key, list[Key]] = {}
        if modules is not None:
            for key, obj in self.items.items():
                if key[0] == "saved":
                    self.owner[key] = modules.owner(("op", obj._ctx) if obj._ctx is not None else key)
                else:
                    self.owner[key] = modules.owner(key)
        self.made_by = dict(self.owner)

    def resolve(self, key: Key) -> Key:
        remap, items = self.remap, self.items
        while key in remap and (remap[key] in items or remap[key][0] in ("call", "chain")):
            key = remap[key]
        return key

    def fold_runs(self, min_run: int) -> None:
        """Runs of identical module calls: every copy's nodes stand for the last copy's, position by position."""
        calls = self.modules.calls
        same_call: dict[_Call, _Call] = {}  # a call in a folded copy -> the same call in the last copy
        _signatures(calls, with_nodes=True)
        for r, run in enumerate(_runs(calls, min_run)):
            rep = run[-1]
            self.rep_runs[rep] = run
            for p, member in enumerate(run):
                self.run_of[member] = (r, p)
                if member is rep:
                    continue
                for mine, theirs in zip(member.nodes, rep.nodes):
                    if mine != theirs:
                        self.remap[mine] = theirs
                        if mine[0] == "op":  # a copy's op cut off by max_depth: the last copy's, shown or cut
                            op = ("op", theirs[1])
                            self.remap[("cut", mine[1])] = op if op in self.items else ("cut", theirs[1])
                same_call.update(zip(calls[member.index:member.end], calls[rep.index:rep.end]))
        for key, call in self.owner.items():  # what stays of a copy (parameters shared by all) goes to the last
            while call in same_call:
                call = same_call[call]
            self.owner[key] = call

    def runs_path(self, call: _Call | None) -> dict[int, int]:
        """The folded runs ``call`` is in (run number -> position), its own and its ancestors'."""
        path: dict[int, int] = {}
        while call is not None:
            if call in self.run_of:
                path.setdefault(*self.run_of[call])
            call = call.parent
        return path

    def crosses_copies(self, src: Key, dst: Key) -> bool:
        """An edge from one copy of a folded block to another: the repetition itself (shared parameters aside)."""
        if not self.run_of or src[0] in ("leaf", "saved"):
            return False
        a, b = self.runs_path(self.made_by.get(src)), self.runs_path(self.made_by.get(dst))
        return any(run in b and b[run] != pos for run, pos in a.items())

    def folded(self, call: _Call | None) -> _Call | None:
        """The ancestor-or-self of ``call`` at ``collapse_depth``, drawn as one node."""
        while call is not None and call.depth > self.collapse_depth:
            call = call.parent
        return call if call is not None and call.depth == self.collapse_depth else None

    def cluster(self, call: _Call | None) -> _Call | None:
        """The cluster holding a node of ``call``: calls at or below ``collapse_depth`` have none."""
        while call is not None and self.collapse_depth is not None and call.depth >= self.collapse_depth:
            call = call.parent
        return call

    def fold_depth(self) -> None:
        """Module calls at ``collapse_depth`` become single nodes; parameters used only inside vanish into them."""
        for key in self.items:
            r = self.resolve(key)
            if r[0] in ("op", "cut") and r in self.items and (call := self.folded(self.owner.get(r))) is not None:
                self.remap[r] = ("call", call)
        consumers: dict[Key, set[Key]] = {}
        for src, dst, _ in self.walk.edges:
            if src[0] == "leaf":
                consumers.setdefault(src, set()).add(self.resolve(dst))
        for key in self.items:
            if key[0] == "leaf" and self.resolve(key) == key and (call := self.folded(self.owner.get(key))):
                if consumers.get(key) == {("call", call)}:
                    self.remap[key] = ("call", call)

    def fold_chains(self, min_run: int) -> None:
        """Chains of at least ``min_run`` identical ops, each feeding only the next, become one node."""
        uses: dict[Key, int] = {}
        op_inputs: dict[Key, list[Key]] = {}
        for src, dst, _ in self.walk.edges:
            if src[0] == "op":
                uses[src] = uses.get(src, 0) + 1
                if dst[0] == "op":
                    op_inputs.setdefault(dst, []).append(src)

        def sig(key: Key) -> tuple:
            node = key[1]
            return node.name(), tuple((s, d.name) for s, d, _ in node._outputs_meta), self.owner.get(key)

        def named(key: Key) -> bool:
            return any(id(t) in self.names for t in self.walk.outputs.get(key[1], {}).values())

        prev: dict[Key, Key] = {}
        for key in self.items:
            if key[0] != "op" or self.resolve(key) != key:
                continue
            ins = op_inputs.get(key, [])
            if len(ins) == 1 and self.resolve(ins[0]) == ins[0] and uses.get(ins[0]) == 1 and not named(ins[0]) \
                    and sig(ins[0]) == sig(key):
                prev[key] = ins[0]
        for head in set(prev) - set(prev.values()):  # the chain's member nearest the output
            chain = [head]
            while chain[-1] in prev:
                chain.append(prev[chain[-1]])
            if len(chain) >= min_run:
                node = head[1]
                self.labels[("chain", head)] = [f"{_op_name(node)} × {len(chain)}"] + [
                    _meta(s, d) for s, d, _ in node._outputs_meta]
                self.owner[("chain", head)] = self.owner.get(head)
                for member in chain:
                    self.remap[member] = ("chain", head)

    def merge_copies_inputs(self) -> None:
        """Data fed to each copy of a folded block in the same place (an RNN's ``x[t]``) becomes one node."""
        if not self.run_of:
            return
        slots: dict[tuple, dict[Key, int]] = {}  # (consumer, argument number) -> {leaf: call number}
        outside: set[Key] = set()  # leaves also used elsewhere stay apart
        for src, dst, _ in self.walk.edges:
            if src[0] != "leaf" or self.items[src].requires_grad:
                continue
            if dst[0] != "op" or not self.runs_path(self.made_by.get(dst)):
                outside.add(src)
                continue
            slot = next(i for i, a in enumerate(dst[1]._inputs) if a is self.items[src])
            slots.setdefault((self.resolve(dst), slot), {}).setdefault(src, self.made_by[dst].index)
        for group_calls in slots.values():  # in call order: the last copy's leaf stands for the group
            group = sorted((key for key in group_calls if key not in outside and self.resolve(key) == key),
                           key=group_calls.__getitem__)
            if len(group) > 1:
                self.merged_leaves[group[-1]] = group
                for key in group[:-1]:
                    self.remap[key] = group[-1]

    def edges(self) -> list[tuple[Key, Key, dict]]:
        """The edges between drawn nodes, in the order found; ones whose ends were folded are merged."""
        resolve = self.resolve
        raw = self.walk.edges
        kept = {(src, dst, attrs.get("label")) for src, dst, attrs in raw if resolve(src) == src
                and resolve(dst) == dst}  # edges between unfolded nodes stay, even twice (``x * x``)
        merged: set[tuple] = set()
        edges = []
        for src, dst, attrs in raw:
            s, d = resolve(src), resolve(dst)
            if s == d or (src[0] == "saved" and d != dst) or self.crosses_copies(src, dst):
                continue
            if s != src or d != dst:
                tag = (s, d, attrs.get("label"))
                if tag in merged or tag in kept:
                    continue
                merged.add(tag)
            edges.append((s, d, attrs))
        return edges

    def nodes(self, edges: list, roots: list[Tensor], show_values: bool) -> tuple[list, dict]:
        """The drawn nodes, (key, label lines, attributes), and the call whose cluster holds each."""
        linked = {s for s, _, _ in edges}
        root_leaves = {("leaf", id(r)) for r in roots if r._ctx is None}
        names, items = self.names, self.items
        nodes: list[tuple[Key, list[str], dict]] = []
        cluster_of: dict[Key, _Call | None] = {}
        for key in items:
            r = self.resolve(key)
            if r in cluster_of or (r[0] in ("saved", "cut", "leaf") and r not in linked and r not in root_leaves):
                continue
            if r[0] == "call":
                call = r[1]
                lines = [_run_title(self.rep_runs.get(call, [call]))] + [_meta(s, d) for s, d in call.out_meta]
                nodes.append((r, lines, {"fillcolor": "lightyellow", "shape": "box3d"}))
                cluster_of[r] = self.cluster(call.parent)
                continue
            cluster_of[r] = self.cluster(self.owner.get(r))
            if r[0] == "chain":
                nodes.append((r, self.labels[r], {"fillcolor": "gray90", "peripheries": "2"}))
                continue
            obj = items[r]
            if r[0] == "op":
                outs = self.walk.outputs.get(obj, {})
                out_names = [names[id(t)] for _, t in sorted(outs.items()) if id(t) in names]
                title = _op_name(obj)
                lines = [f"{', '.join(out_names)} = {title}" if out_names else title]
                many = len(obj._outputs_meta) > 1
                for i, (s, d, _) in enumerate(obj._outputs_meta):
                    lines.append(f"[{i}] {_meta(s, d)}" if many else _meta(s, d))
                    if show_values and i in outs:
                        lines += _value_lines(outs[i])
                nodes.append((r, lines, {"fillcolor": "gray90"}))
            elif r[0] == "cut":
                nodes.append((r, [f"… {_op_name(obj)}"], {"shape": "plaintext", "style": ""}))
            else:  # a tensor: leaf, output or saved
                default = {"root": "output", "saved": "saved", "leaf": "leaf" if obj.requires_grad else "constant"}
                name = default[r[0]] if r[0] != "root" or len(roots) == 1 else f"output[{r[1]}]"
                name = names.get(id(obj), name)
                if r in self.merged_leaves:
                    group = self.merged_leaves[r]
                    name = f"{names.get(id(items[group[0]]), default[r[0]])} … {name} × {len(group)}"
                lines = [name, _meta(obj.shape, obj.dtype)] + (_value_lines(obj) if show_values else [])
                color = {"root": "darkolivegreen1", "saved": "orange"}.get(r[0])
                nodes.append((r, lines, {"fillcolor": color or ("lightblue" if obj.requires_grad else "white")}))
        return nodes, cluster_of
