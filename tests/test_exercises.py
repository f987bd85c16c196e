"""The exercises (utils.exercises): each reference passes, each stub is "not attempted", each
known mistake gets its own hint, every answer of the catalogue (tests/exercise_catalogue.py)
gets its verdict, junk never raises, a check run again judges the learner's own answer; and
every exercise cell in the notebook sources has its task, its check, its hints and its
solution."""

import ast
import builtins
import functools
import linecache
import math
import re
import textwrap

import jupytext
import pytest
import torch
import torch.nn.functional as F
from exercise_catalogue import CATALOGUE
from torch import nn, optim
from torch.utils.data import DataLoader, Dataset, TensorDataset

from tools.exercise_runs import broken, solved
from tools.notebooks import SOURCES
from utils import exercises as ex
from utils.models import Lambda, flatten

NAMES = list(ex.EXERCISES)
SPACE = dict(
    torch=torch,
    F=F,
    nn=nn,
    optim=optim,
    math=math,
    DataLoader=DataLoader,
    Dataset=Dataset,
    TensorDataset=TensorDataset,
    Lambda=Lambda,
    flatten=flatten,
)


def define(name, code):
    """The learner's answer: ``code`` run the way a notebook cell runs it."""
    space, code, filename = dict(SPACE), textwrap.dedent(code), f"<cell {name}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # as IPython
    exec(compile(code, filename, "exec"), space)
    return space[ex.EXERCISES[name].answer]


def line_for(name, answer, capsys):
    ex.check(name, answer)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"Exercise {name}: "), out
    return out.split(": ", 1)[1].strip()


# For each exercise, code with one typical mistake, and a piece of the hint it must get.
MISTAKES = {
    "01.softmax": [
        ("def softmax(x): return x - x.exp().sum(-1, keepdim=True).log()", "log-probabilities"),
        ("def softmax(x): return x.exp()", "its own sum"),
        ("def softmax(x): return x.exp() / x.exp().sum()", "whole batch"),
        ("def softmax(x): return x.exp() / x.exp().sum(0, keepdim=True)", "each column"),
        ("def softmax(x): return x.exp() / x.exp().sum(-1)", "keepdim=True"),
    ],
    "01.error_rate": [
        ("def error_rate(out, yb): return (out.argmax(dim=1) == yb).float().mean()", "accuracy"),
        ("def error_rate(out, yb): return (out.argmax(dim=1) != yb).float().sum()", ".mean()"),
        ("def error_rate(out, yb): return (out.argmax(dim=1) != yb).mean()", ".float()"),
        ("def error_rate(out, yb): return (out.argmax(dim=0) != yb).float().mean()", "dim=1"),
    ],
    "02.stable_log_softmax": [
        (
            "def stable_log_softmax(x): return x - x.exp().sum(-1, keepdim=True).log()",
            "subtract each row's max",
        ),
        (
            "def stable_log_softmax(x):\n    m = x.max()\n"
            "    return x - m - (x - m).exp().sum(-1, keepdim=True).log()",
            "whole batch",
        ),
        (
            "def stable_log_softmax(x):\n    m = x.max(-1, keepdim=True)\n    return x - m",
            ".values",
        ),
        (
            "def stable_log_softmax(x):\n    m = x.max(-1, keepdim=True).values\n"
            "    return x - (x - m).exp().sum(-1, keepdim=True).log()",
            "from x as well",
        ),
        (
            "def stable_log_softmax(x):\n    m = x.max(-1, keepdim=True).values\n    return x - m",
            "only the first part",
        ),
    ],
    "02.my_cross_entropy": [
        ("def my_cross_entropy(s, t): return F.nll_loss(s, t)", "log-probabilities"),
        ("def my_cross_entropy(s, t): return F.nll_loss(F.softmax(s, dim=1), t)", "their log"),
        ("def my_cross_entropy(s, t): return F.nll_loss(F.log_softmax(s, dim=0), t)", "dim=1"),
        (
            "def my_cross_entropy(s, t):\n"
            "    return F.nll_loss(F.log_softmax(s, dim=1), t, reduction='sum')",
            "mean",
        ),
    ],
    "03.count_parameters": [
        ("def count_parameters(model): return len(list(model.parameters()))", "counts the tensors"),
        (
            "def count_parameters(model): return sum(p.numel() for p in model.parameters())",
            "frozen",
        ),
    ],
    "03.sgd_update": [
        (
            "def sgd_update(model, lr):\n    for p in model.parameters():\n"
            "        p -= p.grad * lr",
            "torch.no_grad()",
        ),
        (
            "def sgd_update(model, lr):\n    for p in model.parameters():\n"
            "        p = p - p.grad * lr",
            "did not change",
        ),
        (
            "def sgd_update(model, lr):\n    with torch.no_grad():\n"
            "        for p in model.parameters():\n            p += p.grad * lr\n"
            "        model.zero_grad()",
            "subtract",
        ),
        (
            "def sgd_update(model, lr):\n    with torch.no_grad():\n"
            "        for p in model.parameters():\n            p -= p.grad * lr",
            "zero_grad",
        ),
    ],
    "03.MnistMLP": [
        (
            """
         class MnistMLP(nn.Module):
             def __init__(self, n_hidden=50):
                 self.hidden = nn.Linear(784, n_hidden)
             def forward(self, xb):
                 return xb
         """,
            "super().__init__()",
        ),
        (
            """
         class MnistMLP(nn.Module):
             def __init__(self, n_hidden=50):
                 super().__init__()
                 self.hidden, self.out = nn.Linear(784, n_hidden), nn.Linear(n_hidden, 10)
             def forward(self, xb):
                 return self.out(self.hidden(xb))
         """,
            "F.relu",
        ),
        (
            """
         class MnistMLP(nn.Module):
             def __init__(self, n_hidden=50):
                 super().__init__()
                 self.hidden, self.out = nn.Linear(784, 50), nn.Linear(50, 10)
             def forward(self, xb):
                 return self.out(F.relu(self.hidden(xb)))
         """,
            "use n_hidden",
        ),
        (
            """
         class MnistMLP(nn.Module):
             def __init__(self, n_hidden=50):
                 super().__init__()
                 self.hidden, self.out = nn.Linear(784, n_hidden), nn.Linear(n_hidden, 10)
             def forward(self, xb):
                 return F.softmax(self.out(F.relu(self.hidden(xb))), dim=1)
         """,
            "raw scores",
        ),
        (
            """
         class MnistMLP(nn.Module):
             def __init__(self, n_hidden=50):
                 super().__init__()
                 self.hidden = nn.Linear(784, n_hidden)
             def forward(self, xb):
                 return F.relu(self.hidden(xb))
         """,
            "two nn.Linear layers",
        ),
    ],
    "04.train_step": [
        (
            """
         def train_step(model, loss_func, opt, xb, yb):
             loss = loss_func(model(xb), yb)
             loss.backward()
             opt.step()
             return loss.item()
         """,
            "opt.zero_grad()",
        ),
        (
            """
         def train_step(model, loss_func, opt, xb, yb):
             loss = loss_func(model(xb), yb)
             opt.step()
             opt.zero_grad()
             return loss.item()
         """,
            "did not change",
        ),
        (
            """
         def train_step(model, loss_func, opt, xb, yb):
             loss = loss_func(model(xb), yb)
             loss.backward()
             opt.step()
             opt.zero_grad()
             return loss
         """,
            "loss.item()",
        ),
    ],
    "04.get_adam_model": [
        (
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n"
            "    return model, optim.SGD(model.parameters(), lr=lr)",
            "optim.Adam",
        ),
        (
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n"
            "    return model, optim.Adam(nn.Linear(784, 10).parameters(), lr=lr)",
            "other parameters",
        ),
        (
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n"
            "    return model, optim.Adam(model.parameters())",
            "pass it on",
        ),
        (
            "def get_adam_model(lr=1e-3):\n    return optim.Adam(nn.Linear(784, 10).parameters())",
            "return two things",
        ),
    ],
    "05.PairDataset": [
        (
            """
         class PairDataset(Dataset):
             def __init__(self, x, y):
                 self.x, self.y = x, y
             def __len__(self):
                 return self.x.shape[1]
             def __getitem__(self, i):
                 return self.x[i], self.y[i]
         """,
            "number of examples",
        ),
        (
            """
         class PairDataset(Dataset):
             def __init__(self, x, y):
                 self.x, self.y = x, y
             def __len__(self):
                 return len(self.x)
             def __getitem__(self, i):
                 return self.x[i]
         """,
            "a pair",
        ),
        (
            """
         class PairDataset(Dataset):
             def __init__(self, x, y):
                 self.x, self.y = x, y
             def __getitem__(self, i):
                 return self.x[i], self.y[i]
         """,
            "define __len__",
        ),
        (
            """
         class PairDataset(Dataset):
             def __init__(self, x, y):
                 self.x, self.y = x, y
             def __len__(self):
                 return len(self.x)
             def __getitem__(self, i):
                 pass
         """,
            "returned None",
        ),
    ],
    "05.make_loader": [
        ("def make_loader(ds, bs): return DataLoader(ds, batch_size=bs)", "shuffle=True"),
        (
            "def make_loader(ds, bs): return DataLoader(ds, batch_size=bs, shuffle=True)",
            "own generator",
        ),
        (
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True, "
            "generator=torch.Generator().manual_seed(1))",
            "seed the generator with 0",
        ),
        (
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=64, shuffle=True, "
            "generator=torch.Generator().manual_seed(0))",
            "batch_size should be bs",
        ),
        ("def make_loader(ds, bs): return list(ds)", "return a DataLoader"),
    ],
    "06.step_record": [
        (
            "def step_record(epoch, loss): return {'epoch': epoch, 'train_loss': loss}",
            "loss.item()",
        ),
        ("def step_record(epoch, loss): return {'epoch': epoch, 'loss': loss.item()}", "keys"),
        ("def step_record(epoch, loss): return (epoch, loss.item())", "return a dict"),
    ],
    "06.epoch_means": [
        (
            """
         def epoch_means(records):
             by = {}
             for r in records:
                 by.setdefault(r["epoch"], []).append(r["train_loss"])
             return [sum(v) / len(v) for v in by.values()]
         """,
            "skip them",
        ),
        (
            """
         def epoch_means(records):
             losses = [r["train_loss"] for r in records if "train_loss" in r]
             return sum(losses) / len(losses)
         """,
            "one mean per epoch",
        ),
        (
            """
         def epoch_means(records):
             by = {}
             for r in records:
                 if "train_loss" in r:
                     by[r["epoch"]] = by.get(r["epoch"], 0) + r["train_loss"]
             return list(by.values())
         """,
            "sum per epoch",
        ),
    ],
    "07.valid_accuracy": [
        (
            """
         def valid_accuracy(model, batches):
             model.eval()
             right = n = 0
             for xb, yb in batches:
                 right += (model(xb).argmax(1) == yb).sum().item()
                 n += len(xb)
             return right / n
         """,
            "torch.no_grad()",
        ),
        (
            """
         def valid_accuracy(model, batches):
             right = n = 0
             with torch.no_grad():
                 for xb, yb in batches:
                     right += (model(xb).argmax(1) == yb).sum().item()
                     n += len(xb)
             return right / n
         """,
            "model.eval()",
        ),
        (
            """
         def valid_accuracy(model, batches):
             model.eval()
             with torch.no_grad():
                 accs = [(model(xb).argmax(1) == yb).float().mean().item() for xb, yb in batches]
             return sum(accs) / len(accs)
         """,
            "weight each batch",
        ),
    ],
    "07.halve_lr": [
        (
            "def halve_lr(opt):\n    def hook(metrics):\n"
            "        opt.param_groups[0]['lr'] /= 2\n    return hook",
            "every group",
        ),
        (
            "def halve_lr(opt):\n    start = [g['lr'] for g in opt.param_groups]\n"
            "    def hook(metrics):\n        for g, lr in zip(opt.param_groups, start):\n"
            "            g['lr'] = lr / 2\n    return hook",
            "the current lr",
        ),
        (
            "def halve_lr(opt):\n    def hook():\n        for g in opt.param_groups:\n"
            "            g['lr'] /= 2\n    return hook",
            "one argument",
        ),
        (
            "def halve_lr(opt):\n    for g in opt.param_groups:\n        g['lr'] /= 2\n"
            "    return opt",
            "only make the hook",
        ),
    ],
    "08.conv_out": [
        (
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n"
            "    return (size + 2 * padding - kernel_size) / stride + 1",
            "floor-divide",
        ),
        (
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n"
            "    return (size + 2 * padding - kernel_size) // stride",
            "off by one",
        ),
        (
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n"
            "    return (size + padding - kernel_size) // stride + 1",
            "both sides",
        ),
    ],
    "08.conv_params": [
        ("def conv_params(c_in, c_out, k): return c_out * c_in * k * k", "bias"),
        ("def conv_params(c_in, c_out, k): return c_out * c_in * k + c_out", "kernel_size x"),
        ("def conv_params(c_in, c_out, k): return c_out * k * k + c_out", "x c_in"),
    ],
    "09.flatten_images": [
        ("def flatten_images(x): return x.view(-1)", "batch dimension"),
        ("def flatten_images(x): return x.view(-1, 784)", "hard-code 784"),
        ("def flatten_images(x): return x.squeeze()", "squeeze"),
    ],
    "09.tiny_cnn": [
        (
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), "
            "nn.ReLU(), nn.AvgPool2d(4), Lambda(flatten), nn.Linear(8, 10))",
            "AdaptiveAvgPool2d",
        ),
        (
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), "
            "nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Linear(8, 10))",
            "Lambda(flatten)",
        ),
    ],
    "10.batch_to": [
        (
            "def batch_to(batch, device):\n    for t in batch:\n        t.to(device)\n"
            "    return batch",
            "keep what it returns",
        ),
        ("def batch_to(batch, device): return (batch[0].to(device),)", "move every one"),
        ("def batch_to(batch, device): return (t.to(device) for t in batch)", "a tuple"),
    ],
    "10.n_batches": [
        ("def n_batches(n, bs): return n // bs", "the last, smaller batch"),
        ("def n_batches(n, bs): return n / bs", "whole number"),
        ("def n_batches(n, bs): return n // bs + 1", "no extra batch"),
    ],
    "11.conv_bn": [
        (
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, "
            "padding=1), nn.BatchNorm2d(c_out), nn.ReLU())",
            "bias=False",
        ),
        (
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, "
            "padding=1, bias=False), nn.ReLU(), nn.BatchNorm2d(c_out))",
            "then ReLU",
        ),
        (
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, "
            "padding=1, bias=False), nn.BatchNorm1d(c_out), nn.ReLU())",
            "BatchNorm2d",
        ),
        (
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, "
            "padding=1, bias=False), nn.ReLU())",
            "nn.BatchNorm2d(c_out)",
        ),
        (
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, "
            "bias=False), nn.BatchNorm2d(c_out), nn.ReLU())",
            "padding=1",
        ),
    ],
    "11.shift_right": [
        ("def shift_right(xb, pixels): return torch.roll(xb, pixels, dims=-1)", "torch.roll"),
        (
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n"
            "    out[..., pixels:, :] = xb[..., :xb.shape[-2] - pixels, :]\n    return out",
            "the last dimension",
        ),
        (
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n"
            "    out[..., :xb.shape[-1] - pixels] = xb[..., pixels:]\n    return out",
            "left",
        ),
        (
            "def shift_right(xb, pixels):\n    xb[..., pixels:] = xb[..., :xb.shape[-1] - pixels]\n"
            "    xb[..., :pixels] = 0\n    return xb",
            "do not change xb",
        ),
        (
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n"
            "    out[..., pixels:] = xb[..., :-pixels]\n    return out",
            "pixels=0",
        ),
    ],
}


def test_at_least_22_exercises_two_or_three_per_notebook():
    assert len(NAMES) >= 22
    per = {nb: sum(n.startswith(nb) for n in NAMES) for nb in ex.notebooks()}
    assert sorted(per) == [f"{i:02d}" for i in range(1, 12)]
    assert all(2 <= k <= 3 for k in per.values()), per


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes_and_a_passed_answer_comes_back(name, capsys):
    assert ex.core.judge(ex.EXERCISES[name], ex.EXERCISES[name].reference) == ("passed", "passed")
    mine = define(name, ex.solution_source(name))  # the learner's own copy
    assert ex.check(name, mine) is mine
    capsys.readouterr()


# ------------------------------------------------------------- run again, out of order
@pytest.fixture
def fresh(monkeypatch):
    """A new kernel: no answers remembered, nothing passed."""
    monkeypatch.setattr(ex.core, "_status", {})
    monkeypatch.setattr(ex.core, "_learner", {})


def progress_line(notebook, capsys):
    capsys.readouterr()
    ex.progress(notebook)
    return capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_a_check_run_again_judges_the_learners_own_answer(name, capsys, fresh):
    """The notebook's own line, `answer = ex.check(name, answer)`, run as a learner runs it:
    twice, and out of order; the reference it hands back is never judged as theirs."""
    nb = name[:2]
    stub = define(name, stub_source(name))
    wrong_code = MISTAKES[name][0][0]
    right = define(name, ex.solution_source(name))

    def run_check(answer, times=2):
        lines = []
        for _ in range(times):
            answer = ex.check(name, answer)
            lines.append(capsys.readouterr().out.split(": ", 1)[1].strip())
        return answer, lines

    answer, lines = run_check(stub)  # the stub, checked twice
    assert lines == ["not attempted yet"] * 2
    assert f"{nb}: 0 of" in progress_line(nb, capsys)
    answer, lines = run_check(define(name, wrong_code))  # a wrong answer, checked twice
    assert lines[0].startswith("wrong: ") and lines[1] == lines[0], lines
    assert answer is ex.EXERCISES[name].reference
    assert f"{nb}: 0 of" in progress_line(nb, capsys)
    answer, lines = run_check(right, times=3)  # a right one
    assert lines == ["passed"] * 3 and answer is right
    assert f"{nb}: 1 of" in progress_line(nb, capsys)
    # out of order: the exercise cell run again with the stub, then the check cell twice
    answer, lines = run_check(define(name, stub_source(name)))
    assert lines == ["not attempted yet"] * 2
    assert f"{nb}: 0 of" in progress_line(nb, capsys)


def test_the_reference_alone_is_never_the_learners(capsys, fresh):
    """A kernel where the exercise cell never ran but the reference is bound: not attempted."""
    reference = ex.EXERCISES["01.softmax"].reference
    assert line_for("01.softmax", reference, capsys) == "not attempted yet"
    assert ex.check("01.softmax", reference) is reference
    assert "01: 0 of 2" in progress_line("01", capsys)


@pytest.mark.parametrize("name", NAMES)
def test_the_stub_is_not_attempted_and_the_reference_is_used(name, capsys):
    answer = ex.EXERCISES[name].answer
    stub = define(name, stub_source(name))
    assert line_for(name, stub, capsys) == "not attempted yet"
    assert ex.check(name, stub) is ex.EXERCISES[name].reference
    capsys.readouterr()
    assert line_for(name, None, capsys) == "not attempted yet"
    assert answer in stub_source(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_known_mistake_gets_its_own_hint(name, capsys):
    hints = []
    for code, hint in MISTAKES[name]:
        line = line_for(name, define(name, code), capsys)
        assert line.startswith("wrong: ") and hint in line, (code, line)
        hints.append(line)
    assert len(set(hints)) == len(hints), "two mistakes, one hint"


def test_every_exercise_has_mistakes_tested():
    assert set(MISTAKES) == set(NAMES)


# ------------------------------------------------------------- the catalogue
ENTRIES = [(name, i) for name in CATALOGUE for i in range(len(CATALOGUE[name]))]


def test_the_catalogue_has_4_wrong_and_1_other_right_answer_per_exercise():
    assert set(CATALOGUE) == set(NAMES)
    for name, entries in CATALOGUE.items():
        verdicts = [expected.split(":")[0] for expected, _ in entries]
        assert verdicts.count("wrong") >= 4 and verdicts.count("passed") >= 1, name
        known = {code for code, _ in MISTAKES[name]}
        new = [code for expected, code in entries if expected.startswith("wrong")]
        assert sum(code not in known for code in new) > len(new) / 2, f"{name}: mostly new"


@pytest.mark.parametrize(("name", "i"), ENTRIES, ids=[f"{n}-{i}" for n, i in ENTRIES])
def test_the_catalogue_answer_gets_its_verdict(name, i, capsys):
    expected, code = CATALOGUE[name][i]
    line = line_for(name, define(name, code), capsys)
    if expected == "passed":
        assert line == "passed", (code, line)
    else:
        verdict, fragment = expected.split(": ", 1)
        assert line.startswith(f"{verdict}: ") and fragment in line, (code, line)


def raising(*args, **kwargs):
    raise ValueError("oops")


JUNK = [
    42,
    "text",
    [1, 2],
    raising,
    lambda *a, **k: float("inf"),
    lambda *a, **k: torch.full((99, 7), float("nan")),
    lambda *a, **k: (1, 2, 3),
    lambda *a, **k: torch.zeros(0),
    lambda *a, **k: object(),
    type("Junk", (), {}),
]


@pytest.mark.parametrize("name", NAMES)
def test_junk_never_raises_and_gets_one_line(name, capsys):
    for junk in JUNK:
        line = line_for(name, junk, capsys)
        assert line.startswith("wrong: "), (junk, line)


def test_an_error_names_the_exception_and_the_line_of_the_learners_code(capsys):
    answer = define("01.softmax", "def softmax(x):\n    e = x.exp()\n    return e / e.total()")
    line = line_for("01.softmax", answer, capsys)
    assert line.startswith("wrong: AttributeError in softmax, line 3 (`return e / e.total()`)")


def test_an_endless_loop_is_stopped(monkeypatch, capsys):
    monkeypatch.setattr(ex.core, "SECONDS", 0.5)
    answer = define("10.n_batches", "def n_batches(n, bs):\n    while True:\n        pass")
    assert "endless loop" in line_for("10.n_batches", answer, capsys)


def test_a_check_leaves_random_numbers_and_grad_mode_alone(capsys):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    for name in NAMES:  # they create models, shuffle loaders, use dropout
        ex.check(name, define(name, ex.solution_source(name)))
        ex.check(
            name,
            define(
                name,
                stub_source(name).replace("...", "torch.set_grad_enabled(False) or torch.rand(5)"),
            ),
        )
    assert torch.equal(torch.rand(3), expected) and torch.is_grad_enabled()
    capsys.readouterr()


def test_progress_counts_what_passed_in_one_line(capsys, monkeypatch):
    monkeypatch.setattr(ex.core, "_status", {})
    ex.check(
        "02.my_cross_entropy", define("02.my_cross_entropy", MISTAKES["02.my_cross_entropy"][0][0])
    )
    ex.check(
        "02.my_cross_entropy",
        define("02.my_cross_entropy", ex.solution_source("02.my_cross_entropy")),
    )
    capsys.readouterr()
    ex.progress("02")
    assert capsys.readouterr().out == (
        "Exercises in notebook 02: 1 of 2 passed (still to do: 02.stable_log_softmax)\n"
    )


def test_hints_come_one_by_one_then_point_to_the_solution(capsys, monkeypatch):
    monkeypatch.setattr(ex.core, "_hints_given", {})
    for i in range(1, 3):
        ex.hint("08.conv_out")
        assert capsys.readouterr().out.startswith(f"Hint {i} of 2 for 08.conv_out: ")
    ex.hint("08.conv_out")
    assert "ex.solution('08.conv_out')" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_is_the_reference_renamed_and_it_passes(name, capsys):
    ex.solution(name)
    text = capsys.readouterr().out
    answer = ex.EXERCISES[name].answer
    assert re.match(rf"(def|class) {answer}\b", text) and "@exercise" not in text
    assert line_for(name, define(name, text), capsys) == "passed"
    assert len(ex.EXERCISES[name].hints) >= 2


# ------------------------------------------------------------- the cells in the notebooks
@functools.cache
def exercise_cells():
    """(source file, cells, index) of every cell tagged exercise."""
    found = []
    for src in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        cells = jupytext.read(src).cells
        found += [
            (src, cells, i) for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", [])
        ]
    return found


def stub_source(name):
    for _src, cells, i in exercise_cells():
        nxt = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        if f'ex.check("{name}"' in nxt.source:
            return cells[i].source
    raise LookupError(name)


def test_lint_every_exercise_cell_has_task_check_hints_and_solution():
    seen = []
    for src, cells, i in exercise_cells():
        cell, task = cells[i], cells[i - 1]
        check = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        m = re.search(r'(\w+) = ex\.check\("(\d\d\.\w+)", (\w+)\)', check.source)
        assert m and m.group(1) == m.group(3), f"{src.name}: no check after cell {i}"
        name = m.group(2)
        answer = ex.EXERCISES[name].answer
        assert name.startswith(src.name[:2]) and m.group(1) == answer
        assert task.cell_type == "markdown" and task.metadata.get("slide_type") in (
            "slide",
            "subslide",
        ), f"{name}: the task is a markdown cell on its own slide"
        assert task.source.startswith("## Exercise") and f"`{answer}" in task.source
        assert f'`ex.hint("{name}")`' in task.source and f'`ex.solution("{name}")`' in task.source
        tree = ast.parse(cell.source)  # the stub parses, raises nothing, defines the answer
        assert not any(isinstance(node, ast.Raise) for node in tree.body)
        assert answer in {n.name for n in tree.body if hasattr(n, "name")}
        assert "ex.hint" not in check.source and "ex.solution" not in check.source
        ast.parse(solved(cell.source, name))
        assert "deliberately broken" in broken(cell.source)
        seen.append(name)
    assert sorted(seen) == sorted(NAMES), "an exercise is in no notebook, or in two"


def test_each_notebook_ends_its_exercises_with_its_progress():
    for src in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        code = [c.source for c in jupytext.read(src).cells if c.cell_type == "code"]
        checks = [i for i, s in enumerate(code) if "ex.check(" in s]
        progress = [i for i, s in enumerate(code) if f'ex.progress("{src.name[:2]}")' in s]
        if checks:
            assert len(progress) == 1 and progress[0] > checks[-1], src.name
        else:
            assert not progress, src.name


@pytest.mark.parametrize("name", NAMES)
def test_the_cells_of_the_solved_and_wrong_runs_check_as_those_runs_expect(name, capsys):
    """What tools/exercise_runs.py puts in each exercise cell, checked here in a second."""
    cell = stub_source(name)
    assert line_for(name, define(name, solved(cell, name)), capsys) == "passed"
    line = line_for(name, define(name, broken(cell)), capsys)
    assert line.startswith("wrong: RuntimeError in ") and "deliberately broken" in line, line


def bound(tree) -> set[str]:
    """The names a piece of code binds: imports, definitions, assignments, arguments."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def test_each_solution_uses_only_names_its_notebook_has_by_then():
    """The solved run puts the reference into the cell: what it uses must exist there."""
    for src, cells, i in exercise_cells():
        before = set(dir(builtins))
        for cell in cells[:i]:
            if cell.cell_type == "code":
                before |= bound(ast.parse(cell.source))
        name = re.search(r'ex\.check\("(\d\d\.\w+)"', check_cell_after(cells, i)).group(1)
        tree = ast.parse(solved(cells[i].source, name))
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        missing = used - bound(tree) - before
        assert not missing, f"{src.name}, {name}: the solution needs {sorted(missing)}"


def check_cell_after(cells, i):
    return next(c for c in cells[i + 1 :] if c.cell_type == "code").source


def test_the_learners_prints_do_not_add_lines_and_numpy_numbers_count(capsys):
    import numpy as np

    answer = define("10.n_batches", "def n_batches(n, bs):\n    print('hi')\n    return n // bs")
    assert "the last, smaller batch" in line_for("10.n_batches", answer, capsys)
    space = {"np": np}
    exec("def n_batches(n, bs):\n    return np.int64((n + bs - 1) // bs)", space)
    assert line_for("10.n_batches", space["n_batches"], capsys) == "passed"


def test_a_shortcut_passes_with_a_note_and_the_library_is_put_back(capsys):
    originals = torch.softmax, F.softmax, nn.Conv2d.__init__
    answer = define("01.softmax", "def softmax(x):\n    return F.softmax(x, dim=-1)")
    line = line_for("01.softmax", answer, capsys)
    assert line.startswith("passed: correct, but ") and line.endswith("not call F.softmax")
    assert ex.core.judge(ex.EXERCISES["01.softmax"], answer)[0] == "passed"
    raising = define(  # a shortcut, then an error: the spies go all the same
        "08.conv_params",
        "def conv_params(c_in, c_out, k):\n    nn.Conv2d(c_in, c_out, k)\n    1 / 0",
    )
    assert line_for("08.conv_params", raising, capsys).startswith("wrong: ZeroDivisionError")
    assert (torch.softmax, F.softmax, nn.Conv2d.__init__) == originals
    assert "softmax" not in vars(torch.Tensor)  # inherited again, as before
