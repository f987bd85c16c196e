"""How far do the stored numbers move on another CPU? Measured on this one, by imitating others.

The CPU picks the kernels (AVX-512, AVX2, SSE4.1, plain C++) and the kernels pick the last bits
of every sum. Two variables let one machine compute as another would:
``ATEN_CPU_CAPABILITY`` (PyTorch's own vectorised kernels) and ``ONEDNN_MAX_CPU_ISA`` (oneDNN's
convolutions and matrix products). This tool executes the training notebooks (Colab-like, as
`make test` does; notebook 11 without its cells tagged ``long``) under each setting and prints,
for every output line with numbers, the stored value and the values computed under each
setting. The tolerances of tests/nbval_numbers.py are chosen from this table (and the seed
spread of `make seeds`); build/cpu_spread.json keeps it.

    python tools/cpu_spread.py [NAME ...]      # default: 08 09 10 11 12
    SKIP_THIS_CPU=1 python tools/cpu_spread.py  # the stored outputs come from this CPU
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.colab import THREADS, alone, colab_like  # noqa: E402
from tools.notebooks import error_summary, execute  # noqa: E402

SETTINGS = {  # name: the variables that imitate that CPU's arithmetic
    "this CPU": {},
    "ATen default": {"ATEN_CPU_CAPABILITY": "default"},
    "oneDNN SSE4.1": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
    "both": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}
FLOAT = re.compile(r"[-+]?\d+\.\d+(?:e[+-]?\d+)?")
NAMES = ["08", "09", "10", "11", "12"]


def without_long_cells(nb):
    """Notebook 11's final training and what follows it are tagged ``long``: skipped here."""
    nb.cells = [c for c in nb.cells if "long" not in c.metadata.get("tags", [])]
    return nb


def numbered_lines(nb) -> dict[str, list[float]]:
    """{"cell N: line with numbers masked": [numbers]} over every compared text output."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            for line in "".join(text).splitlines():
                numbers = [float(x) for x in FLOAT.findall(line)]
                if numbers:
                    found[f"cell {i}: {FLOAT.sub('#', line.strip())[:80]}"] = numbers
    return found


def run_one(job) -> tuple[str, str, dict]:
    """Execute one notebook under one setting: (name, setting, its numbered lines), or, if it
    raised, (name, setting, {"FAILED": the error's last lines})."""
    path, setting, env, work = job
    os.environ.clear()
    os.environ.update(env)
    nb = without_long_cells(nbformat.read(path, as_version=4))
    try:
        execute(nb, Path(work))
    except Exception as err:  # a notebook whose own asserts fail under this setting
        return Path(path).stem, setting, {"FAILED": error_summary(err)}
    return Path(path).stem, setting, numbered_lines(nb)


PLACE = ROOT / "build" / "cpu-spread"  # its own Colab-like place


def main(names: list[str], folder: Path = ROOT / "notebooks") -> int:
    """Exit status 1 when a notebook failed under a setting (each named with its error), or
    at once when a name matches none of ``folder``'s notebooks."""
    from tools.notebooks import select

    settings = dict(SETTINGS)
    if os.environ.get("SKIP_THIS_CPU"):  # the stored outputs were just made here: skip it
        del settings["this CPU"]
    paths = select(names or NAMES, folder)
    result: dict = {}
    with colab_like(PLACE) as (env, work):
        env.update(THREADS)
        for p in paths:
            shutil.copy(p, work / p.name)
        jobs = [
            (str(work / p.name), s, dict(env, **settings[s]), str(work))
            for p in paths
            for s in settings
        ]
        # A notebook that takes every core (utils.roadmap: alone) runs by itself: two of them
        # side by side, each with every core, would crawl (OpenMP threads spin for a core).
        shared = [j for j in jobs if not alone(Path(j[0]))]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            done = list(pool.map(run_one, shared))
        with ProcessPoolExecutor(max_workers=1) as pool:
            done += list(pool.map(run_one, [j for j in jobs if alone(Path(j[0]))]))
        for name, setting, lines in done:
            result.setdefault(name, {})[setting] = lines
    worst = 0.0
    for p in paths:
        stored = numbered_lines(without_long_cells(nbformat.read(p, as_version=4)))
        print(f"\n{p.stem}: stored | " + " | ".join(settings) + " | max |Δ|")
        for line, ref in stored.items():
            got = [result[p.stem][s].get(line) for s in settings]
            deltas = [abs(a - b) for g in got if g for a, b in zip(g, ref)]
            delta = max(deltas) if deltas else float("nan")
            worst = max(worst, delta) if deltas else worst
            shown = " | ".join(" ".join(f"{v:g}" for v in g) if g else "-" for g in got)
            print(f"  {line}\n    {' '.join(f'{v:g}' for v in ref)} | {shown} | {delta:.4g}")
        result[p.stem]["stored"] = stored
    out = ROOT / "build" / "cpu_spread.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"\nlargest difference from a stored number: {worst:.4g}; all values in {out}")
    failures = [
        (name, setting, lines["FAILED"])
        for name, by_setting in result.items()
        for setting, lines in by_setting.items()
        if "FAILED" in lines
    ]
    for name, setting, error in failures:
        print(f"FAILED: {name} under {setting!r} ({setting_vars(settings[setting])}): {error}")
    return 1 if failures else 0


def setting_vars(variables: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in variables.items()) or "no variables"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
