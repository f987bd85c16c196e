"""Notebook 12's launches from a terminal: torchrun starts utils/ddp.py (utils/ddp_launch.py).

    python tools/ddp.py speed     # make ddp: both models, 1 and 2 processes, the speed-up
    python tools/ddp.py nodes     # make ddp-nodes: two "nodes" meeting at a c10d rendezvous
    python tools/ddp.py crash     # make ddp-crash: a rank dies; torchrun restarts; it resumes

Each prints what it measured and exits non-zero when a promise does not hold (the ranks'
weights differ, the resumed run ends elsewhere than the uninterrupted one).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from utils.ddp_launch import summary, torchrun, torchrun_nodes  # noqa: E402

# what each model trains on in `speed`: 09's CNN one epoch; 11's recipe 10,000 images (its
# steps cost ~40x more, and the speed-up settles within a few dozen of them)
SPEED_RUNS = {"cnn": ["--model", "cnn"], "recipe": ["--model", "recipe", "--limit", "10000"]}
# `crash`: 11's recipe, 2 epochs of 20 steps, a checkpoint every 5, the last rank dies at 27:
# the run resumes at step 25, mid-epoch, so it must skip the 5 batches of epoch 2 it has had
CRASH_RUN = ["--model", "recipe", "--limit", "5120", "--epochs", "2", "--checkpoint-every", "5"]
FAIL_AT = 27
IDENTICAL = "weights identical on all 2 ranks: True"


def speed(limit: int | None = None) -> int:
    """``limit``: train both models on the first ``limit`` images (a quick look)."""
    print(f"{'model':6} {'1 process':>12} {'2 processes':>12} {'speed-up':>9} {'efficiency':>10}"
          "   a step with 2 processes: arithmetic + waiting for the all-reduce")  # fmt: skip
    for name, args in SPEED_RUNS.items():
        args = [*args, "--limit", str(limit)] if limit else args  # the last --limit counts
        one, two = (summary(torchrun(n, *args)) for n in (1, 2))
        ratio = two["samples_per_s"] / one["samples_per_s"]
        print(
            f"{name:6} {one['samples_per_s']:>8,.0f} /s {two['samples_per_s']:>8,.0f} /s "
            f"{ratio:>8.2f}x {ratio / 2:>10.0%}   {two['arithmetic_ms']:.1f} ms + "
            f"{two['wait_ms']:.1f} ms ({two['wait_ms'] / two['step_ms']:.0%} waiting)"
        )
    print("efficiency: speed-up / processes. Seconds vary by machine and load; run it quiet.")
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nodes(port: int | None = None) -> int:
    endpoint = f"127.0.0.1:{port or free_port()}"
    outs = torchrun_nodes(2, "--model", "cnn", "--limit", "4000", endpoint=endpoint)
    talking = [o for o in outs if o.strip()]
    print(f"2 nodes, 1 process each, c10d rendezvous at {endpoint}; rank 0 printed:")
    print("".join(talking))
    return 0 if len(talking) == 1 and IDENTICAL in talking[0] else 1


def crash() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        plain = summary(torchrun(2, *CRASH_RUN))
        checkpoint = Path(tmp) / "checkpoint.pt"
        out = torchrun(2, *CRASH_RUN, "--checkpoint", str(checkpoint),
                       "--fail-at-step", str(FAIL_AT), max_restarts=1)  # fmt: skip
    crashed = summary(out)
    print(out)
    print(f"rank 1 died at step {FAIL_AT}; torchrun restarted both ranks; they resumed from "
          f"the checkpoint of step {crashed['resumed_at']}")  # fmt: skip
    for name, s in [("uninterrupted", plain), ("interrupted", crashed)]:
        print(f"{name:13}: last step's training loss {s['last_train_loss']:.7f}, "
              f"validation loss {s['valid_loss']:.4f}, accuracy {s['valid_acc']:.4f}")  # fmt: skip
    same = all(plain[k] == crashed[k] for k in ("last_train_loss", "valid_loss", "valid_acc"))
    print(f"the same result: {same}")
    return 0 if same and crashed["resumed_at"] is not None else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "nodes", "crash"])
    parser.add_argument("--port", type=int, default=None, help="nodes: the rendezvous port")
    parser.add_argument("--limit", type=int, default=None, help="speed: train on N images")
    args = parser.parse_args()
    if args.what == "nodes":
        return nodes(args.port)
    if args.what == "speed":
        return speed(args.limit)
    return crash()


if __name__ == "__main__":
    sys.exit(main())
