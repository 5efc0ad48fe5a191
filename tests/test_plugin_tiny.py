"""The plugin system end to end, with the minimal `minitorch-tiny` plugin from tests/plugins/minitorch-tiny."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends

minitorch_tiny = pytest.importorskip(
    "minitorch_tiny", reason="install the test plugin: pip install ./tests/plugins/minitorch-tiny")


def _conformance_backends_in_session(session: pytest.Session) -> set[str]:
    """The backends whose conformance tests this pytest session runs itself (collected, not deselected)."""
    names = set()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if "conformance" in item.nodeid and callspec is not None and "backend_name" in callspec.params:
            names.add(callspec.params["backend_name"])
    return names


# ---- discovery ------------------------------------------------------------------------------------
def test_tiny_is_discovered_through_its_entry_point():
    entry_points = {ep.name: ep.value for ep in metadata.entry_points(group=backends.ENTRY_POINT_GROUP)}
    assert entry_points.get("tiny") == "minitorch_tiny:factory"
    status = backends.available()["tiny"]
    assert status.available, status.reason
    assert (status.device, status.source) == ("cpu", "minitorch_tiny:factory")
    assert set(status.dtypes) == {"bool", "int64", "float32", "float64"}
    assert backends.available()["numpy"].available
    # the installed copy, not tests/plugins/minitorch-tiny/minitorch_tiny.py from the source tree
    assert Path(minitorch_tiny.__file__).parent != Path(__file__).parent / "plugins" / "minitorch-tiny"


def test_tiny_implements_only_the_required_primitives():
    from minitorch.backends.contract import Backend

    tiny = type(backends.get_backend("tiny"))
    fast_paths = ["contiguous", "sigmoid", "softmax", "log_softmax"]
    fast_paths += [name for name in vars(Backend) if name.endswith("_update")]
    for name in fast_paths:
        assert getattr(tiny, name) is getattr(Backend, name), f"tiny overrides the optional {name}"


def test_listed_by_python_m_minitorch_backends():
    out = subprocess.run([sys.executable, "-m", "minitorch.backends"], capture_output=True, text=True, check=True)
    line = next(line for line in out.stdout.splitlines() if line.strip().startswith("tiny"))
    assert "available" in line and "unavailable" not in line and "minitorch_tiny:factory" in line


def test_module_docstring_example_runs():
    result = doctest.testmod(minitorch_tiny, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---- selection ------------------------------------------------------------------------------------
def test_selected_per_tensor_and_by_to():
    t = mt.tensor([[1.0, 2.0], [3.0, 4.0]], backend="tiny")
    assert t.backend == "tiny" and t.device == "cpu"
    assert isinstance(t._data, minitorch_tiny.TinyArray)  # the core works with the wrapper, not NumPy
    assert "backend='tiny'" in repr(t)
    moved = mt.ones(2, 3).to("tiny")
    assert moved.backend == "tiny" and isinstance(moved._data, minitorch_tiny.TinyArray)
    assert moved.to("numpy").backend == "numpy"
    np.testing.assert_array_equal(moved.numpy(), np.ones((2, 3), np.float32))


def test_selected_by_default_backend_block_and_setting(monkeypatch):
    with mt.default_backend("tiny"):
        assert mt.zeros(2).backend == "tiny"
        assert mt.randn(3).backend == "tiny"
        assert mt.arange(4).backend == "tiny"
    assert mt.zeros(2).backend == "numpy"
    mt.set_default_backend("tiny")
    assert mt.ones(1).backend == "tiny"
    mt.set_default_backend(None)
    monkeypatch.setenv(backends.ENV_VAR, "tiny")
    assert mt.ones(1).backend == "tiny"


def test_mixing_backends_in_one_op_names_both():
    with pytest.raises(RuntimeError, match="numpy.*tiny|tiny.*numpy"):
        mt.ones(2, backend="tiny") + mt.ones(2, backend="numpy")


def test_gradient_flows_across_backends():
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)  # numpy
    y = (x.to("tiny") ** 2).sum()
    y.backward()
    assert x.grad.backend == "numpy"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])


# ---- training ------------------------------------------------------------------------------------
def _train(backend: str, steps: int = 5) -> tuple[list[float], list[np.ndarray]]:
    """A few SGD steps of a 2-layer tanh MLP on a fixed regression problem; the losses and final weights."""
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((16, 3)), dtype=mt.float32, backend=backend)
    y = mt.tensor(rng.standard_normal((16, 1)), dtype=mt.float32, backend=backend)
    mt.manual_seed(0)
    params = [mt.randn(3, 8, backend=backend) * 0.5, mt.zeros(8, backend=backend),
              mt.randn(8, 1, backend=backend) * 0.5, mt.zeros(1, backend=backend)]
    for p in params:
        p.requires_grad_()
    losses = []
    for _ in range(steps):
        w1, b1, w2, b2 = params
        prediction = (x @ w1 + b1).tanh() @ w2 + b2
        loss = ((prediction - y) ** 2).mean()
        loss.backward()
        with mt.no_grad():
            for p in params:
                p -= 0.1 * p.grad
                p.grad = None
        losses.append(loss.item())
    return losses, [p.detach().to("numpy").numpy() for p in params]


def test_training_on_tiny_matches_numpy():
    tiny_losses, tiny_params = _train("tiny")
    numpy_losses, numpy_params = _train("numpy")
    np.testing.assert_allclose(tiny_losses, numpy_losses, rtol=1e-5)
    for a, b in zip(tiny_params, numpy_params):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert tiny_losses[-1] < tiny_losses[0]  # and it learns


# ---- the conformance suite --------------------------------------------------------------------------
def test_passes_the_conformance_suite(request, tmp_path):
    """``python -m minitorch.testing --backend tiny`` passes. When this session runs the suite for tiny
    itself (the repo-level run collects minitorch/testing/conformance), the command only runs a slice,
    checking it selects the right backend, instead of running the whole suite twice."""
    command = [sys.executable, "-m", "minitorch.testing", "--backend", "tiny", "-q", "-p", "no:randomly"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if "tiny" in _conformance_backends_in_session(request.session):
        listed = subprocess.run(command + ["--collect-only"], capture_output=True, text=True, env=env, timeout=300,
                                cwd=tmp_path)
        assert listed.returncode == 0, listed.stdout + listed.stderr
        ids = [line for line in listed.stdout.splitlines() if "::test_" in line]
        assert ids and all("tiny" in i for i in ids) and not any("[numpy" in i for i in ids)
        command += ["-k", "fast_paths or test_where"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_conformance_command_fails_for_a_broken_backend(tmp_path):
    """The suite finds real bugs: a tiny backend whose ``exp`` is wrong fails it (one module, one test)."""
    (tmp_path / "broken_tiny.py").write_text(textwrap.dedent("""
        import numpy as np
        import minitorch_tiny

        class Broken(minitorch_tiny.TinyBackend):
            name = "broken"

            def unary(self, op, x):
                out = super().unary(op, x)
                return minitorch_tiny.TinyArray(out.a * 1.01) if op == "exp" else out
    """))
    (tmp_path / "register_broken.py").write_text(textwrap.dedent("""
        from minitorch import backends

        backends._discover()["broken"] = "broken_tiny:Broken"
    """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", "import register_broken, sys, minitorch.testing.__main__ as m; "
                               "sys.exit(m.main(sys.argv[1:]))",
         "--backend", "broken", "-q", "-x", "-p", "no:randomly", "-k", "test_primitives and test_unary and exp"],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "test_unary[broken-exp]" in result.stdout


# ---- a broken plugin breaks only itself ------------------------------------------------------------------
@pytest.fixture
def broken_plugins(tmp_path, monkeypatch):
    """Two extra entry points: one whose module raises on import, one naming a module that doesn't exist."""
    (tmp_path / "minitorch_broken_plugin.py").write_text('raise ImportError("needs libbroken.so, not found")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    found = backends._discover()
    monkeypatch.setitem(found, "broken", "minitorch_broken_plugin:factory")
    monkeypatch.setitem(found, "missing", "minitorch_no_such_module:factory")
    yield
    sys.modules.pop("minitorch_broken_plugin", None)
    backends._reset_discovery()


def test_broken_plugin_is_reported_unavailable_with_its_reason(broken_plugins):
    statuses = backends.available()
    assert not statuses["broken"].available
    assert "ImportError" in statuses["broken"].reason and "needs libbroken.so" in statuses["broken"].reason
    assert not statuses["missing"].available
    assert "minitorch_no_such_module" in statuses["missing"].reason
    assert statuses["numpy"].available and statuses["tiny"].available  # the others still work
    with pytest.raises(backends.BackendUnavailableError, match="needs libbroken.so"):
        mt.zeros(2, backend="broken")
    assert mt.zeros(2, backend="tiny").backend == "tiny"
    out = subprocess.run([sys.executable, "-m", "minitorch.backends"], capture_output=True, text=True, check=True)
    assert "tiny" in out.stdout  # other processes are unaffected


def test_broken_plugin_rejected_by_the_conformance_command(broken_plugins):
    from minitorch.testing.__main__ import main

    assert main(["--backend", "missing"]) == 4
    assert main(["--backend", "no-such-backend"]) == 4


def test_discovery_is_restored_after_the_broken_plugins():
    assert "broken" not in backends.available() and "missing" not in backends.available()
