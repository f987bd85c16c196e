"""nbval plugin: numbers in stored outputs are claims, so they are compared, with a tolerance.

nbval compares outputs as text after the regex replacements of tests/nbval_sanitize.cfg. That
file masks every float as FLOAT (so text, integers and shapes are compared exactly and the
count of numbers must match); this plugin then compares the masked floats themselves, pairwise,
in order. A stored float ``ref`` and a fresh one ``got`` agree when

    |got - ref| <= max(ABS_TOL, REL_TOL * |ref|)

Losses and accuracies are below 3, so any change of 0.01 or more fails. Cells whose output
varies for a reason (wall-clock time, profiler tables) carry the `nbval-ignore-output` tag
with a comment in the cell saying why.

Use: pytest --nbval -p nbval_numbers (with tests/ on sys.path).
"""

from __future__ import annotations

import re

from nbval.plugin import IPyNbCell

ABS_TOL = 5e-3
REL_TOL = 1e-3
FLOAT = re.compile(r"-?\d+\.\d+(?:e[+-]?\d+)?")
TEXT_KEYS = ("text/plain", "stdout", "stderr")


def texts(cell: IPyNbCell, outputs) -> dict[str, list[str]]:
    """The comparable text of each output by key (as nbval groups them), sanitized except for
    the float mask, so that run ids and addresses do not count as numbers."""
    patterns = {k: v for k, v in cell.parent.sanitize_patterns.items() if v != "FLOAT"}
    found: dict[str, list[str]] = {}
    for out in outputs:
        if out.get("output_type") == "stream":
            items = [(out["name"], out["text"])]
        else:
            items = [(k, v) for k, v in out.get("data", {}).items() if k in TEXT_KEYS]
        for key, value in items:
            text = "".join(value) if isinstance(value, list) else value
            for regex, replace in patterns.items():
                text = re.sub(regex, replace, text)
            found.setdefault(key, []).append(text)
    return found


def differing_numbers(cell: IPyNbCell, test, ref) -> list[str]:
    """Each pair of floats that disagree beyond the tolerance, described for the report."""
    problems = []
    got_texts, ref_texts = texts(cell, test), texts(cell, ref)
    for key, refs in ref_texts.items():
        for ref_text, got_text in zip(refs, got_texts.get(key, [])):
            for r, g in zip(FLOAT.findall(ref_text), FLOAT.findall(got_text)):
                a, b = float(r), float(g)
                if abs(b - a) > max(ABS_TOL, REL_TOL * abs(a)):
                    line = next((ln for ln in ref_text.splitlines() if r in ln), "")
                    problems.append(f"{key}: stored {r}, computed {g} (in: {line.strip()[:90]})")
    return problems


_compare_text = IPyNbCell.compare_outputs


def compare_outputs(self, test, ref, skip_compare=None):
    if not _compare_text(self, test, ref, skip_compare):
        return False
    problems = differing_numbers(self, test, ref)
    if problems:
        self.comparison_traceback = [
            f"numbers differ beyond the tolerance (abs {ABS_TOL}, rel {REL_TOL}):",
            *problems,
        ]
        return False
    return True


IPyNbCell.compare_outputs = compare_outputs
