"""mt.summary: the parameter counts and output shapes the courses print, totals, mult-adds, and its side effects.

Expected numbers come from the course notes (COURSE.md) and from the formulas (kh * kw * in + 1) * out for a
convolution, in * out + out for a dense layer and floor((n + 2p - k) / s) + 1 for an output side; where
PyTorch is installed, totals and per-layer output shapes are also compared with the same models built in torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.summary import LayerRow, ModelSummary


def conv_params(k: int, c_in: int, c_out: int) -> int:
    return (k * k * c_in + 1) * c_out


def dense_params(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def keras_mnist_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


def variant_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 128, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


def fruit_classifier() -> nn.Sequential:
    layers: list[nn.Module] = []
    c_in = 3
    for c_out, n in ((32, 3), (64, 3), (128, 3), (256, 2)):
        for _ in range(n):
            layers += [nn.Conv2d(c_in, c_out, 3, padding="same"), nn.ReLU()]
            c_in = c_out
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(6 * 6 * 256, 1024), nn.ReLU(), nn.Linear(1024, 60))


def weighted(rows: list[LayerRow]) -> list[LayerRow]:
    return [r for r in rows if r.type in ("Conv2d", "Linear")]


def test_keras_mnist_cnn_counts_and_shapes():
    s = mt.summary(keras_mnist_cnn(), (1, 1, 28, 28), verbose=False)
    counts = [r.num_params for r in weighted(s.rows)]
    assert counts == [320, 18_496, 36_928, 36_928, 650]
    assert counts == [conv_params(3, 1, 32), conv_params(3, 32, 64), conv_params(3, 64, 64),
                      dense_params(576, 64), dense_params(64, 10)]
    assert s.total_params == s.trainable_params == 93_322 and s.non_trainable_params == 0
    spatial = [r.output_shape[2:] for r in s.rows if r.type in ("Conv2d", "MaxPool2d")]
    assert spatial == [(26, 26), (13, 13), (11, 11), (5, 5), (3, 3)]
    assert [r.output_shape for r in s.rows if r.type == "Flatten"] == [(1, 576)]
    # the table prints the batch dim as None and the counts with thousands separators
    table = str(s)
    assert "(None, 32, 26, 26)" in table and "18,496" in table and "Total params: 93,322" in table


def test_variant_model_counts():
    s = mt.summary(variant_cnn(), (1, 3, 28, 28), verbose=False)
    assert [r.num_params for r in weighted(s.rows)] == [9_728, 147_584, 73_792, 36_928, 650]
    assert [r.output_shape[2:] for r in s.rows if r.type == "Conv2d"] == [(24, 24), (10, 10), (3, 3)]


def test_conv_3_to_128_5x5():
    s = mt.summary(nn.Conv2d(3, 128, 5), (1, 3, 28, 28), verbose=False)
    assert s.total_params == 9_728 == conv_params(5, 3, 128)
    assert len(s.rows) == 1 and s.rows[0].output_shape == (1, 128, 24, 24)  # a lone layer is its own row


def test_fruit_classifier_total():
    s = mt.summary(fruit_classifier(), (1, 3, 100, 100), verbose=False)
    assert s.total_params == 10_865_724
    assert [r.output_shape[2:] for r in s.rows if r.type == "MaxPool2d"] == [(50, 50), (25, 25), (12, 12), (6, 6)]
    assert [r.output_shape for r in s.rows if r.type == "Flatten"] == [(1, 9216)]
    assert weighted(s.rows)[-2].num_params == 9_438_208 == dense_params(9216, 1024)


@pytest.mark.parametrize("n, k, s, p, padding", [
    (28, 3, 2, 0, "valid"), (28, 3, 1, 0, "valid"), (28, 5, 1, 0, "valid"), (28, 3, 1, 1, "same"),
    (28, 5, 1, 2, "same"), (100, 3, 1, 1, "same"), (32, 11, 4, 2, 2), (13, 3, 2, 1, 1)])
def test_output_side_formula(n, k, s, p, padding):
    layer = nn.Conv2d(1, 2, k, stride=s, padding=padding)
    out = mt.summary(layer, (1, 1, n, n), verbose=False).rows[0].output_shape
    expected = (n + 2 * p - k) // s + 1
    assert out == (1, 2, expected, expected)


def test_course_output_sides():
    def side(**kw):
        return mt.summary(nn.Conv2d(1, 1, **kw), (1, 1, 28, 28), verbose=False).rows[0].output_shape[-1]

    assert side(kernel_size=3, stride=2) == 13
    assert side(kernel_size=3) == 26 and side(kernel_size=5) == 24 and side(kernel_size=3, padding="same") == 28


def test_mult_adds_by_hand():
    s = mt.summary(keras_mnist_cnn(), (2, 1, 28, 28), verbose=False)
    conv1, *_ = weighted(s.rows)
    # every output value of the first conv multiply-adds 3x3x1 inputs; a batch of 2
    assert conv1.mult_adds == 2 * (26 * 26 * 32) * (3 * 3 * 1) == 389_376
    dense1 = weighted(s.rows)[3]
    assert dense1.mult_adds == 2 * 576 * 64
    expected = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 3 * 3 * 64 * 9 * 64 + 576 * 64 + 64 * 10)
    assert s.total_mult_adds == expected
    assert all(r.mult_adds == 0 for r in s.rows if r.type in ("ReLU", "MaxPool2d", "Flatten"))


class Inner(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.norm(self.conv(x)).relu()


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Inner()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 5))

    def forward(self, x: mt.Tensor) -> mt.Tensor:
        return self.head(self.block(x))


def test_nested_modules_are_indented_and_counted():
    s = mt.summary(Outer(), (1, 3, 8, 8), verbose=False)
    assert [(r.name, r.depth) for r in s.rows] == [
        ("block", 0), ("block.conv", 1), ("block.norm", 1), ("head", 0), ("head.0", 1), ("head.1", 1)]
    by_name = {r.name: r for r in s.rows}
    assert by_name["block"].num_params == conv_params(3, 3, 4) + 2 * 4   # a container counts its children's
    assert by_name["head"].num_params == dense_params(144, 5)
    assert not by_name["block"].is_leaf and by_name["block.conv"].is_leaf
    lines = str(s).splitlines()
    assert any(line.startswith("block (Inner)") for line in lines)
    assert any(line.startswith("  block.conv (Conv2d)") for line in lines)
    assert any(line.startswith("  head.1 (Linear)") for line in lines)
    shallow = mt.summary(Outer(), (1, 3, 8, 8), depth=0, verbose=False)
    assert [r.name for r in shallow.rows] == ["block", "head"] and shallow.total_params == s.total_params


def test_shared_parameters_counted_once():
    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(10, 10)
            self.tied = nn.Linear(10, 10, bias=False)
            self.tied.weight = self.layer.weight   # weight tying

        def forward(self, x: mt.Tensor) -> mt.Tensor:
            return self.tied(self.layer(self.layer(x)))

    s = mt.summary(Shared(), (1, 10), verbose=False)
    assert s.total_params == 110  # one 10x10 weight, one bias
    assert [r.name for r in s.rows] == ["layer", "layer", "tied"]  # each call is a row
    assert s.params_bytes == 110 * 4


def test_frozen_layer_is_non_trainable():
    model = keras_mnist_cnn()
    model[0].requires_grad_(False)
    model[9].bias.requires_grad_(False)
    s = mt.summary(model, (1, 1, 28, 28), verbose=False)
    assert s.non_trainable_params == 320 + 64 and s.trainable_params == 93_322 - 384
    assert s.rows[0].trainable == "False" and s.rows[3].trainable == "True" and s.rows[9].trainable == "Partial"
    assert s.rows[1].trainable == "--"  # no parameters
    assert "Non-trainable params: 384" in str(s)


def test_long_names_are_never_truncated():
    name = "a_very_long_descriptive_layer_name_" * 4 + "end"
    model = nn.Sequential()
    model.add_module(name, nn.Linear(3, 2))
    s = mt.summary(model, (1, 3), verbose=False)
    assert f"{name} (Linear)" in str(s)


def test_returned_object_fields():
    s = mt.summary(keras_mnist_cnn(), (1, 1, 28, 28), verbose=False)
    assert isinstance(s, ModelSummary) and s.model_name == "Sequential"
    assert all(isinstance(r, LayerRow) for r in s.rows) and len(s.rows) == 12
    first = s.rows[0]
    assert (first.name, first.type, first.depth, first.output_shape) == ("0", "Conv2d", 0, (1, 32, 26, 26))
    assert first.output_bytes == 32 * 26 * 26 * 4
    assert s.params_bytes == 93_322 * 4 and s.input_bytes == 28 * 28 * 4
    assert s.activation_bytes == 2 * sum(r.output_bytes for r in s.rows)


def test_float64_model_input_dtype():
    s = mt.summary(nn.Linear(4, 3).double(), (2, 4), verbose=False)
    assert s.input_bytes == 2 * 4 * 8 and s.params_bytes == 15 * 8


def test_prints_by_default(capsys):
    s = mt.summary(nn.Linear(4, 3), (1, 4))
    out = capsys.readouterr().out
    assert out.strip() == str(s) and "Total params: 15" in out


def test_train_mode_restored_and_running_stats_untouched():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.Flatten(), nn.Linear(4 * 36, 2))
    model.train()
    model[2].eval()  # a mixed state must come back exactly
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    seen = []
    model[1].register_forward_hook(lambda m, a, out: seen.append(m.training))
    mt.summary(model, input_data=mt.randn(3, 1, 8, 8), verbose=False)
    assert seen == [False]  # it ran in eval mode
    assert [m.training for m in model.modules()] == [True, True, True, False, True, True]
    for k, v in model.state_dict().items():  # BatchNorm's running mean/var and counter unchanged
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_hooks_removed_and_mode_restored_when_forward_fails():
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: mt.Tensor) -> mt.Tensor:
            raise RuntimeError("boom")

    model = Broken().train()
    with pytest.raises(RuntimeError, match="boom"):
        mt.summary(model, (1, 3), verbose=False)
    assert model.training and model.fc.training
    assert not model._forward_hooks and not model.fc._forward_hooks and not model.fc._forward_pre_hooks


def test_needs_an_input():
    with pytest.raises(ValueError, match="input_size"):
        mt.summary(nn.Linear(2, 2))


def test_lazy_layer_counts_after_materialising():
    s = mt.summary(nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2)), (2, 3), verbose=False)
    assert s.total_params == dense_params(3, 4) + dense_params(4, 2)


def test_callable_after_importing_the_submodule():
    from minitorch.summary import ModelSummary
    from minitorch.summary import summary as summary_function

    assert mt.summary is summary_function
    assert isinstance(mt.summary(nn.Linear(2, 2), (1, 2), verbose=False), ModelSummary)
    assert mt.summary(nn.Linear(2, 2), (1, 2), verbose=False).total_params == 6


def _torch_models(torch):
    tn = torch.nn
    keras = tn.Sequential(
        tn.Conv2d(1, 32, 3), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(32, 64, 3), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(64, 64, 3), tn.ReLU(), tn.Flatten(), tn.Linear(576, 64), tn.ReLU(), tn.Linear(64, 10))
    variant = tn.Sequential(
        tn.Conv2d(3, 128, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(128, 128, 3), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(128, 64, 3), tn.ReLU(), tn.Flatten(), tn.Linear(576, 64), tn.ReLU(), tn.Linear(64, 10))
    layers = []
    c_in = 3
    for c_out, n in ((32, 3), (64, 3), (128, 3), (256, 2)):
        for _ in range(n):
            layers += [tn.Conv2d(c_in, c_out, 3, padding="same"), tn.ReLU()]
            c_in = c_out
        layers.append(tn.MaxPool2d(2))
    fruit = tn.Sequential(*layers, tn.Flatten(), tn.Linear(9216, 1024), tn.ReLU(), tn.Linear(1024, 60))
    bn = tn.Sequential(tn.Conv2d(3, 8, 3), tn.BatchNorm2d(8), tn.ReLU(), tn.Flatten(), tn.Linear(8 * 6 * 6, 4))
    return {"keras": (keras, (1, 1, 28, 28)), "variant": (variant, (1, 3, 28, 28)),
            "fruit": (fruit, (1, 3, 100, 100)), "bn": (bn, (1, 3, 8, 8))}


@pytest.mark.parametrize("name", ["keras", "variant", "fruit", "bn"])
def test_against_torch(torch, name):
    ours = {"keras": keras_mnist_cnn, "variant": variant_cnn, "fruit": fruit_classifier,
            "bn": lambda: nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                                        nn.Linear(8 * 6 * 6, 4))}[name]()
    with torch.device("meta"):  # no memory, no initialisation: only shapes and counts
        theirs, size = _torch_models(torch)[name]
    s = mt.summary(ours, size, verbose=False)
    assert s.total_params == sum(p.numel() for p in theirs.parameters())  # BatchNorm's buffers are not params
    shapes = []
    x = torch.zeros(size, device="meta")
    for layer in theirs:
        x = layer(x)
        shapes.append(tuple(x.shape))
    assert [r.output_shape for r in s.rows] == shapes
    assert [r.num_params for r in s.rows] == [sum(p.numel() for p in m.parameters()) for m in theirs]
