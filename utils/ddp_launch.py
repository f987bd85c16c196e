"""Starting utils/ddp.py from Python and reading what it printed (notebook 12, tools/ddp.py).

A notebook cell cannot be a rank itself, so ``torchrun`` runs the script's command as a
terminal would and returns what its ranks wrote to stdout (the script prints on rank 0 only;
torch 2.9's gloo adds a greeting per rank); ``torchrun_nodes`` runs several launches at once,
as if on several machines. ``summary``, ``without_clocks``, ``lines_starting`` and
``step_losses`` pick numbers and lines out of that output; ``show_script`` prints one part
of utils/ddp.py with its line numbers, so that notebook 12 shows the script whole, in order.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "ddp.py"
PART = re.compile(r"^\s*# %% (\d+) · (.+)$")  # the comment that starts each part of the script
CLOCKS = ("samples/s:", "a step:", "the all-reduce alone:")  # vary by machine and load


# ------------------------------------------------------------------ the script's parts
def script_parts() -> dict[int, tuple[str, list[tuple[int, str]]]]:
    """utils/ddp.py cut at its ``# %% N · title`` comments: {N: (title, [(line number,
    line), ...])}. Each part runs up to the next one; the first starts at line 1, and the
    parts are numbered 1, 2, 3... in order, so together they are the whole file."""
    parts: dict[int, tuple[str, list]] = {}
    for number, line in enumerate(SCRIPT.read_text().splitlines(), start=1):
        start = PART.match(line)
        if start:
            if int(start.group(1)) != len(parts) + 1:
                raise ValueError(f"{SCRIPT} line {number}: part {len(parts) + 1} expected")
            parts[len(parts) + 1] = (start.group(2), [])
        elif not parts:
            raise ValueError(f"{SCRIPT} line {number} comes before its first part, `# %% 1 ·`")
        parts[len(parts)][1].append((number, line))
    return parts


def show_script(part: int) -> None:
    """Print part ``part`` of utils/ddp.py with its line numbers (blank lines that end it left
    out): the parts shown one after another are the whole file."""
    title, lines = script_parts()[part]
    while lines and not lines[-1][1].strip():
        lines = lines[:-1]
    for number, line in lines:
        print(f"{number:3} {line}".rstrip())


# ------------------------------------------------------------------ reading its output
def without_clocks(out: str) -> str:
    """What the ranks printed (rank 0's lines; with torch 2.9, gloo's greetings too), without
    the lines that time it (they vary by machine and load)."""
    return "\n".join(ln for ln in out.splitlines() if not ln.startswith(CLOCKS))


def lines_starting(out: str, *starts: str) -> str:
    """The lines of ``out`` that start with one of ``starts``."""
    return "\n".join(ln for ln in out.splitlines() if ln.startswith(starts))


def step_losses(out: str) -> dict[int, float]:
    """The training loss of the global batch at each step rank 0 printed: {step: loss}."""
    return {int(k): float(v) for k, v in re.findall(r"step (\d+): training loss ([\d.]+)", out)}


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


# ------------------------------------------------------------------ launching it
def command(nproc: int, *args: str, nnodes: int = 1, endpoint=None,
            max_restarts: int = 0) -> list[str]:  # fmt: skip
    """The torchrun command for utils/ddp.py: ``--standalone`` on one machine, or, with
    ``endpoint`` ("host:port" every node can reach), one of ``nnodes`` nodes meeting at a
    c10d rendezvous there: the same command on every node (the rendezvous numbers the nodes
    itself, in sorted order of their host names, so no ``--node-rank``: that is for
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
    root = str(SCRIPT.parent.parent)  # `utils` importable from anywhere
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


def port_taken(out) -> bool:
    """Did the launch fail before training because its port was taken? torchrun picks a free
    port, closes it, and the ranks' store binds it a moment later: another process on the
    machine may take it in between. Nothing was trained (rank 0 printed nothing)."""
    return bool(out.returncode) and "EADDRINUSE" in out.stderr and not out.stdout.strip()


def torchrun(nproc: int, *args: str, max_restarts: int = 0, timeout: float = 900) -> str:
    """Run utils/ddp.py under torchrun on this machine; return what the ranks wrote to stdout
    (the script prints on rank 0 only; torch 2.9's gloo adds a greeting per rank). A launch
    whose port was taken before it could bind (``port_taken``) is started again, twice at
    most."""
    cmd = command(nproc, *args, max_restarts=max_restarts)
    for _ in range(3):
        (out,) = _run_together([cmd], timeout)
        if not port_taken(out):
            break
    return _checked(out, " ".join(cmd[1:])).stdout


def torchrun_nodes(nnodes: int, *args: str, endpoint: str, timeout: float = 900) -> list[str]:
    """``nnodes`` torchrun launches at once, one process each, as if on ``nnodes`` machines
    meeting at ``endpoint``; return what each printed. The rendezvous numbers the nodes (by
    host name, then process id): whichever node holds rank 0 prints the run (with torch 2.9,
    every node also prints gloo's greeting)."""
    cmd = command(1, *args, nnodes=nnodes, endpoint=endpoint)
    done = _run_together([cmd] * nnodes, timeout)
    for i, d in enumerate(done):  # the node that failed first, not one stopped because of it
        if d.returncode not in (0, -signal.SIGTERM):
            _checked(d, f"node {i}")
    return [_checked(d, f"node {i}").stdout for i, d in enumerate(done)]


# ------------------------------------------------------------------ figures (notebook 12)
def plot_scaling(runs: dict, machine: str) -> None:
    """Samples/s against processes, one panel per model (``runs``: {model: {processes: what
    rank 0 printed}}), each with the ideal: 1 process's samples/s times the processes (a
    dashed line). Measured on ``machine``, which the title names: other machines differ."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE, show

    runs = {name: outs for name, outs in runs.items() if outs}  # a model with no run: not drawn
    if not runs:
        fig, ax = plt.subplots(figsize=(9, 1.5))
        ax.set_axis_off()
        ax.set_title("No runs to draw: samples/s need at least one launch", loc="left")
        return show(fig, f"No runs to draw, on {machine}: samples/s need at least one launch.")
    fig, axes = plt.subplots(1, len(runs), figsize=(8, 3.6), squeeze=False)
    alt, ups = [], {}
    for ax, (name, outs) in zip(axes[0], runs.items()):
        n = sorted(outs)
        speed = [summary(outs[k])["samples_per_s"] for k in n]
        ideal = [speed[0] * k / n[0] for k in n]
        ax.plot(n, ideal, color=PALETTE[5], ls="--", marker="s", mfc="none", label="ideal")
        ax.plot(n, speed, color=PALETTE[0], ls="-", marker="o", label="measured")
        ax.set(title=name, xlabel="processes", xticks=n, ylim=(0, 1.1 * max(ideal)))
        ups[name] = speed[-1] / speed[0]
        alt.append(
            f"{name}: " + ", ".join(f"{k} process(es) {s:,.0f}" for k, s in zip(n, speed))
            + f" samples/s; ideal at {n[-1]}: {ideal[-1]:,.0f}; speed-up {ups[name]:.2f}x"
        )  # fmt: skip
    axes[0][0].set_ylabel("samples/s")
    axes[0][-1].legend(loc="upper left")  # above the 1-process point: nothing drawn there
    best = max(ups, key=ups.get)
    title = f"{best} comes closer to the ideal ({ups[best]:.2f}x of {n[-1]}x)"
    fig.suptitle(f"{title}\non {machine}", x=0.02, ha="left", fontsize="medium")
    fig.tight_layout()
    show(fig, f"{title}, on {machine}. Samples/s against processes, measured and ideal:\n"
         + "\n".join(alt))  # fmt: skip


def plot_restart(out: str, fail_at: int, every: int, epochs: int) -> None:
    """The crash run's steps by launch attempt: the first trains until the last rank dies at
    step ``fail_at`` (``--fail-at-step``), saving a checkpoint every ``every`` steps; torchrun's
    restart resumes from the last checkpoint (the step rank 0 printed) to the end. Step numbers
    only: no clocks, so the figure is the same on every machine."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE, show

    world, per_epoch = (
        re.search(p, out) for p in (r"(\d+) process\(es\)", r"(\d+) steps per epoch")
    )
    resumed = (
        re.search(r"resumed from the checkpoint of step (\d+)", out)
        if world and per_epoch
        else None
    )
    resumed = int(resumed.group(1)) if resumed else None
    saved = list(range(every, fail_at, every))
    if not saved or resumed != saved[-1]:
        # not the run the arguments describe (it never restarted, or from elsewhere): say so
        fig, ax = plt.subplots(figsize=(9, 1.5))
        ax.set_axis_off()
        what = f"No restart from step {saved[-1] if saved else every}'s checkpoint in this output"
        ax.set_title(f"{what}: nothing to draw", loc="left")
        return show(fig, f"{what} (resumed at: {resumed}): nothing to draw.")
    world, last = int(world.group(1)), epochs * int(per_epoch.group(1))
    first, second = range(1, fail_at), range(resumed + 1, last + 1)
    fig, ax = plt.subplots(figsize=(8, 2.8))
    ax.plot(first, [1] * len(first), "o", color=PALETTE[0], ms=5, label="a step trained")
    ax.plot(second, [0] * len(second), "o", color=PALETTE[0], ms=5)
    ax.plot(saved, [1] * len(saved), "s", mfc="none", mec="black", ms=11, label="checkpoint")
    ax.plot([fail_at], [1], "X", color=PALETTE[1], ms=14, label=f"rank {world - 1} dies")
    ax.annotate("", (resumed + 1, 0), (resumed, 1), arrowprops={"arrowstyle": "->", "lw": 2})
    ax.set(yticks=[1, 0], ylim=(-0.6, 1.9), xlim=(0, last + 1), xlabel="step")
    ax.set_yticklabels(["attempt 1", "attempt 2\n(restart)"])
    ax.legend(loc="upper center", ncols=3, frameon=False)
    redo = len(range(resumed + 1, fail_at))
    title = (f"Rank {world - 1} dies at step {fail_at}; the restart resumes from step "
             f"{resumed}'s checkpoint, redoing {redo} step(s)")  # fmt: skip
    ax.set_title(title.replace("; ", ";\n", 1), loc="left", fontsize="medium")  # 2 lines: fits
    fig.tight_layout()
    show(fig, f"{title}. Steps by launch attempt: attempt 1 trained steps 1 to {fail_at - 1}, "
         f"with checkpoints at steps {', '.join(map(str, saved))}; rank {world - 1} died at "
         f"step {fail_at}. Attempt 2 (torchrun's restart) loaded step {resumed}'s checkpoint "
         f"(an arrow) and trained steps {resumed + 1} to {last}.")  # fmt: skip
