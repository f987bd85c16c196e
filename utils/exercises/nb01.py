"""Notebook 01, from scratch: the judges of its exercises and their reference solutions."""

import torch
import torch.nn.functional as F

from .core import Wrong, _gen, call, exercise, expect


def _judge_softmax(f):
    x = torch.randn(3, 10, generator=_gen())
    got = call(f, x.clone())
    arg = x.clone()
    call(f, arg)
    if not torch.equal(arg, x):
        raise Wrong(
            "your function changed the scores passed in (x.exp_() changed the scores in place, "
            "or an -= / /=): x.exp() makes a new tensor"
        )
    expect(
        got,
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
    # right for this batch of 3 rows only? A single row, and scores of another size
    for other in (torch.randn(1, 10, generator=_gen(20)), torch.randn(4, 3, generator=_gen(21))):
        expect(
            call(f, other),
            torch.softmax(other, dim=-1),
            what=f"for scores of shape {tuple(other.shape)} the result",
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
        "keep it with .sum(-1, keepdim=True)",
        r"invalid for input of size": "that fits 3 rows only: .sum(-1, keepdim=True) keeps "
        "the row sums as a column for any batch",
    },
    shortcuts=[(torch, "softmax"), (F, "softmax"), (torch.Tensor, "softmax")],
    build="from x.exp() and each row's sum",
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
            ("that divides by the number of classes (10); divide by the batch: .mean()", 0.4),
        ],
        what="the error rate",
    )
    # another batch: 1 of 4 wrong (a hard-coded 4 / 6, or a fixed batch size, fails here)
    out2 = torch.randn(4, 10, generator=_gen(22))
    yb2 = out2.argmax(dim=1).clone()
    yb2[0] = (yb2[0] + 1) % 10
    expect(
        call(f, out2, yb2),
        0.25,
        [("that divides by a fixed batch size; .mean() divides by this batch's size", 1 / 6)],
        what="on a batch of 4 with 1 wrong, the error rate",
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
