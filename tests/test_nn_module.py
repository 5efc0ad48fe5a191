"""nn.Module machinery: registration, traversal, state_dict, repr, hooks, modes, conversion, containers."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


def make_cnn(lib):
    """The same small CNN in minitorch.nn or torch.nn (``lib`` is the nn namespace)."""
    return lib.Sequential(
        lib.Conv2d(1, 8, 3, padding=1), lib.BatchNorm2d(8), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(8, 16, 3, stride=2, bias=False), lib.LeakyReLU(0.2), lib.AvgPool2d(2),
        lib.AdaptiveAvgPool2d((1, 1)), lib.Flatten(), lib.Dropout(0.25), lib.Linear(16, 10), lib.LogSoftmax(dim=1),
    )


def make_nested(lib):
    """A custom Module with named children, containers and a buffer, for either library."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(OrderedDict([
                ("conv", lib.Conv2d(3, 4, 3, padding="same")), ("bn", lib.BatchNorm2d(4)), ("act", lib.GELU()),
            ]))
            self.blocks = lib.ModuleList([lib.Linear(4, 4) for _ in range(3)] + [lib.Identity()])
            self.heads = lib.ModuleDict({"cls": lib.Linear(4, 2, bias=False), "bn1": lib.BatchNorm1d(4)})
            self.classifier = lib.Sequential(lib.Unflatten(1, (2, 2)), lib.Flatten(), lib.Tanh(),
                                             lib.Softmax(dim=-1), lib.ELU(), lib.Sigmoid(), lib.Conv1d(1, 2, 3))
            self.losses = lib.ModuleList([lib.CrossEntropyLoss(), lib.NLLLoss(), lib.MSELoss(), lib.L1Loss(),
                                          lib.BCELoss(), lib.BCEWithLogitsLoss()])

        def forward(self, x):
            return self.features(x)

    return Net()


# ---- naming and repr identical to torch ------------------------------------------------------
@pytest.mark.parametrize("builder", [make_cnn, make_nested])
def test_state_dict_keys_and_traversal_match_torch(torch, builder):
    ours, theirs = builder(nn), builder(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert a.shape == tuple(b.shape), name
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


@pytest.mark.parametrize("builder", [make_cnn, make_nested])
def test_repr_matches_torch(torch, builder):
    assert repr(builder(nn)) == repr(builder(torch.nn))


def test_state_dict_names_like_torch_examples():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 3), nn.Linear(3, 1)))
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.1.weight", "1.1.bias", "1.2.weight", "1.2.bias"]

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm1d(2)

    assert list(M().state_dict()) == ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked"]


def test_state_dict_values_share_memory_and_are_detached():
    layer = nn.Linear(2, 2)
    sd = layer.state_dict()
    assert not sd["weight"].requires_grad
    with mt.no_grad():
        layer.weight.fill_(3.0)
    assert sd["weight"].tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight
    assert list(layer.state_dict(prefix="enc.")) == ["enc.weight", "enc.bias"]


# ---- load_state_dict ----------------------------------------------------------------------
def test_load_state_dict_round_trip_from_torch_arrays(torch):
    theirs, ours = make_cnn(torch.nn), make_cnn(nn)
    with torch.no_grad():
        theirs[1].running_mean.uniform_()
        theirs[1].num_batches_tracked.fill_(7)
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy(), err_msg=k)
    assert ours[1].num_batches_tracked.dtype == mt.int64 and ours[1].num_batches_tracked.item() == 7
    # minitorch tensors load too, and parameters keep their identity
    w = ours[0].weight
    other = make_cnn(nn)
    other.load_state_dict(ours.state_dict())
    assert ours[0].weight is w
    np.testing.assert_array_equal(other[0].weight.detach().numpy(), w.detach().numpy())


def test_load_state_dict_lists_every_problem_in_one_error():
    net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    sd = dict(net.state_dict())
    del sd["0.bias"], sd["1.running_var"]
    sd["2.weight"] = mt.zeros(5, 3)
    sd["1.weight"] = mt.zeros(4)
    sd["3.weight"] = mt.zeros(1)
    sd["extra"] = mt.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "0.bias", "1.running_var".' in msg
    assert 'Unexpected key(s) in state_dict: "3.weight", "extra".' in msg
    assert "size mismatch for 1.weight: copying a param with shape (4,) from checkpoint, " \
           "the shape in current model is (3,)." in msg
    assert "size mismatch for 2.weight: copying a param with shape (5, 3)" in msg


def test_load_state_dict_non_strict_returns_keys_but_still_checks_shapes():
    layer = nn.Linear(2, 3)
    result = layer.load_state_dict({"weight": mt.ones(3, 2), "junk": mt.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
    missing, unexpected = result
    assert (missing, unexpected) == (["bias"], ["junk"])
    assert layer.weight.tolist() == [[1.0, 1.0]] * 3
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict({"weight": mt.ones(2, 2)}, strict=False)
    with pytest.raises(RuntimeError, match="expected a Tensor or an array"):
        layer.load_state_dict({"weight": "oops", "bias": mt.zeros(3)})
    with pytest.raises(TypeError):
        layer.load_state_dict([("weight", mt.ones(3, 2))])


def test_load_state_dict_matches_torch_error(torch):
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    for lib_module, make in ((ours, mt.zeros), (theirs, torch.zeros)):
        with pytest.raises(RuntimeError) as info:
            lib_module.load_state_dict({"weight": make(3, 2), "extra": make(1)})
        lines = str(info.value).split("\n")
        assert lines[:3] == ["Error(s) in loading state_dict for Linear:", '\tMissing key(s) in state_dict: "bias". ',
                             '\tUnexpected key(s) in state_dict: "extra". ']


def test_load_state_dict_assign_replaces_objects():
    layer = nn.Linear(2, 2)
    w = layer.weight
    layer.load_state_dict({"weight": mt.ones(2, 2), "bias": mt.zeros(2)}, assign=True)
    assert layer.weight is not w and isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad
    assert layer.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_non_persistent_buffers_are_not_saved_or_loaded():
    m = nn.Module()
    m.register_buffer("kept", mt.zeros(2))
    m.register_buffer("scratch", mt.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    m.load_state_dict({"kept": mt.ones(2)})
    with pytest.raises(RuntimeError, match='Unexpected key.*"scratch"'):
        m.load_state_dict({"kept": mt.ones(2), "scratch": mt.ones(2)})
    m.register_buffer("scratch", mt.zeros(2), persistent=True)
    assert list(m.state_dict()) == ["kept", "scratch"]


# ---- registration and attribute protocol ----------------------------------------------------
def test_attribute_assignment_registers_in_order_and_reassignment_moves():
    m = nn.Module()
    m.w = nn.Parameter(mt.ones(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("buf", mt.zeros(1))
    m.plain = mt.zeros(3)  # a plain tensor attribute is neither a parameter nor a buffer
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["buf"]
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    m.buf = mt.ones(1)  # a registered buffer takes a new tensor
    assert m.buf.tolist() == [1.0] and "buf" in m._buffers
    m.sub = nn.Parameter(mt.zeros(1))  # a module name re-bound to a parameter moves stores
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub
    assert "sub" not in m._parameters
    with pytest.raises(AttributeError, match="has no attribute 'sub'"):
        m.sub  # noqa: B018
    m.w = None
    assert m.w is None and list(m.parameters()) == []


def test_unknown_attribute_raises_attribute_error_naming_it():
    layer = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        layer.wieght  # noqa: B018
    assert not hasattr(layer, "nonexistent")
    assert getattr(layer, "nonexistent", "default") == "default"


def test_invalid_assignments_raise():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = mt.zeros(2, 2)
    with pytest.raises(TypeError, match="child module"):
        nn.Sequential(nn.ReLU()).__setattr__("0", 3)
    with pytest.raises(KeyError, match="already exists"):
        layer.register_buffer("weight", mt.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        layer.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        layer.register_buffer("b", [1, 2])
    with pytest.raises(ValueError, match="non-leaf"):
        layer.register_parameter("p", _non_leaf_parameter())

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mt.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def _non_leaf_parameter() -> nn.Parameter:
    p = nn.Parameter(mt.ones(1))
    p._ctx = (p * 2)._ctx  # simulate a parameter recorded in a graph
    return p


def test_dir_lists_registered_names():
    names = dir(nn.Linear(2, 2))
    assert "weight" in names and "bias" in names and "forward" in names


def test_shared_modules_and_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_get_submodule_parameter_buffer():
    net = make_cnn(nn)
    assert net.get_submodule("10") is net[10]
    assert net.get_parameter("10.weight") is net[10].weight
    assert net.get_buffer("1.running_mean") is net[1].running_mean
    with pytest.raises(AttributeError, match="no submodule `99`"):
        net.get_submodule("99")
    with pytest.raises(AttributeError, match="no parameter"):
        net.get_parameter("2.weight")


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(mt.ones(1))


# ---- Parameter --------------------------------------------------------------------------------
def test_parameter_basics(torch):
    p = nn.Parameter(mt.tensor([[1.0, 2.0]]))
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))).replace("torch", "minitorch")
    assert type(p + 1) is mt.Tensor
    frozen = nn.Parameter(mt.ones(2), requires_grad=False)
    assert not frozen.requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError, match="Parameter expects a minitorch Tensor"):
        nn.Parameter([1.0])
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(mt.tensor([1, 2]))
    data = mt.zeros(2)
    q = nn.Parameter(data)
    with mt.no_grad():
        q.fill_(5.0)
    assert data.tolist() == [5.0, 5.0]  # shares memory with the tensor it wraps


def test_parameter_deepcopy_keeps_type_and_grad():
    p = nn.Parameter(mt.ones(2))
    (p * 3).sum().backward()
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q is not p
    assert q.grad.tolist() == [3.0, 3.0]
    with mt.no_grad():
        q.fill_(0.0)
    assert p.tolist() == [1.0, 1.0]


# ---- modes, gradients, conversion ------------------------------------------------------------
def test_train_eval_propagates():
    net = make_cnn(nn)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net[1].train(False)
    assert not net[1].training and net.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_and_requires_grad_():
    layer = nn.Linear(3, 2)
    layer(mt.ones(4, 3)).sum().backward()
    grad = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is grad and layer.weight.grad.tolist() == [[0.0] * 3] * 2
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None
    layer.requires_grad_(False)
    assert not any(p.requires_grad for p in layer.parameters())


def test_to_casts_in_place_keeping_parameter_identity():
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    w = net[0].weight
    net(mt.ones(3, 2)).sum().backward()
    assert net.to(mt.float64) is net
    assert net[0].weight is w and w.dtype == mt.float64 and w.requires_grad and isinstance(w, nn.Parameter)
    assert w.grad.dtype == mt.float64
    assert net[1].running_mean.dtype == mt.float64
    assert net[1].num_batches_tracked.dtype == mt.int64  # integer buffers keep their dtype
    assert net(mt.ones(3, 2, dtype=mt.float64)).dtype == mt.float64
    net.float()
    assert w.dtype == mt.float32
    net.to("float64").to(mt.ones(1)).to(device="cpu").to("numpy").cpu()
    assert w.dtype == mt.float32 and w.backend == "numpy"
    with pytest.raises(TypeError, match="floating point"):
        net.to(mt.int64)
    assert net.double()[0].bias.dtype == mt.float64


def test_apply_visits_children_first():
    seen = []
    net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_deepcopy_is_independent():
    net = make_cnn(nn)
    net.eval()
    twin = copy.deepcopy(net)
    assert repr(twin) == repr(net) and not twin.training
    assert list(twin.state_dict()) == list(net.state_dict())
    assert twin[0].weight is not net[0].weight and isinstance(twin[0].weight, nn.Parameter)
    with mt.no_grad():
        twin[0].weight.fill_(0.0)
    assert float(net[0].weight.abs().sum()) > 0
    x = mt.randn(2, 1, 16, 16)
    net2 = copy.deepcopy(net)
    np.testing.assert_allclose(net2(x).detach().numpy(), net(x).detach().numpy())


# ---- hooks --------------------------------------------------------------------------------------
def test_forward_hooks_see_and_replace_inputs_and_outputs():
    layer = nn.Linear(2, 2)
    calls = []
    h1 = layer.register_forward_pre_hook(lambda m, args: calls.append(("pre", m, args[0].shape)))
    h2 = layer.register_forward_hook(lambda m, args, out: calls.append(("post", m, out.shape)))
    layer(mt.ones(5, 2))
    assert calls == [("pre", layer, (5, 2)), ("post", layer, (5, 2))]
    h1.remove(), h2.remove(), h2.remove()
    layer(mt.ones(1, 2))
    assert len(calls) == 2

    ident = nn.Identity()
    ident.register_forward_pre_hook(lambda m, args: args[0] + 1)  # single value -> wrapped as a tuple
    ident.register_forward_hook(lambda m, args, out: out * 10)
    assert ident(mt.zeros(1)).tolist() == [10.0]


def test_hook_order_prepend_and_kwargs():
    order = []
    ident = nn.Identity()
    ident.register_forward_hook(lambda m, a, o: order.append("a"))
    ident.register_forward_hook(lambda m, a, o: order.append("b"), prepend=True)
    ident.register_forward_hook(lambda m, a, kw, o: order.append(("kw", kw)), with_kwargs=True)
    ident(mt.ones(1))
    assert order == ["b", "a", ("kw", {})]

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    s = Scale()
    s.register_forward_pre_hook(lambda m, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    assert s(mt.ones(1)).tolist() == [3.0]
    with pytest.raises(TypeError, match="callable"):
        s.register_forward_hook(None)


def test_hooks_collect_feature_maps_like_a_summary():
    net = make_cnn(nn)
    shapes = {}
    handles = [m.register_forward_hook(lambda m, a, o, name=name: shapes.__setitem__(name, o.shape))
               for name, m in net.named_children()]
    with handles[0]:
        net(mt.randn(2, 1, 16, 16))
    for h in handles:
        h.remove()
    assert shapes["0"] == (2, 8, 16, 16) and shapes["8"] == (2, 16) and shapes["11"] == (2, 10)
    assert not net[0]._forward_hooks


# ---- containers -----------------------------------------------------------------------------
def test_sequential_indexing_slicing_and_mutation():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b] and list(head._modules) == ["0", "1"]
    assert list(seq[1:]._modules) == ["1", "2"]  # torch keeps the original names in slices
    assert seq(mt.ones(4, 2)).shape == (4, 1)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    seq.append(nn.Sigmoid())
    assert list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    seq[0] = nn.Identity()
    assert isinstance(seq[0], nn.Identity)
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Identity", "Tanh", "Linear", "Sigmoid"]
    seq.extend([nn.ReLU()])
    assert len(seq) == 5


def test_sequential_from_ordered_dict():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0] and isinstance(seq[-1], nn.ReLU)
    assert list(seq[1:]._modules) == ["act"]


def test_module_list_and_dict(torch):
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    ml.append(nn.ReLU())
    ml += [nn.Tanh()]
    assert len(ml) == 4 and isinstance(ml[-1], nn.Tanh) and isinstance(ml[1:3], nn.ModuleList)
    assert len(list(ml.parameters())) == 4
    ml.insert(0, nn.Identity())
    assert isinstance(ml[0], nn.Identity) and list(ml._modules) == [str(i) for i in range(5)]
    assert isinstance(ml.pop(0), nn.Identity) and len(ml) == 4
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"]
    with pytest.raises(NotImplementedError):
        ml(mt.ones(1))
    with pytest.raises(TypeError):
        ml.extend(nn.ReLU())
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"

    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    md.update([("c", nn.Tanh())])
    assert list(md) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert list(md.keys()) == ["a", "b", "c"] and isinstance(md.pop("b"), nn.ReLU)
    assert [k for k, _ in md.items()] == ["a", "c"] and len(list(md.values())) == 2
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    with pytest.raises(ValueError, match="pair"):
        md.update([nn.ReLU()])
    md.clear()
    assert len(md) == 0


def test_identity_ignores_arguments():
    x = mt.ones(2)
    assert nn.Identity(3, key="x")(x) is x


def test_to_another_backend_moves_everything_in_place():
    pytest.importorskip("minitorch_tiny")
    net = make_cnn(nn)
    twin = copy.deepcopy(net)
    held = list(twin.parameters())
    twin.to("tiny")
    assert [p is q for p, q in zip(held, twin.parameters())] == [True] * len(held)
    assert {t.backend for t in twin.state_dict().values()} == {"tiny"}
    x = mt.randn(2, 1, 16, 16)
    mt.manual_seed(0)  # the same dropout mask on both backends: drawn on the host
    out = twin(x.to("tiny"))
    assert out.backend == "tiny"
    out.sum().backward()
    mt.manual_seed(0)
    expected = net(x)
    expected.sum().backward()
    np.testing.assert_allclose(_np_of(out), _np_of(expected), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np_of(twin[0].weight.grad), _np_of(net[0].weight.grad), rtol=1e-4, atol=1e-5)
    twin.load_state_dict({k: v.numpy() for k, v in net.state_dict().items()})  # arrays load onto any backend
    assert twin[0].weight.backend == "tiny"
    twin.to(device="cpu")
    assert twin[0].weight.backend == "numpy" and twin[0].weight.grad.backend == "numpy"


def _np_of(t):
    return np.asarray(t.detach())
