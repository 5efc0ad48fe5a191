"""A training step crosses to the host only where the user asks: checks on asynchronous backends are deferred."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
import minitorch.nn.functional as F
from minitorch import nn
from minitorch.backends import DeferredChecks
from minitorch.backends.numpy_backend import NumpyBackend


class CountingBackend(DeferredChecks, NumpyBackend):
    """The NumPy backend behaving like a GPU backend: host copies counted, checks deferred."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.host_copies = 0

    def _host(self, x):
        self.host_copies += 1
        return np.array(x)


def _cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding="same"), nn.ReLU(),
        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(6 * 3 * 3, 16), nn.Sigmoid(), nn.Dropout(0.2), nn.Linear(16, 10),
    )


@pytest.mark.parametrize("optimizer", [mt.optim.RMSprop, mt.optim.Adam, mt.optim.SGD])
def test_training_step_never_copies_to_the_host(optimizer):
    backend = CountingBackend()
    mt.manual_seed(0)
    model = _cnn().to(backend=backend)
    opt = optimizer(model.parameters(), lr=0.01)
    x = mt.randn(8, 1, 14, 14).to(backend=backend)
    y = mt.tensor([0, 1, 2, 3, 4, 5, 6, 9]).to(backend=backend)
    backend.host_copies = 0
    for _ in range(2):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y) + F.binary_cross_entropy(mt.sigmoid(model(x)[:, 0]), y.float() / 9)
        loss.backward()
        opt.step()
    assert backend.host_copies == 0
    # the user's .item(): one copy of the deferred checks' flags (all of them at once), one of the value
    assert np.isfinite(loss.item()) and backend.host_copies == 2


def test_a_bad_target_raises_at_the_next_host_copy():
    backend = CountingBackend()
    logits = mt.randn(4, 10, requires_grad=True).to(backend=backend)
    loss = F.cross_entropy(logits, mt.tensor([1, 12, 3, 4]).to(backend=backend))  # no error yet: deferred
    assert backend.host_copies == 0
    with pytest.raises(IndexError, match=r"Target 12 is out of bounds: class indices must be in \[0, 10\)"):
        loss.item()
    assert np.isfinite(F.cross_entropy(logits, mt.tensor([1, 2, 3, 4]).to(backend=backend)).item())  # cleared


def test_a_bad_probability_raises_at_synchronize():
    backend = CountingBackend()
    F.binary_cross_entropy(mt.tensor([0.5, 1.5]).to(backend=backend), mt.tensor([1.0, 0.0]).to(backend=backend))
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        backend.synchronize()
    backend.synchronize()  # reported once


def test_pending_checks_stay_bounded(monkeypatch):
    backend = CountingBackend()
    monkeypatch.setattr(backend, "max_pending", 3)
    good = backend.from_numpy(np.array(False))
    for _ in range(7):
        backend.raise_if(good, lambda: AssertionError("never"))
    assert backend.host_copies == 2 and len(backend._pending_checks) == 1
    backend.raise_if(backend.from_numpy(np.array(True)), lambda: ValueError("the eighth"))
    with pytest.raises(ValueError, match="the eighth"):
        backend.raise_if(good, lambda: AssertionError("never"))


def test_synchronous_backends_check_at_once():
    with pytest.raises(IndexError, match="Target -3 is out of bounds"):
        F.cross_entropy(mt.randn(2, 3), mt.tensor([0, -3]))
