"""CIFAR-10 from the canonical binary batches (cifar-10-batches-bin/*.bin), never from pickles."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .download import CorruptFileError, DatasetNotFoundError, check_md5, download_url, extract_tar
from .vision import VisionDataset

__all__ = ["CIFAR10"]

_RECORD = 1 + 3 * 32 * 32  # one label byte, then the red, green and blue 32x32 planes


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

    Reads the binary version: ``root/cifar-10-batches-bin/data_batch_{1..5}.bin`` (train) or
    ``test_batch.bin`` (test), each a sequence of 3,073-byte records (a label byte, then 1,024 red,
    1,024 green and 1,024 blue bytes, row by row). ``data`` is a uint8 NumPy array (N, 32, 32, 3) (HWC,
    as torchvision), ``targets`` an int64 tensor; ``dataset[i]`` is ``(image, label)`` with the image a
    uint8 (32, 32, 3) NumPy array unless ``transform`` is given (``ToTensor`` makes it CHW).

    Args:
        root: the data folder (default ``$MINITORCH_DATA``, else ``~/.cache/minitorch``).
        train: the training batches, else the test batch.
        download: when batch files are missing, fetch ``cifar-10-binary.tar.gz`` from ``url`` (MD5-checked)
            into the root and extract it (safely: no absolute paths, ``..`` or links).
        transform: applied to each image (to whole batches in ``__getitems__`` when batch-capable).
        target_transform: applied to each label.
        verify: also require the official file sizes (10,000 records each); the record structure and
            label range are always checked.

    Raises:
        DatasetNotFoundError: batch files are missing (the message says which, where, and how to supply them).
        CorruptFileError: a file is not a whole number of records, or has a label outside 0-9.

    Example:
        >>> import os, tempfile, numpy as np
        >>> from minitorch.data import CIFAR10
        >>> with tempfile.TemporaryDirectory() as root:
        ...     os.mkdir(os.path.join(root, "cifar-10-batches-bin"))
        ...     records = np.zeros((2, 3073), np.uint8); records[:, 0] = [3, 8]; records[1, 1:1025] = 255
        ...     records.tofile(os.path.join(root, "cifar-10-batches-bin", "test_batch.bin"))
        ...     ds = CIFAR10(root, train=False, verify=False)
        >>> len(ds), ds.data.shape, ds.classes[ds[1][1]], ds[1][0][0, 0].tolist()
        (2, (2, 32, 32, 3), 'ship', [255, 0, 0])
    """

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    records_per_file = 10000
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, download: bool = False,
                 transform: Callable[[Any], Any] | None = None, target_transform: Callable[[Any], Any] | None = None,
                 *, verify: bool = True) -> None:
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        self.folder_path = self.root / self.base_folder
        if download:
            self.download()
        paths = [self.folder_path / name for name in (self.train_list if self.train else self.test_list)]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise DatasetNotFoundError(self._missing_message(
                missing, self.folder_path, f"{self.url} (then extracted)"))
        images, labels = zip(*(self._load(p, verify) for p in paths))
        self.data = np.concatenate(images) if len(images) > 1 else images[0]
        self.targets = np.concatenate(labels).astype(np.int64)

    def _load(self, path: Path, verify: bool) -> tuple[np.ndarray, np.ndarray]:
        raw = path.read_bytes()
        n, extra = divmod(len(raw), _RECORD)
        if extra or n == 0:
            raise CorruptFileError(
                f"{path}: {len(raw):,} bytes is not a whole, nonzero number of {_RECORD:,}-byte records (1 label "
                f"byte + 3,072 pixel bytes): {n:,} records and {extra:,} bytes left over; the file is truncated "
                "or not a CIFAR-10 binary batch")
        if verify and n != self.records_per_file:
            raise CorruptFileError(
                f"{path}: {n:,} records ({len(raw):,} bytes), but official CIFAR-10 batch files have "
                f"{self.records_per_file:,} ({self.records_per_file * _RECORD:,} bytes); the file is truncated "
                "(pass verify=False to read files of other sizes)")
        records = np.frombuffer(raw, dtype=np.uint8).reshape(n, _RECORD)
        labels = records[:, 0]
        if labels.max() >= len(self.classes):
            bad = int(np.argmax(labels >= len(self.classes)))
            raise CorruptFileError(f"{path}: record {bad} has label {labels[bad]}, outside 0-9; the file is corrupt "
                                   "or in another format (CIFAR-100 records have 2 label bytes)")
        # CHW planes -> HWC images; the copy makes the array contiguous and writable
        images = np.ascontiguousarray(records[:, 1:].reshape(n, 3, 32, 32).transpose(0, 2, 3, 1))
        return images, labels.copy()

    def _have_all(self) -> bool:
        return all((self.folder_path / name).is_file() for name in self.train_list + self.test_list)

    def download(self) -> None:
        """Fetch and extract the archive unless every batch file is already there."""
        if self._have_all():
            return
        archive = self.root / self.filename
        if not check_md5(archive, self.tgz_md5):
            download_url(self.url, archive, md5=self.tgz_md5)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".cifar-10-extract-"))
        try:
            extract_tar(archive, tmp)
            extracted = tmp / self.base_folder
            lacking = [n for n in self.train_list + self.test_list if not (extracted / n).is_file()]
            if lacking:
                raise CorruptFileError(f"{archive}: the archive lacks {self.base_folder}/ {', '.join(lacking)}")
            self.folder_path.mkdir(parents=True, exist_ok=True)
            for item in extracted.iterdir():
                if item.is_file():
                    os.replace(item, self.folder_path / item.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
