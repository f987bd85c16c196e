"""The seconds of each stage of the last `make test` (`make timings`, printed by `make bench`).

    python tools/timings.py rotate              keep the last run in build/timings/previous/
    python tools/timings.py run STAGE -- CMD    run CMD; write build/timings/STAGE.json
    python tools/timings.py report [--dir D]    the table: stage, seconds, tests, share, ratio

Each stage of `make test` runs under `run`, which records its wall time and exit status; the
pytest stages also write a JUnit report (build/timings/STAGE.xml) whose test count and pytest
seconds the table shows. `make test` first moves the previous run's files to
build/timings/previous/, so the table gives each stage's ratio to the run before (1.50 = 50 %
slower). Compare ratios measured on one machine only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "build" / "timings"


def rotate(folder: Path = DIR) -> None:
    """Move the last run's files into ``folder``/previous (replacing the run before)."""
    current = sorted(p for p in folder.glob("*") if p.suffix in (".json", ".xml"))
    if not current:
        return
    previous = folder / "previous"
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir(parents=True)
    for path in current:
        path.rename(previous / path.name)


def run(stage: str, command: list[str], folder: Path = DIR) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.time()
    rc = subprocess.run(command).returncode
    end = time.time()
    record = {"stage": stage, "start": start, "end": end, "seconds": end - start, "rc": rc}
    (folder / f"{stage}.json").write_text(json.dumps(record, indent=2) + "\n")
    return rc


def junit(path: Path) -> dict:
    """Tests, failures and pytest's seconds of one JUnit report ({} when absent or unreadable)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {"tests": 0, "failed": 0, "skipped": 0, "pytest_s": 0.0}
    for suite in suites:
        total["tests"] += int(suite.get("tests", 0))
        total["failed"] += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        total["skipped"] += int(suite.get("skipped", 0))
        total["pytest_s"] += float(suite.get("time", 0.0))
    return total


def stages(folder: Path) -> dict[str, dict]:
    """Each recorded stage, in the order it started: its record plus its JUnit numbers."""
    rows = {}
    for path in folder.glob("*.json"):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        record.update(junit(path.with_suffix(".xml")))
        rows[record.get("stage", path.stem)] = record
    return dict(sorted(rows.items(), key=lambda kv: kv[1].get("start", 0)))


def table(folder: Path = DIR) -> str:
    rows = stages(folder)
    if not rows:
        return f"no timings in {folder}: run `make test` first (each stage records its seconds)"
    before = stages(folder / "previous")
    wall = max(r["end"] for r in rows.values()) - min(r["start"] for r in rows.values())
    busy = sum(r["seconds"] for r in rows.values())
    lines = [f"{'stage':<16} {'seconds':>8} {'tests':>6} {'share':>6} {'vs previous':>12}  status"]
    for name, r in rows.items():
        tests = str(r["tests"]) if "tests" in r else "-"
        share = r["seconds"] / busy if busy else 0.0
        old = before.get(name)
        ratio = f"{r['seconds'] / old['seconds']:.2f}x" if old and old["seconds"] else "-"
        status = "ok" if r.get("rc") == 0 else f"exit {r.get('rc')}"
        if r.get("failed"):
            status += f", {r['failed']} failed"
        lines.append(
            f"{name:<16} {r['seconds']:8.1f} {tests:>6} {share:6.1%} {ratio:>12}  {status}"
        )
    total_tests = sum(r.get("tests", 0) for r in rows.values())
    old_wall = ""
    if before:
        b_wall = max(r["end"] for r in before.values()) - min(r["start"] for r in before.values())
        old_wall = f"{wall / b_wall:.2f}x" if b_wall else "-"
    lines.append(f"{'stage seconds':<16} {busy:8.1f} {total_tests:>6} {'100%':>6}")
    lines.append(
        f"{'wall (first start to last end; stages side by side overlap)':<16} {wall:.1f} s"
        + (f", {old_wall} the previous run" if old_wall else "")
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rotate")
    r = sub.add_parser("run")
    r.add_argument("stage")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    rep = sub.add_parser("report")
    rep.add_argument("--dir", type=Path, default=DIR)
    args = parser.parse_args(argv)
    if args.command == "rotate":
        rotate()
        return 0
    if args.command == "run":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        if not cmd:
            parser.error("run STAGE -- COMMAND: no command")
        return run(args.stage, cmd)
    print(table(args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
