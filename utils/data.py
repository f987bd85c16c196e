"""MNIST, the way the live stream gets it (pathlib + requests), made safe to rely on.

* The four canonical IDX files, fetched from well-known mirrors in turn (override with the
  ``MNIST_MIRRORS`` environment variable), with a tqdm progress bar.
* Every file is checked by the sha256 of its *decompressed* bytes, so any mirror's gzip
  works, and a truncated or wrong download is never kept: downloads land in a temporary
  file that is renamed into place only once verified.
* A hostile or broken mirror cannot hold us up: each file has a size cap, a per-read timeout
  and a total time budget; a mirror that timed out is skipped for the rest of the call; the
  bytes are stored exactly as sent (no transparent ``Content-Encoding`` decoding); partial
  files of a killed download are cleaned up.
* Parsed with numpy from the documented IDX format; nothing downloaded is ever unpickled.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import requests
import urllib3
from tqdm.auto import tqdm

#: sha256 of each file's decompressed bytes (canonical MNIST).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: Mirrors tried in order: torchvision's, then TensorFlow's.
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
MIRRORS_ENV = "MNIST_MIRRORS"  # space- or comma-separated base URLs
DATA_DIR_ENV = "MNIST_DIR"  # where the files live (default: the repo's data/mnist)
N_TRAIN = 50_000  # the classic split: first 50,000 train, last 10,000 validation
#: Decompressed size of each file: a gzip of it is never larger than this plus a little, so a
#: mirror that sends more is not sending MNIST (an endless stream, an error page loop...).
MNIST_SIZES = {
    "train-images-idx3-ubyte.gz": 47_040_016,
    "train-labels-idx1-ubyte.gz": 60_008,
    "t10k-images-idx3-ubyte.gz": 7_840_016,
    "t10k-labels-idx1-ubyte.gz": 10_008,
}
CHUNK = 1 << 16
STALE_PART_SECONDS = 15 * 60  # a .part file untouched this long belongs to a dead download

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MNISTError(RuntimeError):
    """MNIST could not be fetched or read; the message says what to do."""


class MirrorTimeout(MNISTError):
    """A mirror was too slow: skip it for the rest of this load."""


def max_download_bytes(name: str) -> int:
    """The most bytes a genuine copy of ``name`` can take (gzip adds at most a few per block)."""
    return MNIST_SIZES[name] + MNIST_SIZES[name] // 100 + 1024


def default_data_dir() -> Path:
    """``$MNIST_DIR``, else the repository's ``data/mnist``, else a per-user cache (Colab)."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    repo_data = Path(__file__).resolve().parent.parent / "data" / "mnist"
    if repo_data.is_dir():
        return repo_data
    return Path.home() / ".cache" / "torch-nn-really" / "mnist"


def shown(path: Path) -> str:
    """A path as a learner should read it: inside the repository, or under ``~``."""
    path, repo = Path(path), Path(__file__).resolve().parent.parent
    if path.is_relative_to(repo):
        return str(path.relative_to(repo)) + " (in the repository)"
    if path.is_relative_to(Path.home()):
        return "~/" + str(path.relative_to(Path.home()))
    return str(path)


def mirrors() -> list[str]:
    """The mirror base URLs to try, from ``$MNIST_MIRRORS`` or the defaults."""
    raw = os.environ.get(MIRRORS_ENV, "").replace(",", " ").split()
    return [m if m.endswith("/") else m + "/" for m in raw] or list(DEFAULT_MIRRORS)


def parse_idx(raw: bytes, name: str = "data") -> np.ndarray:
    """Decode the bytes of one (decompressed) IDX file into an array.

    IDX: two zero bytes, a dtype code, the number of dimensions, then one big-endian
    uint32 per dimension, then the values row-major.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise MNISTError(
            f"{name} is not an IDX file (it starts with {raw[:4]!r}). "
            "Delete it and load again to fetch a fresh copy."
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise MNISTError(
            f"{name} is not a complete IDX file: header says shape {shape} "
            f"({expected} bytes) but it holds {len(raw)} bytes."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _check(path: Path, name: str) -> bytes:
    """Return the decompressed bytes of ``path`` if it is the genuine ``name``; else raise."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTError(f"{name} is not a complete gzip file ({err}).") from err
    parse_idx(raw, name)  # a clear message for HTML error pages and other non-IDX bytes
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_FILES[name]:
        raise MNISTError(
            f"{name} has the wrong content: sha256 {digest[:12]}… "
            f"instead of {MNIST_FILES[name][:12]}…."
        )
    return raw


def _within_limits(size: int, max_bytes: int, deadline: float) -> None:
    """Stop a download that is larger than MNIST can be, or slower than its time budget."""
    if size > max_bytes:
        raise MNISTError(
            f"sends more than {max_bytes:,} bytes, more than a genuine copy: not MNIST"
        )
    if time.monotonic() > deadline:
        raise MirrorTimeout("ran out of its time budget")


def _progress_bar(total: int | None, dest: Path, progress: bool) -> tqdm:
    name = dest.name.split(".part")[0]
    return tqdm(
        total=total, unit="B", unit_scale=True, leave=False, desc=name, disable=not progress
    )


def _download(
    url: str, dest: Path, timeout: float, progress: bool, max_bytes: int, max_seconds: float
) -> None:
    """Stream ``url`` into ``dest`` (a temporary file), with a progress bar and three limits:
    ``timeout`` for each read, ``max_seconds`` for the whole file, ``max_bytes`` in all."""
    deadline = time.monotonic() + max_seconds
    with requests.get(url, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        total = int(resp.headers.get("content-length", 0)) or None
        _within_limits(total or 0, max_bytes, deadline)
        with open(dest, "wb") as f, _progress_bar(total, dest, progress) as bar:
            size = 0
            # read1: what has arrived so far; decode_content=False: the bytes as sent
            while chunk := resp.raw.read1(CHUNK, decode_content=False):
                size += len(chunk)
                _within_limits(size, max_bytes, deadline)
                f.write(chunk)
                bar.update(len(chunk))


def remove_stale_parts(data_dir: Path, older_than: float = STALE_PART_SECONDS) -> list[str]:
    """Delete partial downloads that no live download is writing to (killed processes)."""
    removed = []
    for part in data_dir.glob("*.part-*"):
        try:
            if time.time() - part.stat().st_mtime > older_than:
                part.unlink()
                removed.append(part.name)
        except FileNotFoundError:  # another process finished or removed it meanwhile
            pass
    return removed


def _writable(data_dir: Path) -> None:
    """Make ``data_dir`` or say, as an MNISTError, which folder and how to choose another."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=data_dir, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise MNISTError(
            f"Cannot write MNIST into {data_dir} ({err.strerror or err}). Set {DATA_DIR_ENV} "
            f"to a folder you can write to, e.g. {DATA_DIR_ENV}=~/mnist, or pass data_dir=."
        ) from err


def fetch(
    name: str,
    data_dir: Path | str | None = None,
    *,
    timeout: float = 30,
    max_seconds: float = 300,
    progress: bool = True,
    skip: set[str] | None = None,
) -> bytes:
    """Make sure ``data_dir/name`` is the genuine MNIST file and return its decompressed bytes.

    A valid local copy is used as is. A missing or corrupt one is downloaded from each mirror
    in turn; only a verified download replaces it (atomically), so nothing half-written or
    wrong is ever left behind. Mirrors in ``skip`` are not tried; a mirror that times out is
    added to it, so that a caller fetching several files asks it only once.
    """
    if name not in MNIST_FILES:
        raise ValueError(f"unknown MNIST file {name!r}; expected one of {sorted(MNIST_FILES)}")
    data_dir = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    path = data_dir / name
    if path.exists():
        try:
            return _check(path, name)
        except MNISTError as err:
            print(f"{path} is corrupt ({err}); fetching a fresh copy.")
    _writable(data_dir)
    remove_stale_parts(data_dir)
    skip = set() if skip is None else skip
    failures = []
    for base in mirrors():
        if base in skip:
            failures.append(f"  {base + name}: skipped (it timed out on an earlier file)")
            continue
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=name + ".part-")
        os.close(fd)
        tmp = Path(tmp)
        try:
            _download(base + name, tmp, timeout, progress, max_download_bytes(name), max_seconds)
            raw = _check(tmp, name)
            os.replace(tmp, path)  # atomic: readers see the old file or the verified new one
            return raw
        except (requests.Timeout, urllib3.exceptions.TimeoutError, MirrorTimeout) as err:
            skip.add(base)
            failures.append(f"  {base + name}: too slow ({err}); not asked again in this load")
        except (requests.RequestException, urllib3.exceptions.HTTPError, MNISTError) as err:
            failures.append(f"  {base + name}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise MNISTError(
        f"Could not get {name}; every mirror failed:\n" + "\n".join(failures) + "\n"
        f"Fixes: check your network; set {MIRRORS_ENV} to a mirror you can reach "
        f"(base URLs, space-separated); or copy the four MNIST .gz files into {data_dir}."
    )


def load_mnist(
    data_dir: Path | str | None = None,
    *,
    test: bool = False,
    progress: bool = True,
    timeout: float = 30,
):
    """MNIST as numpy arrays, images flattened to 784 float32 values in [0, 1], labels int64.

    Returns ``(x_train, y_train, x_valid, y_valid)``: the first 50,000 training images and
    the last 10,000 (the classic split). With ``test=True`` also ``x_test, y_test``.
    ``timeout`` bounds each read of a download.
    """
    slow = set()  # mirrors that timed out: not asked again for the other files

    def read(name):
        return parse_idx(fetch(name, data_dir, progress=progress, skip=slow, timeout=timeout), name)

    def images(name):
        arr = read(name)
        return (arr.reshape(len(arr), -1) / np.float32(255)).astype(np.float32)

    def labels(name):
        return read(name).astype(np.int64)

    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    out = (x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:])
    if test:
        out += (images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))
    return out
