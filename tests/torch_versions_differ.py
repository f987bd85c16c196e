"""What prints differently with another torch: declared here, and nowhere else (issue 37).

The stored outputs are made with the pinned torch (requirements.txt). `make test-torch
TORCH=2.9.1` runs the notebooks with another one, and every cell is compared as under `make
test`: text exactly, floats within tests/nbval_numbers.py's tolerances. A line that must print
differently with another torch (a count of a module's names, say) is declared below: a regex
for the stored line, and the line each torch minor version prints, with ``{torch}`` standing
for ``torch.__version__``; the nbval plugin replaces the stored line by the declared one for
the running version before comparing. Text that some versions print in addition (gloo's
greeting in torch 2.9) is declared as an ``Addition``: with those versions, the computed text
matching its regex is left out of the comparison, once, and nothing else. A version without a
declaration is compared with the stored output as it is, so its first difference fails, named.

tests/test_torch_versions.py checks that each declaration for the pin is exactly the stored
line, that no stored output holds an addition, and that each declared version is inside
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
    text: str  # a regex for the text those versions print in addition (removed once)
    versions: tuple[str, ...]  # torch minor versions ("2.9") that print it
    examples: tuple[str, ...]  # outputs as they were printed, each matched whole
    measured: str  # how the text was seen


# The pieces of gloo's greeting in torch 2.9.1, "[Gloo] Rank 0 is connected to 1 peer ranks.
# Expected number of connected peer ranks is : 1": every rank writes it to stdout as its group
# forms, a piece at a time (std::cout in gloo, before any Python line: not a warning, and no
# setting turns it off), so two ranks' greetings can arrive interleaved, piece by piece.
GLOO_PIECES = (
    r"\[Gloo\] Rank |\d+| is connected to | peer ranks\. |"
    r"Expected number of connected peer ranks is : |\n"
)

ADDITIONS = [
    # before the run's first line: one greeting per rank, whole or interleaved, and nothing
    # else; 2.13.0 and 2.14.1 print none
    Addition(
        "12",
        rf"\A(?=\[Gloo\] )(?:{GLOO_PIECES})*\n",
        ("2.9",),
        (
            "[Gloo] Rank 0 is connected to 0 peer ranks. "
            "Expected number of connected peer ranks is : 0\n",
            "[Gloo] Rank [Gloo] Rank 10 is connected to  is connected to 11 peer ranks.  peer "
            "ranks. Expected number of connected peer ranks is : Expected number of connected "
            "peer ranks is : 11\n\n",
        ),
        "12's torchrun cells under torch 2.9.1+cu128 (the two examples: its cells 20 and 21); "
        "the string is in 2.9.1's libtorch_cpu.so, not in 2.13.0's or 2.14.1's",
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
    """``text`` (a computed output) without what ``running`` torch is declared to add."""
    for a in ADDITIONS:
        if notebook.startswith(a.notebook) and minor(running) in a.versions:
            text = re.sub(a.text, "", text, count=1)
    return text


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
