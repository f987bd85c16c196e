"""MNIST, the way the live stream gets it (pathlib + requests), made safe to rely on.

* The four canonical IDX files, fetched from well-known mirrors in turn (override with the
  ``MNIST_MIRRORS`` environment variable), with a timeout and a tqdm progress bar.
* Every file is checked by the sha256 of its *decompressed* bytes, so any mirror's gzip
  works, and a truncated or wrong download is never kept: downloads land in a temporary
  file that is renamed into place only once verified.
* Parsed with numpy from the documented IDX format; nothing downloaded is ever unpickled.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np
import requests
from tqdm.auto import tqdm

#: sha256 of each file's decompressed bytes (canonical MNIST).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
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

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MNISTError(RuntimeError):
    """MNIST could not be fetched or read; the message says what to do."""


def default_data_dir() -> Path:
    """``$MNIST_DIR``, else the repository's ``data/mnist``, else a per-user cache (Colab)."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    repo_data = Path(__file__).resolve().parent.parent / "data" / "mnist"
    if repo_data.is_dir():
        return repo_data
    return Path.home() / ".cache" / "torch-nn-really" / "mnist"


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
        raise MNISTError(f"{name} is not an IDX file (it starts with {raw[:4]!r}). "
                         "Delete it and load again to fetch a fresh copy.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise MNISTError(f"{name} is not a complete IDX file: header says shape {shape} "
                         f"({expected} bytes) but it holds {len(raw)} bytes.")
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
        raise MNISTError(f"{name} has the wrong content: sha256 {digest[:12]}… "
                         f"instead of {MNIST_FILES[name][:12]}….")
    return raw


def _download(url: str, dest: Path, timeout: float, progress: bool) -> None:
    """Stream ``url`` into ``dest`` (a temporary file) with a progress bar."""
    with requests.get(url, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        total = int(resp.headers.get("content-length", 0)) or None
        with open(dest, "wb") as f, tqdm(total=total, unit="B", unit_scale=True,
                                         desc=dest.name.split(".part")[0],
                                         disable=not progress, leave=False) as bar:
            for chunk in resp.iter_content(chunk_size=1 << 16):
                f.write(chunk)
                bar.update(len(chunk))


def fetch(name: str, data_dir: Path | str | None = None, *, timeout: float = 30,
          progress: bool = True) -> bytes:
    """Make sure ``data_dir/name`` is the genuine MNIST file and return its decompressed bytes.

    A valid local copy is used as is. A missing or corrupt one is downloaded from each mirror
    in turn; only a verified download replaces it (atomically), so nothing half-written or
    wrong is ever left behind.
    """
    if name not in MNIST_FILES:
        raise ValueError(f"unknown MNIST file {name!r}; expected one of {sorted(MNIST_FILES)}")
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    path = data_dir / name
    if path.exists():
        try:
            return _check(path, name)
        except MNISTError as err:
            print(f"{path} is corrupt ({err}); fetching a fresh copy.")
    data_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for base in mirrors():
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=name + ".part-")
        os.close(fd)
        tmp = Path(tmp)
        try:
            _download(base + name, tmp, timeout, progress)
            raw = _check(tmp, name)
            os.replace(tmp, path)  # atomic: readers see the old file or the verified new one
            return raw
        except (requests.RequestException, MNISTError) as err:
            failures.append(f"  {base + name}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise MNISTError(
        f"Could not get {name}; every mirror failed:\n" + "\n".join(failures) + "\n"
        f"Fixes: check your network; set {MIRRORS_ENV} to a mirror you can reach "
        f"(base URLs, space-separated); or copy the four MNIST .gz files into {data_dir}.")


def load_mnist(data_dir: Path | str | None = None, *, test: bool = False, progress: bool = True):
    """MNIST as numpy arrays, images flattened to 784 float32 values in [0, 1], labels int64.

    Returns ``(x_train, y_train, x_valid, y_valid)``: the first 50,000 training images and
    the last 10,000 (the classic split). With ``test=True`` also ``x_test, y_test``.
    """
    def images(name):
        arr = parse_idx(fetch(name, data_dir, progress=progress), name)
        return (arr.reshape(len(arr), -1) / np.float32(255)).astype(np.float32)

    def labels(name):
        return parse_idx(fetch(name, data_dir, progress=progress), name).astype(np.int64)

    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    out = (x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:])
    if test:
        out += (images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))
    return out
