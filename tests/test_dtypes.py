"""Dtypes: names and aliases, the default dtype, and PyTorch's type promotion between tensors and scalars."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch.dtypes import as_dtype


def _t(kind: str) -> mt.Tensor:
    """An operand by name: '<dtype>' has dims, '<dtype>_0d' is 0-d."""
    dtype, _, zero_d = kind.partition("_")
    values = {"float32": 1.5, "float64": 1.5, "int64": 3, "bool": True}[dtype]
    return mt.tensor(values if zero_d else [values, values], dtype=getattr(mt, dtype))


# Hand-written from PyTorch's rules: tensors with dims decide; 0-d tensors and Python scalars
# only matter when of a higher category (bool < int < float); a Python float is the default dtype.
PROMOTION = [
    ("float32", "float32", "float32"),
    ("float32", "float64", "float64"),
    ("int64", "float32", "float32"),
    ("int64", "float64", "float64"),
    ("bool", "int64", "int64"),
    ("bool", "float64", "float64"),
    ("bool", "bool", "bool"),
    ("float32", "float64_0d", "float32"),   # 0-d of the same category does not widen
    ("int64", "float64_0d", "float64"),     # 0-d of a higher category: its own dtype
    ("bool", "int64_0d", "int64"),
    ("int64_0d", "float32_0d", "float32"),
    ("float32_0d", "float64_0d", "float64"),  # only 0-d tensors: promote among them
    ("float64_0d", "int64", "float64"),
    ("bool_0d", "float32", "float32"),
    ("float32", 2, "float32"),
    ("float64", 2.5, "float64"),
    ("int64", 2.5, "float32"),              # a Python float gives the default dtype
    ("int64", True, "int64"),
    ("bool", 2, "int64"),
    ("bool", True, "bool"),
    ("bool", 2.5, "float32"),
    ("int64_0d", 2.5, "float32"),
    ("float64_0d", 2, "float64"),
    ("bool_0d", 7, "int64"),
]


@pytest.mark.parametrize("a, b, expected", PROMOTION)
def test_result_type_hand_written_table(a, b, expected):
    ta = _t(a)
    tb = _t(b) if isinstance(b, str) else b
    assert mt.result_type(ta, tb) is getattr(mt, expected)
    assert mt.result_type(tb, ta) is getattr(mt, expected)  # symmetric
    out = ta * tb
    assert out.dtype is getattr(mt, expected)
    assert (tb * ta).dtype is getattr(mt, expected)
    b_values = tb.numpy().astype(float) if isinstance(tb, mt.Tensor) else float(tb)
    np.testing.assert_allclose(out.numpy().astype(float), ta.numpy().astype(float) * b_values)


def test_result_type_matches_torch_over_every_pair(torch):
    names = ["float32", "float64", "int64", "bool"]
    kinds = names + [n + "_0d" for n in names]
    scalars = [2, 2.5, True]
    for a in kinds:
        ta = _t(a)
        tt = torch.tensor(ta.numpy())
        for b in kinds + scalars:
            if isinstance(b, str):
                tb, ttb = _t(b), torch.tensor(_t(b).numpy())
            else:
                tb = ttb = b
            expected = str(torch.result_type(tt, ttb)).split(".")[-1]
            assert mt.result_type(ta, tb).name == expected, (a, b)


def test_promote_types():
    assert mt.promote_types(mt.int64, mt.float32) is mt.float32
    assert mt.promote_types(mt.float32, mt.float64) is mt.float64
    assert mt.promote_types(mt.bool, mt.int64) is mt.int64
    assert mt.promote_types(mt.bool, mt.bool) is mt.bool


def test_promotion_in_mixed_ops_keeps_values():
    i = mt.tensor([1, 2, 3])
    f = mt.tensor([0.5, 0.5, 0.5])
    assert (i + f).dtype is mt.float32 and (i + f).tolist() == [1.5, 2.5, 3.5]
    assert (i / 2).dtype is mt.float32 and (i / 2).tolist() == [0.5, 1.0, 1.5]  # true division
    assert (i * 2).dtype is mt.int64 and (i * 2).tolist() == [2, 4, 6]
    assert (i ** 2).dtype is mt.int64 and (i ** 2).tolist() == [1, 4, 9]
    assert (i ** 0.5).dtype is mt.float32
    assert (2 ** i).tolist() == [2, 4, 8] and (2 ** i).dtype is mt.int64
    b = mt.tensor([True, False, True])
    assert (b + b).dtype is mt.bool and (b * b).tolist() == [True, False, True]
    assert (b + 1).tolist() == [2, 1, 2] and (b + 1).dtype is mt.int64
    assert (b * 1.5).tolist() == [1.5, 0.0, 1.5]
    assert mt.maximum(i, f).dtype is mt.float32


def test_comparisons_give_bool():
    a = mt.tensor([1.0, 2.0, 3.0])
    b = mt.tensor([3, 2, 1])
    for op, npop in [("__lt__", np.less), ("__le__", np.less_equal), ("__gt__", np.greater),
                     ("__ge__", np.greater_equal), ("__eq__", np.equal), ("__ne__", np.not_equal)]:
        out = getattr(a, op)(b)
        assert out.dtype is mt.bool
        assert out.tolist() == npop(a.numpy(), b.numpy()).tolist()
        assert getattr(a, op)(2).tolist() == npop(a.numpy(), 2).tolist()
    assert (a == 2.0).tolist() == [False, True, False]
    assert (2 < a).tolist() == [False, False, True]  # reflected comparison


def test_logical_ops_on_masks():
    p, q = mt.tensor([True, True, False, False]), mt.tensor([True, False, True, False])
    assert (p & q).tolist() == [True, False, False, False]
    assert (p | q).tolist() == [True, True, True, False]
    assert (p ^ q).tolist() == [False, True, True, False]
    assert (~p).tolist() == [False, False, True, True]
    assert mt.logical_not(q).tolist() == [False, True, False, True]
    with pytest.raises(TypeError, match="int64"):
        mt.tensor([1, 2]) & mt.tensor([1, 0])
    with pytest.raises(TypeError, match="float32"):
        ~mt.ones(2)


def test_unsupported_dtype_combinations_name_the_dtypes():
    b = mt.tensor([True, False])
    with pytest.raises(TypeError, match="bool.*bool"):
        b - b
    with pytest.raises(TypeError, match="float32.*bool|bool.*float32"):
        mt.ones(2) - b
    with pytest.raises(TypeError, match="bool"):
        1 - b
    with pytest.raises(TypeError, match="bool"):
        _ = -b
    with pytest.raises(RuntimeError, match="int64"):
        mt.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="int64"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="where.*int64"):
        mt.where(mt.tensor([1, 0]), 1.0, 2.0)
    with pytest.raises(TypeError, match="int32"):
        mt.from_numpy(np.zeros(2, dtype=np.int32))
    with pytest.raises(TypeError, match="float16.*supports"):
        mt.zeros(2, dtype="float16")
    with pytest.raises(IndexError, match="float32"):
        mt.arange(3)[mt.tensor([0.0, 1.0])]


def test_dtype_names_aliases_and_as_dtype():
    assert mt.float is mt.float32 and mt.double is mt.float64 and mt.long is mt.int64 and mt.bool is mt.bool_
    assert as_dtype("float64") is mt.float64 and as_dtype("long") is mt.int64 and as_dtype("double") is mt.float64
    assert as_dtype(np.float32) is mt.float32 and as_dtype(np.dtype("int64")) is mt.int64
    assert as_dtype(int) is mt.int64 and as_dtype(bool) is mt.bool and as_dtype(float) is mt.float32
    assert repr(mt.float64) == "minitorch.float64"
    assert mt.float32.is_floating_point and not mt.int64.is_floating_point and not mt.bool.is_floating_point
    assert mt.float64.itemsize == 8 and mt.ones(2).element_size() == 4
    assert mt.tensor([1]).is_floating_point() is False


def test_default_dtype_is_float32_and_can_change():
    assert mt.get_default_dtype() is mt.float32
    assert mt.tensor([1.5]).dtype is mt.float32
    assert mt.zeros(2).dtype is mt.float32 and mt.rand(2).dtype is mt.float32
    mt.set_default_dtype(mt.float64)  # the conftest fixture restores float32
    assert mt.tensor([1.5]).dtype is mt.float64
    assert mt.zeros(2).dtype is mt.float64 and mt.randn(2).dtype is mt.float64
    assert mt.arange(0.0, 1.0).dtype is mt.float64
    assert (mt.tensor([1, 2]) * 0.5).dtype is mt.float64  # Python floats follow the default
    assert (mt.tensor([1, 2]) / 2).dtype is mt.float64
    assert mt.tensor([1, 2]).dtype is mt.int64
    with pytest.raises(TypeError, match="floating point"):
        mt.set_default_dtype(mt.int64)


def test_data_dtype_inference_like_torch():
    assert mt.tensor([1, 2]).dtype is mt.int64
    assert mt.tensor([1, 2.5]).dtype is mt.float32
    assert mt.tensor([True, False]).dtype is mt.bool
    assert mt.tensor(np.array([1.0])).dtype is mt.float64  # NumPy float64 is kept
    assert mt.tensor(np.array([1.0], dtype=np.float32)).dtype is mt.float32
    assert mt.tensor(np.array([1], dtype=np.int32)).dtype is mt.int64
    assert mt.tensor([1.7, -1.7], dtype=mt.int64).tolist() == [1, -1]  # truncation, as torch
    assert mt.full((2,), 7).dtype is mt.int64 and mt.full((2,), 7.0).dtype is mt.float32
    assert mt.full((2,), True).dtype is mt.bool
    assert mt.arange(3).dtype is mt.int64 and mt.arange(0, 1, 0.5).dtype is mt.float32


def test_conversions_between_dtypes():
    x = mt.tensor([1.7, -0.2, 0.0])
    assert x.long().tolist() == [1, 0, 0]
    assert x.bool().tolist() == [True, True, False]
    assert x.double().dtype is mt.float64
    assert x.to(mt.float64).dtype is mt.float64 and x.to("int64").dtype is mt.int64
    assert x.to(dtype=mt.bool).dtype is mt.bool
    assert mt.tensor([True, False]).float().tolist() == [1.0, 0.0]
    assert x.to(mt.tensor([1])).dtype is mt.int64  # .to(other) takes the other's dtype
    assert x.float() is x  # no copy when nothing changes


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64, mt.int64, mt.bool])
def test_each_dtype_round_trips_through_numpy(dtype):
    data = np.array([[0, 1], [1, 0]]).astype(dtype.numpy)
    t = mt.tensor(data, dtype=dtype)
    assert t.dtype is dtype
    assert t.numpy().dtype == dtype.numpy
    np.testing.assert_array_equal(t.numpy(), data)
    assert mt.zeros(2, dtype=dtype).dtype is dtype
    assert mt.ones_like(t).dtype is dtype
