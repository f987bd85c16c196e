"""`make book`: the series as a website to read, in build/book/, from the committed notebooks.

Each notebook becomes a chapter with its stored outputs (nothing is executed): slide titles are
its section headings, speaker notes sit in a collapsed "Presenter's notes" box, each exercise is
shown as a task with the verdict its check printed and the reference solution behind a "Show
solution" toggle, and every chapter links to Colab and to its deck (the offline reveal.js decks
are built into build/book/slides/, so the folder travels whole). A generated home page says what
the series is, lists the roadmap (utils/roadmap.py) and how to run it.

Sphinx + myst-nb (`nb_execution_mode = "off"`) + sphinx-book-theme, configured in book/conf.py.
The build fails on a notebook without stored outputs (run `make notebooks`), on any Sphinx
warning (a broken cross-reference included), on a link or anchor in the output that leads
nowhere, and on a page that would load anything from the network. Rebuilding with nothing
changed rewrites no staged source, so Sphinx rebuilds nothing and the files stay the same.

Beside the book: build/.book/ (the staged sources and Sphinx's cache) and build/jupyter_execute/
(myst-nb's copies of the notebooks and their images).

    python tools/book.py [--notebooks DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# jsonschema (under nbformat) compiles 38 IRI grammars at import when rfc3987_syntax is
# installed: 1.3 s of CPU for a format that notebook validation never checks.
sys.modules.setdefault("rfc3987_syntax", None)
import nbformat  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils.meta import REPO_SLUG, colab_url  # noqa: E402
from utils.roadmap import STEPS  # noqa: E402

CONF = ROOT / "book"
OUT = ROOT / "build" / "book"
CHECK = re.compile(r"""ex\.check\(\s*["']([0-9]{2}\.\w+)["']""")  # an exercise's check cell
TASK = (
    "**Your turn.** Fill in the cell below in Colab or Jupyter, then run the check under it. "
    "Under the check: what it printed when this notebook was built with the cell left as it is."
)


class BookError(Exception):
    """What is wrong with the input or the output, and what to do about it."""


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def deck_href(name: str) -> str:
    """Where a chapter's deck is, relative to the chapter's page."""
    return f"slides/{name}.slides.html"


def check_outputs(path: Path, nb) -> None:
    """A notebook built from its source but never executed has nothing to show: refuse it."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    unrun = [c for c in code if c.execution_count is None and not c.outputs]
    if unrun:
        raise BookError(
            f"{path.name}: {len(unrun)} of {len(code)} code cells have no stored output "
            "(the notebook was never executed). The book shows stored outputs and runs "
            f"nothing: run `make notebooks NB={path.name[:2]}` first."
        )


def is_colab_plumbing(cell) -> bool:
    """The Colab badge and Colab's setup cell: a chapter has its own launch links instead."""
    return slide_type(cell) == "skip" and (
        "colab.research.google.com" in cell.source or "google.colab" in cell.source
    )


def final_state(text: str) -> str:
    """What a terminal shows of a stream: a progress bar redrawn with \\r keeps its last state."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def markdown(source: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = "book"  # numbered in chapter(): a random id would change the staged file
    return cell


def dropdown(title: str, body: str, css_class: str):
    """A collapsed box (sphinx-design's dropdown: a <details>, no script needed). A colon fence:
    a backtick fence's title may hold no backticks."""
    return markdown(f"::::{{dropdown}} {title}\n:class-container: {css_class}\n\n{body}\n::::")


def solution_cell(name: str):
    from utils import exercises as ex

    if name not in ex.EXERCISES:
        raise BookError(f"a check cell names exercise {name!r}, which utils.exercises lacks")
    code = ex.solution_source(name).rstrip()
    answer = name.split(".", 1)[1]
    return dropdown(f"Show solution: `{answer}`", f"```python\n{code}\n```", "solution")


def chapter(path: Path):
    """The notebook as the book shows it (a new node; the committed file is not touched)."""
    nb = nbformat.read(path, as_version=4)
    check_outputs(path, nb)
    name = path.stem
    cells, titled = [], False
    for cell in nb.cells:
        if is_colab_plumbing(cell):
            continue
        if cell.cell_type == "markdown" and slide_type(cell) == "notes":
            cells.append(dropdown("Presenter's notes", cell.source, "presenter-notes"))
            continue
        if cell.cell_type == "markdown" and not titled and cell.source.startswith("# "):
            # "# torch.nn, really · 01 · From scratch": the book's title says the first part
            cell.source = re.sub(r"^# torch\.nn, really · ", "# ", cell.source)
            cells.append(cell)
            cells.append(
                markdown(
                    f"[Open in Colab ↗]({colab_url(path.name)}) · "
                    f'<a href="{deck_href(name)}">The slides of this chapter</a>'
                )
            )
            titled = True
            continue
        if "exercise" in cell.metadata.get("tags", []):
            cells.append(markdown(TASK))
        if cell.cell_type == "code":
            for out in cell.outputs:
                if out.output_type == "stream":
                    out.text = final_state(out.text)
        cells.append(cell)
        found = CHECK.search(cell.source) if cell.cell_type == "code" else None
        if found:
            cells.append(solution_cell(found.group(1)))
    if not titled:
        raise BookError(f"{path.name}: no title (a markdown cell starting with '# ')")
    for i, cell in enumerate(cells):
        if cell.id == "book":
            cell.id = f"book-{i}"
    nb.cells = cells
    return nb


def plain(title: str) -> str:
    return title.replace("`", "")


def home(names: list[str]) -> str:
    """The home page: what, for whom, the roadmap with each chapter's links, how to run it."""
    rows = []
    for name in names:
        step = STEPS[int(name[:2])]
        rows.append(
            f"| `{name[:2]}` | [{step.title}]({name}.ipynb) | {step.idea} | {step.minutes} "
            f'| [Colab ↗]({colab_url(name + ".ipynb")}) · <a href="{deck_href(name)}">slides</a> |'
        )
    table = "\n".join(rows)
    toctree = "\n".join(names)
    minutes = sum(STEPS[int(n[:2])].minutes for n in names)
    return f"""# torch.nn, really

What `torch.nn` really is, shown by building it: an MNIST digit classifier written first with
raw tensors, then refactored one PyTorch feature at a time (`torch.nn.functional`, `nn.Module`,
`torch.optim`, `Dataset` and `DataLoader`, logging, validation, a CNN, `nn.Sequential`, the
GPU, many processes), checking at every step that the loss still goes down.

**For whom:** anyone who writes Python and has met PyTorch's training loop without knowing what
each line does for them. You need no more than tensors and a little calculus; every chapter runs
on a laptop's CPU.

This book is the series to *read*: each chapter is one notebook with the outputs it printed when
it was built, slide titles as headings, exercises with their solutions folded away, and search
(top of the page) that works offline. Reading takes less time than presenting; presenting
the {len(names)} chapters takes about {minutes} minutes.

## The roadmap

| | chapter | what it adds | minutes | run it |
|---|---|---|---|---|
{table}

## How to run it

- **In Colab:** each chapter's *Open in Colab* link (and the rocket button at the top of its
  page) opens the notebook from GitHub. Its first cell installs the series' helpers; then
  *Run all*.
- **On your machine:** `git clone https://github.com/{REPO_SLUG}`, then `make run` executes
  every notebook and `make lab` opens them in JupyterLab. MNIST ships with the repository:
  nothing else needs the network.
- **As slides:** each chapter's *slides* link opens its offline deck (arrow keys move, `S` shows
  the speaker notes). `make present` runs the decks live, `make handouts` prints them to PDF.

```{{toctree}}
:hidden:
:maxdepth: 1

{toctree}
```
"""


def write_if_changed(path: Path, text: str) -> bool:
    """Keep the file (and its mtime, which Sphinx reads) when its content is the same."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def fingerprints(notebooks: list[Path]) -> dict[str, str]:
    """What each chapter is made from (its notebook, this script, the exercises' solutions),
    hashed: an unchanged chapter is not even read again (nor torch imported for solutions)."""
    makers = hashlib.sha256()
    for path in [Path(__file__), *sorted(ROOT.glob("utils/exercises*.py"))] + sorted(
        ROOT.glob("utils/exercises/**/*.py")
    ):
        makers.update(path.read_bytes())
    return {p.stem: hashlib.sha256(makers.digest() + p.read_bytes()).hexdigest() for p in notebooks}


def stage(notebooks: list[Path], src: Path) -> int:
    """Write the home page and the chapters into ``src``; return how many files changed."""
    names = [p.stem for p in notebooks]
    known = {s.name for s in STEPS}
    strangers = [n for n in names if n not in known]
    if strangers:
        raise BookError(f"{', '.join(strangers)}: not in utils/roadmap.py's STEPS")
    manifest = src / "made-from.json"
    before = json.loads(manifest.read_text()) if manifest.is_file() else {}
    now = fingerprints(notebooks)
    manifest.unlink(missing_ok=True)  # until every chapter below is written
    changed = int(write_if_changed(src / "index.md", home(names)))
    for path in notebooks:
        staged = src / path.name
        if before.get(path.stem) != now[path.stem] or not staged.is_file():
            changed += write_if_changed(staged, nbformat.writes(chapter(path)))
    for old in src.glob("*.ipynb"):  # a chapter whose notebook is gone
        if old.stem not in now:
            old.unlink()
            changed += 1
    manifest.write_text(json.dumps(now, indent=1, sort_keys=True))
    return changed


def decks(notebooks: list[Path], out: Path) -> int:
    """Each chapter's offline deck in out/slides/ (tools/slides.py's export), re-exported only
    when its notebook or the deck's template is newer than it. Returns how many were made."""
    where = out / "slides"
    inputs = [
        ROOT / "slides" / "deck.html.j2",
        ROOT / "slides" / "deck.css",
        ROOT / "tools" / "slides.py",
    ]
    stale = [
        nb
        for nb in notebooks
        if not (deck := where / f"{nb.stem}.slides.html").is_file()
        or deck.stat().st_mtime < max(p.stat().st_mtime for p in [nb, *inputs])
    ]
    if not stale and (where / "lib").is_dir():
        return 0
    from tools import slides  # nbconvert: imported only when a deck is to be made

    where.mkdir(parents=True, exist_ok=True)
    slides.vendor(where)
    shutil.copy2(slides.SLIDES / "deck.css", where / "deck.css")
    for nb in stale:
        slides.export(nb, where)
    return len(stale)


class Page(HTMLParser):
    """The ids a page defines, the links it makes, the resources it loads."""

    LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "link": "href"}

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if a.get(self.LOADS.get(tag, "")) and (tag != "link" or a.get("rel") != "canonical"):
            if tag != "link" or not {"stylesheet", "icon", "preload", "modulepreload"}.isdisjoint(
                (a.get("rel") or "").split()
            ):
                self.loads.append(a[self.LOADS[tag]])


def remote(url: str) -> bool:
    return urlsplit(url).scheme in {"http", "https"} or url.startswith("//")


def check_site(out: Path) -> list[str]:
    """Every local link and anchor of every page leads somewhere; no page loads a remote file."""
    pages = {}
    for file in sorted(out.rglob("*.html")):
        if file.relative_to(out).parts[0] == "_static":
            continue  # the themes' Jinja macro files, not pages
        page = Page()
        page.feed(file.read_text(encoding="utf-8"))
        pages[file.resolve()] = page
    problems = []
    for file, page in pages.items():
        where = file.relative_to(out.resolve())
        problems += [f"{where} loads {u} from the network" for u in page.loads if remote(u)]
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link in ("#", ""):
                continue  # a link out of the site (a click away, never loaded), or a button
            target = (file.parent / unquote(parts.path)).resolve() if parts.path else file
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{where} links to {link}: no such file")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    problems.append(f"{where} links to {link}: no such anchor")
    for css in sorted(out.rglob("*.css")):
        for url in re.findall(r"url\(\s*['\"]?([^)'\"]+)", css.read_text(encoding="utf-8")):
            if remote(url):
                problems.append(f"{css.relative_to(out)} loads {url} from the network")
    return problems


def sphinx(src: Path, out: Path, doctrees: Path) -> int:
    from sphinx.cmd.build import build_main

    args = ["-b", "html", "-c", str(CONF), "-d", str(doctrees), "-W", "--keep-going", "-n", "-q"]
    return build_main([*args, str(src), str(out)])


def build(notebook_dir: Path, out: Path) -> None:
    notebooks = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise BookError(f"no notebooks in {notebook_dir}: run `make notebooks`")
    work = out.parent / f".{out.name}"  # staged sources and Sphinx's cache, beside the book
    start = time.perf_counter()
    changed = stage(notebooks, work / "src")
    if sphinx(work / "src", out, work / "doctrees"):
        # a rerun must show the same warnings again, not skip the pages it already read
        shutil.rmtree(work / "doctrees", ignore_errors=True)
        raise BookError("Sphinx reported the problems above (warnings are errors here)")
    made = decks(notebooks, out)
    problems = check_site(out)
    if problems:
        raise BookError(
            "the built book has broken links or remote loads:\n  " + "\n  ".join(problems)
        )
    print(
        f"book: {len(notebooks)} chapters in {os.path.relpath(out)}/ ({changed} sources "
        f"changed, {made} decks made) in {time.perf_counter() - start:.1f} s; "
        f"open {os.path.relpath(out / 'index.html')}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        build(args.notebooks.resolve(), args.out.resolve())
    except BookError as err:
        print(f"make book: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
