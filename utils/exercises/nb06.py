"""Notebook 06, logging with W&B: the judges of its exercises and their reference solutions."""

import math

import torch

from .core import Wrong, call, exercise, expect, number


def _judge_step_record(f):
    w = torch.tensor(1.5, requires_grad=True)
    for epoch, scale in ((3, 0.5), (0, 0.3)):  # two calls: a hard-coded epoch shows
        loss = (w * scale) ** 2
        want = {"epoch": epoch, "train_loss": loss.item()}
        rec = call(f, epoch, loss, what="step_record")
        if not isinstance(rec, dict):
            raise Wrong('return a dict, e.g. {"epoch": epoch, "train_loss": ...}')
        if set(rec) != {"epoch", "train_loss"}:
            raise Wrong(f"use the keys epoch and train_loss (the charts' names), not {sorted(rec)}")
        if isinstance(rec["train_loss"], torch.Tensor):
            raise Wrong("log loss.item(), a float: a tensor keeps its graph (and memory) alive")
        if callable(rec["train_loss"]):
            raise Wrong("loss.item is the method itself: call it, loss.item()")
        if rec["epoch"] in (epoch - 1, epoch + 1):
            raise Wrong(f"epoch {epoch} was logged as {rec['epoch']}: log the epoch you are given")
        if rec["epoch"] != epoch or not math.isclose(
            number(rec["train_loss"]), want["train_loss"], rel_tol=1e-6
        ):
            raise Wrong(f"expected {want}, got {rec}")


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
    # epochs of 3, 2 and 4 steps, losses spread unevenly: a median, a (min + max) / 2 or
    # fixed-size chunks each give other numbers than the mean
    losses = {1: [1.0, 2.0, 6.0], 2: [0.5, 1.5], 3: [0.2, 0.4, 0.4, 1.0]}
    records, step = [], 0
    for epoch, values in losses.items():
        for v in values:
            records.append({"_step": step, "epoch": epoch, "train_loss": v})
            step += 1
        records.append({"_step": step - 1, "epoch": epoch, "valid_loss": 0.9, "valid_acc": 0.8})
    records[1]["gradients/weight.values"] = [1]
    records.insert(5, {"_step": 4, "epoch": 2, "gradients/weight.values": [2]})  # no loss
    got = call(f, [dict(r) for r in records], what="epoch_means")
    if isinstance(got, dict):
        raise Wrong("return a list of the means, in epoch order: [mean of epoch 1, ...]")
    if isinstance(got, (list, tuple)):
        got = [number(v, "each mean") for v in got]
    flat = [v for values in losses.values() for v in values]
    chunks = [flat[i * 3 : (i + 1) * 3] for i in range(3)]
    expect(
        got,
        [3.0, 1.0, 0.5],
        [
            ("one mean per epoch: group the losses by r['epoch']", sum(flat) / len(flat)),
            ("that is a sum per epoch; divide by how many losses the epoch has", [9.0, 2.0, 2.0]),
            ("that is the median (the middle loss); the mean is sum / count", [2.0, 1.0, 0.4]),
            (
                "that is the median (torch's, the lower middle); the mean is sum / count",
                [2.0, 0.5, 0.4],
            ),
            ("(min + max) / 2 is not the mean; the mean is sum(v) / len(v)", [3.5, 1.0, 0.6]),
            (
                "epochs have different numbers of steps: group by r['epoch'], not by position",
                [sum(c) / len(c) for c in chunks],
            ),
            ("that is the last loss of each epoch; average all of them", [6.0, 1.5, 1.0]),
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
