"""What prints differently with another torch: declared here, and nowhere else (issue 37).

The stored outputs are made with the pinned torch (requirements.txt). `make test-torch
TORCH=2.9.1` runs the notebooks with another one, and every cell is compared as under `make
test`: text exactly, floats within tests/nbval_numbers.py's tolerances. A line that must print
differently with another torch (a count of a module's names, say) is declared below: a regex
for the stored line, and the line each torch minor version prints, with ``{torch}`` standing
for ``torch.__version__``; the nbval plugin replaces the stored line by the declared one for
the running version before comparing. Lines that some versions print in addition (gloo's
greeting in torch 2.9) are declared as ``Addition``s: with those versions, the computed lines
matching the regex are left out of the comparison, and only those. A version without a
declaration is compared with the stored output as it is, so its first difference fails, named.

tests/test_torch_versions.py checks that each declaration for the pin is exactly the stored
line, that no added line is in the stored outputs, and that each declared version is inside
utils.meta.TORCH_SUPPORTED.

Floats: with torch 2.9.1 and 2.14.1 every float of every notebook was within the tolerances
that CPUs already need (`make test-torch`, 2026-12-07), so no float is declared here.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Difference(NamedTuple):
    notebook: str  # the notebook's name starts with this
    line: str  # a regex, anchored with ^, matching exactly one stored output line
    prints: dict[str, str]  # torch minor version ("2.9") -> the line it prints
    measured: str  # how the declared lines were seen


CENSUS = "torch {{torch}}: {} public names, {} functions, {} of them built into the C++ core"

DIFFERENCES = [
    # 02's census of torch.nn.functional: 2.9 has six public names fewer (four functions)
    Difference(
        "02",
        r"^torch \S+: \d+ public names, \d+ functions, \d+ of them built into the C\+\+ core$",
        {
            "2.9": CENSUS.format(154, 134, 39),
            "2.13": CENSUS.format(160, 138, 39),
            "2.14": CENSUS.format(160, 138, 39),
        },
        "printed by 02's cell under torch 2.9.1+cu128, 2.13.0+cpu and 2.14.1+cu130",
    ),
]


class Addition(NamedTuple):
    notebook: str  # the notebook's name starts with this
    line: str  # a regex, anchored with ^ and $, for each line those versions print in addition
    versions: tuple[str, ...]  # torch minor versions ("2.9") that print them
    example: str  # one line as it was printed
    measured: str  # how the lines were seen


ADDITIONS = [
    # the gloo inside torch 2.9.1 writes this to stdout as each rank joins its group
    # (std::cout in gloo, before any Python: not a warning, and no setting turns it off);
    # 2.13.0 and 2.14.1 do not print it
    Addition(
        "12",
        r"^\[Gloo\] Rank \d+ is connected to \d+ peer ranks\. "
        r"Expected number of connected peer ranks is : \d+$",
        ("2.9",),
        "[Gloo] Rank 1 is connected to 1 peer ranks. "
        "Expected number of connected peer ranks is : 1",
        "12's torchrun cells under torch 2.9.1+cu128; the string is in its libtorch_cpu.so only",
    ),
]


def minor(version: str) -> str:
    """ "2.13.0+cpu" -> "2.13"."""
    return ".".join(re.split(r"[.+]", version)[:2])


def expected_line(notebook: str, stored: str, running: str) -> str:
    """The line ``running`` torch should print where ``stored`` was printed by the pin."""
    for d in DIFFERENCES:
        if notebook.startswith(d.notebook) and re.search(d.line, stored):
            declared = d.prints.get(minor(running))
            return declared.format(torch=running) if declared is not None else stored
    return stored


def expected_text(notebook: str, text: str, running: str) -> str:
    """``text`` (a stored output) with each declared line as ``running`` torch prints it."""
    lines = text.splitlines(keepends=True)
    out = []
    for ln in lines:
        body = ln.rstrip("\n")
        out.append(expected_line(notebook, body, running) + ln[len(body) :])
    return "".join(out)


def without_additions(notebook: str, text: str, running: str) -> str:
    """``text`` (a computed output) without the lines ``running`` torch is declared to add."""
    rules = [
        a for a in ADDITIONS if notebook.startswith(a.notebook) and minor(running) in a.versions
    ]
    if not rules:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(ln for ln in lines if not any(re.search(a.line, ln.rstrip("\n")) for a in rules))


def undeclared(notebook: str, text: str, running: str) -> list[str]:
    """The declared lines of ``text`` (a stored output) that ``running`` torch has no entry
    for: the report names them, so the next torch's difference is declared, not ignored."""
    minor_version = minor(running)
    return [
        f"torch {minor_version} has no line declared for {ln.strip()[:70]!r} "
        "(tests/torch_versions_differ.py)"
        for ln in text.splitlines()
        for d in DIFFERENCES
        if notebook.startswith(d.notebook)
        and re.search(d.line, ln)
        and minor_version not in d.prints
    ]
