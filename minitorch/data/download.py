"""Dataset files: the cache root, MD5 checks, verified atomic downloads with progress, and safe tar extraction."""

from __future__ import annotations

import hashlib
import os
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["DatasetNotFoundError", "CorruptFileError", "ChecksumError", "DownloadError", "data_root",
           "md5sum", "check_md5", "download_url", "download_from_mirrors", "extract_tar"]

#: The environment variable naming the folder datasets are looked for in (and downloaded to).
ENV_VAR = "MINITORCH_DATA"
#: Where datasets go when neither ``root=`` nor ``$MINITORCH_DATA`` is given.
DEFAULT_ROOT = "~/.cache/minitorch"

_CHUNK = 1 << 20


class DatasetNotFoundError(FileNotFoundError):
    """Dataset files are missing; the message lists them, where they were looked for and how to supply them."""


class CorruptFileError(RuntimeError):
    """A dataset file exists but is damaged: bad magic number, truncated, wrong size or checksum."""


class ChecksumError(CorruptFileError):
    """A file's MD5 differs from the official one."""


class DownloadError(RuntimeError):
    """Every mirror failed; the message says what went wrong with each."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder datasets live in: ``root`` if given, else ``$MINITORCH_DATA``, else ``~/.cache/minitorch``.

    Args:
        root: an explicit folder; ``~`` is expanded.

    Returns:
        The folder as an absolute ``Path`` (it need not exist).

    Example:
        >>> from minitorch.data import data_root
        >>> data_root("/tmp/datasets").as_posix()
        '/tmp/datasets'
    """
    if root is None:
        root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    return Path(root).expanduser().absolute()


def describe_root(root: str | os.PathLike | None) -> str:
    """Where the root came from, for error messages."""
    if root is not None:
        return "from the root= argument"
    if os.environ.get(ENV_VAR):
        return f"from ${ENV_VAR}"
    return f"the default {DEFAULT_ROOT}; neither root= nor ${ENV_VAR} was given"


def md5sum(path: str | os.PathLike) -> str:
    """The hex MD5 digest of a file, read in 1 MiB chunks.

    Args:
        path: the file.

    Example:
        >>> import tempfile, os
        >>> from minitorch.data import md5sum
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "x.txt")
        ...     _ = open(p, "wb").write(b"abc")
        ...     md5sum(p)
        '900150983cd24fb0d6963f7d28e17f72'
    """
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def check_md5(path: str | os.PathLike, md5: str | None) -> bool:
    """Whether ``path`` exists and (when ``md5`` is given) has that MD5.

    Args:
        path: the file.
        md5: the expected hex digest, or None to check only that the file exists.

    Example:
        >>> from minitorch.data import check_md5
        >>> check_md5("/no/such/file", None)
        False
    """
    p = Path(path)
    if not p.is_file():
        return False
    return md5 is None or md5sum(p) == md5.lower()


class _Progress:
    """A download progress bar: tqdm when installed, else one stderr line rewritten in place."""

    def __init__(self, total: int | None, desc: str, enabled: bool = True) -> None:
        self.total, self.desc, self.enabled, self.done = total, desc, enabled, 0
        self._bar: Any = None
        self._last = 0.0
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            self._bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            self._write()

    def _write(self, end: str = "") -> None:
        mb = self.done / 1e6
        if self.total:
            line = f"\r{self.desc}: {100 * self.done / self.total:5.1f}% ({mb:.1f}/{self.total / 1e6:.1f} MB)"
        else:
            line = f"\r{self.desc}: {mb:.1f} MB"
        sys.stderr.write(line + end)
        sys.stderr.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
        else:
            self._write("\n")


def _open_url(url: str, timeout: float) -> BinaryIO:
    request = urllib.request.Request(url, headers={"User-Agent": "minitorch"})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http, https and file URLs)


def download_url(url: str, path: str | os.PathLike, md5: str | None = None, progress: bool = True,
                 timeout: float = 60.0, opener: Callable[[str, float], BinaryIO] | None = None) -> Path:
    """Download ``url`` to ``path``: streamed, MD5-verified, written atomically (temporary file, then rename).

    Nothing is left at ``path`` when the download fails or the checksum differs.

    Args:
        url: an ``http(s)://`` or ``file://`` URL.
        path: the destination file; its folder is created.
        md5: the expected hex MD5, or None to skip the check.
        progress: show a progress bar on stderr (tqdm when installed).
        timeout: seconds to wait for the server.
        opener: ``opener(url, timeout)`` returning a readable binary response (default: ``urllib``).

    Returns:
        The destination path.

    Raises:
        ChecksumError: the downloaded bytes have another MD5.
        OSError: the URL could not be read.

    Example:
        >>> import tempfile, pathlib
        >>> from minitorch.data import download_url
        >>> with tempfile.TemporaryDirectory() as d:
        ...     src = pathlib.Path(d, "src.bin"); _ = src.write_bytes(b"abc")
        ...     out = download_url(src.as_uri(), pathlib.Path(d, "out", "dst.bin"),
        ...                        md5="900150983cd24fb0d6963f7d28e17f72", progress=False)
        ...     out.read_bytes()
        b'abc'
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    h = hashlib.md5()
    try:
        with os.fdopen(fd, "wb") as out, (opener or _open_url)(url, timeout) as response:
            headers = getattr(response, "headers", None)
            length = headers.get("Content-Length") if headers is not None else None
            bar = _Progress(int(length) if length else None, f"Downloading {url}", progress)
            try:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    h.update(chunk)
                    bar.update(len(chunk))
            finally:
                bar.close()
        actual = h.hexdigest()
        if md5 is not None and actual != md5.lower():
            raise ChecksumError(f"checksum mismatch for {url}: expected MD5 {md5}, got {actual} "
                                f"({bar.done:,} bytes); the download was discarded")
        os.replace(tmp_name, dest)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return dest


def download_from_mirrors(filename: str, mirrors: Sequence[str], folder: str | os.PathLike, md5: str | None,
                          progress: bool = True) -> Path:
    """Download ``filename`` into ``folder`` from the first mirror that serves it with the right MD5.

    A file already there with the right MD5 (or any file there when ``md5`` is None) is kept as it is.

    Args:
        filename: the file name, appended to each mirror URL.
        mirrors: base URLs, tried in order (a trailing ``/`` is added when missing).
        folder: the destination folder.
        md5: the expected hex MD5, or None to accept any content.
        progress: show a progress bar.

    Returns:
        The path of the verified file.

    Raises:
        DownloadError: every mirror failed; the message gives each URL and its error.

    Example:
        >>> import tempfile, pathlib
        >>> from minitorch.data import download_from_mirrors
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _ = pathlib.Path(d, "f.txt").write_bytes(b"abc")
        ...     mirrors = ["file:///no/such/mirror/", pathlib.Path(d).as_uri()]
        ...     download_from_mirrors("f.txt", mirrors, pathlib.Path(d, "out"), None, progress=False).name
        'f.txt'
    """
    dest = Path(folder) / filename
    if dest.is_file() and check_md5(dest, md5):
        return dest
    errors = []
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += filename
        try:
            return download_url(url, dest, md5=md5, progress=progress)
        except (OSError, ValueError, urllib.error.URLError, CorruptFileError) as exc:
            errors.append(f"  {url}: {exc}")
    raise DownloadError(f"could not download {filename} to {dest}; every mirror failed:\n" + "\n".join(errors)
                        + f"\nIf you have the file, copy it to {dest}.")


def _safe_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    members = []
    for m in tar.getmembers():
        parts = Path(m.name).parts
        if m.name.startswith(("/", "\\")) or Path(m.name).is_absolute() or ".." in parts or ":" in m.name:
            raise CorruptFileError(f"{archive}: unsafe path {m.name!r} in the archive (absolute or '..'); "
                                   "refusing to extract")
        if not (m.isfile() or m.isdir()):
            raise CorruptFileError(f"{archive}: member {m.name!r} is a link or special file; refusing to extract")
        members.append(m)
    return members


def extract_tar(archive: str | os.PathLike, dest: str | os.PathLike) -> list[str]:
    """Extract a (gzipped) tar archive into ``dest``, refusing absolute paths, ``..``, links and devices.

    Args:
        archive: the ``.tar`` / ``.tar.gz`` file.
        dest: the folder to extract into (created).

    Returns:
        The member names extracted.

    Raises:
        CorruptFileError: the archive is unreadable or has an unsafe member (nothing is extracted then).

    Example:
        >>> import io, tarfile, tempfile, pathlib
        >>> from minitorch.data import extract_tar
        >>> with tempfile.TemporaryDirectory() as d:
        ...     with tarfile.open(pathlib.Path(d, "a.tar.gz"), "w:gz") as t:
        ...         info = tarfile.TarInfo("folder/x.txt"); info.size = 2
        ...         t.addfile(info, io.BytesIO(b"hi"))
        ...     names = extract_tar(pathlib.Path(d, "a.tar.gz"), pathlib.Path(d, "out"))
        ...     names, pathlib.Path(d, "out", "folder", "x.txt").read_text()
        (['folder/x.txt'], 'hi')
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = _safe_members(tar, archive)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover (Python < 3.10.12 / 3.11.4: members were checked above)
                tar.extractall(dest, members=members)
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not archive.exists():
            raise
        raise CorruptFileError(f"{archive}: not a readable tar archive or truncated ({exc})") from exc
    return [m.name for m in members]
