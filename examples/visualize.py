"""See inside a CNN: its learned kernels, the feature maps of one image, and the activation functions.

Saves three PNG figures (matplotlib, no display needed) into ``--out``:

* ``kernels.png``: the 32 3x3 kernels of the first convolution of the course's MNIST CNN (the model of
  ``examples/mnist_cnn.py``), after training: many become small edge and stroke detectors.
* ``feature_maps.png``: one test digit and what each convolution makes of it (the first 16 feature maps
  of each of the three conv layers, after their ReLU), as CNN Explainer shows it: the maps shrink
  (26x26, 11x11, 3x3) and become more abstract layer by layer. The maps are captured with forward hooks
  (``module.register_forward_hook``), the way to look at any intermediate output without changing the model.
* ``activations.png``: sigmoid, tanh and ReLU side by side, computed with minitorch.

The weights come from ``--checkpoint`` (a file written by ``python examples/mnist_cnn.py --save PATH``),
or else from a short training run here (``--epochs``, ``--train-size``).

    python examples/mnist_cnn.py --save mnist_cnn.safetensors && \\
        python examples/visualize.py --checkpoint mnist_cnn.safetensors --out figures
    python examples/visualize.py --train-size 2000 --out figures     # train briefly instead
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import minitorch as mt
from minitorch import nn
from minitorch.data import MNIST, DataLoader, Subset, transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_cnn import keras_mnist_cnn  # noqa: E402  (the sibling example defines the model)


def _pyplot() -> object:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def capture_outputs(model: nn.Module, x: mt.Tensor, layer_type: type = nn.ReLU) -> dict[str, np.ndarray]:
    """Run ``model(x)`` and return the output of every ``layer_type`` submodule, by name, via forward hooks.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
        >>> {k: v.shape for k, v in capture_outputs(net, mt.zeros(1, 1, 4, 4)).items()}
        {'1': (1, 2, 2, 2)}
    """
    captured: dict[str, np.ndarray] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, layer_type):
            def hook(m: nn.Module, args: tuple, output: mt.Tensor, name: str = name) -> None:
                captured[name] = output.detach().numpy()
            handles.append(module.register_forward_hook(hook))
    try:
        with mt.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return captured


def conv_feature_maps(model: nn.Sequential, x: mt.Tensor) -> dict[str, np.ndarray]:
    """The activated output (the ReLU right after it) of each convolution of ``model``, keyed by the conv's name."""
    layers = list(model.named_children())
    after = {layers[i + 1][0]: name for i, (name, m) in enumerate(layers[:-1]) if isinstance(m, nn.Conv2d)}
    relus = capture_outputs(model, x, nn.ReLU)
    return {after[name]: maps for name, maps in relus.items() if name in after}


def plot_kernels(weight: np.ndarray, path: Path) -> Path:
    """A grid of the first-layer kernels ``weight`` (out, 1, kh, kw), each with its own grey scale."""
    plt = _pyplot()
    n = weight.shape[0]
    cols = 8
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.2))
    for i, ax in enumerate(np.asarray(axes).reshape(-1)):
        ax.axis("off")
        if i < n:
            ax.imshow(weight[i, 0], cmap="gray")
            ax.set_title(str(i), fontsize=8)
    fig.suptitle(f"first convolution: {n} learned {weight.shape[2]}x{weight.shape[3]} kernels")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_feature_maps(image: np.ndarray, maps: dict[str, np.ndarray], path: Path, per_layer: int = 16) -> Path:
    """The input image, then a row of the first ``per_layer`` maps of each layer in ``maps`` (name -> (1, C, H, W))."""
    plt = _pyplot()
    rows = 1 + len(maps)
    fig, axes = plt.subplots(rows, per_layer, figsize=(per_layer * 0.9, rows * 1.1))
    axes = np.asarray(axes).reshape(rows, per_layer)
    for ax in axes.reshape(-1):
        ax.axis("off")
    axes[0, 0].imshow(image, cmap="gray")
    axes[0, 0].set_title("input", fontsize=8)
    for r, (name, fmap) in enumerate(maps.items(), start=1):
        c, h, w = fmap.shape[1:]
        axes[r, 0].set_title(f"conv {name}: {c}@{h}x{w}", fontsize=8, loc="left")
        for j in range(min(per_layer, c)):
            axes[r, j].imshow(fmap[0, j], cmap="viridis")
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_activations(path: Path) -> Path:
    """Sigmoid, tanh and ReLU on [-5, 5], side by side."""
    plt = _pyplot()
    x = mt.linspace(-5.0, 5.0, 201)
    curves = {"sigmoid": mt.sigmoid(x), "tanh": mt.tanh(x), "ReLU": mt.relu(x)}
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (name, y) in zip(axes, curves.items()):
        ax.plot(x.numpy(), y.numpy(), linewidth=2)
        ax.axhline(0, color="gray", linewidth=0.5)
        ax.axvline(0, color="gray", linewidth=0.5)
        ax.set_title(name)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--out", default="figures", help="folder for the PNG files (created; default: figures)")
    p.add_argument("--checkpoint", default=None, help="a state_dict saved by examples/mnist_cnn.py --save")
    p.add_argument("--epochs", type=int, default=1, help="training epochs when there is no checkpoint")
    p.add_argument("--train-size", type=int, default=2000, help="training images when there is no checkpoint")
    p.add_argument("--image", type=int, default=0, help="which test image to show the feature maps of")
    p.add_argument("--backend", default=None, help="minitorch backend (default: $MINITORCH_BACKEND or numpy)")
    p.add_argument("--data", default=None, help="dataset root (default: $MINITORCH_DATA or ~/.cache/minitorch)")
    p.add_argument("--download", action="store_true", help="download MNIST if it is missing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Path]:
    """Load or train the MNIST CNN, save the three figures, and return their paths by name."""
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    mt.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    to_tensor = transforms.ToTensor()
    test = MNIST(args.data, train=False, download=args.download, transform=to_tensor)

    model = keras_mnist_cnn()
    if args.checkpoint:
        model.load_state_dict(mt.load(args.checkpoint))
        print(f"loaded the weights from {args.checkpoint}")
    else:
        train = MNIST(args.data, train=True, download=args.download, transform=to_tensor)
        train = Subset(train, range(min(args.train_size, len(train))))
        optimizer = mt.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        loader = DataLoader(train, batch_size=64, shuffle=True, generator=mt.Generator().manual_seed(args.seed))
        mt.train.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=args.epochs, verbose=not args.quiet)
        print(f"trained {args.epochs} epoch(s) on {len(train):,} images")
    model.eval()

    x, label = test[args.image]
    maps = conv_feature_maps(model, x.unsqueeze(0))
    paths = {
        "kernels": plot_kernels(model[0].weight.detach().numpy(), out / "kernels.png"),
        "feature_maps": plot_feature_maps(x.numpy()[0], maps, out / "feature_maps.png"),
        "activations": plot_activations(out / "activations.png"),
    }
    shapes = ", ".join(f"conv {k}: {tuple(v.shape[1:])}" for k, v in maps.items())
    print(f"test image {args.image} (a {label}); feature maps {shapes}")
    for path in paths.values():
        print(f"saved {path}")
    return paths


if __name__ == "__main__":
    main()
