"""The numbers in stored outputs are checked, by the very command `make test` runs.

Edited copies of real notebooks must fail nbval: an accuracy off by 0.01 (02), a float with many
decimals changed (07), a line that lost one of its numbers (02). And the tolerances declared for
training outcomes never let a stale 0.05 through (08, checked on its stored outputs). That the
true notebooks pass is what `make test` shows when it runs every notebook under nbval."""

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import nbformat
import nbval_numbers
import pytest

from tools.colab import THREADS, colab_env, nbval_command

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def edit_stream(src: Path, dest: Path, find: str, edit) -> str:
    """Copy notebook ``src`` to ``dest`` with ``edit(line)`` applied to the first stream line
    matching the regex ``find``; return the line as stored."""
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
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
                    return line.strip()
    raise AssertionError(f"no line matching {find!r} in {src.name}")


def shift(name: str, delta: float):
    """An edit that moves the number after ``name=`` by ``delta``, keeping its digits."""

    def edit(line):
        m = re.search(rf"{name}=(\d+\.(\d+))", line)
        value = f"{float(m.group(1)) + delta:.{len(m.group(2))}f}"
        return line[: m.start(1)] + value + line[m.end(1) :]

    return edit


@pytest.mark.xdist_group("nbval")
def test_edited_copies_fail_under_the_make_test_command(tmp_path):
    cases = {
        "acc_off_by_001.ipynb": edit_stream(
            NOTEBOOKS / "02_functional.ipynb",
            tmp_path / "acc_off_by_001.ipynb",
            r"^Final metrics:",
            shift("valid_acc", 0.01),
        ),
        "lost_a_number.ipynb": edit_stream(
            NOTEBOOKS / "02_functional.ipynb",
            tmp_path / "lost_a_number.ipynb",
            r"^Final metrics:",
            lambda line: re.sub(r"\s+valid_acc=[\d.]+", "", line),
        ),
        "long_float.ipynb": edit_stream(
            NOTEBOOKS / "07_validation_and_fit.ipynb",
            tmp_path / "long_float.ipynb",
            r"'valid_loss': \d\.\d{12,}",
            lambda line: re.sub(
                r"('valid_loss': \d\.)(\d)", lambda m: m[1] + str(9 - int(m[2])), line, count=1
            ),
        ),
    }
    env = colab_env(dict(THREADS))
    cmd = nbval_command() + ["--rootdir", str(tmp_path), "-q", "-rf", *cases]
    out = subprocess.run(
        cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    ).stdout
    for name in cases:
        failed = [ln for ln in out.splitlines() if ln.startswith("FAILED") and name in ln]
        assert failed, f"{name} passed nbval although its stored output was edited\n{out[-3000:]}"
    assert "stored numbers" in out  # the line that lost a number is named as such
    assert "numbers differ beyond the tolerance" in out


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


@pytest.mark.parametrize("find", [r"^after epoch \d: validation", r"^this CNN"])
def test_a_training_outcome_off_by_005_fails(find):
    stub, stored, edited = stored_outputs_with(NOTEBOOKS / "08_cnn.ipynb", find, 0.05)
    assert nbval_numbers.differing_numbers(stub, edited, stored)
    assert not nbval_numbers.differing_numbers(stub, stored, stored)


def test_every_tolerance_is_below_the_cap_and_matches_a_stored_line():
    """A rule that matches no stored output would silently compare nothing."""
    for o in nbval_numbers.TRAINING_OUTCOMES:
        assert all(nbval_numbers.within_caps(t) for t in o.tol) and o.spread
        [path] = NOTEBOOKS.glob(f"{o.notebook}_*.ipynb")
        lines = [
            ln.strip()
            for c in nbformat.read(path, as_version=4).cells
            for out in c.get("outputs", [])
            for ln in out.get("text", "").splitlines()
        ]
        assert any(re.search(o.line, ln) for ln in lines), f"{o.line!r} matches nothing"


def test_a_training_outcome_gets_its_own_tolerance_per_number():
    line = "after epoch 1: validation loss 0.3132, accuracy 0.9075"
    assert nbval_numbers.tolerance("08_cnn.ipynb", line, 0) == (0.02, 0.0)
    assert nbval_numbers.tolerance("08_cnn.ipynb", line, 1) == (0.01, 0.0)
    assert nbval_numbers.tolerance("07_x.ipynb", line, 1) == (0.005, 0.001)
