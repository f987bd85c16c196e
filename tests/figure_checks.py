"""Figures as the browser draws them (issue 35): on a deck's slide at 1280x720 and on a book page,
each figure's smallest text must come out at 14 px or more, its labels apart, and the figure
must not sit on the slide's other text.

``utils.plots.show`` stores, with each figure, its smallest text in pixels of the PNG and the
pairs of labels it draws over each other (``metadata["figure"]``). The page scales the PNG: the
text's size on screen is that size times the drawn width over the PNG's own width. A figure is
found by its PNG (a data: URI, as decks embed it) or by its alt text (the book's files).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MIN_FIGURE_FONT_PX = 14

# Every visible <img> of the slide on screen (or of the whole page): its alt, its data: URI's
# payload, its own and its drawn width, and the text boxes it covers.
FIGURES_JS = """(where) => {
  const scope = where === 'page' ? document.body
    : [...document.querySelectorAll('.reveal section.present')].pop();
  const seen = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const texts = [...scope.querySelectorAll('p, li, h1, h2, h3, pre, td, th, figcaption')]
    .filter(e => seen(e) && e.innerText.trim() && !e.querySelector('img'));
  return [...scope.querySelectorAll('img')].filter(i => seen(i) && i.naturalWidth).map(i => {
    const r = i.getBoundingClientRect();
    const under = texts.filter(t => {
      const b = t.getBoundingClientRect();
      return Math.min(r.right, b.right) - Math.max(r.left, b.left) > 2
        && Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top) > 2;
    }).map(t => t.innerText.trim().slice(0, 40));
    const src = i.currentSrc || i.src;
    return {alt: i.alt || '', data: src.startsWith('data:') ? src.split(',', 2)[1] : null,
            natural: i.naturalWidth, drawn: r.width, under: under};
  });
}"""


def stored_figures(folder: Path = ROOT / "notebooks") -> dict[str, dict]:
    """{PNG payload or alt text: {"where", "min_font_px", "overlapping_labels"}} for every figure
    that utils.plots.show stored in the notebooks of ``folder``."""
    found = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            for out in cell.get("outputs", []):
                checks = out.get("metadata", {}).get("figure")
                if not checks or "image/png" not in out.get("data", {}):
                    continue
                entry = {"where": f"{path.stem} cell {i}", **checks}
                found["".join(out["data"]["image/png"]).replace("\n", "")] = entry
                alt = out["metadata"].get("image/png", {}).get("alt", "")
                found[" ".join(alt.split())] = entry
    return found


def figure_problems(page, figures: dict, where: str = "slide") -> list[str]:
    """What is wrong with the figures shown (the slide on screen, or ``where="page"``): text
    under 14 px once scaled, labels drawn over each other, a figure over the slide's text."""
    problems = []
    for img in page.evaluate(FIGURES_JS, where):
        stored = figures.get((img["data"] or "").replace("\n", "")) or figures.get(
            " ".join(img["alt"].split())
        )
        if stored is None:
            continue  # not a matplotlib figure (a picture of a digit, the autograd graph)
        name = stored["where"]
        if stored["min_font_px"] is not None:
            px = stored["min_font_px"] * img["drawn"] / img["natural"]
            if px < MIN_FIGURE_FONT_PX - 0.05:
                problems.append(f"{name}: its smallest text is {px:.1f} px here")
        if stored["overlapping_labels"]:
            problems.append(f"{name}: labels over each other: {stored['overlapping_labels']}")
        if img["under"]:
            problems.append(f"{name}: drawn over the text {img['under']}")
    return problems
