"""Notebook 04, torch.optim: the judges of its exercises and their reference solutions."""

import torch
import torch.nn.functional as F
from torch import nn, optim

from .core import Wrong, _gen, call, close, exercise


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
        raise Wrong(
            "the parameters did not change: loss.backward() fills .grad, then opt.step() uses it "
            "(a zero_grad between them erases it)"
        )
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
    errors={
        r"does not require grad and does not have a grad_fn": "the loss has no graph (computed "
        "under torch.no_grad(), or detached): training needs it for backward()"
    },
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
        if type(opt) is not optim.Adam:  # not a relative (AdamW) either: the task says Adam
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
    errors={
        r"'method' object is not iterable": "model.parameters is a method: "
        "call it, optim.Adam(model.parameters(), lr=lr)",
        r"mat1 and mat2 shapes cannot be multiplied": "nn.Linear(in, out) takes the inputs "
        "first: nn.Linear(784, 10), 784 pixels in, 10 scores out",
    },
)
def _get_adam_model(lr=1e-3):
    model = nn.Linear(784, 10)
    return model, optim.Adam(model.parameters(), lr=lr)
