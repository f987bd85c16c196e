"""Where an epoch's time goes: torch.profiler over a bounded window of steps (notebook 10)."""

import contextlib
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

from .training import loss_batch

LABELS = ("get batch", "train step")


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what C++ code writes to stderr inside the block.

    torch 2.13's profiler backend (kineto) prints two debug lines, "profiler_start" and
    "profiler_stop", straight to file descriptor 2 with no setting to turn them off.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def profile_steps(model, loss_func, opt, batches, device, steps=150, warmup=20):
    """Train ``warmup + steps`` steps (the model in training mode); profile the last ``steps``."""
    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    window = schedule(wait=0, warmup=warmup, active=steps, repeat=1)  # warm-up: not recorded
    batch_iter = iter(batches)
    with quiet_native_stderr(), profile(activities=activities, schedule=window) as prof:
        for _ in range(warmup + steps):
            with record_function("get batch"):
                xb, yb = next(batch_iter)
            with record_function("train step"):
                loss_batch(model, loss_func, xb, yb, opt)
                if cuda:
                    torch.cuda.synchronize()  # count the GPU's work, not just its launch
            prof.step()
    return prof


def split_seconds(profs) -> tuple[float, float]:
    """Mean seconds of ("get batch", "train step") over profiled windows."""
    totals = [0.0, 0.0]
    for prof in profs:
        for event in prof.key_averages():
            if event.key in LABELS:
                totals[LABELS.index(event.key)] += event.cpu_time_total / 1e6
    return totals[0] / len(profs), totals[1] / len(profs)


def top_table(prof, rows=5) -> str:
    """A narrow table: the ``rows`` operations with the most self time, then our two labels."""
    events = prof.key_averages()
    ops = sorted((e for e in events if e.key not in LABELS), key=lambda e: -e.self_cpu_time_total)
    ours = [e for e in events if e.key in LABELS]
    lines = [f"{'name':<28} {'calls':>6} {'self ms':>8} {'total ms':>9}"]
    for e in ops[:rows] + ours:
        lines.append(
            f"{e.key[:28]:<28} {e.count:>6} {e.self_cpu_time_total / 1e3:>8.1f} "
            f"{e.cpu_time_total / 1e3:>9.1f}"
        )
    return "\n".join(lines)
