"""Image transforms with torchvision's names and semantics; each works on one image or, via ``.batch``, a batch."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..creation import from_host, from_numpy
from ..dtypes import get_default_dtype
from ..random import Generator, _host_generator
from ..tensor import Tensor

__all__ = ["Transform", "Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop"]

# Image layouts: a NumPy array is an image as PIL would give it (HW or HWC; a batch NHW or NHWC);
# a Tensor is CHW (a batch NCHW), as torchvision's tensor images are.


class Transform:
    """Base class: ``t(img)`` transforms one sample, ``t.batch(imgs)`` a batch stacked on axis 0.

    ``supports_batch`` says whether ``batch`` is a real vectorised implementation; datasets use it to
    transform whole batches in ``__getitems__``. The default ``batch`` transforms sample by sample.

    Example:
        >>> import numpy as np
        >>> from minitorch.data.transforms import Transform
        >>> class Invert(Transform):
        ...     def __call__(self, img):
        ...         return 255 - img
        >>> Invert()(np.array([[0, 200]], np.uint8))
        array([[255,  55]], dtype=uint8)
    """

    supports_batch: bool = False

    def __call__(self, img: Any) -> Any:
        raise NotImplementedError

    def batch(self, imgs: Any) -> Any:
        """Transform each sample of ``imgs`` (stacked on axis 0) and stack the results."""
        outs = [self(img) for img in imgs]
        if outs and isinstance(outs[0], Tensor):
            from ..functions import stack
            return stack(outs)
        return np.stack(outs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Compose(Transform):
    """Apply transforms one after another.

    Args:
        transforms: the transforms (any callables); the composition is batch-capable when all of them are.

    Example:
        >>> import numpy as np
        >>> from minitorch.data import transforms as T
        >>> t = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        >>> t(np.array([[0, 255]], np.uint8))
        tensor([[[-1.,  1.]]])
        >>> t.batch(np.zeros((4, 28, 28), np.uint8)).shape
        (4, 1, 28, 28)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    @property
    def supports_batch(self) -> bool:  # type: ignore[override]
        return all(getattr(t, "supports_batch", False) for t in self.transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def batch(self, imgs: Any) -> Any:
        """Apply each transform's ``batch`` in turn (sample by sample for those without one)."""
        for t in self.transforms:
            imgs = t.batch(imgs) if hasattr(t, "batch") else _Wrap(t).batch(imgs)
        return imgs

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"Compose({body}\n)"


class _Wrap(Transform):
    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __call__(self, img: Any) -> Any:
        return self.fn(img)


class Lambda(Transform):
    """A user function as a transform.

    Args:
        lambd: the function, called on one sample.
        batched: True if ``lambd`` also works on a whole batch (axis 0), so it can be applied to batches
            in one call; otherwise batches are transformed sample by sample.

    Example:
        >>> from minitorch.data.transforms import Lambda
        >>> Lambda(lambda x: x + 1)(1)
        2
    """

    def __init__(self, lambd: Callable[[Any], Any], batched: bool = False) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd
        self.supports_batch = bool(batched)

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def batch(self, imgs: Any) -> Any:
        """``lambd(imgs)`` when ``batched``, else sample by sample."""
        return self.lambd(imgs) if self.supports_batch else super().batch(imgs)


def _as_array(pic: Any) -> np.ndarray:
    if isinstance(pic, Tensor):
        raise TypeError("ToTensor expects an image as a NumPy array (HW or HWC) or PIL image; "
                        "got a Tensor, which is already converted")
    if isinstance(pic, np.ndarray):
        return pic
    if hasattr(pic, "__array_interface__") or hasattr(pic, "getbands"):  # PIL images
        return np.asarray(pic)
    raise TypeError(f"ToTensor expects a NumPy array (HW or HWC) or PIL image, got {type(pic).__name__}")


_UINT8_SCALE: dict[Any, np.ndarray] = {}


def _to_tensor(chw: np.ndarray) -> Tensor:
    """uint8 values scaled to [0, 1] in the default float dtype; anything else keeps its values."""
    if chw.dtype == np.uint8:
        dt = get_default_dtype()
        lut = _UINT8_SCALE.get(dt.numpy)
        if lut is None:  # exactly x / 255 in that dtype, as torchvision computes it
            lut = _UINT8_SCALE[dt.numpy] = np.arange(256, dtype=dt.numpy) / dt.numpy.type(255)
        return from_host(lut[np.ascontiguousarray(chw)], dt)
    if chw.dtype.kind in "iu":
        return from_numpy(np.ascontiguousarray(chw, dtype=np.int64))
    if chw.dtype.kind == "f" and chw.dtype not in (np.float32, np.float64):
        return from_numpy(np.ascontiguousarray(chw, dtype=np.float32))
    return from_numpy(np.ascontiguousarray(chw))


class ToTensor(Transform):
    """An image as a tensor: HW or HWC NumPy (or PIL) -> CHW; uint8 is scaled to [0, 1] as float32.

    As torchvision: uint8 values are divided by 255 into the default float dtype; other dtypes are not
    rescaled (floats keep float32/float64, integers become int64). A 4-D array is taken as an NHWC batch;
    ``batch`` takes NHW or NHWC and returns NCHW.

    Example:
        >>> import numpy as np
        >>> from minitorch.data.transforms import ToTensor
        >>> ToTensor()(np.array([[0, 51], [102, 255]], np.uint8))
        tensor([[[0. , 0.2],
                 [0.4, 1. ]]])
        >>> ToTensor().batch(np.zeros((8, 32, 32, 3), np.uint8)).shape
        (8, 3, 32, 32)
    """

    supports_batch = True

    def __call__(self, pic: Any) -> Tensor:
        arr = _as_array(pic)
        if arr.ndim == 2:
            return _to_tensor(arr[None])
        if arr.ndim == 3:
            return _to_tensor(arr.transpose(2, 0, 1))
        if arr.ndim == 4:
            return self.batch(arr)
        raise ValueError(f"ToTensor expects an image of 2 (HW) or 3 (HWC) dimensions, got shape {arr.shape}")

    def batch(self, pics: Any) -> Tensor:
        """NHW or NHWC images -> an NCHW tensor."""
        arr = _as_array(pics)
        if arr.ndim == 3:
            return _to_tensor(arr[:, None])
        if arr.ndim == 4:
            return _to_tensor(arr.transpose(0, 3, 1, 2))
        raise ValueError(f"ToTensor.batch expects NHW or NHWC images, got shape {arr.shape}")


def _per_channel(values: Any, name: str) -> np.ndarray:
    if isinstance(values, numbers.Number):
        values = [values]
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"Normalize: {name} must not be empty")
    return arr


class Normalize(Transform):
    """``(x - mean[c]) / std[c]`` for each channel ``c`` of a float CHW tensor (or an NCHW batch).

    Args:
        mean: per-channel means (one value is used for every channel).
        std: per-channel standard deviations, nonzero.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.data.transforms import Normalize
        >>> Normalize(mean=(0.5, 0.0), std=(0.5, 2.0))(mt.ones(2, 1, 2))
        tensor([[[1. , 1. ]],
        <BLANKLINE>
                [[0.5, 0.5]]])
    """

    supports_batch = True

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = _per_channel(mean, "mean")
        self.std = _per_channel(std, "std")
        if (self.std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to float, leading to division by zero: "
                             f"std={tuple(self.std.tolist())}")
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")
        self._cache: dict[Any, tuple[Any, Any]] = {}

    def _stats(self, x: Any) -> tuple[Any, Any]:
        channels = x.shape[-3]
        if max(len(self.mean), len(self.std)) not in (1, channels):
            raise ValueError(f"Normalize: the image has {channels} channels but mean/std have "
                             f"{len(self.mean)}/{len(self.std)} values")
        if isinstance(x, np.ndarray):
            return self.mean.astype(x.dtype)[:, None, None], self.std.astype(x.dtype)[:, None, None]
        key = (x.dtype, x._backend.name, x.device)
        if key not in self._cache:
            mean = from_host(self.mean.astype(x.dtype.numpy)[:, None, None], x.dtype, backend=x._backend)
            std = from_host(self.std.astype(x.dtype.numpy)[:, None, None], x.dtype, backend=x._backend)
            self._cache[key] = (mean, std)
        return self._cache[key]

    def __call__(self, tensor: Any) -> Any:
        if isinstance(tensor, Tensor):
            if not tensor.is_floating_point():
                raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        elif isinstance(tensor, np.ndarray):
            if tensor.dtype.kind != "f":
                raise TypeError(f"Input array should be a float array. Got {tensor.dtype}.")
        else:
            raise TypeError(f"Normalize expects a float Tensor, got {type(tensor).__name__}")
        if tensor.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got shape "
                             f"{tuple(tensor.shape)}.")
        mean, std = self._stats(tensor)
        return (tensor - mean) / std

    def batch(self, tensors: Any) -> Any:
        """An NCHW batch: the same computation (mean and std broadcast over the batch)."""
        return self(tensors)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.detach()) if isinstance(x, Tensor) else np.asarray(x)


def _like(arr: np.ndarray, x: Any) -> Any:
    """``arr`` in the form of ``x``: a tensor on ``x``'s backend, or a NumPy array."""
    if isinstance(x, Tensor):
        return from_host(np.ascontiguousarray(arr, dtype=x.dtype.numpy), x.dtype, backend=x._backend)
    return np.ascontiguousarray(arr)


def _spatial_axes(x: Any, batched: bool) -> tuple[int, int]:
    """The (height, width) axes: NumPy images are HW/HWC (NHW/NHWC), tensors CHW (NCHW)."""
    if isinstance(x, Tensor):
        if x.ndim < 2 + batched:
            raise ValueError(f"expected a tensor image of shape (..., H, W), got {tuple(x.shape)}")
        return x.ndim - 2, x.ndim - 1
    if x.ndim not in (2 + batched, 3 + batched):
        raise ValueError(f"expected a NumPy image of shape {'N' if batched else ''}HW or "
                         f"{'N' if batched else ''}HWC, got {x.shape}")
    return int(batched), int(batched) + 1


class RandomHorizontalFlip(Transform):
    """Mirror the image left to right with probability ``p``.

    Works on NumPy images (HW/HWC) and tensors (CHW); ``batch`` flips each sample independently. Draws
    one uniform number per sample from ``generator`` (default: minitorch's default generator).

    Args:
        p: probability of flipping.
        generator: an ``mt.Generator`` for the draws.

    Example:
        >>> import numpy as np
        >>> from minitorch.data.transforms import RandomHorizontalFlip
        >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]]))
        array([[3, 2, 1]])
    """

    supports_batch = True

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"p must lie in [0, 1], got {p}")
        self.p = float(p)
        self.generator = generator

    def __call__(self, img: Any) -> Any:
        w_axis = _spatial_axes(img, False)[1]
        if _host_generator(self.generator).random() < self.p:
            return _like(np.flip(_host(img), axis=w_axis), img)
        return img

    def batch(self, imgs: Any) -> Any:
        """Flip each sample of a batch (NHW/NHWC arrays or NCHW tensors) independently."""
        w_axis = _spatial_axes(imgs, True)[1]
        flip = _host_generator(self.generator).random(len(imgs)) < self.p
        if not flip.any():
            return imgs
        arr = np.array(_host(imgs), copy=True)
        arr[flip] = np.flip(arr[flip], axis=w_axis)
        return _like(arr, imgs)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def _pair(size: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(size, numbers.Integral):
        return int(size), int(size)
    size = tuple(int(s) for s in size)
    if len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(f"{name} must be an int or a sequence of 1 or 2 ints, got {size}")
    return size  # type: ignore[return-value]


def _padding(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """torchvision's padding forms as (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        p = int(padding)
        return p, p, p, p
    pad = tuple(int(v) for v in padding)
    if len(pad) == 1:
        return pad * 4  # type: ignore[return-value]
    if len(pad) == 2:
        return pad[0], pad[1], pad[0], pad[1]
    if len(pad) == 4:
        return pad  # type: ignore[return-value]
    raise ValueError(f"padding must be an int or a sequence of 1, 2 or 4 ints, got {padding}")


class RandomCrop(Transform):
    """Crop a random ``size`` window, after optional constant padding, as ``torchvision.transforms.RandomCrop``.

    Works on NumPy images (HW/HWC) and tensors (CHW); ``batch`` draws a window per sample. The top and
    left offsets are ``floor(u * (H - h + 1))`` and ``floor(v * (W - w + 1))`` for two uniform draws
    ``u, v`` from ``generator`` (default: minitorch's default generator); no draws when the image already
    has the crop size.

    Args:
        size: output (h, w), or one int for a square.
        padding: pixels added first: an int for every side, (left/right, top/bottom), or (left, top, right, bottom).
        pad_if_needed: pad images smaller than ``size`` (by the missing amount on both sides, as torchvision).
        fill: the padding value.
        generator: an ``mt.Generator`` for the draws.

    Example:
        >>> import numpy as np
        >>> from minitorch.data.transforms import RandomCrop
        >>> RandomCrop(28, padding=2)(np.ones((28, 28), np.uint8)).shape
        (28, 28)
    """

    supports_batch = True

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0, generator: Generator | None = None) -> None:
        self.size = _pair(size, "size")
        self.padding = None if padding is None else _padding(padding)
        if self.padding is not None and min(self.padding) < 0:
            raise ValueError(f"padding must be non-negative, got {padding}")
        self.pad_if_needed = bool(pad_if_needed)
        self.fill = fill
        self.generator = generator

    def _pad(self, arr: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
        left = top = right = bottom = 0
        if self.padding is not None:
            left, top, right, bottom = self.padding
        h, w = arr.shape[axes[0]] + top + bottom, arr.shape[axes[1]] + left + right
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            left, right = left + tw - w, right + tw - w
        if self.pad_if_needed and h < th:
            top, bottom = top + th - h, bottom + th - h
        if not (left or top or right or bottom):
            return arr
        widths = [(0, 0)] * arr.ndim
        widths[axes[0]], widths[axes[1]] = (top, bottom), (left, right)
        return np.pad(arr, widths, mode="constant", constant_values=self.fill)

    def _offsets(self, h: int, w: int, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        th, tw = self.size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        count = 1 if n is None else n
        if h == th and w == tw:
            zeros = np.zeros(count, dtype=np.int64)
            return zeros, zeros
        u = _host_generator(self.generator).random((count, 2))
        return (u[:, 0] * (h - th + 1)).astype(np.int64), (u[:, 1] * (w - tw + 1)).astype(np.int64)

    def __call__(self, img: Any) -> Any:
        axes = _spatial_axes(img, False)
        arr = self._pad(_host(img), axes)
        top, left = self._offsets(arr.shape[axes[0]], arr.shape[axes[1]], None)
        window = [slice(None)] * arr.ndim
        window[axes[0]] = slice(int(top[0]), int(top[0]) + self.size[0])
        window[axes[1]] = slice(int(left[0]), int(left[0]) + self.size[1])
        return _like(arr[tuple(window)], img)

    def batch(self, imgs: Any) -> Any:
        """Crop each sample of a batch (NHW/NHWC arrays or NCHW tensors) at its own random window."""
        axes = _spatial_axes(imgs, True)
        arr = self._pad(_host(imgs), axes)
        top, left = self._offsets(arr.shape[axes[0]], arr.shape[axes[1]], len(arr))
        th, tw = self.size
        out_shape = list(arr.shape)
        out_shape[axes[0]], out_shape[axes[1]] = th, tw
        out = np.empty(out_shape, dtype=arr.dtype)
        window = [slice(None)] * (arr.ndim - 1)
        ha, wa = axes[0] - 1, axes[1] - 1
        for i, (t, lf) in enumerate(zip(top.tolist(), left.tolist())):
            window[ha], window[wa] = slice(t, t + th), slice(lf, lf + tw)
            out[i] = arr[i][tuple(window)]
        return _like(out, imgs)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"
