"""How much each slide asks a room to read: words of prose and lines of code per slide.

A slide starts at a cell whose ``slide_type`` is "slide" or "subslide"; "fragment" and "-"
cells belong to the slide above; "notes" (speaker notes) and "skip" (Colab-only) cells are
not shown to the room and do not count. Prose words are whitespace-separated words of the
markdown cells (markup stripped); code lines are the non-blank lines of the code cells.
Outputs do not count.

    python tools/density.py            # every slide over the limits, per notebook
    python tools/density.py --all 03   # every slide of notebook 03
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks" / "src"
MAX_WORDS = 60
MAX_CODE_LINES = 12


@dataclass
class Slide:
    notebook: str  # "03"
    title: str  # the first line of the slide's first markdown cell, without the #s
    words: int
    code_lines: int

    @property
    def too_dense(self) -> bool:
        return self.words > MAX_WORDS or self.code_lines > MAX_CODE_LINES


def words(markdown: str) -> int:
    """Words a reader reads: markup (headings' #, emphasis, code ticks, link targets) removed."""
    text = re.sub(r"<[^>]+>", " ", markdown)  # HTML tags
    text = re.sub(r"\]\([^)]*\)", "]", text)  # a link's target is not read
    text = re.sub(r"[#*`_>|\[\]]", " ", text)
    return len([w for w in text.split() if re.search(r"\w", w)])


def slides(source: Path) -> list[Slide]:
    """The slides of one notebook source, in order."""
    nb = jupytext.read(source)
    found: list[Slide] = []
    for cell in nb.cells:
        kind = cell.metadata.get("slide_type", "-")
        if kind in ("notes", "skip"):
            continue
        if kind in ("slide", "subslide") or not found:
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            title = first.lstrip("#").strip() if cell.cell_type == "markdown" else "(code)"
            found.append(Slide(source.name[:2], title, 0, 0))
        if cell.cell_type == "markdown":
            found[-1].words += words(cell.source)
        elif cell.cell_type == "code":
            found[-1].code_lines += sum(1 for line in cell.source.splitlines() if line.strip())
    return found


def all_slides(names: list[str] | None = None) -> list[Slide]:
    paths = sorted(SOURCES.glob("[0-9][0-9]_*.py"))
    return [s for p in paths if not names or p.name[:2] in names for s in slides(p)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="two-digit numbers (default: all)")
    parser.add_argument("--all", action="store_true", help="list every slide, not only dense ones")
    args = parser.parse_args(argv)
    shown = all_slides(args.notebooks)
    dense = [s for s in shown if s.too_dense]
    for s in shown if args.all else dense:
        mark = "*" if s.too_dense else " "
        print(f"{mark} {s.notebook} {s.words:4d} words {s.code_lines:3d} code lines {s.title[:60]}")
    limits = f"{MAX_WORDS} words or {MAX_CODE_LINES} code lines"
    print(f"{len(dense)} of {len(shown)} slides over {limits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
