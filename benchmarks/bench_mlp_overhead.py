"""Per-operation overhead of the core: a 3-layer MLP forward+backward at batch 64, side by side with PyTorch CPU."""

from __future__ import annotations

from _timing import THREADS, median_time, pin_threads, report

pin_threads()  # before NumPy and PyTorch load their thread pools

import numpy as np  # noqa: E402
import torch  # noqa: E402

import minitorch as mt  # noqa: E402

SIZES = [(784, 256), (256, 128), (128, 10)]


def make_params(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(rng.standard_normal((o, i)).astype(np.float32) * 0.05, np.zeros(o, np.float32)) for i, o in SIZES]


def step_fn(lib, params, x, y):
    def step():
        for w, b in params:
            w.grad = None
            b.grad = None
        h = x
        for k, (w, b) in enumerate(params):
            h = h @ w.T + b
            if k < len(params) - 1:
                h = h.relu()
        loss = (h.log_softmax(dim=1) * y).sum() * (-1.0 / x.shape[0])
        loss.backward()
    return step


def main() -> None:
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    raw = make_params(rng)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]

    mt_params = [(mt.tensor(w, requires_grad=True), mt.tensor(b, requires_grad=True)) for w, b in raw]
    th_params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in raw]
    mine = median_time(step_fn(mt, mt_params, mt.tensor(x), mt.tensor(y)), repeats=50)
    theirs = median_time(step_fn(torch, th_params, torch.tensor(x), torch.tensor(y)), repeats=50)
    report([("MLP 784-256-128-10 fwd+bwd, batch 64", mine, theirs)], "Core overhead")


if __name__ == "__main__":
    main()
