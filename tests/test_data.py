"""MNIST loading: the arrays a learner gets, and the download path tested for real.

A local HTTP server on 127.0.0.1 plays the mirrors; requests downloads through it.
"""

import gzip
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from utils import data
from utils.data import MNIST_FILES, MNISTError, fetch, load_mnist, parse_idx

REPO_MNIST = Path(data.__file__).resolve().parent.parent / "data" / "mnist"
LABELS = "train-labels-idx1-ubyte.gz"


def test_classic_split(mnist):
    x_train, y_train, x_valid, y_valid = mnist
    assert x_train.shape == (50000, 784) and y_train.shape == (50000,)
    assert x_valid.shape == (10000, 784) and y_valid.shape == (10000,)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert 0.0 == x_train.min() and x_train.max() == 1.0
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_train[-1] == 8  # image 49,999: the last of the training split


def test_test_split_on_request():
    *_, x_test, y_test = load_mnist(test=True, progress=False)
    assert x_test.shape == (10000, 784) and y_test.shape == (10000,)
    assert sorted(set(y_test.tolist())) == list(range(10))


def test_repo_copy_matches_the_published_hashes():
    for name in MNIST_FILES:
        fetch(name, REPO_MNIST, progress=False)  # raises on a mismatch


class Mirror:
    """A tiny HTTP mirror: serves ``files``; ``truncate`` names files cut short mid-body."""

    def __init__(self):
        self.files = {name: (REPO_MNIST / name).read_bytes() for name in MNIST_FILES}
        self.truncate = set()
        self.requests = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                mirror.requests.append(self.path)
                if not self.path.startswith("/good/") or name not in mirror.files:
                    self.send_error(404)
                    return
                body = mirror.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in mirror.truncate else body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def mirror(monkeypatch):
    m = Mirror()
    monkeypatch.setenv("MNIST_MIRRORS", f"{m.url}/good/")
    yield m
    m.server.shutdown()
    m.server.server_close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/mnist/"


def leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir() if ".part" in p.name)


def test_download_through_requests_gives_the_same_arrays(mirror, tmp_path, mnist):
    got = load_mnist(tmp_path, test=True, progress=False)
    for a, b in zip(got, mnist):
        np.testing.assert_array_equal(a, b)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(MNIST_FILES)
    assert len(mirror.requests) == 4


def test_valid_local_copy_is_not_downloaded_again(mirror, tmp_path):
    fetch(LABELS, tmp_path, progress=False)
    fetch(LABELS, tmp_path, progress=False)
    assert mirror.requests == [f"/good/{LABELS}"]


def test_falls_back_to_the_next_mirror(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{closed_port_url()} {mirror.url}/missing/, {mirror.url}/good")
    raw = fetch(LABELS, tmp_path, progress=False)
    assert parse_idx(raw)[:5].tolist() == [5, 0, 4, 1, 9]
    assert mirror.requests == [f"/missing/{LABELS}", f"/good/{LABELS}"]


def test_no_network_and_no_copy_says_what_to_do(tmp_path, monkeypatch):
    dead = closed_port_url()
    monkeypatch.setenv("MNIST_MIRRORS", dead)
    with pytest.raises(MNISTError) as err:
        load_mnist(tmp_path, progress=False)
    msg = str(err.value)
    assert dead + "train-images-idx3-ubyte.gz" in msg  # each mirror tried, by URL
    assert "MNIST_MIRRORS" in msg and str(tmp_path) in msg  # and the two ways out
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_truncated_download_is_discarded(mirror, tmp_path):
    mirror.truncate.add(LABELS)
    with pytest.raises(MNISTError, match="every mirror failed"):
        fetch(LABELS, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_wrong_bytes_fail_the_hash_and_are_not_cached(mirror, tmp_path):
    raw = bytearray(gzip.decompress(mirror.files[LABELS]))
    raw[8] = (raw[8] + 1) % 10  # one label changed: still a perfectly valid IDX file
    mirror.files[LABELS] = gzip.compress(bytes(raw))
    with pytest.raises(MNISTError, match="wrong content: sha256"):
        fetch(LABELS, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_html_instead_of_idx_gets_a_clear_error(mirror, tmp_path):
    mirror.files[LABELS] = gzip.compress(b"<html><body>Access denied</body></html>")
    with pytest.raises(MNISTError, match="not an IDX file"):
        fetch(LABELS, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_parse_idx_rejects_non_idx_and_short_files():
    with pytest.raises(MNISTError, match="not an IDX file"):
        parse_idx(b"PK\x03\x04 a zip file")
    header = bytes([0, 0, 8, 1]) + (100).to_bytes(4, "big")
    assert parse_idx(header + bytes(range(100))).shape == (100,)
    with pytest.raises(MNISTError, match="not a complete IDX file"):
        parse_idx(header + bytes(99))


def test_corrupt_local_file_is_detected_and_refetched(mirror, tmp_path, capsys):
    (tmp_path / LABELS).write_bytes(b"\x1f\x8b garbage that is no gzip")
    raw = fetch(LABELS, tmp_path, progress=False)
    assert "is corrupt" in capsys.readouterr().out
    assert (tmp_path / LABELS).read_bytes() == mirror.files[LABELS]
    assert parse_idx(raw)[-1] == 8 and leftovers(tmp_path) == []


def test_corrupt_local_file_stays_until_a_good_copy_arrives(tmp_path, monkeypatch):
    (tmp_path / LABELS).write_bytes(b"not gzip")
    monkeypatch.setenv("MNIST_MIRRORS", closed_port_url())
    with pytest.raises(MNISTError):
        fetch(LABELS, tmp_path, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == [LABELS]


def test_unknown_file_name():
    with pytest.raises(ValueError, match="unknown MNIST file"):
        fetch("train-images.npy")


def test_data_dir_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    monkeypatch.delenv("MNIST_DIR")
    assert data.default_data_dir() == REPO_MNIST
