"""The torch range is stated once (utils/meta.py) and `make test-torch` is wired to test it."""

import re
import subprocess
from pathlib import Path

import pytest
import tomllib

from utils.meta import TORCH_SUPPORTED, torch_line, torch_supported

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_requires_the_range_that_meta_states():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (torch,) = [d for d in deps if re.match(r"torch\b(?!\w)", d) and not d.startswith("torchviz")]
    assert torch.replace(" ", "") == "torch" + TORCH_SUPPORTED.replace(" ", "")


@pytest.mark.parametrize(
    "version, inside",
    [("2.9.1", True), ("2.9.0+cu128", True), ("2.13.0+cpu", True), ("2.14.1", True),
     ("2.8.0", False), ("2.15.0", False), ("2.15.0a0", False), ("3.0.0", False)],
)  # fmt: skip
def test_notebook_00_says_plainly_whether_the_running_torch_is_supported(version, inside):
    assert torch_supported(version) is inside
    assert ("OUTSIDE" in torch_line(version)) is not inside
    assert version in torch_line(version) and TORCH_SUPPORTED in torch_line(version)


def test_make_test_torch_is_wired():
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", "test-torch", "TORCH=2.9.1", "PYTHON=3.12"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "tools/torch_versions.py test --torch 2.9.1 --python 3.12" in out, out
    from tools import torch_versions

    python = Path("/x/bin/python")
    together, alone = torch_versions.nbval_commands(python, ROOT / "nb", 2)
    assert together[:3] == [str(python), str(ROOT / "tools" / "colab.py"), "nbval"]
    assert "--group" in together and together[together.index("--group") + 1] == "together"
    assert alone[alone.index("--group") + 1] == "alone"
    assert torch_versions.env_dir("2.9.1", "3.12.1") == ROOT / "build" / "torch-2.9.1-py3.12"


def test_a_bad_version_stops_at_once_with_what_to_give():
    out = subprocess.run(
        ["make", "--no-print-directory", "test-torch", "TORCH=two"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode != 0 and "not a version such as 2.9.1" in out.stdout + out.stderr


def test_a_python_not_installed_is_named_with_those_that_are():
    out = subprocess.run(
        ["make", "--no-print-directory", "test-torch", "TORCH=2.9.1", "PYTHON=3.99"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "Python 3.99 is not installed here. Installed:" in text, text


# What prints differently with another torch (tests/torch_versions_differ.py), checked against
# the stored outputs, which the pinned torch made.
import json  # noqa: E402
import sys  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
import nbval_numbers  # noqa: E402
import torch_versions_differ as differ  # noqa: E402

PIN = re.search(r"^torch==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)


def stored_texts(prefix: str) -> list[str]:
    """Each text output of the notebook, as stored."""
    (path,) = (ROOT / "notebooks").glob(f"{prefix}_*.ipynb")
    return [
        "".join(out.get("text") or out.get("data", {}).get("text/plain", ""))
        for cell in json.loads(path.read_text())["cells"]
        for out in cell.get("outputs", [])
    ]


def stored_lines(prefix: str) -> list[str]:
    return [ln for text in stored_texts(prefix) for ln in text.splitlines()]


@pytest.mark.parametrize("d", differ.DIFFERENCES, ids=lambda d: f"{d.notebook} {d.line[:30]}")
def test_a_declared_difference_prints_for_the_pin_exactly_what_is_stored(d):
    assert torch.__version__.startswith(PIN), "the unit tests run with the pinned torch"
    matches = [ln for ln in stored_lines(d.notebook) if re.search(d.line, ln)]
    assert len(matches) == 1, matches
    assert d.prints[differ.minor(PIN)].format(torch=torch.__version__) == matches[0]
    for minor in d.prints:
        assert torch_supported(minor + ".0"), f"{minor} is outside {TORCH_SUPPORTED}"
        assert re.search(d.line, d.prints[minor].format(torch=minor + ".0"))


@pytest.mark.parametrize("a", differ.ADDITIONS, ids=lambda a: f"{a.notebook} {a.text[:30]}")
def test_a_declared_addition_is_not_in_the_stored_outputs_and_matches_what_was_seen(a):
    for seen in a.examples:  # whole, and before a run's line it leaves that line alone
        assert re.fullmatch(a.text, seen), seen
        assert re.sub(a.text, "", seen + "2 process(es), 782 steps\n", count=1) == (
            "2 process(es), 782 steps\n"
        )
    assert not [t for t in stored_texts(a.notebook) if re.search(a.text, t)]
    assert differ.minor(PIN) not in a.versions
    assert all(torch_supported(v + ".0") for v in a.versions)


def test_another_torch_is_compared_with_its_declared_lines_and_no_others(monkeypatch):
    stored = [
        {"output_type": "stream", "name": "stdout", "text": "x\n"},
        {"output_type": "stream", "name": "stdout",
         "text": "torch 2.13.0+cpu: 160 public names, 138 functions, 39 of them built into "
                 "the C++ core\nthe others, e.g. []\n"},
    ]  # fmt: skip
    gloo = differ.ADDITIONS[0].examples[-1]  # two ranks' greetings, interleaved
    computed = [{"output_type": "stream", "name": "stdout", "text": gloo + "2 process(es)\n"}]

    monkeypatch.setattr(torch, "__version__", "2.9.1+cu128")
    (_, census) = nbval_numbers.as_this_torch_prints("02_functional.ipynb", stored)
    assert census["text"].startswith("torch 2.9.1+cu128: 154 public names, 134 functions")
    assert census["text"].endswith("the others, e.g. []\n")  # undeclared lines stay as stored
    (kept,) = nbval_numbers.without_this_torchs_additions("12_x.ipynb", computed)
    assert kept["text"] == "2 process(es)\n"
    (other,) = nbval_numbers.without_this_torchs_additions("11_x.ipynb", computed)
    assert other["text"] == computed[0]["text"]  # only the notebook it is declared for

    monkeypatch.setattr(torch, "__version__", "2.11.0")  # not declared: compared as stored,
    (_, census) = nbval_numbers.as_this_torch_prints("02_functional.ipynb", stored)
    assert census["text"] == stored[1]["text"]
    (hint,) = differ.undeclared("02_functional.ipynb", census["text"], "2.11.0")
    assert "torch 2.11 has no line declared" in hint  # and the report says what to declare
    (kept,) = nbval_numbers.without_this_torchs_additions("12_x.ipynb", computed)
    assert gloo in kept["text"]
