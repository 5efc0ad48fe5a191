"""``draw_model``: a model's architecture, one node per module call, edges labelled with shapes."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..autograd import no_grad
from ..creation import zeros
from ..tensor import Tensor
from ._dot import Key, _emit, _graphviz, _meta, _min_run, _new_graph
from ._record import _Call, _run_title, _runs, _signatures, record_modules

if TYPE_CHECKING:
    import graphviz


def draw_model(model: Any, input_size: Sequence[int] | Sequence[Sequence[int]] | None = None, *,
               input_data: Tensor | Sequence[Tensor] | None = None, dtype: Any = None, depth: int | None = None,
               collapse_repeats: bool | int = True, rankdir: str = "TB",
               graph_attr: Mapping[str, str] | None = None) -> graphviz.Digraph:
    """Draw a model's architecture: one node per module call, edges labelled with the shapes passed on.

    Runs one forward pass in eval mode without gradients (running statistics are not
    touched), then restores each module's train/eval mode. Containers (modules whose
    children were called) become clusters around their children. Data flow is followed by
    tensor identity; a tensor made by code between modules (e.g. ``x.relu()`` in a
    ``forward``) is drawn as a dashed edge from the module that finished just before.

    Args:
        model: an ``nn.Module``.
        input_size: the input's shape including the batch dim, e.g. ``(1, 1, 28, 28)``, or a
            list of shapes for a model taking several inputs.
        input_data: a tensor (or tensors) to use instead of ``input_size``.
        dtype: the input's dtype (default: the model's parameter dtype, else float32).
        depth: draw modules nested deeper than this as part of their ancestor at this depth
            (the model's children are depth 1); None draws every level.
        collapse_repeats: draw a run of identical consecutive blocks once, labelled "× N";
            ``True`` folds runs of 3 or more, an int sets the length.
        rankdir: graph direction: ``"TB"`` (input on top), ``"LR"``, ...
        graph_attr: extra Graphviz graph attributes.

    Returns:
        A ``graphviz.Digraph``.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> dot = mt.graph.draw_model(net, (1, 4))
        >>> print(dot.source.count("->"), 'label="(1, 8)"' in dot.source, net.training)
        4 True True
    """
    _graphviz()
    min_run = _min_run(collapse_repeats)
    params = list(model.parameters())
    if input_data is None:
        if input_size is None:
            raise ValueError("draw_model needs input_size (with the batch dim, e.g. (1, 1, 28, 28)) or input_data")
        sizes = [input_size] if all(isinstance(n, int) for n in input_size) else list(input_size)
        ref = params[0] if params else None
        inputs = [zeros(tuple(s), dtype=dtype or (ref.dtype if ref is not None else None),
                        backend=ref._backend if ref is not None else None) for s in sizes]
    else:
        inputs = [input_data] if isinstance(input_data, Tensor) else list(input_data)
    modes = {id(m): (m, m.training) for m in model.modules()}
    try:
        model.eval()
        with no_grad(), record_modules(model) as rec:
            model(*inputs)
    finally:
        for m, mode in modes.values():
            m.training = mode

    calls = rec.calls
    limit = depth if depth is not None else float("inf")
    tops = [c for c in calls if c.parent is None]
    drawn_root = len(tops) == 1 and not tops[0].children  # a model without submodules is one node

    def lift(call: _Call) -> _Call:
        """The drawn node holding ``call``: itself, or its ancestor at ``depth``."""
        while call.depth > limit:
            call = call.parent
        return call

    def is_node(call: _Call) -> bool:
        return (call.depth >= 1 or drawn_root) and call.depth <= limit and (call.depth == limit or not call.children)

    _signatures(calls, with_nodes=False)
    remap: dict[_Call, _Call] = {}
    rep_runs: dict[_Call, list[_Call]] = {}
    run_of: dict[_Call, tuple[int, int]] = {}
    for r, run in enumerate(_runs(calls, min_run, lambda c: c.depth >= 1 and c.depth <= limit)):
        rep = run[-1]
        rep_runs[rep] = run
        for p, member in enumerate(run):
            run_of[member] = (r, p)
            if member is not rep:  # the copy's calls stand for the last copy's, position by position
                for mine, theirs in zip(calls[member.index:member.end], calls[rep.index:rep.end]):
                    remap[mine] = theirs

    def resolve(call: _Call) -> _Call:
        call = lift(call)
        while call in remap:
            call = lift(remap[call])
        return call

    def runs_path(call: _Call | None) -> dict[int, int]:
        path: dict[int, int] = {}
        while call is not None:
            if call in run_of:
                path.setdefault(*run_of[call])
            call = call.parent
        return path

    finished = sorted((c.finish, c.index) for c in calls)
    finish_times = [f for f, _ in finished]

    def source(src: Any, before: int) -> tuple[Key, bool, _Call | None]:
        """The drawn node a tensor came from, whether that is a guess (made by code between modules), the call."""
        if isinstance(src, int):
            return ("input", src), False, None
        if isinstance(src, _Call) and is_node(lift(src)):
            return ("call", resolve(src)), False, src
        i = bisect.bisect_left(finish_times, before)  # the last drawn module to finish before `before`
        while i > 0:
            i -= 1
            prev = calls[finished[i][1]]
            if is_node(lift(prev)):
                return ("call", resolve(prev)), True, prev
        return ("input", 0), True, None

    edges: list[tuple[Key, Key, dict]] = []
    seen: set[tuple] = set()
    for call in calls:
        if not is_node(lift(call)):
            continue  # the model, and containers: their inputs reach the children, drawn on their own
        dst = ("call", resolve(call))
        for src, shape, _ in call.in_src:
            key, guess, made_by = source(src, call.start)
            if key == dst or (tag := (key, dst, tuple(shape))) in seen:
                continue
            if made_by is not None:  # from one copy of a repeated block to the next: the repetition itself
                a, b = runs_path(made_by), runs_path(call)
                if any(run in b and b[run] != pos for run, pos in a.items()):
                    continue
            seen.add(tag)
            edges.append((key, dst, {"label": str(tuple(shape))} | ({"style": "dashed"} if guess else {})))

    nodes: list[tuple[Key, list[str], dict]] = []
    cluster_of: dict[Key, _Call | None] = {}
    for i, (shape, dt) in enumerate(rec.input_meta):
        nodes.append((("input", i), ["input" if len(rec.input_meta) == 1 else f"input[{i}]", _meta(shape, dt)],
                      {"shape": "oval", "fillcolor": "white"}))
    added: set[_Call] = set()
    for call in calls:
        if not is_node(call) or (call := resolve(call)) in added:
            continue
        added.add(call)
        module = call.module
        extra = module.extra_repr() if hasattr(module, "extra_repr") else ""
        extra = extra if len(extra) <= 56 else extra[:55] + "…"
        n_params = sum(p.numel() for p in {id(p): p for p in module.parameters()}.values())
        lines = [(_run_title(rep_runs.get(call, [call])))] + ([extra] if extra else [])
        lines += [f"{n_params:,} params"] if n_params else []
        nodes.append((("call", call), lines, {"fillcolor": "lightblue" if n_params else "gray90"}))
        cluster_of[("call", call)] = call.parent
    outs = [(top, src, meta) for top in tops for src, meta in zip(top.out_src, top.out_meta)]
    for i, (top, src, (shape, dt)) in enumerate(outs):
        key = ("output", i)
        nodes.append((key, ["output" if len(outs) == 1 else f"output[{i}]", _meta(shape, dt)],
                      {"shape": "oval", "fillcolor": "darkolivegreen1"}))
        src_key, guess, _ = source(top if drawn_root else src, top.finish)
        edges.append((src_key, key, {"label": str(tuple(shape))} | ({"style": "dashed"} if guess else {})))

    graph = _new_graph(rankdir, None if drawn_root else type(model).__name__, graph_attr)
    return _emit(graph, nodes, edges, cluster_of, lambda c: _run_title(rep_runs.get(c, [c])), min_depth=1)
