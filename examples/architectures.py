"""The classic CNN architectures as minitorch modules: LeNet-5, AlexNet and VGG-16, with their summaries.

Three milestones the courses present, built layer by layer so their parameter counts can be checked
against the published ones:

* **LeNet-5** (LeCun et al., 1998), for 32x32 grayscale digits: Conv 6@5x5 - tanh - AvgPool 2 -
  Conv 16@5x5 - tanh - AvgPool 2 - Dense 120 - tanh - Dense 84 - tanh - Dense 10. This is the usual
  modern rendering (every C3 map sees all 6 S2 maps, plain average pooling, a linear output instead of
  the paper's trainable subsampling coefficients and RBF units): **61,706** parameters.
* **AlexNet** (Krizhevsky et al., 2012, the ImageNet breakthrough), as torchvision builds it: five
  convolutions (11x11 stride 4, 5x5, then three 3x3) with ReLU and three overlapping 3x3 stride-2 max
  pools, ``AdaptiveAvgPool2d((6, 6))``, then Dropout - Dense 4096 - Dropout - Dense 4096 - Dense 1000:
  **61,100,840** parameters for 224x224x3 input and 1000 classes.
* **VGG-16** (Simonyan and Zisserman, 2014), configuration D: thirteen 3x3 convolutions in five stages
  (64, 128, 256, 512, 512 filters), each stage ending in a 2x2 max pool that halves the image
  (224 -> 112 -> 56 -> 28 -> 14 -> 7), then Dense 4096 - Dense 4096 - Dense 1000: **138,357,544**
  parameters, 123,642,856 (89%) of them in the three dense layers, and about 15.5 billion mult-adds
  per 224x224 image.

The module and attribute names (``features``, ``avgpool``, ``classifier``) follow torchvision, so a
``state_dict`` has the same keys as torchvision's models. AlexNet and VGG-16 end their convolutional
part in an adaptive average pool, as torchvision does, so they accept smaller images with the same
parameters: ``--image-size 64`` gives the same counts in a fraction of the time (VGG-16's forward pass
at 224x224 on the NumPy backend takes a while and about 1 GB of memory).

    python examples/architectures.py                       # all three summaries at their native sizes
    python examples/architectures.py --models lenet5 alexnet --image-size 64
"""

from __future__ import annotations

import argparse

import minitorch as mt
from minitorch import nn
from minitorch.summary import ModelSummary

#: the published parameter counts (LeNet-5 for this rendering; the others for 1000 classes)
PUBLISHED = {"lenet5": 61_706, "alexnet": 61_100_840, "vgg16": 138_357_544}
VGG16_CONFIG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                                 512, 512, 512, "M"]


class LeNet5(nn.Module):
    """LeNet-5 on 32x32x1 images: two conv/tanh/average-pool stages and three dense layers (61,706 parameters).

    Example:
        >>> LeNet5()(mt.zeros(2, 1, 32, 32)).shape
        (2, 10)
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2),    # C1: 32 -> 28, S2: 28 -> 14
            nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2),   # C3: 14 -> 10, S4: 10 -> 5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Tanh(),                         # C5 (a dense layer on 5x5 maps)
            nn.Linear(120, 84), nn.Tanh(),                                 # F6
            nn.Linear(84, num_classes),                                    # output
        )

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """Class scores (logits) for a batch of (N, 1, 32, 32) images."""
        return self.classifier(self.features(x))


class AlexNet(nn.Module):
    """AlexNet as torchvision builds it (61,100,840 parameters for 1000 classes); images of at least 63x63.

    Example:
        >>> AlexNet(num_classes=10)(mt.zeros(1, 3, 64, 64)).shape
        (1, 10)
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """Class scores (logits) for a batch of (N, 3, H, W) images (224x224 in the paper)."""
        return self.classifier(self.flatten(self.avgpool(self.features(x))))


class VGG16(nn.Module):
    """VGG-16 (configuration D) as torchvision builds it: 138,357,544 parameters for 1000 classes.

    Example:
        >>> net = VGG16(num_classes=10)
        >>> sum(isinstance(m, nn.Conv2d) for m in net.modules()), sum(isinstance(m, nn.Linear) for m in net.modules())
        (13, 3)
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for v in VGG16_CONFIG:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, int(v), kernel_size=3, padding=1), nn.ReLU()]
                channels = int(v)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        """Class scores (logits) for a batch of (N, 3, H, W) images (224x224 in the paper; at least 32x32)."""
        return self.classifier(self.flatten(self.avgpool(self.features(x))))


BUILDERS = {"lenet5": LeNet5, "alexnet": AlexNet, "vgg16": VGG16}


def input_size(name: str, image_size: int | None = None) -> tuple[int, int, int, int]:
    """A batch of one image at the model's native size (32x32x1 or 224x224x3) or at ``image_size``."""
    if name == "lenet5":
        return (1, 1, 32, 32)
    side = 224 if image_size is None else image_size
    return (1, 3, side, side)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--models", nargs="+", choices=sorted(BUILDERS), default=list(BUILDERS),
                   help="which architectures (default: all three)")
    p.add_argument("--image-size", type=int, default=None,
                   help="run AlexNet/VGG-16 summaries on SxS images instead of 224x224 (same parameter counts)")
    p.add_argument("--backend", default=None, help="minitorch backend (default: $MINITORCH_BACKEND or numpy)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="print only the final comparison, not the summaries")
    args = p.parse_args(argv)
    if args.image_size is not None and args.image_size < (63 if "alexnet" in args.models else 32):
        p.error("--image-size must be at least 63 for AlexNet (its strided convolution and three pools) "
                "and 32 for VGG-16 (five halvings)")
    return args


def main(argv: list[str] | None = None) -> dict[str, ModelSummary]:
    """Build each model, print its summary, and return ``{name: ModelSummary}``."""
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    mt.manual_seed(args.seed)
    results = {}
    for name in args.models:
        model = BUILDERS[name]()
        size = input_size(name, args.image_size)
        print(f"\n{name}: input {size[1]}x{size[2]}x{size[3]} (channels x height x width)")
        results[name] = mt.summary(model, input_size=size, verbose=not args.quiet)
        del model  # VGG-16's weights alone take 553 MB
    print(f"\n{'model':<8} {'input':>9} {'parameters':>13} {'published':>13} {'mult-adds':>16}")
    for name, s in results.items():
        size = input_size(name, args.image_size)
        verdict = "ok" if s.total_params == PUBLISHED[name] else "MISMATCH"
        print(f"{name:<8} {f'{size[2]}x{size[3]}x{size[1]}':>9} {s.total_params:>13,} {PUBLISHED[name]:>13,} "
              f"{s.total_mult_adds:>16,}  {verdict}")
    return results


if __name__ == "__main__":
    main()
