"""A Colab-like place to run the notebooks: the package installed (not editable), an empty
working folder, a fresh HOME, MNIST only from a local HTTP mirror, one thread per kernel.

In Colab the setup cell runs `pip install git+https://github.com/...`, and the notebook runs in
/content: no repository around it, no data/mnist beside `utils`. This module builds that
situation here, offline, so that the notebooks are built (`make notebooks`) and tested
(`make test`, under nbval) exactly as a learner in Colab runs them.

    python tools/colab.py nbval [--only 08 09] [--skip-long] [--imitate-cpu] [--notebooks DIR]
                                [--group all|together|alone] [-- PYTEST ARGS...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PLACE = ROOT / "build" / "colab"
MNIST = ROOT / "data" / "mnist"
# One thread per kernel: numbers do not depend on how many notebooks run side by side. A
# notebook that runs alone (utils.roadmap: alone=True) takes every core itself, with
# torch.set_num_threads (faster here than raising these two).
THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def alone(path: Path) -> bool:
    """Does this notebook run by itself, on every core (its training is timed)?"""
    sys.path.insert(0, str(ROOT))
    from utils.roadmap import STEPS

    return any(step.name == path.stem and step.alone for step in STEPS)


def install(site: Path) -> None:
    """`pip install .` without -e, into ``site``: what Colab's setup cell does, minus deps.
    It builds from a copy of what the package is made of, beside ``site``, so that runs side
    by side never build in the same folder."""
    shutil.rmtree(site, ignore_errors=True)
    source = site.parent / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "utils", source / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", source)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        cwd=site.parent,
    )


@contextlib.contextmanager
def mirror(folder: Path = MNIST):
    """Serve ``folder`` on 127.0.0.1 (a random port) while the block runs; yield its URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def colab_like(place: Path = PLACE):
    """Yield ``(env, workdir)``: the environment and empty folder a notebook runs with.

    Before yielding, MNIST is loaded once through the installed package from a local HTTP
    mirror into the fresh HOME's cache, as a learner's first notebook in Colab downloads it.
    """
    shutil.rmtree(place, ignore_errors=True)
    site, home, work = place / "site", place / "home", place / "work"
    for folder in (site, home, work):
        folder.mkdir(parents=True)
    install(site)
    with mirror() as url:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WANDB_", "MNIST_", "JUPYTER_", "PYTHON"))
        }
        env.update(
            THREADS,
            HOME=str(home),
            PYTHONPATH=f"{site}{os.pathsep}{ROOT / 'tests'}",
            PYTHONNOUSERSITE="1",
        )
        first = (
            "from utils.data import load_mnist, default_data_dir\n"
            "load_mnist(test=True, progress=False)\n"
            "assert 'torch-nn-really' in str(default_data_dir()), default_data_dir()\n"
        )
        subprocess.run(
            [sys.executable, "-c", first], env=dict(env, MNIST_MIRRORS=url), cwd=work, check=True
        )
    # The notebooks themselves get no mirror: like Colab after the first download, they must
    # find MNIST in the cache (and would fail, offline, if they tried the network).
    yield env, work


def colab_env(extra: dict | None = None) -> dict:
    """This process's environment for a notebook kernel run from the checkout (not installed):
    the repository and tests/ (the nbval plugin) importable, no W&B or MNIST settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "MNIST_"))}
    env.update(extra or {}, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests'}")
    return env


def nbval_command() -> list[str]:
    """The pytest command that checks notebooks, numbers included: `make test` runs it, and
    so do the guard test and the simulated-CPU test, so none can drift from the others."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        os.devnull,
        "-p",
        "no:cacheprovider",
        "-p",
        "nbval_numbers",
        "--nbval",
        "--nbval-current-env",
        "--nbval-cell-timeout",
        "600",
        "--nbval-sanitize-with",
        str(ROOT / "tests" / "nbval_sanitize.cfg"),
    ]


# What `make test-other-cpu` imitates: these variables pick the kernels of an older CPU.
IMITATED = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")


def cpu_guard(aten: str, onednn: str) -> nbformat.NotebookNode:
    """A first cell that fails unless the kernel computes with the imitated CPU's kernels:
    without it, a variable lost on the way (a filtered environment, a typo) would let the
    imitated run silently repeat the native one and pass."""
    source = f"""# Added by tools/colab.py --imitate-cpu, not part of the notebook: are the imitated
# CPU's kernels the ones this kernel uses?
import os

import torch

capability = torch.backends.cpu.get_cpu_capability()
assert capability == {aten.upper()!r}, (
    f"this kernel computes with {{capability}} kernels, not the imitated {aten.upper()}: "
    f"ATEN_CPU_CAPABILITY={{os.environ.get('ATEN_CPU_CAPABILITY')}} reached it"
)
# oneDNN reads this variable from the process environment at its first use; torch has no
# call that reports the ISA it chose, so the variable itself is checked.
assert os.environ.get("ONEDNN_MAX_CPU_ISA") == {onednn!r}, (
    f"ONEDNN_MAX_CPU_ISA={{os.environ.get('ONEDNN_MAX_CPU_ISA')}} in this kernel, not {onednn}"
)"""
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "cpu-guard"
    return cell


def imitated_cpu() -> tuple[str, str]:
    """The imitated CPU's settings, from this process's environment (the Makefile sets them)."""
    missing = [k for k in IMITATED if not os.environ.get(k)]
    if missing:
        raise SystemExit(
            f"--imitate-cpu needs {' and '.join(missing)} set (as `make test-other-cpu` does: "
            "ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41)"
        )
    return tuple(os.environ[k] for k in IMITATED)


NOTEBOOKS = ROOT / "notebooks"


def chosen(names: list[str] | None, group: str, folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks of ``folder`` whose names start with one of ``names`` (all if none), in
    ``group``. A name or a group that selects nothing is an error: an empty run would pass."""
    every = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    unmatched = [n for n in names or [] if not any(nb.name.startswith(n) for nb in every)]
    if unmatched:
        raise SystemExit(
            f"--only {' '.join(unmatched)}: no notebook's name starts with that "
            f"(notebooks: {' '.join(nb.stem for nb in every)})"
        )
    picked = [nb for nb in every if not names or nb.name.startswith(tuple(names))]
    picked = [nb for nb in picked if group == "all" or alone(nb) == (group == "alone")]
    if not picked:
        raise SystemExit(
            f"no notebook of group {group!r} among --only {' '.join(names or [])}: "
            "nothing would run (--group all runs both groups)"
        )
    return picked


def nbval(
    pytest_args: list[str],
    names: list[str] | None = None,
    skip_long=False,
    group="all",
    imitate_cpu=False,
    folder: Path = NOTEBOOKS,
) -> int:
    """Copy the notebooks of ``folder`` (all, or those whose names start with one of
    ``names``; without their cells tagged ``long`` if ``skip_long``; with ``cpu_guard`` in
    front if ``imitate_cpu``) into the empty folder and run them there under nbval: first those
    that run side by side (with ``pytest_args``, e.g. -n 2), then, one at a time, those that
    run alone (each takes every core: nothing else may run beside it).
    ``group``: "together" or "alone" runs only that group. Notebooks from another ``folder``
    (tests/test_nbval_guard.py's edited copies) get their own place beside it, so that a
    `make test` running at the same time keeps its own."""
    notebooks = chosen(names, group, folder)  # before the install: a wrong name fails at once
    guard = cpu_guard(*imitated_cpu()) if imitate_cpu else None
    place = PLACE / group if folder == NOTEBOOKS else folder.with_name(f"{folder.name}-colab")
    with colab_like(place) as (env, work):
        together, by_itself = [], []
        for nb in notebooks:
            copy = nbformat.read(nb, as_version=4)
            if skip_long:
                copy.cells = [c for c in copy.cells if "long" not in c.metadata.get("tags", [])]
            if guard:
                copy.cells.insert(0, guard)
            nbformat.write(copy, work / nb.name)
            (by_itself if alone(nb) else together).append(nb.name)
        cmd = nbval_command() + ["--rootdir", str(work)]
        rc = 0
        if together:
            rc |= subprocess.call(cmd + pytest_args + together, env=env, cwd=work)
        if by_itself:
            rc |= subprocess.call(cmd + by_itself, env=env, cwd=work)
        return rc


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="The notebooks under nbval, Colab-like.", allow_abbrev=False
    )
    parser.add_argument("command", choices=["nbval"])
    parser.add_argument("--only", nargs="+", help="notebook name prefixes, e.g. 08 09")
    parser.add_argument("--skip-long", action="store_true", help="drop cells tagged long")
    parser.add_argument(
        "--imitate-cpu",
        action="store_true",
        help="a first cell asserts that the kernel uses the CPU kernels that "
        "ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA (set in this environment) ask for",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=NOTEBOOKS,
        help="the folder to take the notebooks from (default: notebooks/)",
    )
    parser.add_argument(
        "--group",
        choices=["all", "together", "alone"],
        default="all",
        help="only the notebooks that run side by side, or only those alone",
    )
    args, pytest_args = parser.parse_known_args(argv)
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    return nbval(
        pytest_args,
        args.only,
        args.skip_long,
        args.group,
        args.imitate_cpu,
        args.notebooks.resolve(),
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
