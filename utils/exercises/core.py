"""The checking machinery: the registry, what the learner calls (check, hint, solution,
progress), judging safely (time limit, state restored, errors as hints), and the tools the
judges of nb01 ... nb11 share. Nothing here knows any one exercise."""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import numbers
import os
import random
import re
import signal
import sys
import sysconfig
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

import torch
from torch import nn

SECONDS = 15  # a check stops the learner's code after this long (an endless loop, say)
LOG = "EXERCISES_LOG"  # tests: a file that gets one JSON line per check


class Wrong(Exception):
    """A check found a mistake; the message is the hint shown to the learner."""


class _TimeUp(BaseException):  # not an Exception: a learner's `except Exception` cannot eat it
    pass


@dataclass
class Exercise:
    name: str  # "01.softmax": the notebook, then the answer's name
    reference: object  # the reference function or class
    judge: object  # judge(answer) returns if right, raises Wrong(hint) if not
    hints: tuple[str, ...]  # given one by one by hint()
    errors: dict[str, str] = field(default_factory=dict)  # error message regex -> hint
    # Library functions that do the whole exercise, as (owner, attribute): an answer that calls
    # one of them passes, with a note saying what the exercise wanted built (``build``).
    shortcuts: tuple[tuple[object, str], ...] = ()
    build: str = ""

    @property
    def answer(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def notebook(self) -> str:
        return self.name[:2]


EXERCISES: dict[str, Exercise] = {}
_status: dict[str, str] = {}  # name -> "passed" / "wrong" / "not attempted": the learner's own
_hints_given: dict[str, int] = {}
# name -> the learner's last own answer. `softmax = ex.check("01.softmax", softmax)` binds the
# reference when the answer is wrong; run that cell again and check receives the reference:
# it judges this remembered answer instead, so a verdict is always about the learner's code.
_learner: dict[str, object] = {}


def exercise(name, judge, hints, errors=None, shortcuts=(), build=""):
    """Register the reference solution below this decorator (returned unchanged)."""

    def register(reference):
        EXERCISES[name] = Exercise(
            name, reference, judge, tuple(hints), errors or {}, tuple(shortcuts), build
        )
        return reference

    return register


# ------------------------------------------------------------------ what the learner calls
def check(name: str, answer=None):
    """Check the learner's ``answer`` for exercise ``name``; print one line; never raise.
    Returns ``answer`` if it passed, else the reference solution (so "Run all" goes on). Handed
    the reference back (the check cell run again), it judges the learner's last own answer."""
    ex = EXERCISES.get(name)
    if ex is None:
        print(f"Exercise {name}: no such exercise (known: {', '.join(EXERCISES)})")
        return answer
    if answer is ex.reference:  # what this check returned last time, not the learner's code
        answer = _learner.get(name)
    else:
        _learner[name] = answer
    status, text = judge(ex, answer)
    _status[name] = status
    print(f"Exercise {name}: {text}")
    if os.environ.get(LOG):
        with contextlib.suppress(OSError), open(os.environ[LOG], "a") as log:
            log.write(json.dumps({"name": name, "status": status, "line": text}) + "\n")
    return answer if status == "passed" else ex.reference


def hint(name: str) -> None:
    """Print the next hint of exercise ``name``."""
    ex = EXERCISES.get(name)
    if ex is None:
        print(f"No exercise {name}.")
        return
    i = _hints_given.get(name, 0)
    if i >= len(ex.hints):
        print(f"No more hints for {name}: ex.solution({name!r}) shows a solution.")
        return
    _hints_given[name] = i + 1
    print(f"Hint {i + 1} of {len(ex.hints)} for {name}: {ex.hints[i]}")


def solution_source(name: str) -> str:
    """The reference solution's source, under the name the exercise cell uses."""
    ex = EXERCISES[name]
    source = inspect.getsource(ex.reference)
    start = re.search(rf"^(def|class) {ex.reference.__name__}\b", source, re.M)
    source = source[start.start() :]  # without the @exercise(...) above it
    return re.sub(rf"\b{ex.reference.__name__}\b", ex.answer, source, count=1).rstrip() + "\n"


def solution(name: str) -> None:
    """Print a solution of exercise ``name`` (there are others)."""
    if name not in EXERCISES:
        print(f"No exercise {name}.")
        return
    print(solution_source(name))


def progress(notebook: str) -> None:
    """One line: how many of this notebook's exercises passed, and which are left."""
    names = [n for n in EXERCISES if n.startswith(f"{notebook}.")]
    passed = [n for n in names if _status.get(n) == "passed"]
    left = [n for n in names if n not in passed]
    todo = f" (still to do: {', '.join(left)})" if left else ""
    print(f"Exercises in notebook {notebook}: {len(passed)} of {len(names)} passed{todo}")


def notebooks() -> list[str]:
    """The notebooks that have exercises, in order."""
    return sorted({ex.notebook for ex in EXERCISES.values()})


# ------------------------------------------------------------------ judging, safely
_watching: list[tuple[tuple, dict]] = []  # (shortcuts, names used) while a judge runs


def judge(ex: Exercise, answer) -> tuple[str, str]:
    """(status, text) for one answer. Nothing the answer does escapes as an exception."""
    used: dict[str, None] = {}  # the shortcuts called, in order
    try:
        if not attempted(answer):
            return "not attempted", "not attempted yet"
        _watching.append((ex.shortcuts, used))
        try:
            with _unchanged_state(), _time_limit(SECONDS):
                ex.judge(answer)
        finally:
            _watching.pop()
        if used:
            first = next(iter(used))  # F.softmax calls Tensor.softmax: name the one written
            note = f"correct, but the exercise wanted you to build it {ex.build}, not call {first}"
            return "passed", f"passed: {note}"
        return "passed", "passed"
    except Wrong as err:
        return "wrong", f"wrong: {_one_line(err)}"
    except _TimeUp:
        return "wrong", f"wrong: still running after {SECONDS} s: is there an endless loop?"
    except KeyboardInterrupt:
        return "wrong", "wrong: interrupted"
    except BaseException as err:  # the learner's code raised: say what, where, and maybe why
        return "wrong", f"wrong: {describe(err, ex.errors)}"


def _one_line(err) -> str:
    try:
        text = " ".join(str(err).split())
    except Exception:
        text = type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


_EMPTY = (lambda: None).__code__.co_code  # the bytecode of a body that is just `...`


def _empty(f) -> bool:
    code = getattr(f, "__code__", None)
    return code is not None and code.co_code == _EMPTY


def attempted(answer) -> bool:
    """False for the stub as handed out: None, `...`, a function or class with empty bodies."""
    if answer is None or answer is Ellipsis:
        return False
    if inspect.isclass(answer):
        own = [v for k, v in vars(answer).items() if inspect.isfunction(v) and k != "__init__"]
        return not own or not all(map(_empty, own))
    return not _empty(answer)


# Frames in these folders are libraries' (torch, numpy, the standard library, this package),
# not the learner's: an error is reported at the learner's last line before them.
_LIBRARIES = tuple(
    {
        os.path.dirname(os.path.dirname(__file__)),  # utils
        os.path.dirname(torch.__file__),
        os.path.dirname(os.__file__),
        *(sysconfig.get_paths().get(k, "") for k in ("purelib", "platlib")),
    }
    - {""}
)


def describe(err: BaseException, known: dict[str, str]) -> str:
    """'ValueError in f, line 2 (`return x.foo()`): <message or the hint for it>'."""
    message = _one_line(err)
    where = ""
    with contextlib.suppress(Exception):
        frames = traceback.extract_tb(err.__traceback__)
        theirs = [fr for fr in frames if not fr.filename.startswith(_LIBRARIES)]
        if theirs:
            fr = theirs[-1]
            code = f" (`{fr.line.strip()}`)" if fr.line else ""
            where = f" in {fr.name}, line {fr.lineno}{code}"
    for pattern, advice in {**known, **COMMON_ERRORS}.items():
        if re.search(pattern, message):
            return f"{type(err).__name__}{where}: {advice}"
    return f"{type(err).__name__}{where}: {message}"


COMMON_ERRORS = {
    r"a leaf Variable that requires grad is being used in an in-place operation": (
        "an in-place change of a parameter is recorded by autograd: do it under torch.no_grad()"
    ),
    r"unexpected keyword argument 'axis'|can't convert np\.ndarray|numpy\(\) on Tensor": (
        "that is numpy's way; on a tensor use its own methods: x.sum(dim=-1, keepdim=True)"
    ),
}


@contextlib.contextmanager
def _unchanged_state():
    """The learner's code must not change what the notebook does next: same random numbers,
    same grad mode, same default dtype."""
    states = torch.get_rng_state(), random.getstate(), torch.is_grad_enabled()
    dtype = torch.get_default_dtype()
    np_state = sys.modules["numpy"].random.get_state() if "numpy" in sys.modules else None
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")  # the one line of the check says it all
            yield
    finally:
        torch.set_rng_state(states[0])
        random.setstate(states[1])
        torch.set_grad_enabled(states[2])
        torch.set_default_dtype(dtype)
        if np_state is not None:
            sys.modules["numpy"].random.set_state(np_state)


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _TimeUp in the main thread after ``seconds`` (where signals allow it)."""
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def time_up(signum, frame):
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    start = time.monotonic()
    delay, interval = signal.setitimer(signal.ITIMER_REAL, seconds)  # someone else's timer?
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if delay:  # give it back, less the time we took
            left = max(delay - (time.monotonic() - start), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


_MISSING = object()


@contextlib.contextmanager
def _spying(shortcuts, used: dict):
    """While inside, each (owner, attribute) of ``shortcuts`` notes its name in ``used`` when
    called; the originals are put back on the way out, whatever happens."""
    saved = []
    try:
        for owner, attr in shortcuts:
            own = vars(owner).get(attr, _MISSING)
            original = getattr(owner, attr)
            label = f"{getattr(owner, '__name__', owner)}.{attr}".replace(
                "torch.nn.functional", "F"
            )
            if attr == "__init__":  # a class made: name the class
                label = f"nn.{owner.__name__}"

            def spy(*args, _original=original, _label=label, **kwargs):
                used.setdefault(_label)
                return _original(*args, **kwargs)

            setattr(owner, attr, spy)
            saved.append((owner, attr, own))
        yield
    finally:
        for owner, attr, own in reversed(saved):
            if own is _MISSING:
                delattr(owner, attr)  # inherited (a tensor method): inherit it again
            else:
                setattr(owner, attr, own)


# ------------------------------------------------------------------ tools for the judges
def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def call(f, *args, what="your function", none_ok=False):
    """Call the learner's ``f`` (library shortcuts watched); a wrong kind of answer or a None
    result is a hint."""
    if not callable(f):
        raise Wrong(f"{what} should be a function, not {type(f).__name__}: define it with def")
    shortcuts, used = _watching[-1] if _watching else ((), {})
    with _spying(shortcuts, used):
        out = f(*args)
    if out is None and not none_ok:
        raise Wrong(f"{what} returned None: did you forget `return`?")
    return out


def as_tensor(got, what="the result"):
    if isinstance(got, torch.Tensor):
        return got.detach()
    if _is_number(got):
        return torch.tensor(float(got))
    if isinstance(got, (list, tuple)) and all(map(_is_number, got)):
        return torch.tensor([float(v) for v in got])
    raise Wrong(f"{what} should be a tensor or a number, but it is {type(got).__name__}")


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def close(a, b) -> bool:
    """Same shape and values (a tolerance for float rounding; inf and nan where both have them)."""
    try:
        a, b = a.double(), torch.as_tensor(b).detach().double()
        return a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True)
    except Exception:
        return False


def expect(got, want, mistakes=(), what="the result"):
    """Pass if ``got`` is ``want``; else the hint of the first mistake whose output it is,
    else what differs (shape, inf/nan, values)."""
    got = as_tensor(got, what)
    want = torch.as_tensor(want).detach()
    if close(got, want):
        return
    for advice, output in mistakes:
        if close(got, output):
            raise Wrong(advice)
    if got.shape != want.shape:
        raise Wrong(f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}")
    if got.is_floating_point() and not torch.isfinite(got).all():
        raise Wrong(f"{what} contains inf or nan where the expected one does not")
    raise Wrong(
        f"{what} has the right shape but other values: {_short(got)} instead of {_short(want)}"
    )


def _short(t) -> str:
    flat = t.double().flatten()[:4].tolist()
    more = ", ..." if t.numel() > 4 else ""
    return "[" + ", ".join(f"{v:.4g}" for v in flat) + more + "]" if t.dim() else f"{t.item():.4g}"


def number(got, what="the result"):
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        return got.item()
    if _is_number(got):
        return got
    raise Wrong(f"{what} should be a number, but it is {type(got).__name__}")


def modules_of(m):
    return [x for x in m.modules() if not isinstance(x, nn.Sequential) and x is not m] or [m]
