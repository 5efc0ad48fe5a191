"""Saving and loading tensors, state dicts and checkpoints as safetensors files (no pickle, atomic writes).

File layout (a plain safetensors file, readable by ``safetensors.torch.load_file``):

* Every tensor is one safetensors entry. Its name is the path of dict keys and
  list positions from the saved object down to it, joined by ``/``; a model's
  state dict saved on its own therefore keeps its names (``"fc.weight"``), and
  inside a checkpoint ``{'model': ..., 'optimizer': ...}`` they read
  ``"model/fc.weight"``, ``"optimizer/state/0/exp_avg"``. Should two paths give
  the same name, the later one gets a ``#2``, ``#3``... suffix.
* The header's metadata holds ``"format": "pt"`` and, under
  ``"minitorch.structure"``, the saved object as JSON with each tensor replaced
  by ``{"__tensor__": name}``. JSON objects stand for dicts with string keys;
  ``{"__dict__": [[key, value], ...]}`` for dicts with other keys (an
  optimizer's ``state`` is keyed by int); ``{"__tuple__": [...]}`` for tuples;
  ``{"__float__": "inf" | "-inf" | "nan"}`` for non-finite floats.
  ``"minitorch.version"`` is the version of this scheme (1).
* A file without ``"minitorch.structure"`` (e.g. written by
  ``safetensors.torch.save_file``) loads as a flat dict of name -> tensor.

Only tensors, dicts, lists, tuples, str, int, float, bool and None can be saved;
loading parses JSON and raw arrays only, so no code from a file ever runs.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import struct
from typing import Any, BinaryIO

import numpy as np

from .dtypes import from_numpy_dtype
from .functions import resolve_backend
from .tensor import Tensor

__all__ = ["save", "load"]

SCHEME_VERSION = 1
_STRUCTURE_KEY = "minitorch.structure"
_VERSION_KEY = "minitorch.version"
_MARKERS = ("__tensor__", "__dict__", "__tuple__", "__float__")
_SUPPORTED = "Tensor, dict, list, tuple, str, int, float, bool and None"
# dtypes minitorch lacks, widened on load: fewer-bit ints -> int64, float16 -> float32
_WIDEN = {"i": np.int64, "u": np.int64, "f": np.float32}

PathLike = str | os.PathLike


class _Encoder:
    """Turn an object into JSON-able structure plus a flat name -> NumPy array map."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.names: dict[int, str] = {}  # id(tensor) -> entry name, so a tensor saved twice is stored once
        self.keep: list[Tensor] = []  # keeps ids valid while encoding

    def encode(self, obj: Any, path: tuple[str, ...]) -> Any:
        if isinstance(obj, Tensor):
            return {"__tensor__": self._add_tensor(obj, path)}
        if obj is None or isinstance(obj, (bool, str, int)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), path)
        if isinstance(obj, list):
            return [self.encode(v, (*path, str(i))) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, (*path, str(i))) for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            plain = all(isinstance(k, str) for k in obj) and not (len(obj) == 1 and next(iter(obj)) in _MARKERS)
            if plain:
                return {k: self.encode(v, (*path, k)) for k, v in obj.items()}
            items = []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(
                        f"mt.save can't store a dict key of type {type(k).__name__} (at {_where(path)}); "
                        "keys must be str, int, float, bool or None"
                    )
                items.append([self.encode(k, path), self.encode(v, (*path, str(k)))])
            return {"__dict__": items}
        hint = "; save its .state_dict() instead" if hasattr(obj, "state_dict") else ""
        raise TypeError(
            f"mt.save can't store an object of type {type(obj).__name__} (at {_where(path)}); "
            f"it saves {_SUPPORTED}{hint}"
        )

    def _add_tensor(self, t: Tensor, path: tuple[str, ...]) -> str:
        if id(t) in self.names:
            return self.names[id(t)]
        base = "/".join(path) if path else "tensor"
        name, n = base, 1
        while name in self.arrays:
            n += 1
            name = f"{base}#{n}"
        self.arrays[name] = np.asarray(t._backend.to_numpy(t._data), order="C")
        self.names[id(t)] = name
        self.keep.append(t)
        return name


def _where(path: tuple[str, ...]) -> str:
    return "key " + repr("/".join(path)) if path else "the top level"


def _encode(obj: Any) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    encoder = _Encoder()
    structure = encoder.encode(obj, ())
    metadata = {"format": "pt", _VERSION_KEY: str(SCHEME_VERSION),
                _STRUCTURE_KEY: json.dumps(structure, separators=(",", ":"), allow_nan=False)}
    return encoder.arrays, metadata


def save(obj: Any, f: PathLike | BinaryIO) -> None:
    """Save a state dict, an optimizer state, a tensor or a checkpoint dict as a safetensors file.

    Writing to a path is atomic: the data goes to a temporary file in the same
    directory, is flushed to disk (fsync) and then renamed over ``f``; if
    anything fails, an existing file at ``f`` is left intact and the temporary
    file is removed. A flat ``{name: Tensor}`` dict (``model.state_dict()``)
    keeps its names, so PyTorch reads it with ``safetensors.torch.load_file``.
    See the module documentation for the layout of nested objects.

    Args:
        obj: a Tensor, or dicts/lists/tuples of tensors, str, int, float, bool
            and None (e.g. ``{'model': model.state_dict(), 'optimizer':
            opt.state_dict(), 'epoch': 3}``).
        f: a file path, or a binary file object open for writing (then not atomic).

    Raises:
        TypeError: ``obj`` contains something else (a function, a module...), named
            with where it is; nothing is written then.

    Example:
        >>> import os, tempfile
        >>> import minitorch as mt
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> w = mt.tensor([[1.0, 2.0]])
        >>> mt.save({"model": {"fc.weight": w}, "epoch": 3}, path)
        >>> ckpt = mt.load(path)
        >>> ckpt["epoch"], ckpt["model"]["fc.weight"]
        (3, tensor([[1., 2.]]))
    """
    from safetensors.numpy import save as to_bytes

    arrays, metadata = _encode(obj)  # fails before touching the file system
    data = to_bytes(arrays, metadata=metadata)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory, base = os.path.split(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(21, f"mt.save: '{path}' is a directory; give a file name", path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(2, f"mt.save: the directory '{directory}' does not exist", path)
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # permissions as the umask says
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _write(fh: BinaryIO, data: bytes) -> None:
    """Write ``data`` to the open temporary file (a seam for tests that simulate a failing disk)."""
    fh.write(data)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f: PathLike | BinaryIO, backend: Any = None) -> Any:
    """Load what ``mt.save`` wrote (or any safetensors file) without running code from it.

    Tensors come back on ``backend`` (default: the current default backend) with
    their saved dtypes; ints narrower than 64 bits widen to int64 and float16 to
    float32, the nearest dtypes minitorch has. A file written by another tool
    loads as a flat dict ``{name: Tensor}``.

    Args:
        f: a file path, or a binary file object open for reading.
        backend: name of the backend to put the tensors on.

    Raises:
        FileNotFoundError: there is no file at ``f`` (the message names the path).
        ValueError: the file is truncated or corrupt: not a valid minitorch/safetensors file.

    Example:
        >>> import io
        >>> import minitorch as mt
        >>> buf = io.BytesIO()
        >>> mt.save({"w": mt.tensor([1.0, 2.0], dtype=mt.float64), "n": mt.tensor(3)}, buf)
        >>> _ = buf.seek(0)
        >>> sd = mt.load(buf)
        >>> sd
        {'w': tensor([1., 2.], dtype=minitorch.float64), 'n': tensor(3)}
    """
    if hasattr(f, "read"):
        data = f.read()
        label = getattr(f, "name", None) or type(f).__name__
    else:
        label = os.fspath(f)
        try:
            with open(label, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            raise FileNotFoundError(2, f"mt.load: no such file: '{label}'", label) from None
        except IsADirectoryError:
            raise IsADirectoryError(21, f"mt.load: '{label}' is a directory, not a file", label) from None
    metadata = _read_metadata(data, label)
    arrays = _read_arrays(data, label)
    target = resolve_backend(backend)
    tensors: dict[str, Tensor] = {}
    for name, arr in arrays.items():
        tensors[name] = _to_tensor(arr, name, target, label)
    if _STRUCTURE_KEY not in metadata:
        return tensors
    version = metadata.get(_VERSION_KEY, "1")
    if not version.isdigit() or int(version) > SCHEME_VERSION:
        raise ValueError(f"{label} was written by a newer minitorch (layout version {version}); upgrade to load it")
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
        return _decode(structure, tensors)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{label} is not a valid minitorch/safetensors file: bad structure metadata ({exc})") from None


def _read_metadata(data: bytes, label: str) -> dict[str, str]:
    """The header's ``__metadata__``, checking the header is well formed."""
    bad = f"{label} is not a valid minitorch/safetensors file"
    if len(data) < 8:
        raise ValueError(f"{bad}: it is {len(data)} bytes long, too short for a safetensors header")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise ValueError(f"{bad}: its header claims {size} bytes but the file has {len(data) - 8} (truncated?)")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{bad}: its header is not valid JSON (corrupt?)") from None
    if not isinstance(header, dict):
        raise ValueError(f"{bad}: its header is not a JSON object")
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"{bad}: its metadata is not a JSON object")
    return metadata


def _read_arrays(data: bytes, label: str) -> dict[str, np.ndarray]:
    from safetensors.numpy import load as from_bytes

    try:
        return from_bytes(data)
    except Exception as exc:  # SafetensorError and friends: a damaged file
        raise ValueError(f"{label} is not a valid minitorch/safetensors file: {exc}") from None


def _to_tensor(arr: np.ndarray, name: str, backend: Any, label: str) -> Tensor:
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{label}: tensor {name!r} has dtype {arr.dtype}, which minitorch can't hold")
    if arr.dtype.kind != "b" and arr.dtype not in (np.float32, np.float64, np.int64):
        arr = arr.astype(_WIDEN[arr.dtype.kind])
    if not (arr.flags.writeable and arr.flags.c_contiguous):
        arr = np.array(arr, copy=True, order="C")  # parameters are updated in place: they must be writable
    dtype = from_numpy_dtype(arr.dtype)
    if dtype.name not in backend.dtypes:
        raise TypeError(f"backend {backend.name!r} does not support {dtype} (tensor {name!r} in {label})")
    return Tensor(backend.from_numpy(arr), dtype, backend)


def _decode(node: Any, tensors: dict[str, Tensor]) -> Any:
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, value), = node.items()
        if key == "__tensor__":
            if value not in tensors:
                raise KeyError(f"tensor {value!r} is missing")
            return tensors[value]
        if key == "__tuple__":
            return tuple(_decode(v, tensors) for v in value)
        if key == "__float__":
            return float(value)
        if key == "__dict__":
            return {_decode(k, tensors): _decode(v, tensors) for k, v in value}
    return {k: _decode(v, tensors) for k, v in node.items()}
