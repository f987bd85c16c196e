"""The series' figures, read from the stored notebooks (issue 35): every notebook shows one, each
alt text carries numbers from its data and is its own, no figure draws labels over each other,
and every figure's alt text is compared when `make test` re-runs its notebook.

A figure is an ``image/png`` output. Those made with ``utils.plots.show`` also store
``metadata["figure"]`` (``figure_checks``: the smallest text in PNG pixels and overlapping
labels); the browser tests use it to judge the figure as drawn on a slide and in the book.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MIN_FIGURES = 24  # over the series (issue 35)
# PNGs that are not matplotlib figures, so carry no figure_checks: a photo-like picture of one
# digit (utils.plots.picture) and the autograd graph (graphviz lays its own labels out).
NOT_MATPLOTLIB = ("picture(", "autograd_graph(")


def figures(path):
    """(cell index, cell, output) for each PNG the stored notebook shows."""
    nb = nbformat.read(path, as_version=4)
    return [
        (i, cell, out)
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]


def alt(out) -> str:
    return out.get("metadata", {}).get("image/png", {}).get("alt", "")


ALL = [(p.stem, *f) for p in NOTEBOOKS for f in figures(p)]


def test_every_notebook_shows_a_figure_and_the_series_enough():
    counts = {p.stem: len(figures(p)) for p in NOTEBOOKS}
    assert len(counts) == 13, sorted(counts)
    assert all(counts.values()), (
        f"notebooks without a figure: {[k for k, v in counts.items() if not v]}"
    )
    assert sum(counts.values()) >= MIN_FIGURES, counts


@pytest.mark.parametrize(
    "stem, index, cell, out", ALL, ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_figure_says_what_it_shows_with_numbers(stem, index, cell, out):
    text = alt(out)
    where = f"{stem} cell {index}"
    assert text, f"{where}: no alt text"
    assert "".join(out["data"].get("text/plain", "")) == text, f"{where}: text/plain is not the alt"
    assert re.search(r"\d", text), f"{where}: the alt text carries no number from the data"


def test_no_two_figures_share_an_alt_text():
    seen = {}
    for stem, index, _, out in ALL:
        seen.setdefault(alt(out), []).append(f"{stem} cell {index}")
    assert [v for v in seen.values() if len(v) > 1] == []


@pytest.mark.parametrize(
    "stem, index, cell, out", ALL, ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_figure_draws_no_label_over_another(stem, index, cell, out):
    if any(call in cell.source for call in NOT_MATPLOTLIB):
        return
    checks = out.get("metadata", {}).get("figure")
    assert checks, f"{stem} cell {index}: shown without utils.plots.show (no figure checks)"
    assert checks["overlapping_labels"] == [], f"{stem} cell {index}: {checks}"
    assert checks["min_font_px"] is None or checks["min_font_px"] >= 14, f"{stem} cell {index}"


# Figures whose alt text holds this machine's timings: still compared, with those numbers masked
# by tests/nbval_sanitize.cfg's [machine-timings-in-figures] (the rest of the text is compared).
TIMED = {"10_gpu", "12_many_processes"}


@pytest.mark.parametrize(
    "stem, index, cell, out", ALL, ids=lambda v: v if isinstance(v, str) else ""
)
def test_make_test_compares_every_figure(stem, index, cell, out):
    tags = cell.metadata.get("tags", [])
    assert "nbval-ignore-output" not in tags and "nbval-skip" not in tags, (
        f"{stem} cell {index}: its figure's alt text would not be compared; mask what varies "
        "by machine in tests/nbval_sanitize.cfg instead"
    )


def sanitized(text: str) -> str:
    """``text`` as nbval compares it: tests/nbval_sanitize.cfg's replacements, in file order."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    return text


@pytest.mark.parametrize("stem", sorted(TIMED))
def test_a_figure_of_timings_is_compared_without_them(stem):
    """What varies by machine is masked; what the figure is about (paths, models, processes,
    the steps timed) is still compared."""
    (path,) = [p for p in NOTEBOOKS if p.stem == stem]
    timed = [
        alt(out)
        for _, cell, out in figures(path)
        if "ms per" in alt(out) or "samples/s" in alt(out)
    ]
    assert timed, f"{stem}: no figure of timings found (its alt text changed?)"
    for text in timed:
        masked = sanitized(text)
        assert "FLOAT" not in masked, masked  # no float left to compare with a tolerance
        left = {int(n) for n in re.findall(r"\d+", re.sub(r"\b\d\d's\b", "", masked))}  # not 09's
        assert left <= {1, 2, 50}, f"{stem}: numbers left unmasked {left}: {masked}"


class FakePage:
    """What FIGURES_JS would return for a slide: the browser tests' input, without a browser."""

    def __init__(self, images):
        self.images = images

    def evaluate(self, script, where):
        return self.images


def test_the_browser_check_scales_each_figure_and_flags_what_is_hard_to_read():
    from figure_checks import figure_problems

    figures = {
        "PNG1": {"where": "a", "min_font_px": 16.7, "overlapping_labels": []},
        "an alt text": {"where": "b", "min_font_px": 16.7, "overlapping_labels": ["'x' / 'y'"]},
    }
    fits = {"alt": "", "data": "PNG1", "natural": 800, "drawn": 800, "under": []}
    assert figure_problems(FakePage([fits]), figures) == []
    shrunk = {**fits, "drawn": 600}  # 16.7 px drawn at 3/4: 12.5 px
    assert figure_problems(FakePage([shrunk]), figures) == ["a: its smallest text is 12.5 px here"]
    over_text = {**fits, "under": ["Some text"]}
    assert figure_problems(FakePage([over_text]), figures) == [
        "a: drawn over the text ['Some text']"
    ]
    by_alt = {"alt": "an  alt\ntext", "data": None, "natural": 500, "drawn": 500, "under": []}
    assert figure_problems(FakePage([by_alt]), figures) == [
        "b: labels over each other: [\"'x' / 'y'\"]"
    ]
    other = {**by_alt, "alt": "a photo"}  # not a figure of utils.plots: not judged
    assert figure_problems(FakePage([other]), figures) == []
