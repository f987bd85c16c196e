"""Build, execute and summarise the series' notebooks.

The reviewable source of each notebook is ``notebooks/src/NN_name.py`` (jupytext "percent"
format; a cell header may carry ``slide_type="slide"``, the default is "-", i.e. the cell
continues the current slide). ``build`` turns each source into ``notebooks/NN_name.ipynb``
with the Colab badge and setup cell in front, executes it top to bottom in a fresh kernel and
saves it with its outputs. ``run`` executes the committed notebooks into ``build/run/``
(never touching the committed ones) and prints a summary table.

    python tools/notebooks.py build [NAME ...]
    python tools/notebooks.py run [NAME ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
sys.path.insert(0, str(ROOT))
from utils.meta import colab_url, pip_url  # noqa: E402

BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"
SETUP = f'''# Colab only: install this series' helpers (`utils`) from GitHub. Elsewhere: nothing to do.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{pip_url()}"], check=True)'''
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
METRICS = re.compile(r"^Final metrics: (.*)$", re.M)


def assemble(src: Path) -> nbformat.NotebookNode:
    """The unexecuted notebook for one source file: badge, setup cell, then the source."""
    nb = jupytext.read(src)
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"},
                   "rise": {"theme": "white", "scroll": False, "transition": "none",
                            "enable_chalkboard": False, "width": 1280, "height": 720}}
    name = src.with_suffix(".ipynb").name
    head = [nbformat.v4.new_markdown_cell(BADGE.format(url=colab_url(name))),
            nbformat.v4.new_code_cell(SETUP)]
    for cell in head:
        cell.metadata["slide_type"] = "skip"  # for the self-learner, not the audience
    nb.cells = head + nb.cells
    for i, cell in enumerate(nb.cells):
        cell.id = f"{src.stem[:2]}-{i:03d}"  # stable ids: rebuilding gives a small diff
        cell.metadata["slideshow"] = {"slide_type": cell.metadata.pop("slide_type", "-")}
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 1800) -> float:
    """Run every cell in a fresh kernel (cwd = ``cwd``); return the seconds it took."""
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return time.perf_counter() - start


def pick(folder: Path, pattern: str, names: list[str]) -> list[Path]:
    paths = sorted(folder.glob(pattern))
    return [p for p in paths if not names or any(p.stem.startswith(n) for n in names)]


def final_metrics(nb) -> str:
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    found = METRICS.findall(text)
    return found[-1] if found else "-"


def build(names: list[str]) -> None:
    for src in pick(SOURCES, "[0-9][0-9]_*.py", names):
        nb = assemble(src)
        seconds = execute(nb, NOTEBOOKS)
        nbformat.write(nb, NOTEBOOKS / f"{src.stem}.ipynb")
        print(f"built {src.stem}.ipynb in {seconds:.0f} s  {final_metrics(nb)}", flush=True)


def run(names: list[str]) -> int:
    paths = pick(NOTEBOOKS, "[0-9][0-9]_*.ipynb", names)
    if not paths:
        print("No notebooks in notebooks/ yet: nothing to run.")
        return 0
    out = ROOT / "build" / "run"
    out.mkdir(parents=True, exist_ok=True)
    rows, failed = [], False
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            seconds, metrics = execute(nb, NOTEBOOKS), final_metrics(nb)
        except Exception as err:  # keep going: the table shows which notebook broke
            seconds, metrics, failed = float("nan"), f"FAILED: {type(err).__name__}", True
        nbformat.write(nb, out / path.name)
        rows.append((path.stem, seconds, metrics))
        print(f"  {path.stem:<24} {seconds:7.1f} s  {metrics}", flush=True)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'notebook':<{width}}  {'seconds':>7}  final metrics")
    for name, seconds, metrics in rows:
        print(f"{name:<{width}}  {seconds:7.1f}  {metrics}")
    print(f"{'total':<{width}}  {sum(r[1] for r in rows):7.1f}   executed copies in {out}")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build", "run"])
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 03 or 03_nn")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.names)
        return 0
    return run(args.names)


if __name__ == "__main__":
    sys.exit(main())
