"""Keras-style ``fit``/``evaluate``/``predict`` with progress bars, history and callbacks.

These are conveniences over the plain PyTorch loop (``for x, y in loader: ...``),
which stays just as easy; nothing here is needed to train a model.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .autograd import no_grad
from .tensor import Tensor

__all__ = ["fit", "evaluate", "predict", "History", "Callback", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "accuracy"]

Metric = Callable[[Tensor, Tensor], float]


def accuracy(output: Tensor, target: Tensor) -> float:
    """Fraction of correct predictions: argmax over classes, or ``logit > 0`` for one output.

    Targets may be class indices, one-hot/probability rows, or 0/1 labels.

    Example:
        >>> import minitorch as mt
        >>> accuracy(mt.tensor([[2.0, 1.0], [0.0, 3.0]]), mt.tensor([0, 0]))
        0.5
    """
    if output.ndim == 1 or output.shape[-1] == 1:
        predicted = (output.reshape(-1) > 0).long()
        truth = target.reshape(-1).long()
    else:
        predicted = output.argmax(dim=-1)
        truth = target.argmax(dim=-1) if target.ndim == output.ndim else target
    return float((predicted == truth).float().mean().item())


_METRICS: dict[str, Metric] = {"accuracy": accuracy, "acc": accuracy}


@dataclass
class History:
    """Per-epoch averages, as Keras's ``History``: ``history['loss']``, ``history['val_accuracy']``..."""

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        """Record one epoch's logged values."""
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]


class Callback:
    """Base class: override the hooks you need. ``self.trainer.stop_training = True`` stops ``fit``."""

    trainer: _Trainer

    def on_train_begin(self) -> None:
        """Called once before the first epoch."""

    def on_train_end(self) -> None:
        """Called once after the last epoch."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Called before each epoch (counted from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Called after each epoch with its averaged ``logs`` (``loss``, metrics, ``val_*``); may add keys."""

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        """Called after each training batch with the running averages so far."""


class _Monitor(Callback):
    """Shared logic of callbacks that watch one logged value for improvement."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.sign = -1.0 if mode == "max" or (mode == "auto" and "acc" in monitor) else 1.0
        self.min_delta = abs(min_delta)
        self.best = math.inf

    def _improved(self, logs: dict[str, float]) -> bool:
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__} monitors {self.monitor!r}, but the logs hold {sorted(logs)}; "
                           "pass validation data to log val_* values")
        value = self.sign * logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best = value
            return True
        return False


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs in a row (Keras semantics).

    With ``patience=2`` and validation losses 1.0, 0.8, 0.9, 0.85, training stops after the fourth epoch
    (two epochs without improvement); ``patience=0`` stops at the first epoch that does not improve.
    ``restore_best_weights`` loads the best epoch's weights back when it stops.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = False) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.best_state: dict | None = None
        self.stopped_epoch: int | None = None

    def on_train_begin(self) -> None:
        self.best, self.wait, self.best_state, self.stopped_epoch = math.inf, 0, None, None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if self._improved(logs):
            self.wait = 0
            if self.restore_best_weights:
                self.best_state = {k: v.clone() for k, v in self.trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:  # as Keras: stop after `patience` epochs in a row without improvement
            self.stopped_epoch = epoch
            self.trainer.stop_training = True
            if self.best_state is not None:
                self.trainer.model.load_state_dict(self.best_state)


class ModelCheckpoint(_Monitor):
    """Save the model's state dict with ``mt.save`` (atomically) when ``monitor`` improves.

    ``path`` may contain ``{epoch}`` and log keys, e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.

    Example:
        >>> ckpt = ModelCheckpoint("best.safetensors", monitor="val_accuracy")
    """

    def __init__(self, path: str, monitor: str = "val_loss", mode: str = "auto", save_best_only: bool = True) -> None:
        super().__init__(monitor, mode, 0.0)
        self.path = path
        self.save_best_only = save_best_only
        self.saved: list[str] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if not self.save_best_only or self._improved(logs):  # saving every epoch needs no monitored value
            from .serialization import save

            path = self.path.format(epoch=epoch + 1, **logs)
            save(self.trainer.model.state_dict(), path)
            self.saved.append(path)


class LearningRateScheduler(Callback):
    """Step an ``mt.optim.lr_scheduler`` after every epoch (ReduceLROnPlateau gets ``monitor``).

    The learning rate each epoch trained with is logged as ``lr`` (``history['lr']``).

    Example:
        >>> import minitorch as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
        >>> cb = LearningRateScheduler(mt.optim.lr_scheduler.StepLR(opt, step_size=1))
    """

    def __init__(self, scheduler: Any, monitor: str = "val_loss") -> None:
        self.scheduler = scheduler
        self.monitor = monitor

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        logs["lr"] = self.scheduler.optimizer.param_groups[0]["lr"]  # the rate this epoch used, as Keras logs it
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            self.scheduler.step(logs[self.monitor] if self.monitor in logs else logs["loss"])
        else:
            self.scheduler.step()


@contextlib.contextmanager
def _mode(model: Any, training: bool) -> Iterator[None]:
    """Put ``model`` in train or eval mode for the block, then restore each module's own mode."""
    modes = [(m, m.training) for m in model.modules()]
    model.train(training)
    try:
        yield
    finally:
        for m, was in modes:
            m.training = was


@dataclass
class _Trainer:
    model: Any
    stop_training: bool = False


def _loader(data: Any, batch_size: int, shuffle: bool, generator: Any = None) -> Any:
    from .data import DataLoader, Dataset, TensorDataset

    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(d, Tensor) for d in data):
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(f"expected a DataLoader, a Dataset or a tuple (inputs, targets) of tensors, "
                        f"got {type(data).__name__}")
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)


def _split_off_validation(data: Any, fraction: float) -> tuple[Any, Any]:
    """Keras's ``validation_split``: the last ``fraction`` of the samples, taken before shuffling."""
    from .data import Dataset, Subset, TensorDataset

    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {fraction}")
    if isinstance(data, (tuple, list)):
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(f"validation_split needs a Dataset or a tuple of tensors to split, got {type(data).__name__}; "
                        "split the dataset before making the DataLoader, or pass validation_data")
    n = len(data)
    cut = n - int(round(n * fraction))
    return Subset(data, range(cut)), Subset(data, range(cut, n))


def _metric_fns(metrics: Iterable[str | Metric]) -> dict[str, Metric]:
    fns = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in _METRICS:
                raise ValueError(f"unknown metric {m!r}; known: {sorted(_METRICS)} or any callable(output, target)")
            fns["accuracy" if m == "acc" else m] = _METRICS[m]
        else:
            fns[getattr(m, "__name__", "metric")] = m
    return fns


def _progress(total: int, desc: str, verbose: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", disable=not verbose, file=sys.stderr, dynamic_ncols=True)


def _run_epoch(model: Any, loader: Any, loss_fn: Callable, metrics: dict[str, Metric], optimizer: Any = None,
               desc: str = "", verbose: bool = True, callbacks: Sequence[Callback] = ()) -> dict[str, float]:
    """One pass over ``loader``: training when ``optimizer`` is given, else evaluation."""
    totals = {"loss": 0.0, **{k: 0.0 for k in metrics}}
    seen = 0
    start = time.perf_counter()
    with _progress(len(loader), desc, verbose) as bar:
        for batch, (x, y) in enumerate(loader):
            if optimizer is not None:
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                loss.backward()
                optimizer.step()
            else:
                with no_grad():
                    out = model(x)
                    loss = loss_fn(out, y)
            n = x.shape[0]
            seen += n
            totals["loss"] += loss.item() * n
            with no_grad():
                for k, fn in metrics.items():
                    totals[k] += fn(out.detach(), y) * n
            logs = {k: v / seen for k, v in totals.items()}
            bar.set_postfix({**{k: f"{v:.4f}" for k, v in logs.items()},
                             "img/s": f"{seen / max(time.perf_counter() - start, 1e-9):.0f}"})
            bar.update(1)
            for cb in callbacks:
                cb.on_batch_end(batch, logs)
    return {k: v / max(seen, 1) for k, v in totals.items()}


def fit(model: Any, train_data: Any, loss: Callable, optimizer: Any, epochs: int = 1, batch_size: int = 32, *,
        validation_data: Any = None, validation_split: float | None = None,
        metrics: Iterable[str | Metric] = ("accuracy",), callbacks: Sequence[Callback] = (), shuffle: bool = True,
        generator: Any = None, verbose: bool = True) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch ``History``, as Keras's ``fit``.

    Args:
        model: an ``nn.Module``.
        train_data: a ``DataLoader``, a ``Dataset`` of ``(input, target)`` pairs, or a tuple of tensors.
        loss: ``loss(output, target) -> scalar tensor``, e.g. ``nn.CrossEntropyLoss()``.
        optimizer: an ``mt.optim`` optimizer over the model's parameters.
        epochs, batch_size, shuffle, generator: how batches are drawn (ignored for a ready ``DataLoader``).
        validation_data: data evaluated after every epoch, logged as ``val_loss``, ``val_accuracy``...
        validation_split: instead, hold out this last fraction of ``train_data`` (before shuffling).
        metrics: names (``'accuracy'``) or callables ``(output, target) -> float``.
        callbacks: ``EarlyStopping``, ``ModelCheckpoint``, ``LearningRateScheduler`` or your own.
        verbose: show a progress bar per epoch with running loss, metrics and images/s.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> _ = mt.manual_seed(0)  # returns the default generator, as torch.manual_seed
        >>> x = mt.randn(64, 2); y = (x[:, 0] > 0).long()
        >>> model = nn.Linear(2, 2)
        >>> h = fit(model, (x, y), nn.CrossEntropyLoss(), mt.optim.SGD(model.parameters(), lr=0.5),
        ...         epochs=20, batch_size=16, verbose=False)
        >>> h.history["accuracy"][-1] > 0.9
        True
    """
    if validation_split is not None:
        if validation_data is not None:
            raise ValueError("pass either validation_data or validation_split, not both")
        train_data, validation_data = _split_off_validation(train_data, validation_split)
    loader = _loader(train_data, batch_size, shuffle, generator)
    val_loader = None if validation_data is None else _loader(validation_data, batch_size, False)
    metric_fns = _metric_fns(metrics)
    trainer = _Trainer(model)
    for cb in callbacks:
        cb.trainer = trainer
        cb.on_train_begin()
    history = History()
    for epoch in range(epochs):
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        with _mode(model, True):
            logs = _run_epoch(model, loader, loss, metric_fns, optimizer, f"Epoch {epoch + 1}/{epochs}", verbose,
                              callbacks)
        if val_loader is not None:
            with _mode(model, False):
                val = _run_epoch(model, val_loader, loss, metric_fns, desc="  validation", verbose=False)
            logs.update({f"val_{k}": v for k, v in val.items()})
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        history.append(epoch, logs)
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}: " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()),
                  file=sys.stderr)
        if trainer.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end()
    return history


def evaluate(model: Any, data: Any, loss: Callable | None = None, metrics: Iterable[str | Metric] = ("accuracy",),
             batch_size: int = 256, verbose: bool = False) -> dict[str, float]:
    """Average loss (when given) and metrics of ``model`` over ``data`` in eval mode (restored after), without grad.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> x = mt.randn(8, 2); y = mt.zeros(8, dtype=mt.long)
        >>> sorted(evaluate(nn.Linear(2, 3), (x, y), nn.CrossEntropyLoss()))
        ['accuracy', 'loss']
    """
    loss_fn = loss or (lambda out, y: out.sum() * 0)
    with _mode(model, False):
        logs = _run_epoch(model, _loader(data, batch_size, False), loss_fn, _metric_fns(metrics), desc="evaluate",
                          verbose=verbose)
    if loss is None:
        logs.pop("loss")
    return logs


def predict(model: Any, data: Any, batch_size: int = 256) -> Tensor:
    """The model's outputs for every input in ``data`` (a tensor, a Dataset or a DataLoader), in order.

    Example:
        >>> import minitorch as mt
        >>> from minitorch import nn
        >>> predict(nn.Linear(2, 3), mt.randn(10, 2), batch_size=4).shape
        (10, 3)
    """
    from .functions import cat

    outputs = []
    with no_grad(), _mode(model, False):
        if isinstance(data, Tensor):
            batches: Iterable = (data[i:i + batch_size] for i in range(0, data.shape[0], batch_size))
        else:
            batches = (b[0] if isinstance(b, (tuple, list)) else b for b in _loader(data, batch_size, False))
        for x in batches:
            outputs.append(model(x))
    return cat(outputs)
