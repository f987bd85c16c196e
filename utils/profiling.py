"""Where an epoch's time goes: torch.profiler over a bounded window of steps (notebook 10),
read through its public ``key_averages()``; and a plain timer for training steps (notebook 08)."""

import contextlib
import os
import sys
import time

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


def profile_steps(model, loss_func, opt, batches, device, steps=50, warmup=20):
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


def range_stats(prof) -> dict[str, list[int]]:
    """``{name: [calls, total ns, self ns]}`` for every event of the window, from the profiler's
    public ``prof.key_averages()`` (the numbers its ``.table()`` prints), kept on ``prof``.

    ``key_averages()`` first builds a Python object for every recorded event: seconds for a
    window of a few dozen CNN steps, far more for a whole epoch. Profile a bounded window
    (``profile_steps``), and read it once.
    """
    cached = getattr(prof, "_range_stats", None)
    if cached is None:
        cached = prof._range_stats = {
            e.key: [e.count, round(e.cpu_time_total * 1e3), round(e.self_cpu_time_total * 1e3)]
            for e in prof.key_averages()  # times in microseconds
            if not e.key.startswith("ProfilerStep#")
        }
    return cached


def label_stats(prof) -> dict[str, list[int]]:
    """``{label: [calls, total ns]}`` for our two labelled ranges."""
    stats = range_stats(prof)
    return {label: stats.get(label, [0, 0, 0])[:2] for label in LABELS}


def label_calls(prof) -> dict[str, int]:
    """How many times each labelled range ran inside the recorded window."""
    return {label: calls for label, (calls, _) in label_stats(prof).items()}


def split_seconds(profs) -> tuple[float, float]:
    """Mean seconds of ("get batch", "train step") over profiled windows."""
    totals = [sum(label_stats(p)[label][1] for p in profs) for label in LABELS]
    return totals[0] / 1e9 / len(profs), totals[1] / 1e9 / len(profs)


def top_table(prof, rows=5) -> str:
    """A narrow table: the ``rows`` operations with the most self time, then our two labels."""
    stats = range_stats(prof)
    ops = sorted((k for k in stats if k not in LABELS), key=lambda k: -stats[k][2])
    lines = [f"{'name':<28} {'calls':>6} {'self ms':>8} {'total ms':>9}"]
    for key in ops[:rows] + [k for k in LABELS if k in stats]:
        calls, total, self_ns = stats[key]
        lines.append(f"{key[:28]:<28} {calls:>6} {self_ns / 1e6:>8.1f} {total / 1e6:>9.1f}")
    return "\n".join(lines)


def time_steps(model, loss_func, opt, batches, warmup=5) -> float:
    """Seconds for the training steps on ``batches``, after the first ``warmup`` of them (the
    first steps pay one-off costs: memory, kernel choice)."""
    for i, (xb, yb) in enumerate(batches):
        if i == warmup:
            start = time.perf_counter()
        loss_batch(model, loss_func, xb, yb, opt)
    return time.perf_counter() - start
