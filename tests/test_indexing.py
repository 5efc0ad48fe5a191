"""Indexing: ints, slices, None, ..., integer tensors and bool masks, for reading (with grads) and writing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt


@st.composite
def shapes(draw):
    return tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))


@st.composite
def index_keys(draw, shape, allow_ints_with_arrays=True, unique=False):
    """A PyTorch index key for ``shape``: ints, slices, None, one ..., and integer lists or one bool mask.

    Returns the key with index tensors as NumPy arrays (converted per framework by ``_key_for``).
    """
    ndim = len(shape)
    n_front = draw(st.integers(0, ndim))
    ellipsis = draw(st.booleans())
    n_back = draw(st.integers(0, ndim - n_front)) if ellipsis else 0
    dims = list(range(n_front)) + list(range(ndim - n_back, ndim))
    length = draw(st.integers(1, 3))  # every integer-array index has this length, so they broadcast
    key, used_mask, used_array, used_int = [], False, False, False
    for pos, d in enumerate(dims):
        if ellipsis and pos == n_front:
            key.append(Ellipsis)
        if draw(st.integers(0, 4)) == 0:
            key.append(None)
        n = shape[d]
        kinds = ["int", "slice", "slice"]
        if not used_mask and not (used_int and not allow_ints_with_arrays):
            kinds += ["array", "mask"] if not used_array else ["array"]
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            if used_array and not allow_ints_with_arrays:
                kind = "slice"
            else:
                used_int = True
                key.append(draw(st.integers(-n, n - 1)))
        if kind == "slice":
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            key.append(slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))))
        elif kind == "array":
            used_array = True
            if unique:
                if n < length:
                    key.append(slice(None))
                    continue
                values = draw(st.permutations(range(n)))[:length]
            else:
                values = draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length))
            key.append(np.array(values, dtype=np.int64))
        elif kind == "mask":
            used_mask = used_array = True
            key.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    if ellipsis and n_front == len(dims):
        key.append(Ellipsis)
    if used_mask:  # a mask's nonzero count must broadcast with the arrays: keep only the mask
        key = [slice(None) if isinstance(k, np.ndarray) and k.dtype != np.bool_ else k for k in key]
    return tuple(key)


def _key_for(lib, key):
    return tuple(lib.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


def _has_int_and_array(key):
    ints = any(isinstance(k, int) for k in key)
    return ints and any(isinstance(k, np.ndarray) for k in key)


@given(data=st.data())
def test_reading_matches_numpy(data):
    """Keys where NumPy and PyTorch agree (no ints mixed with index arrays)."""
    shape = data.draw(shapes())
    key = data.draw(index_keys(shape, allow_ints_with_arrays=False))
    assert not _has_int_and_array(key)
    arr = np.arange(np.prod(shape)).reshape(shape)
    out = mt.tensor(arr)[_key_for(mt, key)]
    expected = arr[key]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


@given(data=st.data())
def test_reading_and_gradients_match_torch(data):
    torch = pytest.importorskip("torch")
    shape = data.draw(shapes())
    key = data.draw(index_keys(shape))
    arr = np.random.default_rng(0).standard_normal(shape)
    x = mt.tensor(arr, dtype=mt.float64, requires_grad=True)
    tx = torch.tensor(arr, requires_grad=True)
    out, tout = x[_key_for(mt, key)], tx[_key_for(torch, key)]
    assert out.shape == tuple(tout.shape), key
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(gradient=mt.tensor(upstream, dtype=mt.float64))
    tout.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(data=st.data())
def test_writing_matches_torch_and_numpy(data):
    shape = data.draw(shapes())
    key = data.draw(index_keys(shape, unique=True, allow_ints_with_arrays=False))
    arr = np.zeros(shape)
    target_shape = arr[key].shape
    value = np.arange(1, 1 + int(np.prod(target_shape))).reshape(target_shape).astype(float)
    x = mt.tensor(arr, dtype=mt.float64)
    x[_key_for(mt, key)] = mt.tensor(value, dtype=mt.float64)
    arr[key] = value
    np.testing.assert_array_equal(x.numpy(), arr)
    x[_key_for(mt, key)] = -1.0  # a scalar broadcasts
    arr[key] = -1.0
    np.testing.assert_array_equal(x.numpy(), arr)


def test_integer_before_index_tensor_is_applied_first_like_torch():
    x = mt.arange(24).reshape(2, 3, 4)
    assert x[0, :, mt.tensor([1, 2])].shape == (3, 2)  # NumPy would give (2, 3)
    assert x[0, :, mt.tensor([1, 2])].tolist() == [[1, 2], [5, 6], [9, 10]]
    assert x[None, mt.tensor([0, 1]), None, 0].shape == (1, 2, 1, 4)
    assert x[mt.tensor([0, 1]), :, mt.tensor([0, 3])].shape == (2, 3)  # separated tensors: dims go first
    x[1, :, mt.tensor([0, 3])] = mt.zeros(3, 2, dtype=mt.int64)
    assert x[1].tolist() == [[0, 13, 14, 0], [0, 17, 18, 0], [0, 21, 22, 0]]


def test_hand_written_cases():
    x = mt.arange(12).reshape(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7] and x[-1, -1].item() == 11
    assert x[:, 1].tolist() == [1, 5, 9] and x[1:, ::2].tolist() == [[4, 6], [8, 10]]
    assert x[..., 0].tolist() == [0, 4, 8] and x[None].shape == (1, 3, 4) and x[:, None].shape == (3, 1, 4)
    assert x[mt.tensor([2, 0])].tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    assert x[[0, 2], [1, 3]].tolist() == [1, 11]
    assert x[mt.tensor([[0, 1], [2, 2]])].shape == (2, 2, 4)  # a 2-D index tensor
    assert x[mt.tensor(np.arange(12).reshape(3, 4) % 2 == 0)].tolist() == [0, 2, 4, 6, 8, 10]  # a 2-D mask
    assert x[mt.tensor([True, False, True])].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert x[mt.tensor([True, False, True]), 1:3].tolist() == [[1, 2], [9, 10]]
    assert x[mt.tensor(1)].tolist() == [4, 5, 6, 7]  # a 0-d integer tensor acts as an int
    assert x[10:].shape == (0, 4)


def test_basic_indexing_gives_views_advanced_gives_copies():
    x = mt.zeros(3, 4)
    v = x[1:, ::2]
    v[0, 0] = 5.0  # writes through the view
    assert x[1, 0].item() == 5.0
    c = x[mt.tensor([1])]
    c[0, 0] = -7.0
    assert x[1, 0].item() == 5.0


def test_writing_without_grad():
    x = mt.zeros(3, 4)
    x[0] = 1.0
    x[:, -1] = mt.tensor([7.0, 8.0, 9.0])
    x[x == 0] = 2.0
    x[mt.tensor([1, 2]), mt.tensor([0, 1])] = mt.tensor([-1.0, -2.0])
    x[2, ...] = x[2] * 10
    x[None, 0, 1] = 3  # an int into a float tensor
    assert x.tolist() == [[1.0, 3.0, 1.0, 7.0], [-1.0, 2.0, 2.0, 8.0], [20.0, -20.0, 20.0, 90.0]]
    y = mt.zeros(2, dtype=mt.int64)
    y[0] = mt.tensor(3.7)  # converted to the tensor's dtype
    assert y.tolist() == [3, 0] and y.dtype is mt.int64
    w = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 1.0
    with mt.no_grad():
        w[mt.tensor([True, False, True])] = 4.0
    assert w.tolist() == [4.0, 0.0, 4.0] and w.requires_grad
    h = w * 2
    with pytest.raises(RuntimeError, match="in-place"):
        h[0] = 1.0


def test_index_errors_name_dim_and_size():
    x = mt.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        x[:, 5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[-4]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[mt.tensor([0, 3])]
    with pytest.raises(IndexError, match="dimension 1 with size 4"):
        x[0, mt.tensor([9])]
    with pytest.raises(IndexError, match="dimension 1 with size 4"):
        x[1, 4] = 1.0
    with pytest.raises(IndexError, match="too many indices.*dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"mask \(2,\).*\(3,\)"):
        x[mt.tensor([True, False])]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(IndexError, match="int64 or bool.*float32"):
        x[mt.tensor([0.0])]
    with pytest.raises(IndexError, match="float"):
        x[1.5]
    with pytest.raises(ValueError, match="step"):
        x[::-1]
