"""`make check`: which notebooks a change touched, and nbval of those only.

    python tools/check.py changed [NB ...]        print the notebook numbers to check
    python tools/check.py nbval [NB ...] [--dry-run]

With NB given (e.g. 03), those notebooks; otherwise the notebooks whose source
(notebooks/src/NN_*.py), stored notebook (notebooks/NN_*.ipynb) or exercise checks
(utils/exercises/nbNN.py) differ from the base branch (BASE, default main): the commits since
the branch left it, the uncommitted changes and the new files not yet added. A number with no
notebook stops at once, naming the notebooks there are.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PATTERNS = [
    re.compile(r"^notebooks/src/(\d\d)_[^/]*\.py$"),
    re.compile(r"^notebooks/(\d\d)_[^/]*\.ipynb$"),
    re.compile(r"^utils/exercises/nb(\d\d)\.py$"),
]


def available(folder: Path = NOTEBOOKS) -> list[str]:
    """The numbers of the notebooks there are, e.g. ['00', '01', ...]."""
    return sorted({p.name[:2] for p in folder.glob("[0-9][0-9]_*.ipynb")})


def notebooks_of(files: list[str]) -> list[str]:
    """The notebook numbers that changed files belong to, sorted, each once."""
    found = set()
    for name in files:
        name = name.strip().replace("\\", "/")
        for pattern in PATTERNS:
            match = pattern.match(name)
            if match:
                found.add(match.group(1))
    return sorted(found)


def validate(numbers: list[str], there: list[str]) -> list[str]:
    """NB=3 or NB=03 or NB=03_xxx -> '03'; an unknown one raises SystemExit with the list."""
    out = []
    for raw in numbers:
        number = raw[:2] if raw[:2].isdigit() and len(raw) > 1 else raw.zfill(2)
        if not number.isdigit() or number not in there:
            raise SystemExit(
                f"make check NB={raw}: no such notebook; the notebooks are {' '.join(there)}"
            )
        out.append(number)
    return sorted(set(out))


def git(*args: str) -> list[str] | None:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.splitlines() if done.returncode == 0 else None


def changed_files(base: str) -> tuple[list[str], str]:
    """Files changed since ``base`` (committed on this branch, uncommitted, untracked), and
    which base was used (origin/<base> when a fresh clone has no local branch of that name)."""
    files: list[str] = []
    used = ""
    for candidate in (base, f"origin/{base}"):
        committed = git("diff", "--name-only", f"{candidate}...HEAD")
        if committed is not None:
            files += committed
            used = candidate
            break
    files += git("diff", "--name-only", "HEAD") or []
    files += git("ls-files", "--others", "--exclude-standard") or []
    return files, used


def select(numbers: list[str], base: str) -> tuple[list[str], str]:
    there = available()
    if numbers:
        return validate(numbers, there), f"NB={' '.join(numbers)}"
    files, used = changed_files(base)
    since = f"since {used}" if used else f"uncommitted (no branch {base} here)"
    return notebooks_of(files), f"changed {since}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["changed", "nbval"])
    parser.add_argument("numbers", nargs="*", help="notebook numbers, e.g. 03 (default: changed)")
    parser.add_argument("--base", default=os.environ.get("BASE", "main"))
    parser.add_argument("--dry-run", action="store_true", help="print the nbval command only")
    args = parser.parse_args(argv)
    # make passes NB="08 09" as one word
    numbers = [n for word in args.numbers for n in word.split()]
    chosen, why = select(numbers, args.base)
    if args.command == "changed":
        print(" ".join(chosen))
        return 0
    if not chosen:
        print(f"make check: no notebook source {why.split(' ', 1)[1]}: nbval skipped")
        return 0
    command = [sys.executable, "tools/colab.py", "nbval", "--only", *chosen]
    if len(chosen) > 1:
        jobs = str(os.cpu_count() or 2)
        command += ["--", "-n", jobs, "--dist", "loadscope"]
    print(f"make check: nbval of {' '.join(chosen)} ({why})", flush=True)
    if args.dry_run:
        print(" ".join(command))
        return 0
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
