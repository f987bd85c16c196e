"""The instruments that utils/ddp.py carries but that train nothing (notebook 12 and
tools/ddp.py use what they print): clocks that split a step into arithmetic and waiting for
the gradients' all-reduce, a check that every rank ends with the same weights, and a fault
injected on purpose (``--fail-at-step``) to show a restart.

They sit apart so that the script reads as the training alone: it calls each in one line.
``Probe``'s communication hook is DDP's own all-reduce with a clock around it. Without it, DDP
multiplies each gradient by 1/N where the hook divides it by N: with 2 ranks (as here) both are
exact, so the gradients, and every number the script prints but the clocks, are the same; with
other N the last bit may differ.
"""

from __future__ import annotations

import contextlib
import os
import time

import torch
import torch.distributed as dist
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook


def timed_allreduce(seconds: list):
    """A DDP communication hook: DDP's own all-reduce (the gradients averaged over the ranks;
    with 2 ranks, bit for bit what DDP does without a hook), timed from the moment a bucket of
    gradients is ready until every rank has the average. That includes waiting for the slowest
    rank."""

    def hook(_, bucket):
        start = time.perf_counter()

        def done(fut):
            seconds.append(time.perf_counter() - start)
            return fut.value()

        return allreduce_hook(None, bucket).then(done)

    return hook


def exchange_seconds(numbers: int, repeats: int = 200) -> float:
    """The all-reduce alone: seconds for one of ``numbers`` floats, with the ranks in step."""
    buffer = torch.zeros(numbers)
    dist.barrier()  # start together, so that no rank waits for a slower one
    start = time.perf_counter()
    for _ in range(repeats):
        dist.all_reduce(buffer)
    return (time.perf_counter() - start) / repeats


def weights_agree(model) -> float:
    """The largest difference between this rank's weights and rank 0's (0.0: identical)."""
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    reference = flat.clone()
    dist.broadcast(reference, src=0)
    gap = (flat - reference).abs().max()
    dist.all_reduce(gap, op=dist.ReduceOp.MAX)
    return gap.item()


def _averaged(*values: float) -> list[float]:
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return (t / dist.get_world_size()).tolist()


class Probe:
    """Clocks on one rank's training of a DDP ``model``: the time inside each step (forward,
    backward with its all-reduce, optimizer step), the images it trained on, and, through a
    communication hook, the time each all-reduce of the gradients took."""

    def __init__(self, model):
        self.model, self.allreduce_seconds = model, []
        model.register_comm_hook(None, timed_allreduce(self.allreduce_seconds))
        self.steps, self.images, self.step_seconds = 0, 0, 0.0
        self.start = time.perf_counter()

    @contextlib.contextmanager
    def step(self, images: int):
        start = time.perf_counter()
        yield
        self.step_seconds += time.perf_counter() - start
        self.steps, self.images = self.steps + 1, self.images + images

    def report(self, say) -> None:
        """Every rank calls it (it exchanges); ``say`` prints (on rank 0): whether the ranks'
        weights agree, samples/s since the probe started, a step split into arithmetic and
        waiting for the all-reduce, and the all-reduce alone."""
        seconds = time.perf_counter() - self.start
        world = dist.get_world_size()
        gap = weights_agree(self.model)
        say(f"weights identical on all {world} ranks: {gap == 0.0} (largest difference {gap:.1e})")
        images = _averaged(self.images)[0] * world  # what all ranks trained on, this attempt
        say(f"samples/s: {images / seconds:,.0f} ({seconds:.1f} s)")
        numbers = sum(p.numel() for p in self.model.parameters())
        step_s, wait_s = _averaged(
            self.step_seconds / self.steps, sum(self.allreduce_seconds) / self.steps
        )
        alone_s = _averaged(exchange_seconds(numbers))[0]
        say(
            f"a step: {1000 * step_s:.2f} ms = {1000 * (step_s - wait_s):.2f} ms arithmetic + "
            f"{1000 * wait_s:.2f} ms waiting for the gradients' all-reduce"
        )
        say(f"the all-reduce alone: {1000 * alone_s:.2f} ms ({numbers:,} numbers, ranks in step)")


def fail_here(rank: int, world: int, step: int, fail_at: int | None) -> None:
    """The injected fault: the last rank dies at step ``fail_at``, on the first attempt only
    (torchrun counts restarts in TORCHELASTIC_RESTART_COUNT)."""
    first_attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") == "0"
    if step == fail_at and rank == world - 1 and first_attempt:
        raise RuntimeError(f"fault injected: rank {rank} dies at step {step}")
