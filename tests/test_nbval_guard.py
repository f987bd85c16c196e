"""The numbers in stored outputs are checked, by the very command `make test` runs.

Edited copies of real notebooks must fail nbval: an accuracy off by 0.01 (02), a float with many
decimals changed (07), a line that lost one of its numbers (02). And the tolerances declared for
training outcomes never let a stale 0.05 through (08, checked on its stored outputs). That the
true notebooks pass is what `make test` shows when it runs every notebook under nbval."""

import re
import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace

import nbformat
import nbval_numbers
import pytest
import torch

from tools.colab import THREADS, colab_env, cpu_guard, nbval_command
from tools.notebooks import KERNEL

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
VENV = ROOT / ".venv"


def edit_stream(src: Path, dest: Path, find: str, edit) -> int:
    """Copy notebook ``src`` to ``dest`` with ``edit(line)`` applied to the first stream line
    matching the regex ``find``; return the number nbval gives that cell (code cells only)."""
    nb = nbformat.read(src, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream":
                continue
            lines = out.text.splitlines(keepends=True)
            for i, line in enumerate(lines):
                if re.search(find, line):
                    lines[i] = edit(line)
                    assert lines[i] != line
                    out.text = "".join(lines)
                    nbformat.write(nb, dest)
                    return number
    raise AssertionError(f"no line matching {find!r} in {src.name}")


def shift(name: str, delta: float):
    """An edit that moves the number after ``name=`` by ``delta``, keeping its digits."""

    def edit(line):
        m = re.search(rf"{name}=(\d+\.(\d+))", line)
        value = f"{float(m.group(1)) + delta:.{len(m.group(2))}f}"
        return line[: m.start(1)] + value + line[m.end(1) :]

    return edit


def make_test_notebooks_command() -> list[str]:
    """`make test-notebooks`' own command line (make -n prints it): the very options (-n, --dist
    loadscope), the Colab-like place and the installed package that `make test` uses."""
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.installed"]
        + ["test-notebooks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    cmd = shlex.split(out.replace("\\\n", " "))  # a recipe line continued with a backslash
    if cmd[1:3] == ["tools/timings.py", "run"]:  # make test times each stage: the command after
        cmd = cmd[cmd.index("--") + 1 :]
    if "--junitxml" in cmd:  # that report is the stage's own, not this copy's
        at = cmd.index("--junitxml")
        cmd = cmd[:at] + cmd[at + 2 :]
    assert cmd[1:3] == ["tools/colab.py", "nbval"] and "--" in cmd, out
    return cmd


@pytest.mark.xdist_group("nbval")
def test_edited_copies_fail_in_the_edited_cell_under_make_test(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    # the cells nbval must name, and only those: in one copy of 02 an accuracy off by 0.01
    # and a line that lost a number; in a copy of 07 a long float with a digit changed
    two, seven = folder / "02_edited.ipynb", folder / "07_long_float.ipynb"
    acc = edit_stream(
        NOTEBOOKS / "02_functional.ipynb", two, r"^Final metrics:", shift("valid_acc", 0.01)
    )
    lost = edit_stream(
        two,
        two,
        r"^validation before training: loss [\d.]+, accuracy",
        lambda line: re.sub(r", accuracy [\d.]+", "", line),
    )
    long_float = edit_stream(
        NOTEBOOKS / "07_validation_and_fit.ipynb",
        seven,
        r"'valid_loss': \d\.\d{12,}",
        lambda line: re.sub(
            r"('valid_loss': \d\.)(\d)", lambda m: m[1] + str(9 - int(m[2])), line, count=1
        ),
    )
    expected = [f"{two.name}::Cell {acc}", f"{two.name}::Cell {lost}"]
    expected += [f"{seven.name}::Cell {long_float}"]
    assert acc != lost
    cmd = make_test_notebooks_command()
    cut = cmd.index("--")
    cmd = cmd[:cut] + ["--notebooks", str(folder)] + cmd[cut:] + ["-q", "-rf"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = out.stdout[-3000:] + out.stderr[-2000:]
    failed = sorted(re.findall(r"^FAILED (\S+::Cell \d+)", out.stdout, re.M))
    assert out.returncode != 0 and failed == sorted(expected), report
    assert "stored numbers" in out.stdout  # the line that lost a number is named as such
    assert "numbers differ beyond the tolerance" in out.stdout
    # under pytest-xdist, one notebook a worker, as in `make test`
    assert "loadscope" in cmd and "bringing up nodes" in out.stdout, report


def stored_outputs_with(nb_path: Path, find: str, delta: float):
    """(cell stub, stored outputs, the same outputs with ``find``'s numbers moved by delta)."""
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and re.search(find, out.text, re.M):
                edited = nbformat.from_dict(
                    [
                        dict(
                            o,
                            text=re.sub(
                                r"\d+\.\d+", lambda m: f"{float(m[0]) + delta:.4f}", o.text
                            ),
                        )
                        if o is out
                        else o
                        for o in cell.outputs
                    ]
                )
                stub = SimpleNamespace(
                    parent=SimpleNamespace(
                        fspath=SimpleNamespace(basename=nb_path.name), sanitize_patterns={}
                    )
                )
                return stub, cell.outputs, edited
    raise AssertionError(f"no output matching {find!r} in {nb_path.name}")


@pytest.mark.parametrize(
    "notebook, find, delta",
    [
        ("08_cnn", r"^after epoch \d: validation", 0.05),
        ("08_cnn", r"^this CNN", 0.05),
        # a change of a few times the measured spread fails too (the old rules let these by)
        ("11_going_further", r"^accuracy 0\.", 0.01),
        ("11_going_further", r"^reloaded model", 0.003),
        ("12_many_processes", r"^uninterrupted", 0.001),
    ],
)
def test_a_training_outcome_moved_beyond_its_spread_fails(notebook, find, delta):
    stub, stored, edited = stored_outputs_with(NOTEBOOKS / f"{notebook}.ipynb", find, delta)
    assert nbval_numbers.differing_numbers(stub, edited, stored)
    assert not nbval_numbers.differing_numbers(stub, stored, stored)


def stored_lines(notebook: str) -> list[str]:
    """Every line of every text output of the notebook whose name starts with ``notebook``."""
    [path] = NOTEBOOKS.glob(f"{notebook}_*.ipynb")
    texts = [
        out.get("text") or out.get("data", {}).get("text/plain", "")
        for c in nbformat.read(path, as_version=4).cells
        for out in c.get("outputs", [])
    ]
    return [ln.strip() for t in texts for ln in "".join(t).splitlines()]


@pytest.mark.parametrize(
    "o", nbval_numbers.TRAINING_OUTCOMES, ids=lambda o: f"{o.notebook} {o.line[:40]}"
)
def test_each_tolerance_is_anchored_measured_and_within_3x_its_spread(o):
    """A rule that matches no stored output would compare nothing; one that matches more lines
    than it means would lend its tolerance to another model's numbers; one far above what was
    measured lets a real change through."""
    assert all(nbval_numbers.within_caps(t) for t in o.tol)
    assert nbval_numbers.within_margin(o), f"{o.tol} is over 3x the spread {o.spread}"
    assert o.measured and all(part.startswith("^") for part in o.line.split("|")), o.line
    matched = [ln for ln in stored_lines(o.notebook) if re.search(o.line, ln)]
    assert len(matched) == o.lines, (
        f"{o.line!r} matches {len(matched)} stored lines of {o.notebook}, not {o.lines}: "
        + " | ".join(matched)
    )


def test_no_stored_line_falls_under_two_rules():
    """The first matching rule wins: two rules over one line would hide the second."""
    for notebook in sorted({o.notebook for o in nbval_numbers.TRAINING_OUTCOMES}):
        rules = [o for o in nbval_numbers.TRAINING_OUTCOMES if o.notebook == notebook]
        for line in stored_lines(notebook):
            matching = [o.line for o in rules if re.search(o.line, line)]
            assert len(matching) <= 1, f"{notebook}: {line!r} matches {matching}"


def test_a_training_outcome_gets_its_own_tolerance_per_number():
    line = "after epoch 1: validation loss 0.3132, accuracy 0.9075"
    assert nbval_numbers.tolerance("08_cnn.ipynb", line, 0) == (0.02, 0.0)
    assert nbval_numbers.tolerance("08_cnn.ipynb", line, 1) == (0.01, 0.0)
    assert nbval_numbers.tolerance("07_x.ipynb", line, 1) == (0.005, 0.001)


def test_a_counted_line_keeps_its_tolerance_once_its_counts_are_floats():
    """11's counts of wrong images are compared as floats ("59" becomes "59.0"); the line must
    still get its rule's tolerance (27 images), not the default 0.005 that fails 59 against 62
    (CI on the AVX2 machine, outputs stored on the AVX-512 one)."""
    stored = ["test accuracy       0.9941 (59 of 10,000 wrong)",
              "times wrong   2   2   4   2   7   7   8  10   7  10   (total 59)"]  # fmt: skip
    out = nbformat.v4.new_output("stream", name="stdout", text="\n".join(stored) + "\n")
    marked = nbval_numbers.counts_as_numbers("11_going_further.ipynb", [out])[0]["text"]
    accuracy, per_digit = marked.splitlines()
    assert "59.0 of 10,000" in accuracy and "(total 59.0)" in per_digit
    assert nbval_numbers.tolerance("11_going_further.ipynb", accuracy, 1) == (27, 0.0)
    assert nbval_numbers.tolerance("11_going_further.ipynb", per_digit, 0) == (6, 0.0)
    assert nbval_numbers.tolerance("11_going_further.ipynb", per_digit, 10) == (27, 0.0)


@pytest.mark.xdist_group("nbval")
def test_the_imitated_cpu_guard_fails_when_the_variable_misses_the_kernel(tmp_path):
    """`make test-other-cpu` puts tools/colab.py's guard cell in front of each notebook. Here
    ATEN_CPU_CAPABILITY does not reach the kernel: the guard that expects the imitated CPU
    fails, in its own cell and saying why; the one that expects this CPU passes (so the guard
    fails on the variable, not always)."""
    native = torch.backends.cpu.get_cpu_capability()
    assert native != "DEFAULT", "this CPU computes with plain C++ kernels: nothing to imitate"
    for name, aten in (("imitated.ipynb", "default"), ("native.ipynb", native.lower())):
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNEL})
        nb.cells = [cpu_guard(aten, "SSE41"), nbformat.v4.new_code_cell("1 + 1")]
        nb.cells[1].execution_count = 2
        nb.cells[1].outputs = [
            nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=2)
        ]
        nbformat.write(nb, tmp_path / name)
    env = {k: v for k, v in colab_env(dict(THREADS)).items() if k != "ATEN_CPU_CAPABILITY"}
    env["ONEDNN_MAX_CPU_ISA"] = "SSE41"
    cmd = nbval_command() + ["--rootdir", str(tmp_path), "-q", "-rf"]
    out = subprocess.run(
        cmd + ["imitated.ipynb", "native.ipynb"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    failed = re.findall(r"^FAILED (\S+::Cell \d+)", out, re.M)
    assert failed == ["imitated.ipynb::Cell 0"], out[-3000:]
    assert f"computes with {native} kernels, not the imitated DEFAULT" in out, out[-3000:]
