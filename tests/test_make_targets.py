"""The README's promises are make targets; each runs here at least once, on something small.

`make test` itself, `make slides` (the static-deck browser tests build the decks with it) and
`make ddp`, `make ddp-nodes`, `make ddp-crash` (tests/test_ddp.py) are covered elsewhere.
These run in a copy of the tracked files, with this checkout's .venv, so that nothing
committed is rewritten.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """The tracked files (as a fresh clone has them), beside this checkout's venv."""
    dest = tmp_path_factory.mktemp("clone")
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def make(copy: Path, *args, timeout=600) -> str:
    """Run make in the copy with this venv (its install stamp taken as up to date)."""
    cmd = ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.installed", *args]
    out = subprocess.run(
        cmd,
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout


@pytest.mark.xdist_group("make")
def test_make_run_one_notebook(copy):
    out = make(copy, "run", "NB=00")
    header = next(ln for ln in out.splitlines() if ln.startswith("notebook"))
    assert header.split() == ["notebook", "seconds", "slowest", "cell", "final", "metrics"]
    assert "00_data" in out and "FAILED" not in out and "wall time" in out
    assert (copy / "build" / "run" / "00_data.ipynb").exists()


@pytest.mark.xdist_group("make")
def test_make_notebooks_rebuilds_one(copy):
    before = (copy / "notebooks" / "00_data.ipynb").stat().st_mtime
    out = make(copy, "notebooks", "NB=00")
    assert "built 00_data.ipynb" in out
    assert (copy / "notebooks" / "00_data.ipynb").stat().st_mtime > before


@pytest.mark.xdist_group("make")
def test_make_bench_with_one_notebook(copy):
    out = make(copy, "bench", "NB=00", "ROUNDS=1")
    result = json.loads((copy / "build" / "bench.json").read_text())
    assert "fit vs bare loop" in out and result["fit_vs_bare_loop"]["ratio_bare_over_fit"] > 0
    assert list(result["notebooks"]["each"]) == ["00_data"]
    cnn, wide = result["training"]["09 CNN"], result["training"]["11 recipe"]
    # timed while other tests share the cores, so no bound on the fraction itself: it must be
    # the achieved rate over the peak measured in the same run
    for r in (cnn, wide):
        assert r["fraction_of_peak"] > 0
        assert r["fraction_of_peak"] == pytest.approx(
            r["gflops_per_s"] / result["matmul_gflops_per_s"]
        )
    # counted, not timed: 11's recipe does ~14x the arithmetic per image of 09's CNN
    assert 10 < wide["flops_per_image"] / cnn["flops_per_image"] < 20
    assert "11 recipe training, batch 256:" in out and "of the matmul peak" in out


@pytest.mark.xdist_group("make")
def test_make_seeds_smoke(copy, tmp_path):
    out = make(copy, "seeds", "SEEDS=1", "LIMIT=640", f"OUT={tmp_path / 'spread.json'}")
    runs = json.loads((tmp_path / "spread.json").read_text())["runs"]
    assert len(runs) == 10 and "original" in out and "series" in out  # 4 + 4 + 2 recipes


def test_make_ablation_smoke(copy, tmp_path):
    out = make(copy, "ablation", "SEEDS=1", "LIMIT=512", f"OUT={tmp_path / 'ablation.json'}")
    table = json.loads((tmp_path / "ablation.json").read_text())
    assert len(table["runs"]) == len(table["variants"]) == 9 and "the recipe" in out
    assert not list(tmp_path.glob("*.tmp"))  # written whole, then renamed


def test_make_ablation_refuses_a_limit_below_one_batch(copy, tmp_path):
    cmd = ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.installed",
           "ablation", "SEEDS=1", "LIMIT=100", f"OUT={tmp_path / 'a.json'}"]  # fmt: skip
    out = subprocess.run(cmd, cwd=copy, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "--limit at least 256" in out.stderr
    assert not (tmp_path / "a.json").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_present_serves_the_first_deck(copy):
    port = free_port()
    cmd = [
        "make",
        "--no-print-directory",
        f"VENV={VENV}",
        "-o",
        f"{VENV}/.installed",
        "present",
        f"PORT={port}",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            assert line, "make present exited before printing the deck's URL"
            if "First deck:" in line:
                url = line.split("First deck:")[1].strip()
        assert url.startswith(f"http://127.0.0.1:{port}/rise/notebooks/00_data.ipynb?token=")
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    assert resp.status == 200 and b"<html" in resp.read().lower()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
