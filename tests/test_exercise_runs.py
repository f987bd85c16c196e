"""The exercises' two whole-notebook runs (tools/exercise_runs.py), each as `make test` runs the
notebooks: "solved" (reference solutions in every exercise cell: the stored outputs, every check
passed) and "wrong" (every exercise raises: the notebooks still run to the end, every check
reports the error). Each executes notebooks 01-11 in its own folder (build/exercise-runs/KIND),
so the two can run side by side (pytest -n 2); each takes minutes, so they run only when asked:
EXERCISE_RUNS=1 (all notebooks) or EXERCISE_RUNS=01,05 (some)."""

import os

import pytest

from tools.exercise_runs import KINDS, run

ASKED = os.environ.get("EXERCISE_RUNS", "")
NAMES = [] if ASKED in ("1", "all") else [n for n in ASKED.split(",") if n]

pytestmark = [
    pytest.mark.skipif(not ASKED, reason="slow: set EXERCISE_RUNS=1 (or =01,05) to run"),
    pytest.mark.timeout(1800),
]


@pytest.mark.parametrize("kind", KINDS)
def test_exercise_run(kind):
    """Against the committed notebooks; with EXERCISE_RUNS_FRESH=1, against the sources."""
    fresh = bool(os.environ.get("EXERCISE_RUNS_FRESH"))
    assert run(kind, NAMES, fresh, pytest_args=["-n", "2", "--dist", "loadscope"]) == 0
