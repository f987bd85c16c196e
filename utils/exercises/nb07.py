"""Notebook 07, validation and fit's hooks: the judges of its exercises and their reference
solutions."""

import math

import torch
from torch import nn, optim

from .core import Wrong, _gen, call, exercise, expect


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
            ("a fraction between 0 and 1, not a percentage", 60.0),
            (
                "that divides by len(batches) x the first batch's size, but the last batch is "
                "smaller: count the examples, n += len(xb)",
                0.5,
            ),
            ("that is the error rate; count predictions equal to yb (==)", 0.4),
        ],
        what="the accuracy",
    )
    got = call(f, model, batches[:2], what="valid_accuracy")  # other batches: nothing hard-coded
    expect(got, 5 / 8, what="on the first two batches (5 of 8 right) the accuracy")


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
    hook = call(f, opt, what="halve_lr", none_ok=True)
    lrs = lambda: [g["lr"] for g in opt.param_groups]  # noqa: E731
    if lrs() != [0.4, 0.1]:
        raise Wrong(
            "halve_lr(opt) changed the lr at once: it should only make the hook and return it; "
            "the hook halves the lr each time fit calls it"
        )
    if hook is None:
        raise Wrong("halve_lr returned None: return the hook (the inner function, not called)")
    if not callable(hook):
        raise Wrong("return the hook itself: a function of the metrics dict, defined inside")
    metrics = {"epoch": 1, "valid_loss": 1.0, "valid_acc": 0.5}
    hook(dict(metrics))
    if lrs() == [0.2, 0.1]:
        raise Wrong("change every group: for group in opt.param_groups")
    if lrs() == [0.4, 0.1]:
        raise Wrong("the hook changed no lr: set it in the group, group['lr'] /= 2")
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
    errors={
        r"positional argument": "fit calls the hook with one argument, the metrics dict",
        r"object has no attribute 'lr'": "an optimizer keeps its lr in each parameter group: "
        "for group in opt.param_groups: group['lr'] /= 2",
    },
)
def _halve_lr(opt):
    def hook(metrics):
        for group in opt.param_groups:
            group["lr"] /= 2

    return hook
