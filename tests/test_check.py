"""`make check` (the 3-minute first look) and `make timings` (the stage seconds of `make test`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import check, timings

ROOT = Path(__file__).resolve().parent.parent


def make(*args, dry=True):
    cmd = [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",
        *(["-n"] if dry else []),
        *args,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "files, numbers",
    [
        (["notebooks/src/03_nn_module.py"], ["03"]),
        (["notebooks/10_gpu.ipynb"], ["10"]),  # the stored notebook alone (its outputs changed)
        (
            ["notebooks/08_cnn.ipynb", "notebooks/src/08_cnn.py", "utils/exercises/nb11.py"],
            ["08", "11"],
        ),
        (["README.md", "utils/plots.py", "tests/test_check.py", "notebooks/src/README.md"], []),
        (
            ["build/run/03_nn_module.ipynb", "notebooks/src/03_x.py.bak", "xnotebooks/03_a.ipynb"],
            [],
        ),
        ([], []),
    ],
)
def test_changed_files_name_their_notebooks(files, numbers):
    assert check.notebooks_of(files) == numbers


def test_a_given_number_is_checked_against_the_notebooks_there():
    there = ["00", "03", "12"]
    assert check.validate(["3", "03", "12_x"], there) == ["03", "12"]
    with pytest.raises(SystemExit, match="NB=99: no such notebook; the notebooks are 00 03 12"):
        check.validate(["99"], there)
    with pytest.raises(SystemExit, match="NB=abc"):
        check.validate(["abc"], there)


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)


def test_changes_since_main_count_commits_uncommitted_and_new_files(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "notebooks" / "src").mkdir(parents=True)
    for name in ("01_a", "02_b", "03_c", "04_d"):
        (repo / "notebooks" / "src" / f"{name}.py").write_text("x = 1\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "wip")
    (repo / "notebooks" / "src" / "01_a.py").write_text("x = 2\n")  # committed on wip
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "wip")
    (repo / "notebooks" / "src" / "03_c.py").write_text("x = 3\n")  # uncommitted
    (repo / "notebooks" / "src" / "05_e.py").write_text("x = 5\n")  # new, not added
    monkeypatch.setattr(check, "ROOT", repo)
    files, base = check.changed_files("main")
    assert base == "main" and check.notebooks_of(files) == ["01", "03", "05"]


def test_make_check_is_wired():
    out = make("check", "NB=03")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    steps = [
        next(i for i, ln in enumerate(lines) if "ruff check" in ln),
        next(i for i, ln in enumerate(lines) if "tools/notebooks.py export --check" in ln),
        next(i for i, ln in enumerate(lines) if "-m pytest" in ln and '-m "not browser"' in ln),
        next(i for i, ln in enumerate(lines) if "tools/check.py nbval 03" in ln),
    ]
    assert steps == sorted(steps)  # lint, export check, unit tests, nbval: in that order
    units = lines[steps[2]]
    for slow in ("test_ddp.py", "test_exercise_runs.py", "test_make_targets.py"):
        assert slow not in units
    assert "tests/test_notebooks.py" in units and "tests/test_check.py" in units


def test_check_nbval_runs_the_chosen_notebooks():
    done = subprocess.run(
        [sys.executable, "tools/check.py", "nbval", "08 09", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert "tools/colab.py nbval --only 08 09 --" in done.stdout


def test_make_check_with_no_such_notebook_stops_at_once():
    out = make("check", "NB=99", dry=False)
    assert out.returncode != 0
    assert "NB=99: no such notebook; the notebooks are 00 01" in out.stderr
    assert "ruff" not in out.stdout  # nothing else ran


def test_make_test_records_every_stage():
    out = make("test")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "timings.py rotate" in text and "timings.py report" in text
    for stage in ("lint", "export-check"):
        assert f"timings.py run {stage} --" in text
    for stage in ("test-units", "test-notebooks", "test-alone", "test-other-cpu", "test-exercises"):
        assert f"timings.py run {stage} --" in text
        assert f"--junitxml {ROOT}/build/timings/{stage}.xml" in text


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0"
failures="{failed}" skipped="1" tests="{tests}" time="{time}"></testsuite></testsuites>"""


def record(folder, stage, start, seconds, tests=None, failed=0, rc=0):
    folder.mkdir(parents=True, exist_ok=True)
    row = {"stage": stage, "start": start, "end": start + seconds, "seconds": seconds, "rc": rc}
    (folder / f"{stage}.json").write_text(json.dumps(row))
    if tests is not None:
        (folder / f"{stage}.xml").write_text(JUNIT.format(failed=failed, tests=tests, time=seconds))


def test_the_timings_table_gives_seconds_tests_share_and_ratio(tmp_path):
    record(tmp_path / "previous", "test-units", 0, 200.0, tests=700)
    record(tmp_path, "lint", 0, 10.0)
    record(tmp_path, "test-units", 10, 300.0, tests=727, failed=2, rc=1)
    record(tmp_path, "test-notebooks", 10, 90.0, tests=40)
    lines = timings.table(tmp_path).splitlines()
    assert lines[0].split()[:4] == ["stage", "seconds", "tests", "share"]
    assert [ln.split()[0] for ln in lines[1:4]] == ["lint", "test-units", "test-notebooks"]
    units = lines[2].split()
    assert units[1:5] == ["300.0", "727", "75.0%", "1.50x"] and "2 failed" in lines[2]
    assert lines[1].split()[2] == "-"  # no JUnit report: no count
    assert lines[3].split()[4] == "-"  # no previous run of that stage
    assert "310.0 s" in lines[-1]  # wall: stages side by side overlap


def test_rotate_keeps_one_previous_run_and_run_records_the_exit_status(tmp_path):
    assert timings.run("ok", [sys.executable, "-c", "pass"], tmp_path) == 0
    assert timings.run("bad", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path) == 3
    assert json.loads((tmp_path / "bad.json").read_text())["rc"] == 3
    timings.rotate(tmp_path)
    assert sorted(p.name for p in (tmp_path / "previous").iterdir()) == ["bad.json", "ok.json"]
    assert "no timings" in timings.table(tmp_path)
    timings.rotate(tmp_path)  # nothing new: the previous run stays
    assert (tmp_path / "previous" / "ok.json").exists()
