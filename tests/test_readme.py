"""The README's tour runs as written, and its two commands exist in the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

import minitorch as mt

ROOT = Path(__file__).resolve().parents[1]


def test_tour_runs_and_computes_gradients(capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README has no python tour"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    x, w = namespace["x"], namespace["w"]
    assert x.grad.shape == (2, 2) and w.grad.shape == (2, 3)
    assert namespace["z"].backend == "numpy"
    assert "(2, 2) (2, 3)" in capsys.readouterr().out
    mt.set_default_backend(None)


def test_the_two_commands_are_make_targets():
    text = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for command in ("make mnist", "make test"):
        assert command in text
        assert re.search(rf"^{command.split()[1]}:", makefile, re.M), f"Makefile has no target for {command!r}"


def test_printed_summary_is_the_models_summary(capsys):
    import sys

    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from mnist_cnn import keras_mnist_cnn
    finally:
        sys.path.remove(str(ROOT / "examples"))
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```text\n(Model: .*?)```", text, re.S)
    assert block, "the README shows no model summary"
    expected = str(mt.summary(keras_mnist_cnn(), input_size=(1, 1, 28, 28), verbose=False))
    assert block.group(1).rstrip() == expected
    assert (ROOT / "docs/images/mnist_cnn_loss_graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
