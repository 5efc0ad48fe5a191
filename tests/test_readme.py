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
