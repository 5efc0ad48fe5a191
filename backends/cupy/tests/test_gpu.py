"""The cupy backend on a real NVIDIA GPU; every test here skips elsewhere, saying whether CuPy or the GPU is missing."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from minitorch_cupy import gpu_unavailable_reason
from minitorch_cupy.memory import GPUOutOfMemoryError

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn


def _skip_reason() -> str | None:
    try:
        cupy = importlib.import_module("cupy")
    except ImportError:
        return "CuPy is not installed (pip install 'minitorch[cupy]')"
    if not hasattr(cupy, "cuda") or not hasattr(cupy.cuda, "runtime"):
        return "the CuPy found is not a real one"
    reason = gpu_unavailable_reason(cupy)
    return f"no usable GPU: {reason}" if reason else None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))
ROOT = Path(__file__).resolve().parents[3]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=1800)


def test_passes_the_conformance_suite():
    run = _run(["-m", "minitorch.testing", "--backend", "cupy"])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_backend_parametrised_nn_tests_pass():
    run = _run(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_conv.py", "tests/test_pooling.py",
                "tests/test_nn_layers.py", "tests/test_optim.py", "tests/test_functional_loss.py"],
               MINITORCH_BACKEND="cupy")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def _cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 10))


def test_a_training_step_stays_on_the_gpu(monkeypatch):
    cupy = importlib.import_module("cupy")
    cupyx = importlib.import_module("cupyx")
    backend = mt.backends.get_backend("cupy")
    copies = []
    original = backend._host
    monkeypatch.setattr(backend, "_host", lambda x: copies.append(x.shape) or original(x))
    mt.manual_seed(0)
    model = _cnn().to("cupy")
    opt = mt.optim.RMSprop(model.parameters(), lr=1e-3)
    x = mt.randn(64, 1, 28, 28).to("cupy")
    y = mt.randint(0, 10, (64,)).to("cupy")
    step_once = lambda: (opt.zero_grad(), F.cross_entropy(model(x), y).backward(), opt.step())  # noqa: E731
    step_once()  # compiles the kernels
    backend.synchronize()
    copies.clear()
    if hasattr(cupyx, "allow_synchronize"):  # CuPy's own detector of device synchronisation
        with cupyx.allow_synchronize(False):
            step_once()
    else:
        step_once()
    assert copies == []
    cupy.cuda.get_current_stream().synchronize()


def test_training_matches_the_numpy_backend():
    mt.manual_seed(0)
    reference, model = _cnn(), _cnn().to("cupy")
    model.load_state_dict(reference.state_dict())
    opts = [mt.optim.Adam(m.parameters(), lr=1e-3) for m in (reference, model)]
    x, y = mt.randn(32, 1, 28, 28), mt.randint(0, 10, (32,))
    for _ in range(3):
        for net, opt, dev in zip((reference, model), opts, ("numpy", "cupy")):
            opt.zero_grad()
            F.cross_entropy(net(x.to(dev)), y.to(dev)).backward()
            opt.step()
    for p, q in zip(reference.parameters(), model.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-3, atol=1e-5)


def test_out_of_memory_names_the_sizes():
    with pytest.raises(GPUOutOfMemoryError, match=r"asked for 4096\.00 GiB .* free of"):
        mt.zeros(1 << 40, dtype=mt.float32, backend="cupy")
