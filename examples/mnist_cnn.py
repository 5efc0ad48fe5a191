"""Train the classic Keras MNIST CNN on real MNIST and report its test accuracy (the README's main job).

The model, optimizer and schedule are the course's: Conv 32 3x3, MaxPool 2, Conv 64 3x3, MaxPool 2,
Conv 64 3x3, Flatten, Dense 64, Dense 10 (softmax folded into the loss), RMSprop, batch 64, 5 epochs.
It reaches about 99% test accuracy.

    python examples/mnist_cnn.py                    # the full run
    python examples/mnist_cnn.py --epochs 1 --train-size 2000 --test-size 500   # a quick look
    python examples/mnist_cnn.py --save mnist_cnn.safetensors    # keep the weights (see examples/visualize.py)
"""

from __future__ import annotations

import argparse
import time

import minitorch as mt
from minitorch import nn
from minitorch.data import MNIST, DataLoader, Subset, transforms


def keras_mnist_cnn() -> nn.Sequential:
    """The Keras MNIST CNN: 93,322 parameters (320 / 18,496 / 36,928 / 36,928 / 650)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, kernel_size=3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3, help="RMSprop learning rate (Keras's default)")
    p.add_argument("--train-size", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-size", type=int, default=None, help="use only the first N test images")
    p.add_argument("--backend", default=None, help="minitorch backend (default: $MINITORCH_BACKEND or numpy)")
    p.add_argument("--data", default=None, help="dataset root (default: $MINITORCH_DATA or ~/.cache/minitorch)")
    p.add_argument("--download", action="store_true", help="download MNIST if it is missing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--save", default=None, metavar="PATH",
                   help="save the trained model's state_dict to PATH (a safetensors file, via mt.save)")
    return p.parse_args(argv)


def first(dataset: MNIST, n: int | None) -> MNIST | Subset:
    return dataset if n is None else Subset(dataset, range(min(n, len(dataset))))


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    mt.manual_seed(args.seed)

    to_tensor = transforms.ToTensor()  # uint8 28x28 -> float32 1x28x28 in [0, 1], as Keras's x / 255
    train = first(MNIST(args.data, train=True, download=args.download, transform=to_tensor), args.train_size)
    test = first(MNIST(args.data, train=False, download=args.download, transform=to_tensor), args.test_size)

    model = keras_mnist_cnn()
    mt.summary(model, input_size=(1, 1, 28, 28))
    # Keras's RMSprop: rho=0.9, epsilon=1e-7 (PyTorch names: alpha, eps).
    optimizer = mt.optim.RMSprop(model.parameters(), lr=args.lr, alpha=0.9, eps=1e-7)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                        generator=mt.Generator().manual_seed(args.seed))

    start = time.perf_counter()
    history = mt.train.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=args.epochs,
                           validation_data=test, verbose=not args.quiet)
    seconds = time.perf_counter() - start
    result = mt.train.evaluate(model, test, nn.CrossEntropyLoss())
    print(f"trained {args.epochs} epoch(s) on {len(train)} images in {seconds:.1f} s "
          f"({seconds / max(args.epochs, 1):.1f} s/epoch, backend {mt.get_default_backend()})")
    print(f"final training loss {history.history['loss'][-1]:.4f}")
    print(f"test loss {result['loss']:.4f}  test accuracy {result['accuracy']:.4f} on {len(test)} images")
    if args.save:
        mt.save(model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")
    return result["accuracy"]


if __name__ == "__main__":
    main()
