"""Map-style datasets as in ``torch.utils.data``: Dataset, TensorDataset, Subset, random_split, batched access."""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..random import Generator, _host_generator
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "BatchedSamples"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__(index)`` and ``__len__()``.

    A subclass may also define ``__getitems__(indices)`` (as in PyTorch) returning the samples of a whole
    batch at once, usually as :class:`BatchedSamples`; :class:`~minitorch.data.DataLoader` then fetches
    each batch with one call instead of one call per sample.

    Example:
        >>> from minitorch.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i, i * i
        >>> Squares()[3]
        (3, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class BatchedSamples(Sequence):
    """The samples of one batch stored column-wise: one batched array/tensor per field of the sample tuple.

    It behaves as the list of sample tuples (so custom ``collate_fn`` functions work unchanged), while
    ``default_collate`` turns each stacked column into a tensor in one step. A column that is not stacked
    is a plain list holding that field of each sample.

    Args:
        columns: one entry per sample field; each a NumPy array or Tensor with the batch on axis 0
            (``stacked``) or a list of per-sample values.
        stacked: per column, whether it is batched along axis 0 (default: arrays and tensors are).

    Example:
        >>> import numpy as np
        >>> from minitorch.data import BatchedSamples
        >>> b = BatchedSamples([np.zeros((2, 3)), np.array([4, 5])])
        >>> len(b), b[1][1]
        (2, 5)
    """

    def __init__(self, columns: Sequence[Any], stacked: Sequence[bool] | None = None) -> None:
        self.columns = tuple(columns)
        if stacked is None:
            stacked = [isinstance(c, (np.ndarray, Tensor)) for c in self.columns]
        self.stacked = tuple(bool(s) for s in stacked)
        if len(self.stacked) != len(self.columns):
            raise ValueError(f"BatchedSamples: {len(self.columns)} columns but {len(self.stacked)} stacked flags")
        sizes = {len(c) for c in self.columns}
        if len(sizes) > 1:
            raise ValueError(f"BatchedSamples: columns have different lengths {sorted(sizes)}")
        self._n = sizes.pop() if sizes else 0

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        i = operator.index(i)
        if not -self._n <= i < self._n:
            raise IndexError(f"sample {i} out of range for a batch of {self._n}")
        return tuple(_row(c, i) if s else c[i] for c, s in zip(self.columns, self.stacked))

    def __iter__(self) -> Iterator[tuple]:
        return (self[i] for i in range(self._n))

    def __repr__(self) -> str:
        kinds = [f"{type(c).__name__}{tuple(c.shape)}" if s else f"list[{len(c)}]"
                 for c, s in zip(self.columns, self.stacked)]
        return f"BatchedSamples({', '.join(kinds)})"


def _row(column: Any, i: int) -> Any:
    """Row ``i`` of a stacked column; a 1-D NumPy column gives a Python scalar, as a per-sample dataset would."""
    if isinstance(column, np.ndarray) and column.ndim == 1:
        return column[i].item()
    return column[i]


def _as_index_array(indices: Any) -> np.ndarray:
    if isinstance(indices, Tensor):
        indices = indices.detach().numpy()
    arr = np.asarray(indices)
    if arr.size == 0:
        return arr.astype(np.int64).reshape(-1)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(f"indices must be a 1-D sequence of integers, got {arr.dtype} array of shape {arr.shape}")
    return arr.astype(np.int64, copy=False)


class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors (or NumPy arrays): item ``i`` is ``tuple(t[i] for t)``.

    Args:
        *tensors: tensors or arrays sharing their first dimension.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.data import TensorDataset
        >>> ds = TensorDataset(mt.arange(6).reshape(3, 2), mt.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions are "
                             f"{[tuple(t.shape)[:1] for t in tensors]}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: int) -> tuple:
        index = operator.index(index)
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: Sequence[int]) -> BatchedSamples:
        idx = _as_index_array(indices)
        return BatchedSamples([t[idx] for t in self.tensors], [True] * len(self.tensors))

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the underlying dataset.
        indices: integer positions into ``dataset`` (list, range, NumPy array or int64 tensor).

    Example:
        >>> import minitorch as mt
        >>> from minitorch.data import Subset, TensorDataset
        >>> s = Subset(TensorDataset(mt.arange(10)), range(5, 10))
        >>> len(s), s[0]
        (5, (tensor(5),))
    """

    def __init__(self, dataset: Any, indices: Any) -> None:
        self.dataset = dataset
        self.indices = indices
        self._idx = _as_index_array(indices if not isinstance(indices, range) else np.arange(
            indices.start, indices.stop, indices.step))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return [self.dataset[int(self._idx[i])] for i in index]
        return self.dataset[int(self._idx[operator.index(index)])]

    def __getitems__(self, indices: Sequence[int]) -> Any:
        mapped = self._idx[_as_index_array(indices)].tolist()
        fetch = getattr(self.dataset, "__getitems__", None)
        if fetch is not None:
            return fetch(mapped)
        return [self.dataset[i] for i in mapped]

    def __len__(self) -> int:
        return len(self._idx)


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets, as ``torch.utils.data.random_split``.

    Args:
        dataset: the dataset to split.
        lengths: the subset sizes, summing to ``len(dataset)``; or fractions summing to 1, in which case
            each size is ``floor(fraction * len)`` and the remainder is handed out one by one, round robin,
            from the first subset on (PyTorch's rule).
        generator: the ``mt.Generator`` that draws the permutation (default: minitorch's default generator).

    Returns:
        A list of :class:`Subset`.

    Example:
        >>> import minitorch as mt
        >>> from minitorch.data import TensorDataset, random_split
        >>> train, val = random_split(TensorDataset(mt.arange(10)), [0.8, 0.2], generator=mt.Generator().manual_seed(0))
        >>> len(train), len(val), sorted(train.indices + val.indices) == list(range(10))
        (8, 2, True)
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split needs at least one length")
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        if any(isinstance(x, float) and not float(x).is_integer() for x in lengths):
            raise ValueError(f"random_split: lengths {lengths} are neither integers summing to {n} "
                             "nor fractions summing to 1")
        sizes = [int(x) for x in lengths]
        if any(s < 0 for s in sizes):
            raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
        if sum(sizes) != n:
            raise ValueError(f"Sum of input lengths ({sum(sizes)}) does not equal the length of the input "
                             f"dataset ({n})")
    perm = _host_generator(generator).permutation(n).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
