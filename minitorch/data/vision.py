"""VisionDataset: the shared base of the image datasets (uint8 images, int64 labels, transforms, batched access)."""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..tensor import Tensor
from .dataset import BatchedSamples, Dataset, _as_index_array
from .download import data_root, describe_root

__all__ = ["VisionDataset"]


class VisionDataset(Dataset):
    """An in-memory image classification dataset.

    ``data`` is a NumPy uint8 array of images (N, H, W) or (N, H, W, C); ``targets`` an int64 tensor of
    labels (on the numpy backend it shares memory with the array the dataset reads, so writing into it
    changes the labels). ``dataset[i]`` is ``(image, label)``: the image a uint8 NumPy array (H, W) or
    (H, W, C), like the PIL image torchvision gives, unless ``transform`` is set; the label a Python int
    (or ``target_transform(label)``). ``__getitems__`` returns a whole batch at once, transforming it in
    one call when the transform is batch-capable (``transform.supports_batch``).

    Args:
        root: the data folder (default ``$MINITORCH_DATA``, else ``~/.cache/minitorch``).
        transform: applied to each image.
        target_transform: applied to each label.

    Example:
        >>> import numpy as np
        >>> from minitorch.data.vision import VisionDataset
        >>> ds = VisionDataset(transform=None)
        >>> ds.data, ds.targets = np.zeros((3, 2, 2), np.uint8), np.array([0, 1, 1])
        >>> len(ds), ds[2][1], ds.targets
        (3, 1, tensor([0, 1, 1]))
    """

    classes: list[str] = []

    def __init__(self, root: str | os.PathLike | None = None, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None) -> None:
        self._root_arg = root
        self.root: Path = data_root(root)
        self.transform = transform
        self.target_transform = target_transform
        self.data: np.ndarray = np.zeros((0, 0, 0), np.uint8)
        self._labels = np.zeros(0, np.int64)
        self._targets_tensor: Tensor | None = None

    @property
    def targets(self) -> Tensor:
        """The labels as an int64 tensor."""
        if self._targets_tensor is None:
            self._targets_tensor = from_numpy(self._labels)
        return self._targets_tensor

    @targets.setter
    def targets(self, value: Any) -> None:
        arr = np.asarray(value.detach() if isinstance(value, Tensor) else value)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(f"targets must be a 1-D sequence of integer labels, got {arr.dtype} of shape {arr.shape}")
        self._labels = arr.astype(np.int64, copy=False)
        self._targets_tensor = value if isinstance(value, Tensor) and arr is self._labels else None

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name -> label."""
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        index = operator.index(index)
        img, target = self.data[index].copy(), int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices: Sequence[int]) -> BatchedSamples:
        """The samples at ``indices`` as one :class:`BatchedSamples` (images, labels)."""
        idx = _as_index_array(indices)
        imgs, labels = self.data[idx], self._labels[idx]
        img_col, img_stacked = _apply(self.transform, imgs, lambda x: x)
        lab_col, lab_stacked = _apply(self.target_transform, labels, int)
        return BatchedSamples((img_col, lab_col), (img_stacked, lab_stacked))

    def _split_name(self) -> str:
        return "Train" if getattr(self, "train", True) else "Test"

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {self._split_name()}"]
        if self.transform is not None:
            lines.append("    Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append("    Target transform: " + repr(self.target_transform).replace("\n", "\n    "))
        return "\n".join(lines)

    def _missing_message(self, missing: Sequence[Path], folder: Path, sources: str) -> str:
        """The error text for missing files: which, where they were looked for, how to supply them."""
        listing = "\n".join(f"  {p}" for p in missing)
        return (f"{type(self).__name__} ({self._split_name().lower()} split): {len(missing)} dataset "
                f"file{'s are' if len(missing) > 1 else ' is'} missing:\n{listing}\n"
                f"Looked in {folder} (root {self.root}: {describe_root(self._root_arg)}).\n"
                "To supply them, either:\n"
                f"  - pass download=True to fetch them from {sources},\n"
                f"  - set MINITORCH_DATA (or pass root=) to a folder holding {folder.name}/ with these files, or\n"
                f"  - copy the files into {folder}{os.sep}")


def _apply(transform: Callable[[Any], Any] | None, batch: np.ndarray,
           to_sample: Callable[[Any], Any]) -> tuple[Any, bool]:
    """A transformed column: one ``transform.batch`` call when supported, else sample by sample."""
    if transform is None:
        return batch, True
    if getattr(transform, "supports_batch", False):
        return transform.batch(batch), True  # type: ignore[attr-defined]
    return [transform(to_sample(x)) for x in batch], False
