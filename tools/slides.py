"""Export every notebook to an offline reveal.js deck in build/slides/, plus an index page.

The decks load nothing from the network: the few files of reveal.js, require.js and jQuery
they load are kept in slides/vendor/ (so building them needs neither npm nor a network) and
copied into build/slides/lib/; slides/deck.html.j2 drops nbconvert's MathJax and mermaid CDN
links. `python tools/slides.py --refresh-vendor` re-fetches those files with `npm ci` from
slides/package-lock.json (the pinned versions) and copies them into slides/vendor/.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils.roadmap import STEPS  # noqa: E402

SLIDES = ROOT / "slides"
VENDOR = SLIDES / "vendor"
OUT = ROOT / "build" / "slides"
FONTS = "reveal.js/dist/theme/fonts/source-sans-pro/"
# what a deck loads (npm package path -> path under lib/), with the licences beside them
VENDORED = {
    "reveal.js/LICENSE": "reveal.js/LICENSE",
    "reveal.js/dist/reveal.js": "reveal.js/dist/reveal.js",
    "reveal.js/dist/reveal.css": "reveal.js/dist/reveal.css",
    "reveal.js/dist/theme/white.css": "reveal.js/dist/theme/white.css",
    **{
        FONTS + name: FONTS + name
        for name in ["LICENSE", "source-sans-pro.css"]
        + [f"source-sans-pro-{w}.woff" for w in ("regular", "italic", "semibold", "semibolditalic")]
    },
    "reveal.js/plugin/notes/notes.js": "reveal.js/plugin/notes/notes.js",
    "requirejs/require.js": "require.js",
    "jquery/dist/jquery.min.js": "jquery.min.js",
    "jquery/LICENSE.txt": "jquery.LICENSE.txt",
}


def refresh_vendor() -> None:
    """Re-fetch the pinned packages with npm and copy what the decks load into slides/vendor."""
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(SLIDES)], check=True)
    for src, dest in VENDORED.items():
        (VENDOR / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SLIDES / "node_modules" / src, VENDOR / dest)


def vendor(out: Path = OUT) -> None:
    """Copy the vendored JavaScript, CSS and fonts into build/slides/lib (or ``out``/lib)."""
    missing = [d for d in VENDORED.values() if not (VENDOR / d).is_file()]
    if missing:
        raise SystemExit(
            f"slides/vendor/ lacks {', '.join(missing)}: restore it with `git checkout "
            "slides/vendor` (or re-fetch with `python tools/slides.py --refresh-vendor`)"
        )
    shutil.copytree(VENDOR, out / "lib", dirs_exist_ok=True)


def export(path: Path, out: Path = OUT) -> Path:
    exporter = SlidesExporter(
        template_file=str(SLIDES / "deck.html.j2"),
        extra_template_basedirs=[str(SLIDES)],
        reveal_url_prefix="lib/reveal.js",
        reveal_theme="white",
        require_js_url="lib/require.js",
        jquery_url="lib/jquery.min.js",
    )
    # a cell tagged hide-input (a figure's plotting code) shows only its output on the slide, so
    # that the picture fits; the notebook, the live deck (folded) and the book keep the code
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_input_tags=("hide-input",), enabled=True), enabled=True
    )
    nb = nbformat.read(path, as_version=4)
    nb.metadata["title"] = f"{path.stem[:2]} · {title(path)} · torch.nn, really"  # <title>
    body, _ = exporter.from_notebook_node(nb)
    dest = out / f"{path.stem}.slides.html"
    dest.write_text(body, encoding="utf-8")
    return dest


def title(path: Path) -> str:
    """The deck's title as plain text (roadmap's title, without Markdown's backticks)."""
    return STEPS[int(path.stem[:2])].title.replace("`", "")


def index(decks: list[Path], notebooks: list[Path]) -> Path:
    items = "\n".join(
        f'<li><a href="{d.name}">{html.escape(title(nb))}</a></li>'
        for d, nb in zip(decks, notebooks)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>torch.nn, really: slides</title>
<style>body {{ font: 20px/1.5 sans-serif; max-width: 40em; margin: 2em auto; }}</style>
</head><body><h1>torch.nn, really</h1><p>The decks, in order. Arrow keys move; Esc shows an
overview; S opens speaker notes.</p><ol start="0">
{items}
</ol></body></html>"""
    dest = OUT / "index.html"
    dest.write_text(page, encoding="utf-8")
    return dest


def build(notebooks: list[Path], out: Path = OUT) -> list[Path]:
    """The decks of ``notebooks`` in ``out``, with what they load; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    vendor(out)
    shutil.copy(SLIDES / "deck.css", out / "deck.css")
    return [export(nb, out) for nb in notebooks]


def main() -> int:
    if "--refresh-vendor" in sys.argv[1:]:
        refresh_vendor()
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    decks = build(notebooks)
    print(
        f"{len(decks)} decks in {OUT.relative_to(ROOT)}/; "
        f"open {index(decks, notebooks).relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
