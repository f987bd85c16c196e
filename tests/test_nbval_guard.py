"""The numbers in stored outputs are checked: a notebook whose stored accuracy or loss is off
by 0.01 fails nbval (tests/nbval_numbers.py), while the true one passes."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

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


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guard")
    shutil.copy(NOTEBOOK, folder / "true.ipynb")
    edit_final_metrics(NOTEBOOK, folder / "edited.ipynb", delta=0.01)
    runs = {name: nbval(folder / f"{name}.ipynb") for name in ("true", "edited")}  # side by side
    done = {name: run.communicate(timeout=600)[0] for name, run in runs.items()}
    return {
        name: subprocess.CompletedProcess(runs[name].args, runs[name].returncode, out)
        for name, out in done.items()
    }


def test_a_stored_metric_off_by_001_fails(results):
    out = results["edited"]
    assert out.returncode == 1, out.stdout[-2000:]
    assert "numbers differ beyond the tolerance" in out.stdout


def test_the_true_notebook_passes(results):
    assert results["true"].returncode == 0, results["true"].stdout[-3000:]
