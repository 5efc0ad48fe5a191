"""Tests of minitorch.graph: the DOT structure of drawn autograd graphs and models, and rendering."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

import minitorch as mt
from minitorch import nn

graphviz = pytest.importorskip("graphviz")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


class Dot:
    """The nodes, edges and clusters of DOT source written by minitorch.graph."""

    def __init__(self, source: str) -> None:
        self.nodes: dict[str, dict] = {}  # id -> attrs, with "lines" (label lines) and "clusters" (outermost first)
        self.edges: list[tuple[str, str, dict]] = []
        self.clusters: dict[str, str] = {}  # cluster name -> label
        self.graph_label = ""
        stack: list[str] = []
        for raw in source.splitlines():
            line = raw.strip()
            if m := re.match(r"subgraph (cluster_\w+) \{$", line):
                stack.append(m.group(1))
            elif line == "}":
                if stack:
                    stack.pop()
            elif line.startswith("graph [") and stack:
                self.clusters[stack[-1]] = self._attrs(line)["label"]
            elif m := re.match(r"label=(.*) labelloc=t$", line):
                self.graph_label = self._attrs(line)["label"]
            elif m := re.match(r"(n\d+) -> (n\d+)(.*)$", line):
                self.edges.append((m.group(1), m.group(2), self._attrs(m.group(3))))
            elif m := re.match(r"(n\d+) \[(.*)\]$", line):
                attrs = self._attrs(m.group(2))
                attrs["lines"] = attrs["label"].split("\\n")
                attrs["clusters"] = [self.clusters[c] for c in stack]
                self.nodes[m.group(1)] = attrs

    @staticmethod
    def _attrs(text: str) -> dict:
        out = {}
        for key, value in _ATTR.findall(text):
            out[key] = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
        return out

    def title(self, node_id: str) -> str:
        return self.nodes[node_id]["lines"][0]

    def titles(self) -> list[str]:
        return sorted(self.title(n) for n in self.nodes)

    def edge_titles(self) -> list[tuple[str, str]]:
        return sorted((self.title(a), self.title(b)) for a, b, _ in self.edges)

    def find(self, title: str) -> str:
        (node_id,) = [n for n in self.nodes if self.title(n) == title]
        return node_id


def micrograd_example() -> tuple:
    a = mt.tensor(2.0, requires_grad=True)
    b = mt.tensor(-3.0, requires_grad=True)
    c = mt.tensor(10.0, requires_grad=True)
    f = mt.tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f
    return L, dict(a=a, b=b, c=c, f=f, e=e, d=d, L=L)


class Block(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.act = nn.Tanh()

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return x + self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self, blocks: int = 4) -> None:
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.blocks = nn.ModuleList([Block(8) for _ in range(blocks)])
        self.out = nn.Linear(8, 2)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        x = self.inp(x).relu()
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def mlp() -> nn.Module:
    mt.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8, dtype=mt.float64), nn.ReLU(), nn.Linear(8, 2, dtype=mt.float64))


# ---- draw: autograd graphs ---------------------------------------------------------------------
def test_micrograd_example_exact_nodes_and_edges():
    L, names = micrograd_example()
    dot = mt.graph.draw(L, names)
    assert isinstance(dot, graphviz.Digraph)
    g = Dot(dot.source)
    assert g.titles() == sorted(["a", "b", "c", "f", "e = Mul", "d = Add", "L = Mul", "L"])
    assert g.edge_titles() == sorted([
        ("a", "e = Mul"), ("b", "e = Mul"), ("e = Mul", "d = Add"), ("c", "d = Add"),
        ("d = Add", "L = Mul"), ("f", "L = Mul"), ("L = Mul", "L"),
    ])
    for node in g.nodes.values():
        assert node["lines"][1] == "() float32"
    assert g.nodes[g.find("a")]["fillcolor"] == "lightblue"
    assert g.nodes[g.find("L")]["fillcolor"] == "darkolivegreen1"


def test_unnamed_graph_uses_op_names_and_default_leaf_names():
    x = mt.tensor([[1.0, 2.0]], requires_grad=True)
    data = mt.tensor([[3.0], [4.0]])
    g = Dot(mt.graph.draw((x @ data).exp().sum()).source)
    assert g.titles() == sorted(["output", "Sum", "Exp", "MatMul", "leaf", "constant"])
    assert g.nodes[g.find("MatMul")]["lines"][1] == "(1, 1) float32"
    assert g.nodes[g.find("constant")]["fillcolor"] == "white"
    assert ("constant", "MatMul") in g.edge_titles()


def test_show_values_summarises_data_and_grad():
    L, names = micrograd_example()
    L.backward(retain_graph=True)
    g = Dot(mt.graph.draw(L, names, show_values=True).source)
    assert g.nodes[g.find("a")]["lines"][2:] == ["data 2", "grad 6"]
    assert g.nodes[g.find("d = Add")]["lines"][2:] == ["data 4"]
    assert g.nodes[g.find("L")]["lines"][2:] == ["data -8"]
    w = mt.tensor([[1.0, -3.0], [2.0, 4.0]], requires_grad=True)
    g = Dot(mt.graph.draw((w * 2).sum(), {"w": w}, show_values=True).source)
    assert g.nodes[g.find("w")]["lines"][2:] == ["data min -3 mean 1 max 4", "grad None"]


def test_show_saved_draws_saved_tensors_and_says_when_freed():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 3).sum()
    g = Dot(mt.graph.draw(y, {"x": x}, show_saved=True).source)
    saved = [n for n, a in g.nodes.items() if a.get("fillcolor") == "orange"]
    assert saved, "Mul saves its inputs"
    dashed = [(a, b) for a, b, attrs in g.edges if attrs.get("style") == "dashed"]
    assert dashed and all(a in saved for a, _ in dashed)
    assert len(Dot(mt.graph.draw(y, {"x": x}).source).nodes) == len(g.nodes) - len(saved)
    y.backward()
    g = Dot(mt.graph.draw(y, {"x": x}, show_saved=True).source)
    assert not [n for n, a in g.nodes.items() if a.get("fillcolor") == "orange"]
    assert "freed" in g.graph_label


def test_mlp_parameter_names_shapes_and_dtypes():
    model = mlp()
    loss = model(mt.randn(3, 4, dtype=mt.float64)).pow(2).mean()
    g = Dot(mt.graph.draw(loss, dict(model.named_parameters())).source)
    for name, shape in [("0.weight", "(8, 4)"), ("0.bias", "(8,)"), ("2.weight", "(2, 8)"), ("2.bias", "(2,)")]:
        assert g.nodes[g.find(name)]["lines"][1] == f"{shape} float64"
    linears = {g.nodes[a]["lines"][1] for a in g.nodes if g.title(a) == "Linear"}
    assert linears == {"(3, 8) float64", "(3, 2) float64"}
    assert ("0.weight", "Linear") in g.edge_titles() and ("Relu", "Linear") in g.edge_titles()
    # params as (name, tensor) pairs or as the module itself name the same leaves
    assert Dot(mt.graph.draw(loss, model.named_parameters()).source).titles() == g.titles()
    assert Dot(mt.graph.draw(loss, model).source).titles() == g.titles()


def test_draw_checks_its_arguments():
    x = mt.ones(2, requires_grad=True)
    for bad in ([], "x", [x * 2, 3]):
        with pytest.raises(TypeError, match="tensor"):
            mt.graph.draw(bad)
    with pytest.raises(ValueError, match="collapse_repeats"):
        mt.graph.draw(x * 2, collapse_repeats=1)
    with pytest.raises(TypeError, match="params"):
        mt.graph.draw(x * 2, {"x": 3.0})


def test_multi_output_op_edges_name_the_output():
    class Two(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    p, q = Two.apply(x)
    g = Dot(mt.graph.draw([p, q]).source)
    assert g.nodes[g.find("Two")]["lines"][1:] == ["[0] (2,) float32", "[1] (2,) float32"]
    assert sorted((g.title(b), attrs["label"]) for a, b, attrs in g.edges if g.title(a) == "Two") == [
        ("output[0]", "[0]"), ("output[1]", "[1]")]


def test_max_depth_cuts_with_an_ellipsis_node():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = ((x.exp() + 1).log() * 2).sum()  # Sum <- Mul <- Log <- Add <- Exp
    g = Dot(mt.graph.draw(y, max_depth=2).source)
    assert g.titles() == sorted(["output", "Sum", "Mul", "… Log"])
    assert ("… Log", "Mul") in g.edge_titles()
    assert g.graph_label == "2 of 5 ops shown (max_depth=2)"
    assert Dot(mt.graph.draw(y, max_depth=0).source).titles() == ["output", "… Sum"]
    # depth is the shortest distance from the output: Abs is 5 ops away through Sin, 6 through the Logs
    u = x.abs().exp()
    g = Dot(mt.graph.draw((u.sin() + u.log().log()).sum(), max_depth=5).source)
    assert g.titles() == sorted(["output", "Sum", "Add", "Sin", "Log", "Log", "Exp", "Abs", "leaf"])
    g = Dot(mt.graph.draw((u.sin() + u.log().log()).sum(), max_depth=4).source)
    assert g.titles() == sorted(["output", "Sum", "Add", "Sin", "Log", "Log", "Exp", "… Abs"])
    assert ("Exp", "Sin") in g.edge_titles() and ("Exp", "Log") in g.edge_titles()
    assert "…" not in mt.graph.draw(y, max_depth=5).source
    with pytest.raises(ValueError, match="max_depth"):
        mt.graph.draw(y, max_depth=-1)


def test_deep_graph_is_walked_without_recursion():
    n = 3 * sys.getrecursionlimit()
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([1.0, 1.0], requires_grad=True)
    y = x
    for _ in range(n):
        y = y * w
    y = y.sum()
    full = Dot(mt.graph.draw(y, collapse_repeats=False).source)
    assert sum(1 for a in full.nodes if full.title(a) == "Mul") == n
    assert len(full.edges) == 2 * n + 2
    folded = Dot(mt.graph.draw(y, {"x": x, "w": w}).source)
    assert folded.titles() == sorted(["output", "Sum", f"Mul × {n}", "x", "w"])
    assert folded.edge_titles() == sorted([("x", f"Mul × {n}"), ("w", f"Mul × {n}"), (f"Mul × {n}", "Sum"),
                                           ("Sum", "output")])
    assert Dot(mt.graph.draw(y, max_depth=4, collapse_repeats=False).source).graph_label.startswith(
        f"4 of {n + 1} ops")


def test_short_op_chains_are_not_folded():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    g = Dot(mt.graph.draw((x * 2 * 3).sum()).source)
    assert g.titles().count("Mul") == 2
    assert "Mul × 3" in mt.graph.draw((x * 2 * 3 * 4).sum()).source
    assert "Mul × 2" in mt.graph.draw((x * 2 * 3).sum(), collapse_repeats=2).source


# ---- draw with recorded modules ----------------------------------------------------------------
def test_clusters_follow_the_module_that_made_each_node():
    model = mlp()
    with mt.graph.record_modules(model) as rec:
        loss = model(mt.randn(3, 4, dtype=mt.float64)).sum()
    assert [c.name for c in rec.calls] == ["", "0", "1", "2"]
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    g = Dot(mt.graph.draw(loss, modules=rec).source)
    where = {g.title(n): a["clusters"] for n, a in g.nodes.items()}
    assert where["0.weight"] == ["Sequential", "0: Linear"] and where["2.bias"] == ["Sequential", "2: Linear"]
    assert where["Relu"] == ["Sequential", "1: ReLU"]
    assert where["Sum"] == [] and where["output"] == []  # made outside the model
    assert where["input"] == []
    assert sorted(g.clusters.values()) == ["0: Linear", "1: ReLU", "2: Linear", "Sequential"]


def test_nodes_belong_to_the_call_that_made_them():
    class Decoder(nn.Module):
        def forward(self, x):
            return x * self.context  # a tensor made elsewhere, not an argument

    class Parent(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(2, 2)
            self.dec = Decoder()

        def forward(self, x):
            self.dec.context = self.enc(x.exp())
            return self.dec(x)

    model = Parent()
    with mt.graph.record_modules(model) as rec:
        y = model(mt.ones(3, 2, requires_grad=True)).sum()
    g = Dot(mt.graph.draw(y, modules=rec).source)
    where = {g.title(n): a["clusters"] for n, a in g.nodes.items()}
    assert where["Exp"] == ["Parent"]  # made by Parent itself, before enc and dec ran
    assert where["Linear"] == ["Parent", "enc: Linear"] and where["Mul"] == ["Parent", "dec: Decoder"]


def test_collapse_depth_draws_modules_as_single_nodes():
    model = mlp()
    with mt.graph.record_modules(model) as rec:
        loss = model(mt.randn(3, 4, dtype=mt.float64)).sum()
    g = Dot(mt.graph.draw(loss, modules=rec, collapse_depth=1).source)
    assert g.titles() == sorted(["0: Linear", "1: ReLU", "2: Linear", "input", "Sum", "output"])
    assert g.edge_titles() == sorted([("input", "0: Linear"), ("0: Linear", "1: ReLU"), ("1: ReLU", "2: Linear"),
                                      ("2: Linear", "Sum"), ("Sum", "output")])
    assert g.nodes[g.find("0: Linear")]["lines"][1:] == ["(3, 8) float64"]
    g0 = Dot(mt.graph.draw(loss, modules=rec, collapse_depth=0).source)
    assert g0.titles() == sorted(["Sequential", "input", "Sum", "output"])
    with pytest.raises(ValueError, match="record_modules"):
        mt.graph.draw(loss, collapse_depth=1)


def test_collapse_depth_keeps_parameters_also_used_outside_the_folded_module():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x) @ self.fc.weight  # fc's weight used again, outside fc

    model = Tied()
    with mt.graph.record_modules(model) as rec:
        y = model(mt.ones(2, 3)).sum()
    g = Dot(mt.graph.draw(y, modules=rec, collapse_depth=1).source)
    assert g.titles() == sorted(["fc: Linear", "fc.weight", "MatMul", "input", "Sum", "output"])
    assert ("fc.weight", "fc: Linear") in g.edge_titles() and ("fc.weight", "MatMul") in g.edge_titles()


def test_repeated_blocks_are_drawn_once_with_a_count():
    mt.manual_seed(0)
    net = Net(blocks=4)
    with mt.graph.record_modules(net) as rec:
        y = net(mt.randn(3, 4)).sum()
    g = Dot(mt.graph.draw(y, modules=rec).source)
    assert "blocks.0 … blocks.3: Block × 4" in g.clusters.values()
    titles = g.titles()
    assert "blocks.3.fc.weight" in titles and "blocks.0.fc.weight" not in titles
    assert titles.count("Tanh") == 1 and titles.count("Add") == 1
    where = {g.title(n): a["clusters"] for n, a in g.nodes.items()}
    assert where["Tanh"] == ["Net", "blocks.0 … blocks.3: Block × 4", "act: Tanh"]
    # the folded run reads its input from before the run and feeds the layer after it
    assert ("Relu", "Linear") in g.edge_titles() and ("Relu", "Add") in g.edge_titles()
    assert ("Add", "Linear") in g.edge_titles()
    assert ("Add", "Add") not in g.edge_titles()  # the links between copies are the repetition, not drawn
    (fc,) = [n for n, a in g.nodes.items() if g.title(n) == "Linear" and a["clusters"][-1] == "fc: Linear"]
    assert sorted(g.title(a) for a, b, _ in g.edges if b == fc) == ["Relu", "blocks.3.fc.bias", "blocks.3.fc.weight"]
    assert len(g.edges) == len(set((a, b) for a, b, _ in g.edges))

    full = Dot(mt.graph.draw(y, modules=rec, collapse_repeats=False).source)
    assert full.titles().count("Tanh") == 4 and "blocks.0.fc.weight" in full.titles()
    assert Dot(mt.graph.draw(y, modules=rec, collapse_repeats=5).source).titles().count("Tanh") == 4


def test_repeated_blocks_fold_with_modules_as_nodes():
    mt.manual_seed(0)
    net = Net(blocks=3)
    with mt.graph.record_modules(net) as rec:
        y = net(mt.randn(3, 4)).sum()
    g = Dot(mt.graph.draw(y, modules=rec, collapse_depth=1).source)
    assert g.titles() == sorted(["inp: Linear", "Relu", "blocks.0 … blocks.2: Block × 3", "out: Linear", "input",
                                 "Sum", "output"])
    assert g.edge_titles() == sorted([
        ("input", "inp: Linear"), ("inp: Linear", "Relu"), ("Relu", "blocks.0 … blocks.2: Block × 3"),
        ("blocks.0 … blocks.2: Block × 3", "out: Linear"), ("out: Linear", "Sum"), ("Sum", "output")])


def test_same_module_applied_many_times():
    layer = nn.Linear(3, 3)

    class Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            for _ in range(5):
                x = self.layer(x)
            return x

    model = Loop()
    with mt.graph.record_modules(model) as rec:
        y = model(mt.ones(1, 3)).sum()
    g = Dot(mt.graph.draw(y, modules=rec).source)
    assert sorted(g.clusters.values()) == ["Loop", "layer: Linear × 5"]
    assert g.titles() == sorted(["output", "Sum", "Linear", "layer.weight", "layer.bias", "input"])
    assert g.nodes[g.find("layer.weight")]["clusters"] == ["Loop", "layer: Linear × 5"]  # shared by every copy
    assert g.edge_titles() == sorted([("layer.weight", "Linear"), ("layer.bias", "Linear"), ("input", "Linear"),
                                      ("Linear", "Sum"), ("Sum", "output")])


def test_recurrent_cell_folds_steps_and_their_inputs():
    class Cell(nn.Module):
        def __init__(self):
            super().__init__()
            self.ih = nn.Linear(3, 5)
            self.hh = nn.Linear(5, 5)

        def forward(self, x, h):
            return (self.ih(x) + self.hh(h)).tanh()

    cell = Cell()
    xs, h = mt.randn(6, 2, 3), mt.zeros(2, 5)
    with mt.graph.record_modules(cell) as rec:
        for t in range(6):
            h = cell(xs[t], h)
    g = Dot(mt.graph.draw(h.sum(), modules=rec).source)
    assert sorted(g.clusters.values()) == ["Cell × 6", "hh: Linear", "ih: Linear"]
    xs_node = "input[0] … input[6] × 6"  # x[0] … x[5], numbered with h0 (input[1]) among the cell's inputs
    assert g.titles() == sorted(["output", "Sum", "Tanh", "Add", "Linear", "Linear", "ih.weight", "ih.bias",
                                 "hh.weight", "hh.bias", xs_node, "input[1]"])
    into = {g.title(a): b for a, b, _ in g.edges}
    assert g.nodes[into[xs_node]]["clusters"][-1] == "ih: Linear"
    assert g.nodes[into["input[1]"]]["clusters"][-1] == "hh: Linear"
    assert len(g.edges) == 11


# ---- draw_model ---------------------------------------------------------------------------------
def test_draw_model_sequential_edges_carry_shapes():
    model = mlp()
    g = Dot(mt.graph.draw_model(model, (5, 4)).source)
    assert g.titles() == sorted(["input", "0: Linear", "1: ReLU", "2: Linear", "output"])
    shapes = sorted((g.title(a), g.title(b), attrs["label"]) for a, b, attrs in g.edges)
    assert shapes == sorted([("input", "0: Linear", "(5, 4)"), ("0: Linear", "1: ReLU", "(5, 8)"),
                             ("1: ReLU", "2: Linear", "(5, 8)"), ("2: Linear", "output", "(5, 2)")])
    assert g.nodes[g.find("0: Linear")]["lines"][1:] == ["in_features=4, out_features=8, bias=True", "40 params"]
    assert g.nodes[g.find("input")]["lines"][1] == "(5, 4) float64"  # the parameters' dtype


def test_draw_model_follows_data_through_modules_that_return_their_input():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Sequential(nn.Identity()), nn.Linear(4, 2))
    g = Dot(mt.graph.draw_model(model, (1, 4)).source)
    assert g.edge_titles() == sorted([("input", "0: Linear"), ("0: Linear", "1: Dropout"),
                                      ("1: Dropout", "0: Identity"), ("0: Identity", "3: Linear"),
                                      ("3: Linear", "output")])
    assert g.nodes[g.find("0: Identity")]["clusters"] == ["2: Sequential"]
    assert all("style" not in attrs for _, _, attrs in g.edges)  # no guessed links


def test_draw_model_runs_in_eval_without_grad_and_restores_modes():
    model = mlp()
    model.train()
    model[1].eval()
    seen = []
    model[0].register_forward_hook(
        lambda m, args, out: seen.append((m.training, mt.is_grad_enabled(), out.requires_grad)))
    mt.graph.draw_model(model, (1, 4))
    assert seen == [(False, False, False)]
    assert [m.training for m in model.modules()] == [True, True, False, True]
    assert all(p.grad is None for p in model.parameters())
    assert not any(m._forward_pre_hooks for m in model.modules()) and len(model[0]._forward_hooks) == 1


def test_draw_model_clusters_containers_folds_repeats_and_marks_functional_links():
    mt.manual_seed(0)
    net = Net(blocks=3)
    g = Dot(mt.graph.draw_model(net, (2, 4)).source)
    assert "blocks.0 … blocks.2: Block × 3" in g.clusters.values()
    where = {g.title(n): a["clusters"] for n, a in g.nodes.items()}
    assert where["fc: Linear"] == ["blocks.0 … blocks.2: Block × 3"] and where["inp: Linear"] == []
    edges = {(g.title(a), g.title(b)): attrs for a, b, attrs in g.edges}
    assert set(edges) == {("input", "inp: Linear"), ("inp: Linear", "fc: Linear"), ("fc: Linear", "act: Tanh"),
                          ("act: Tanh", "out: Linear"), ("out: Linear", "output")}
    assert edges[("inp: Linear", "fc: Linear")] == {"label": "(2, 8)", "style": "dashed"}  # through x.relu()
    assert edges[("fc: Linear", "act: Tanh")] == {"label": "(2, 8)"}

    flat = Dot(mt.graph.draw_model(net, (2, 4), depth=1, collapse_repeats=False).source)
    assert flat.titles() == sorted(["input", "inp: Linear", "blocks.0: Block", "blocks.1: Block", "blocks.2: Block",
                                    "out: Linear", "output"])
    assert flat.edge_titles() == sorted([
        ("input", "inp: Linear"), ("inp: Linear", "blocks.0: Block"), ("blocks.0: Block", "blocks.1: Block"),
        ("blocks.1: Block", "blocks.2: Block"), ("blocks.2: Block", "out: Linear"), ("out: Linear", "output")])
    assert not flat.clusters


def test_draw_model_with_input_data_and_a_model_without_children():
    layer = nn.Linear(3, 2)
    g = Dot(mt.graph.draw_model(layer, input_data=mt.ones(7, 3)).source)
    assert g.titles() == sorted(["input", "Linear", "output"])
    assert g.edge_titles() == [("Linear", "output"), ("input", "Linear")]
    with pytest.raises(ValueError, match="input_size"):
        mt.graph.draw_model(layer)


# ---- rendering, missing programs and packages ---------------------------------------------------
@needs_dot
def test_render_png_and_jupyter_svg(tmp_path):
    L, names = micrograd_example()
    dot = mt.graph.draw(L, names, show_values=True)
    out = mt.graph.render(dot, str(tmp_path / "micrograd.png"))
    data = open(out, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert not list(tmp_path.glob("*.gv"))  # the DOT file is cleaned up
    bundle = mt.graph.draw_model(mlp(), (1, 4))._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert "0: Linear" in bundle["image/svg+xml"]


@needs_dot
def test_labels_with_quotes_and_backslashes_render(tmp_path):
    w = mt.ones(2, requires_grad=True)
    dot = mt.graph.draw((w * 2).sum(), {'say "hi" \\n': w})
    assert r'label="say \"hi\" \\n\n(2,) float32"' in dot.source
    svg = dot.pipe(format="svg").decode()
    assert "say &quot;hi&quot; \\n" in svg


def test_missing_dot_program_gives_install_instructions(monkeypatch, tmp_path):
    dot = mt.graph.draw(micrograd_example()[0])
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    assert "Mul" in dot.source  # building and the DOT text need no Graphviz
    with pytest.raises(mt.graph.GraphvizNotFoundError, match="apt-get install graphviz") as err:
        mt.graph.render(dot, str(tmp_path / "g.png"))
    assert "brew install graphviz" in str(err.value) and "conda" in str(err.value)
    assert not list(tmp_path.iterdir())
    with pytest.raises(mt.graph.GraphvizNotFoundError, match="install Graphviz|Install Graphviz"):
        dot.render(str(tmp_path / "g"), format="png")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        mt.graph.render(graphviz.Digraph(), str(tmp_path / "plain.svg"))
    bundle = dot._repr_mimebundle_()  # Jupyter shows why there is no picture
    assert list(bundle) == ["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]


def test_missing_graphviz_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now raises ImportError
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(ImportError, match=r"pip install 'minitorch\[viz\]'"):
        mt.graph.draw(x * 2)
    with pytest.raises(ImportError, match=r"minitorch\[viz\]"):
        mt.graph.draw_model(nn.Linear(2, 2), (1, 2))


def test_importing_minitorch_does_not_need_graphviz():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import minitorch as mt, minitorch.graph\n"
            "assert mt.graph.draw.__name__ == 'draw'\n"
            "try:\n    mt.graph.draw(mt.ones(1, requires_grad=True) * 2)\n"
            "except ImportError as e:\n    print(e)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pip install 'minitorch[viz]'" in result.stdout
