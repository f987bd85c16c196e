"""Exercises with instant feedback: two or three per notebook, each checked on the spot.

In a notebook, after the learner's cell (tagged ``exercise``) that defines ``softmax``:

    from utils import exercises as ex
    softmax = ex.check("01.softmax", softmax)  # one line: not attempted yet / wrong: ... / passed

``check`` runs the learner's code on small fixed inputs against the reference solution, names
the mistake it recognises by its symptom, and never raises: an exception in the learner's code
becomes a hint that names it and the line. It returns the learner's answer if it passed, else
the reference, so "Run all" always goes on with working code; run the cell again and it judges
the learner's last own answer, never the reference. On request, never in "Run all":

    ex.hint("01.softmax")      # the next hint
    ex.solution("01.softmax")  # the reference solution, printed (its source, renamed)
    ex.progress("01")          # "Exercises in notebook 01: 1 of 2 passed" (the last cell does it)

Where things are:
    core.py         the machinery: registry, check/hint/solution/progress, safe judging, the
                    tools judges share (call, expect, number, ...)
    nb01.py ...     one module per notebook: its judges and reference solutions, side by side
    nb11.py

The reference solutions are the one source of what ``solution`` prints and of what
tools/exercise_runs.py puts into the exercise cells for its "solved" run. They are named
``_<answer>`` so that no notebook seems to retype a helper of utils. The wrong and right
answers every judge is tested on are in tests/exercise_catalogue.py.
"""

from . import core, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11  # noqa: F401
from .core import EXERCISES, check, hint, notebooks, progress, solution, solution_source

__all__ = ["EXERCISES", "check", "hint", "notebooks", "progress", "solution", "solution_source"]
