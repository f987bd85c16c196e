"""Accessibility, measured: every slide of every static deck passes axe-core's WCAG 2.2 A and AA
rules (the whole page: reveal's arrows and slide number too); the code colours reach 4.5:1;
the arrow key moves the deck and reveal's screen-reader status says the new slide's title;
every figure in the stored notebooks has its own alt text; every notebook has one H1, no
skipped heading level and no "click here" link.

The decks are built from the stored notebooks into a temporary folder (tools/slides.build), and
one Chromium page walks them all, with axe-core injected once per deck (the
axe-playwright-python package bundles it: no network).
"""

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools.browser import settle

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]_*.py"))
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Rules we cannot meet, each with its reason; every other WCAG A/AA rule must pass. (None: the
# list stays here so that a future exception is written down, not silenced.)
UNMET_RULES: dict[str, str] = {}
PLACEHOLDER = "No description has been provided for this image"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha ignored: opaque expected)."""

    def luminance(css):
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    from tools import slides

    return slides.build(NOTEBOOKS, tmp_path_factory.mktemp("slides"))


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    yield page
    page.close()


def open_deck(page, deck: Path):
    page.goto(deck.as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)


def go_to(page, index: int):
    """Show leaf slide ``index`` with all its fragments."""
    page.evaluate(
        "i => { const at = Reveal.getIndices(Reveal.getSlides()[i]);"
        " Reveal.slide(at.h, at.v, 99); }",
        index,
    )


AXE_SCRIPT = None


def axe_violations(page, include=None) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as shown now (injected once a page);
    ``include``: CSS selectors to check, else the whole document."""
    global AXE_SCRIPT
    if AXE_SCRIPT is None:
        import axe_playwright_python

        AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    context = {"include": [[sel] for sel in include]} if include else None
    settle(page)  # the slide and its fragments as they end, not mid-transition
    result = page.evaluate("([c, o]) => axe.run(c || document, o)", [context, options])
    return [v for v in result["violations"] if v["id"] not in UNMET_RULES]


# What an audience sees besides the slide: the parts of the page outside the slides. Axe skips
# hidden elements, so checking the slide shown plus these is checking the whole page as it is
# shown, at a fraction of the cost (the whole document is checked once per deck as well).
PAGE_CHROME = [".reveal .controls", ".reveal .slide-number", ".reveal .progress"]
MARK_PRESENT = """() => {
  for (const e of document.querySelectorAll('[data-axe-present]')) {
    e.removeAttribute('data-axe-present');
  }
  [...document.querySelectorAll('.reveal section.present')].pop()
    .setAttribute('data-axe-present', '');
}"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_slide_passes_axe_wcag_22_aa(page, decks, path):
    deck = next(d for d in decks if d.name.startswith(path.stem))
    open_deck(page, deck)
    found = []
    for index in range(page.evaluate("Reveal.getTotalSlides()")):
        go_to(page, index)
        page.evaluate(MARK_PRESENT)
        whole = index == 0  # the whole document once, with the first slide shown
        for v in axe_violations(page, None if whole else ["[data-axe-present]", *PAGE_CHROME]):
            for node in v["nodes"]:
                found.append(f"slide {index + 1}: {v['id']} {node['target']}: {node['html'][:80]}")
    assert not found, f"{path.stem}: {len(found)} axe violations:\n" + "\n".join(found[:20])


SYNTAX_COLOURS = """() => [...document.querySelectorAll('.reveal .highlight span')]
  .filter(s => s.textContent.trim())
  .map(s => {
    let e = s, bg = 'rgba(0, 0, 0, 0)';
    while (e && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
      bg = getComputedStyle(e).backgroundColor; e = e.parentElement;
    }
    return [s.className, getComputedStyle(s).color, bg];
  })"""


def test_code_colours_reach_4_5_to_1(page, decks):
    """Every syntax colour of every deck measured against the background it is drawn on (axe
    checks only the text on the slide shown; this reads every code span of every deck)."""
    pairs = {}
    for deck in decks:
        open_deck(page, deck)
        settle(page)
        for cls, fg, bg in page.evaluate(SYNTAX_COLOURS):
            pairs[(cls, fg, bg)] = deck.stem
    low = {k: round(contrast(k[1], k[2]), 2) for k in pairs if contrast(k[1], k[2]) < 4.5}
    assert len({cls for cls, _, _ in pairs}) >= 8, "too few code colours found to judge"
    assert not low, f"code colours under 4.5:1 (class, colour, background): {low}"


def test_arrow_key_moves_and_status_says_the_new_title(page, decks):
    """With the keyboard alone: ArrowRight shows the next slide, and the screen-reader status
    region (aria-live) reads that slide's heading and its place in the deck."""
    open_deck(page, next(d for d in decks if d.name.startswith("08_")))
    status = page.locator(".reveal .aria-status")
    assert status.get_attribute("aria-live") == "polite"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("Reveal.getIndices().h === 1")
    page.wait_for_timeout(50)
    heading = page.evaluate(
        """() => {
          const h = Reveal.getCurrentSlide().querySelector('h1, h2, h3, h4').cloneNode(true);
          h.querySelectorAll('.anchor-link').forEach(a => a.remove());
          return h.textContent.trim(); }"""
    )
    number = page.locator(".reveal .slide-number").text_content()  # "4/18": nested slides count
    place = "slide {} of {}".format(*re.findall(r"\d+", number))
    assert heading and status.text_content() == f"{heading}, {place}"


def test_focus_is_visible_on_the_controls(page, decks):
    open_deck(page, decks[0])
    page.keyboard.press("Tab")  # the first focusable element of the deck
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, f"no visible focus ring: {outline}"


def test_reduced_motion_switches_transitions_off(browser, decks):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    open_deck(page, decks[0])
    durations = page.evaluate(
        "() => [...document.querySelectorAll('.reveal .progress span, .reveal .fragment')]"
        ".map(e => getComputedStyle(e).transitionDuration)"
    )
    context.close()
    assert durations and set(durations) == {"0s"}, set(durations)


def figure_outputs():
    """(notebook, cell index, output) for every image output of every stored notebook."""
    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            for out in cell.get("outputs", []):
                if any(t in out.get("data", {}) for t in IMAGE_TYPES):
                    yield path.stem, i, out


def alt_of(out) -> str:
    kind = next(t for t in IMAGE_TYPES if t in out["data"])
    return (out.get("metadata", {}).get(kind) or {}).get("alt", "").strip()


def test_every_stored_figure_has_its_own_alt_text():
    """Each figure says what it shows (output metadata image/*.alt, as utils.plots.show writes
    it, and the same text as text/plain); no two different figures share one alt text."""
    missing, by_alt = [], {}
    outputs = list(figure_outputs())
    assert outputs, "no figures found in the stored notebooks"
    for stem, i, out in outputs:
        alt = alt_of(out)
        if not alt or alt == PLACEHOLDER or alt.startswith("<Figure size"):
            missing.append(f"{stem} cell {i}: {alt or 'no alt text'}")
            continue
        plain = "".join(out["data"].get("text/plain", ""))
        if plain.strip() != alt:
            missing.append(f"{stem} cell {i}: text/plain is not the alt text: {plain[:60]!r}")
        image = next(out["data"][t] for t in IMAGE_TYPES if t in out["data"])
        by_alt.setdefault(alt, set()).add(("".join(image), f"{stem} cell {i}"))
    assert not missing, "figures without alt text (show them with utils.plots.show):\n" + (
        "\n".join(missing)
    )
    shared = {a[:60]: sorted(w for _, w in v) for a, v in by_alt.items() if len(v) > 1}
    assert not shared, f"different figures with the same alt text: {json.dumps(shared)}"


HEADING = re.compile(r"^(#{1,6})\s+\S")
LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
VAGUE_LINKS = {"here", "click here", "this", "link", "this link", "read more", "more"}


def headings_and_links(path: Path):
    """The Markdown headings (level, text) and link texts of a notebook source, in order."""
    heads, links = [], []
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            fenced ^= line.lstrip().startswith("```")
            m = None if fenced else HEADING.match(line)
            if m:
                heads.append((len(m.group(1)), line.strip()))
        links += LINK.findall(cell.source)
    return heads, links


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_one_h1_no_skipped_level_and_links_say_where(path):
    heads, links = headings_and_links(path)
    problems = []
    if [h for h in heads if h[0] == 1] != heads[:1] or not heads or heads[0][0] != 1:
        problems.append(f"one H1, first: {[t for lvl, t in heads if lvl == 1] or 'none'}")
    for (before, _), (level, text) in zip(heads, heads[1:]):
        if level > before + 1:
            problems.append(f"H{before} then H{level}: {text!r}")
    problems += [
        f"link text {t!r} says not where it goes" for t in links if t.strip().lower() in VAGUE_LINKS
    ]
    assert not problems, f"{path.name}: " + "; ".join(problems)
