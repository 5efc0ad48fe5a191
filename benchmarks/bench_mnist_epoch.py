"""Seconds per MNIST epoch of the Keras MNIST CNN: examples/mnist_cnn.py's model and loop, minitorch vs PyTorch CPU.

Both train the same architecture from the same initial weights with Keras's RMSprop (lr 1e-3,
rho 0.9, eps 1e-7), batch 64, on the real MNIST training set, one after the other in this
process with the same number of threads; then both are evaluated on the 10,000 test images.

Run: ``MINITORCH_DATA=../shared/data .venv/bin/python benchmarks/bench_mnist_epoch.py [--batches N] [--backend B]``
(``--batches`` times only the first N batches and scales to a full epoch; ``--backend`` picks
minitorch's backend, default numpy).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _timing import THREADS, pin_threads

pin_threads()  # before NumPy and PyTorch load their thread pools

import numpy as np  # noqa: E402
import torch  # noqa: E402

import minitorch as mt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
from mnist_cnn import keras_mnist_cnn  # noqa: E402

from minitorch.data import MNIST, transforms  # noqa: E402


def torch_model() -> torch.nn.Sequential:
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


def train_epoch(lib, model, images: np.ndarray, labels: np.ndarray, batches: int, backend: str | None = None) -> float:
    """Seconds to train ``batches`` batches; ``lib`` is ``minitorch`` or ``torch``: the same code runs on both."""
    opt = lib.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = lib.nn.CrossEntropyLoss()
    x_all, y_all = lib.from_numpy(images), lib.from_numpy(labels)
    if backend is not None:
        x_all, y_all = x_all.to(backend), y_all.to(backend)
    model.train()
    start = time.perf_counter()
    for b in range(batches):
        x, y = x_all[b * 64:(b + 1) * 64], y_all[b * 64:(b + 1) * 64]
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return time.perf_counter() - start


def test_accuracy(predict, images: np.ndarray, labels: np.ndarray) -> float:
    hits = sum(int((predict(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum())
               for i in range(0, len(labels), 1000))
    return hits / len(labels)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=None, help="time only this many batches (default: a full epoch)")
    p.add_argument("--backend", default="numpy", help="minitorch's backend (default: numpy)")
    args = p.parse_args()
    torch.set_num_threads(THREADS)
    to_tensor = transforms.ToTensor()
    train, test = MNIST(train=True), MNIST(train=False)
    images = to_tensor.batch(train.data).numpy()  # (60000, 1, 28, 28) float32 in [0, 1]
    labels = train.targets.numpy()
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = np.ascontiguousarray(images[order]), np.ascontiguousarray(labels[order])
    test_images, test_labels = to_tensor.batch(test.data).numpy(), test.targets.numpy()
    full = len(labels) // 64
    batches = min(args.batches or full, full)

    mt.manual_seed(0)
    ours = keras_mnist_cnn().to(args.backend)
    theirs = torch_model()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})

    t_ours = train_epoch(mt, ours, images, labels, batches, args.backend) * full / batches
    t_theirs = train_epoch(torch, theirs, images, labels, batches) * full / batches
    ours.eval()
    theirs.eval()
    with mt.no_grad():
        acc_ours = test_accuracy(lambda x: ours(mt.from_numpy(x).to(args.backend)).numpy(), test_images, test_labels)
    with torch.no_grad():
        acc_theirs = test_accuracy(lambda x: theirs(torch.from_numpy(x)).numpy(), test_images, test_labels)
    note = "" if batches == full else f" (timed {batches} of {full} batches, scaled)"
    print(f"Keras MNIST CNN, one epoch of 60,000 images, batch 64, RMSprop, threads={THREADS}, "
          f"minitorch backend {args.backend}{note}")
    print(f"{'':<12}{'s/epoch':>10}{'images/s':>10}{'test acc':>10}")
    print(f"{'minitorch':<12}{t_ours:>10.1f}{60000 / t_ours:>10.0f}{acc_ours:>10.4f}")
    print(f"{'torch':<12}{t_theirs:>10.1f}{60000 / t_theirs:>10.0f}{acc_theirs:>10.4f}")
    print(f"ratio minitorch / torch: {t_ours / t_theirs:.2f}")


if __name__ == "__main__":
    main()
