"""The tests marked `xdist_group` really run on one worker under `make test` (`-n $(JOBS)
--dist loadgroup`): pytest-xdist 3.8 loses the grouping on pytest 9.2 unless tests/xdist_groups.py
restores it, and nothing else would say so (the tests still pass, slower and side by side)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# Two modules, each with tests of the group "pair" and tests of no group. Every test records
# the worker it ran on.
MODULE = """
import os
import pytest

def record(kind):
    with open(os.environ["WORKERS_LOG"], "a") as log:
        log.write(f"{kind} {os.environ['PYTEST_XDIST_WORKER']}\\n")

@pytest.mark.xdist_group("pair")
@pytest.mark.parametrize("i", range(3))
def test_grouped(i):
    record("grouped")

@pytest.mark.parametrize("i", range(4))
def test_free(i):
    record("free")
"""


@pytest.mark.parametrize("plugin", [True, False], ids=["with the plugin", "without"])
def test_one_group_runs_on_one_worker(tmp_path, plugin):
    for name in ("test_a.py", "test_b.py"):
        (tmp_path / name).write_text(textwrap.dedent(MODULE))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["xdist_groups"]\n' if plugin else "")
    log = tmp_path / "workers.log"
    env = {**os.environ, "WORKERS_LOG": str(log), "PYTHONPATH": str(TESTS)}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadgroup", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    runs = [line.split() for line in log.read_text().splitlines()]
    grouped = {worker for kind, worker in runs if kind == "grouped"}
    assert len(runs) == 14 and {worker for _, worker in runs} == {"gw0", "gw1"}, runs
    if plugin:
        assert len(grouped) == 1, f"the group 'pair' ran on {sorted(grouped)}"
    else:  # what xdist 3.8 does alone on pytest 9.2: the reason the plugin exists
        assert len(grouped) == 2, "xdist groups by itself now: tests/xdist_groups.py can go"
