"""Datasets (MNIST, Fashion-MNIST, CIFAR-10), DataLoader and transforms, with PyTorch/torchvision names.

Example:
    >>> import minitorch as mt
    >>> from minitorch.data import DataLoader, TensorDataset, random_split
    >>> ds = TensorDataset(mt.randn(100, 3), mt.randint(0, 2, (100,)))
    >>> train, val = random_split(ds, [0.8, 0.2], generator=mt.Generator().manual_seed(0))
    >>> x, y = next(iter(DataLoader(train, batch_size=32, shuffle=True)))
    >>> x.shape, y.dtype
    ((32, 3), minitorch.int64)
"""

from . import transforms
from .cifar import CIFAR10
from .dataloader import DataLoader, default_collate
from .dataset import BatchedSamples, Dataset, Subset, TensorDataset, random_split
from .download import (
    ChecksumError,
    CorruptFileError,
    DatasetNotFoundError,
    DownloadError,
    check_md5,
    data_root,
    download_from_mirrors,
    download_url,
    extract_tar,
    md5sum,
)
from .mnist import MNIST, FashionMNIST, IDXDataset, parse_idx, read_idx, write_idx
from .vision import VisionDataset

__all__ = [
    "BatchedSamples", "CIFAR10", "ChecksumError", "CorruptFileError", "DataLoader", "Dataset",
    "DatasetNotFoundError", "DownloadError", "FashionMNIST", "IDXDataset", "MNIST", "Subset", "TensorDataset",
    "VisionDataset", "check_md5", "data_root", "default_collate", "download_from_mirrors", "download_url",
    "extract_tar", "md5sum", "parse_idx", "random_split", "read_idx", "transforms", "write_idx",
]
