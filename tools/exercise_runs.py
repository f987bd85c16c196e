"""The exercises' two whole-notebook runs, under nbval, Colab-like, as `make test` runs them.

solved  Every cell tagged ``exercise`` holds its reference solution (utils.exercises). Each
        notebook must give its stored outputs (the check and progress lines aside) and every
        check must say "passed".
wrong   Every function and method in those cells raises. Each notebook must still run to the
        end with its stored outputs, and every check must say "wrong", naming the error.

    python tools/exercise_runs.py solved|wrong [NN ...] [--fresh] [-- PYTEST ARGS...]

The stored outputs are the committed notebooks'. With ``--fresh`` the sources are executed
first (stubs and all, in the same Colab-like place) and their outputs are the reference
instead: for sources edited since the last `make notebooks`. Each check writes one JSON line
to the file named by EXERCISES_LOG; that is how a run knows what every check said.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import colab  # noqa: E402
from tools.colab import alone, colab_like, nbval_command  # noqa: E402
from tools.notebooks import NOTEBOOKS, SOURCES, assemble, execute, pick  # noqa: E402
from utils.exercises import EXERCISES, solution_source  # noqa: E402

KINDS = ("solved", "wrong")
PLACE = ROOT / "build" / "exercise-runs"
CHECK = re.compile(r"""ex\.check\(\s*["'](\d\d\.\w+)["']""")
BROKEN = "deliberately broken"
# Before the usual patterns: the check and progress lines are what these runs change.
SANITIZE = r"""# The exercise runs (tools/exercise_runs.py): check and progress lines may differ.
[exercise-lines]
regex: (?m)^Exercises? (\d\d\.\w+|in notebook \d\d):.*$
replace: EXERCISE-LINE

"""


def exercises_in(nb) -> list[tuple[int, str]]:
    """(index of the exercise cell, exercise name) for each cell tagged ``exercise``: the name
    is the one the next code cell checks."""
    found = []
    for i, cell in enumerate(nb.cells):
        if "exercise" in cell.metadata.get("tags", []):
            after = [c for c in nb.cells[i + 1 :] if c.cell_type == "code"][:1]
            m = CHECK.search(after[0].source) if after else None
            found.append((i, m.group(1) if m else ""))
    return found


def solved(source: str, name: str) -> str:
    """The exercise cell with the reference solution: its import lines, then the solution."""
    imports = [ln for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    return "\n".join([*imports, *([""] if imports else []), solution_source(name)]).rstrip()


class _Break(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        message = ast.Constant(f"{BROKEN}: {node.name}")
        node.body = [ast.Raise(ast.Call(ast.Name("RuntimeError"), [message], []))]
        return node


def broken(source: str) -> str:
    """The exercise cell with the body of every function and method replaced by a raise."""
    return ast.unparse(ast.fix_missing_locations(_Break().visit(ast.parse(source))))


def variant(nb, kind: str):
    """A copy of ``nb`` whose exercise cells are solved or broken, without the cells tagged
    ``long`` (notebook 11's final training: no exercise depends on it); and their names."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells if "long" not in c.metadata.get("tags", [])]
    names = []
    for i, name in exercises_in(nb):
        cell = nb.cells[i]
        cell.source = solved(cell.source, name) if kind == "solved" else broken(cell.source)
        names.append(name)
    return nb, names


def _execute_source(job: tuple[str, str, dict, str]) -> str:
    """Execute one source (as built, stubs and all) into ``out``: the --fresh reference."""
    src, cwd, env, out = job
    os.environ.clear()
    os.environ.update(env)
    nb = assemble(Path(src))
    execute(nb, Path(cwd))
    for cell in nb.cells:
        cell.pop("seconds", None)
    nbformat.write(nb, out)
    return out


@contextlib.contextmanager
def installed(place: Path):
    """colab_like(place), its install done under a lock: pip builds in the checkout (build/lib),
    so the two runs, side by side, must not install at the same moment."""
    colab.PLACE.mkdir(parents=True, exist_ok=True)  # colab.install runs pip there, whatever place
    PLACE.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        lock = stack.enter_context(open(PLACE / ".install.lock", "w"))
        fcntl.flock(lock, fcntl.LOCK_EX)
        env, work = stack.enter_context(colab_like(place))
        fcntl.flock(lock, fcntl.LOCK_UN)
        yield env, work


def judge_log(kind: str, expected: list[str], log: Path) -> list[str]:
    """What is wrong with the checks' lines: one problem per string."""
    lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    said = {}
    for rec in lines:
        said.setdefault(rec["name"], []).append(rec)
    problems = []
    for name in expected:
        recs = said.get(name, [])
        if len(recs) != 1:
            problems.append(f"{name}: checked {len(recs)} times, expected once")
            continue
        status, line = recs[0]["status"], recs[0]["line"]
        if kind == "solved" and status != "passed":
            problems.append(f"{name}: the reference solution got {line!r}")
        reported = status == "wrong" and "RuntimeError" in line and BROKEN in line
        if kind == "wrong" and not reported:
            problems.append(f"{name}: a raising answer got {line!r}, not the error as a hint")
    return problems


def run(kind: str, names: list[str] | None = None, fresh=False, pytest_args=()) -> int:
    """Run the notebooks (those whose names start with one of ``names``, else all that have
    exercises) in their ``kind`` variant under nbval; print what failed; 0 if nothing did."""
    place = PLACE / kind
    wanted = sorted({ex.notebook for ex in EXERCISES.values()})
    if names:
        wanted = [w for w in wanted if any(w.startswith(n) or n.startswith(w) for n in names)]
    sources = [s for s in pick(SOURCES, "[0-9][0-9]_*.py", []) if s.stem[:2] in wanted]
    start, problems = time.perf_counter(), []
    with installed(place) as (env, work):
        stored = place / "stored"
        stored.mkdir()
        if fresh:
            jobs = [(str(s), str(work), env, str(stored / f"{s.stem}.ipynb")) for s in sources]
            with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                list(pool.map(_execute_source, jobs))
        together, by_itself, expected = [], [], []
        for src in sources:
            path = (stored if fresh else NOTEBOOKS) / f"{src.stem}.ipynb"
            nb, found = variant(nbformat.read(path, as_version=4), kind)
            should = sorted(n for n, ex in EXERCISES.items() if ex.notebook == src.stem[:2])
            if sorted(found) != should:
                problems.append(
                    f"{path.name} has exercises {sorted(found)}, utils.exercises "
                    f"{should}: rebuild it (make notebooks) or use --fresh"
                )
            nbformat.write(nb, work / path.name)
            (by_itself if alone(src) else together).append(path.name)
            expected += found
        cfg = place / "sanitize.cfg"
        cfg.write_text(SANITIZE + (ROOT / "tests" / "nbval_sanitize.cfg").read_text())
        cmd = nbval_command()
        cmd[cmd.index("--nbval-sanitize-with") + 1] = str(cfg)
        cmd += ["--rootdir", str(work)]
        log = place / "checks.jsonl"
        env = dict(env, EXERCISES_LOG=str(log))
        rc = 0
        if together:
            rc |= subprocess.call(cmd + list(pytest_args) + together, env=env, cwd=work)
        if by_itself:
            rc |= subprocess.call(cmd + by_itself, env=env, cwd=work)
        if rc:
            problems.append(f"nbval failed (exit {rc}): see its report above")
        problems += judge_log(kind, expected, log)
    seconds = time.perf_counter() - start
    for p in problems:
        print(f"{kind} run: {p}")
    print(
        f"{kind} run of {', '.join(wanted)}: {len(expected)} exercises, "
        f"{'FAILED' if problems else 'ok'} in {seconds:.0f} s"
    )
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], allow_abbrev=False)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 01 05")
    parser.add_argument("--fresh", action="store_true", help="compare with the sources, run now")
    args, pytest_args = parser.parse_known_args(argv)
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    return run(args.kind, args.names, args.fresh, pytest_args)


if __name__ == "__main__":
    sys.exit(main())
