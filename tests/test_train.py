"""mt.train: fit/evaluate/predict, History, validation_split, callbacks, and agreement with the plain training loop."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.data import MNIST, DataLoader, DatasetNotFoundError, Subset, TensorDataset, transforms
from minitorch.train import EarlyStopping, LearningRateScheduler, ModelCheckpoint, _Trainer, accuracy


def state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def toy_data(n: int = 64, seed: int = 0) -> tuple[mt.Tensor, mt.Tensor]:
    """Two Gaussian blobs: class = sign of the first coordinate."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return mt.tensor(x), mt.tensor(y)


class Snapshots(mt.train.Callback):
    """Records the weights and the learning rate at each epoch end (before later callbacks act)."""

    def __init__(self, optimizer=None) -> None:
        self.states: list[dict[str, np.ndarray]] = []
        self.lrs: list[float] = []
        self.optimizer = optimizer

    def on_epoch_begin(self, epoch: int) -> None:
        if self.optimizer is not None:
            self.lrs.append(self.optimizer.param_groups[0]["lr"])

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.states.append(state(self.trainer.model))


def scripted(values: list[float], model: nn.Module):
    """A metric that reports ``values[epoch]`` during validation (model in eval mode) and 0 in training."""
    it = iter(values)

    def val_score(output: mt.Tensor, target: mt.Tensor) -> float:
        return 0.0 if model.training else next(it)

    return val_score


# ---- real MNIST -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_slices():
    try:
        to_tensor = transforms.ToTensor()
        train = MNIST(None, train=True, transform=to_tensor)
        test = MNIST(None, train=False, transform=to_tensor)
    except DatasetNotFoundError:
        pytest.skip("MNIST files not found (set MINITORCH_DATA)")
    return Subset(train, range(2000)), Subset(test, range(500))


def test_fit_learns_real_mnist(mnist_slices):
    train, test = mnist_slices
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10))
    history = mt.train.fit(model, train, nn.CrossEntropyLoss(), mt.optim.Adam(model.parameters(), lr=3e-3),
                           epochs=2, batch_size=32, validation_data=test, generator=mt.Generator().manual_seed(0),
                           verbose=False)
    result = mt.train.evaluate(model, test, nn.CrossEntropyLoss())
    # 2 epochs on 2,000 images: about 88% on the 500 test images (chance is 10%); a trainer that does not
    # update, updates with wrong gradients, or sees only a few batches stays far below 80%.
    assert result["accuracy"] > 0.80
    assert result["loss"] < 0.6 < math.log(10)
    h = history.history
    assert history.epoch == [0, 1]
    assert sorted(h) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 2 for v in h.values())
    assert h["loss"][1] < h["loss"][0] and h["accuracy"][1] > h["accuracy"][0]
    # the last validation ran on the final weights: it is exactly what evaluate measures now
    assert h["val_loss"][-1] == pytest.approx(result["loss"], rel=1e-5)
    assert h["val_accuracy"][-1] == pytest.approx(result["accuracy"], abs=1e-6)
    # and the accuracy is what the predictions say
    predicted = mt.train.predict(model, test).numpy().argmax(axis=1)
    labels = np.asarray(test.dataset.targets)[:500]
    assert (predicted == labels).mean() == pytest.approx(result["accuracy"], abs=1e-6)


# ---- plain loop == fit --------------------------------------------------------------------------------------

def test_plain_loop_matches_fit():
    x, y = toy_data(100)

    def fresh() -> tuple[nn.Module, mt.optim.Optimizer]:
        mt.manual_seed(123)
        m = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
        return m, mt.optim.Adam(m.parameters(), lr=0.01)

    model_a, opt_a = fresh()
    history = mt.train.fit(model_a, (x, y), nn.CrossEntropyLoss(), opt_a, epochs=1, batch_size=32, shuffle=False,
                           verbose=False)

    model_b, opt_b = fresh()
    loss_fn = nn.CrossEntropyLoss()
    total, seen = 0.0, 0
    model_b.train()
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=32):
        opt_b.zero_grad()
        loss = loss_fn(model_b(xb), yb)
        loss.backward()
        opt_b.step()
        total += loss.item() * len(xb)
        seen += len(xb)

    a, b = state(model_a), state(model_b)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert history["loss"] == [pytest.approx(total / seen, rel=1e-6)]
    assert seen == 100  # 4 batches: 32, 32, 32, 4


# ---- validation_split ---------------------------------------------------------------------------------------

def test_validation_split_takes_the_last_fraction():
    n = 100
    x = mt.arange(n, dtype=mt.float32).reshape(n, 1)
    y = mt.arange(n, dtype=mt.float32).reshape(n, 1)
    model = nn.Linear(1, 1)
    seen = {"train": [], "val": []}

    def record(output: mt.Tensor, target: mt.Tensor) -> float:
        seen["train" if model.training else "val"].extend(target.numpy().reshape(-1).astype(int).tolist())
        return 0.0

    history = mt.train.fit(model, (x, y), nn.MSELoss(), mt.optim.SGD(model.parameters(), lr=0.0), epochs=2,
                           batch_size=16, validation_split=0.25, metrics=[record], verbose=False,
                           generator=mt.Generator().manual_seed(0))
    assert seen["val"] == list(range(75, 100)) * 2          # the last 25, in order, every epoch
    assert sorted(seen["train"]) == sorted(list(range(75)) * 2)  # the first 75, shuffled
    assert seen["train"][:75] != list(range(75))
    assert "val_record" in history.history and "val_loss" in history.history


def test_validation_split_errors():
    x, y = toy_data(20)
    model = nn.Linear(2, 2)
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), opt, validation_split=1.5, verbose=False)
    with pytest.raises(ValueError, match="not both"):
        mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), opt, validation_split=0.2, validation_data=(x, y),
                     verbose=False)
    with pytest.raises(TypeError, match="validation_split"):
        mt.train.fit(model, DataLoader(TensorDataset(x, y), batch_size=4), nn.CrossEntropyLoss(), opt,
                     validation_split=0.2, verbose=False)


# ---- EarlyStopping ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("patience, values, stops_at", [
    (0, [1.0, 0.8, 0.9, 0.7], 2),             # the first epoch without improvement
    (1, [1.0, 0.8, 0.9, 0.7], 2),             # as Keras: patience 0 and 1 behave alike
    (2, [1.0, 0.8, 0.9, 0.85, 0.7, 0.6], 3),  # two epochs in a row without improvement
    (2, [1.0, 0.8, 0.9, 0.7, 0.75, 0.6], None),  # each plateau is short enough
])
def test_early_stopping_patience(patience, values, stops_at):
    model = nn.Linear(1, 1)
    cb = EarlyStopping(monitor="val_loss", patience=patience)
    cb.trainer = _Trainer(model)
    cb.on_train_begin()
    stopped = None
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {"val_loss": v})
        if cb.trainer.stop_training:
            stopped = epoch
            break
    assert stopped == stops_at and cb.stopped_epoch == stops_at


def test_early_stopping_in_fit_restores_best_weights():
    x, y = toy_data(32)
    mt.manual_seed(0)
    model = nn.Linear(2, 2)
    opt = mt.optim.SGD(model.parameters(), lr=0.5)
    # monitored: the validation score 5, 3, 4, 4.5, ... (lower is better): best after epoch 1
    metric = scripted([5.0, 3.0, 4.0, 4.5, 2.0, 1.0], model)
    snaps = Snapshots()
    stop = EarlyStopping(monitor="val_val_score", mode="min", patience=2, restore_best_weights=True)
    history = mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), opt, epochs=6, batch_size=8, metrics=[metric],
                           validation_data=(x[:8], y[:8]), callbacks=[snaps, stop], verbose=False)
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3
    assert history["val_val_score"] == [5.0, 3.0, 4.0, 4.5]
    final = state(model)
    for k in final:
        np.testing.assert_array_equal(final[k], snaps.states[1][k])   # the best epoch's weights
    assert not np.array_equal(snaps.states[1]["weight"], snaps.states[3]["weight"])  # training had moved on


def test_early_stopping_mode_auto_maximises_accuracy():
    model = nn.Linear(1, 1)
    cb = EarlyStopping(monitor="val_accuracy", patience=1)
    cb.trainer = _Trainer(model)
    cb.on_train_begin()
    for epoch, v in enumerate([0.5, 0.6, 0.7]):
        cb.on_epoch_end(epoch, {"val_accuracy": v})
    assert not cb.trainer.stop_training
    cb.on_epoch_end(3, {"val_accuracy": 0.65})
    assert cb.trainer.stop_training


def test_monitor_missing_says_what_to_do():
    x, y = toy_data(16)
    model = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="validation data"):
        mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.1),
                     callbacks=[EarlyStopping()], verbose=False)


# ---- ModelCheckpoint ----------------------------------------------------------------------------------------

def test_model_checkpoint_best_only(tmp_path: Path):
    x, y = toy_data(32)
    mt.manual_seed(0)
    model = nn.Linear(2, 2)
    metric = scripted([3.0, 2.0, 2.5, 1.0], model)
    snaps = Snapshots()
    ckpt = ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}-{val_val_score:.1f}.safetensors"),
                           monitor="val_val_score", mode="min")
    mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.5), epochs=4,
                 batch_size=8, metrics=[metric], validation_data=(x[:8], y[:8]), callbacks=[snaps, ckpt],
                 verbose=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ckpt-01-3.0.safetensors", "ckpt-02-2.0.safetensors", "ckpt-04-1.0.safetensors"]
    assert [Path(p).name for p in ckpt.saved] == names
    for name, epoch in zip(names, (0, 1, 3)):
        loaded = mt.load(tmp_path / name)
        assert sorted(loaded) == ["bias", "weight"]
        for k, v in loaded.items():
            np.testing.assert_array_equal(v.numpy(), snaps.states[epoch][k])
    fresh = nn.Linear(2, 2)
    fresh.load_state_dict(mt.load(tmp_path / names[-1]))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())  # the last was best


def test_model_checkpoint_every_epoch_needs_no_validation(tmp_path: Path):
    x, y = toy_data(16)
    model = nn.Linear(2, 2)
    ckpt = ModelCheckpoint(str(tmp_path / "e{epoch}.safetensors"), save_best_only=False)
    mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.1), epochs=3,
                 callbacks=[ckpt], verbose=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e1.safetensors", "e2.safetensors", "e3.safetensors"]


# ---- LearningRateScheduler ----------------------------------------------------------------------------------

def test_learning_rate_scheduler_step_lr():
    x, y = toy_data(16)
    model = nn.Linear(2, 2)
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    snaps = Snapshots(opt)
    sched = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), opt, epochs=5, batch_size=16,
                           callbacks=[snaps, LearningRateScheduler(sched)], verbose=False)
    expected = [0.1, 0.1, 0.05, 0.05, 0.025]
    assert snaps.lrs == pytest.approx(expected)          # the rates the epochs trained with
    assert history["lr"] == pytest.approx(expected)      # are the ones logged
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)  # stepped 5 times: the next halving is due at 6


def test_learning_rate_scheduler_reduce_on_plateau():
    x, y = toy_data(16)
    model = nn.Linear(2, 2)
    opt = mt.optim.SGD(model.parameters(), lr=1.0)
    metric = scripted([3.0, 2.0, 2.0, 2.0, 1.0, 1.0], model)
    sched = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    history = mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), opt, epochs=6, batch_size=16, metrics=[metric],
                           validation_data=(x, y), callbacks=[LearningRateScheduler(sched, monitor="val_val_score")],
                           verbose=False)
    # plateau after epoch 1: epochs 2 and 3 do not improve -> halved after epoch 3
    assert history["lr"] == pytest.approx([1.0, 1.0, 1.0, 1.0, 0.5, 0.5])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5)


# ---- evaluate, predict, metrics -----------------------------------------------------------------------------

def test_evaluate_and_predict_match_direct_computation():
    x, y = toy_data(50, seed=3)
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 3)).train()
    out = mt.train.predict(model, x, batch_size=16)  # 16 does not divide 50
    assert model.training  # the model's own mode is restored afterwards
    with mt.no_grad():
        direct = model.eval()(x).numpy()  # predict runs in eval mode: no dropout
    np.testing.assert_allclose(out.numpy(), direct, rtol=1e-6)
    np.testing.assert_allclose(mt.train.predict(model, TensorDataset(x, y), batch_size=7).numpy(), direct, rtol=1e-6)
    np.testing.assert_allclose(mt.train.predict(model, DataLoader(TensorDataset(x), batch_size=50)).numpy(), direct,
                               rtol=1e-6)

    logits, labels = direct.astype(np.float64), y.numpy()
    log_softmax = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) \
        - logits.max(1, keepdims=True)
    expected_loss = -log_softmax[np.arange(50), labels].mean()
    result = mt.train.evaluate(model, (x, y), nn.CrossEntropyLoss(), batch_size=16)
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert result["accuracy"] == pytest.approx((logits.argmax(1) == labels).mean(), abs=1e-9)
    assert sorted(mt.train.evaluate(model, (x, y))) == ["accuracy"]  # no loss asked for


def test_custom_metric_in_history():
    x, y = toy_data(40)
    model = nn.Linear(2, 2)

    def mean_abs_logit(output: mt.Tensor, target: mt.Tensor) -> float:
        return float(np.abs(output.numpy()).mean())

    history = mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.0),
                           epochs=1, batch_size=40, metrics=["acc", mean_abs_logit], validation_data=(x, y),
                           verbose=False)
    with mt.no_grad():
        expected = float(np.abs(model(x).numpy()).mean())  # lr 0: the weights never change
    assert history["mean_abs_logit"] == [pytest.approx(expected, rel=1e-6)]
    assert history["val_mean_abs_logit"] == [pytest.approx(expected, rel=1e-6)]
    assert "accuracy" in history.history  # 'acc' is logged under its full name
    with pytest.raises(ValueError, match="unknown metric"):
        mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.0),
                     metrics=["f1"], verbose=False)


@pytest.mark.parametrize("output, target, expected", [
    ([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]], [0, 0, 0], 2 / 3),               # class indices
    ([[2.0, 1.0], [0.0, 3.0]], [[0.0, 1.0], [0.0, 1.0]], 0.5),              # one-hot rows
    ([[0.3], [-1.0], [2.0], [-0.1]], [[1.0], [0.0], [0.0], [0.0]], 0.75),   # one logit, 0/1 labels
])
def test_accuracy(output, target, expected):
    assert accuracy(mt.tensor(output), mt.tensor(target)) == pytest.approx(expected)


def test_callback_can_stop_training():
    class StopAfterTwo(mt.train.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
            if epoch == 1:
                self.trainer.stop_training = True

    x, y = toy_data(16)
    model = nn.Linear(2, 2)
    history = mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.1),
                           epochs=10, callbacks=[StopAfterTwo()], verbose=False)
    assert history.epoch == [0, 1]


def test_fit_evaluate_and_predict_restore_the_models_mode():
    x, y = toy_data(32, seed=1)
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    model.eval()
    mt.train.fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.1), epochs=1,
                 verbose=False)
    assert not model.training and not model[1].training
    model.train()
    mt.train.evaluate(model, (x, y), nn.CrossEntropyLoss())
    mt.train.predict(model, x)
    assert model.training and model[1].training
