"""nn.init against torch.nn.init: gains, fans, bounds and statistics, seeding, and the layers' default init."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch import nn
from minitorch.nn import init


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None),
    ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
    ("leaky_relu", math.sqrt(5)),
])
def test_calculate_gain_matches_torch(torch, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@given(st.lists(st.integers(1, 6), min_size=2, max_size=5))
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    ours = init._calculate_fan_in_and_fan_out(mt.empty(*shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    assert ours == theirs


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(mt.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(mt.empty(5, 5), mode="fan_avg")


def _uniform_bound(shape, fn, torch):
    """torch's bound for a uniform init, measured from its own formula via a huge sample's max."""
    t = torch.empty(*shape)
    fn(t)
    return float(t.abs().max())


SHAPES = [(400, 300), (64, 32, 5, 5)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kwargs", [{}, {"a": math.sqrt(5)}, {"mode": "fan_out", "nonlinearity": "relu"},
                                    {"nonlinearity": "tanh"}])
def test_kaiming_uniform_bound_and_spread(torch, shape, kwargs):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(mt.empty(*shape))
    fan = fan_out if kwargs.get("mode") == "fan_out" else fan_in
    gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    bound = gain * math.sqrt(3.0 / fan)
    w = _np(init.kaiming_uniform_(mt.empty(*shape), **kwargs))
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.99 * bound  # fills the whole interval
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.02 * bound
    assert _uniform_bound(shape, lambda t: torch.nn.init.kaiming_uniform_(t, **kwargs), torch) <= bound * (1 + 1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_normal_inits_have_torchs_std(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(mt.empty(*shape))
    cases = [
        (lambda t: init.kaiming_normal_(t), math.sqrt(2.0 / (1 + 0.01 ** 2)) / math.sqrt(fan_in)),
        (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2.0 / fan_out)),
        (lambda t: init.xavier_normal_(t, gain=2.0), 2.0 * math.sqrt(2.0 / (fan_in + fan_out))),
        (lambda t: init.normal_(t, 0.5, 0.02), 0.02),
    ]
    for fn, std in cases:
        w = _np(fn(mt.empty(*shape)))
        assert w.std() == pytest.approx(std, rel=0.02)
    assert _np(init.normal_(mt.empty(*shape), 0.5, 0.02)).mean() == pytest.approx(0.5, abs=1e-3)


def test_xavier_uniform_bound():
    fan_in, fan_out = 300, 400
    w = _np(init.xavier_uniform_(mt.empty(fan_out, fan_in), gain=init.calculate_gain("tanh")))
    bound = 5 / 3 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.99 * bound


def test_constant_inits_and_uniform():
    assert init.zeros_(mt.ones(2, 2)).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert init.ones_(mt.zeros(3)).tolist() == [1.0, 1.0, 1.0]
    assert init.constant_(mt.zeros(2), -2.5).tolist() == [-2.5, -2.5]
    w = _np(init.uniform_(mt.empty(10000), -3.0, 1.0))
    assert w.min() >= -3.0 and w.max() < 1.0 and w.mean() == pytest.approx(-1.0, abs=0.05)
    assert init.uniform_(mt.empty(2, dtype=mt.float64)).dtype == mt.float64


def test_inits_work_in_place_on_parameters_without_recording():
    p = nn.Parameter(mt.empty(4, 3))
    for fn in (init.zeros_, init.ones_, lambda t: init.constant_(t, 2.0), init.uniform_, init.normal_,
               init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_):
        assert fn(p) is p
        assert p.requires_grad and p.grad_fn is None and type(p) is nn.Parameter


def test_generators_make_inits_reproducible():
    g1, g2 = mt.Generator().manual_seed(7), mt.Generator().manual_seed(7)
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
               init.kaiming_normal_):
        a, b = fn(mt.empty(5, 4), generator=g1), fn(mt.empty(5, 4), generator=g2)
        np.testing.assert_array_equal(_np(a), _np(b))
    mt.manual_seed(11)
    a = init.kaiming_uniform_(mt.empty(5, 4))
    mt.manual_seed(11)
    np.testing.assert_array_equal(_np(a), _np(init.kaiming_uniform_(mt.empty(5, 4))))


def test_zero_element_tensor_is_a_no_op_with_warning():
    with pytest.warns(UserWarning, match="zero-element"):
        t = init.kaiming_uniform_(mt.empty(0, 3))
    assert t.shape == (0, 3)


# ---- default initialisation of the layers --------------------------------------------------------
@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(300, 200), 300),
    (lambda: nn.Conv2d(6, 64, 5), 150),
    (lambda: nn.Conv2d(8, 64, 3, groups=4), 18),
    (lambda: nn.Conv1d(4, 128, 7), 28),
])
def test_linear_and_conv_default_init_like_torch(make, fan_in):
    mt.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    w, b = _np(layer.weight), _np(layer.bias)
    assert np.abs(w).max() <= bound * (1 + 1e-6) and np.abs(w).max() > 0.95 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert np.abs(b).max() <= bound * (1 + 1e-6)
    mt.manual_seed(0)
    np.testing.assert_array_equal(_np(make().weight), w)  # drawn from the seeded default generator
    mt.manual_seed(0)
    np.testing.assert_array_equal(_np(make().bias), b)


def test_layer_init_matches_torch_formula_draw_by_draw():
    """Linear draws weight then bias from the default generator with torch's bounds, nothing else."""
    mt.manual_seed(5)
    layer = nn.Linear(3, 2)
    g = np.random.default_rng(5)
    bound = math.sqrt(3.0) * init.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(3)

    def uniform(low: float, high: float, shape: tuple[int, ...]) -> np.ndarray:  # float32 draws, as uniform_ makes
        return g.random(shape, dtype=np.float32) * np.float32(high - low) + np.float32(low)

    np.testing.assert_allclose(_np(layer.weight), uniform(-bound, bound, (2, 3)), rtol=1e-6)
    np.testing.assert_allclose(_np(layer.bias), uniform(-1 / math.sqrt(3), 1 / math.sqrt(3), (2,)), rtol=1e-6)


def test_batchnorm_init_and_reset():
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    bn(mt.randn(4, 3, 2, 2) * 3 + 1)
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.num_batches_tracked.item() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Linear(3, 3, dtype=mt.float64).reset_parameters()
