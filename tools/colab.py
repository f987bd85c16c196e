"""A Colab-like place to run the notebooks: the package installed (not editable), an empty
working folder, a fresh HOME, MNIST only from a local HTTP mirror, one thread per kernel.

In Colab the setup cell runs `pip install git+https://github.com/...`, and the notebook runs in
/content: no repository around it, no data/mnist beside `utils`. This module builds that
situation here, offline, so that the notebooks are built (`make notebooks`) and tested
(`make test`, under nbval) exactly as a learner in Colab runs them.

    python tools/colab.py nbval [--only 08 09] [--skip-long] [-- PYTEST ARGS...]
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


def nbval(
    pytest_args: list[str], names: list[str] | None = None, skip_long=False, group="all"
) -> int:
    """Copy the notebooks (all, or those whose names start with one of ``names``; without
    their cells tagged ``long`` if ``skip_long``) into the empty folder and run them there under
    nbval: first those that run side by side (with ``pytest_args``, e.g. -n 2), then, one at a
    time, those that run alone (each takes every core: nothing else may run beside it).
    ``group``: "together" or "alone" runs only that group."""
    with colab_like(PLACE / group) as (env, work):
        together, by_itself = [], []
        for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            if names and not nb.name.startswith(tuple(names)):
                continue
            if group != "all" and alone(nb) != (group == "alone"):
                continue
            copy = nbformat.read(nb, as_version=4)
            if skip_long:
                copy.cells = [c for c in copy.cells if "long" not in c.metadata.get("tags", [])]
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
        "--group",
        choices=["all", "together", "alone"],
        default="all",
        help="only the notebooks that run side by side, or only those alone",
    )
    args, pytest_args = parser.parse_known_args(argv)
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    return nbval(pytest_args, args.only, args.skip_long, args.group)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
