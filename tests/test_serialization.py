"""mt.save / mt.load: safetensors round trips, checkpoints, atomic writes, damaged files, and PyTorch interop."""

from __future__ import annotations

import io
import math
import os
import pickle

import numpy as np
import pytest
import safetensors.numpy

import minitorch as mt
from minitorch import serialization


def _state_dict():
    return {
        "fc.weight": mt.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "fc.bias": mt.tensor([0.5, -0.5], dtype=mt.float64),
        "bn.num_batches_tracked": mt.tensor(7),
        "mask": mt.tensor([True, False, True]),
        "scalar": mt.tensor(2.5),
    }


def _assert_same(a: mt.Tensor, b: mt.Tensor) -> None:
    assert isinstance(b, mt.Tensor)
    assert a.dtype is b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_state_dict_round_trip(tmp_path):
    sd = _state_dict()
    path = tmp_path / "model.safetensors"
    mt.save(sd, path)
    loaded = mt.load(path)
    assert list(loaded) == list(sd)  # order kept
    for key in sd:
        _assert_same(sd[key], loaded[key])
        assert loaded[key].backend == "numpy"
    loaded["fc.weight"].add_(1.0)  # loaded tensors are writable and not tied to the file
    assert loaded["fc.weight"][0, 0].item() == 1.0
    mt.save(sd, str(path))  # str paths too; overwriting is fine
    _assert_same(sd["mask"], mt.load(str(path))["mask"])


def test_flat_state_dict_keeps_its_names_for_other_tools(tmp_path):
    path = tmp_path / "model.safetensors"
    sd = _state_dict()
    mt.save(sd, path)
    raw = safetensors.numpy.load_file(str(path))
    assert set(raw) == set(sd)
    np.testing.assert_array_equal(raw["fc.weight"], np.asarray(sd["fc.weight"]))
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata()["format"] == "pt"


def test_requires_grad_and_non_contiguous_tensors_are_saved(tmp_path):
    w = mt.randn(3, 4, requires_grad=True)
    path = tmp_path / "w.safetensors"
    mt.save({"w": w, "wt": w.detach().T, "row": w.detach()[1]}, path)
    loaded = mt.load(path)
    np.testing.assert_array_equal(np.asarray(loaded["w"]), np.asarray(w.detach()))
    np.testing.assert_array_equal(np.asarray(loaded["wt"]), np.asarray(w.detach()).T)
    assert not loaded["w"].requires_grad


def test_checkpoint_with_model_optimizer_and_epoch(tmp_path):
    w = mt.randn(3, 2, dtype=mt.float64, requires_grad=True)
    b = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.01, amsgrad=True)
    sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt)
    (w.sum() + b.sum()).backward()
    opt.step()
    sched.step(1.0)
    ckpt = {"model": {"w": w, "b": b}, "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "epoch": 3, "history": [0.5, 0.25], "note": None, "best": float("inf")}
    path = tmp_path / "ckpt.safetensors"
    mt.save(ckpt, path)
    raw = safetensors.numpy.load_file(str(path))
    assert {"model/w", "model/b", "optimizer/state/0/exp_avg", "optimizer/state/1/max_exp_avg_sq"} <= set(raw)
    loaded = mt.load(path)
    assert loaded["epoch"] == 3 and loaded["history"] == [0.5, 0.25] and loaded["note"] is None
    assert loaded["best"] == math.inf
    _assert_same(w.detach(), loaded["model"]["w"])
    osd = loaded["optimizer"]
    assert list(osd["state"]) == [0, 1]  # int keys survive
    assert osd["state"][0]["step"] == 1
    assert osd["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples survive
    assert osd["param_groups"][1]["lr"] == 0.5 and osd["param_groups"][1]["params"] == [1]
    _assert_same(opt.state[w]["exp_avg_sq"], osd["state"][0]["exp_avg_sq"])
    assert loaded["scheduler"] == sched.state_dict()


def test_optimizer_checkpoint_resumes_training_exactly(tmp_path):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(a.shape) for a in init] for _ in range(6)]

    def run(ps, opt, sched, steps):
        for gs in steps:
            for p, g in zip(ps, gs):
                p.grad = mt.tensor(g)
            opt.step()
            sched.step()

    def fresh():
        ps = [mt.tensor(a, requires_grad=True) for a in init]
        opt = mt.optim.NAdam(ps, lr=0.05, weight_decay=0.01)
        return ps, opt, mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)

    ref, ref_opt, ref_sched = fresh()
    run(ref, ref_opt, ref_sched, grads)

    ps, opt, sched = fresh()
    run(ps, opt, sched, grads[:3])
    path = tmp_path / "ckpt.safetensors"
    mt.save({"model": {f"p{i}": p for i, p in enumerate(ps)}, "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict()}, path)
    ckpt = mt.load(path)
    ps2 = [ckpt["model"][f"p{i}"].requires_grad_() for i in range(len(ps))]
    opt2 = mt.optim.NAdam(ps2)
    opt2.load_state_dict(ckpt["optimizer"])
    sched2 = mt.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=5)
    sched2.load_state_dict(ckpt["scheduler"])
    run(ps2, opt2, sched2, grads[3:])
    for a, b in zip(ref, ps2):
        np.testing.assert_array_equal(np.asarray(a.detach()), np.asarray(b.detach()))


def test_odd_structures_round_trip():
    t = mt.tensor([1.0, 2.0])
    obj = {
        1: "int key", 2.5: "float key", None: "none key", False: [1, (2, 3)],
        "nested": {"deep": [t, {"x": (t, None)}]},
        "__tensor__": "a key that looks like a marker",
        "floats": [float("-inf"), float("nan"), 1e300],
        "np": np.float64(0.25),
        "a/b": mt.tensor(1), "a": {"b": mt.tensor(2)},  # both paths are "a/b": names get made unique
    }
    buf = io.BytesIO()
    mt.save(obj, buf)
    buf.seek(0)
    loaded = mt.load(buf)
    assert loaded[1] == "int key" and loaded[2.5] == "float key" and loaded[None] == "none key"
    assert loaded[False] == [1, (2, 3)] and list(loaded)[:4] == [1, 2.5, None, False]
    assert loaded["__tensor__"] == "a key that looks like a marker"
    deep = loaded["nested"]["deep"]
    assert deep[1]["x"][0] is deep[0]  # one tensor saved twice is stored once and comes back shared
    _assert_same(t, deep[0])
    assert loaded["floats"][0] == -math.inf and math.isnan(loaded["floats"][1]) and loaded["floats"][2] == 1e300
    assert loaded["np"] == 0.25
    assert loaded["a/b"].item() == 1 and loaded["a"]["b"].item() == 2


def test_single_tensor_round_trip(tmp_path):
    t = mt.tensor([[1, 2], [3, 4]])
    mt.save(t, tmp_path / "t.safetensors")
    _assert_same(t, mt.load(tmp_path / "t.safetensors"))


def test_load_onto_a_named_backend(tmp_path):
    mt.save(_state_dict(), tmp_path / "m.safetensors")
    loaded = mt.load(tmp_path / "m.safetensors", backend="numpy")
    assert all(t.backend == "numpy" for t in loaded.values())
    with pytest.raises(Exception, match="no-such-backend"):
        mt.load(tmp_path / "m.safetensors", backend="no-such-backend")


def test_foreign_files_load_flat_and_narrow_dtypes_widen(tmp_path):
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file({"h": np.ones(2, np.float16), "i": np.arange(3, dtype=np.int32),
                                 "u": np.arange(2, dtype=np.uint8)}, str(path))
    loaded = mt.load(path)
    assert loaded["h"].dtype is mt.float32 and loaded["i"].dtype is mt.int64 and loaded["u"].dtype is mt.int64
    assert loaded["i"].tolist() == [0, 1, 2]


# ---- refusing what can't be saved -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (lambda x: x, "function"),
        ({"model": {"fn": print}}, r"builtin_function_or_method \(at key 'model/fn'\)"),
        ({"s": {1, 2}}, "set"),
        ({"arr": np.ones(2)}, "ndarray"),
        ({(1, 2): mt.ones(1)}, "dict key of type tuple"),
        (mt.optim.SGD([mt.zeros(1, requires_grad=True)]), "SGD.*state_dict"),
    ],
)
def test_unsupported_objects_are_refused_and_nothing_is_written(tmp_path, obj, match):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=match):
        mt.save(obj, path)
    assert os.listdir(tmp_path) == []


def test_save_path_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mt.save({"a": mt.ones(1)}, tmp_path / "missing-dir" / "x.safetensors")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        mt.save({"a": mt.ones(1)}, tmp_path)


# ---- atomic writes ------------------------------------------------------------------------------------


def _fail_during_write(fh, data):
    fh.write(data[: len(data) // 2])  # half written, then the disk fills up
    fh.flush()
    raise OSError("disk full (simulated)")


@pytest.mark.parametrize("where", ["write", "fsync", "rename", "interrupt"])
def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, where):
    path = tmp_path / "model.safetensors"
    old = _state_dict()
    mt.save(old, path)
    before = path.read_bytes()
    if where == "write":
        monkeypatch.setattr(serialization, "_write", _fail_during_write)
        error = OSError
    elif where == "fsync":
        monkeypatch.setattr(serialization.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("fsync failed")))
        error = OSError
    elif where == "rename":
        monkeypatch.setattr(serialization.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("no rename")))
        error = OSError
    else:
        def interrupted(fh, data):
            fh.write(data[:100])
            raise KeyboardInterrupt

        monkeypatch.setattr(serialization, "_write", interrupted)
        error = KeyboardInterrupt
    with pytest.raises(error):
        mt.save({"other": mt.zeros(100)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.safetensors"]  # no temporary file left behind
    assert path.read_bytes() == before
    loaded = mt.load(path)
    for key in old:
        _assert_same(old[key], loaded[key])


def test_save_writes_through_a_temporary_file_then_renames(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.dirname(src), os.path.basename(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(serialization.os, "replace", spy)
    mt.save({"a": mt.ones(2)}, path)
    ((directory, tmp_name, dst),) = calls
    assert directory == str(tmp_path) and tmp_name != "model.safetensors" and os.fspath(dst) == str(path)
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_saved_file_respects_umask(tmp_path):
    old = os.umask(0o022)
    try:
        mt.save({"a": mt.ones(1)}, tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "m.safetensors").st_mode & 0o777) == 0o644


# ---- damaged files and no code execution -----------------------------------------------------------------


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        mt.load(path)


@pytest.mark.parametrize("keep", [0, 5, 8, 20, -10, -1])
def test_truncated_file_is_reported(tmp_path, keep):
    path = tmp_path / "model.safetensors"
    mt.save(_state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    with pytest.raises(ValueError, match=r"model\.safetensors is not a valid minitorch/safetensors file"):
        mt.load(path)


@pytest.mark.parametrize(
    "content",
    [b"this is not a safetensors file at all, just text",
     (20).to_bytes(8, "little") + b"{not json}          ",
     (2).to_bytes(8, "little") + b"[]",
     (40).to_bytes(8, "little") + b'{"x": {"dtype": "F32", "shape": [9], "data_offsets": [0, 36]}}'[:40]],
)
def test_corrupt_file_is_reported(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.safetensors is not a valid minitorch/safetensors file"):
        mt.load(path)


def test_corrupt_structure_metadata_is_reported(tmp_path):
    path = tmp_path / "bad.safetensors"
    safetensors.numpy.save_file({"a": np.ones(1)}, str(path),
                                metadata={"minitorch.structure": '{"x": {"__tensor__": "missing"}}'})
    with pytest.raises(ValueError, match="not a valid minitorch/safetensors file"):
        mt.load(path)
    safetensors.numpy.save_file({"a": np.ones(1)}, str(path), metadata={"minitorch.structure": "{oops"})
    with pytest.raises(ValueError, match="not a valid minitorch/safetensors file"):
        mt.load(path)
    safetensors.numpy.save_file({"a": np.ones(1)}, str(path),
                                metadata={"minitorch.structure": "{}", "minitorch.version": "99"})
    with pytest.raises(ValueError, match="newer minitorch"):
        mt.load(path)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_pickle_files_are_refused_without_running_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Exploit()}))
    with pytest.raises(ValueError, match="not a valid minitorch/safetensors file"):
        mt.load(path)
    assert not (tmp_path / "pwned").exists()


def test_load_never_unpickles(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    mt.save({"model": _state_dict(), "epoch": 1}, tmp_path / "c.safetensors")
    assert mt.load(tmp_path / "c.safetensors")["epoch"] == 1


# ---- PyTorch interop -----------------------------------------------------------------------------------


def test_torch_reads_a_minitorch_state_dict(torch, tmp_path):
    from safetensors.torch import load_file

    sd = _state_dict()
    mt.save(sd, tmp_path / "m.safetensors")
    tsd = load_file(str(tmp_path / "m.safetensors"))
    assert tsd["fc.weight"].dtype == torch.float32 and tsd["fc.bias"].dtype == torch.float64
    assert tsd["bn.num_batches_tracked"].dtype == torch.int64 and tsd["mask"].dtype == torch.bool
    for key in sd:
        np.testing.assert_array_equal(tsd[key].numpy(), np.asarray(sd[key]))


def test_minitorch_reads_a_torch_state_dict(torch, tmp_path):
    from safetensors.torch import save_file

    tsd = {"a.weight": torch.randn(3, 2), "a.bias": torch.randn(3, dtype=torch.float64),
           "n": torch.tensor(4), "flag": torch.tensor([True, False])}
    save_file(tsd, str(tmp_path / "t.safetensors"))
    loaded = mt.load(tmp_path / "t.safetensors")
    assert set(loaded) == set(tsd)
    assert loaded["a.weight"].dtype is mt.float32 and loaded["a.bias"].dtype is mt.float64
    assert loaded["n"].dtype is mt.int64 and loaded["flag"].dtype is mt.bool_
    for key in tsd:
        np.testing.assert_array_equal(np.asarray(loaded[key]), tsd[key].numpy())


def _models(torch):
    from minitorch import nn

    mt_model = nn.Sequential(
        nn.Conv2d(3, 4, kernel_size=3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Flatten(), nn.Linear(4 * 5 * 5, 6), nn.ReLU(), nn.Linear(6, 2),
    )
    t_model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, kernel_size=3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(4 * 5 * 5, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2),
    )
    return mt_model, t_model


def _batch_norm_stats_moved(model) -> None:
    """Run one training-mode forward so BatchNorm's running statistics differ from their initial values."""
    model.train()
    model(mt.randn(8, 3, 5, 5))
    model.eval()


def test_minitorch_model_state_dict_loads_into_torch(torch, tmp_path):
    from safetensors.torch import load_file

    mt_model, t_model = _models(torch)
    _batch_norm_stats_moved(mt_model)
    mt.save(mt_model.state_dict(), tmp_path / "model.safetensors")
    tsd = load_file(str(tmp_path / "model.safetensors"))
    assert set(tsd) == set(t_model.state_dict())
    t_model.load_state_dict(tsd, strict=True)
    t_model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    with mt.no_grad():
        ours = np.asarray(mt_model(mt.tensor(x)))
    with torch.no_grad():
        theirs = t_model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_torch_model_state_dict_loads_into_minitorch(torch, tmp_path):
    from safetensors.torch import save_file

    mt_model, t_model = _models(torch)
    t_model.train()
    with torch.no_grad():
        t_model(torch.randn(8, 3, 5, 5))
    t_model.eval()
    save_file(t_model.state_dict(), str(tmp_path / "torch.safetensors"))
    sd = mt.load(tmp_path / "torch.safetensors")
    assert sd["1.num_batches_tracked"].dtype is mt.int64
    mt_model.load_state_dict(sd)
    mt_model.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32)
    with mt.no_grad():
        ours = np.asarray(mt_model(mt.tensor(x)))
    with torch.no_grad():
        theirs = t_model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_tensors_of_a_primitives_only_backend_round_trip():
    status = mt.backends.available().get("tiny")
    if status is None or not status.available:
        pytest.skip("the minitorch-tiny test plugin is not installed (`make test` installs it)")
    sd = {"w": mt.tensor([[1.0, 2.0]], backend="tiny"), "n": mt.tensor(3, backend="tiny")}
    buf = io.BytesIO()
    mt.save(sd, buf)
    buf.seek(0)
    loaded = mt.load(buf, backend="tiny")
    assert all(t.backend == "tiny" for t in loaded.values())
    assert loaded["w"].tolist() == [[1.0, 2.0]] and loaded["n"].item() == 3
