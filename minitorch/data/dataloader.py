"""DataLoader: batches of a map-style dataset, optionally shuffled each epoch, collated into tensors."""

from __future__ import annotations

import collections.abc
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..dtypes import get_default_dtype
from ..functions import stack
from ..random import Generator, _host_generator
from ..tensor import Tensor
from .dataset import BatchedSamples

__all__ = ["DataLoader", "default_collate"]


def _array_to_tensor(arr: np.ndarray) -> Tensor:
    """A NumPy batch as a tensor: bool stays bool, any integer becomes int64, float32/float64 stay."""
    kind = arr.dtype.kind
    if kind == "b":
        return from_numpy(np.ascontiguousarray(arr))
    if kind in "iu":
        return from_numpy(np.ascontiguousarray(arr, dtype=np.int64))
    if kind == "f":
        target = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float32
        return from_numpy(np.ascontiguousarray(arr, dtype=target))
    raise TypeError(f"default_collate: can't make a tensor from NumPy arrays of dtype {arr.dtype}")


def default_collate(batch: Sequence[Any]) -> Any:
    """Combine a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors are stacked; NumPy arrays and NumPy scalars become tensors (bool stays bool, every integer
    dtype including uint8 becomes int64, float32/float64 are kept); Python ints become int64, Python floats
    the default float dtype (float32; PyTorch gives float64 here) and bools bool. Tuples and lists are
    collated field by field into a list; dicts key by key; named tuples keep their type; strings stay a list.
    A :class:`BatchedSamples` (from a dataset's ``__getitems__``) is converted column by column without
    touching single samples.

    Args:
        batch: the samples.

    Returns:
        The batch.

    Example:
        >>> import numpy as np
        >>> from minitorch.data import default_collate
        >>> x, y = default_collate([(np.zeros(2, np.uint8), 1), (np.ones(2, np.uint8), 0)])
        >>> x
        tensor([[0, 0],
                [1, 1]])
        >>> y
        tensor([1, 0])
    """
    if isinstance(batch, BatchedSamples):
        return [_collate_column(c) if s else default_collate(c) for c, s in zip(batch.columns, batch.stacked)]
    if len(batch) == 0:
        raise ValueError("default_collate got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUSV":
            raise TypeError(f"default_collate: NumPy arrays of dtype {elem.dtype} can't become tensors")
        return _array_to_tensor(np.stack(batch))
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return _array_to_tensor(np.array(batch))
    if isinstance(elem, bool):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return from_numpy(np.array(batch, dtype=get_default_dtype().numpy))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(s) != size for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def _collate_column(column: Any) -> Any:
    if isinstance(column, Tensor):
        return column
    if isinstance(column, np.ndarray):
        return _array_to_tensor(column)
    return default_collate(column)


class DataLoader:
    """Iterate over a map-style dataset in batches, as ``torch.utils.data.DataLoader`` (single process).

    Each batch is fetched with one ``dataset.__getitems__(indices)`` call when the dataset has that method
    (MNIST, FashionMNIST, CIFAR10, TensorDataset and Subset do, applying batch-capable transforms to the
    whole batch), else sample by sample with ``dataset[i]``; then ``collate_fn`` combines it.

    Args:
        dataset: the dataset (``__len__`` and ``__getitem__``).
        batch_size: samples per batch.
        shuffle: draw a fresh random order at the start of every epoch (every ``iter(loader)``).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: the ``mt.Generator`` that draws the order (default: minitorch's default generator,
            so ``mt.manual_seed`` makes runs repeatable).
        collate_fn: combines a list of samples into a batch (default: :func:`default_collate`).
        num_workers, pin_memory, persistent_workers: accepted so PyTorch scripts run unchanged; batches
            are always loaded in this process (whole-batch fetching makes worker processes unnecessary),
            and the batches are the same as PyTorch's for any value.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(mt.arange(10), mt.arange(10) * 10)
        >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(0))
        >>> len(loader), [x.shape for x, y in loader]
        (3, [(4,), (4,), (2,)])
        >>> bool(all((y == 10 * x).all() for x, y in loader))
        True
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator: Generator | None = None, collate_fn: Callable[[Any], Any] | None = None, *,
                 num_workers: int = 0, pin_memory: bool = False, persistent_workers: bool = False) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"num_workers should be a non-negative integer, got {num_workers!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a minitorch Generator, got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else default_collate

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = _host_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        fetch = getattr(self.dataset, "__getitems__", None)
        for start in range(0, stop, bs):
            indices = order[start:start + bs].tolist()
            samples = fetch(indices) if fetch is not None else [self.dataset[i] for i in indices]
            yield self.collate_fn(samples)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
