"""Notebook 09's training under DistributedDataParallel: one process per rank, launched by
torchrun, on CPU with the gloo backend (notebook 12).

    torchrun --standalone --nproc_per_node 2 -m utils.ddp --epochs 1

Each rank trains on its own shard of every epoch (DistributedSampler), DDP averages the
gradients across ranks after each backward pass, validation sums are reduced across ranks,
and only rank 0 prints and saves. The per-rank batch is the global batch divided by the
number of ranks, so 1 and 2 processes take the same optimizer steps on the same images.

Rank 0 also prints the training loss of the whole global batch at a few steps (so that runs
with different numbers of processes can be compared step by step) and how a step's time splits
into arithmetic and waiting for the all-reduce of the gradients.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import optim
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, Subset

from .loaders import WrappedDataLoader, mnist_datasets, to_images
from .models import mnist_cnn
from .repro import seed_everything
from .training import loss_batch

LAUNCH = "torchrun --standalone --nproc_per_node 2 -m utils.ddp"
LOGGED_STEPS = (1, 10, 100)  # and the last step: where rank 0 prints the global batch's loss


def setup() -> tuple[int, int]:
    """Join the process group that torchrun described in the environment: (rank, world)."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise SystemExit(
            "utils.ddp is one rank of a distributed run: RANK and WORLD_SIZE are not set, so it "
            f"was not started by torchrun. Start it with: {LAUNCH}"
        )
    dist.init_process_group("gloo")  # gloo: CPUs (and GPUs); nccl is the faster one for GPUs
    return dist.get_rank(), dist.get_world_size()


def loaders(rank, world, global_bs, limit=None, seed=0):
    """Each rank's shard of the training and validation sets, as image batches."""
    train_ds, valid_ds = mnist_datasets()
    if limit:  # a small run for tests
        train_ds, valid_ds = Subset(train_ds, range(limit)), Subset(valid_ds, range(limit // 5))
    train_sampler = DistributedSampler(train_ds, world, rank, shuffle=True, seed=seed)
    valid_sampler = DistributedSampler(valid_ds, world, rank, shuffle=False)
    bs = global_bs // world  # the same global batch, whatever the number of ranks
    train_dl = DataLoader(train_ds, batch_size=bs, sampler=train_sampler)
    valid_dl = DataLoader(valid_ds, batch_size=2 * bs, sampler=valid_sampler)
    return (
        WrappedDataLoader(train_dl, to_images),
        WrappedDataLoader(valid_dl, to_images),
        train_sampler,
    )


@torch.no_grad()
def evaluate_across_ranks(model, loss_func, dl):
    """Like utils.training.evaluate, with the sums added up over every rank's shard."""
    model.eval()
    sums = torch.zeros(3, dtype=torch.float64)  # loss * n, correct, n
    for xb, yb in dl:
        out = model(xb)
        sums += torch.tensor(
            [loss_func(out, yb).item() * len(xb), (out.argmax(1) == yb).sum().item(), len(xb)],
            dtype=torch.float64,
        )
    dist.all_reduce(sums)  # every rank now holds the totals of all ranks
    return (sums[0] / sums[2]).item(), (sums[1] / sums[2]).item()


def weights_agree(model) -> float:
    """The largest difference between this rank's weights and rank 0's (0.0: identical)."""
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    reference = flat.clone()
    dist.broadcast(reference, src=0)
    gap = (flat - reference).abs().max()
    dist.all_reduce(gap, op=dist.ReduceOp.MAX)
    return gap.item()


def timed_allreduce(seconds: list):
    """A DDP communication hook: DDP's own all-reduce (the gradients averaged over the ranks,
    the same result as without a hook), timed from the moment a bucket of gradients is ready
    until every rank has the average. That includes waiting for the slowest rank."""

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


def mean_over_ranks(*values: float) -> list[float]:
    """Each value averaged over all ranks (every rank must call this at the same point)."""
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return (t / dist.get_world_size()).tolist()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="notebook 09's CNN, trained with DDP")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--bs", type=int, default=64, help="global batch size")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N only")
    parser.add_argument("--save", default=None, help="rank 0 saves the state_dict here")
    args = parser.parse_args(argv)
    rank, world = setup()
    torch.set_num_threads(1)  # one core per rank
    seed_everything(0)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model = DDP(mnist_cnn())
    allreduce_seconds = []
    model.register_comm_hook(None, timed_allreduce(allreduce_seconds))
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    train_dl, valid_dl, sampler = loaders(rank, world, args.bs, args.limit)
    say = print if rank == 0 else (lambda *a, **k: None)  # only rank 0 talks
    say(f"{world} process(es), {len(train_dl)} steps per epoch of {args.bs // world} per rank")
    last, step, step_seconds = args.epochs * len(train_dl), 0, 0.0
    start = time.perf_counter()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        model.train()
        for xb, yb in train_dl:
            step += 1
            step_start = time.perf_counter()
            loss = loss_batch(model, F.cross_entropy, xb, yb, opt)  # backward() all-reduces
            step_seconds += time.perf_counter() - step_start
            if step in LOGGED_STEPS or step == last:  # the mean of equal shards: the batch's
                say(f"step {step}: training loss {mean_over_ranks(loss)[0]:.7f}")
        valid_loss, valid_acc = evaluate_across_ranks(model, F.cross_entropy, valid_dl)
        say(f"epoch {epoch + 1}: validation loss {valid_loss:.4f}, accuracy {valid_acc:.4f}")
    seconds = time.perf_counter() - start
    gap = weights_agree(model)
    n = len(sampler) * world * args.epochs
    say(f"weights identical on all {world} ranks: {gap == 0.0} (largest difference {gap:.1e})")
    say(f"samples/s: {n / seconds:,.0f} ({seconds:.1f} s)")
    numbers = sum(p.numel() for p in model.parameters())
    step_s, wait_s = mean_over_ranks(step_seconds / step, sum(allreduce_seconds) / step)
    alone_s = mean_over_ranks(exchange_seconds(numbers))[0]
    say(
        f"a step: {1000 * step_s:.2f} ms = {1000 * (step_s - wait_s):.2f} ms arithmetic + "
        f"{1000 * wait_s:.2f} ms waiting for the gradients' all-reduce"
    )
    say(f"the all-reduce alone: {1000 * alone_s:.2f} ms ({numbers:,} numbers, ranks in step)")
    if rank == 0 and args.save:
        torch.save(model.module.state_dict(), args.save)  # .module: the model inside DDP
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
