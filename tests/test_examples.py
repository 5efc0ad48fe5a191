"""Smoke runs of every example script with tiny flags, checked against numbers worked out independently.

Each example is imported from examples/ and its ``main(argv)`` run in-process. The MNIST and Fashion-MNIST
runs need the real files (``MINITORCH_DATA``) and are skipped without them; the CIFAR-10 run writes a few
records in the canonical binary format into a temporary folder.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.data import MNIST, DatasetNotFoundError, FashionMNIST
from minitorch.summary import ModelSummary

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NAMES = ["mnist_cnn", "fashion_mnist", "cifar10", "architectures", "dense_vs_cnn", "convolution_by_hand",
         "visualize"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(name: str) -> ModuleType:
    """Import examples/<name>.py (once) as module ``examples_<name>``."""
    key = f"examples_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def dataset_or_skip(cls: type, train: bool = True):
    try:
        return cls(None, train=train)
    except DatasetNotFoundError:
        pytest.skip(f"{cls.__name__} files not found (set MINITORCH_DATA)")


def assert_png(path: Path, min_side: int = 100) -> None:
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = matplotlib.image.imread(str(path))
    assert img.ndim == 3 and min(img.shape[:2]) >= min_side
    assert img[..., :3].std() > 0.01  # not a blank canvas


def conv_params(k: int, c_in: int, c_out: int) -> int:
    return (k * k * c_in + 1) * c_out


# ---- every example: --help, docstrings, doctests ------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_help_docstring_and_doctests(name, capsys):
    module = load(name)
    assert module.__doc__ and len(module.__doc__.splitlines()) > 5 and f"examples/{name}.py" in module.__doc__
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    assert "usage:" in usage and (name == "convolution_by_hand" or "--seed" in usage)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


# ---- mnist_cnn.py ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_checkpoint(tmp_path_factory) -> tuple[Path, float]:
    dataset_or_skip(MNIST)
    path = tmp_path_factory.mktemp("ckpt") / "mnist_cnn.safetensors"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        acc = load("mnist_cnn").main(["--epochs", "1", "--train-size", "640", "--test-size", "200", "--quiet",
                                      "--save", str(path)])
    assert f"test accuracy {acc:.4f} on 200 images" in out.getvalue() and "Total params: 93,322" in out.getvalue()
    return path, acc


def test_mnist_cnn_trains_and_saves(mnist_checkpoint, capsys):
    path, acc = mnist_checkpoint
    assert 0.25 < acc <= 1.0  # 10 batches already beat chance (0.1) clearly: about 0.4
    state = mt.load(path)
    expected = {f"{i}.{p}": None for i in (0, 3, 6, 9, 11) for p in ("weight", "bias")}
    assert sorted(state) == sorted(expected)
    assert state["0.weight"].shape == (32, 1, 3, 3) and state["9.weight"].shape == (64, 576)
    model = load("mnist_cnn").keras_mnist_cnn()
    model.load_state_dict(state)
    # the saved weights reproduce the printed accuracy
    test = MNIST(None, train=False, transform=mt.data.transforms.ToTensor())
    result = mt.train.evaluate(model, mt.data.Subset(test, range(200)))
    assert result["accuracy"] == pytest.approx(acc, abs=1e-6)


# ---- fashion_mnist.py -----------------------------------------------------------------------------------------

def test_fashion_mnist_defaults_follow_the_course():
    fm = load("fashion_mnist")
    args = fm.parse_args([])
    assert (args.model, args.epochs, args.val_size, args.lr) == ("small", 3, 30_000, 1e-3)
    assert fm.split_indices(60_000, args.val_size, None) == (range(0, 30_000), range(30_000, 60_000))
    strong_args = fm.parse_args(["--model", "strong"])
    assert strong_args.epochs >= 10 and strong_args.val_size == 5_000
    small = fm.small_cnn()
    assert [sum(p.numel() for p in m.parameters()) for m in small if isinstance(m, (nn.Conv2d, nn.Linear))] == \
        [conv_params(7, 1, 4), 784 * 8 + 8, 8 * 10 + 10]
    assert small(mt.zeros(2, 1, 28, 28)).shape == (2, 10)
    strong = fm.strong_cnn()
    assert sum(p.numel() for p in strong.parameters()) == (
        conv_params(3, 1, 32) + conv_params(3, 32, 32) + 4 * 32 + conv_params(3, 32, 64) + conv_params(3, 64, 64)
        + 4 * 64 + 3136 * 128 + 128 + 1290) == 468_202
    assert strong(mt.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_fashion_mnist_small_run_standardises_with_training_stats():
    full = dataset_or_skip(FashionMNIST)
    fm = load("fashion_mnist")
    result = fm.main(["--epochs", "1", "--train-size", "1536", "--val-size", "256", "--test-size", "256", "--quiet"])
    pixels = full.data[:1536].astype(np.float64) / 255  # the first 1,536 images are the training ones
    assert result["mean"] == pytest.approx(pixels.mean()) and result["std"] == pytest.approx(pixels.std())
    assert 0.3 < result["accuracy"] <= 1.0 and result["loss"] < np.log(10)  # about 0.43 after 48 batches; chance 0.1
    standardise = fm.standardiser(full.data[:1536])
    x = standardise.batch(full.data[:1536]).numpy()
    assert abs(x.mean()) < 1e-4 and x.std() == pytest.approx(1.0, abs=1e-4)


def test_fashion_mnist_strong_model_runs():
    dataset_or_skip(FashionMNIST)
    result = load("fashion_mnist").main(["--model", "strong", "--epochs", "1", "--train-size", "64",
                                         "--val-size", "64", "--test-size", "64", "--quiet"])
    assert 0.0 <= result["accuracy"] <= 1.0 and np.isfinite(result["loss"])


# ---- cifar10.py -----------------------------------------------------------------------------------------------

def write_cifar(root: Path, per_file: int = 8) -> None:
    """Tiny batch files in the canonical binary format: per record a label byte then R, G, B planes."""
    folder = root / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = rng.integers(0, 10, per_file, dtype=np.uint8)
        planes = rng.integers(0, 256, (per_file, 3, 32, 32), dtype=np.uint8)
        records = np.concatenate([labels[:, None], planes.reshape(per_file, -1)], axis=1)
        (folder / name).write_bytes(records.tobytes())


def test_cifar10_smoke_run(tmp_path):
    write_cifar(tmp_path)
    cifar = load("cifar10")
    result = cifar.main(["--data", str(tmp_path), "--no-verify", "--epochs", "1", "--width", "8", "--blocks", "2",
                         "--hidden", "16", "--val-size", "8", "--quiet"])
    assert 0.0 <= result["accuracy"] <= 1.0 and np.isfinite(result["loss"])
    with pytest.raises(mt.data.CorruptFileError):  # without --no-verify, small files are refused
        cifar.main(["--data", str(tmp_path), "--epochs", "1", "--quiet"])


def test_cifar10_model_and_transforms():
    cifar = load("cifar10")
    model = cifar.vgg_style()
    convs = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256)]
    expected = sum(conv_params(3, i, o) + 2 * o for i, o in convs) + (256 * 4 * 4 * 512 + 512) + (512 * 10 + 10)
    assert sum(p.numel() for p in model.parameters()) == expected == 3_249_994
    assert sum(isinstance(m, nn.MaxPool2d) for m in model) == 3
    # a mid-grey image at exactly the channel means normalises to about 0
    mean_img = np.round(np.array(cifar.CIFAR10_MEAN) * 255).astype(np.uint8)[None, None, :].repeat(32, 0).repeat(32, 1)
    x = cifar.eval_transform()(mean_img).numpy()
    assert x.shape == (3, 32, 32) and np.abs(x).max() < 0.01
    # augmentation: same shape, a different image for some draw (crop shift or flip)
    img = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    aug = cifar.train_transform(mt.Generator().manual_seed(0))
    outs = [aug(img).numpy() for _ in range(4)]
    plain = cifar.eval_transform()(img).numpy()
    assert all(o.shape == (3, 32, 32) for o in outs)
    assert any(not np.allclose(o, plain) for o in outs)


# ---- architectures.py -----------------------------------------------------------------------------------------

def test_architectures_counts():
    results = load("architectures").main(["--image-size", "64", "--quiet"])
    assert results["lenet5"].total_params == 61_706
    assert results["alexnet"].total_params == 61_100_840
    assert results["vgg16"].total_params == 138_357_544
    # LeNet-5: 6x28x28 after C1, 16x10x10 after C3, by the output-size formula on 32x32
    shapes = {r.name: r.output_shape for r in results["lenet5"].rows}
    assert shapes["features.0"] == (1, 6, 28, 28) and shapes["features.3"] == (1, 16, 10, 10)
    vgg_convs = [r for r in results["vgg16"].rows if r.type == "Conv2d"]
    assert len(vgg_convs) == 13 and [r.output_shape[-1] for r in vgg_convs][::3] == [64, 32, 16, 8, 4]
    assert [r.output_shape for r in results["vgg16"].rows if r.name == "avgpool"] == [(1, 512, 7, 7)]


def test_architectures_match_torch_layouts(torch):
    arch = load("architectures")
    tn = torch.nn
    with torch.device("meta"):
        alexnet = tn.Module()
        alexnet.features = tn.Sequential(
            tn.Conv2d(3, 64, 11, 4, 2), tn.ReLU(), tn.MaxPool2d(3, 2), tn.Conv2d(64, 192, 5, padding=2), tn.ReLU(),
            tn.MaxPool2d(3, 2), tn.Conv2d(192, 384, 3, padding=1), tn.ReLU(), tn.Conv2d(384, 256, 3, padding=1),
            tn.ReLU(), tn.Conv2d(256, 256, 3, padding=1), tn.ReLU(), tn.MaxPool2d(3, 2))
        alexnet.classifier = tn.Sequential(tn.Dropout(), tn.Linear(9216, 4096), tn.ReLU(), tn.Dropout(),
                                           tn.Linear(4096, 4096), tn.ReLU(), tn.Linear(4096, 1000))
        lenet = tn.Module()
        lenet.features = tn.Sequential(tn.Conv2d(1, 6, 5), tn.Tanh(), tn.AvgPool2d(2), tn.Conv2d(6, 16, 5), tn.Tanh(),
                                       tn.AvgPool2d(2))
        lenet.classifier = tn.Sequential(tn.Flatten(), tn.Linear(400, 120), tn.Tanh(), tn.Linear(120, 84), tn.Tanh(),
                                         tn.Linear(84, 10))
    for ours, theirs in ((arch.LeNet5(), lenet), (arch.AlexNet(), alexnet)):
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}


# ---- dense_vs_cnn.py ------------------------------------------------------------------------------------------

def test_dense_vs_cnn_counts_without_data(capsys):
    results = load("dense_vs_cnn").main(["--epochs", "0", "--quiet"])
    assert results["dense_params"] == (784 * 10 + 10) + (10 * 10 + 10) + (10 * 3 + 3) == 7_993
    assert results["cnn_output_layer_params"] == 24 * 24 * 10 * 3 + 3 == 17_283
    assert results["cnn_params"] == conv_params(3, 1, 10) + conv_params(3, 10, 10) + 17_283 == 18_293
    out = capsys.readouterr().out
    assert "7,993" in out and "18,293" in out and "17,283" in out


def test_dense_vs_cnn_trains_on_three_digits():
    dataset_or_skip(MNIST)
    dvc = load("dense_vs_cnn")
    results = dvc.main(["--epochs", "1", "--train-size", "300", "--test-size", "200", "--quiet"])
    assert results["dense_accuracy"] > 0.45 and results["cnn_accuracy"] > 0.45  # chance is 1/3
    subset = dvc.three_digits(MNIST(None, train=False), 200)
    labels = np.asarray(subset.dataset.targets)[subset.indices]
    assert len(labels) == 200 and set(labels.tolist()) == {0, 1, 2}


# ---- convolution_by_hand.py -----------------------------------------------------------------------------------

def test_convolution_by_hand_small_cases(torch):
    cbh = load("convolution_by_hand")
    img = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]], dtype=float)
    # worked by hand: only windows straddling the 0->1 step (column 1 to 2) respond, with 1 + 1
    np.testing.assert_array_equal(cbh.conv2d_by_hand(img, cbh.KERNELS["vertical"]), [[0, 2, 0], [0, 2, 0]])
    np.testing.assert_array_equal(cbh.conv2d_by_hand(img, cbh.KERNELS["horizontal"]), np.zeros((2, 3)))
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 2))
    expected = torch.nn.functional.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0]
    np.testing.assert_allclose(cbh.conv2d_by_hand(image, kernel), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(cbh.conv2d_minitorch(image, kernel), expected.numpy(), rtol=1e-12)


def test_convolution_by_hand_finds_the_tshirt_edges(tmp_path, capsys):
    full = dataset_or_skip(FashionMNIST)
    result = load("convolution_by_hand").main(["--save", str(tmp_path / "edges.png")])
    labels = np.asarray(full.targets)
    assert result["image_index"] == int(np.argmax(labels == 0)) and labels[result["image_index"]] == 0
    assert result["max_difference"] < 1e-12 and result["response"].shape == (27, 27)
    # the T-shirt's silhouette, row by row: where the body starts (left) and ends (right) on the dark background
    image, response = result["image"], result["response"]
    for row in range(12, 26):  # the body, below the sleeves
        bright = np.flatnonzero(image[row] > 0.3)
        left, right = bright[0], bright[-1]
        # the window over columns (left - 1, left) straddles the dark-to-bright step: the row's strongest response
        # lies at most a pixel from it; mirrored, the most negative one at the right edge
        assert abs(int(np.argmax(response[row])) - (left - 1)) <= 1
        assert abs(int(np.argmin(response[row])) - right) <= 1
    top_columns = [c for _, c, _ in result["strongest_positive"]]
    assert np.median(top_columns) < 14 < np.median([c for _, c, _ in result["strongest_negative"]])
    assert_png(tmp_path / "edges.png")
    assert "agree" in capsys.readouterr().out


def test_convolution_by_hand_synthetic():
    result = load("convolution_by_hand").main(["--synthetic", "--top", "4"])
    assert result["image_index"] is None and result["max_difference"] == 0.0
    # the drawn body spans columns 8-19 at value 0.8 (rows 12-25): +1.6 at column 7, -1.6 at column 19
    assert result["response"][20, 7] == pytest.approx(1.6) and result["response"][20, 19] == pytest.approx(-1.6)
    assert result["response"][20, 10] == 0.0  # flat inside the body
    assert all(v == pytest.approx(1.6) for _, _, v in result["strongest_positive"])


# ---- visualize.py ---------------------------------------------------------------------------------------------

def test_visualize_from_checkpoint(mnist_checkpoint, tmp_path):
    ckpt, _ = mnist_checkpoint
    vis = load("visualize")
    paths = vis.main(["--checkpoint", str(ckpt), "--out", str(tmp_path / "figs"), "--image", "3"])
    assert sorted(paths) == ["activations", "feature_maps", "kernels"]
    for path in paths.values():
        assert path.parent == tmp_path / "figs"
        assert_png(path)


def test_visualize_hooks_capture_the_conv_outputs():
    vis = load("visualize")
    mt.manual_seed(0)
    model = load("mnist_cnn").keras_mnist_cnn()
    x = mt.randn(1, 1, 28, 28)
    maps = vis.conv_feature_maps(model, x)
    assert list(maps) == ["0", "3", "6"]
    assert [m.shape for m in maps.values()] == [(1, 32, 26, 26), (1, 64, 11, 11), (1, 64, 3, 3)]
    w, b = model[0].weight.detach().numpy(), model[0].bias.detach().numpy()
    xs = x.numpy()[0, 0]
    # the first map by hand: ReLU of the 3x3 cross-correlation plus the bias, at a few positions
    for o, i, j in [(0, 0, 0), (5, 10, 13), (31, 25, 25)]:
        expected = max(0.0, float((xs[i:i + 3, j:j + 3] * w[o, 0]).sum() + b[o]))
        assert maps["0"][0, o, i, j] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert not any(m._forward_hooks for m in model.modules())  # the hooks are gone afterwards


# ---- every example on another backend -------------------------------------------------------------------------

_QUICK_ARGS = {
    "mnist_cnn": ["--epochs", "1", "--train-size", "256", "--test-size", "128", "--quiet"],
    "fashion_mnist": ["--epochs", "1", "--train-size", "256", "--val-size", "64", "--test-size", "128", "--quiet"],
    "cifar10": ["--no-verify", "--epochs", "1", "--width", "8", "--blocks", "2", "--hidden", "16", "--val-size", "8",
                "--quiet"],
    "architectures": ["--image-size", "64", "--quiet"],
    "dense_vs_cnn": ["--epochs", "1", "--train-size", "300", "--test-size", "200", "--quiet"],
    "convolution_by_hand": ["--synthetic"],
    "visualize": ["--image", "3"],
}


def _numbers(result) -> list[float]:
    """Every number in an example's result (dicts, sequences, arrays), in a fixed order."""
    if isinstance(result, dict):
        return [v for key in sorted(result, key=str) for v in _numbers(result[key])]
    if isinstance(result, (list, tuple)):
        return [v for item in result for v in _numbers(item)]
    if isinstance(result, np.ndarray):
        return [float(v) for v in result.reshape(-1)]
    if isinstance(result, (int, float, np.number)) and not isinstance(result, bool):
        return [float(result)]
    if isinstance(result, ModelSummary):
        return [float(result.total_params)] + [float(d) for row in result.rows for d in row.output_shape]
    return []


@pytest.mark.parametrize("name", NAMES)
def test_every_example_runs_with_backend_numba(name, request, tmp_path, capsys):
    """``--backend numba`` is honoured and gives the NumPy backend's results (training to rounding)."""
    if not mt.backends.available()["numba"].available:
        pytest.skip(f"numba backend unavailable: {mt.backends.available()['numba'].reason}")
    args = list(_QUICK_ARGS[name])
    if name in ("mnist_cnn", "dense_vs_cnn", "visualize"):
        dataset_or_skip(MNIST)
    if name == "fashion_mnist":
        dataset_or_skip(FashionMNIST)
    if name == "cifar10":
        write_cifar(tmp_path)
        args += ["--data", str(tmp_path)]
    results = {}
    for backend in ("numpy", "numba"):
        extra = ["--backend", backend]
        if name == "visualize":
            extra += ["--checkpoint", str(request.getfixturevalue("mnist_checkpoint")[0]),
                      "--out", str(tmp_path / backend)]
        results[backend] = load(name).main(args + extra)
        assert mt.get_default_backend() == backend
        mt.set_default_backend(None)
    capsys.readouterr()
    if name == "visualize":
        assert sorted(results["numba"]) == sorted(results["numpy"])
        for path in results["numba"].values():
            assert_png(path)
        return
    mine, reference = _numbers(results["numba"]), _numbers(results["numpy"])
    assert mine and len(mine) == len(reference)
    np.testing.assert_allclose(mine, reference, rtol=0.05, atol=0.05)
