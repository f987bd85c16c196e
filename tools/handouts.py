"""`make handouts`: every static deck (build/slides/, made by `make slides`) printed to PDF by
Chromium through reveal.js' print view, one slide per page at 16:9 (1280x720 px), into
build/handouts/: the presenter's laptop-free fallback, and the slides for learners.

    python tools/handouts.py [--notes] [--decks DIR] [--out DIR] [NN ...]

--notes adds, after each slide that has speaker notes, a page with those notes.

Why the query string below: reveal.js 4 prints each fragment's state on its own page
(`pdfSeparateFragments`, on by default), so a deck with a fragment printed one page more than
`Reveal.getTotalSlides()`; a handout wants one page per slide with every fragment shown. And a
slide taller than the page would spill onto a second one (`pdfMaxPagesPerSlide`): the browser
tests keep every slide within 1280x720, so one page is always enough.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.browser import launch  # noqa: E402

DECKS = ROOT / "build" / "slides"
OUT = ROOT / "build" / "handouts"
WIDTH, HEIGHT = 1280, 720  # the decks' size (slides/deck.html.j2): 16:9
PRINT = "print-pdf&pdfSeparateFragments=false&pdfMaxPagesPerSlide=1"
NOTES = "&showNotes=separate-page"


def pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of each page of ``pdf``."""
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(pdf).pages]


def print_deck(browser, deck: Path, pdf: Path, notes: bool = False, query: str = PRINT) -> dict:
    """Print one deck; return what it holds: slides, slides with notes, the PDF's pages."""
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{deck.resolve().as_uri()}?{query}{NOTES if notes else ''}")
    # reveal.js lays out the print view once it is ready: one .pdf-page per printed page
    page.wait_for_function(
        "window.Reveal && Reveal.isReady() && !!document.querySelector('.pdf-page')"
    )
    page.evaluate("document.fonts.ready")
    # each printed page ends with a forced page break (reveal.css: page-break-after: always),
    # the last one too, and Chromium then adds an empty page at the end: not after the last
    page.evaluate(
        """() => { const pages = document.querySelectorAll('.pdf-page, .speaker-notes-pdf');
                   const last = [...pages].pop();
                   last.style.pageBreakAfter = last.style.breakAfter = 'auto'; }"""
    )
    counts = page.evaluate(
        """() => ({slides: Reveal.getTotalSlides(),
                   notes: document.querySelectorAll('.speaker-notes-pdf').length})"""
    )
    pdf.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf), width=f"{WIDTH}px", height=f"{HEIGHT}px", print_background=True)
    page.close()
    if errors:
        raise RuntimeError(f"{deck.name}: errors while printing: {errors}")
    return {"deck": deck.name, **counts, "pages": pdf_pages(pdf)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="deck numbers, e.g. 01 08 (default: all)")
    parser.add_argument("--notes", action="store_true", help="add a page of notes after a slide")
    parser.add_argument("--decks", type=Path, default=DECKS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    decks = sorted(args.decks.glob("[0-9][0-9]_*.slides.html"))
    decks = [d for d in decks if not args.only or d.name[:2] in args.only]
    if not decks:
        raise SystemExit(f"no decks in {args.decks}: run `make slides` first")
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    with sync_playwright() as p:
        browser = launch(p)
        for deck in decks:
            suffix = "-notes" if args.notes else ""
            pdf = args.out / deck.name.replace(".slides.html", f"{suffix}.pdf")
            r = print_deck(browser, deck, pdf, notes=args.notes)
            want = r["slides"] + (r["notes"] if args.notes else 0)
            if len(r["pages"]) != want:
                raise SystemExit(f"{pdf}: {len(r['pages'])} pages for {want} (slides + notes)")
            print(
                f"{pdf.relative_to(args.out.parent)}: {r['slides']} slides, {len(r['pages'])} pages"
            )
        browser.close()
    print(f"{len(decks)} handouts in {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
