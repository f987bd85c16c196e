"""Facts about the series that several places need: written here once."""

import re

#: What the first cell of every notebook checks, to tell this package from another `utils`.
SERIES = "torch-nn-really"

#: GitHub "owner/name" of this repository. Every notebook's Colab badge and setup cell are
#: generated from it (tools/notebooks.py); tests/test_notebooks.py checks they agree.
REPO_SLUG = "torch-nn-really/torch-nn-really"
BRANCH = "main"

#: W&B project the notebooks log to.
WANDB_PROJECT = "torch-nn-really"


def colab_url(notebook_name: str) -> str:
    """Where Colab opens `notebooks/<notebook_name>` straight from GitHub."""
    return f"https://colab.research.google.com/github/{REPO_SLUG}/blob/{BRANCH}/notebooks/{notebook_name}"


def pip_url() -> str:
    """What `pip install` takes to install this repository (and so `utils`) in Colab."""
    return f"git+https://github.com/{REPO_SLUG}@{BRANCH}"


#: The torch versions the series supports, stated here once: `make test-torch TORCH=2.9.1
#: PYTHON=3.12` and `make test-torch TORCH=2.14.1` run every notebook with each end against
#: the stored outputs (made with the pin in requirements.txt). pyproject.toml's torch
#: dependency says the same (a test checks); notebook 00 prints it beside the running version.
TORCH_SUPPORTED = ">=2.9,<2.15"


def release(version: str) -> tuple[int, ...]:
    """The release numbers of a version string: "2.9.1+cu128" -> (2, 9, 1); "2.15.0a0" ->
    (2, 15, 0). A local tag (+cpu) or a pre-release suffix is dropped."""
    numbers = []
    for part in version.split("+")[0].split("."):
        digits = re.match(r"\d*", part).group()
        if not digits:
            break
        numbers.append(int(digits))
        if digits != part:  # "0a0", "0rc1", "0dev": the suffix ends the release
            break
    return tuple(numbers)


def torch_supported(version: str, spec: str = TORCH_SUPPORTED) -> bool:
    """Is `version` inside `spec` (comma-separated `>=`, `>`, `<=`, `<`, `==` clauses)?"""
    have = release(version)
    tests = {
        ">=": tuple.__ge__,
        "<=": tuple.__le__,
        ">": tuple.__gt__,
        "<": tuple.__lt__,
        "==": tuple.__eq__,
    }
    for clause in spec.split(","):
        op, bound = re.match(r"\s*(>=|<=|==|>|<)\s*([\d.]+)\s*$", clause).groups()
        want = release(bound)
        if not tests[op](have[: len(want)] if op == "==" else have, want):
            return False
    return True


def torch_line(version: str, spec: str = TORCH_SUPPORTED) -> str:
    """What notebook 00 prints after the running torch: the range, and whether it is inside."""
    if torch_supported(version, spec):
        return f"The series supports torch {spec}; this torch, {version}, is inside that range."
    return (
        f"The series supports torch {spec}; this torch, {version}, is OUTSIDE that range: "
        "outputs may differ from the stored ones, or cells may fail."
    )
