"""Notebook 09's and 11's training under DistributedDataParallel: one process per rank,
started by torchrun, on CPU with the gloo backend (notebook 12).

    torchrun --standalone --nproc-per-node 2 -m utils.ddp --model cnn    # 09's CNN
    torchrun --standalone --nproc-per-node 2 -m utils.ddp --model recipe # 11's recipe

Each rank trains on its own shard of every epoch (DistributedSampler), DDP averages the
gradients across ranks after each backward pass, validation sums are reduced across ranks,
and only rank 0 prints and saves. The per-rank batch is the global batch divided by the
number of ranks, so 1 and 2 processes take the same optimizer steps on the same images.

Rank 0 also prints the training loss of the whole global batch at a few steps (so that runs
with different numbers of processes can be compared step by step) and how a step's time splits
into arithmetic and waiting for the all-reduce of the gradients.

Surviving a crash: with ``--checkpoint PATH``, rank 0 writes the model, optimizer, scheduler
and step there every ``--checkpoint-every`` steps, atomically (a temporary file, then a
rename); a run that finds the file resumes from it (the sampler's epoch and the position in
it follow from the step). Under ``torchrun --max-restarts N`` a rank that dies makes torchrun
restart every rank, and they carry on from the last checkpoint. ``--fail-at-step K`` makes the
last rank die at step K on the first attempt: a fault injected on purpose.

``command``, ``torchrun`` and ``torchrun_nodes`` start it from Python (notebook 12,
tools/ddp.py): torchrun itself does the launching, on one machine or as several "nodes".
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import optim
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, Subset

from .loaders import WrappedDataLoader, mnist_datasets, to_images
from .models import mnist_cnn, recipe_cnn
from .repro import seed_everything
from .training import loss_batch

LAUNCH = "torchrun --standalone --nproc-per-node 2 -m utils.ddp"
LOGGED_STEPS = (1, 10, 100)  # and the last step: where rank 0 prints the global batch's loss
# The two recipes: 09's CNN with SGD, and 11's (batch norm, AdamW, one cycle; without 11's
# random shifts and label smoothing: the shifts add a little work to each step, but nothing
# DDP exchanges, which is the same with or without them)
RECIPES = {
    "cnn": {"bs": 64, "lr": 0.1},
    "recipe": {"bs": 256, "lr": 1e-2},
}


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
    # training: if the ranks cannot get equal shares, the sampler pads with repeated examples
    train_sampler = DistributedSampler(train_ds, world, rank, shuffle=True, seed=seed)
    # validation: every example exactly once (no padding), so the counts add up to the set
    valid_shard = Subset(valid_ds, range(rank, len(valid_ds), world))
    bs = global_bs // world  # the same global batch, whatever the number of ranks
    train_dl = DataLoader(train_ds, batch_size=bs, sampler=train_sampler)
    valid_dl = DataLoader(valid_shard, batch_size=2 * bs)
    return (
        WrappedDataLoader(train_dl, to_images),
        WrappedDataLoader(valid_dl, to_images),
        train_sampler,
    )


@torch.no_grad()
def evaluate_across_ranks(model, loss_func, dl):
    """Like utils.training.evaluate, with the sums added up over every rank's shard:
    (loss, accuracy, number of examples)."""
    model.eval()
    sums = torch.zeros(3, dtype=torch.float64)  # loss * n, correct, n
    for xb, yb in dl:
        out = model(xb)
        sums += torch.tensor(
            [loss_func(out, yb).item() * len(xb), (out.argmax(1) == yb).sum().item(), len(xb)],
            dtype=torch.float64,
        )
    dist.all_reduce(sums)  # every rank now holds the totals of all ranks
    return (sums[0] / sums[2]).item(), (sums[1] / sums[2]).item(), int(sums[2])


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


def recipe(name: str, lr: float, total_steps: int):
    """The model, optimizer and scheduler (or None) of 09's CNN or of 11's recipe."""
    if name == "cnn":
        model = mnist_cnn()
        return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9), None
    model = recipe_cnn(norm=True).to(memory_format=torch.channels_last)  # as in notebook 11
    opt = optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps, pct_start=0.15)
    return model, opt, sched


# ------------------------------------------------------------------------ checkpoints
def save_checkpoint(path, state: dict) -> None:
    """Write ``state`` to ``path`` atomically: into a temporary file beside it, flushed to
    disk, then renamed over it. A crash mid-write leaves the previous checkpoint whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX: readers see the old file or the new one
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(path, run: dict) -> dict | None:
    """The checkpoint at ``path`` if there is one (None if not), checked to belong to ``run``
    (the recipe, batch, epochs and data it was written for)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, weights_only=True)
    except Exception as err:
        raise SystemExit(
            f"{path} is not a checkpoint this script wrote ({type(err).__name__}: {err}). "
            "Delete it to start from scratch, or pass another --checkpoint."
        ) from None
    if state.get("run") != run:
        raise SystemExit(
            f"{path} was written by another run ({state.get('run')}), not this one ({run}). "
            "Delete it to start from scratch, or pass another --checkpoint."
        )
    return state


def fail_here(rank: int, world: int, step: int, fail_at: int | None) -> None:
    """The injected fault: the last rank dies at step ``fail_at``, on the first attempt only
    (torchrun counts restarts in TORCHELASTIC_RESTART_COUNT)."""
    first_attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") == "0"
    if step == fail_at and rank == world - 1 and first_attempt:
        raise RuntimeError(f"fault injected: rank {rank} dies at step {step}")


# ------------------------------------------------------------------------------ main
@record  # a rank's exception goes into torchrun's failure report (its "Root Cause")
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="notebook 09's or 11's CNN, trained with DDP")
    parser.add_argument("--model", choices=sorted(RECIPES), default="cnn")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--bs", type=int, default=None, help="global batch size")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N only")
    parser.add_argument("--save", default=None, help="rank 0 saves the state_dict here")
    parser.add_argument("--checkpoint", default=None, help="resume from / checkpoint to here")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="steps between")
    parser.add_argument("--fail-at-step", type=int, default=None, help="inject a fault")
    args = parser.parse_args(argv)
    bs = args.bs or RECIPES[args.model]["bs"]
    lr = args.lr or RECIPES[args.model]["lr"]
    rank, world = setup()
    if bs % world:
        raise SystemExit(f"--bs {bs} does not split over {world} ranks: pick a multiple")
    torch.set_num_threads(1)  # one core per rank
    train_dl, valid_dl, sampler = loaders(rank, world, bs, args.limit)
    per_epoch = len(train_dl)
    last = args.epochs * per_epoch
    seed_everything(0)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    model, opt, sched = recipe(args.model, lr, last)
    say = print if rank == 0 else (lambda *a, **k: None)  # only rank 0 talks
    run = {"model": args.model, "bs": bs, "lr": lr, "epochs": args.epochs, "limit": args.limit}
    step = 0
    state = load_checkpoint(args.checkpoint, run) if args.checkpoint else None
    if state:  # every rank reads the same file (on several machines: a shared filesystem)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if sched:
            sched.load_state_dict(state["scheduler"])
        step = state["step"]
    model = DDP(model)
    allreduce_seconds = []
    model.register_comm_hook(None, timed_allreduce(allreduce_seconds))
    padded = len(sampler) * world - len(sampler.dataset)
    say(
        f"{world} process(es), {per_epoch} steps per epoch of {bs // world} per rank"
        + (f" ({padded} example(s) repeated so that the ranks get equal shares)" if padded else "")
    )
    if state:
        restart = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        say(f"restart {restart}: resumed from the checkpoint of step {step}")
    if step >= last:  # the checkpoint of a finished run: report it, train nothing
        valid_loss, valid_acc, n = evaluate_across_ranks(model, F.cross_entropy, valid_dl)
        say(
            f"{args.checkpoint} holds a finished run (step {step} of {last}): validation loss "
            f"{valid_loss:.4f}, accuracy {valid_acc:.4f}. Nothing left to train; delete the "
            "checkpoint to train again."
        )
        dist.destroy_process_group()
        return 0
    first, step_seconds, seen = step, 0.0, 0
    start = time.perf_counter()
    for epoch in range(step // per_epoch, args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        model.train()
        # resuming mid-epoch: the same shuffle, without the batches already trained on
        for xb, yb in itertools.islice(train_dl, step - epoch * per_epoch, None):
            step += 1
            seen += len(xb)
            fail_here(rank, world, step, args.fail_at_step)
            step_start = time.perf_counter()
            loss = loss_batch(model, F.cross_entropy, xb, yb, opt)  # backward() all-reduces
            if sched:
                sched.step()
            step_seconds += time.perf_counter() - step_start
            if step in LOGGED_STEPS or step == last:
                batch_loss = mean_over_ranks(loss)[0]  # every rank joins; the batch's loss
                say(f"step {step}: training loss {batch_loss:.7f}")
            if args.checkpoint and rank == 0 and (step % args.checkpoint_every == 0):
                save_checkpoint(
                    args.checkpoint,
                    {"run": run, "step": step, "model": model.module.state_dict(),
                     "optimizer": opt.state_dict(),
                     "scheduler": sched.state_dict() if sched else None},
                )  # fmt: skip
        valid_loss, valid_acc, n = evaluate_across_ranks(model, F.cross_entropy, valid_dl)
        say(
            f"epoch {epoch + 1}: validation loss {valid_loss:.4f}, accuracy {valid_acc:.4f} "
            f"({n:,} images)"
        )
    seconds = time.perf_counter() - start
    gap = weights_agree(model)
    steps = step - first
    say(f"weights identical on all {world} ranks: {gap == 0.0} (largest difference {gap:.1e})")
    images = mean_over_ranks(seen)[0] * world  # what all ranks trained on, this attempt
    say(f"samples/s: {images / seconds:,.0f} ({seconds:.1f} s)")
    numbers = sum(p.numel() for p in model.parameters())
    step_s, wait_s = mean_over_ranks(step_seconds / steps, sum(allreduce_seconds) / steps)
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


# ------------------------------------------------------------------ launching it
def summary(out: str) -> dict:
    """The numbers in what rank 0 printed: the last validation (loss, accuracy, images), the
    last training loss printed, samples/s, a step's milliseconds (all, arithmetic, waiting for
    the all-reduce), and the step a restarted run resumed from (None if it did not)."""
    valid = re.findall(r"validation loss ([\d.]+), accuracy ([\d.]+) \(([\d,]+) images\)", out)
    speed = re.search(r"samples/s: ([\d,]+)", out)
    step = re.search(r"a step: ([\d.]+) ms = ([\d.]+) ms arithmetic \+ ([\d.]+) ms waiting", out)
    resumed = re.search(r"resumed from the checkpoint of step (\d+)", out)
    losses = re.findall(r"step \d+: training loss ([\d.]+)", out)
    if not (valid and speed and step):
        raise ValueError(f"not the output of utils.ddp:\n{out[-1000:]}")
    loss, acc, n = valid[-1]
    return {
        "valid_loss": float(loss), "valid_acc": float(acc), "images": int(n.replace(",", "")),
        "last_train_loss": float(losses[-1]) if losses else None,
        "samples_per_s": float(speed.group(1).replace(",", "")),
        "step_ms": float(step.group(1)), "arithmetic_ms": float(step.group(2)),
        "wait_ms": float(step.group(3)),
        "resumed_at": int(resumed.group(1)) if resumed else None,
    }  # fmt: skip


def command(nproc: int, *args: str, nnodes: int = 1, endpoint=None,
            max_restarts: int = 0) -> list[str]:  # fmt: skip
    """The torchrun command for this script: ``--standalone`` on one machine, or, with
    ``endpoint`` ("host:port" every node can reach), one of ``nnodes`` nodes meeting at a
    c10d rendezvous there: the same command on every node (the rendezvous numbers the nodes
    itself, in sorted order of their addresses, so no ``--node-rank``: that is for
    ``--rdzv-backend static``)."""
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc-per-node={nproc}"]
    if endpoint is None:
        cmd.append("--standalone")
    else:
        cmd += [f"--nnodes={nnodes}", "--rdzv-backend=c10d", f"--rdzv-endpoint={endpoint}",
                "--rdzv-id=mnist"]  # fmt: skip
    if max_restarts:
        cmd.append(f"--max-restarts={max_restarts}")
    return [*cmd, "-m", "utils.ddp", *args]


# For torchrun: one thread per rank (its advice), and a fresh store for each attempt. By
# default the ranks share torchrun's own store, where a restarted group can find the dead
# group's addresses and fail to connect (pytorch/pytorch#135712).
TORCHRUN_ENV = {"OMP_NUM_THREADS": "1", "TORCH_DISABLE_SHARE_RDZV_TCP_STORE": "1"}


def _env() -> dict:
    root = str(Path(__file__).resolve().parent.parent)  # `utils` importable from anywhere
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return dict(os.environ, **TORCHRUN_ENV, PYTHONPATH=path)


def _run_together(cmds: list[list[str]], timeout: float) -> list[subprocess.CompletedProcess]:
    """Run the commands at once, each torchrun in a process group of its own with its output
    in files (no pipe to fill up); once one fails, or time is up, stop every group, so that no
    rank is left waiting for a peer that will never come."""
    with tempfile.TemporaryDirectory() as tmp:
        files = [(Path(tmp) / f"{i}.out", Path(tmp) / f"{i}.err") for i in range(len(cmds))]
        procs = []
        for cmd, (out, err) in zip(cmds, files):
            with open(out, "w") as o, open(err, "w") as e:
                procs.append(subprocess.Popen(cmd, env=_env(), stdout=o, stderr=e,
                                              start_new_session=True))  # fmt: skip
        deadline, late = time.monotonic() + timeout, False
        try:
            while any(p.poll() is None for p in procs):
                late = time.monotonic() > deadline
                if late or any(p.returncode not in (None, 0) for p in procs):
                    break
                time.sleep(0.1)
        finally:
            for p in procs:
                with contextlib.suppress(ProcessLookupError):  # it may have just ended
                    os.killpg(p.pid, signal.SIGTERM)  # torchrun passes it on to its ranks
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        if late:
            raise TimeoutError(f"{' '.join(cmds[0][1:])} still running after {timeout:.0f} s")
        return [
            subprocess.CompletedProcess(cmd, p.returncode, out.read_text(), err.read_text())
            for cmd, p, (out, err) in zip(cmds, procs, files)
        ]


def _checked(out, what: str):
    if out.returncode:
        raise RuntimeError(f"{what} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return out


def torchrun(nproc: int, *args: str, max_restarts: int = 0, timeout: float = 900) -> str:
    """Run this script under torchrun on this machine; return what rank 0 printed."""
    cmd = command(nproc, *args, max_restarts=max_restarts)
    (out,) = _run_together([cmd], timeout)
    return _checked(out, " ".join(cmd[1:])).stdout


def torchrun_nodes(nnodes: int, *args: str, endpoint: str, timeout: float = 900) -> list[str]:
    """``nnodes`` torchrun launches at once, one process each, as if on ``nnodes`` machines
    meeting at ``endpoint``; return what each printed. The rendezvous numbers the nodes (by
    host name, then process id): whichever node holds rank 0 does the talking."""
    cmd = command(1, *args, nnodes=nnodes, endpoint=endpoint)
    done = _run_together([cmd] * nnodes, timeout)
    for i, d in enumerate(done):  # the node that failed first, not one stopped because of it
        if d.returncode not in (0, -signal.SIGTERM):
            _checked(d, f"node {i}")
    return [_checked(d, f"node {i}").stdout for i, d in enumerate(done)]


if __name__ == "__main__":
    sys.exit(main())
