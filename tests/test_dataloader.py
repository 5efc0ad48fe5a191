"""Dataset, TensorDataset, Subset, random_split, DataLoader and default_collate, checked against PyTorch."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import minitorch as mt
from minitorch.data import (
    BatchedSamples,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Plain(Dataset):
    """A dataset without ``__getitems__``: item i is (i, 2i) as Python ints, counting its calls."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[int, int]:
        self.calls += 1
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i, 2 * i


def _flat(loader: DataLoader) -> list[int]:
    return [v for batch in loader for v in batch[0].tolist()]


# ---- datasets ------------------------------------------------------------------------------------------------


def test_base_dataset_requires_methods():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_tensor_dataset():
    x, y = mt.arange(12).reshape(6, 2), mt.tensor([0, 1, 0, 1, 1, 0])
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[-1]
    assert a.tolist() == [10, 11] and b.item() == 0
    batch = ds.__getitems__([5, 0])
    assert isinstance(batch, BatchedSamples) and len(batch) == 2
    assert batch[0][0].tolist() == [10, 11] and batch[1][1].item() == 0
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(mt.zeros(3), mt.zeros(4))
    np_ds = TensorDataset(np.arange(4), np.arange(4) * 1.5)
    xb, yb = next(iter(DataLoader(np_ds, batch_size=4)))
    assert xb.dtype is mt.int64 and yb.dtype is mt.float64 and yb.tolist() == [0, 1.5, 3, 4.5]


def test_subset_maps_indices_and_nests():
    base = TensorDataset(mt.arange(10) * 10)
    sub = Subset(base, [7, 2, 9, 4])
    assert len(sub) == 4 and sub[1][0].item() == 20 and sub[-1][0].item() == 40
    inner = Subset(sub, mt.tensor([3, 0]))
    assert [inner[i][0].item() for i in range(2)] == [40, 70]
    x, = default_collate(inner.__getitems__([1, 0]))
    assert x.tolist() == [70, 40]
    plain = Subset(Plain(5), range(1, 5, 2))
    assert plain.__getitems__([1, 0]) == [(3, 6), (1, 2)]
    assert _flat(DataLoader(plain, batch_size=2)) == [1, 3]


# ---- random_split --------------------------------------------------------------------------------------------


def test_random_split_integer_lengths():
    ds = TensorDataset(mt.arange(20))
    parts = random_split(ds, [5, 15], generator=mt.Generator().manual_seed(3))
    assert [len(p) for p in parts] == [5, 15]
    got = sorted(v for p in parts for v in p.indices)
    assert got == list(range(20))
    expected = np.random.default_rng(3).permutation(20).tolist()
    assert parts[0].indices + parts[1].indices == expected
    again = random_split(ds, [5, 15], generator=mt.Generator().manual_seed(3))
    assert again[0].indices == parts[0].indices
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(ds, [5, 10])


@pytest.mark.filterwarnings("ignore:Length of split")
@pytest.mark.parametrize("n, fractions", [(10, [0.8, 0.2]), (7, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]),
                                          (60000, [0.8, 0.2]), (5, [0.1, 0.1, 0.1, 0.7]), (3, [0.0, 1.0])])
def test_random_split_fractions_match_torch(torch, n, fractions):
    ours = [len(p) for p in random_split(TensorDataset(mt.zeros(n)), fractions)]
    theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions,
                                                            generator=torch.Generator().manual_seed(0))]
    assert ours == theirs and sum(ours) == n


def test_random_split_uses_default_generator():
    ds = TensorDataset(mt.arange(50))
    mt.manual_seed(11)
    a = random_split(ds, [0.5, 0.5])
    mt.manual_seed(11)
    b = random_split(ds, [0.5, 0.5])
    assert a[0].indices == b[0].indices
    with pytest.raises(ValueError):
        random_split(ds, [0.5, 0.6])


# ---- DataLoader ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, bs, drop_last, expected", [(10, 3, False, 4), (10, 3, True, 3), (9, 3, True, 3),
                                                        (9, 3, False, 3), (2, 5, True, 0), (2, 5, False, 1)])
def test_len_and_batch_sizes(n, bs, drop_last, expected):
    loader = DataLoader(TensorDataset(mt.arange(n)), batch_size=bs, drop_last=drop_last)
    sizes = [len(x) for x, in loader]
    assert len(loader) == expected == len(sizes)
    assert all(s == bs for s in sizes[:-1])
    assert sum(sizes) == (n - n % bs if drop_last else n)


def test_sequential_order_and_per_sample_fallback():
    ds = Plain(7)
    loader = DataLoader(ds, batch_size=3)
    batches = list(loader)
    assert [x.tolist() for x, _ in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][1].dtype is mt.int64 and batches[0][1].tolist() == [0, 2, 4]
    assert ds.calls == 7


def test_shuffle_is_a_fresh_permutation_each_epoch():
    loader = DataLoader(TensorDataset(mt.arange(100)), batch_size=16, shuffle=True,
                        generator=mt.Generator().manual_seed(0))
    e1, e2 = _flat(loader), _flat(loader)
    assert sorted(e1) == sorted(e2) == list(range(100))
    assert e1 != e2 and e1 != list(range(100))
    rng = np.random.default_rng(0)
    assert e1 == rng.permutation(100).tolist() and e2 == rng.permutation(100).tolist()


def test_seeded_loaders_repeat_and_default_generator():
    def run(loader):
        return [_flat(loader) for _ in range(3)]

    ds = TensorDataset(mt.arange(30))
    a = run(DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(5)))
    b = run(DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(5)))
    c = run(DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(6)))
    assert a == b and a != c
    mt.manual_seed(9)
    d = run(DataLoader(ds, batch_size=4, shuffle=True))
    mt.manual_seed(9)
    assert d == run(DataLoader(ds, batch_size=4, shuffle=True))


def test_shuffle_drop_last_keeps_full_batches():
    loader = DataLoader(TensorDataset(mt.arange(10)), batch_size=4, shuffle=True, drop_last=True,
                        generator=mt.Generator().manual_seed(2))
    seen = _flat(loader)
    assert len(seen) == 8 and len(set(seen)) == 8


def test_custom_collate_receives_samples():
    got = []

    def collate(samples):
        got.append([tuple(int(v) for v in s) for s in samples])
        return len(samples)

    ds = TensorDataset(mt.arange(5), mt.arange(5) * 3)
    assert list(DataLoader(ds, batch_size=2, collate_fn=collate)) == [2, 2, 1]
    assert got[0] == [(0, 0), (1, 3)] and got[2] == [(4, 12)]


def test_bad_arguments():
    ds = TensorDataset(mt.arange(3))
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(ds, generator=np.random.default_rng(0))


# ---- collate -----------------------------------------------------------------------------------------------------


def test_collate_dtypes_match_torch_except_python_floats(torch):
    from torch.utils.data import default_collate as torch_collate

    cases = [
        [1, 2, 3],
        [True, False],
        [np.array([1, 2], np.uint8), np.array([3, 4], np.uint8)],
        [np.array([1.5], np.float64), np.array([2.5], np.float64)],
        [np.float32(1.5), np.float32(2.0)],
        [np.int32(4), np.int32(5)],
    ]
    names = {torch.int64: mt.int64, torch.uint8: mt.int64, torch.int32: mt.int64, torch.bool: mt.bool_,
             torch.float64: mt.float64, torch.float32: mt.float32}
    for batch in cases:
        ours, theirs = default_collate(batch), torch_collate(batch)
        assert ours.shape == tuple(theirs.shape) and ours.dtype is names[theirs.dtype]
        assert ours.tolist() == theirs.tolist()
    floats = default_collate([0.5, 1.5])
    assert floats.dtype is mt.float32 and floats.tolist() == [0.5, 1.5]
    assert torch_collate([0.5, 1.5]).dtype == torch.float64  # the documented difference


def test_collate_structures():
    Point = namedtuple("Point", "x y")
    out = default_collate([{"a": 1, "b": (2.0, "s")}, {"a": 3, "b": (4.0, "t")}])
    assert out["a"].tolist() == [1, 3] and out["b"][0].tolist() == [2.0, 4.0] and out["b"][1] == ["s", "t"]
    p = default_collate([Point(1, mt.ones(2)), Point(2, mt.zeros(2))])
    assert isinstance(p, Point) and p.x.tolist() == [1, 2] and p.y.shape == (2, 2)
    stacked = default_collate([mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])])
    assert stacked.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


def test_batched_samples():
    b = BatchedSamples([np.arange(6).reshape(3, 2), np.array([7, 8, 9]), ["a", "b", "c"]])
    assert b.stacked == (True, True, False) and len(b) == 3
    img, label, name = b[-1]
    assert img.tolist() == [4, 5] and type(label) is int and label == 9 and name == "c"
    assert [s[1] for s in b[:2]] == [7, 8]
    x, y, names = default_collate(b)
    assert x.dtype is mt.int64 and x.shape == (3, 2) and y.tolist() == [7, 8, 9] and names == ["a", "b", "c"]
    with pytest.raises(IndexError):
        b[3]
    with pytest.raises(ValueError, match="different lengths"):
        BatchedSamples([np.zeros(2), np.zeros(3)])


def test_pytorch_worker_arguments_are_accepted_and_change_nothing():
    ds = TensorDataset(mt.arange(10), mt.arange(10) * 2)
    plain = [x.tolist() for x, _ in DataLoader(ds, batch_size=3, shuffle=True, generator=mt.Generator().manual_seed(1))]
    ported = DataLoader(ds, batch_size=3, shuffle=True, generator=mt.Generator().manual_seed(1), num_workers=2,
                        pin_memory=True, persistent_workers=True)
    assert [x.tolist() for x, _ in ported] == plain
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
