"""The series with another torch: `make test-torch TORCH=2.9.1 PYTHON=3.12`.

    python tools/torch_versions.py env  --torch 2.9.1 --python 3.12   # the venv (made or reused)
    python tools/torch_versions.py test --torch 2.9.1 --python 3.12   # then every notebook

``env`` makes a virtual environment under ``build/torch-<torch>-py<python>/`` with that torch,
``requirements.txt`` without its torch pin, and this repository (``-e .``). The stamp file
``.complete`` is written last, with what the environment was made from; an environment without
it (an install that stopped half-way) or made from other requirements is removed and made
again, never reused. A torch that pip cannot install here or a Python that is not installed
stops at once, naming what is missing and what is available.

``test`` then runs every notebook under nbval (tools/colab.py: both groups, as `make test`'s
test-notebooks and test-alone do) with that environment's Python, against the stored outputs
(made with the pinned torch): a cell that prints differently fails, named. It ends with one
summary line: cells passed and failed, seconds, disk used.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
STAMP = ".complete"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


class Missing(SystemExit):
    """What the user asked for is not here: the message says what is."""


def installed_pythons() -> dict[str, Path]:
    """Every Python this machine has, by version ("3.12.1"): pyenv's and those on PATH."""
    found: dict[str, Path] = {}
    candidates = sorted(PYENV.glob("*/bin/python3")) if PYENV.is_dir() else []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidates += sorted(Path(folder).glob("python3*")) if Path(folder).is_dir() else []
    for exe in candidates:
        if not re.fullmatch(r"python3(\.\d+)?", exe.name) or not os.access(exe, os.X_OK):
            continue
        try:
            out = subprocess.run(
                [str(exe), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out:
            found.setdefault(out, exe)
    return dict(sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))


def find_python(wanted: str) -> tuple[str, Path]:
    """("3.12.1", its executable) for "3.12", "3.12.1" or a path; Missing names the others."""
    if os.sep in wanted:
        exe = Path(wanted)
        try:
            version = subprocess.run(
                [str(exe), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            version = ""
        if version:
            return version, exe
    pythons = installed_pythons()
    for version, exe in reversed(pythons.items()):  # the newest patch release first
        if version == wanted or version.startswith(wanted + "."):
            return version, exe
    raise Missing(
        f"Python {wanted} is not installed here. Installed: "
        + (", ".join(f"{v} ({p})" for v, p in pythons.items()) or "none found")
        + ". Give one as PYTHON=3.12 (a version) or PYTHON=/path/to/python3."
    )


def pip(python: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        **kw,
    )


def torch_cap(python: Path) -> str:
    """The torch line of pip's constraint file, if its configuration names one."""
    config = pip(python, "config", "list").stdout
    files = re.findall(r"constraint='([^']+)'", config)
    files += [os.environ["PIP_CONSTRAINT"]] if os.environ.get("PIP_CONSTRAINT") else []
    for name in files:
        for line in Path(name).read_text().splitlines() if Path(name).exists() else []:
            if re.match(r"\s*torch\s*[<>=!~]", line):
                return f"{line.strip()} (pip's constraint file {name})"
    return ""


def check_torch(python: Path, version: str) -> None:
    """Stop at once unless pip can install torch==version for this Python (resolving only)."""
    probe = pip(
        python, "install", "--dry-run", "--no-deps", "--ignore-installed", "-q", f"torch=={version}"
    )
    if probe.returncode == 0:
        return
    listed = pip(python, "index", "versions", "torch").stdout
    match = re.search(r"Available versions: (.*)", listed)
    cap = torch_cap(python)
    raise Missing(
        f"torch {version} cannot be installed here for {python}. "
        f"The registry lists: {match.group(1) if match else 'nothing for this Python'}"
        + (f"; installable only within {cap}" if cap else "")
        + ". Give one as TORCH=2.9.1."
    )


def requirements_without_torch() -> str:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return "\n".join(ln for ln in lines if not re.match(r"\s*torch\s*==", ln)) + "\n"


def env_dir(torch: str, python_version: str) -> Path:
    return BUILD / f"torch-{torch}-py{'.'.join(python_version.split('.')[:2])}"


def made_from(torch: str, python_version: str) -> str:
    """What the stamp records: a different one means the environment is made again."""
    digest = hashlib.sha256(requirements_without_torch().encode())  # what pip installed besides
    # torch; this repository is installed editable, so its own files never call for a new one
    return f"torch=={torch} python=={python_version} inputs={digest.hexdigest()[:16]}\n"


def ensure_env(torch: str, wanted_python: str) -> Path:
    """The environment's folder: reused when its stamp matches, else made (again)."""
    version, exe = find_python(wanted_python)
    folder = env_dir(torch, version)
    stamp = folder / STAMP
    if stamp.exists() and stamp.read_text() == made_from(torch, version):
        print(f"reusing {folder.relative_to(ROOT)} (torch {torch}, Python {version})", flush=True)
        return folder
    check_torch(exe, torch)
    if folder.exists():
        why = "made from other requirements" if stamp.exists() else "incomplete (no stamp)"
        print(f"removing {folder.relative_to(ROOT)}: {why}", flush=True)
        shutil.rmtree(folder)
    print(f"making {folder.relative_to(ROOT)}: torch {torch}, Python {version} ({exe})", flush=True)
    try:
        subprocess.run([str(exe), "-m", "venv", str(folder)], check=True)
        reqs = folder / "requirements-without-torch.txt"
        reqs.write_text(requirements_without_torch())
        subprocess.run(
            [
                str(folder / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"torch=={torch}",
                "-r",
                str(reqs),
                "-e",
                str(ROOT),
            ],
            check=True,
            cwd=ROOT,
        )
        check = f"import torch, utils; assert torch.__version__.split('+')[0] == {torch!r}"
        subprocess.run([str(folder / "bin" / "python"), "-c", check], check=True)
    except (subprocess.CalledProcessError, KeyboardInterrupt) as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"making {folder.relative_to(ROOT)} failed ({err}); removed it") from None
    stamp.write_text(made_from(torch, version))  # last: only a complete environment has it
    return folder


def disk_use(folder: Path) -> str:
    out = subprocess.run(["du", "-sh", str(folder)], capture_output=True, text=True).stdout
    return out.split()[0] if out else "?"


def nbval_commands(python: Path, notebooks: Path, jobs: int) -> list[list[str]]:
    """tools/colab.py's nbval of every notebook in ``notebooks``, run by ``python``: those that
    run side by side (``jobs`` workers), then those that run alone, as `make test` runs them."""
    colab = [str(python), str(ROOT / "tools" / "colab.py"), "nbval", "--notebooks", str(notebooks)]
    return [
        colab + ["--group", "together", "--", "-n", str(jobs), "--dist", "loadscope", "-rf"],
        colab + ["--group", "alone", "--", "-rf"],
    ]


def test(torch: str, wanted_python: str, jobs: int) -> int:
    """Every notebook under nbval with that environment's Python; one summary line."""
    folder = ensure_env(torch, wanted_python)
    python = folder / "bin" / "python"
    # a copy of the notebooks: its own place beside it (tools/colab.py), so that a `make test`
    # running at the same time keeps build/colab/ to itself
    copies = BUILD / "test-torch" / folder.name / "notebooks"
    shutil.rmtree(copies, ignore_errors=True)
    copies.mkdir(parents=True)
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy(nb, copies)
    start, rc, tally = time.monotonic(), 0, {"passed": 0, "failed": 0}
    for cmd in nbval_commands(python, copies, jobs):
        print("$ " + " ".join(cmd), flush=True)
        run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        last = ""
        for line in run.stdout:
            print(line, end="", flush=True)
            last = line if re.search(r"\d+ (passed|failed)", line) else last
        rc |= run.wait()
        for key in tally:
            found = re.search(rf"(\d+) {key}", last)
            tally[key] += int(found.group(1)) if found else 0
    seconds = time.monotonic() - start
    print(
        f"test-torch: torch {torch} in {folder.relative_to(ROOT)}: {tally['passed']} cells "
        f"passed, {tally['failed']} failed; {seconds:.0f} s; venv {disk_use(folder)}",
        flush=True,
    )
    return rc


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("command", choices=["env", "test"])
    parser.add_argument("--torch", required=True, help="a torch version, e.g. 2.9.1")
    parser.add_argument(
        "--python",
        default="{}.{}".format(*sys.version_info[:2]),
        help="3.12, 3.12.1 or a path (default: this Python's version)",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d+(\.\d+){1,2}", args.torch):
        raise Missing(f"TORCH={args.torch!r} is not a version such as 2.9.1")
    if args.command == "env":
        print(ensure_env(args.torch, args.python))
        return 0
    return test(args.torch, args.python, args.jobs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
