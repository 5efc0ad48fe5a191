"""Write the DOT sources of the documentation's figures into docs/_generated/ (run by conf.py at build start).

The figures are drawn by minitorch itself (``mt.graph.draw`` / ``mt.graph.draw_model``), so a change
to the graph rendering shows up in the docs. Only DOT text is written; Sphinx's graphviz extension
renders it with ``dot``.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import minitorch as mt  # noqa: E402
from minitorch import nn  # noqa: E402


def write(name: str, source: str) -> None:
    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    path = out / name
    if not path.exists() or path.read_text() != source:  # unchanged files keep Sphinx from rebuilding
        path.write_text(source)


def main() -> None:
    mt.manual_seed(0)
    # The tutorial's example: a neuron y = tanh(w . x + b) and a squared-error loss.
    x = mt.tensor([1.0, -2.0, 0.5])
    w = mt.randn(3, requires_grad=True)
    b = mt.zeros(1, requires_grad=True)
    y = (w * x).sum() + b
    loss = (y.tanh() - 1.0) ** 2
    write("neuron_graph.dot", mt.graph.draw(loss, params={"w": w, "b": b, "x": x}).source)

    model = nn.Sequential(nn.Conv2d(1, 8, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 13 * 13, 10))
    write("small_cnn.dot", mt.graph.draw_model(model, input_size=(1, 1, 28, 28)).source)


if __name__ == "__main__":
    main()
