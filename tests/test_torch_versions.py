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
