"""The cupy plugin without a GPU: discovery, the unavailable reasons, errors, and its logic on a host stand-in."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from minitorch_cupy.memory import GPUOutOfMemoryError, requested_bytes

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import backends, nn
from minitorch.backends import BackendUnavailableError
from minitorch.testing import fresh_backend

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import host_cupy  # noqa: E402  (the host stand-in for CuPy, beside this file)


@pytest.fixture
def host():
    """The ``cupy`` backend running on the host stand-in."""
    with host_cupy.installed():
        yield backends.get_backend("cupy")


# ---- discovery and the reasons it is unavailable ---------------------------------------------------
def test_registered_through_the_entry_point():
    found = {ep.name: ep.value for ep in metadata.entry_points(group=backends.ENTRY_POINT_GROUP)}
    assert found["cupy"] == "minitorch_cupy:factory"


def test_without_cupy_the_reason_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    with fresh_backend("cupy"):
        status = backends.available()["cupy"]
        assert not status.available
        assert "CuPy is not installed" in status.reason and "minitorch[cupy]" in status.reason
        assert "cupy-cuda13" in status.reason and status.reason.count("pip install 'minitorch[cupy]'") == 1
        with pytest.raises(BackendUnavailableError, match="CuPy is not installed"):
            mt.zeros(1, backend="cupy")
        assert mt.zeros(1).backend == "numpy"  # nothing else breaks


@pytest.mark.parametrize("device_count, expected", [
    (host_cupy.CUDARuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"),
     "CUDA cannot start: CUDARuntimeError: cudaErrorNoDevice: no CUDA-capable device is detected"),
    (0, "there is no CUDA GPU on this machine"),
])
def test_without_a_gpu_the_reason_says_so(device_count, expected):
    with host_cupy.installed(device_count=device_count):
        status = backends.available()["cupy"]
        assert not status.available and expected in status.reason and "CuPy host-stand-in is installed" in status.reason
        assert "install it with" not in status.reason  # installing is not the fix
        with pytest.raises(BackendUnavailableError, match="no CUDA"):
            mt.ones(2, backend="cupy")


def test_available_with_a_gpu_and_selectable(host):
    status = backends.available()["cupy"]
    assert status.available and status.device == "cuda" and "minitorch_cupy" in status.source
    x = mt.tensor([1.0, 2.0], backend="cupy")
    assert x.backend == "cupy" and x.device == "cuda"
    assert mt.tensor([1.0]).to("cuda").backend == "cupy"
    with mt.default_backend("cupy"):
        assert mt.zeros(2).backend == "cupy"


# ---- dtypes and errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, np_dtype", [("bool", np.bool_), ("int64", np.int64), ("float32", np.float32),
                                            ("float64", np.float64)])
def test_dtype_mapping(host, name, np_dtype):
    assert name in host.dtypes
    assert host.full((2,), 1, name).dtype == np_dtype
    assert host.astype(host.from_numpy(np.arange(3)), name).dtype == np_dtype
    t = mt.tensor([1, 0, 2], dtype=getattr(mt, name.rstrip("_") if name != "bool" else "bool_"), backend="cupy")
    assert t.dtype.name == name and t.numpy().dtype == np_dtype


def test_mixing_with_numpy_names_both_backends_and_the_fix(host):
    a, b = mt.ones(2, backend="cupy"), mt.ones(2)
    with pytest.raises(RuntimeError, match=r"'cupy' and 'numpy'.*\.to\('cupy'\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"'numpy' and 'cupy'.*\.to\('numpy'\)"):
        mt.matmul(b, a)
    assert (a + b.to("cupy")).tolist() == [2.0, 2.0]


def test_out_of_memory_says_how_much_was_asked_and_is_free(host, monkeypatch):
    def no_room(*args, **kwargs):
        raise host_cupy.OutOfMemoryError(3 << 30, 70 << 30)

    monkeypatch.setattr(sys.modules["cupy"], "full", no_room)
    with pytest.raises(GPUOutOfMemoryError) as caught:
        mt.zeros(1 << 28, backend="cupy")
    message = str(caught.value)
    assert "asked for 3.00 GiB (3,221,225,472 bytes)" in message
    assert "1.00 GiB free of 80.00 GiB on GPU 0" in message and "memory pool holds 1.50 GiB" in message
    assert isinstance(caught.value, MemoryError) and isinstance(caught.value.__cause__, host_cupy.OutOfMemoryError)


# ---- the backend's logic on the stand-in --------------------------------------------------------------
def _cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding="same"),
                         nn.ReLU(), nn.Flatten(), nn.Linear(6 * 5 * 5, 10))


@pytest.mark.parametrize("make_optimizer", [
    lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.2, maximize=True),
    lambda p: mt.optim.SGD(p, lr=0.1),
    lambda p: mt.optim.Adam(p, lr=1e-2, amsgrad=True, weight_decay=1e-2),
    lambda p: mt.optim.AdamW(p, lr=1e-2, maximize=True),
    lambda p: mt.optim.RMSprop(p, lr=1e-2, centered=True, momentum=0.9, weight_decay=1e-3),
    lambda p: mt.optim.RMSprop(p, lr=1e-3),
    lambda p: mt.optim.NAdam(p, lr=1e-2, weight_decay=1e-2, decoupled_weight_decay=True),
    lambda p: mt.optim.Adagrad(p, lr=1e-2, lr_decay=1e-3, weight_decay=1e-2),
], ids=["sgd-nesterov", "sgd-dampening-max", "sgd", "adam-amsgrad", "adamw-max", "rmsprop-centered-momentum",
        "rmsprop", "nadam-decoupled", "adagrad"])
def test_training_matches_the_numpy_backend_with_no_host_copies(host, make_optimizer, monkeypatch):
    """Three steps with every fused update rule; the NumPy backend is the reference (it matches PyTorch)."""
    copies = []
    monkeypatch.setattr(host, "_host", lambda x: copies.append(1) or np.array(x))
    mt.manual_seed(0)
    reference = _cnn().double()
    model = _cnn().double().to("cupy")
    model.load_state_dict(reference.state_dict())
    opts = [make_optimizer(m.parameters()) for m in (reference, model)]
    x = mt.randn(5, 1, 12, 12, dtype=mt.float64)
    y = mt.tensor([0, 3, 9, 2, 3])
    data = [(x, y), (x.to("cupy"), y.to("cupy"))]
    for _ in range(3):
        for net, opt, (xb, yb) in zip((reference, model), opts, data):
            opt.zero_grad()
            F.cross_entropy(net(xb), yb).backward()
            opt.step()
    assert not copies
    for (name, p), q in zip(reference.named_parameters(), model.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def _all_rules() -> set:
    from minitorch_cupy import fused

    flags = [False, True]
    rules = {make(*b) for make in (fused.sgd_rule, fused.adam_rule, fused.rmsprop_rule)
             for b in itertools.product(flags, repeat=4)}
    rules |= {fused.nadam_rule(*b) for b in itertools.product(flags, repeat=3)}
    return rules | {fused.adagrad_rule(*b) for b in itertools.product(flags, repeat=2)} | {fused.SIGMOID}


def _as_cuda_source(rule, t: str) -> str:
    """The rule inside a kernel shaped like ElementwiseKernel's: ``T`` inputs by value, outputs by reference."""
    scalars = "".join(f", const T {s}" for s in rule.scalars)
    outputs = "".join(f", T* _{o}" for o in rule.outputs)
    refs = "".join(f"  T &{o} = _{o}[i];\n" for o in rule.outputs)
    a = rule.array
    return (f"typedef {t} T;\nextern \"C\" __global__ void {rule.name}(const T* _{a}{scalars}{outputs}, int n) {{\n"
            f"  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= n) return;\n  const T {a} = _{a}[i];\n"
            f"{refs}{rule.operation()}\n}}\n")


def test_every_update_rule_compiles_as_cuda():
    """NVRTC (CUDA's runtime compiler, no GPU needed) compiles every rule variant for float and double."""
    try:
        from cupy_backends.cuda.libs import nvrtc

        nvrtc.getVersion()
    except Exception as exc:
        pytest.skip(f"needs CuPy with NVRTC (pip install cupy-cuda12x nvidia-cuda-nvrtc-cu12): {exc}")
    rules = _all_rules()
    assert len(rules) == 51
    failures = []
    for rule, t in itertools.product(rules, ("float", "double")):
        program = nvrtc.createProgram(_as_cuda_source(rule, t), f"{rule.name}.cu", [], [])
        try:
            nvrtc.compileProgram(program, ["-arch=compute_80"])
        except Exception:
            failures.append(f"{rule.name} ({t}):\n{rule.operation()}\n{nvrtc.getProgramLog(program)}")
    assert not failures, "\n".join(failures)
    typo = type(next(iter(rules)))("typo", ("lr",), ("param",), ("param = param - lr * sqrtt(grad)",))
    broken = nvrtc.createProgram(_as_cuda_source(typo, "float"), "typo.cu", [], [])
    with pytest.raises(nvrtc.NVRTCError):  # the check itself can fail
        nvrtc.compileProgram(broken, ["-arch=compute_80"])


def test_every_array_function_the_backend_calls_exists_in_cupy():
    """The real CuPy (no GPU needed) has every ``xp.NAME`` the NumPy and CuPy backends call, and the op tables."""
    import ast
    import importlib

    from minitorch.backends import numpy_backend

    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:
        pytest.skip(f"needs CuPy installed (pip install cupy-cuda12x): {exc}")
    sources = [Path(numpy_backend.__file__), HERE.parent / "minitorch_cupy" / "backend.py"]

    def is_xp(node: ast.AST) -> bool:  # `xp` or `self.xp`
        return getattr(node, "id", None) == "xp" or (isinstance(node, ast.Attribute) and node.attr == "xp")

    called = {node.attr for path in sources for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.Attribute) and is_xp(node.value)}
    tables = [numpy_backend._UNARY, numpy_backend._BINARY, numpy_backend._REDUCE, numpy_backend._ARG_REDUCE]
    called |= {name for table in tables for name in table.values()}
    assert {"matmul", "copyto", "pad", "negative"} <= called
    missing = sorted(name for name in called if not hasattr(cupy, name))
    assert not missing, f"not in CuPy {cupy.__version__}: {missing}"
    assert callable(cupy.lib.stride_tricks.as_strided) and callable(importlib.import_module("cupyx").scatter_add)
    oom = cupy.cuda.memory.OutOfMemoryError(5 << 20, 0)
    assert "5,242,880 bytes" in str(oom) and requested_bytes(oom) == 5 << 20
    for rule in _all_rules():  # CuPy parses each rule's parameter lists
        cupy.ElementwiseKernel(rule.in_params(), rule.out_params(), rule.operation(), rule.name)


def test_a_bad_target_is_reported_at_the_next_host_copy(host):
    loss = F.cross_entropy(mt.randn(3, 4, backend="cupy"), mt.tensor([0, 7, 1], backend="cupy"))
    with pytest.raises(IndexError, match=r"Target 7 is out of bounds"):
        loss.item()


def test_passes_the_conformance_suite_on_the_host_stand_in():
    """The whole backend conformance suite, with ``import cupy`` giving the stand-in (a fresh process)."""
    code = ("import sys, host_cupy, pytest; host_cupy.install_for_process(); "
            "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--pyargs', 'minitorch.testing.conformance']))")
    env = dict(os.environ, MINITORCH_CONFORMANCE_BACKENDS="cupy",
               PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    tail = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, tail
    assert " passed" in run.stdout and "[cupy" in run.stdout or "passed" in run.stdout.splitlines()[-1], tail


def test_benchmark_script_runs_in_dry_run_mode(capsys):
    """benchmarks/bench_cupy.py on the NumPy backend and torch CPU: the script's logic, not its numbers."""
    pytest.importorskip("torch")
    sys.path.insert(0, str(HERE.parents[2] / "benchmarks"))
    import bench_cupy

    rows = bench_cupy.main(["--dry-run", "--repeats", "1", "--batches", "2,3"])
    assert [(name, batch) for name, batch, *_ in rows][:2] == [("Conv 1->32 3x3 on 28x28 fwd", 2),
                                                              ("Conv 1->32 3x3 on 28x28 fwd+bwd", 2)]
    assert len(rows) == 2 * (2 * len(bench_cupy.CONVS) + len(bench_cupy.MODELS))
    assert all(theirs > 0 and mine > 0 for *_, theirs, mine in rows)
    assert "small VGG (CIFAR) training step (Adam)" in capsys.readouterr().out


def test_the_mnist_example_runs_with_backend_cupy(capsys):
    """examples/mnist_cnn.py --backend cupy (on the stand-in) gives the NumPy backend's accuracy."""
    from minitorch.data import MNIST, DatasetNotFoundError

    try:
        MNIST(None, train=False)
    except DatasetNotFoundError as exc:
        pytest.skip(f"MNIST not available: {exc}")
    import importlib.util

    spec = importlib.util.spec_from_file_location("mnist_cnn_example", HERE.parents[2] / "examples" / "mnist_cnn.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    args = ["--epochs", "1", "--train-size", "256", "--test-size", "128", "--quiet"]
    on_numpy = example.main(args + ["--backend", "numpy"])
    with host_cupy.installed():
        on_cupy = example.main(args + ["--backend", "cupy"])
        assert "backend cupy" in capsys.readouterr().out
    assert on_cupy == pytest.approx(on_numpy, abs=1e-9) and 0.1 < on_cupy <= 1.0
