"""Notebook 10, the GPU: the judges of its exercises and their reference solutions."""

import torch

from .core import Wrong, call, exercise, number


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
    if [g.dtype for g in got] != [b.dtype for b in batch]:
        raise Wrong(
            "moving should not change a tensor's dtype: the labels must stay integers for "
            "cross_entropy; t.to(device), without a dtype"
        )


@exercise(
    "10.batch_to",
    _judge_batch_to,
    [
        "A batch is a tuple of tensors of any length: loop over it.",
        "return tuple(t.to(device) for t in batch)",
    ],
    errors={
        r"CUDA|cuda": "move to the device you are given, t.to(device): .cuda() or 'cuda' fixes "
        "one device, and the machine may have none"
    },
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
