"""A convolution written by hand as a NumPy double loop, checked against ``F.conv2d``, finding a T-shirt's edges.

What a convolutional layer computes, with nothing hidden: slide a small kernel over the image; at each
position multiply the kernel elementwise with the patch under it and sum, giving one output pixel. (Deep
learning's "convolution" is really cross-correlation: the kernel is not flipped.) With no padding a
k x k kernel turns an n x n image into an (n - k + 1) x (n - k + 1) feature map.

The kernel

    [[-1, 1],
     [-1, 1]]

subtracts the left column of each 2x2 patch from the right one, so it responds strongly where the
image gets brighter from left to right (a dark-to-bright vertical edge, such as the left side of a
T-shirt on Fashion-MNIST's black background), strongly negatively at bright-to-dark edges (the right
side), and not at all on flat regions. The script takes the first T-shirt (class 0) of the Fashion-MNIST
training set, convolves it both ways, asserts that the loop and ``minitorch.nn.functional.conv2d`` agree,
and prints where the strongest responses are, with a text picture of the feature map.

    python examples/convolution_by_hand.py                     # the first T-shirt of Fashion-MNIST
    python examples/convolution_by_hand.py --synthetic         # a drawn T-shirt, no data needed
    python examples/convolution_by_hand.py --kernel sobel --save edges.png
"""

from __future__ import annotations

import argparse

import numpy as np

import minitorch as mt
from minitorch.nn import functional as F

KERNELS = {
    "vertical": np.array([[-1.0, 1.0], [-1.0, 1.0]]),    # dark-to-bright, left to right
    "horizontal": np.array([[-1.0, -1.0], [1.0, 1.0]]),  # dark-to-bright, top to bottom
    "sobel": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),  # Sobel's vertical-edge operator
}


def conv2d_by_hand(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of a 2-D ``image`` with a 2-D ``kernel``, one output pixel at a time.

    Example:
        >>> conv2d_by_hand(np.array([[0., 0., 1.], [0., 0., 1.], [0., 0., 1.]]), KERNELS["vertical"])
        array([[0., 2.],
               [0., 2.]])
    """
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def conv2d_minitorch(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The same with ``F.conv2d``: the image as a batch of one 1-channel image, the kernel as 1 filter."""
    x = mt.tensor(image[None, None], dtype=mt.float64)    # (N=1, C=1, H, W)
    w = mt.tensor(kernel[None, None], dtype=mt.float64)   # (out=1, in=1, kh, kw)
    return F.conv2d(x, w).numpy()[0, 0]


def synthetic_tshirt() -> np.ndarray:
    """A 28x28 T-shirt silhouette (bright body and sleeves on a black background), values in [0, 1]."""
    img = np.zeros((28, 28))
    img[4:26, 8:20] = 0.8    # body
    img[4:12, 3:8] = 0.7     # left sleeve
    img[4:12, 20:25] = 0.7   # right sleeve
    img[4:7, 11:17] = 0.0    # neckline
    return img


def first_tshirt(root: str | None, download: bool) -> tuple[np.ndarray, int]:
    """The first T-shirt/top (class 0) of the Fashion-MNIST training set, scaled to [0, 1], and its index."""
    from minitorch.data import FashionMNIST

    ds = FashionMNIST(root, train=True, download=download)
    index = int(np.flatnonzero(np.asarray(ds.targets) == 0)[0])
    return ds.data[index].astype(np.float64) / 255.0, index


def text_picture(response: np.ndarray, threshold: float) -> str:
    """The feature map as text: ``+`` strong positive, ``-`` strong negative, ``.`` near zero."""
    chars = np.where(response > threshold, "+", np.where(response < -threshold, "-", "."))
    return "\n".join("".join(row) for row in chars)


def strongest(response: np.ndarray, k: int, sign: float = 1.0) -> list[tuple[int, int, float]]:
    """The ``k`` largest (``sign=1``) or most negative (``sign=-1``) responses as (row, column, value)."""
    order = np.argsort(-sign * response, axis=None, kind="stable")[:k]
    return [(int(r), int(c), float(response[r, c])) for r, c in zip(*np.unravel_index(order, response.shape))]


def _listing(found: list[tuple[int, int, float]]) -> str:
    return ", ".join(f"({r}, {c}): {v:+.3f}" for r, c, v in found)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--kernel", choices=sorted(KERNELS), default="vertical", help="which kernel (default: vertical)")
    p.add_argument("--synthetic", action="store_true", help="use a drawn T-shirt instead of Fashion-MNIST")
    p.add_argument("--top", type=int, default=8, help="how many strongest responses to print")
    p.add_argument("--save", default=None, metavar="PNG", help="also save the image and its feature map as a PNG")
    p.add_argument("--data", default=None, help="dataset root (default: $MINITORCH_DATA or ~/.cache/minitorch)")
    p.add_argument("--download", action="store_true", help="download Fashion-MNIST if it is missing")
    p.add_argument("--backend", default=None, help="backend of F.conv2d (default: $MINITORCH_BACKEND or numpy)")
    return p.parse_args(argv)


def save_figure(path: str, image: np.ndarray, kernel: np.ndarray, response: np.ndarray) -> None:
    """Image, kernel and feature map side by side (red: positive, blue: negative)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("image")
    axes[1].imshow(kernel, cmap="bwr", vmin=-np.abs(kernel).max(), vmax=np.abs(kernel).max())
    axes[1].set_title(f"kernel {kernel.shape[0]}x{kernel.shape[1]}")
    for (r, c), v in np.ndenumerate(kernel):
        axes[1].text(c, r, f"{v:g}", ha="center", va="center")
    limit = np.abs(response).max() or 1.0
    im = axes[2].imshow(response, cmap="bwr", vmin=-limit, vmax=limit)
    axes[2].set_title("feature map")
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    """Convolve the T-shirt both ways, check they agree, print the strongest responses; return the findings."""
    args = parse_args(argv)
    if args.backend:
        mt.set_default_backend(args.backend)
    if args.synthetic:
        image, index = synthetic_tshirt(), None
        print("a drawn 28x28 T-shirt")
    else:
        image, index = first_tshirt(args.data, args.download)
        print(f"Fashion-MNIST training image {index}, a T-shirt/top")
    kernel = KERNELS[args.kernel]
    by_hand = conv2d_by_hand(image, kernel)
    library = conv2d_minitorch(image, kernel)
    max_diff = float(np.abs(by_hand - library).max())
    assert by_hand.shape == library.shape and np.allclose(by_hand, library), "the two convolutions disagree"
    print(f"{image.shape[0]}x{image.shape[1]} image * {kernel.shape[0]}x{kernel.shape[1]} kernel -> "
          f"{by_hand.shape[0]}x{by_hand.shape[1]} feature map; the double loop and F.conv2d agree "
          f"(largest difference {max_diff:.1e})")
    print(f"kernel {args.kernel}:\n{kernel}")
    top = strongest(by_hand, args.top, 1.0)
    bottom = strongest(by_hand, args.top, -1.0)
    print("strongest positive responses (row, column: value), at dark-to-bright edges:\n  " + _listing(top))
    print("strongest negative responses, at bright-to-dark edges:\n  " + _listing(bottom))
    print(text_picture(by_hand, 0.5 * np.abs(by_hand).max()))
    if args.save:
        save_figure(args.save, image, kernel, by_hand)
        print(f"saved {args.save}")
    return {"image_index": index, "image": image, "response": by_hand, "max_difference": max_diff,
            "strongest_positive": top, "strongest_negative": bottom}


if __name__ == "__main__":
    main()
