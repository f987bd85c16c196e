"""MNIST loading: the arrays a learner gets, and the download path tested for real.

A local HTTP server on 127.0.0.1 plays the mirrors; requests downloads through it.
"""

import gzip
import http.server
import os
import socket
import threading
import time
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
    """Checked where it lies, never repaired: a corrupt data/mnist must fail here, not be
    quietly replaced from a mirror."""
    for name in MNIST_FILES:
        data._check(REPO_MNIST / name, name)  # reads only; raises MNISTError on a wrong sha256


class Mirror:
    """A tiny HTTP mirror and fault server. ``/good/NAME`` serves the file; ``truncate`` names
    files cut short mid-body. The other first path parts misbehave:

    /endless/  200 without Content-Length, then zeros until the client hangs up (or 200 MB)
    /huge/     announces a 10 GB Content-Length
    /trickle/  one byte every 50 ms (for 20 s at most)
    /hang/     accepts the request and says nothing (for 10 s at most)
    /gzipenc/  the genuine .gz, sent with "Content-Encoding: gzip" as some CDNs do
    """

    def __init__(self):
        self.files = {name: (REPO_MNIST / name).read_bytes() for name in MNIST_FILES}
        self.truncate = set()
        self.requests = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                kind, name = self.path.strip("/").split("/")[0], self.path.rsplit("/", 1)[-1]
                mirror.requests.append(self.path)
                if name not in mirror.files or kind not in FAULTS + ("good",):
                    self.send_error(404)
                    return
                body = mirror.files[name]
                try:
                    getattr(self, f"send_{kind}", self.send_good)(name, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def send_good(self, name, body):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in mirror.truncate else body)

            def send_endless(self, name, body):
                self.send_response(200)
                self.end_headers()
                for _ in range(200 * 16):  # 200 MB at most: the test must stop by itself
                    self.wfile.write(bytes(1 << 16))

            def send_huge(self, name, body):
                self.send_response(200)
                self.send_header("Content-Length", str(10**10))
                self.end_headers()
                self.wfile.write(body)

            def send_trickle(self, name, body):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for i in range(min(len(body), 400)):  # 20 s at most
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.05)

            def send_hang(self, name, body):
                time.sleep(10)

            def send_gzipenc(self, name, body):
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


FAULTS = ("endless", "huge", "trickle", "hang", "gzipenc")


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
    monkeypatch.setenv(
        "MNIST_MIRRORS", f"{closed_port_url()} {mirror.url}/missing/, {mirror.url}/good"
    )
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


def test_endless_stream_is_cut_at_the_size_cap(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{mirror.url}/endless/")
    start = time.monotonic()
    with pytest.raises(MNISTError, match="sends more than 61,632 bytes"):
        fetch(LABELS, tmp_path, progress=False)
    assert time.monotonic() - start < 5 and list(tmp_path.iterdir()) == []


def test_oversized_announcement_is_refused_before_reading(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{mirror.url}/huge/")
    with pytest.raises(MNISTError, match="sends more than"):
        fetch(LABELS, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_mirror_runs_out_of_its_time_budget(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{mirror.url}/trickle/")
    start = time.monotonic()
    with pytest.raises(MNISTError, match="too slow"):
        fetch(LABELS, tmp_path, progress=False, timeout=1, max_seconds=2)
    assert time.monotonic() - start < 4 and list(tmp_path.iterdir()) == []


def test_a_mirror_that_timed_out_is_skipped_for_the_other_files(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{mirror.url}/hang/ {mirror.url}/good/")
    start = time.monotonic()
    got = load_mnist(tmp_path, test=True, progress=False, timeout=1)
    assert time.monotonic() - start < 10  # one timeout of 1 s (the requests below prove it)
    assert [r for r in mirror.requests if r.startswith("/hang/")] == [
        "/hang/train-images-idx3-ubyte.gz"
    ]
    assert len(got) == 6 and sorted(p.name for p in tmp_path.iterdir()) == sorted(MNIST_FILES)


def test_stale_partial_files_of_a_killed_download_are_removed(mirror, tmp_path):
    stale, live = tmp_path / f"{LABELS}.part-dead", tmp_path / f"{LABELS}.part-live"
    stale.write_bytes(b"half a file")
    live.write_bytes(b"being written right now")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    fetch(LABELS, tmp_path, progress=False)
    assert not stale.exists() and live.exists()


def test_content_encoding_gzip_keeps_the_bytes_as_sent(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", f"{mirror.url}/gzipenc/")
    raw = fetch(LABELS, tmp_path, progress=False)
    assert parse_idx(raw)[:3].tolist() == [5, 0, 4]
    assert (tmp_path / LABELS).read_bytes() == mirror.files[LABELS]


def test_an_unwritable_data_folder_says_which_and_what_to_do(tmp_path, mirror):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    folder = blocker / "mnist"
    with pytest.raises(MNISTError) as err:
        fetch(LABELS, folder, progress=False)
    assert str(folder) in str(err.value) and "MNIST_DIR" in str(err.value)
    if os.geteuid() != 0:  # root may write anywhere: this half needs an ordinary user
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(MNISTError, match="MNIST_DIR"):
            fetch(LABELS, locked, progress=False)


def test_data_dir_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert data.default_data_dir() == tmp_path
    monkeypatch.delenv("MNIST_DIR")
    assert data.default_data_dir() == REPO_MNIST
