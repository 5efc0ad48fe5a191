"""Train a VGG-style CNN on CIFAR-10 with data augmentation (random crops and horizontal flips).

CIFAR-10 is 32x32 colour images in 10 classes (airplane, automobile, bird, cat, deer, dog, frog, horse,
ship, truck): 50,000 for training, 10,000 for testing. This is the courses' "try architectures"
exercise, done the way VGG does it: only 3x3 convolutions, stacked in pairs, and a 2x2 max pool after
each pair halving the image (32 -> 16 -> 8 -> 4) while the number of filters doubles (64, 128, 256):

    [Conv 64 3x3 - BN - ReLU] x2, MaxPool 2     32x32 -> 16x16
    [Conv 128 3x3 - BN - ReLU] x2, MaxPool 2    16x16 -> 8x8
    [Conv 256 3x3 - BN - ReLU] x2, MaxPool 2     8x8  -> 4x4   (--blocks 2 leaves this block out)
    Flatten, Dropout 0.5, Dense 512 - ReLU, Dropout 0.5, Dense 10

(3,249,994 parameters at the default width; batch normalisation after each convolution is what lets a
plain stack like this train quickly.) What it teaches:

* augmentation: ``RandomCrop(32, padding=4)`` (shift by up to 4 pixels) and ``RandomHorizontalFlip()``
  make every epoch see slightly different images, a cheap cure for overfitting;
* ``Normalize`` with the CIFAR-10 channel means (0.4914, 0.4822, 0.4465) and standard deviations
  (0.2470, 0.2435, 0.2616) of the training set;
* Adam with a cosine learning-rate schedule, validation on the last 5,000 training images.

A network of this kind typically reaches about 88-90% test accuracy after 30 epochs (as in PyTorch);
on the NumPy backend an epoch of the full-width model takes a long time (it costs about 150 million
multiply-adds per image), so try ``--width 32 --blocks 2`` or a faster backend first.

The data: the binary version (``cifar-10-binary.tar.gz``, extracted to ``<root>/cifar-10-batches-bin``);
``--download`` fetches it (170 MB) when it is missing.

    python examples/cifar10.py --download                       # the full run (30 epochs)
    python examples/cifar10.py --epochs 2 --width 32 --blocks 2 --train-size 5000 --test-size 1000
"""

from __future__ import annotations

import argparse
import copy
import time

import minitorch as mt
from minitorch import nn
from minitorch.data import CIFAR10, DataLoader, Subset, transforms

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def vgg_style(width: int = 64, blocks: int = 3, num_classes: int = 10, hidden: int = 512,
              image_size: int = 32) -> nn.Sequential:
    """A VGG-style network: ``blocks`` pairs of 3x3 Conv-BN-ReLU, each pair followed by MaxPool 2.

    Block ``i`` has ``width * 2**i`` filters. Then Flatten, Dropout, Dense ``hidden``, Dropout, Dense.

    Example:
        >>> net = vgg_style(width=8, blocks=2, hidden=16)
        >>> net(mt.zeros(2, 3, 32, 32)).shape
        (2, 10)
    """
    layers: list[nn.Module] = []
    c_in, size = 3, image_size
    for i in range(blocks):
        c_out = width * 2 ** i
        for c in (c_in, c_out):
            layers += [nn.Conv2d(c, c_out, kernel_size=3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
        layers.append(nn.MaxPool2d(2))
        c_in, size = c_out, size // 2
    layers += [nn.Flatten(), nn.Dropout(0.5), nn.Linear(c_in * size * size, hidden), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(hidden, num_classes)]
    return nn.Sequential(*layers)


def train_transform(generator: mt.Generator | None = None) -> transforms.Compose:
    """Augmentation then normalisation: RandomCrop(32, padding=4), RandomHorizontalFlip, ToTensor, Normalize."""
    return transforms.Compose([
        transforms.RandomCrop(32, padding=4, generator=generator),
        transforms.RandomHorizontalFlip(generator=generator),
        transforms.ToTensor(),
        transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
    ])


def eval_transform() -> transforms.Compose:
    """What validation and test images get: ToTensor and Normalize only."""
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD)])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate (cosine-annealed)")
    p.add_argument("--width", type=int, default=64, help="filters in the first block (doubling per block)")
    p.add_argument("--blocks", type=int, choices=(1, 2, 3), default=3, help="conv-conv-pool blocks")
    p.add_argument("--hidden", type=int, default=512, help="units of the hidden dense layer")
    p.add_argument("--val-size", type=int, default=5000, help="validate on the LAST N training images (0: none)")
    p.add_argument("--train-size", type=int, default=None, help="train on only the first N of the other images")
    p.add_argument("--test-size", type=int, default=None, help="use only the first N test images")
    p.add_argument("--no-augment", action="store_true", help="train without random crops and flips")
    p.add_argument("--backend", default=None, help="minitorch backend (default: $MINITORCH_BACKEND or numpy)")
    p.add_argument("--data", default=None, help="dataset root (default: $MINITORCH_DATA or ~/.cache/minitorch)")
    p.add_argument("--download", action="store_true", help="download CIFAR-10 (binary version) if it is missing")
    p.add_argument("--no-verify", action="store_true",
                   help="accept batch files of other sizes than the official 10,000 images (e.g. a small sample)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Train the network and return its test ``loss`` and ``accuracy``."""
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    mt.manual_seed(args.seed)
    augment_rng = mt.Generator().manual_seed(args.seed + 1)

    verify = not args.no_verify
    full = CIFAR10(args.data, train=True, download=args.download, verify=verify,
                   transform=eval_transform() if args.no_augment else train_transform(augment_rng))
    n = len(full)
    if not 0 <= args.val_size < n:
        raise SystemExit(f"--val-size must be between 0 and {n - 1}, got {args.val_size}")
    cut = n - args.val_size
    train = Subset(full, range(min(cut, args.train_size) if args.train_size is not None else cut))
    val = None
    if args.val_size:
        plain = copy.copy(full)  # shares the images; validation images are never augmented
        plain.transform = eval_transform()
        val = Subset(plain, range(cut, n))
    test = CIFAR10(args.data, train=False, verify=verify, transform=eval_transform())
    if args.test_size is not None:
        test = Subset(test, range(min(args.test_size, len(test))))
    print(f"{len(train):,} training, {0 if val is None else len(val):,} validation, {len(test):,} test images")

    model = vgg_style(args.width, args.blocks, hidden=args.hidden)
    mt.summary(model, input_size=(1, 3, 32, 32))
    optimizer = mt.optim.Adam(model.parameters(), lr=args.lr)
    schedule = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.epochs, 1))
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                        generator=mt.Generator().manual_seed(args.seed))

    start = time.perf_counter()
    mt.train.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=args.epochs, validation_data=val,
                 callbacks=[mt.train.LearningRateScheduler(schedule)], verbose=not args.quiet)
    seconds = time.perf_counter() - start
    result = mt.train.evaluate(model, test, nn.CrossEntropyLoss())
    print(f"trained {args.epochs} epoch(s) in {seconds:.1f} s ({seconds / max(args.epochs, 1):.1f} s/epoch, "
          f"backend {mt.get_default_backend()})")
    print(f"test loss {result['loss']:.4f}  test accuracy {result['accuracy']:.4f} on {len(test)} images")
    return result


if __name__ == "__main__":
    main()
