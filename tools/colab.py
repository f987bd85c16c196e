"""A Colab-like place to run the notebooks: the package installed (not editable), an empty
working folder, a fresh HOME, MNIST only from a local HTTP mirror, one thread per kernel.

In Colab the setup cell runs `pip install git+https://github.com/...`, and the notebook runs in
/content: no repository around it, no data/mnist beside `utils`. This module builds that
situation here, offline, so that the notebooks are built (`make notebooks`) and tested
(`make test`, under nbval) exactly as a learner in Colab runs them.

    python tools/colab.py nbval [PYTEST ARGS...]   # the notebooks under nbval, Colab-like
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

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
    """`pip install .` without -e, into ``site``: what Colab's setup cell does, minus deps."""
    shutil.rmtree(site, ignore_errors=True)
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
            str(ROOT),
        ],
        check=True,
        cwd=PLACE,
    )
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)  # setuptools' leftovers
    shutil.rmtree(ROOT / "build" / "bdist.linux-x86_64", ignore_errors=True)


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


def nbval(pytest_args: list[str]) -> int:
    """Copy the notebooks into the empty folder and run them there under nbval: first those
    that run side by side (with ``pytest_args``, e.g. -n 2), then, one at a time, those that
    run alone."""
    with colab_like() as (env, work):
        together, by_itself = [], []
        for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            shutil.copy(nb, work / nb.name)
            (by_itself if alone(nb) else together).append(nb.name)
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "--rootdir",
            str(work),
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
        rc = subprocess.call(cmd + pytest_args + together, env=env, cwd=work)
        if by_itself:
            rc |= subprocess.call(cmd + by_itself, env=env, cwd=work)
        return rc


if __name__ == "__main__":
    if sys.argv[1:2] != ["nbval"]:
        sys.exit(__doc__)
    sys.exit(nbval(sys.argv[2:]))
