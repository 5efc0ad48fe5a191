"""MNIST / Fashion-MNIST loaders: real files, generated IDX files, corrupt and missing files, offline downloads."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch.data import (
    MNIST,
    ChecksumError,
    CorruptFileError,
    DataLoader,
    DatasetNotFoundError,
    DownloadError,
    FashionMNIST,
    read_idx,
    write_idx,
)
from minitorch.data import download as dl
from minitorch.data import transforms as T

REAL_ROOT = Path(os.environ.get("MINITORCH_DATA") or "/work/shared/data")
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"]


def _real(folder: str) -> Path:
    path = REAL_ROOT / folder
    if not path.is_dir():
        pytest.skip(f"real {folder} files not found in {path} (set MINITORCH_DATA to the data folder)")
    return path


def _independent_parse(path: Path) -> np.ndarray:
    """The IDX file decoded without minitorch: gzip + struct + numpy."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


@pytest.fixture(scope="module")
def mnist_train() -> MNIST:
    _real("mnist")
    return MNIST(REAL_ROOT, train=True)


@pytest.fixture(scope="module")
def mnist_test() -> MNIST:
    _real("mnist")
    return MNIST(REAL_ROOT, train=False)


@pytest.fixture(scope="module")
def fashion_train() -> FashionMNIST:
    _real("fashion-mnist")
    return FashionMNIST(REAL_ROOT, train=True)


# ---- the real files ---------------------------------------------------------------------------------------


def test_mnist_train_counts_shapes_dtypes(mnist_train):
    assert len(mnist_train) == 60000
    assert mnist_train.data.shape == (60000, 28, 28) and mnist_train.data.dtype == np.uint8
    assert isinstance(mnist_train.targets, mt.Tensor)
    assert mnist_train.targets.dtype is mt.int64 and mnist_train.targets.shape == (60000,)
    img, label = mnist_train[0]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and img.dtype == np.uint8
    assert type(label) is int and label == 5  # the famous first MNIST digit
    assert mnist_train.classes[label] == "5 - five"


def test_mnist_train_matches_independent_parse(mnist_train):
    folder = _real("mnist")
    labels = _independent_parse(folder / "train-labels-idx1-ubyte.gz")
    images = _independent_parse(folder / "train-images-idx3-ubyte.gz")
    assert np.bincount(labels, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(mnist_train.targets.numpy(), minlength=10).tolist() == MNIST_TRAIN_COUNTS
    np.testing.assert_array_equal(mnist_train.targets.numpy(), labels)
    assert hashlib.md5(mnist_train.data[0].tobytes()).hexdigest() == hashlib.md5(images[0].tobytes()).hexdigest()
    assert hashlib.md5(mnist_train.data.tobytes()).hexdigest() == hashlib.md5(images.tobytes()).hexdigest()
    np.testing.assert_array_equal(mnist_train[59999][0], images[59999])


def test_mnist_test_split(mnist_test):
    folder = _real("mnist")
    labels = _independent_parse(folder / "t10k-labels-idx1-ubyte.gz")
    images = _independent_parse(folder / "t10k-images-idx3-ubyte.gz")
    assert len(mnist_test) == 10000 and mnist_test.data.shape == (10000, 28, 28)
    assert np.bincount(mnist_test.targets.numpy(), minlength=10).tolist() == MNIST_TEST_COUNTS
    assert np.bincount(labels, minlength=10).tolist() == MNIST_TEST_COUNTS
    np.testing.assert_array_equal(mnist_test.data, images)
    assert mnist_test[0][1] == 7


def test_fashion_mnist_real_files(fashion_train):
    folder = _real("fashion-mnist")
    labels = _independent_parse(folder / "train-labels-idx1-ubyte.gz")
    assert len(fashion_train) == 60000 and fashion_train.data.shape == (60000, 28, 28)
    assert np.bincount(fashion_train.targets.numpy()).tolist() == [6000] * 10
    np.testing.assert_array_equal(fashion_train.targets.numpy(), labels)
    first = _independent_parse(folder / "train-images-idx3-ubyte.gz")[0]
    np.testing.assert_array_equal(fashion_train[0][0], first)
    assert fashion_train.classes[fashion_train[0][1]] == "Ankle boot"
    test = FashionMNIST(REAL_ROOT, train=False)
    assert len(test) == 10000 and np.bincount(test.targets.numpy()).tolist() == [1000] * 10
    assert test.class_to_idx["Sneaker"] == 7


def test_root_from_environment_and_explicit_root_wins(monkeypatch, tmp_path):
    _real("mnist")
    monkeypatch.setenv("MINITORCH_DATA", str(REAL_ROOT))
    assert len(MNIST(train=False)) == 10000
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path))
    assert len(MNIST(REAL_ROOT, train=False)) == 10000
    with pytest.raises(DatasetNotFoundError, match="from \\$MINITORCH_DATA"):
        MNIST(train=False)


def test_default_root_is_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("MINITORCH_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        MNIST(train=False)
    assert str(tmp_path / ".cache" / "minitorch" / "mnist" / "t10k-images-idx3-ubyte.gz") in str(info.value)
    assert "~/.cache/minitorch" in str(info.value)


def test_transforms_single_and_batched_agree(mnist_test):
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(REAL_ROOT, train=False, transform=tf, target_transform=lambda y: y + 100)
    img, label = ds[3]
    assert img.shape == (1, 28, 28) and img.dtype is mt.float32 and label == mnist_test[3][1] + 100
    expected = (mnist_test.data[3].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(img.numpy()[0], expected)
    batch = ds.__getitems__([3, 0, 9999])
    x, y = mt.data.default_collate(batch)
    assert x.shape == (3, 1, 28, 28) and y.dtype is mt.int64
    np.testing.assert_array_equal(x.numpy()[0], img.numpy())
    assert y.tolist() == [ds[i][1] for i in (3, 0, 9999)]
    # the batch also behaves as the list of samples it stands for
    assert batch[1][1] == ds[0][1]
    np.testing.assert_array_equal(batch[2][0].numpy(), ds[9999][0].numpy())


def test_loader_uses_batched_access_and_covers_the_epoch(mnist_test, monkeypatch):
    ds = MNIST(REAL_ROOT, train=False, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]))

    def no_single_items(self, index):
        raise AssertionError("the loader fetched a single sample")

    monkeypatch.setattr(MNIST, "__getitem__", no_single_items)
    loader = DataLoader(ds, batch_size=64, shuffle=True, generator=mt.Generator().manual_seed(1))
    labels = []
    for x, y in loader:
        assert x.dtype is mt.float32 and x.shape[1:] == (1, 28, 28) and float(x.min()) >= -1.0
        labels.append(y.numpy())
    assert len(labels) == len(loader) == 157
    assert np.bincount(np.concatenate(labels)).tolist() == MNIST_TEST_COUNTS


def test_non_batchable_transform_falls_back_per_sample(mnist_test):
    per_sample = MNIST(REAL_ROOT, train=False, transform=T.Lambda(lambda im: im.astype(np.int64).sum()))
    x, y = next(iter(DataLoader(per_sample, batch_size=5)))
    assert x.dtype is mt.int64
    assert x.tolist() == [int(mnist_test.data[i].astype(np.int64).sum()) for i in range(5)]
    assert y.tolist() == mnist_test.targets.numpy()[:5].tolist()


def test_raw_images_collate_to_int64(mnist_test):
    x, y = next(iter(DataLoader(mnist_test, batch_size=8)))
    assert x.dtype is mt.int64 and x.shape == (8, 28, 28)
    np.testing.assert_array_equal(x.numpy(), mnist_test.data[:8])


def test_targets_setter_and_repr(mnist_test):
    ds = MNIST(REAL_ROOT, train=False)
    ds.targets = mt.zeros(10000, dtype=mt.int64)
    assert ds[5][1] == 0
    ds.targets[5] = 3
    assert ds[5][1] == 3
    assert "Number of datapoints: 10000" in repr(ds) and "Split: Test" in repr(ds)


def test_download_true_with_valid_files_does_not_touch_the_network(monkeypatch):
    _real("mnist")

    def refuse(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(dl, "download_url", refuse)
    assert len(MNIST(REAL_ROOT, train=False, download=True)) == 10000


# ---- generated files -------------------------------------------------------------------------------------


def _tiny_arrays(n: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def _write_split(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


def _hand_idx(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload


def test_generated_files_load_with_verify_off(tmp_path):
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "mnist", "train", images, labels)
    ds = MNIST(tmp_path, verify=False)
    np.testing.assert_array_equal(ds.data, images)
    assert ds.targets.tolist() == labels.tolist()
    assert ds[2][0].tolist() == images[2].tolist()
    ds.data[0, 0, 0] = 1  # the arrays are writable copies


def test_write_idx_matches_hand_built_bytes(tmp_path):
    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    write_idx(tmp_path / "x-idx2-ubyte", arr)
    assert (tmp_path / "x-idx2-ubyte").read_bytes() == _hand_idx(0x0802, (2, 3), arr.tobytes())
    for dtype in (np.int16, np.int32, np.float32, np.float64, np.int8):
        values = (np.arange(12) - 5).astype(dtype).reshape(3, 4)
        write_idx(tmp_path / "v.gz", values)
        back = read_idx(tmp_path / "v.gz")
        assert back.dtype == np.dtype(dtype) and back.tolist() == values.tolist()


def test_official_names_but_other_content_is_a_checksum_error(tmp_path):
    _write_split(tmp_path / "mnist", "t10k", *_tiny_arrays())
    with pytest.raises(ChecksumError) as info:
        MNIST(tmp_path, train=False)
    message = str(info.value)
    path = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    assert str(path) in message and "checksum mismatch" in message
    assert "9fb629c4189551a2d022fa330f9573f3" in message and hashlib.md5(path.read_bytes()).hexdigest() in message


def test_bad_magic_number(tmp_path):
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "mnist", "train", images, labels)
    bad = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(_hand_idx(0x12340803, images.shape, images.tobytes())))
    with pytest.raises(CorruptFileError, match="bad magic number 0x12340803") as info:
        MNIST(tmp_path, verify=False)
    assert str(bad) in str(info.value)


def test_swapped_files_are_named(tmp_path):
    images, labels = _tiny_arrays()
    folder = tmp_path / "mnist"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte.gz", labels)
    write_idx(folder / "train-labels-idx1-ubyte.gz", images)
    with pytest.raises(CorruptFileError, match="swapped") as info:
        MNIST(tmp_path)
    assert str(folder / "train-images-idx3-ubyte.gz") in str(info.value)


def test_truncated_data_and_trailing_bytes(tmp_path):
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "mnist", "train", images, labels)
    path = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_hand_idx(0x0803, images.shape, images.tobytes()[:-100])))
    with pytest.raises(CorruptFileError, match="truncated: the header declares 6 x 28 x 28") as info:
        MNIST(tmp_path, verify=False)
    assert str(path) in str(info.value) and "4,604 data bytes" in str(info.value)
    path.write_bytes(gzip.compress(_hand_idx(0x0803, images.shape, images.tobytes() + b"xyz")))
    with pytest.raises(CorruptFileError, match="3 unexpected bytes"):
        MNIST(tmp_path, verify=False)
    path.write_bytes(b"\0\0\x08\x03\0\0")
    with pytest.raises(CorruptFileError, match="truncated: the header declares 3 dimensions"):
        MNIST(tmp_path, verify=False)


def test_truncated_gzip_stream(tmp_path):
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "mnist", "train", images, labels)
    path = tmp_path / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(CorruptFileError, match="corrupt or truncated gzip") as info:
        MNIST(tmp_path, verify=False)
    assert str(path) in str(info.value)


def test_count_mismatch_and_label_range(tmp_path):
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "mnist", "train", images, labels[:5])
    with pytest.raises(CorruptFileError, match="6 images but .* has 5 labels"):
        MNIST(tmp_path, verify=False)
    bad = labels.copy()
    bad[4] = 10
    _write_split(tmp_path / "mnist", "train", images, bad)
    with pytest.raises(CorruptFileError, match="label 10 at index 4"):
        MNIST(tmp_path, verify=False)


def test_missing_files_message(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_DATA", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError) as info:
        MNIST(root=tmp_path)
    message = str(info.value)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        assert str(tmp_path / "mnist" / name) in message
    assert "t10k" not in message
    assert "download=True" in message and "MINITORCH_DATA" in message and "copy the files into" in message
    assert "from the root= argument" in message and "https://ossci-datasets.s3.amazonaws.com/mnist/" in message
    # only the missing one is listed
    images, labels = _tiny_arrays()
    _write_split(tmp_path / "fashion-mnist", "t10k", images, labels)
    (tmp_path / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match="1 dataset file is missing") as info:
        FashionMNIST(tmp_path, train=False)
    assert "t10k-images" not in str(info.value) and "fashion-mnist.s3-website" in str(info.value)


# ---- downloads through local file:// mirrors ---------------------------------------------------------------


def _mirror(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    mirror = tmp_path / "mirror"
    _write_split(mirror, "train", *_tiny_arrays(6, 1))
    _write_split(mirror, "t10k", *_tiny_arrays(4, 2))
    return mirror, {name: hashlib.md5((mirror / name).read_bytes()).hexdigest() for name in FILES}


def test_download_from_local_mirror(tmp_path, monkeypatch, capfd):
    mirror, md5s = _mirror(tmp_path)
    monkeypatch.setattr(MNIST, "md5s", md5s)
    monkeypatch.setattr(MNIST, "mirrors", ((tmp_path / "no-such-mirror").as_uri(), mirror.as_uri()))
    ds = MNIST(tmp_path / "root", train=False, download=True)
    assert len(ds) == 4 and ds.data.tolist() == _tiny_arrays(4, 2)[0].tolist()
    folder = tmp_path / "root" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # both splits, no temporary files left
    assert "Downloading" in capfd.readouterr().err
    # a damaged file is fetched again
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    assert MNIST(tmp_path / "root", train=False, download=True).targets.tolist() == ds.targets.tolist()


def test_download_with_bad_checksum_is_rejected(tmp_path, monkeypatch):
    mirror, md5s = _mirror(tmp_path)
    md5s["train-labels-idx1-ubyte.gz"] = "0" * 32
    monkeypatch.setattr(MNIST, "md5s", md5s)
    monkeypatch.setattr(MNIST, "mirrors", (mirror.as_uri(),))
    with pytest.raises(DownloadError, match="checksum mismatch") as info:
        MNIST(tmp_path / "root", download=True)
    assert "0" * 32 in str(info.value)
    folder = tmp_path / "root" / "mnist"
    assert not (folder / "train-labels-idx1-ubyte.gz").exists()
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_download_url_with_patched_opener(tmp_path):
    import io

    class Response(io.BytesIO):
        headers = {"Content-Length": "5"}

    calls = []

    def opener(url, timeout):
        calls.append(url)
        return Response(b"hello")

    out = dl.download_url("https://example.invalid/x", tmp_path / "x", md5=hashlib.md5(b"hello").hexdigest(),
                          progress=False, opener=opener)
    assert out.read_bytes() == b"hello" and calls == ["https://example.invalid/x"]
    with pytest.raises(ChecksumError):
        dl.download_url("https://example.invalid/y", tmp_path / "y", md5="1" * 32, progress=False, opener=opener)
    assert not (tmp_path / "y").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_progress_fallback_line(capfd):
    bar = dl._Progress(2_000_000, "Downloading f", True)
    bar._bar = None  # the stderr fallback, whether or not tqdm is installed
    bar.update(1_000_000)
    bar.close()
    assert "Downloading f:  50.0% (1.0/2.0 MB)" in capfd.readouterr().err
