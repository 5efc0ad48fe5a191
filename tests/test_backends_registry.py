"""The backend registry: discovery, selection order, availability reports and the errors that name backends."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends
from minitorch.backends import BackendUnavailableError
from minitorch.backends.contract import CONTRACT_VERSION, Backend
from minitorch.backends.numpy_backend import NumpyBackend


class OtherBackend(NumpyBackend):
    """The NumPy backend under another name: a second backend for mixing and selection tests."""

    name = "other"


class NotABackend:
    pass


def make_other() -> OtherBackend:
    return OtherBackend()


def make_not_a_backend() -> NotABackend:
    return NotABackend()


def make_old_backend() -> Backend:
    b = OtherBackend()
    b.contract_version = CONTRACT_VERSION + 1
    return b


@pytest.fixture
def registry(monkeypatch):
    """Extra entries in the registry, removed afterwards: ``registry(name, target)``."""
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    backends._discover()
    saved = (dict(backends._entry_points), dict(backends._instances), dict(backends._failures))

    def add(name: str, target: str) -> None:
        backends._entry_points[name] = target

    yield add
    backends._entry_points.clear()
    backends._entry_points.update(saved[0])
    for d, old in zip((backends._instances, backends._failures), saved[1:]):
        d.clear()
        d.update(old)


@pytest.fixture
def other(registry):
    registry("other", f"{__name__}:make_other")
    return backends.get_backend("other")


def test_numpy_backend_is_available_and_the_default(monkeypatch):
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    status = backends.available()
    assert status["numpy"].available and status["numpy"].device == "cpu"
    assert set(status["numpy"].dtypes) == {"bool", "int64", "float32", "float64"}
    assert {"numpy", "numba", "cupy"} <= set(status)  # our own plugins are listed even when not installed
    for name, s in status.items():
        assert s.name == name and (s.available or s.reason)
    assert backends.get_default_backend() == "numpy"
    b = backends.get_backend("numpy")
    assert b is backends.get_backend() and isinstance(b, Backend) and b.contract_version == CONTRACT_VERSION
    t = mt.zeros(2)
    assert t.backend == "numpy" and t.device == "cpu" and isinstance(t._data, np.ndarray)


def test_unknown_backend_lists_known_ones():
    for make in [lambda: mt.zeros(2, backend="nope"), lambda: backends.get_backend("nope"),
                 lambda: mt.set_default_backend("nope"), lambda: mt.default_backend("nope").__enter__(),
                 lambda: mt.ones(2).to("nope")]:
        with pytest.raises(ValueError, match=r"unknown backend 'nope'; known backends: .*cupy.*numba.*numpy"):
            make()


def test_uninstalled_known_plugin_says_what_to_install(registry):
    for name in ["numba", "cupy"]:
        if backends.available()[name].available:
            continue
        backends._entry_points.pop(name, None)
        with pytest.raises(BackendUnavailableError, match=rf"'{name}' is not installed.*pip install"):
            mt.zeros(1, backend=name)
        assert "pip install" in backends.available()[name].reason


def test_broken_plugins_break_only_themselves(registry):
    registry("broken", "no_such_module_anywhere:factory")
    registry("notabackend", f"{__name__}:make_not_a_backend")
    registry("future", f"{__name__}:make_old_backend")
    with pytest.raises(BackendUnavailableError, match="broken.*failed to load.*ModuleNotFoundError"):
        backends.get_backend("broken")
    with pytest.raises(BackendUnavailableError, match="broken"):  # remembered, same reason
        backends.get_backend("broken")
    with pytest.raises(BackendUnavailableError, match="NotABackend, not a minitorch.backends.Backend"):
        backends.get_backend("notabackend")
    with pytest.raises(BackendUnavailableError, match=f"contract version {CONTRACT_VERSION + 1}"):
        backends.get_backend("future")
    status = backends.available()
    assert not status["broken"].available and "ModuleNotFoundError" in status["broken"].reason
    assert not status["future"].available and status["numpy"].available
    assert (mt.ones(2) + 1).tolist() == [2.0, 2.0]


def test_discovery_is_lazy_and_uses_entry_points():
    code = ("import sys, minitorch as mt, minitorch.backends as b\n"
            "print(b._entry_points is None, 'minitorch.backends.numpy_backend' in sys.modules)\n"
            "mt.zeros(1)\n"
            "print(b._entry_points['numpy'], 'minitorch.backends.numpy_backend' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != backends.ENV_VAR}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["True False", "minitorch.backends.numpy_backend:factory True"]


def test_mixing_two_backends_names_both(other):
    a, b = mt.ones(2), mt.ones(2, backend="other")
    assert b.backend == "other" and "backend='other'" in repr(b)
    for op, name in [(lambda: a + b, "add"), (lambda: b * a, "mul"), (lambda: a @ b, "matmul"),
                     (lambda: mt.cat([a, b]), "cat"), (lambda: mt.where(a > 0, a, b), "where"),
                     (lambda: mt.maximum(a, b), "maximum"), (lambda: a < b, "lt")]:
        with pytest.raises(RuntimeError, match=rf"{name}.*'numpy'.*'other'|{name}.*'other'.*'numpy'"):
            op()


def test_to_moves_between_backends_differentiably(other):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("other")
    assert y.backend == "other" and y.tolist() == [1.0, 2.0] and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.backend == "numpy" and x.grad.tolist() == [2.0, 4.0]
    z = y.to(backend="numpy", dtype=mt.float64)
    assert z.backend == "numpy" and z.dtype is mt.float64
    assert y.to("other") is y
    assert mt.tensor([1], backend=other).backend == "other"  # a Backend instance works too
    assert mt.ones(2).to(y).backend == "other"  # .to(tensor) takes its backend
    assert y.to("cpu") is y and y.to(device="cpu") is y  # a device the backend already is on: no move
    assert mt.ones(2).to("cpu", mt.float64).dtype is mt.float64


def test_selection_order(other, monkeypatch):
    def current():
        return mt.zeros(1).backend

    assert current() == "numpy"
    monkeypatch.setenv(backends.ENV_VAR, "other")
    assert current() == "other"  # the environment variable
    mt.set_default_backend("numpy")
    assert current() == "numpy"  # set_default_backend beats the environment
    mt.set_default_backend(None)
    assert current() == "other"
    monkeypatch.delenv(backends.ENV_VAR)
    mt.set_default_backend("other")
    assert current() == "other" and backends.get_default_backend() == "other"
    with mt.default_backend("numpy") as b:  # a block beats set_default_backend
        assert b.name == "numpy" and current() == "numpy"
        with mt.default_backend("other"):
            assert current() == "other"
        assert current() == "numpy"
        assert mt.zeros(1, backend="other").backend == "other"  # the tensor's own backend beats all
        assert mt.ones(1).to("other").backend == "other"
    assert current() == "other"
    mt.set_default_backend(None)
    assert current() == "numpy"


def test_default_backend_applies_to_every_factory(other):
    with mt.default_backend("other"):
        made = [mt.tensor([1.0]), mt.zeros(1), mt.ones(1), mt.full((1,), 2), mt.empty(1), mt.arange(2),
                mt.linspace(0, 1, 2), mt.eye(2), mt.rand(1), mt.randn(1), mt.randint(0, 3, (1,)), mt.randperm(2),
                mt.from_numpy(np.zeros(1))]
        assert [t.backend for t in made] == ["other"] * len(made)
    assert mt.zeros_like(made[0]).backend == "other"  # *_like follows the tensor, not the default
    assert mt.rand_like(made[0]).backend == "other"


def test_seed_gives_the_same_values_on_every_backend(other):
    mt.manual_seed(3)
    a = mt.randn(5)
    mt.manual_seed(3)
    b = mt.randn(5, backend="other")
    assert b.backend == "other" and a.tolist() == b.tolist()


def test_default_backend_block_restores_after_errors(other):
    with pytest.raises(KeyError):
        with mt.default_backend("other"):
            raise KeyError("boom")
    assert mt.zeros(1).backend == "numpy"


def test_bad_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv(backends.ENV_VAR, "nope")
    with pytest.raises(ValueError, match=r"unknown backend 'nope' \(from \$MINITORCH_BACKEND\)"):
        mt.zeros(1)
    with mt.default_backend("numpy"):
        assert mt.zeros(1).backend == "numpy"


def test_dtype_the_backend_does_not_support_is_named(registry):
    class NoBool(NumpyBackend):
        name = "nobool"
        dtypes = ("int64", "float32", "float64")

    backends._instances["nobool"] = NoBool()
    registry("nobool", "x:y")
    with pytest.raises(TypeError, match="'nobool' does not support minitorch.bool"):
        mt.tensor([True], backend="nobool")


def test_python_dash_m_lists_backends():
    env = {k: v for k, v in os.environ.items() if k != backends.ENV_VAR}
    out = subprocess.run([sys.executable, "-m", "minitorch.backends"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "minitorch backends (default: numpy)"
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert {"numpy", "numba", "cupy"} <= set(by_name)
    assert "available" in by_name["numpy"] and "device=cpu" in by_name["numpy"]
    for name, status in backends.available().items():
        assert ("unavailable" in by_name[name]) == (not status.available)
    env[backends.ENV_VAR] = "numpy"
    out = subprocess.run([sys.executable, "-m", "minitorch.backends"], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.stdout.startswith("minitorch backends (default: numpy)")


# ---- the core keeps the backend contract ------------------------------------------------------
class StrictBackend(NumpyBackend):
    """The NumPy backend, checking that the core calls every primitive as the contract says."""

    name = "strict"

    @staticmethod
    def _scalar_or_array(*xs):
        arrays = [x for x in xs if isinstance(x, np.ndarray)]
        for x in xs:
            assert isinstance(x, (np.ndarray, int, float, bool)), f"not an array or a Python scalar: {type(x)}"
        assert len({a.dtype for a in arrays}) <= 1, f"mixed dtypes {[a.dtype for a in arrays]}"

    def full(self, shape, value, dtype):
        assert dtype in self.dtypes and all(isinstance(n, int) and n >= 0 for n in shape), (shape, dtype)
        return super().full(shape, value, dtype)

    def unary(self, op, x):
        from minitorch.backends.contract import UNARY_OPS

        assert op in UNARY_OPS and isinstance(x, np.ndarray)
        return super().unary(op, x)

    def binary(self, op, a, b):
        from minitorch.backends.contract import BINARY_OPS

        assert op in BINARY_OPS
        self._scalar_or_array(a, b)
        return super().binary(op, a, b)

    def where(self, cond, a, b):
        assert cond.dtype == np.bool_
        self._scalar_or_array(a, b)
        return super().where(cond, a, b)

    def reduce(self, op, x, axes, keepdims):
        assert isinstance(axes, tuple) and all(0 <= a < x.ndim for a in axes), (op, x.shape, axes)
        return super().reduce(op, x, axes, keepdims)

    def arg_reduce(self, op, x, axis):
        assert 0 <= axis < x.ndim, (op, x.shape, axis)
        return super().arg_reduce(op, x, axis)

    def softmax(self, x, axis):
        assert 0 <= axis < x.ndim, (x.shape, axis)
        return super().softmax(x, axis)

    def log_softmax(self, x, axis):
        assert 0 <= axis < x.ndim, (x.shape, axis)
        return super().log_softmax(x, axis)

    def matmul(self, a, b):
        assert a.ndim >= 2 and b.ndim >= 2 and a.dtype == b.dtype, (a.shape, b.shape)
        return super().matmul(a, b)

    def _check_key(self, x, key):
        assert isinstance(key, tuple)
        dim = 0
        for k in key:
            if isinstance(k, slice):
                assert isinstance(k.start, int) and isinstance(k.stop, int) and k.step > 0, k
            elif isinstance(k, np.ndarray):
                assert k.dtype == np.int64 and (k.size == 0 or (k.min() >= 0 and k.max() < x.shape[dim])), k
            else:
                assert isinstance(k, int) and 0 <= k < x.shape[dim], (k, x.shape, dim)
            dim += 1

    def index(self, x, key):
        self._check_key(x, key)
        return super().index(x, key)

    def index_put(self, x, key, values):
        self._check_key(x, key)
        return super().index_put(x, key, values)

    def index_add(self, x, key, values):
        self._check_key(x, key)
        assert values.dtype == x.dtype
        return super().index_add(x, key, values)

    def concatenate(self, xs, axis):
        assert len({x.dtype for x in xs}) == 1 and all(0 <= axis < x.ndim for x in xs)
        return super().concatenate(xs, axis)


def make_strict() -> StrictBackend:
    return StrictBackend()


STRICT_PROGRAMS = {
    "zero_dim": lambda x: [x[0, 0].softmax(0), x[0, 0].log_softmax(-1), x[0, 0].argmax(0), x[0, 0].max(0).values,
                           x[0, 0].sum(0), x[0, 0].logsumexp(0), x[0, 0].amin(), x[0, 0].squeeze(0)],
    "elementwise": lambda x: [x.exp(), (x.abs() + 0.5).log(), x.sigmoid(), x.relu(), x.clamp(-0.5, 0.5), x ** 2,
                              2 ** x, 1 - x, x / 3, (x > 0).float(), mt.where(x > 0, x, 1), x.sign(),
                              mt.maximum(x, x.T), x.tanh()],
    "mixed_dtypes": lambda x: [x + mt.tensor([1, 2, 3]), x * mt.tensor(2.0, dtype=mt.float64),
                               mt.tensor([True, False, True]) + x, x.long() * 2.5, x == mt.tensor([0, 1, 2])],
    "reductions": lambda x: [x.sum(), x.sum(1, keepdim=True), x.mean((0, 1)), x.var(0), x.std(), x.prod(1),
                             x.amax(-1), x.max(0).values, x.argmin(1), x.logsumexp(1), x.softmax(0),
                             x.log_softmax(1), x.all(), x.any(0)],
    "shapes": lambda x: [x.T.reshape(-1), x.permute(1, 0).contiguous(), x.unsqueeze(0).expand(2, 3, 3),
                         mt.cat([x, x.long()], 1), mt.stack([x, x]), *x.split(2), *x.chunk(2, 1), mt.pad(x, (1, 1))],
    "indexing": lambda x: [x[1], x[-1, 1:], x[None, ..., ::2], x[mt.tensor([2, -3])], x[x > 0], x[:, mt.tensor([0, 2])],
                           x[0, :, None][mt.tensor([1])], x[mt.tensor([True, False, True])]],
    "matmul": lambda x: [x @ x, x @ x[0], x[0] @ x, x[0] @ x[1], x.unsqueeze(0).expand(2, 3, 3) @ x],
}


@pytest.mark.parametrize("program", sorted(STRICT_PROGRAMS))
def test_core_calls_backend_primitives_as_the_contract_says(registry, program):
    registry("strict", f"{__name__}:make_strict")
    arr = np.array([[0.5, -1.0, 2.0], [1.5, -0.25, -2.0], [0.75, 1.25, -1.5]])
    fn = STRICT_PROGRAMS[program]
    expected = [t.detach().numpy() for t in fn(mt.tensor(arr, requires_grad=True))]
    with mt.default_backend("strict"):  # the tensors a program makes itself are strict too
        x = mt.tensor(arr, requires_grad=True)
        outs = fn(x)
    for out, exp in zip(outs, expected):
        assert out.backend == "strict"
        np.testing.assert_allclose(out.detach().numpy(), exp, rtol=1e-6)
    total = sum(o.float().sum() * (i + 1) for i, o in enumerate(outs) if o.is_floating_point() and o.requires_grad)
    total.backward()  # the backward passes keep the contract too
    assert x.grad.backend == "strict" and x.grad.shape == x.shape
    with mt.no_grad():
        x[0] = 1.0
        x[mt.tensor([1, 2]), mt.tensor([0, 0])] = mt.tensor([3.0, 4.0])
        x[x > 3] = 0.0
    assert x.tolist()[0] == [1.0, 1.0, 1.0] and x.tolist()[2][0] == 0.0
