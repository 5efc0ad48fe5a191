"""Transforms: values against NumPy / PyTorch reproductions of torchvision, batched against per-sample, seeding."""

from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch.data import transforms as T


def _img(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# ---- ToTensor ------------------------------------------------------------------------------------------------


def _torchvision_to_tensor(torch, pic: np.ndarray):
    """torchvision.transforms.functional.to_tensor for ndarrays, line for line."""
    if pic.ndim == 2:
        pic = pic[:, :, None]
    img = torch.from_numpy(pic.transpose((2, 0, 1))).contiguous()
    return img.to(dtype=torch.get_default_dtype()).div(255) if img.dtype == torch.uint8 else img


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (4, 6, 3)])
def test_to_tensor_matches_torchvision(torch, shape):
    pic = _img(shape)
    ours, theirs = T.ToTensor()(pic), _torchvision_to_tensor(torch, pic)
    assert ours.dtype is mt.float32 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert float(ours.max()) <= 1.0 and float(ours.min()) >= 0.0


def test_to_tensor_does_not_rescale_other_dtypes(torch):
    floats = np.random.default_rng(0).random((3, 4, 2)) * 7
    out = T.ToTensor()(floats)
    assert out.dtype is mt.float64 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.numpy(), _torchvision_to_tensor(torch, floats).numpy())
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = T.ToTensor()(ints)
    assert out.dtype is mt.int64 and out.tolist() == [[[0, 1, 2], [3, 4, 5]]]


def test_to_tensor_batches():
    gray, rgb = _img((4, 5, 6)), _img((3, 5, 6, 3))
    b = T.ToTensor().batch(gray)
    assert b.shape == (4, 1, 5, 6)
    np.testing.assert_array_equal(b.numpy()[2], T.ToTensor()(gray[2]).numpy())
    b = T.ToTensor().batch(rgb)
    assert b.shape == (3, 3, 5, 6)
    np.testing.assert_array_equal(b.numpy()[1], T.ToTensor()(rgb[1]).numpy())
    np.testing.assert_array_equal(T.ToTensor()(rgb).numpy(), b.numpy())  # 4-D input is an NHWC batch


def test_to_tensor_follows_default_dtype():
    mt.set_default_dtype(mt.float64)
    out = T.ToTensor()(np.array([[0, 255, 1]], np.uint8))
    assert out.dtype is mt.float64 and out.numpy()[0, 0, 2] == 1 / 255


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="already converted"):
        T.ToTensor()(mt.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="NumPy array"):
        T.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="got shape"):
        T.ToTensor()(np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="NHW or NHWC"):
        T.ToTensor().batch(np.zeros((3, 3), np.uint8))


# ---- Normalize -----------------------------------------------------------------------------------------------


def test_normalize_matches_torch(torch):
    x = np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    ours = T.Normalize(mean, std)(mt.tensor(x))
    t = torch.from_numpy(x.copy())
    theirs = t.sub_(torch.as_tensor(mean, dtype=t.dtype)[:, None, None]).div_(
        torch.as_tensor(std, dtype=t.dtype)[:, None, None])
    assert ours.dtype is mt.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    hand = (x - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_allclose(ours.numpy(), hand, rtol=1e-6)


def test_normalize_batch_and_single_channel():
    x = mt.rand(6, 1, 4, 4, generator=mt.Generator().manual_seed(0))
    norm = T.Normalize((0.1307,), (0.3081,))
    b = norm.batch(x)
    assert b.shape == (6, 1, 4, 4)
    np.testing.assert_array_equal(b.numpy()[4], norm(x[4]).numpy())
    np.testing.assert_allclose(b.numpy(), (x.numpy() - 0.1307) / 0.3081, rtol=1e-6)
    assert norm(x.double()).dtype is mt.float64
    arr = norm(np.ones((1, 2, 2), np.float32))
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    three = T.Normalize(0.5, 0.5)(mt.ones(3, 2, 2))
    assert three.tolist() == [[[1.0, 1.0], [1.0, 1.0]]] * 3


def test_normalize_errors():
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(mt.zeros(1, 2, 2, dtype=mt.int64))
    with pytest.raises(ValueError, match="3 channels"):
        T.Normalize((0.5, 0.5), (0.5, 0.5))(mt.zeros(3, 2, 2))
    with pytest.raises(ValueError, match=r"\(..., C, H, W\)"):
        T.Normalize((0.5,), (0.5,))(mt.zeros(2, 2))


# ---- Compose and Lambda --------------------------------------------------------------------------------------


def test_compose_order_and_batch_support():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    assert tf.supports_batch
    assert tf(np.array([[0, 255]], np.uint8)).tolist() == [[[-1.0, 1.0]]]
    imgs = _img((5, 3, 3))
    np.testing.assert_array_equal(tf.batch(imgs).numpy()[3], tf(imgs[3]).numpy())
    assert T.Compose([lambda x: x + 1, lambda x: x * 2])(3) == 8
    assert not T.Compose([T.ToTensor(), T.Lambda(lambda x: x)]).supports_batch
    assert "ToTensor()" in repr(tf) and "Normalize" in repr(tf)


def test_lambda_per_sample_and_batched():
    calls = []

    def f(x):
        calls.append(x.shape)
        return x * 2

    imgs = np.arange(12).reshape(3, 2, 2)
    assert T.Lambda(f).batch(imgs).tolist() == (imgs * 2).tolist() and calls == [(2, 2)] * 3
    calls.clear()
    lam = T.Lambda(f, batched=True)
    assert lam.supports_batch and lam.batch(imgs).tolist() == (imgs * 2).tolist() and calls == [(3, 2, 2)]
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


# ---- RandomHorizontalFlip ------------------------------------------------------------------------------------


def test_flip_always_and_never():
    hw, hwc, chw = _img((3, 4)), _img((3, 4, 3)), mt.tensor(_img((2, 3, 4)))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(hw), hw[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(hwc), hwc[:, ::-1, :])
    flipped = T.RandomHorizontalFlip(1.0)(chw)
    assert isinstance(flipped, mt.Tensor) and flipped.dtype is mt.int64
    np.testing.assert_array_equal(flipped.numpy(), chw.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(hw) is hw
    with pytest.raises(ValueError):
        T.RandomHorizontalFlip(1.5)


def test_flip_batch_equals_per_sample_loop_with_same_seed():
    imgs = _img((40, 3, 5))
    batched = T.RandomHorizontalFlip(0.5, generator=mt.Generator().manual_seed(4)).batch(imgs)
    single = T.RandomHorizontalFlip(0.5, generator=mt.Generator().manual_seed(4))
    looped = np.stack([single(im) for im in imgs])
    np.testing.assert_array_equal(batched, looped)
    flipped = [not np.array_equal(b, im) for b, im in zip(batched, imgs)]
    draws = np.random.default_rng(4).random(40) < 0.5
    assert flipped == draws.tolist() and 5 < sum(flipped) < 35
    assert imgs.flags.writeable and not np.array_equal(batched, imgs)  # input left untouched
    tensors = mt.tensor(_img((6, 1, 2, 3)))
    out = T.RandomHorizontalFlip(1.0).batch(tensors)
    np.testing.assert_array_equal(out.numpy(), tensors.numpy()[..., ::-1])


def test_flip_rate_and_default_generator():
    flip = T.RandomHorizontalFlip(0.3)
    img = np.array([[1, 2]])
    mt.manual_seed(0)
    a = [flip(img)[0, 0] == 2 for _ in range(2000)]
    mt.manual_seed(0)
    b = [flip(img)[0, 0] == 2 for _ in range(2000)]
    assert a == b and 0.25 < np.mean(a) < 0.35


# ---- RandomCrop ----------------------------------------------------------------------------------------------


def _windows(padded: np.ndarray, h: int, w: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(padded.shape[0] - h + 1) for j in range(padded.shape[1] - w + 1)]


def test_crop_is_a_window_of_the_zero_padded_image():
    img = _img((6, 7), 3) | 1  # no zeros inside, so the padding is recognisable
    crop = T.RandomCrop((4, 5), padding=2, generator=mt.Generator().manual_seed(0))
    padded = np.pad(img, 2)
    seen = set()
    for _ in range(300):
        out = crop(img)
        assert out.shape == (4, 5) and out.dtype == np.uint8
        matches = [(i, j) for i, j in _windows(padded, 4, 5) if np.array_equal(padded[i:i + 4, j:j + 5], out)]
        assert len(matches) == 1
        seen.add(matches[0])
    assert seen == set(_windows(padded, 4, 5))  # every offset is reachable


@pytest.mark.parametrize("padding, torch_pad", [(1, (1, 1, 1, 1)), ((1, 2), (1, 1, 2, 2)),
                                                ((1, 2, 3, 4), (1, 3, 2, 4))])
def test_padding_forms_match_torchvision(torch, padding, torch_pad):
    chw = _img((3, 5, 6))
    left, top, right, bottom = torch_pad[0], torch_pad[2], torch_pad[1], torch_pad[3]
    size = (5 + top + bottom, 6 + left + right)  # the crop is the whole padded image: no randomness
    ours = T.RandomCrop(size, padding=padding, fill=9)(mt.tensor(chw))
    theirs = torch.nn.functional.pad(torch.from_numpy(chw), torch_pad, value=9)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    hwc = T.RandomCrop(size, padding=padding, fill=9)(chw.transpose(1, 2, 0))
    np.testing.assert_array_equal(hwc, theirs.numpy().transpose(1, 2, 0))


def test_crop_offsets_follow_documented_draws():
    img = np.arange(100).reshape(10, 10)
    out = T.RandomCrop(3, generator=mt.Generator().manual_seed(7))(img)
    u = np.random.default_rng(7).random((1, 2))
    top, left = int(u[0, 0] * 8), int(u[0, 1] * 8)
    np.testing.assert_array_equal(out, img[top:top + 3, left:left + 3])


def test_crop_batch_equals_per_sample_loop_with_same_seed():
    for imgs in (_img((12, 8, 9)), _img((12, 8, 9, 3))):
        batched = T.RandomCrop(5, padding=2, generator=mt.Generator().manual_seed(1)).batch(imgs)
        single = T.RandomCrop(5, padding=2, generator=mt.Generator().manual_seed(1))
        np.testing.assert_array_equal(batched, np.stack([single(im) for im in imgs]))
    tensors = mt.tensor(_img((12, 3, 8, 9))).float()
    batched = T.RandomCrop(5, padding=2, generator=mt.Generator().manual_seed(1)).batch(tensors)
    single = T.RandomCrop(5, padding=2, generator=mt.Generator().manual_seed(1))
    assert batched.shape == (12, 3, 5, 5) and batched.dtype is mt.float32
    np.testing.assert_array_equal(batched.numpy(), np.stack([single(t).numpy() for t in tensors]))


def test_crop_pad_if_needed_and_errors():
    out = T.RandomCrop((4, 6), pad_if_needed=True, generator=mt.Generator().manual_seed(0))(np.ones((3, 3)))
    assert out.shape == (4, 6)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(5)(np.ones((4, 4)))
    with pytest.raises(ValueError, match="padding"):
        T.RandomCrop(2, padding=(1, 2, 3))
    same = np.arange(16).reshape(4, 4)
    gen = mt.Generator().manual_seed(0)
    state = gen.get_state()
    np.testing.assert_array_equal(T.RandomCrop(4, generator=gen)(same), same)
    assert gen.get_state() == state  # no draws when the image already has the crop size


def test_random_transforms_in_a_loader_are_reproducible():
    ds = mt.data.TensorDataset(mt.rand(20, 1, 6, 6, generator=mt.Generator().manual_seed(0)))

    class Augmented(mt.data.Dataset):
        tf = T.Compose([T.RandomCrop(6, padding=1), T.RandomHorizontalFlip()])

        def __len__(self):
            return len(ds)

        def __getitem__(self, i):
            return self.tf(ds[i][0])

    def epoch():
        return [x.numpy() for x in mt.data.DataLoader(Augmented(), batch_size=8, shuffle=True)]

    mt.manual_seed(3)
    a = epoch()
    mt.manual_seed(3)
    b = epoch()
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == 3
