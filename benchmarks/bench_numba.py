"""PyTorch CPU vs minitorch's NumPy backend vs its Numba backend, side by side in one run (float32, batch 64).

Cases: each conv layer of the Keras MNIST CNN and two of the small VGG (forward, and
forward+backward), max and average pooling 2x2, and whole training steps (forward,
cross-entropy, backward, optimizer step) of LeNet-5, the Keras MNIST CNN (RMSprop) and a small
VGG-style CIFAR net (``--no-vgg`` skips the VGG's layers and step). All three get the same
number of threads (``BENCH_THREADS``, default 2: OpenBLAS and Numba through the environment
before they load, ``torch.set_num_threads``). They are timed in alternating blocks of calls, each
block after one untimed call (see ``side_by_side``); the table gives medians and ratios (lower
is better).

First call: the first training step of the MNIST CNN in a fresh process (imports excluded),
with the Numba cache empty (JIT compilation) and again with it filled (kernels loaded from disk).

Run: ``.venv/bin/python benchmarks/bench_numba.py [--repeats N] [--no-vgg]`` (needs the plugin:
``pip install -e backends/numba``, and PyTorch).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from _timing import THREADS, pin_threads

pin_threads()  # before NumPy loads OpenBLAS
os.environ.setdefault("NUMBA_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import minitorch as mt  # noqa: E402
from minitorch.nn.functional.conv import conv2d  # noqa: E402
from minitorch.nn.functional.pooling import avg_pool2d, max_pool2d  # noqa: E402

BATCH = 64
BACKENDS = ("numpy", "numba")
# (in channels, out channels, input size, padding), 3x3 kernels
MNIST_CONVS = [(1, 32, 28, 0), (32, 64, 13, 0), (64, 64, 5, 0)]
VGG_CONVS = [(64, 64, 32, 1), (128, 128, 16, 1)]
POOLS = {"MaxPool2d": (max_pool2d, TF.max_pool2d), "AvgPool2d": (avg_pool2d, TF.avg_pool2d)}
Row = tuple[str, float, float, float]  # case, torch, numpy backend, numba backend (seconds)


def side_by_side(fns: list[Callable[[], object]], repeats: int, warmup: int = 2, block: int = 3) -> list[float]:
    """Median seconds per call of each of ``fns``, in alternating blocks: ``repeats`` rounds after ``warmup``.

    Each round gives every function one untimed call, then times ``block`` calls in a row. The
    untimed call absorbs the switch from the other library: right after a call, OpenBLAS's and
    OpenMP's threads keep spinning on the 2 cores for a while, and timing the very next call of
    the other library charged it for that (PyTorch's MNIST step measured 40 ms alternating call
    by call, 16 ms in a run of its own).
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, t in zip(fns, times):
            fn()
            start = time.perf_counter()
            for _ in range(block):
                fn()
            t.append((time.perf_counter() - start) / block)
    return [statistics.median(t) for t in times]


def conv_rows(rng: np.random.Generator, cin: int, cout: int, size: int, pad: int, repeats: int) -> list[Row]:
    x = rng.standard_normal((BATCH, cin, size, size)).astype(np.float32)
    w = (rng.standard_normal((cout, cin, 3, 3)) * 0.1).astype(np.float32)
    g = rng.standard_normal((BATCH, cout, size + 2 * pad - 2, size + 2 * pad - 2)).astype(np.float32)
    needs_x = cin > 1
    tx, tw = torch.tensor(x, requires_grad=needs_x), torch.tensor(w, requires_grad=True)
    tb, tg = torch.zeros(cout, requires_grad=True), torch.tensor(g)
    mine = {b: (mt.tensor(x, backend=b, requires_grad=needs_x), mt.tensor(w, backend=b, requires_grad=True),
                mt.zeros(cout, backend=b, requires_grad=True), mt.tensor(g, backend=b)) for b in BACKENDS}

    def fwd(b: str) -> Callable[[], object]:
        def run() -> None:
            with mt.no_grad():
                conv2d(*mine[b][:3], padding=pad)
        return run

    def step(b: str) -> Callable[[], object]:
        def run() -> None:
            mx, mw, mb, mg = mine[b]
            mx.grad = mw.grad = mb.grad = None
            conv2d(mx, mw, mb, padding=pad).backward(mg)
        return run

    def t_fwd() -> None:
        with torch.no_grad():
            TF.conv2d(tx, tw, tb, padding=pad)

    def t_step() -> None:
        tx.grad = tw.grad = tb.grad = None
        TF.conv2d(tx, tw, tb, padding=pad).backward(tg)

    name = f"Conv {cin}->{cout} 3x3 on {size}x{size}" + (f" pad {pad}" if pad else "")
    return [(name + " fwd", *side_by_side([t_fwd] + [fwd(b) for b in BACKENDS], repeats)),
            (name + " fwd+bwd", *side_by_side([t_step] + [step(b) for b in BACKENDS], repeats))]


def pool_rows(rng: np.random.Generator, kind: str, repeats: int) -> list[Row]:
    mine_pool, torch_pool = POOLS[kind]
    x = rng.standard_normal((BATCH, 32, 26, 26)).astype(np.float32)
    g = rng.standard_normal((BATCH, 32, 13, 13)).astype(np.float32)
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g)
    mine = {b: (mt.tensor(x, backend=b, requires_grad=True), mt.tensor(g, backend=b)) for b in BACKENDS}

    def fwd(b: str) -> Callable[[], object]:
        def run() -> None:
            with mt.no_grad():
                mine_pool(mine[b][0], 2)
        return run

    def step(b: str) -> Callable[[], object]:
        def run() -> None:
            mx, mg = mine[b]
            mx.grad = None
            mine_pool(mx, 2).backward(mg)
        return run

    def t_fwd() -> None:
        with torch.no_grad():
            torch_pool(tx, 2)

    def t_step() -> None:
        tx.grad = None
        torch_pool(tx, 2).backward(tg)

    name = f"{kind} 2x2 on (64,32,26,26)"
    return [(name + " fwd", *side_by_side([t_fwd] + [fwd(b) for b in BACKENDS], repeats)),
            (name + " fwd+bwd", *side_by_side([t_step] + [step(b) for b in BACKENDS], repeats))]


# ---- models: the same architecture in both libraries (layer names match) ----------------------
def lenet5(nn) -> object:
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def keras_mnist_cnn(nn) -> object:
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(576, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def small_vgg(nn) -> object:
    return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(128 * 8 * 8, 10))


MODELS = {"LeNet-5": (lenet5, (1, 28, 28), "Adam"), "Keras MNIST CNN": (keras_mnist_cnn, (1, 28, 28), "RMSprop"),
          "small VGG (CIFAR)": (small_vgg, (3, 32, 32), "Adam")}


def model_row(name: str, rng: np.random.Generator, repeats: int) -> Row:
    """One training step (forward, cross-entropy, backward, optimizer step) in each library and backend."""
    build, shape, opt = MODELS[name]
    x = rng.standard_normal((BATCH, *shape)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    t_model = build(torch.nn)
    t_opt = getattr(torch.optim, opt)(t_model.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def t_step() -> None:
        t_opt.zero_grad()
        TF.cross_entropy(t_model(tx), ty).backward()
        t_opt.step()

    def m_step(b: str) -> Callable[[], object]:
        mt.manual_seed(0)
        model = build(mt.nn).to(backend=b)
        optimizer = getattr(mt.optim, opt)(model.parameters(), lr=1e-3)
        mx, my = mt.tensor(x, backend=b), mt.tensor(y, backend=b)

        def run() -> None:
            optimizer.zero_grad()
            mt.nn.functional.cross_entropy(model(mx), my).backward()
            optimizer.step()
        return run

    return (f"{name} training step ({opt})", *side_by_side([t_step] + [m_step(b) for b in BACKENDS], repeats,
                                                             warmup=1))


_FIRST_CALL = """
import time, numpy as np, minitorch as mt, sys
sys.path.insert(0, {here!r})
from bench_numba import keras_mnist_cnn
b = {backend!r}
mt.manual_seed(0)
model = keras_mnist_cnn(mt.nn).to(backend=b)
opt = mt.optim.RMSprop(model.parameters(), lr=1e-3)
rng = np.random.default_rng(0)
x = mt.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32), backend=b)
y = mt.tensor(rng.integers(0, 10, 64), backend=b)
times = []
for _ in range(2):
    start = time.perf_counter()
    opt.zero_grad(); mt.nn.functional.cross_entropy(model(x), y).backward(); opt.step()
    times.append(time.perf_counter() - start)
print(times[0], times[1])
"""


def first_call_times() -> list[tuple[str, float, float]]:
    """(label, first step s, second step s) in fresh processes: NumPy backend, Numba cold cache, warm cache."""
    here = os.path.dirname(os.path.abspath(__file__))
    results = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label, backend in [("numpy backend", "numpy"), ("numba, cold cache (JIT)", "numba"),
                               ("numba, warm cache", "numba")]:
            out = subprocess.run([sys.executable, "-c", _FIRST_CALL.format(here=here, backend=backend)], env=env,
                                 capture_output=True, text=True, check=True).stdout.split()
            results.append((label, float(out[0]), float(out[1])))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds per case (default 10)")
    parser.add_argument("--no-vgg", action="store_true", help="skip the (slow) small VGG's conv layers and step")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    mt.backends.get_backend("numba")  # fail early, with the install hint, when the plugin is missing
    print("first training step of the Keras MNIST CNN in a fresh process (imports excluded):")
    for label, first, second in first_call_times():
        print(f"  {label:<26} first step {first * 1e3:9.1f} ms   second step {second * 1e3:7.1f} ms")
    rng = np.random.default_rng(0)
    convs = MNIST_CONVS + ([] if args.no_vgg else VGG_CONVS)
    rows = [r for cin, cout, size, pad in convs for r in conv_rows(rng, cin, cout, size, pad, args.repeats)]
    rows += [r for kind in POOLS for r in pool_rows(rng, kind, args.repeats)]
    names = [n for n in MODELS if not (args.no_vgg and "VGG" in n)]
    rows += [model_row(n, rng, max(3, args.repeats // (3 if "VGG" in n else 1))) for n in names]
    print(f"\nwarm timings, float32, batch {BATCH}, threads={THREADS}: medians in ms; ratios lower is better")
    print(f"{'case':<46} {'torch':>8} {'numpy':>8} {'numba':>8} {'np/torch':>9} {'nb/torch':>9} {'nb/np':>6}")
    for name, t, a, b in rows:
        print(f"{name:<46} {t * 1e3:>8.2f} {a * 1e3:>8.2f} {b * 1e3:>8.2f} {a / t:>9.2f} {b / t:>9.2f} {b / a:>6.2f}")


if __name__ == "__main__":
    main()
