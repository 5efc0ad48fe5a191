"""MNIST and Fashion-MNIST from the canonical gzip IDX files, sharing the IDXDataset base; IDX read/write."""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .download import ChecksumError, CorruptFileError, DatasetNotFoundError, download_from_mirrors
from .vision import VisionDataset

__all__ = ["IDXDataset", "MNIST", "FashionMNIST", "read_idx", "write_idx", "parse_idx"]

# IDX type codes (third magic byte) -> big-endian element type.
_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_IDX_CODES = {np.dtype(v).newbyteorder("=").str: k for k, v in _IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse uncompressed IDX bytes into an array, checking the magic number and that the size fits the header.

    Args:
        raw: the file contents (not gzip-compressed).
        name: the file name for error messages.

    Returns:
        A read-only array viewing ``raw`` (uint8/int8), or a native-endian copy for wider types.

    Raises:
        CorruptFileError: bad magic number, or the data is shorter or longer than the header dims say.

    Example:
        >>> from minitorch.data import parse_idx
        >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
        array([7, 8, 9], dtype=uint8)
    """
    if len(raw) < 4:
        raise CorruptFileError(f"{name}: truncated: {len(raw)} bytes, too short for an IDX header")
    code, ndim = raw[2], raw[3]
    if raw[:2] != b"\0\0" or code not in _IDX_TYPES or ndim == 0:
        magic = int.from_bytes(raw[:4], "big")
        hint = " (it looks like gzip data that was not decompressed)" if raw[:2] == _GZIP_MAGIC else ""
        raise CorruptFileError(
            f"{name}: bad magic number 0x{magic:08X}{hint}: not an IDX file. IDX files start with two zero bytes, "
            "a type code (0x08 = uint8) and the number of dimensions: 0x00000803 (2051) for image files, "
            "0x00000801 (2049) for label files")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorruptFileError(f"{name}: truncated: the header declares {ndim} dimensions ({header} header bytes) "
                               f"but the file has only {len(raw)} bytes")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_TYPES[code]
    count = math.prod(dims)
    expected, actual = count * dtype.itemsize, len(raw) - header
    shape = " x ".join(str(d) for d in dims)
    if actual < expected:
        raise CorruptFileError(f"{name}: truncated: the header declares {shape} {dtype.name} values "
                               f"({expected:,} data bytes) but only {actual:,} data bytes follow")
    if actual > expected:
        raise CorruptFileError(f"{name}: {actual - expected:,} unexpected bytes after the {expected:,} data bytes "
                               f"the header ({shape}) declares")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(dims)
    return arr if dtype.itemsize == 1 else arr.astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> tuple[bytes, str]:
    """The decompressed contents of an IDX file (gzip detected by its magic bytes) and the file's MD5."""
    raw = path.read_bytes()
    md5 = hashlib.md5(raw).hexdigest()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptFileError(f"{path}: corrupt or truncated gzip data ({exc}); delete the file and "
                                   "download it again") from None
    return raw, md5


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not, into a NumPy array.

    Args:
        path: the file.

    Raises:
        CorruptFileError: bad gzip data, bad magic number, truncated or oversized data.

    Example:
        >>> import tempfile, os, numpy as np
        >>> from minitorch.data import read_idx, write_idx
        >>> with tempfile.TemporaryDirectory() as d:
        ...     write_idx(os.path.join(d, "x-idx2-ubyte.gz"), np.arange(6, dtype=np.uint8).reshape(2, 3))
        ...     read_idx(os.path.join(d, "x-idx2-ubyte.gz"))
        array([[0, 1, 2],
               [3, 4, 5]], dtype=uint8)
    """
    p = Path(path)
    return parse_idx(_read_bytes(p)[0], str(p))


def write_idx(path: str | os.PathLike, array: Any) -> None:
    """Write an array as an IDX file, gzip-compressed when ``path`` ends in ``.gz``.

    Args:
        path: the destination.
        array: uint8, int8, int16, int32, float32 or float64 values, at least 1-D.

    Example:
        >>> import tempfile, os, numpy as np
        >>> from minitorch.data import read_idx, write_idx
        >>> with tempfile.TemporaryDirectory() as d:
        ...     write_idx(os.path.join(d, "labels-idx1-ubyte"), np.array([3, 1], np.uint8))
        ...     open(os.path.join(d, "labels-idx1-ubyte"), "rb").read()
        b'\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x02\\x03\\x01'
    """
    arr = np.asarray(array)
    code = _IDX_CODES.get(arr.dtype.newbyteorder("=").str)
    if code is None or arr.ndim == 0:
        raise TypeError(f"write_idx: IDX holds uint8, int8, int16, int32, float32 or float64 arrays of at least "
                        f"one dimension, got {arr.dtype} of shape {arr.shape}")
    body = struct.pack(f">BBBB{arr.ndim}I", 0, 0, code, arr.ndim, *arr.shape)
    body += np.ascontiguousarray(arr, dtype=_IDX_TYPES[code]).tobytes()
    if str(path).endswith(".gz"):
        body = gzip.compress(body, mtime=0)
    Path(path).write_bytes(body)


class IDXDataset(VisionDataset):
    """Base of the datasets stored as a pair of gzip IDX files (images, labels) per split, as MNIST is.

    A subclass sets ``folder`` (the subfolder of the root), ``files`` (per split: the image file and the
    label file), ``md5s`` (file -> official MD5; files not listed are not checked), ``mirrors`` (base URLs
    for ``download=True``) and ``classes``. Files are read once with ``numpy.frombuffer``; ``data`` is a
    NumPy uint8 array (N, H, W), ``targets`` an int64 tensor, and ``dataset[i]`` is ``(image, label)`` with
    the image a uint8 (H, W) NumPy array unless ``transform`` is given (see :class:`VisionDataset`).

    Args:
        root: the data folder; files are looked for in ``root/<folder>/`` (default root:
            ``$MINITORCH_DATA``, else ``~/.cache/minitorch``).
        train: the training split, else the test split.
        download: fetch missing (or damaged) files from ``mirrors`` first, with MD5 check.
        transform: applied to each image (to whole batches in ``__getitems__`` when batch-capable).
        target_transform: applied to each label.
        verify: check the files' MD5s against ``md5s`` (set False to read your own IDX files).

    Raises:
        DatasetNotFoundError: files are missing (the message says which, where, and how to supply them).
        CorruptFileError: a file is damaged (bad gzip data or magic number, truncated, wrong checksum).

    Example:
        >>> import os, tempfile, numpy as np
        >>> from minitorch.data import IDXDataset, write_idx
        >>> class Tiny(IDXDataset):
        ...     folder, classes = "tiny", ["even", "odd"]
        ...     files = {"train": ("imgs-idx3-ubyte.gz", "labels-idx1-ubyte.gz")}
        >>> with tempfile.TemporaryDirectory() as root:
        ...     os.mkdir(os.path.join(root, "tiny"))
        ...     write_idx(os.path.join(root, "tiny", "imgs-idx3-ubyte.gz"), np.zeros((3, 4, 4), np.uint8))
        ...     write_idx(os.path.join(root, "tiny", "labels-idx1-ubyte.gz"), np.array([0, 1, 0], np.uint8))
        ...     ds = Tiny(root)
        >>> len(ds), ds.data.shape, ds[1][1], ds.classes[ds[1][1]]
        (3, (3, 4, 4), 1, 'odd')
    """

    folder: str = ""
    files: dict[str, tuple[str, str]] = {}
    md5s: dict[str, str] = {}
    mirrors: tuple[str, ...] = ()

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, download: bool = False,
                 transform: Callable[[Any], Any] | None = None, target_transform: Callable[[Any], Any] | None = None,
                 *, verify: bool = True) -> None:
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        self.folder_path = self.root / self.folder
        split = "train" if self.train else "test"
        if split not in self.files:
            raise ValueError(f"{type(self).__name__} has no {split} split")
        if download:
            self.download()
        paths = [self.folder_path / name for name in self.files[split]]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise DatasetNotFoundError(self._missing_message(
                missing, self.folder_path, " then ".join(self.mirrors) or "(no mirror is known)"))
        images = self._load(paths[0], 3, "image", verify)
        labels = self._load(paths[1], 1, "label", verify)
        if len(images) != len(labels):
            raise CorruptFileError(f"{paths[0]} has {len(images):,} images but {paths[1]} has {len(labels):,} "
                                   "labels; the files do not belong together")
        if self.classes and labels.size and labels.max() >= len(self.classes):
            bad = int(np.argmax(labels >= len(self.classes)))
            raise CorruptFileError(f"{paths[1]}: label {labels[bad]} at index {bad} is outside 0..."
                                   f"{len(self.classes) - 1}")
        self.data = images.copy()  # writable, and no longer pinning the decompressed file bytes
        self.targets = labels.astype(np.int64)

    def _load(self, path: Path, ndim: int, kind: str, verify: bool) -> np.ndarray:
        raw, md5 = _read_bytes(path)
        arr = parse_idx(raw, str(path))
        if arr.ndim != ndim or arr.dtype != np.uint8:
            raise CorruptFileError(
                f"{path}: expected a uint8 {kind} file with {ndim} dimension{'s' if ndim > 1 else ''} (magic "
                f"0x0000080{ndim}), got {arr.ndim} dimension(s) of {arr.dtype}; are the image and label files "
                "swapped?")
        expected = self.md5s.get(path.name)
        if verify and expected is not None and md5 != expected:
            raise ChecksumError(
                f"{path}: checksum mismatch: expected MD5 {expected}, got {md5} ({path.stat().st_size:,} bytes). "
                f"It is not the official {path.name}: delete it and pass download=True, or copy the official "
                "file there (or pass verify=False to read your own IDX files)")
        return arr

    def download(self) -> None:
        """Fetch every file of both splits that is missing or fails its MD5 check, from the first working mirror."""
        for names in self.files.values():
            for name in names:
                download_from_mirrors(name, self.mirrors, self.folder_path, self.md5s.get(name))


_MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
                "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


class MNIST(IDXDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grayscale images, labels 0-9.

    Reads ``root/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` and checks their official MD5s.
    ``data`` is a uint8 NumPy array (N, 28, 28), ``targets`` an int64 tensor; ``dataset[i]`` is
    ``(image, label)``, the image a uint8 (28, 28) NumPy array unless ``transform`` is given.
    See :class:`IDXDataset` for the arguments.

    Example:
        >>> import tempfile
        >>> from minitorch.data import MNIST
        >>> with tempfile.TemporaryDirectory() as empty:
        ...     try:
        ...         MNIST(root=empty)
        ...     except FileNotFoundError as e:
        ...         print(str(e).splitlines()[0])
        MNIST (train split): 2 dataset files are missing:
    """

    folder = "mnist"
    files = _MNIST_FILES
    md5s = {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    mirrors = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://yann.lecun.com/exdb/mnist/")
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]


class FashionMNIST(IDXDataset):
    """Fashion-MNIST (Zalando): 60,000 + 10,000 28x28 grayscale clothing images in 10 classes, MNIST's format.

    Reads ``root/fashion-mnist/`` with the same file names as MNIST and checks their official MD5s.
    See :class:`IDXDataset` for the arguments and :class:`MNIST` for what items look like.

    Example:
        >>> from minitorch.data import FashionMNIST
        >>> FashionMNIST.classes[9], FashionMNIST.folder
        ('Ankle boot', 'fashion-mnist')
    """

    folder = "fashion-mnist"
    files = _MNIST_FILES
    md5s = {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"}
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
