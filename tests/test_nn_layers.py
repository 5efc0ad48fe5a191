"""Every nn layer against its PyTorch counterpart on the same weights and inputs, plus layer errors and lazy layers."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch import nn

RNG = np.random.default_rng(0)


def _np(t):
    return t.detach().numpy()


def make_pair(torch, name, *args, **kwargs):
    """The same layer in both libraries, in float64, with torch's weights copied into ours."""
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(nn, name)(*args, **kwargs).double()
    if theirs.state_dict():
        with torch.no_grad():  # non-trivial BatchNorm affine parameters and statistics
            for k, v in theirs.state_dict().items():
                if v.is_floating_point() and k.endswith(("weight", "bias", "running_mean")):
                    v.copy_(torch.from_numpy(RNG.standard_normal(tuple(v.shape))))
                elif k.endswith("running_var"):
                    v.copy_(torch.from_numpy(RNG.uniform(0.5, 2.0, tuple(v.shape))))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_forward_backward(torch, ours, theirs, *inputs, grad_inputs=(0,), rtol=1e-7, atol=1e-9):
    """Forward values, gradients of the inputs in ``grad_inputs`` and of all parameters, and buffers."""
    ours_in, theirs_in = [], []
    for i, x in enumerate(inputs):
        diff = i in grad_inputs
        ours_in.append(mt.tensor(x, requires_grad=diff))
        theirs_in.append(torch.tensor(x, requires_grad=diff))
    out_m, out_t = ours(*ours_in), theirs(*theirs_in)
    np.testing.assert_allclose(_np(out_m), out_t.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")
    if out_t.requires_grad:
        g = RNG.standard_normal(tuple(out_t.shape))
        out_m.backward(mt.tensor(g))
        out_t.backward(torch.tensor(g))
        for i in grad_inputs:
            np.testing.assert_allclose(ours_in[i].grad.numpy(), theirs_in[i].grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"grad of input {i}")
        theirs_params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"grad of {name}")
    theirs_state = theirs.state_dict()
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), theirs_state[name].numpy(), rtol=rtol, atol=atol, err_msg=name)
    return out_m


def randn(*shape):
    return RNG.standard_normal(shape)


# ---- parametrised comparisons ------------------------------------------------------------------
LAYERS = [
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 6, 5)),
    ("Linear", (4, 2), {}, (4,)),
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (2, 3, 4), {"padding": "same", "bias": False}, (3, 2, 7)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (2, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 0)}, (2, 2, 7, 6)),
    ("Conv2d", (4, 4, 3), {"dilation": 2, "groups": 4, "bias": False}, (1, 4, 8, 8)),
    ("Conv2d", (2, 3, 4), {"padding": "same"}, (2, 2, 6, 5)),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, (2, 2, 5, 5)),
    ("Conv2d", (2, 3, 3), {"padding": 1}, (2, 5, 5)),  # unbatched (C, H, W)
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 10)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9, 7)),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "ceil_mode": True}, (1, 2, 7, 8)),
    ("MaxPool2d", (2,), {"dilation": 2}, (1, 2, 7, 7)),
    ("MaxPool2d", (2,), {}, (3, 6, 6)),  # unbatched
    ("AvgPool1d", (2,), {}, (2, 3, 9)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, (2, 3, 10)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9, 7)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True}, (2, 3, 8, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (1, 2, 4, 4)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool2d", (3,), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", ((2, 4),), {}, (3, 5, 9)),
    ("Flatten", (), {}, (2, 3, 4, 5)),
    ("Flatten", (0, 2), {}, (2, 3, 4, 5)),
    ("Unflatten", (1, (3, 4)), {}, (2, 12, 5)),
    ("Identity", (), {}, (3, 4)),
    ("ReLU", (), {}, (4, 5)),
    ("LeakyReLU", (0.2,), {}, (4, 5)),
    ("ELU", (0.7,), {}, (4, 5)),
    ("GELU", (), {}, (4, 5)),
    ("GELU", (), {"approximate": "tanh"}, (4, 5)),
    ("Sigmoid", (), {}, (4, 5)),
    ("Tanh", (), {}, (4, 5)),
    ("Softmax", (), {"dim": 1}, (3, 4, 2)),
    ("Softmax", (), {"dim": -1}, (3, 4)),
    ("LogSoftmax", (), {"dim": 1}, (3, 5)),
    ("Dropout", (0.0,), {}, (3, 4)),
    ("BatchNorm1d", (3,), {}, (8, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"affine": False}, (6, 3)),
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (2,), {"eps": 1e-3, "momentum": 0.3}, (2, 2, 3, 4)),
    ("BatchNorm2d", (2,), {"track_running_stats": False}, (3, 2, 3, 3)),
    ("BatchNorm2d", (2,), {"bias": False}, (3, 2, 3, 3)),
]


def _layer_id(case):
    name, args, kwargs, shape = case
    return f"{name}{args}{kwargs}{shape}".replace(" ", "")


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's own note on even kernels
@pytest.mark.parametrize("case", LAYERS, ids=[_layer_id(c) for c in LAYERS])
def test_layer_matches_torch(torch, case):
    name, args, kwargs, shape = case
    ours, theirs = make_pair(torch, name, *args, **kwargs)
    assert repr(ours) == repr(theirs)
    check_forward_backward(torch, ours, theirs, randn(*shape))


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"track_running_stats": False}, {"affine": False}])
def test_batchnorm_train_then_eval_matches_torch(torch, name, kwargs):
    ours, theirs = make_pair(torch, name, 3, **kwargs)
    shape = (5, 3) if name == "BatchNorm1d" else (4, 3, 3, 2)
    for _ in range(3):  # running statistics accumulate over steps
        check_forward_backward(torch, ours, theirs, randn(*shape) * 2 + 1)
    if ours.track_running_stats:
        assert ours.num_batches_tracked.item() == 3
    ours.eval(), theirs.eval()
    check_forward_backward(torch, ours, theirs, randn(*shape))  # eval: uses (and keeps) the running stats
    if ours.track_running_stats:
        assert ours.num_batches_tracked.item() == 3


def test_batchnorm_eval_uses_running_stats():
    bn = nn.BatchNorm1d(2).eval()
    with mt.no_grad():
        bn.running_mean.copy_(mt.tensor([1.0, -1.0]))
        bn.running_var.copy_(mt.tensor([4.0, 1.0]))
    y = bn(mt.tensor([[3.0, 0.0]]))  # a batch of one is fine in eval mode
    np.testing.assert_allclose(y.detach().numpy(), [[1.0, 1.0]], rtol=1e-4)
    assert bn.num_batches_tracked.item() == 0


LOSSES = [
    ("CrossEntropyLoss", {}, "class"),
    ("CrossEntropyLoss", {"reduction": "sum", "label_smoothing": 0.1}, "class"),
    ("CrossEntropyLoss", {"reduction": "none", "ignore_index": 1}, "class"),
    ("CrossEntropyLoss", {"weight": "w", "ignore_index": 2}, "class"),
    ("CrossEntropyLoss", {}, "prob"),
    ("NLLLoss", {}, "logp"),
    ("NLLLoss", {"weight": "w", "reduction": "sum"}, "logp"),
    ("NLLLoss", {"reduction": "none", "ignore_index": 0}, "logp"),
    ("MSELoss", {}, "real"),
    ("MSELoss", {"reduction": "none"}, "real"),
    ("L1Loss", {"reduction": "sum"}, "real"),
    ("L1Loss", {}, "real"),
    ("BCELoss", {}, "binary"),
    ("BCELoss", {"weight": "w4", "reduction": "sum"}, "binary"),
    ("BCEWithLogitsLoss", {}, "logits"),
    ("BCEWithLogitsLoss", {"pos_weight": "w4", "reduction": "none"}, "logits"),
    ("BCEWithLogitsLoss", {"weight": "w4"}, "logits"),
]


@pytest.mark.parametrize("name,kwargs,kind", LOSSES, ids=[f"{n}-{k}-{i}" for i, (n, k, _) in enumerate(LOSSES)])
def test_loss_matches_torch(torch, name, kwargs, kind):
    n, c = 6, 4
    target_cls = RNG.integers(0, c, n)
    weights = {"w": RNG.uniform(0.5, 2.0, c), "w4": RNG.uniform(0.5, 2.0, c)}
    ours_kw = {k: mt.tensor(weights[v]) if k.endswith("weight") else v for k, v in kwargs.items()}
    theirs_kw = {k: torch.tensor(weights[v]) if k.endswith("weight") else v for k, v in kwargs.items()}
    ours, theirs = getattr(nn, name)(**ours_kw), getattr(torch.nn, name)(**theirs_kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if kind == "class":
        inputs = (randn(n, c), target_cls)
    elif kind == "prob":
        p = RNG.uniform(size=(n, c))
        inputs = (randn(n, c), p / p.sum(1, keepdims=True))
    elif kind == "logp":
        x = randn(n, c)
        inputs = (x - np.log(np.exp(x).sum(1, keepdims=True)), target_cls)
    elif kind == "real":
        inputs = (randn(n, c), randn(n, c))
    elif kind == "binary":
        inputs = (RNG.uniform(0.05, 0.95, (n, c)), RNG.integers(0, 2, (n, c)).astype(np.float64))
    else:
        inputs = (randn(n, c) * 3, RNG.uniform(size=(n, c)))
    check_forward_backward(torch, ours, theirs, *inputs)


def test_loss_reduction_is_validated_and_legacy_args_work():
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.L1Loss(size_average=False).reduction == "sum"


def test_float32_model_matches_torch(torch):
    """A whole CNN in the default float32, weights loaded from torch, train mode, forward and backward."""

    def build(lib):
        return lib.Sequential(lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
                              lib.Conv2d(4, 6, 3), lib.GELU(), lib.AvgPool2d(2), lib.Flatten(), lib.Linear(6, 5),
                              lib.LogSoftmax(dim=1))

    theirs, ours = build(torch.nn), build(nn)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((3, 1, 10, 10)).astype(np.float32)
    out = check_forward_backward(torch, ours, theirs, x, rtol=1e-4, atol=1e-5)
    assert out.dtype == mt.float32


# ---- hypothesis: convolution and pooling geometry ------------------------------------------------
@st.composite
def conv_configs(draw):
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(dilation[i] * (k[i] - 1) + 1 + draw(st.integers(0, 4)) for i in range(2))
    return cin, cout, k, stride, dilation, padding, groups, size, draw(st.booleans())


@given(conv_configs())
def test_conv2d_geometry_matches_torch(cfg):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    cin, cout, k, stride, dilation, padding, groups, size, bias = cfg
    ours, theirs = make_pair(torch, "Conv2d", cin, cout, k, stride=stride, padding=padding, dilation=dilation,
                             groups=groups, bias=bias)
    check_forward_backward(torch, ours, theirs, randn(2, cin, *size))


@given(st.sampled_from(["MaxPool2d", "AvgPool2d"]), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1),
       st.booleans(), st.integers(0, 4), st.integers(0, 4))
def test_pool2d_geometry_matches_torch(name, k, stride, padding, ceil_mode, extra_h, extra_w):
    torch = pytest.importorskip("torch")  # not the fixture: hypothesis reruns the body
    padding = min(padding, k // 2)
    ours, theirs = make_pair(torch, name, k, stride=stride, padding=padding, ceil_mode=ceil_mode)
    check_forward_backward(torch, ours, theirs, randn(2, 2, k + extra_h, k + extra_w))


# ---- dropout ------------------------------------------------------------------------------------
def test_dropout_train_and_eval():
    drop = nn.Dropout(0.3)
    x = mt.ones(20000, requires_grad=True)
    mt.manual_seed(1)
    y = drop(x)
    values = y.detach().numpy()
    zeros = np.mean(values == 0)
    assert abs(zeros - 0.3) < 0.02
    np.testing.assert_allclose(values[values != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values)  # the gradient goes through the same mask
    mt.manual_seed(1)
    np.testing.assert_array_equal(drop(x).detach().numpy(), values)  # seeded: same mask
    drop.eval()
    assert drop(x).tolist() == x.tolist()
    assert nn.Dropout(1.0)(mt.ones(5)).tolist() == [0.0] * 5
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# ---- clear errors naming the layer -------------------------------------------------------------
def test_linear_feature_mismatch_message():
    with pytest.raises(RuntimeError) as info:
        nn.Linear(784, 10)(mt.zeros(64, 576))
    assert str(info.value) == ("Linear(in_features=784, out_features=10, bias=True): expected input with 784 "
                               "features in the last dim, got shape (64, 576)")


def test_conv_errors_name_layer_and_numbers():
    with pytest.raises(RuntimeError, match=r"Conv2d\(1, 32, .*expected input with 1 channels, got 3 channels"):
        nn.Conv2d(1, 32, 3)(mt.zeros(8, 3, 28, 28))
    with pytest.raises(RuntimeError, match=r"Conv2d\(1, 32.*expected 3D \(unbatched\) or 4D \(batched\) input"):
        nn.Conv2d(1, 32, 3)(mt.zeros(28, 28))
    with pytest.raises(RuntimeError, match="smaller than the kernel"):
        nn.Conv2d(1, 2, 5)(mt.zeros(1, 1, 3, 3))
    with pytest.raises(NotImplementedError, match="padding_mode='reflect' is not supported"):
        nn.Conv2d(1, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="invalid padding string"):
        nn.Conv1d(1, 2, 3, padding="full")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2"):
        nn.Conv2d(1, 1, (3, 3, 3))


def test_other_layer_errors():
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(4.*expected input with 4 channels"):
        nn.BatchNorm2d(4)(mt.zeros(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4.*expected 2D"):
        nn.BatchNorm1d(4)(mt.zeros(2, 4, 5, 5))
    with pytest.raises(ValueError, match="expected 4D"):
        nn.BatchNorm2d(4)(mt.zeros(2, 4))
    with pytest.raises(RuntimeError, match=r"MaxPool2d\(kernel_size=2.*expected 3D \(unbatched\) or 4D"):
        nn.MaxPool2d(2)(mt.zeros(4, 4))
    with pytest.raises(RuntimeError, match=r"Unflatten.*must equal the size 12"):
        nn.Unflatten(1, (5, 2))(mt.zeros(2, 12))
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_pooling_shares_one_base_class():
    from minitorch.nn.modules.pooling import _Pool

    for cls in (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d):
        assert issubclass(cls, _Pool)
    assert nn.MaxPool2d(3).stride == 3 and nn.AvgPool2d(3, 1).stride == 1


def test_maxpool_return_indices(torch):
    x = randn(2, 3, 6, 6)
    out, idx = nn.MaxPool2d(2, return_indices=True)(mt.tensor(x))
    t_out, t_idx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())


# ---- lazy layers ---------------------------------------------------------------------------------
def test_lazy_linear_before_and_after_first_call():
    layer = nn.LazyLinear(10)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=10, bias=True)"
    params = list(layer.parameters())
    assert len(params) == 2 and all(isinstance(p, nn.UninitializedParameter) for p in params)
    assert layer.has_uninitialized_params()
    with pytest.raises(ValueError, match="uninitialized parameter.*first forward call|lazy module"):
        sum(p.numel() for p in params)
    with pytest.raises(ValueError, match="uninitialized"):
        layer.weight.shape  # noqa: B018
    with pytest.raises(ValueError, match="uninitialized"):
        layer.weight + 1
    assert repr(layer.weight) == "<UninitializedParameter>"

    out = layer(mt.ones(4, 576))
    assert out.shape == (4, 10)
    assert type(layer) is nn.Linear and repr(layer) == "Linear(in_features=576, out_features=10, bias=True)"
    assert layer.weight is params[0] and type(params[0]) is nn.Parameter  # same objects, materialised in place
    assert layer.weight.shape == (10, 576) and layer.weight.requires_grad
    assert not layer._forward_pre_hooks
    with pytest.raises(RuntimeError, match="expected input with 576 features"):
        layer(mt.ones(4, 5))


def test_lazy_layers_draw_the_same_weights_as_eager_ones():
    mt.manual_seed(3)
    eager = nn.Linear(7, 4)
    mt.manual_seed(3)
    lazy = nn.LazyLinear(4)
    lazy(mt.ones(2, 7))
    np.testing.assert_array_equal(_np(lazy.weight), _np(eager.weight))
    np.testing.assert_array_equal(_np(lazy.bias), _np(eager.bias))

    x = mt.randn(2, 3, 5, 5)
    mt.manual_seed(4)
    eager_conv = nn.Conv2d(3, 8, 3, padding=1, groups=1)
    mt.manual_seed(4)
    lazy_conv = nn.LazyConv2d(8, 3, padding=1)
    assert repr(lazy_conv) == "LazyConv2d(0, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    np.testing.assert_allclose(_np(lazy_conv(x)), _np(eager_conv(x)), rtol=1e-6)
    assert type(lazy_conv) is nn.Conv2d and repr(lazy_conv) == repr(eager_conv)


def test_lazy_conv_infers_channels_and_checks_input():
    conv = nn.LazyConv2d(6, 3, groups=2, bias=False)
    assert conv.bias is None and len(list(conv.parameters())) == 1
    with pytest.raises(RuntimeError, match="not divisible by groups=2"):
        conv(mt.ones(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match="expected 3D .unbatched. or 4D"):
        conv(mt.ones(5, 5))
    assert conv.has_uninitialized_params()
    assert conv(mt.ones(4, 5, 5)).shape == (6, 3, 3)  # unbatched input: channels from dim -3
    assert conv.in_channels == 4 and conv.weight.shape == (6, 2, 3, 3)
    conv1 = nn.LazyConv1d(2, 3)
    assert conv1(mt.ones(3, 5, 7)).shape == (3, 2, 5) and type(conv1) is nn.Conv1d and conv1.in_channels == 5


def test_lazy_layer_in_a_model_with_optimizer_references_and_to():
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    held = list(model.parameters())  # what an optimizer would keep
    model.to(mt.float64)
    out = model(mt.ones(2, 1, 6, 6, dtype=mt.float64))
    assert out.shape == (2, 2) and out.dtype == mt.float64
    assert [p is q for p, q in zip(held, model.parameters())] == [True] * 4
    assert all(p.dtype == mt.float64 for p in held)
    out.sum().backward()
    assert all(p.grad is not None for p in held)
    assert repr(model).startswith("Sequential(\n  (0): Conv2d(1, 4,")


def test_lazy_layer_loads_a_state_dict_and_deepcopies():
    source = nn.Linear(5, 3)
    lazy = nn.LazyLinear(3)
    twin = copy.deepcopy(lazy)
    assert type(twin) is nn.LazyLinear and twin.has_uninitialized_params()
    lazy.load_state_dict(source.state_dict())
    assert type(lazy) is nn.Linear and lazy.in_features == 5
    np.testing.assert_array_equal(_np(lazy.weight), _np(source.weight))
    assert twin(mt.ones(1, 2)).shape == (1, 3) and type(twin) is nn.Linear  # the copy is independent
    bad = nn.LazyLinear(3)
    with pytest.raises(RuntimeError, match="cannot infer the input size of LazyLinear"):
        bad.load_state_dict({"weight": mt.ones(3), "bias": mt.ones(3)})
    state = nn.LazyLinear(2).state_dict()
    assert list(state) == ["weight", "bias"] and isinstance(state["weight"], nn.UninitializedParameter)


def test_uninitialized_parameter_materialize():
    p = nn.UninitializedParameter(dtype=mt.float64)
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == mt.float64 and p.requires_grad
