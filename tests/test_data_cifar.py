"""CIFAR-10 on small files in the exact binary format: pixel layout, splits, corrupt/missing files, offline download."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch.data import CIFAR10, ChecksumError, CorruptFileError, DataLoader, DatasetNotFoundError
from minitorch.data import transforms as T

BATCHES = [f"data_batch_{i}.bin" for i in range(1, 6)]


def _planes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images as CHW uint8 planes and their labels."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def _records(chw: np.ndarray, labels: np.ndarray) -> bytes:
    """The binary format written by hand: a label byte, then the red, green and blue planes, row by row."""
    out = bytearray()
    for img, label in zip(chw, labels):
        out.append(int(label))
        for c in range(3):
            for row in range(32):
                out += bytes(int(v) for v in img[c, row])
    return bytes(out)


def _write_all(folder: Path, per_file: int = 3) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for seed, name in enumerate(BATCHES + ["test_batch.bin"]):
        chw, labels = _planes(per_file, seed)
        (folder / name).write_bytes(_records(chw, labels))
        written[name] = (chw, labels)
    return written


@pytest.fixture
def cifar_root(tmp_path) -> tuple[Path, dict]:
    return tmp_path, _write_all(tmp_path / "cifar-10-batches-bin")


def test_pixel_layout_planes_to_hwc(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    chw = np.zeros((1, 3, 32, 32), np.uint8)
    chw[0, 0] = np.arange(32)[:, None]         # red encodes the row
    chw[0, 1] = np.arange(32)[None, :] + 100   # green the column
    chw[0, 2] = 200                            # blue is constant
    (folder / "test_batch.bin").write_bytes(_records(chw, np.array([6], np.uint8)))
    ds = CIFAR10(tmp_path, train=False, verify=False)
    img, label = ds[0]
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8 and label == 6 and ds.classes[label] == "frog"
    assert img[5, 7].tolist() == [5, 107, 200]
    assert img[31, 0].tolist() == [31, 100, 200]
    np.testing.assert_array_equal(img, chw[0].transpose(1, 2, 0))


def test_train_split_concatenates_batches_in_order(cifar_root):
    root, written = cifar_root
    ds = CIFAR10(root, train=True, verify=False)
    assert len(ds) == 15 and ds.data.shape == (15, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.targets.dtype is mt.int64
    expected_labels = np.concatenate([written[n][1] for n in BATCHES])
    assert ds.targets.tolist() == expected_labels.tolist()
    expected = np.concatenate([written[n][0] for n in BATCHES]).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(ds.data, expected)
    test = CIFAR10(root, train=False, verify=False)
    assert len(test) == 3 and test.targets.tolist() == written["test_batch.bin"][1].tolist()
    assert "Split: Test" in repr(test)


def test_to_tensor_restores_chw_planes(cifar_root):
    root, written = cifar_root
    ds = CIFAR10(root, train=False, verify=False, transform=T.ToTensor())
    x, _ = ds[1]
    assert x.shape == (3, 32, 32) and x.dtype is mt.float32
    np.testing.assert_array_equal(x.numpy(), written["test_batch.bin"][0][1].astype(np.float32) / np.float32(255))
    tf = T.Compose([T.ToTensor(), T.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
    ds = CIFAR10(root, train=True, verify=False, transform=tf)
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=mt.Generator().manual_seed(0))
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3, 32, 32)] * 3 + [(3, 3, 32, 32)]
    order = np.random.default_rng(0).permutation(15)  # mt.Generator wraps NumPy's PCG64
    first = mt.tensor(np.stack([ds[int(i)][0].numpy() for i in order[:4]]))
    assert bool((batches[0][0] == first).all())
    assert batches[0][1].tolist() == [ds[int(i)][1] for i in order[:4]]


def test_verify_requires_official_sizes(cifar_root):
    root, _ = cifar_root
    with pytest.raises(CorruptFileError, match="official CIFAR-10 batch files have 10,000") as info:
        CIFAR10(root, train=False)
    assert str(root / "cifar-10-batches-bin" / "test_batch.bin") in str(info.value)


def test_truncated_and_empty_files(cifar_root):
    root, _ = cifar_root
    path = root / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CorruptFileError, match="3,073-byte records") as info:
        CIFAR10(root, verify=False)
    assert str(path) in str(info.value) and "2 records and 3,063 bytes left over" in str(info.value)
    path.write_bytes(b"")
    with pytest.raises(CorruptFileError, match="not a whole, nonzero number"):
        CIFAR10(root, verify=False)


def test_label_out_of_range(cifar_root):
    root, written = cifar_root
    chw, labels = written["test_batch.bin"]
    labels = labels.copy()
    labels[2] = 10
    (root / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(_records(chw, labels))
    with pytest.raises(CorruptFileError, match="record 2 has label 10"):
        CIFAR10(root, train=False, verify=False)


def test_missing_files_message(cifar_root):
    root, _ = cifar_root
    (root / "cifar-10-batches-bin" / "data_batch_4.bin").unlink()
    with pytest.raises(DatasetNotFoundError) as info:
        CIFAR10(root, verify=False)
    message = str(info.value)
    assert str(root / "cifar-10-batches-bin" / "data_batch_4.bin") in message
    assert "data_batch_3.bin" not in message and "1 dataset file is missing" in message
    assert "download=True" in message and "MINITORCH_DATA" in message and "cifar-10-binary.tar.gz" in message
    assert len(CIFAR10(root, train=False, verify=False)) == 3  # the test split is still complete


def test_batched_access_matches_items(cifar_root):
    root, _ = cifar_root
    ds = CIFAR10(root, verify=False, transform=T.ToTensor(), target_transform=T.Lambda(lambda y: y * 2))
    batch = ds.__getitems__([4, 0, 14])
    x, y = mt.data.default_collate(batch)
    for row, i in enumerate((4, 0, 14)):
        img, label = ds[i]
        np.testing.assert_array_equal(x.numpy()[row], img.numpy())
        assert y.tolist()[row] == label


# ---- download via a local file:// URL ---------------------------------------------------------------------


def _tarball(path: Path, members: dict[str, bytes], symlink: str | None = None) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
    return hashlib.md5(path.read_bytes()).hexdigest()


def _official_layout(per_file: int = 2) -> dict[str, bytes]:
    members = {"cifar-10-batches-bin/batches.meta.txt": b"airplane\n"}
    for seed, name in enumerate(BATCHES + ["test_batch.bin"]):
        members[f"cifar-10-batches-bin/{name}"] = _records(*_planes(per_file, seed + 10))
    return members


def test_download_and_extract(tmp_path, monkeypatch):
    archive = tmp_path / "served.tar.gz"
    md5 = _tarball(archive, _official_layout())
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5)
    root = tmp_path / "root"
    ds = CIFAR10(root, download=True, verify=False)
    assert len(ds) == 10
    assert ds.targets.tolist()[:2] == _planes(2, 10)[1].tolist()
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-bin", "cifar-10-binary.tar.gz"]
    assert (root / "cifar-10-batches-bin" / "batches.meta.txt").is_file()
    # everything present: no second download
    monkeypatch.setattr(CIFAR10, "url", (tmp_path / "gone.tar.gz").as_uri())
    assert len(CIFAR10(root, train=False, download=True, verify=False)) == 2


def test_download_with_bad_checksum_is_rejected(tmp_path, monkeypatch):
    archive = tmp_path / "served.tar.gz"
    _tarball(archive, _official_layout())
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    root = tmp_path / "root"
    with pytest.raises(ChecksumError, match="c32a1d4ab5d03f1284b67883e8d87530"):
        CIFAR10(root, download=True)
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("bad", ["../evil.bin", "/tmp/evil.bin", "cifar-10-batches-bin/../../evil.bin"])
def test_path_traversal_is_refused(tmp_path, monkeypatch, bad):
    archive = tmp_path / "served.tar.gz"
    members = _official_layout()
    members[bad] = b"pwned"
    md5 = _tarball(archive, members)
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5)
    root = tmp_path / "a" / "root"
    with pytest.raises(CorruptFileError, match="unsafe path"):
        CIFAR10(root, download=True, verify=False)
    assert not (tmp_path / "a" / "evil.bin").exists() and not (root / "cifar-10-batches-bin").exists()
    assert [p.name for p in root.iterdir()] == ["cifar-10-binary.tar.gz"]  # no extraction folder left


def test_links_in_archive_are_refused(tmp_path, monkeypatch):
    archive = tmp_path / "served.tar.gz"
    md5 = _tarball(archive, _official_layout(), symlink="cifar-10-batches-bin/link")
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5)
    with pytest.raises(CorruptFileError, match="link or special file"):
        CIFAR10(tmp_path / "root", download=True, verify=False)


def test_archive_lacking_batches(tmp_path, monkeypatch):
    archive = tmp_path / "served.tar.gz"
    members = _official_layout()
    del members["cifar-10-batches-bin/data_batch_2.bin"]
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", _tarball(archive, members))
    with pytest.raises(CorruptFileError, match="lacks cifar-10-batches-bin/ data_batch_2.bin"):
        CIFAR10(tmp_path / "root", download=True, verify=False)
