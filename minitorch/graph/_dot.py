"""The Graphviz side of minitorch.graph: the optional import, DOT text, rendering, labels."""

from __future__ import annotations

import contextlib
import gc
import shutil
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

if TYPE_CHECKING:
    import graphviz

    from ._record import _Call

_VIZ_HINT = "minitorch.graph needs the graphviz Python package: pip install 'minitorch[viz]' (or pip install graphviz)"
_DOT_HINT = ("Graphviz's 'dot' program was not found on PATH; it is needed to render graphs (building them and "
             "reading .source works without it). Install Graphviz: apt-get install graphviz (Debian/Ubuntu), "
             "brew install graphviz (macOS), conda install -c conda-forge graphviz, or see "
             "https://graphviz.org/download/")
_DEFAULT_MIN_RUN = 3  # collapse_repeats=True folds runs of at least this many identical blocks or ops

_NO_ATTRS: dict = {}
Key = tuple  # ("op", Function) | ("leaf"|"saved", id) | ("root"|"input"|"output", i) | ("cut", Function) | ...


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program, which is not installed (the message says how to install it)."""


# ---- graphviz glue ----------------------------------------------------------------------------
@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: walking a 100k-node graph allocates many small tuples."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as err:
        raise ImportError(_VIZ_HINT) from err
    return graphviz


@contextlib.contextmanager
def _explain_missing_dot() -> Iterator[None]:
    gv = _graphviz()
    try:
        yield
    except gv.ExecutableNotFound as err:
        raise GraphvizNotFoundError(_DOT_HINT) from err


_DIGRAPH: list[type] = []


def _digraph_class() -> type:
    """A ``graphviz.Digraph`` subclass whose rendering explains how to install a missing Graphviz."""
    gv = _graphviz()
    if not _DIGRAPH:

        class Digraph(gv.Digraph):
            """A graphviz.Digraph; rendering without Graphviz's ``dot`` raises GraphvizNotFoundError."""

            def render(self, *args: Any, **kwargs: Any) -> Any:
                with _explain_missing_dot():
                    return super().render(*args, **kwargs)

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                with _explain_missing_dot():
                    return super().pipe(*args, **kwargs)

            def view(self, *args: Any, **kwargs: Any) -> Any:
                with _explain_missing_dot():
                    return super().view(*args, **kwargs)

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
                try:
                    return super()._repr_mimebundle_(include, exclude, **kwargs)
                except GraphvizNotFoundError:  # Jupyter: show why there is no picture instead of a traceback
                    return {"text/plain": f"<graph of {len(self.body)} DOT lines: not rendered>\n{_DOT_HINT}"}

        Digraph.__module__ = __name__
        _DIGRAPH.append(Digraph)
    return _DIGRAPH[0]


def render(graph: graphviz.Digraph, path: str, format: str | None = None, cleanup: bool = True) -> str:
    """Write ``graph`` to an image or document file with Graphviz's ``dot``.

    Args:
        graph: a ``graphviz.Digraph`` (from :func:`draw`, :func:`draw_model` or anywhere).
        path: the output file, e.g. ``"graph.png"``; its suffix gives the format unless ``format`` is given.
        format: ``"png"``, ``"svg"``, ``"pdf"``, ... (any format ``dot -T`` knows).
        cleanup: delete the ``.gv`` DOT file written next to the output.

    Returns:
        The path of the written file.

    Raises:
        GraphvizNotFoundError: the ``dot`` program is not installed; the message says how to install it.

    Example:
        >>> import minitorch as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> dot = mt.graph.draw((x * x).sum())
        >>> dot.source.splitlines()[0]  # the DOT text needs no Graphviz program
        'digraph {'
        >>> # mt.graph.render(dot, "graph.png") writes graph.png; without dot it raises GraphvizNotFoundError
    """
    if shutil.which("dot") is None:  # fail before graphviz writes the .gv file
        raise GraphvizNotFoundError(_DOT_HINT)
    with _explain_missing_dot():
        return graph.render(outfile=path, format=format, cleanup=cleanup)


def _new_graph(rankdir: str, label: str | None, graph_attr: Mapping[str, str] | None) -> Any:
    attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11"}
    if label:
        attrs.update(label=label, labelloc="t")
    attrs.update(graph_attr or {})
    return _digraph_class()(
        graph_attr=attrs,
        node_attr={"shape": "box", "style": "filled", "fillcolor": "white", "fontname": "Helvetica",
                   "fontsize": "10", "height": "0.3"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )


def _esc(text: Any) -> str:
    """Text for a double-quoted DOT string (label lines are joined with DOT's ``\\n`` escape)."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _dot_attrs(attrs: Mapping[str, str]) -> str:
    return " ".join(f'{k}="{_esc(v)}"' for k, v in attrs.items())


def _emit(graph: Any, nodes: list, edges: list, cluster_of: Mapping, cluster_label: Any, min_depth: int = 0) -> Any:
    """Add ``nodes`` ((key, label lines, attrs)) and ``edges`` to ``graph``, nodes inside their calls' clusters.

    ``cluster_of`` maps a node's key to the call whose cluster holds it (None: the top level);
    calls shallower than ``min_depth`` get no cluster. DOT lines are written directly: graphs
    can have 100k nodes.
    """
    ids = {key: f"n{i}" for i, (key, _, _) in enumerate(nodes)}

    def outer(call: _Call | None) -> _Call | None:
        return call if call is not None and call.depth >= min_depth else None

    body: dict[_Call | None, list[str]] = {None: []}
    for key, _, _ in nodes:  # a cluster for every call holding a node, and for each of its ancestors
        call = outer(cluster_of.get(key))
        while call is not None and call not in body:
            body[call] = [f"subgraph cluster_{call.index} {{", "\tgraph [" + _dot_attrs({
                "label": cluster_label(call), "style": "rounded,dashed", "color": "gray45", "labeljust": "l",
                "fontsize": "10"}) + "]"]
            call = outer(call.parent)
    for key, lines, attrs in nodes:
        label = "\\n".join(_esc(line) for line in lines)
        extra = " " + _dot_attrs(attrs) if attrs else ""
        body[outer(cluster_of.get(key))].append(f'\t{ids[key]} [label="{label}"{extra}]')
    for call in sorted((c for c in body if c is not None), key=lambda c: -c.depth):  # children first
        body[outer(call.parent)] += ["\t" + line for line in body[call] + ["}"]]
    lines = body[None]
    for src, dst, attrs in edges:
        lines.append(f"\t{ids[src]} -> {ids[dst]}" + (f" [{_dot_attrs(attrs)}]" if attrs else ""))
    graph.body += [line + "\n" for line in lines]
    return graph


# ---- text -------------------------------------------------------------------------------------
def _meta(shape: Sequence[int], dtype: Any) -> str:
    return f"{tuple(shape)} {getattr(dtype, 'name', dtype)}"


def _stats(t: Tensor) -> str:
    arr = np.asarray(t._backend.to_numpy(t._data))
    if arr.size == 0:
        return "empty"
    arr = arr.astype(np.float64)
    if arr.size == 1:
        return f"{arr.item():.4g}"
    return f"min {arr.min():.4g} mean {arr.mean():.4g} max {arr.max():.4g}"


def _value_lines(t: Tensor) -> list[str]:
    """Data and gradient summaries; ``grad None`` only for leaves that require grad (others keep none)."""
    lines = [f"data {_stats(t)}"]
    if t.grad is not None:
        lines.append(f"grad {_stats(t.grad)}")
    elif t.requires_grad and t._ctx is None:
        lines.append("grad None")
    return lines


def _op_name(node: Function) -> str:
    return node.name().lstrip("_") or node.name()


def _names(params: Any) -> dict[int, str]:
    """``id(tensor) -> name`` from a mapping, (name, tensor) pairs, or a module's parameters and buffers."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        pairs = list(params.named_parameters())
        pairs += list(params.named_buffers()) if hasattr(params, "named_buffers") else []
    elif isinstance(params, Mapping):
        pairs = list(params.items())
    else:
        pairs = list(params)
    names: dict[int, str] = {}
    for name, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"params must map names to tensors, got {type(t).__name__} for {name!r}")
        names.setdefault(id(t), str(name))
    return names


def _tensors(obj: Any) -> list[Tensor]:
    """The tensors in ``obj`` (nested tuples, lists and dicts), in order, each once."""
    out: list[Tensor] = []
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return out


def _min_run(collapse_repeats: bool | int) -> int | None:
    if collapse_repeats is True:
        return _DEFAULT_MIN_RUN
    if collapse_repeats is False or collapse_repeats is None:
        return None
    if int(collapse_repeats) < 2:
        raise ValueError(f"collapse_repeats must be a bool or a run length >= 2, got {collapse_repeats!r}")
    return int(collapse_repeats)
