# %% 1 · what it is, how to start it
"""One rank of a data-parallel training: notebook 09's or 11's CNN, trained by several
processes with DistributedDataParallel (DDP) on CPU. Notebook 12 reads it part by part.

torchrun starts one process per rank and tells each who it is (RANK, WORLD_SIZE, ...):

    torchrun --standalone --nproc-per-node 2 -m utils.ddp --model cnn     # 09's CNN
    torchrun --standalone --nproc-per-node 2 -m utils.ddp --model recipe  # 11's recipe

Only rank 0 prints and saves. utils/ddp_launch.py starts it from Python; the clocks and
the fault on purpose are in utils/ddp_probes.py: they train nothing.
"""

# %% 2 · the imports: PyTorch's distributed pieces
import argparse
import itertools
import os
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import optim
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, Subset

# %% 3 · the imports: the series' own helpers
from . import ddp_probes as probes  # clocks, and a fault on purpose: they train nothing
from .loaders import WrappedDataLoader, mnist_datasets, to_images
from .models import mnist_cnn, recipe_cnn
from .repro import seed_everything
from .training import loss_batch

# %% 4 · the two models
# 09's CNN with SGD; 11's recipe without its random shifts and label smoothing (they add
# work to a step, but nothing that the ranks exchange). bs: the global batch, all ranks.
RECIPES = {"cnn": {"bs": 64, "lr": 0.1}, "recipe": {"bs": 256, "lr": 1e-2}}


def recipe(name, lr, steps):
    """The model, optimizer and scheduler (or None) of 09's CNN or of 11's recipe."""
    if name == "cnn":
        model = mnist_cnn()
        return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9), None
    model = recipe_cnn(norm=True).to(memory_format=torch.channels_last)  # as in 11
    opt = optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    sched = optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.15)
    return model, opt, sched


# %% 5 · each rank, its shard
def loaders(rank, world, global_bs, limit=None, seed=0):
    """Each rank's shard of the training and validation sets, as image batches."""
    train_ds, valid_ds = mnist_datasets()
    if limit:  # a small run for tests
        train_ds = Subset(train_ds, range(limit))
        valid_ds = Subset(valid_ds, range(limit // 5))
    # training: the same shuffle on every rank, each taking its share (padded if uneven)
    train_sampler = DistributedSampler(train_ds, world, rank, shuffle=True, seed=seed)
    # validation: every example exactly once (no padding), so the counts add up
    valid_shard = Subset(valid_ds, range(rank, len(valid_ds), world))
    bs = global_bs // world  # the same global batch, whatever the number of ranks
    train_dl = DataLoader(train_ds, batch_size=bs, sampler=train_sampler)
    valid_dl = DataLoader(valid_shard, batch_size=2 * bs)
    wrap = lambda dl: WrappedDataLoader(dl, to_images)  # rows of 784 -> (n, 1, 28, 28)
    return wrap(train_dl), wrap(valid_dl), train_sampler


# %% 6 · one number, averaged over the ranks
def mean_over_ranks(*values):
    """Each value's mean over the ranks (all must call it, or the others wait)."""
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)  # the sum over the ranks, on every rank
    return (t / dist.get_world_size()).tolist()


# %% 7 · a metric reduced across ranks
@torch.no_grad()
def evaluate_across_ranks(model, loss_func, dl):
    """utils.training.evaluate over every rank's shard: (loss, accuracy, count)."""
    model.eval()
    sums = torch.zeros(3, dtype=torch.float64)  # loss * n, correct, n: they add up
    for xb, yb in dl:
        out = model(xb)
        loss, correct = loss_func(out, yb).item(), (out.argmax(1) == yb).sum().item()
        sums += torch.tensor([loss * len(xb), correct, len(xb)], dtype=torch.float64)
    dist.all_reduce(sums)  # every rank now holds the totals of all ranks
    return (sums[0] / sums[2]).item(), (sums[1] / sums[2]).item(), int(sums[2])


# %% 8 · a checkpoint is written whole, or not at all
def save_checkpoint(path, state):
    """Write ``state`` to ``path`` atomically: into a temporary file beside it, flushed
    to disk, then renamed over it. A crash mid-write leaves the previous one whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX: readers see the old file or the new
    finally:
        tmp.unlink(missing_ok=True)


# %% 9 · reading a checkpoint back
def load_checkpoint(path, run):
    """The checkpoint at ``path`` (None if none), checked to belong to ``run``."""
    path = Path(path)
    if not path.exists():
        return None
    fix = "Delete it to start from scratch, or pass another --checkpoint."
    try:
        state = torch.load(path, weights_only=True)
    except Exception as err:  # not a file that torch.save wrote
        why = f"{path} is not a checkpoint of this script ({err!r})."
        raise SystemExit(f"{why} {fix}") from None
    if state.get("run") != run:  # another model, batch, learning rate, epochs or data
        theirs = state.get("run")
        raise SystemExit(f"{path} was written by another run ({theirs}). {fix}")
    return state


# %% 10 · main: the command line
@record  # a rank's exception goes into torchrun's failure report (its "Root Cause")
def main(argv=None):
    parser = argparse.ArgumentParser(description="09's or 11's CNN, trained with DDP")
    parser.add_argument("--model", choices=sorted(RECIPES), default="cnn")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--bs", type=int, default=None, help="global batch size")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N")
    parser.add_argument("--save", default=None, help="rank 0 saves the state_dict here")
    parser.add_argument("--checkpoint", default=None, help="resume from, save to")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="steps")
    parser.add_argument("--fail-at-step", type=int, default=None, help="inject a fault")
    args = parser.parse_args(argv)
    bs = args.bs or RECIPES[args.model]["bs"]
    lr = args.lr or RECIPES[args.model]["lr"]

    # %% 11 · joining the group
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:  # torchrun sets them
        raise SystemExit(
            "utils.ddp is one rank of a distributed run: RANK and WORLD_SIZE are not "
            "set, so it was not started by torchrun. Start it with: "
            "torchrun --standalone --nproc-per-node 2 -m utils.ddp"
        )
    dist.init_process_group("gloo")  # gloo: CPUs (and GPUs); nccl: faster on GPUs
    rank, world = dist.get_rank(), dist.get_world_size()
    if bs % world:
        raise SystemExit(f"--bs {bs} does not split over {world} ranks: use a multiple")
    torch.set_num_threads(1)  # one thread per rank
    say = print if rank == 0 else (lambda *a, **k: None)  # only rank 0 talks

    # %% 12 · the data, and the same model on every rank
    train_dl, valid_dl, sampler = loaders(rank, world, bs, args.limit)
    per_epoch, last = len(train_dl), args.epochs * len(train_dl)
    padded = len(sampler) * world - len(sampler.dataset)  # 0 when the shares are equal
    even = f" ({padded} example(s) repeated so that the ranks get equal shares)"
    say(
        f"{world} process(es), {per_epoch} steps per epoch of {bs // world} per rank"
        + (even if padded else "")
    )
    seed_everything(0)  # the same seed on every rank: the same initial weights
    model, opt, sched = recipe(args.model, lr, last)

    # %% 13 · resuming from a checkpoint
    run = dict(model=args.model, bs=bs, lr=lr, epochs=args.epochs, limit=args.limit)
    state = load_checkpoint(args.checkpoint, run) if args.checkpoint else None
    step = state["step"] if state else 0
    if state:  # every rank reads the same file (on several machines: shared storage)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched:
            sched.load_state_dict(state["scheduler"])
        restart = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        say(f"restart {restart}: resumed from the checkpoint of step {step}")

    # %% 14 · DDP(model)
    model = DDP(model)  # backward() now also averages the gradients over the ranks
    probe = probes.Probe(model)  # clocks on the steps and all-reduces: trains nothing
    if step >= last:  # the checkpoint of a finished run: report it, train nothing
        valid_loss, acc, _ = evaluate_across_ranks(model, F.cross_entropy, valid_dl)
        say(
            f"{args.checkpoint} holds a finished run (step {step} of {last}): "
            f"validation loss {valid_loss:.4f}, accuracy {acc:.4f}. "
            "Nothing left to train; delete the checkpoint to train again."
        )
        dist.destroy_process_group()
        return 0

    # %% 15 · the loop
    for epoch in range(step // per_epoch, args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        model.train()
        # resuming mid-epoch: the same shuffle, without the batches already trained on
        for xb, yb in itertools.islice(train_dl, step - epoch * per_epoch, None):
            step += 1
            probes.fail_here(rank, world, step, args.fail_at_step)  # a fault on purpose
            with probe.step(len(xb)):  # a clock around the step; it trains nothing
                loss = loss_batch(model, F.cross_entropy, xb, yb, opt)  # all-reduces
                if sched:
                    sched.step()
            if step in (1, 10, 100) or step == last:  # all ranks join: the batch's loss
                say(f"step {step}: training loss {mean_over_ranks(loss)[0]:.7f}")

            # %% 16 · a checkpoint every few steps; validation after each epoch
            if args.checkpoint and rank == 0 and step % args.checkpoint_every == 0:
                save_checkpoint(args.checkpoint, {
                    "run": run, "step": step, "model": model.module.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict() if sched else None,
                })  # fmt: skip
        valid_loss, acc, n = evaluate_across_ranks(model, F.cross_entropy, valid_dl)
        say(
            f"epoch {epoch + 1}: validation loss {valid_loss:.4f}, accuracy {acc:.4f} "
            f"({n:,} images)"
        )

    # %% 17 · the end
    probe.report(say)  # weights the same on every rank? samples/s, a step's split
    if rank == 0 and args.save:
        torch.save(model.module.state_dict(), args.save)  # .module: the model in DDP
    dist.destroy_process_group()  # leave the group: every rank, at the end
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
