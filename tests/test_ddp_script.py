"""Notebook 12 shows utils/ddp.py whole: the script is cut into numbered parts that cover
every line, the notebook prints each part once, in order, each on a slide it fits, and the
stored outputs are the script as it is now."""

import contextlib
import io
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from utils import ddp_launch

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks" / "src" / "12_many_processes.py"
NOTEBOOK = ROOT / "notebooks" / "12_many_processes.ipynb"
SHOW = re.compile(r"show_script\((\d+)\)")
# Measured on the static deck at 1280x720 (20 px monospace): an output line wraps past 92
# characters, and 18 lines fit under a title and three lines of prose.
MAX_WIDTH, MAX_LINES = 92, 18


def printed(part):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ddp_launch.show_script(part)
    return out.getvalue()


def test_the_parts_cover_every_line_of_the_script_in_order():
    parts = ddp_launch.script_parts()
    numbered = [pair for _, lines in parts.values() for pair in lines]
    text = ddp_launch.SCRIPT.read_text().splitlines()
    assert numbered == list(enumerate(text, start=1))
    assert list(parts) == list(range(1, len(parts) + 1))


def test_notebook_12_shows_every_part_once_in_order_each_on_its_own_slide():
    slides = []  # the parts each slide shows
    for cell in jupytext.read(SOURCE).cells:
        if cell.metadata.get("slide_type") in ("slide", "subslide") or not slides:
            slides.append([])
        if cell.cell_type == "code":
            slides[-1] += [int(n) for n in SHOW.findall(cell.source)]
    shown = [n for parts in slides for n in parts]
    assert shown == list(ddp_launch.script_parts()), (
        f"{SOURCE.name} shows parts {shown}: it must show every part of utils/ddp.py once, "
        "in order (a `show_script(N)` cell on its own slide for each)"
    )
    crowded = [parts for parts in slides if len(parts) > 1]
    assert not crowded, f"parts {crowded} share a slide: give each its own"


def test_shown_whole_the_parts_are_the_script():
    """What the parts print, line numbers taken off, is the file (blank lines that end a
    part are left out, which the line numbers show)."""
    lines = [line for n in ddp_launch.script_parts() for line in printed(n).splitlines()]
    numbers = [int(line[:3]) for line in lines]
    text = ddp_launch.SCRIPT.read_text().splitlines()
    assert all(line[4:] == text[n - 1].rstrip() for n, line in zip(numbers, lines))
    skipped = set(range(1, len(text) + 1)) - set(numbers)
    assert all(not text[n - 1].strip() for n in skipped), "only blank lines may be left out"


@pytest.mark.parametrize("part", list(ddp_launch.script_parts()))
def test_each_part_fits_its_slide(part):
    lines = printed(part).splitlines()
    assert len(lines) <= MAX_LINES, f"part {part}: {len(lines)} lines; split it"
    wide = [line for line in lines if len(line) > MAX_WIDTH]
    assert not wide, f"part {part}: lines over {MAX_WIDTH} characters wrap on the slide: {wide}"


def test_the_stored_notebook_prints_the_script_as_it_is():
    stored = {}
    for cell in nbformat.read(NOTEBOOK, 4).cells:
        for n in SHOW.findall(cell.source) if cell.cell_type == "code" else []:
            stored[int(n)] = "".join(o.get("text", "") for o in cell.outputs)
    for part in ddp_launch.script_parts():
        assert stored.get(part) == printed(part), (
            f"{NOTEBOOK.name} shows an older part {part} of utils/ddp.py: "
            "run `make notebooks NB=12`"
        )
