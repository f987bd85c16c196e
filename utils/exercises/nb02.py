"""Notebook 02, torch.nn.functional: the judges of its exercises and their reference solutions."""

import torch
import torch.nn.functional as F

from .core import Wrong, _gen, call, exercise, expect


def _judge_stable_log_softmax(f):
    # 3 rows of 4 (not square: a row max without keepdim cannot broadcast by accident)
    x = torch.tensor(
        [[1000.0, 0.0, -5.0, 2.0], [3.0, 1.0, 2.0, 0.5], [-1000.0, -999.0, -998.0, -1001.0]]
    )
    m = x.max(-1, keepdim=True).values
    top = x.max()
    c = x.max(0, keepdim=True).values  # each column's max
    got = call(f, x.clone())
    expect(
        got,
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
            (
                "exp overflowed or underflowed (inf or nan): subtract each row's max before exp",
                (x.exp() / x.exp().sum(-1, keepdim=True)).log(),
            ),
            (
                "that is the max of each column; a row is one example: x.max(-1, keepdim=True)",
                x - c - (x - c).exp().sum(-1, keepdim=True).log(),
            ),
        ],
    )
    arg = x.clone()
    call(f, arg)
    if not torch.equal(arg, x):
        raise Wrong("your function changed x itself (an in-place -=): compute x - m as new tensor")


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
    shortcuts=[
        (torch, "log_softmax"),
        (F, "log_softmax"),
        (torch.Tensor, "log_softmax"),
        (torch, "logsumexp"),
        (torch.Tensor, "logsumexp"),
    ],
    build="by subtracting each row's max before exp",
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
            (
                "nll_loss already negates: no minus sign in front of it",
                -F.cross_entropy(scores, target),
            ),
        ],
        what="the loss",
    )
    # scores far apart, as a confident wrong model gives: the right digit's probability is
    # exp(-200), 0 in float32, so log(softmax) is log(0) = -inf; log_softmax stays finite
    big = torch.tensor([[200.0, 0.0, 0.0, 0.0], [0.0, 150.0, 0.0, 0.0]])
    big_target = torch.tensor([1, 0])
    got = call(f, big, big_target)
    want = F.cross_entropy(big, big_target)
    if isinstance(got, torch.Tensor) and got.numel() == 1 and not torch.isfinite(got).all():
        raise Wrong(
            "for scores far apart, softmax gives 0 and its log -inf: torch.log(F.softmax(...)) "
            "is unstable; F.log_softmax computes the log directly"
        )
    expect(got, want, what="for scores far apart (200 vs 0) the loss")
    one = call(f, scores[:1], target[:1])
    expect(one, F.cross_entropy(scores[:1], target[:1]), what="for a batch of one image the loss")


@exercise(
    "02.my_cross_entropy",
    _judge_cross_entropy,
    [
        "Two functions of F, one after the other: first turn scores into log-probabilities, then "
        "take the negative log-likelihood.",
        "F.log_softmax(scores, dim=1), then F.nll_loss(that, target).",
    ],
    shortcuts=[(F, "cross_entropy")],
    build="from F.log_softmax and F.nll_loss",
)
def _my_cross_entropy(scores, target):
    return F.nll_loss(F.log_softmax(scores, dim=1), target)
