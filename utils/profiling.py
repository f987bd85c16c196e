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


def event_tree(prof):
    """The recorded window as the profiler's own tree of CPU events: one root per step
    ("ProfilerStep#N"), our two labels inside it, the operators inside those.

    The tree is built in C++ when the window ends, so reading it is quick. The public
    ``prof.events()`` / ``key_averages()`` first build a Python object for every event and
    take seconds per window (13.9 s for notebook 10's four windows on a slow CPU).
    """
    return prof.profiler.kineto_results.experimental_event_tree()


def label_stats(prof) -> dict[str, list[int]]:
    """``{label: [calls, total ns]}`` for our two labelled ranges, read from the steps' roots."""
    stats = {label: [0, 0] for label in LABELS}
    for step in event_tree(prof):
        for node in step.children if step.name.startswith("ProfilerStep#") else [step]:
            if node.name in stats:
                stats[node.name][0] += 1
                stats[node.name][1] += node.duration_time_ns
    return stats


def range_stats(prof) -> dict[str, list[int]]:
    """``{name: [calls, total ns, self ns]}`` for every event of the window, kept on ``prof``.

    The numbers are ``key_averages()``'s: self time is an event's time minus that of the events
    directly inside it, and an event whose only child has its own name (an operator calling
    another overload of itself) counts once.
    """
    cached = getattr(prof, "_range_stats", None)
    if cached is not None:
        return cached
    stats = {}

    def visit(node):  # -> (name, duration, time inside), after adding node to stats
        name, duration, children = node.name, node.duration_time_ns, node.children
        inside, child = 0, None
        for child in map(visit, children):
            inside += child[1]
        if len(children) == 1 and child[0] == name:  # f calling f: count it once
            _, child_duration, inside = child
            stats[name][0] -= 1
            stats[name][1] -= child_duration
            stats[name][2] -= child_duration - inside
        totals = stats.setdefault(name, [0, 0, 0])
        totals[0] += 1
        totals[1] += duration
        totals[2] += duration - inside
        return name, duration, inside

    for root in event_tree(prof):
        visit(root)
    prof._range_stats = {k: v for k, v in stats.items() if not k.startswith("ProfilerStep#")}
    return prof._range_stats


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
