"""Learning-rate schedules against torch.optim.lr_scheduler: the sequences of rates, resuming, state dicts."""

from __future__ import annotations

import warnings

import pytest

import minitorch as mt
from minitorch.optim import lr_scheduler

SCHEDULES = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
]
IDS = [f"{name}-{kw}" for name, kw in SCHEDULES]


def _optimizers(torch, lrs=(0.1, 0.02)):
    mopt = mt.optim.SGD([{"params": [mt.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], lr=1.0)
    topt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs], lr=1.0)
    return mopt, topt


def _close(a, b):
    assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_lr_sequence_matches_torch(torch, name, kwargs):
    mopt, topt = _optimizers(torch)
    msched = getattr(lr_scheduler, name)(mopt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    _close(msched.get_last_lr(), tsched.get_last_lr())
    for _ in range(25):  # past T_max: the cosine comes back up
        mopt.step()
        topt.step()
        msched.step()
        tsched.step()
        assert msched.last_epoch == tsched.last_epoch
        _close(msched.get_last_lr(), tsched.get_last_lr())
        _close([g["lr"] for g in mopt.param_groups], [g["lr"] for g in topt.param_groups])
    assert [g["initial_lr"] for g in mopt.param_groups] == [0.1, 0.02]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_state_dict_round_trip_and_resume(torch, name, kwargs):
    mopt, topt = _optimizers(torch)
    msched = getattr(lr_scheduler, name)(mopt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(5):
        mopt.step()
        msched.step()
        topt.step()
        tsched.step()
    sd = msched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 5
    assert set(sd) >= {"base_lrs", "last_epoch", "_last_lr", *kwargs}
    # a fresh optimizer and scheduler restored from both state dicts continue like torch's
    mopt2, _ = _optimizers(torch, lrs=(9.0, 9.0))
    mopt2.load_state_dict(mopt.state_dict())
    msched2 = getattr(lr_scheduler, name)(mopt2, **kwargs)
    msched2.load_state_dict(sd)
    for _ in range(8):
        mopt2.step()
        msched2.step()
        topt.step()
        tsched.step()
        _close(msched2.get_last_lr(), tsched.get_last_lr())


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_last_epoch_resume_matches_torch(torch, name, kwargs):
    mopt, topt = _optimizers(torch)
    for opt in (mopt, topt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msched = getattr(lr_scheduler, name)(mopt, last_epoch=4, **kwargs)
        tsched = getattr(torch.optim.lr_scheduler, name)(topt, last_epoch=4, **kwargs)
    _close(msched.get_last_lr(), tsched.get_last_lr())
    for _ in range(6):
        mopt.step()
        topt.step()
        msched.step()
        tsched.step()
        _close(msched.get_last_lr(), tsched.get_last_lr())


def test_resume_without_initial_lr_is_an_error():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_explicit_epoch_uses_closed_form_like_torch(torch, name, kwargs):
    mopt, topt = _optimizers(torch)
    msched = getattr(lr_scheduler, name)(mopt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    mopt.step()
    topt.step()
    for epoch in (4, 9, 2):
        with pytest.warns(UserWarning, match="deprecated"):
            msched.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tsched.step(epoch)
        _close(msched.get_last_lr(), tsched.get_last_lr())


def test_warns_when_scheduler_steps_before_optimizer():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()
    opt2 = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    sched2 = lr_scheduler.StepLR(opt2, step_size=1)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau(object())


# ---- ReduceLROnPlateau ------------------------------------------------------------------------------

METRICS = [5.0, 4.0, 4.0, 4.0, 3.9999, 4.1, 3.0, 3.0, 3.0, 3.0, 3.0, 2.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5,
           1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
PLATEAU = [
    {},
    {"patience": 1},
    {"patience": 2, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "threshold": 0.1, "threshold_mode": "abs"},
    {"patience": 1, "min_lr": 0.004},
    {"patience": 1, "min_lr": [0.05, 0.0]},
    {"mode": "max", "patience": 1},
    {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.5, "factor": 0.3},
    {"patience": 0, "eps": 0.05},
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(torch, kwargs):
    mopt, topt = _optimizers(torch)
    msched = lr_scheduler.ReduceLROnPlateau(mopt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    seen = set()
    for metric in METRICS:
        msched.step(mt.tensor(metric))
        tsched.step(metric)
        _close(msched.get_last_lr(), tsched.get_last_lr())
        _close([g["lr"] for g in mopt.param_groups], [g["lr"] for g in topt.param_groups])
        assert (msched.num_bad_epochs, msched.cooldown_counter, msched.best) == (
            tsched.num_bad_epochs, tsched.cooldown_counter, tsched.best)
        seen.add(tuple(msched.get_last_lr()))
    assert len(seen) > 1 or kwargs.get("eps") == 0.05 or kwargs == {}


def test_reduce_on_plateau_state_dict_round_trip(torch):
    mopt, topt = _optimizers(torch)
    msched = lr_scheduler.ReduceLROnPlateau(mopt, patience=1, cooldown=1)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, patience=1, cooldown=1)
    for metric in METRICS[:8]:
        msched.step(metric)
        tsched.step(metric)
    mopt2, _ = _optimizers(torch)
    mopt2.load_state_dict(mopt.state_dict())
    msched2 = lr_scheduler.ReduceLROnPlateau(mopt2)
    msched2.load_state_dict(msched.state_dict())
    assert msched2.patience == 1 and msched2.best == msched.best
    for metric in METRICS[8:]:
        msched2.step(metric)
        tsched.step(metric)
        _close(msched2.get_last_lr(), tsched.get_last_lr())


def test_reduce_on_plateau_errors():
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="Factor"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode 'best'"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="best")
    with pytest.raises(ValueError, match="threshold mode"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="min_lrs"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])
    sched = lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.0], patience=0)
    opt.add_param_group({"params": [mt.zeros(1, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="param groups"):
        sched.step(2.0)


def test_schedulers_drive_training():
    w = mt.tensor([4.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.25)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.0)
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()  # lr 0.25: w = 4 - 0.25 * 8 = 2
    sched.step()  # lr 0
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()
    assert w.item() == 2.0
