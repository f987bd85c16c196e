"""A tool that ran nothing, or ran a notebook that failed, says so and exits non-zero: `make`
and CI read the exit status, and an empty or broken run must never look like a pass.

The names that match nothing fail before any work. The failing notebook is a one-cell notebook
in a temporary folder (the tools take a folder; the minutes of measuring in `make bench` and
the Colab-like install of `make cpu-spread` are replaced by nothing): no real notebook runs."""

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from tools import bench, colab, cpu_spread
from tools import notebooks as nbtool

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def run(*cmd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


# Each tool's main, in this process (what `python tools/X.py ...` runs): a SystemExit with a
# message is exit status 1 with that message on stderr.
MAINS = {
    "notebooks.py run 99": lambda: nbtool.main(["run", "99"]),
    "notebooks.py run 00 99": lambda: nbtool.main(["run", "00", "99"]),  # one of two: still
    "notebooks.py build 99": lambda: nbtool.main(["build", "99"]),
    "bench.py 99": lambda: bench.main(["99"]),
    "cpu_spread.py 99": lambda: cpu_spread.main(["99"]),
    "colab.py nbval --only 99": lambda: colab.main(["nbval", "--only", "99"]),
}


@pytest.mark.parametrize("name", MAINS)
def test_a_name_that_matches_no_notebook_fails_at_once(name):
    with pytest.raises(SystemExit) as exit:
        MAINS[name]()
    assert isinstance(exit.value.code, str) and "no notebook" in exit.value.code
    assert "99" in exit.value.code


def test_a_group_with_no_notebook_among_the_names_fails():
    with pytest.raises(SystemExit, match="nothing would run"):
        colab.main(["nbval", "--only", "11", "--group", "together"])


def test_imitating_a_cpu_without_its_variables_fails(monkeypatch):
    for name in colab.IMITATED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA"):
        colab.main(["nbval", "--imitate-cpu", "--only", "08"])


def test_make_run_with_nb_that_matches_nothing_fails():
    """The exit status goes through `python tools/...` and make (bench and notebooks call
    their tools the same way)."""
    # -o: this checkout's venv is taken as installed; the names are checked before any work
    out = run("make", "--no-print-directory", "-o", f"{VENV}/.installed", "run", "NB=99")
    assert out.returncode != 0, f"make run NB=99 exited 0:\n{out.stdout}{out.stderr}"
    assert "matches 99" in out.stderr, out.stderr


@pytest.fixture
def broken(tmp_path, monkeypatch):
    """A folder with one notebook that raises, and every output of the tools in tmp_path."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise ValueError('broken on purpose')")]
    nb.metadata["kernelspec"] = nbtool.KERNEL
    nbformat.write(nb, folder / "98_broken.ipynb")
    monkeypatch.setattr(nbtool, "RUN_OUT", tmp_path / "run")
    return folder


def test_make_run_names_a_failed_notebook(broken, capsys):
    assert nbtool.run(["98"], broken) == 1
    out = capsys.readouterr().out
    assert "FAILED: 98_broken" in out and "ValueError: broken on purpose" in out


def test_make_bench_keeps_and_names_a_failed_notebook(broken, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "measure", lambda results: None)  # minutes: not what is tested
    monkeypatch.setattr(bench, "OUT", tmp_path / "bench.json")
    assert bench.main(["98"], broken) == 1
    assert "FAILED: notebook 98_broken: ValueError: broken on purpose" in capsys.readouterr().out
    row = json.loads((tmp_path / "bench.json").read_text())["notebooks"]["each"]["98_broken"]
    assert "broken on purpose" in row["failed"]


def test_make_cpu_spread_names_a_notebook_that_fails_under_a_setting(
    broken, tmp_path, monkeypatch, capsys
):
    @contextmanager
    def no_install(place):  # the notebook imports nothing of ours: no Colab-like install
        yield dict(os.environ), tmp_path

    monkeypatch.setattr(cpu_spread, "colab_like", no_install)
    monkeypatch.setattr(
        cpu_spread, "SETTINGS", {"ATen default": {"ATEN_CPU_CAPABILITY": "default"}}
    )
    monkeypatch.setattr(cpu_spread, "ROOT", tmp_path)  # build/cpu_spread.json goes there
    assert cpu_spread.main(["98"], broken) == 1
    out = capsys.readouterr().out
    assert (
        "FAILED: 98_broken under 'ATen default' (ATEN_CPU_CAPABILITY=default): "
        "ValueError: broken on purpose"
    ) in out
