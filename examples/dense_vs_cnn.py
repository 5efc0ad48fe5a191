"""Count the weights of a dense network and a small CNN on the same task: where do a CNN's parameters live?

The courses' comparison, with 10 units per layer on 28x28x1 inputs and 3 classes:

* dense:  Flatten - Dense 10 - Dense 10 - Dense 3:      784x10 + 10 = 7,850, then 110, then 33: **7,993**
* CNN:    Conv 10 3x3 - Conv 10 3x3 - Flatten - Dense 3:  100, 910, then 24x24x10x3 + 3 = 17,283: **18,293**

The convolutions themselves are cheap (1,010 weights, shared across every position of the image), but
the dense output layer reads every pixel of every feature map (two valid 3x3 convolutions leave
24x24x10 = 5,760 values) and needs one weight per value and class: 94% of the CNN's parameters sit in
that one layer. Pooling or strided convolutions shrink the maps before the dense layer and tame this.

With ``--epochs`` > 0 both networks are then trained briefly on the digits 0, 1 and 2 of MNIST (ReLU
after every hidden layer, Adam, batch 32), so their test accuracies can be compared too.

    python examples/dense_vs_cnn.py                      # counts, then 1 epoch on 3,000 images each
    python examples/dense_vs_cnn.py --epochs 0           # only the counts (no data needed)
"""

from __future__ import annotations

import argparse

import numpy as np

import minitorch as mt
from minitorch import nn
from minitorch.data import MNIST, DataLoader, Subset, transforms

CLASSES = (0, 1, 2)


def dense_net(units: int = 10, classes: int = 3) -> nn.Sequential:
    """Flatten - Dense ``units`` - Dense ``units`` - Dense ``classes`` (7,993 parameters with the defaults)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, units), nn.ReLU(), nn.Linear(units, units), nn.ReLU(),
                         nn.Linear(units, classes))


def conv_net(filters: int = 10, classes: int = 3) -> nn.Sequential:
    """Conv ``filters`` 3x3 - Conv ``filters`` 3x3 - Flatten - Dense ``classes`` (18,293 parameters by default)."""
    return nn.Sequential(nn.Conv2d(1, filters, 3), nn.ReLU(), nn.Conv2d(filters, filters, 3), nn.ReLU(),
                         nn.Flatten(), nn.Linear(filters * 24 * 24, classes))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--epochs", type=int, default=1, help="training epochs for each network (0: only count)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    p.add_argument("--train-size", type=int, default=3000, help="training images of the digits 0-2")
    p.add_argument("--test-size", type=int, default=None, help="test images of the digits 0-2 (default: all)")
    p.add_argument("--backend", default=None, help="minitorch backend (default: $MINITORCH_BACKEND or numpy)")
    p.add_argument("--data", default=None, help="dataset root (default: $MINITORCH_DATA or ~/.cache/minitorch)")
    p.add_argument("--download", action="store_true", help="download MNIST if it is missing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def three_digits(dataset: MNIST, n: int | None) -> Subset:
    """The first ``n`` images of ``dataset`` whose label is 0, 1 or 2 (labels stay 0, 1, 2)."""
    labels = np.asarray(dataset.targets)
    idx = np.flatnonzero(np.isin(labels, CLASSES))
    return Subset(dataset, idx[:n].tolist() if n is not None else idx.tolist())


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Print both summaries, train both networks if asked; return their counts (and test accuracies)."""
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    mt.manual_seed(args.seed)
    models = {"dense": dense_net(), "cnn": conv_net()}
    results: dict[str, float] = {}
    for name, model in models.items():
        print(f"\n{name}:")
        s = mt.summary(model, input_size=(1, 1, 28, 28), verbose=not args.quiet)
        results[f"{name}_params"] = s.total_params
        results[f"{name}_output_layer_params"] = s.rows[-1].num_params
    print(f"\ndense 10-10-3: {results['dense_params']:,} parameters")
    print(f"CNN 10-10-3:   {results['cnn_params']:,} parameters, {results['cnn_output_layer_params']:,} of them "
          f"({results['cnn_output_layer_params'] / results['cnn_params']:.0%}) in the 3-unit output layer")
    if args.epochs <= 0:
        return results

    to_tensor = transforms.ToTensor()
    train = three_digits(MNIST(args.data, train=True, download=args.download, transform=to_tensor), args.train_size)
    test = three_digits(MNIST(args.data, train=False, download=args.download, transform=to_tensor), args.test_size)
    print(f"\ntraining on {len(train):,} images of the digits 0-2, testing on {len(test):,}")
    for name, model in models.items():
        optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
        loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                            generator=mt.Generator().manual_seed(args.seed))
        mt.train.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=args.epochs, verbose=not args.quiet)
        result = mt.train.evaluate(model, test, nn.CrossEntropyLoss())
        results[f"{name}_accuracy"] = result["accuracy"]
        print(f"{name}: test accuracy {result['accuracy']:.4f} ({results[f'{name}_params']:,} parameters)")
    return results


if __name__ == "__main__":
    main()
