"""Convolution and max-pooling layers of the Keras MNIST CNN, minitorch (NumPy backend) side by side with PyTorch CPU.

Float32, batch 64. Both libraries get the same number of threads (``BENCH_THREADS``, default 2:
OpenBLAS through the environment before NumPy loads, ``torch.set_num_threads`` for PyTorch).
The two are timed alternately, one call each per round, so that load from other processes
hits both alike; each time is the median over the rounds after warm-up calls (a second
table gives the fastest round, which moves less on a shared, loaded machine). "fwd" runs
under no_grad; "fwd+bwd" runs the layer and backpropagates a fixed output gradient (the
first conv's input needs no gradient, as in the model). The last row is a whole training
step (forward, loss, backward) of the model itself.

Run: ``.venv/bin/python benchmarks/bench_conv.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from _timing import THREADS, pin_threads, report

pin_threads()  # before NumPy loads OpenBLAS: it reads its thread count once

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import minitorch as mt  # noqa: E402
from minitorch.nn.functional.conv import conv2d  # noqa: E402
from minitorch.nn.functional.pooling import max_pool2d  # noqa: E402

BATCH = 64
CONVS = [(1, 32, 28), (32, 64, 13), (64, 64, 5)]  # (in channels, out channels, input size), 3x3 kernels


BEST: list[tuple[str, float, float]] = []  # the fastest rounds, for a second table


def side_by_side(mine: Callable[[], object], theirs: Callable[[], object], repeats: int,
                 warmup: int = 3) -> tuple[float, float]:
    """Median seconds of ``mine()`` and ``theirs()``, timed alternately (the minima go to ``BEST``)."""
    for _ in range(warmup):
        mine()
        theirs()
    a, b = [], []
    for _ in range(repeats):
        for fn, times in ((mine, a), (theirs, b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    BEST.append(("", min(a), min(b)))
    return statistics.median(a), statistics.median(b)


def conv_case(rng: np.random.Generator, cin: int, cout: int, size: int,
              repeats: int) -> list[tuple[str, float, float]]:
    x = rng.standard_normal((BATCH, cin, size, size)).astype(np.float32)
    w = (rng.standard_normal((cout, cin, 3, 3)) * 0.1).astype(np.float32)
    b = np.zeros(cout, np.float32)
    g = rng.standard_normal((BATCH, cout, size - 2, size - 2)).astype(np.float32)
    needs_x = cin > 1
    mx, mw, mb = (mt.tensor(x, requires_grad=needs_x), mt.tensor(w, requires_grad=True),
                  mt.tensor(b, requires_grad=True))
    tx, tw, tb = (torch.tensor(x, requires_grad=needs_x), torch.tensor(w, requires_grad=True),
                  torch.tensor(b, requires_grad=True))
    mg, tg = mt.tensor(g), torch.tensor(g)

    def mine_fwd() -> None:
        with mt.no_grad():
            conv2d(mx, mw, mb)

    def theirs_fwd() -> None:
        with torch.no_grad():
            TF.conv2d(tx, tw, tb)

    def mine_step() -> None:
        mx.grad = mw.grad = mb.grad = None
        conv2d(mx, mw, mb).backward(mg)

    def theirs_step() -> None:
        tx.grad = tw.grad = tb.grad = None
        TF.conv2d(tx, tw, tb).backward(tg)

    name = f"Conv {cin}->{cout} 3x3 on {size}x{size}"
    return [(name + " fwd", *side_by_side(mine_fwd, theirs_fwd, repeats)),
            (name + " fwd+bwd", *side_by_side(mine_step, theirs_step, repeats))]


def pool_cases(rng: np.random.Generator, repeats: int) -> list[tuple[str, float, float]]:
    x = rng.standard_normal((BATCH, 32, 26, 26)).astype(np.float32)
    g = rng.standard_normal((BATCH, 32, 13, 13)).astype(np.float32)
    mx, tx = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mg, tg = mt.tensor(g), torch.tensor(g)

    def mine_fwd() -> None:
        with mt.no_grad():
            max_pool2d(mx, 2)

    def theirs_fwd() -> None:
        with torch.no_grad():
            TF.max_pool2d(tx, 2)

    def mine_step() -> None:
        mx.grad = None
        max_pool2d(mx, 2).backward(mg)

    def theirs_step() -> None:
        tx.grad = None
        TF.max_pool2d(tx, 2).backward(tg)

    return [("MaxPool2d 2x2 on (64,32,26,26) fwd", *side_by_side(mine_fwd, theirs_fwd, repeats)),
            ("MaxPool2d 2x2 on (64,32,26,26) fwd+bwd", *side_by_side(mine_step, theirs_step, repeats))]


def model_case(rng: np.random.Generator, repeats: int) -> list[tuple[str, float, float]]:
    """One training step (no optimizer) of the Keras MNIST CNN, written with core ops only."""
    shapes = [(32, 1, 3, 3), (32,), (64, 32, 3, 3), (64,), (64, 64, 3, 3), (64,), (64, 576), (64,), (10, 64), (10,)]
    raw = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    x = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]
    mp = [mt.tensor(a, requires_grad=True) for a in raw]
    tp = [torch.tensor(a, requires_grad=True) for a in raw]
    mxx, txx, my, ty = mt.tensor(x), torch.tensor(x), mt.tensor(onehot), torch.tensor(onehot)

    def step(conv: Callable, pool: Callable, params: list, x: object, y: object) -> None:
        for p in params:
            p.grad = None
        h = pool(conv(x, params[0], params[1]).relu(), 2)
        h = pool(conv(h, params[2], params[3]).relu(), 2)
        h = conv(h, params[4], params[5]).relu().reshape(BATCH, 576)
        h = (h @ params[6].T + params[7]).relu()
        logits = h @ params[8].T + params[9]
        loss = (logits.log_softmax(dim=1) * y).sum() * (-1.0 / BATCH)
        loss.backward()

    return [("Keras MNIST CNN training step (fwd+bwd)",
             *side_by_side(lambda: step(conv2d, max_pool2d, mp, mxx, my),
                           lambda: step(TF.conv2d, TF.max_pool2d, tp, txx, ty), repeats))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds per case (default 15)")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    rows = [row for cin, cout, size in CONVS for row in conv_case(rng, cin, cout, size, args.repeats)]
    rows += pool_cases(rng, args.repeats) + model_case(rng, args.repeats)
    report(rows, f"Convolution and pooling, float32, batch {BATCH}: medians")
    report([(name, a, b) for (name, _, _), (_, a, b) in zip(rows, BEST)],
           "The same, fastest round of each (less sensitive to load from other processes)")


if __name__ == "__main__":
    main()
