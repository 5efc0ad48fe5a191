"""minitorch's CuPy backend vs PyTorch CUDA on one GPU, side by side in one run (float32).

Cases, at batch 64 and 256: each conv layer of the Keras MNIST CNN (forward, and forward+backward)
and whole training steps (forward, cross-entropy, backward, optimizer step) of the Keras MNIST CNN
(RMSprop) and a small VGG-style CIFAR-10 net (Adam). Both libraries run alternately, one call each
per round, after warm-up calls (which also compile CuPy's kernels); each call ends with a device
synchronisation, so the times are GPU work, not kernel-launch queueing. The table gives medians
and ratios (cupy / torch, lower is better).

Run on a GPU machine: ``python benchmarks/bench_cupy.py [--repeats N] [--batches 64,256]``.
``--dry-run`` runs the same script on the NumPy backend against PyTorch CPU with tiny sizes,
to check the script itself where there is no GPU (its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as TF

import minitorch as mt
from minitorch.nn.functional.conv import conv2d

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from bench_numba import keras_mnist_cnn, small_vgg  # noqa: E402  (the same models as the CPU benchmark)

CONVS = [(1, 32, 28), (32, 64, 13), (64, 64, 5)]  # (in channels, out channels, input size), 3x3 kernels
MODELS = {"Keras MNIST CNN": (keras_mnist_cnn, (1, 28, 28), "RMSprop"),
          "small VGG (CIFAR)": (small_vgg, (3, 32, 32), "Adam")}


class Side:
    """One side of the comparison: a minitorch backend and the torch device, with their synchronisations."""

    def __init__(self, dry_run: bool) -> None:
        self.backend = "numpy" if dry_run else "cupy"
        self.device = "cpu" if dry_run else "cuda"
        self._mine = mt.backends.get_backend(self.backend)

    def sync(self) -> None:
        self._mine.synchronize()
        if self.device == "cuda":
            torch.cuda.synchronize()


def side_by_side(fns: list[Callable[[], object]], sync: Callable[[], None], repeats: int, warmup: int = 3
                 ) -> list[float]:
    """Median seconds of each of ``fns`` (each call followed by ``sync``), called alternately."""
    def timed(fn: Callable[[], object]) -> float:
        start = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - start

    for _ in range(warmup):
        for fn in fns:
            timed(fn)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, t in zip(fns, times):
            t.append(timed(fn))
    return [statistics.median(t) for t in times]


def conv_rows(side: Side, batch: int, cin: int, cout: int, size: int, repeats: int
              ) -> list[tuple[str, int, float, float]]:
    """A 3x3 convolution's forward, and forward+backward, in both libraries."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, cin, size, size)).astype(np.float32)
    w = (rng.standard_normal((cout, cin, 3, 3)) * 0.1).astype(np.float32)
    g = rng.standard_normal((batch, cout, size - 2, size - 2)).astype(np.float32)
    tx, tw, tg = (torch.tensor(a, device=side.device) for a in (x, w, g))
    mx, mw, mg = (mt.tensor(a, backend=side.backend) for a in (x, w, g))
    for a in (tx, tw, mx, mw):
        a.requires_grad_(True)

    def t_fwd() -> None:
        with torch.no_grad():
            TF.conv2d(tx, tw)

    def m_fwd() -> None:
        with mt.no_grad():
            conv2d(mx, mw)

    def t_step() -> None:
        tx.grad = tw.grad = None
        TF.conv2d(tx, tw).backward(tg)

    def m_step() -> None:
        mx.grad = mw.grad = None
        conv2d(mx, mw).backward(mg)

    name = f"Conv {cin}->{cout} 3x3 on {size}x{size}"
    return [(name + " fwd", batch, *side_by_side([t_fwd, m_fwd], side.sync, repeats)),
            (name + " fwd+bwd", batch, *side_by_side([t_step, m_step], side.sync, repeats))]


def model_row(side: Side, name: str, batch: int, repeats: int) -> tuple[str, int, float, float]:
    build, shape, opt = MODELS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *shape)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    t_model = build(torch.nn).to(side.device)
    t_opt = getattr(torch.optim, opt)(t_model.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x, device=side.device), torch.tensor(y, device=side.device)
    m_model = build(mt.nn).to(side.backend)
    m_opt = getattr(mt.optim, opt)(m_model.parameters(), lr=1e-3)
    mx, my = mt.tensor(x, backend=side.backend), mt.tensor(y, backend=side.backend)

    def t_step() -> None:
        t_opt.zero_grad()
        TF.cross_entropy(t_model(tx), ty).backward()
        t_opt.step()

    def m_step() -> None:
        m_opt.zero_grad()
        mt.nn.functional.cross_entropy(m_model(mx), my).backward()
        m_opt.step()

    return (f"{name} training step ({opt})", batch, *side_by_side([t_step, m_step], side.sync, repeats))


def main(argv: list[str] | None = None) -> list[tuple[str, int, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--batches", default="64,256", help="comma-separated batch sizes")
    parser.add_argument("--dry-run", action="store_true", help="NumPy backend vs torch CPU: checks the script only")
    args = parser.parse_args(argv)
    side = Side(args.dry_run)
    if not args.dry_run:
        print(f"GPU: {torch.cuda.get_device_name()}; torch {torch.__version__}; "
              f"CuPy {sys.modules['cupy'].__version__}")
    rows = []
    for batch in (int(b) for b in args.batches.split(",")):
        for cin, cout, size in CONVS:
            rows += conv_rows(side, batch, cin, cout, size, args.repeats)
        rows += [model_row(side, name, batch, args.repeats) for name in MODELS]
    print(f"\n{'case':<48} {'batch':>5} {'torch ms':>9} {side.backend + ' ms':>9} {'ratio':>6}")
    for name, batch, theirs, mine in rows:
        print(f"{name:<48} {batch:>5} {theirs * 1e3:>9.3f} {mine * 1e3:>9.3f} {mine / theirs:>6.2f}")
    return rows


if __name__ == "__main__":
    main()
