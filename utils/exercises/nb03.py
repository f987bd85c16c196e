"""Notebook 03, nn.Module: the judges of its exercises and their reference solutions."""

import inspect

import torch
import torch.nn.functional as F
from torch import nn

from .core import Wrong, _gen, call, close, exercise, modules_of, number


def _judge_count_parameters(f):
    got = number(call(f, nn.Linear(784, 10)), "the count")
    if got == 2:
        raise Wrong("that counts the tensors (weight and bias); add up their sizes: p.numel()")
    if got == 20:
        raise Wrong("len(p) counts only the first dimension; p.numel() counts every number")
    if got != 7850:
        raise Wrong(f"nn.Linear(784, 10) has 7850 (784 x 10 weights + 10 biases), not {got}")
    frozen = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    frozen[0].requires_grad_(False)
    got = number(call(f, frozen), "the count")
    if got == 7850:
        raise Wrong("7850 again, for another model: count the parameters of the model given")
    if got == 26:
        raise Wrong("a frozen parameter (requires_grad=False) is not learned: skip it")
    if got == 16:
        raise Wrong("that counts the frozen ones only: keep those with p.requires_grad")
    if got != 10:
        raise Wrong(f"with the first layer frozen, 4 x 2 + 2 = 10 numbers are learned, not {got}")
    normed = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    got = number(call(f, normed), "the count")
    if got == 33:
        raise Wrong(
            "the state_dict also holds numbers that are not learned (this model's second "
            "layer, the flat form of notebook 11's batch norm, keeps running averages and a "
            "batch count): count model.parameters()"
        )
    if got != 24:
        raise Wrong(
            f"Linear(3, 4) then BatchNorm1d(4) (the flat form of notebook 11's batch norm) "
            f"learn 16 + 8 = 24 numbers, not {got}"
        )


@exercise(
    "03.count_parameters",
    _judge_count_parameters,
    [
        "model.parameters() gives the tensors; a tensor's .numel() is how many numbers it holds.",
        "sum(p.numel() for p in model.parameters() if p.requires_grad)",
    ],
    errors={
        r"tuple index out of range": "a bias has one dimension, a weight two: p.numel() counts "
        "the numbers of any shape"
    },
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
    lr = 0.25  # not the notebook's 0.1: a hard-coded learning rate shows
    call(f, model, lr, none_ok=True)
    after = [p.detach() for p in model.parameters()]
    if all(torch.equal(a, b) for a, b in zip(after, before)):
        raise Wrong(
            "the parameters did not change: `p = p - ...` makes a new tensor; "
            "change p itself with p -= p.grad * lr"
        )
    if all(close(a, b + g * lr) for a, b, g in zip(after, before, grads)):
        raise Wrong("that climbs the gradient: subtract it, p -= p.grad * lr")
    if all(close(a, b - g * 0.1) for a, b, g in zip(after, before, grads)):
        raise Wrong("that is a step of 0.1 whatever lr is given: use the lr argument")
    if all(close(a, b - g / lr) for a, b, g in zip(after, before, grads)):
        raise Wrong("that divides by lr; the step is the gradient times lr: p -= p.grad * lr")
    if not all(close(a, b - g * lr) for a, b, g in zip(after, before, grads)):
        changed = sum(not torch.equal(a, b) for a, b in zip(after, before))
        if changed < len(before):
            raise Wrong("only some parameters changed: update every p in model.parameters()")
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
    errors={
        r"unsupported operand type.*NoneType": "p.grad is None: the gradients were reset before "
        "the update used them; call model.zero_grad() after the loop"
    },
)
def _sgd_update(model, lr):
    with torch.no_grad():
        for p in model.parameters():
            p -= p.grad * lr
        model.zero_grad()


def _two_linears(model):
    """The learner's first (784 in) and last (10 out) nn.Linear, if there is one of each."""
    linears = [m for m in modules_of(model) if isinstance(m, nn.Linear)]
    first = [m for m in linears if m.in_features == 784]
    last = [m for m in linears if m.out_features == 10]
    if len(linears) == 2 and len(first) == 1 and len(last) == 1 and first[0] is not last[0]:
        return first[0], last[0]
    return None


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
    out = out.detach()
    if torch.allclose(out.sum(1), torch.ones(4), atol=1e-4) or (out <= 0).all():
        raise Wrong("return raw scores: F.cross_entropy applies log_softmax itself")
    layers = _two_linears(model)
    if layers is None:  # built some other way: judge by what comes out
        zero = model(torch.zeros(1, 784))
        if torch.allclose(model(a + b) - zero, (out - zero) + (model(b) - zero), atol=1e-4):
            raise Wrong(
                "without F.relu between them, two Linear layers are one linear map: "
                "add the nonlinearity"
            )
        return
    first, last = layers
    with torch.no_grad():
        h = first(a)
        if close(out, last(F.relu(h))):
            return
        if close(out, last(h)):
            raise Wrong(
                "without F.relu between them, two Linear layers are one linear map: "
                "add the nonlinearity"
            )
        if close(out, F.relu(last(h))) or close(out, F.relu(last(F.relu(h)))):
            raise Wrong(
                "a ReLU on the scores sets every negative score to 0, and a digit stuck there "
                "gets no gradient (the dead digits of notebook 09): F.relu goes between the "
                "layers; return the last layer's raw scores"
            )
        if close(out, torch.sigmoid(last(h))) or close(out, torch.sigmoid(last(F.relu(h)))):
            raise Wrong(
                "a sigmoid on the scores squeezes them into (0, 1): return the last layer's raw "
                "scores, F.relu goes between the layers"
            )
    raise Wrong("the scores differ from self.out(F.relu(self.hidden(xb))): Linear, F.relu, Linear")


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
