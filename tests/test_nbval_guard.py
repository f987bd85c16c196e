"""The numbers in stored outputs are checked: a notebook whose stored accuracy is off by 0.01
fails nbval (tests/nbval_numbers.py). That the true notebooks pass is what `make test` shows
right after, when it runs every notebook under nbval."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from tools.colab import THREADS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_functional.ipynb"  # the cheapest one that trains


def nbval(path: Path) -> subprocess.Popen:
    """Start nbval on one notebook, with the numbers plugin, as `make test` runs it."""
    env = dict(os.environ, **THREADS, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-c",
        os.devnull,
        "--rootdir",
        str(path.parent),
        "-p",
        "nbval_numbers",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "nbval_sanitize.cfg"),
        str(path),
    ]
    return subprocess.Popen(
        cmd, env=env, cwd=path.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def edit_final_metrics(src: Path, dest: Path, delta: float) -> str:
    """Copy ``src`` to ``dest`` with the stored accuracy after training moved by ``delta``."""
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and "Final metrics:" in out.text:
                line = next(ln for ln in out.text.splitlines() if ln.startswith("Final metrics:"))
                acc = float(line.split("valid_acc=")[1])
                out.text = out.text.replace(f"valid_acc={acc:.4f}", f"valid_acc={acc + delta:.4f}")
                nbformat.write(nb, dest)
                return line
    raise AssertionError(f"no 'Final metrics' line in {src.name}")


def test_a_stored_metric_off_by_001_fails(tmp_path):
    line = edit_final_metrics(NOTEBOOK, tmp_path / "edited.ipynb", delta=0.01)
    out, _ = nbval(tmp_path / "edited.ipynb").communicate(timeout=600)
    assert "Final metrics" in line
    assert "1 failed" in out and "numbers differ beyond the tolerance" in out, out[-3000:]
    assert "stored " in out and "(in: Final metrics:" in out
