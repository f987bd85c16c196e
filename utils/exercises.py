"""Exercises with instant feedback: two or three per notebook, each checked on the spot.

In a notebook, after the learner's cell (tagged ``exercise``) that defines ``softmax``:

    from utils import exercises as ex
    softmax = ex.check("01.softmax", softmax)  # one line: not attempted yet / wrong: ... / passed

``check`` runs the learner's code on small fixed inputs against the reference solution, names
the mistake it recognises by its symptom, and never raises: an exception in the learner's code
becomes a hint that names it and the line. It returns the learner's answer if it passed, else
the reference, so "Run all" always goes on with working code. On request, never in "Run all":

    ex.hint("01.softmax")      # the next hint
    ex.solution("01.softmax")  # the reference solution, printed (its source below, renamed)
    ex.progress("01")          # "Exercises in notebook 01: 1 of 2 passed" (the last cell does it)

The reference solutions below are the one source of what ``solution`` prints and of what
tools/exercise_runs.py puts into the exercise cells for its "solved" run. They are named
``_<answer>`` so that no notebook seems to retype a helper of utils.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import math
import numbers
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from utils.models import Lambda, flatten

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

    @property
    def answer(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def notebook(self) -> str:
        return self.name[:2]


EXERCISES: dict[str, Exercise] = {}
_status: dict[str, str] = {}  # name -> "passed" / "wrong" / "not attempted"
_hints_given: dict[str, int] = {}


def exercise(name, judge, hints, errors=None):
    """Register the reference solution below this decorator (returned unchanged)."""

    def register(reference):
        EXERCISES[name] = Exercise(name, reference, judge, tuple(hints), errors or {})
        return reference

    return register


# ------------------------------------------------------------------ what the learner calls
def check(name: str, answer=None):
    """Check the learner's ``answer`` for exercise ``name``; print one line; never raise.
    Returns ``answer`` if it passed, else the reference solution."""
    ex = EXERCISES.get(name)
    if ex is None:
        print(f"Exercise {name}: no such exercise (known: {', '.join(EXERCISES)})")
        return answer
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


# ------------------------------------------------------------------ judging, safely
def judge(ex: Exercise, answer) -> tuple[str, str]:
    """(status, text) for one answer. Nothing the answer does escapes as an exception."""
    try:
        if not attempted(answer):
            return "not attempted", "not attempted yet"
        with _unchanged_state(), _time_limit(SECONDS):
            ex.judge(answer)
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


_OURS = [os.path.dirname(p) for p in (torch.__file__, os.__file__, __file__)]


def describe(err: BaseException, known: dict[str, str]) -> str:
    """'ValueError in f, line 2 (`return x.foo()`): <message or the hint for it>'."""
    message = _one_line(err)
    where = ""
    with contextlib.suppress(Exception):
        frames = traceback.extract_tb(err.__traceback__)
        theirs = [fr for fr in frames if not any(fr.filename.startswith(d) for d in _OURS)]
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


# ------------------------------------------------------------------ tools for the judges
def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def call(f, *args, what="your function", none_ok=False):
    """Call the learner's ``f``; a wrong kind of answer or a None result is a hint."""
    if not callable(f):
        raise Wrong(f"{what} should be a function, not {type(f).__name__}: define it with def")
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


# ================================================================== 01 from scratch
def _judge_softmax(f):
    x = torch.randn(3, 10, generator=_gen())
    expect(
        call(f, x),
        torch.softmax(x, dim=-1),
        [
            (
                "these are log-probabilities (negative); softmax is x.exp() over its row's sum",
                torch.log_softmax(x, dim=-1),
            ),
            (
                "each row sums to 1 only if divided by its own sum: x.exp().sum(-1, keepdim=True)",
                x.exp(),
            ),
            (
                "that divides by the sum of the whole batch; each row needs its own: .sum(-1, "
                "keepdim=True)",
                x.exp() / x.exp().sum(),
            ),
            (
                "that makes each column sum to 1; a row is one image: sum over dim=-1",
                torch.softmax(x, dim=0),
            ),
        ],
    )


@exercise(
    "01.softmax",
    _judge_softmax,
    [
        "Exponentiate every score, then divide each row by that row's sum.",
        "x.exp().sum(-1, keepdim=True) is each row's sum, kept as a column so that it divides "
        "every entry of its row.",
    ],
    errors={
        r"must match the size of tensor": "the row sums lost their dimension: "
        "keep it with .sum(-1, keepdim=True)"
    },
)
def _softmax(x):
    e = x.exp()
    return e / e.sum(-1, keepdim=True)


def _judge_error_rate(f):
    out = torch.randn(6, 10, generator=_gen(1))
    yb = out.argmax(dim=1).clone()
    yb[:4] = (yb[:4] + 1) % 10  # 4 of 6 wrong
    expect(
        call(f, out, yb),
        4 / 6,
        [
            (
                "that is the accuracy; the error rate counts predictions that differ from yb (!=)",
                2 / 6,
            ),
            ("that is how many are wrong; .mean() turns it into a fraction", 4.0),
            ("that counts the right ones; count the wrong ones with !=", 2.0),
        ],
        what="the error rate",
    )


@exercise(
    "01.error_rate",
    _judge_error_rate,
    [
        "The predicted digit of each row is out.argmax(dim=1); compare it with yb using !=.",
        "Booleans have no mean: convert with .float() first, then .mean().",
    ],
    errors={
        r"could not infer output dtype|Bool": "booleans have no mean: .float() before .mean()",
        r"must match the size of tensor": "one prediction per row (image): argmax over dim=1",
    },
)
def _error_rate(out, yb):
    return (out.argmax(dim=1) != yb).float().mean()


# ================================================================== 02 functional
def _judge_stable_log_softmax(f):
    x = torch.tensor([[1000.0, 0.0, -5.0], [3.0, 1.0, 2.0], [-1000.0, -999.0, -998.0]])
    m = x.max(-1, keepdim=True).values
    top = x.max()
    expect(
        call(f, x),
        F.log_softmax(x, dim=-1),
        [
            (
                "that subtracts the largest score of the whole batch; each row needs its own max: "
                "x.max(-1, keepdim=True).values",
                x - top - (x - top).exp().sum(-1, keepdim=True).log(),
            ),
            (
                "exp overflowed or underflowed: subtract each row's max before exp",
                x - x.exp().sum(-1, keepdim=True).log(),
            ),
            (
                "subtract the max from x as well: (x - m) - log(sum(exp(x - m)))",
                x - (x - m).exp().sum(-1, keepdim=True).log(),
            ),
            (
                "these are probabilities; take their log, or better: never compute them",
                torch.softmax(x, dim=-1),
            ),
            ("x - m is only the first part; also subtract log(sum(exp(x - m))) of each row", x - m),
        ],
    )


@exercise(
    "02.stable_log_softmax",
    _judge_stable_log_softmax,
    [
        "log_softmax(x) = log_softmax(x - c) for any c per row; pick c = the row's max, so exp "
        "never sees a large number.",
        "m = x.max(-1, keepdim=True).values; (x - m) - (x - m).exp().sum(-1, keepdim=True).log()",
    ],
    errors={
        r"return_types\.max": "x.max(-1) gives (values, indices): use its .values",
        r"must match the size of tensor": "keep the reduced dimension: keepdim=True",
    },
)
def _stable_log_softmax(x):
    m = x.max(-1, keepdim=True).values
    return x - m - (x - m).exp().sum(-1, keepdim=True).log()


def _judge_cross_entropy(f):
    scores = torch.randn(5, 4, generator=_gen(2)) * 3
    target = torch.tensor([0, 3, 1, 1, 2])
    expect(
        call(f, scores, target),
        F.cross_entropy(scores, target),
        [
            (
                "F.nll_loss wants log-probabilities: apply F.log_softmax(scores, dim=1) first",
                F.nll_loss(scores, target),
            ),
            (
                "softmax gives probabilities; nll_loss needs their log: F.log_softmax",
                F.nll_loss(F.softmax(scores, dim=1), target),
            ),
            (
                "a row is one image: normalise over dim=1, not dim=0",
                F.nll_loss(F.log_softmax(scores, dim=0), target),
            ),
            (
                "that is the sum over the batch; the loss is its mean (nll_loss's default)",
                F.cross_entropy(scores, target, reduction="sum"),
            ),
        ],
        what="the loss",
    )


@exercise(
    "02.my_cross_entropy",
    _judge_cross_entropy,
    [
        "Two functions of F, one after the other: first turn scores into log-probabilities, then "
        "take the negative log-likelihood.",
        "F.log_softmax(scores, dim=1), then F.nll_loss(that, target).",
    ],
)
def _my_cross_entropy(scores, target):
    return F.nll_loss(F.log_softmax(scores, dim=1), target)


# ================================================================== 03 nn.Module
def _judge_count_parameters(f):
    got = number(call(f, nn.Linear(784, 10)), "the count")
    if got == 2:
        raise Wrong("that counts the tensors (weight and bias); add up their sizes: p.numel()")
    if got != 7850:
        raise Wrong(f"nn.Linear(784, 10) has 7850 (784 x 10 weights + 10 biases), not {got}")
    frozen = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    frozen[0].requires_grad_(False)
    got = number(call(f, frozen), "the count")
    if got == 26:
        raise Wrong("a frozen parameter (requires_grad=False) is not learned: skip it")
    if got != 10:
        raise Wrong(f"with the first layer frozen, 4 x 2 + 2 = 10 numbers are learned, not {got}")


@exercise(
    "03.count_parameters",
    _judge_count_parameters,
    [
        "model.parameters() gives the tensors; a tensor's .numel() is how many numbers it holds.",
        "sum(p.numel() for p in model.parameters() if p.requires_grad)",
    ],
)
def _count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _judge_sgd_update(f):
    model = nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, 3, generator=_gen(3)))
        model.bias.zero_()
    x, y = torch.randn(4, 3, generator=_gen(4)), torch.tensor([0, 1, 1, 0])
    F.cross_entropy(model(x), y).backward()
    before = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.clone() for p in model.parameters()]
    call(f, model, 0.1, none_ok=True)
    after = [p.detach() for p in model.parameters()]
    if all(torch.equal(a, b) for a, b in zip(after, before)):
        raise Wrong(
            "the parameters did not change: `p = p - ...` makes a new tensor; "
            "change p itself with p -= p.grad * lr"
        )
    if all(close(a, b + g * 0.1) for a, b, g in zip(after, before, grads)):
        raise Wrong("that climbs the gradient: subtract it, p -= p.grad * lr")
    if not all(close(a, b - g * 0.1) for a, b, g in zip(after, before, grads)):
        raise Wrong("every parameter should become p - p.grad * lr, and these did not")
    if any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters()):
        raise Wrong(
            "the gradients are still there and the next backward() adds to them: model.zero_grad()"
        )


@exercise(
    "03.sgd_update",
    _judge_sgd_update,
    [
        "Loop over model.parameters(); each p has p.grad after backward().",
        "Under `with torch.no_grad():` do p -= p.grad * lr for each p, then model.zero_grad().",
    ],
)
def _sgd_update(model, lr):
    with torch.no_grad():
        for p in model.parameters():
            p -= p.grad * lr
        model.zero_grad()


def _judge_mlp(cls):
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        raise Wrong("MnistMLP should be a class: class MnistMLP(nn.Module)")
    model = cls()
    n = sum(p.numel() for p in model.parameters())
    if n != 39760:
        raise Wrong(
            f"with n_hidden=50 expect 39760 parameters (784 x 50 + 50, then 50 x 10 + 10),"
            f" found {n}: two nn.Linear layers, 784 -> n_hidden -> 10"
        )
    if sum(p.numel() for p in cls(20).parameters()) != 15910:
        raise Wrong("MnistMLP(20) should have 20 hidden units: use n_hidden, not a fixed 50")
    a, b = torch.randn(2, 4, 784, generator=_gen(5))
    out = model(a)
    if not isinstance(out, torch.Tensor) or out.shape != (4, 10):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise Wrong(f"4 images in should give (4, 10) scores out, not {shape}")
    if torch.allclose(out.sum(1), torch.ones(4), atol=1e-4) or (out <= 0).all():
        raise Wrong("return raw scores: F.cross_entropy applies log_softmax itself")
    zero = model(torch.zeros(1, 784))
    if torch.allclose(model(a + b) - zero, (out - zero) + (model(b) - zero), atol=1e-4):
        raise Wrong(
            "without F.relu between them, two Linear layers are one linear map: "
            "add the nonlinearity"
        )


@exercise(
    "03.MnistMLP",
    _judge_mlp,
    [
        "In __init__: self.hidden = nn.Linear(784, n_hidden), self.out = nn.Linear(n_hidden, 10).",
        "In forward: return self.out(F.relu(self.hidden(xb))).",
    ],
    errors={r"before Module.__init__\(\) call": "call super().__init__() first in __init__"},
)
class _MnistMLP(nn.Module):
    def __init__(self, n_hidden=50):
        super().__init__()
        self.hidden = nn.Linear(784, n_hidden)
        self.out = nn.Linear(n_hidden, 10)

    def forward(self, xb):
        return self.out(F.relu(self.hidden(xb)))


# ================================================================== 04 optim
def _linear_for_tests():
    model = nn.Linear(4, 3)
    with torch.no_grad():
        model.weight.copy_(torch.randn(3, 4, generator=_gen(6)))
        model.bias.zero_()
    return model


def _judge_train_step(f):
    xb, yb = torch.randn(5, 4, generator=_gen(7)), torch.tensor([0, 2, 1, 1, 0])
    runs = {}
    for name, step in (("yours", f), ("ref", _train_step), ("no zero", _step_without_zero_grad)):
        model = _linear_for_tests()
        opt = optim.SGD(model.parameters(), lr=0.5)
        first = call(step, model, F.cross_entropy, opt, xb, yb, what="train_step", none_ok=True)
        call(step, model, F.cross_entropy, opt, xb, yb, what="train_step", none_ok=True)
        runs[name] = first, torch.cat([p.detach().flatten() for p in model.parameters()])
    start = torch.cat([p.detach().flatten() for p in _linear_for_tests().parameters()])
    (first, got), (ref_first, want) = runs["yours"], runs["ref"]
    if torch.equal(got, start):
        raise Wrong("the parameters did not change: loss.backward(), then opt.step()")
    if close(got, runs["no zero"][1]):
        raise Wrong("the gradients added up over the two steps: opt.zero_grad() after each step")
    if not close(got, want):
        raise Wrong(
            "after two steps the parameters differ from two SGD steps: "
            "loss, backward(), step(), zero_grad()"
        )
    if isinstance(first, torch.Tensor):
        raise Wrong("return loss.item(), a plain float: a tensor keeps its whole graph alive")
    if first is None or not isinstance(first, float) or abs(first - ref_first) > 1e-5:
        raise Wrong(f"return the batch's loss as a float (expected {ref_first:.4f}, got {first!r})")


def _step_without_zero_grad(model, loss_func, opt, xb, yb):
    loss = loss_func(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


@exercise(
    "04.train_step",
    _judge_train_step,
    [
        "Four lines: the loss of model(xb) against yb, backward, the optimizer's step, reset.",
        "loss = loss_func(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad(); "
        "return loss.item()",
    ],
)
def _train_step(model, loss_func, opt, xb, yb):
    loss = loss_func(model(xb), yb)
    loss.backward()
    opt.step()
    opt.zero_grad()
    return loss.item()


def _judge_adam_model(f):
    for args, lr in (((), 1e-3), ((0.01,), 0.01)):
        got = call(f, *args, what="get_adam_model")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise Wrong("return two things, the model and its optimizer: return model, opt")
        model, opt = got
        if not isinstance(model, nn.Module):
            raise Wrong("the first thing returned should be the model, an nn.Module")
        if not isinstance(opt, optim.Adam):
            raise Wrong(f"the optimizer should be optim.Adam, not {type(opt).__name__}")
        held = {id(p) for g in opt.param_groups for p in g["params"]}
        if held != {id(p) for p in model.parameters()}:
            raise Wrong(
                "the optimizer holds other parameters than those of the model returned: "
                "build both from one model, optim.Adam(model.parameters(), ...)"
            )
        if opt.param_groups[0]["lr"] != lr:
            raise Wrong(
                f"with lr={lr} the optimizer's lr is {opt.param_groups[0]['lr']}: "
                "pass it on, optim.Adam(model.parameters(), lr=lr)"
            )
        out = model(torch.zeros(2, 784))
        if not isinstance(out, torch.Tensor) or out.shape != (2, 10):
            raise Wrong("the model should map 784 pixels to 10 scores: nn.Linear(784, 10)")


@exercise(
    "04.get_adam_model",
    _judge_adam_model,
    [
        "Make the model first, then the optimizer from model.parameters().",
        "model = nn.Linear(784, 10); return model, optim.Adam(model.parameters(), lr=lr)",
    ],
)
def _get_adam_model(lr=1e-3):
    model = nn.Linear(784, 10)
    return model, optim.Adam(model.parameters(), lr=lr)


# ================================================================== 05 Dataset, DataLoader
def _judge_pair_dataset(cls):
    x, y = torch.arange(21.0).view(7, 3), torch.arange(7) % 3
    ds = cls(x, y)
    n = len(ds)
    if n == 3:
        raise Wrong("len is the number of examples (rows of x): len(self.x)")
    if n != 7:
        raise Wrong(f"7 examples, but len() gave {n}: len(self.x)")
    item = ds[2]
    if item is None:
        raise Wrong("__getitem__ returned None: return self.x[i], self.y[i]")
    if not (isinstance(item, (tuple, list)) and len(item) == 2):
        raise Wrong("__getitem__ should return a pair: (self.x[i], self.y[i])")
    expect(item[0], x[2], what="ds[2][0]")
    expect(item[1], y[2], what="ds[2][1]")
    batches = list(DataLoader(ds, batch_size=3))
    if [tuple(xb.shape) for xb, _ in batches] != [(3, 3), (3, 3), (1, 3)]:
        raise Wrong("a DataLoader over it should give batches of 3, 3 and 1 rows")


@exercise(
    "05.PairDataset",
    _judge_pair_dataset,
    [
        "__len__ says how many examples there are; __getitem__(i) returns example i.",
        "return len(self.x) and return self.x[i], self.y[i]",
    ],
    errors={r"has no len\(\)": "define __len__: return len(self.x)"},
)
class _PairDataset(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def _judge_make_loader(f):
    ds = TensorDataset(torch.arange(10))
    dl = call(f, ds, 4, what="make_loader")
    if not isinstance(dl, DataLoader):
        raise Wrong(f"return a DataLoader, not a {type(dl).__name__}")
    if dl.batch_size != 4:
        raise Wrong(f"batch_size should be bs (4 here), not {dl.batch_size}")
    if not isinstance(dl.sampler, RandomSampler):
        raise Wrong("shuffle=True: a new order every epoch")
    if dl.generator is None:
        raise Wrong(
            "give the shuffle its own generator=torch.Generator().manual_seed(0): "
            "otherwise any other loop changes the order"
        )
    got = [b[0].tolist() for b in dl]
    want = [b[0].tolist() for b in _make_loader(ds, 4)]
    if got != want:
        raise Wrong("seed the generator with 0: torch.Generator().manual_seed(0)")


@exercise(
    "05.make_loader",
    _judge_make_loader,
    [
        "DataLoader(ds, batch_size=..., shuffle=..., generator=...)",
        "DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(0))",
    ],
)
def _make_loader(ds, bs):
    return DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(0))


# ================================================================== 06 logging
def _judge_step_record(f):
    w = torch.tensor(1.5, requires_grad=True)
    loss = (w * 0.5) ** 2
    rec = call(f, 3, loss, what="step_record")
    if not isinstance(rec, dict):
        raise Wrong('return a dict, e.g. {"epoch": epoch, "train_loss": ...}')
    if set(rec) != {"epoch", "train_loss"}:
        raise Wrong(f"use the keys epoch and train_loss (the charts' names), not {sorted(rec)}")
    if isinstance(rec["train_loss"], torch.Tensor):
        raise Wrong("log loss.item(), a float: a tensor keeps its graph (and memory) alive")
    if rec["epoch"] != 3 or not math.isclose(number(rec["train_loss"]), 0.5625):
        raise Wrong(f"expected {{'epoch': 3, 'train_loss': 0.5625}}, got {rec}")


@exercise(
    "06.step_record",
    _judge_step_record,
    [
        "A dict with two keys; the loss goes in as a plain number.",
        'return {"epoch": epoch, "train_loss": loss.item()}',
    ],
)
def _step_record(epoch, loss):
    return {"epoch": epoch, "train_loss": loss.item()}


def _judge_epoch_means(f):
    records = [
        {"_step": 0, "epoch": 1, "train_loss": 1.0},
        {"_step": 1, "epoch": 1, "train_loss": 3.0, "gradients/weight.values": [1]},
        {"_step": 2, "epoch": 2, "train_loss": 0.5},
        {"_step": 3, "epoch": 2, "train_loss": 1.5},
        {"_step": 3, "epoch": 2, "valid_loss": 0.9, "valid_acc": 0.8},
    ]
    got = call(f, list(records), what="epoch_means")
    if isinstance(got, (list, tuple)):
        got = [number(v, "each mean") for v in got]
    expect(
        got,
        [2.0, 1.0],
        [
            ("one mean per epoch: group the losses by r['epoch']", 1.5),
            ("that is a sum per epoch; divide by how many losses the epoch has", [4.0, 2.0]),
        ],
        what="the means",
    )


@exercise(
    "06.epoch_means",
    _judge_epoch_means,
    [
        "Only records with a 'train_loss' count; collect their losses per r['epoch'].",
        "A dict epoch -> list of losses, then [sum(v) / len(v) for _, v in sorted(d.items())]",
    ],
    errors={
        r"^'train_loss'$": "some records have no train_loss (validation, histograms): "
        "skip them with `if 'train_loss' in r`"
    },
)
def _epoch_means(records):
    by_epoch = {}
    for r in records:
        if "train_loss" in r:
            by_epoch.setdefault(r["epoch"], []).append(r["train_loss"])
    return [sum(v) / len(v) for _, v in sorted(by_epoch.items())]


# ================================================================== 07 validation, hooks
def _judge_valid_accuracy(f):
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(3, 4, generator=_gen(8)))
        model[1].bias.zero_()
    seen = []
    model.register_forward_hook(lambda m, i, o: seen.append((m.training, torch.is_grad_enabled())))
    x = torch.randn(10, 4, generator=_gen(9))
    y = model[1](x).argmax(1).detach()
    y[[0, 1, 2, 8]] = (y[[0, 1, 2, 8]] + 1) % 3  # by batch 1/4, 4/4, 1/2; all: 6/10
    batches = [(x[:4], y[:4]), (x[4:8], y[4:8]), (x[8:], y[8:])]
    unweighted = sum((model[1](xb).argmax(1) == yb).float().mean().item() for xb, yb in batches) / 3
    model.train()
    got = call(f, model, batches, what="valid_accuracy")
    if not seen:
        raise Wrong("the model was never called on the batches")
    if any(training for training, _ in seen):
        raise Wrong("call model.eval() first: in training mode dropout still drops")
    if any(grad for _, grad in seen):
        raise Wrong("validation needs no gradients: loop under `with torch.no_grad():`")
    expect(
        got,
        0.6,
        [
            (
                "weight each batch by its size: add up correct ones and examples, then divide",
                unweighted,
            ),
            ("that is the number right; divide by the number of examples", 6.0),
        ],
        what="the accuracy",
    )


@exercise(
    "07.valid_accuracy",
    _judge_valid_accuracy,
    [
        "model.eval(), then under torch.no_grad() count correct predictions and examples batch by "
        "batch.",
        "correct += (model(xb).argmax(dim=1) == yb).sum().item(); n += len(xb); return correct / n",
    ],
)
def _valid_accuracy(model, batches):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for xb, yb in batches:
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
            n += len(xb)
    return correct / n


def _judge_halve_lr(f):
    w, v = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = optim.SGD([{"params": [w], "lr": 0.4}, {"params": [v], "lr": 0.1}])
    hook = call(f, opt, what="halve_lr")
    lrs = lambda: [g["lr"] for g in opt.param_groups]  # noqa: E731
    if lrs() != [0.4, 0.1]:
        raise Wrong(
            "halve_lr(opt) should only make the hook; the hook halves the lr when fit calls it"
        )
    if not callable(hook):
        raise Wrong("return the hook itself: a function of the metrics dict, defined inside")
    metrics = {"epoch": 1, "valid_loss": 1.0, "valid_acc": 0.5}
    hook(dict(metrics))
    if lrs() == [0.2, 0.1]:
        raise Wrong("change every group: for group in opt.param_groups")
    if not all(map(math.isclose, lrs(), [0.2, 0.05])):
        raise Wrong(f"after one epoch the lrs should be [0.2, 0.05], not {lrs()}")
    hook(dict(metrics, epoch=2))
    if all(map(math.isclose, lrs(), [0.2, 0.05])):
        raise Wrong("halve the current lr each time (group['lr'] /= 2), not the starting one")
    if not all(map(math.isclose, lrs(), [0.1, 0.025])):
        raise Wrong(f"after two epochs the lrs should be [0.1, 0.025], not {lrs()}")


@exercise(
    "07.halve_lr",
    _judge_halve_lr,
    [
        "Define the hook inside halve_lr, so it sees opt; return it without calling it.",
        "def hook(metrics): for group in opt.param_groups: group['lr'] /= 2",
    ],
    errors={r"positional argument": "fit calls the hook with one argument, the metrics dict"},
)
def _halve_lr(opt):
    def hook(metrics):
        for group in opt.param_groups:
            group["lr"] /= 2

    return hook


# ================================================================== 08 CNN
def _judge_conv_out(f):
    for args in ((28,), (14,), (7,), (5, 3, 1, 0), (28, 5, 1, 2), (10, 4, 3, 0)):
        size, k, s, p = (*args, 3, 2, 1)[:4] if len(args) == 1 else args
        want = _conv_out(size, k, s, p)
        got = number(call(f, *args, what="conv_out"), "the size")
        if got == want:
            continue
        case = f"conv_out{args} gave {got}, expected {want}"
        if got == (size + 2 * p - k) / s + 1:
            raise Wrong(f"{case}: sizes are whole numbers, floor-divide with //")
        if got == (size + p - k) // s + 1:
            raise Wrong(f"{case}: padding is added on both sides, 2 * padding")
        if got == want - 1:
            raise Wrong(f"{case}: off by one, + 1 counts the first position")
        raise Wrong(case)


@exercise(
    "08.conv_out",
    _judge_conv_out,
    [
        "Padding adds columns on both sides; the kernel fits (size + 2 * padding - kernel_size) "
        "// stride + 1 times.",
        "return (size + 2 * padding - kernel_size) // stride + 1",
    ],
)
def _conv_out(size, kernel_size=3, stride=2, padding=1):
    return (size + 2 * padding - kernel_size) // stride + 1


def _judge_conv_params(f):
    for c_in, c_out, k in ((1, 16, 3), (16, 16, 3), (16, 10, 3), (3, 8, 5)):
        want = _conv_params(c_in, c_out, k)
        got = number(call(f, c_in, c_out, k, what="conv_params"), "the count")
        case = f"conv_params({c_in}, {c_out}, {k}) gave {got}, expected {want}"
        if got == want:
            continue
        if got == want - c_out:
            raise Wrong(f"{case}: plus one bias per output channel")
        if got == c_out * c_in * k + c_out:
            raise Wrong(f"{case}: each filter is kernel_size x kernel_size per input channel")
        if got == c_out * k * k + c_out:
            raise Wrong(f"{case}: each filter spans every input channel, x c_in")
        raise Wrong(case)


@exercise(
    "08.conv_params",
    _judge_conv_params,
    [
        "Each output channel has a filter of c_in x kernel_size x kernel_size weights, and a bias.",
        "return c_out * c_in * kernel_size * kernel_size + c_out",
    ],
)
def _conv_params(c_in, c_out, kernel_size):
    return c_out * c_in * kernel_size * kernel_size + c_out


# ================================================================== 09 Sequential
def _judge_flatten_images(f):
    for shape in ((5, 1, 28, 28), (1, 1, 28, 28), (3, 2, 14, 14)):
        x = torch.randn(*shape, generator=_gen(10))
        want = x.reshape(shape[0], -1)
        expect(
            call(f, x, what="flatten_images"),
            want,
            [
                ("keep the batch dimension: x.view(x.size(0), -1)", x.reshape(-1)),
                ("squeeze() also drops a batch of one image: x.view(x.size(0), -1)", x.squeeze()),
            ],
            what=f"for a batch of shape {shape} the result",
        )


@exercise(
    "09.flatten_images",
    _judge_flatten_images,
    [
        "Keep dimension 0 (the batch) and let -1 work out the rest.",
        "return x.view(x.size(0), -1)",
    ],
    errors={
        r"invalid for input of size": "do not hard-code 784: x.view(x.size(0), -1) "
        "fits every image size"
    },
)
def _flatten_images(x):
    return x.view(x.size(0), -1)


def _judge_tiny_cnn(f):
    model = call(f, what="tiny_cnn")
    if not isinstance(model, nn.Module):
        raise Wrong(f"return a model (nn.Sequential), not a {type(model).__name__}")
    kinds = [type(m) for m in modules_of(model)]
    if nn.AdaptiveAvgPool2d not in kinds:
        raise Wrong(
            "a fixed pool fits one image size: nn.AdaptiveAvgPool2d(1) pools any grid to 1x1"
        )
    for h, w in ((14, 14), (28, 28), (20, 36)):
        out = model(torch.rand(3, 1, h, w, generator=_gen(11)))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise Wrong(f"3 images of {h}x{w} gave {shape}, expected (3, 10)")


@exercise(
    "09.tiny_cnn",
    _judge_tiny_cnn,
    [
        "Conv2d(1, 8, 3, stride=2, padding=1), ReLU, then pool to 1x1, flatten, Linear(8, 10).",
        "nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), "
        "nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 10))",
    ],
    errors={
        r"mat1 and mat2 shapes cannot be multiplied": "flatten (batch, 8, 1, 1) to "
        "(batch, 8) before the Linear layer: Lambda(flatten)"
    },
)
def _tiny_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(flatten),
        nn.Linear(8, 10),
    )


# ================================================================== 10 GPU
def _judge_batch_to(f):
    batch = (torch.zeros(2, 3), torch.tensor([1, 2]), torch.ones(2))
    got = call(f, batch, torch.device("meta"), what="batch_to")
    if not isinstance(got, (tuple, list)):
        raise Wrong(f"return a tuple of the moved tensors, not a {type(got).__name__}")
    if len(got) != 3:
        raise Wrong(f"the batch had 3 tensors and {len(got)} came back: move every one")
    if any(g is b for g, b in zip(got, batch)):
        raise Wrong(
            "t.to(device) returns a moved copy and leaves t where it was: keep what it returns"
        )
    if not all(isinstance(g, torch.Tensor) and g.device.type == "meta" for g in got):
        raise Wrong("every tensor should end up on the device it was given")
    if [g.shape for g in got] != [b.shape for b in batch]:
        raise Wrong("moving should not change a tensor's shape")


@exercise(
    "10.batch_to",
    _judge_batch_to,
    [
        "A batch is a tuple of tensors of any length: loop over it.",
        "return tuple(t.to(device) for t in batch)",
    ],
)
def _batch_to(batch, device):
    return tuple(t.to(device) for t in batch)


def _judge_n_batches(f):
    for n, bs in ((50_000, 64), (10_000, 1024), (10, 5), (3, 8), (0, 4)):
        want = _n_batches(n, bs)
        got = number(call(f, n, bs, what="n_batches"), "the count")
        if got == want and not isinstance(got, float):
            continue
        case = f"n_batches({n}, {bs}) gave {got!r}, expected {want}"
        if got == n / bs or isinstance(got, float):
            raise Wrong(f"{case}: a count is a whole number, round up with (n + bs - 1) // bs")
        if got == n // bs:
            raise Wrong(f"{case}: the last, smaller batch counts too: (n + bs - 1) // bs")
        if got == n // bs + 1:
            raise Wrong(f"{case}: when bs divides n there is no extra batch: (n + bs - 1) // bs")
        raise Wrong(case)


@exercise(
    "10.n_batches",
    _judge_n_batches,
    [
        "Full batches, plus one more if anything is left over.",
        "return (n + bs - 1) // bs",
    ],
)
def _n_batches(n, bs):
    return (n + bs - 1) // bs


# ================================================================== 11 going further
def _judge_conv_bn(f):
    block = call(f, 3, 8, what="conv_bn")
    if not isinstance(block, nn.Module):
        raise Wrong(f"return a module (nn.Sequential), not a {type(block).__name__}")
    parts = modules_of(block)
    kinds = [type(m) for m in parts]
    if nn.BatchNorm1d in kinds:
        raise Wrong("images need nn.BatchNorm2d: one mean and variance per channel")
    if nn.BatchNorm2d not in kinds:
        raise Wrong("normalise after the convolution: nn.BatchNorm2d(c_out)")
    if nn.Conv2d not in kinds:
        raise Wrong("start with the convolution: nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)")
    conv = parts[kinds.index(nn.Conv2d)]
    if conv.bias is not None:
        raise Wrong("bias=False: batch norm subtracts the mean, so a bias before it is wasted")
    if nn.ReLU in kinds and kinds.index(nn.ReLU) < kinds.index(nn.BatchNorm2d):
        raise Wrong("normalise, then ReLU: Conv2d, BatchNorm2d, ReLU")
    out = block(torch.randn(2, 3, 8, 8, generator=_gen(12)))
    if not isinstance(out, torch.Tensor) or out.shape != (2, 8, 8, 8):
        raise Wrong("(2, 3, 8, 8) in should give (2, 8, 8, 8): kernel 3, padding=1, stride 1")
    if (out < 0).any():
        raise Wrong("end with nn.ReLU()")


@exercise(
    "11.conv_bn",
    _judge_conv_bn,
    [
        "Three layers in an nn.Sequential: convolution, batch norm, ReLU.",
        "nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), "
        "nn.ReLU())",
    ],
    errors={
        r"running_mean should contain|expected input with shape": (
            "BatchNorm2d takes the number of channels coming out of the convolution: c_out"
        )
    },
)
def _conv_bn(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


def _judge_shift_right(f):
    xb = torch.arange(1.0, 31.0).view(2, 1, 3, 5)
    for pixels in (1, 2, 0):
        x = xb.clone()
        got = call(f, x, pixels, what="shift_right")
        if not torch.equal(x, xb):
            raise Wrong("do not change xb itself: build a new tensor, e.g. torch.zeros_like(xb)")
        expect(
            got,
            _shift_right(xb, pixels),
            [
                (
                    "torch.roll wraps the right edge round to the left: fill those columns with 0",
                    torch.roll(xb, pixels, dims=-1),
                ),
                (
                    "that moves them down: shift along the width, the last dimension",
                    _shift_right(xb.transpose(-1, -2), pixels).transpose(-1, -2),
                ),
                (
                    "that moves them left: pixel (r, c) should land at (r, c + pixels)",
                    _shift_right(xb.flip(-1), pixels).flip(-1),
                ),
            ],
            what=f"with pixels={pixels} the result",
        )


@exercise(
    "11.shift_right",
    _judge_shift_right,
    [
        "Start from zeros like xb, then copy all but the last `pixels` columns, moved right.",
        "out = torch.zeros_like(xb); out[..., pixels:] = xb[..., :xb.shape[-1] - pixels]",
    ],
    errors={
        r"shape mismatch|must match the (existing )?size": "with pixels=0, xb[..., :-pixels] is "
        "xb[..., :0], empty: slice with xb.shape[-1] - pixels"
    },
)
def _shift_right(xb, pixels):
    out = torch.zeros_like(xb)
    out[..., pixels:] = xb[..., : xb.shape[-1] - pixels]
    return out


def notebooks() -> list[str]:
    """The notebooks that have exercises, in order."""
    return sorted({ex.notebook for ex in EXERCISES.values()})


__all__ = ["EXERCISES", "check", "hint", "notebooks", "progress", "solution", "solution_source"]
