"""`make bench`: how fast the series' pieces are, measured side by side in one run.

- `fit` against a bare hand-written loop: the same model, data, seed and validation pass, each
  timed in alternation; the ratio bare/fit (1.0 = fit costs nothing extra; goal >= 0.95).
- One epoch of the seed CNN with `DeviceBatches` against the naive `DataLoader` (+ reshape and
  move per batch) on the current device; the ratio, and the CNN's training samples per second.
- This machine's float32 matmul peak (GFLOP/s, all cores); for notebook 09's CNN and notebook
  11's recipe, the operations per image of a training step (counted), training samples/s, the
  achieved GFLOP/s and its fraction of that peak.
- Each notebook's wall time (executed as `make run` does).

Prints a table and writes build/bench.json. Timings vary by machine and load: compare ratios
from one run, not seconds across machines.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn, optim

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils.device import get_device  # noqa: E402
from utils.loaders import (  # noqa: E402
    DeviceBatches,
    WrappedDataLoader,
    get_data,
    mnist_datasets,
    to_device,
    to_images,
)
from utils.models import mnist_cnn, recipe_cnn  # noqa: E402
from utils.repro import seed_everything  # noqa: E402
from utils.training import evaluate, fit  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", 5))  # alternating rounds; each side's median is reported


def timed(func, *args) -> float:
    """Seconds that ``func(*args)`` takes (the GPU's queued work included)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    func(*args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def epoch(model, opt, batches):
    """One epoch of steps, written by hand as notebook 05 did."""
    model.train()
    for xb, yb in batches:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()


def bare_loop(model, opt, train_dl, valid_dl):
    """What `fit(1, ...)` does, by hand: one epoch, then notebook 02's validation check."""
    epoch(model, opt, train_dl)
    evaluate(model, F.cross_entropy, valid_dl)


def fit_vs_bare(train_ds, valid_ds) -> dict:
    def make():
        seed_everything(0)
        model = nn.Linear(784, 10)
        return model, optim.SGD(model.parameters(), lr=0.5), *get_data(train_ds, valid_ds, 64)

    sides = {"bare loop": [], "fit": []}
    for _ in range(ROUNDS):
        sides["bare loop"].append(timed(bare_loop, *make()))
        model, opt, train_dl, valid_dl = make()
        sides["fit"].append(timed(fit, 1, model, F.cross_entropy, opt, train_dl, valid_dl))
    bare, fitted = (statistics.median(v) for v in sides.values())
    return {"bare_loop_s": bare, "fit_s": fitted, "ratio_bare_over_fit": bare / fitted}


def data_paths(train_ds, valid_ds, device) -> dict:
    move = to_device(device)
    naive = WrappedDataLoader(
        get_data(train_ds, valid_ds, 64)[0], lambda x, y: move(*to_images(x, y))
    )
    better = DeviceBatches(*to_images(*train_ds[:]), 64, device, shuffle=True)
    sides = {"naive": [], "device_batches": []}
    for _ in range(ROUNDS):
        for name, batches in (("naive", naive), ("device_batches", better)):
            seed_everything(0)
            model = mnist_cnn().to(device, memory_format=torch.channels_last)  # as in 08-10
            opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            sides[name].append(timed(epoch, model, opt, batches))
    naive_s, better_s = (statistics.median(v) for v in sides.values())
    return {
        "device": device.type,
        "naive_epoch_s": naive_s,
        "device_batches_epoch_s": better_s,
        "ratio_naive_over_device_batches": naive_s / better_s,
        "cnn_samples_per_s": len(train_ds) / better_s,
    }


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """This machine's practical float32 peak, GFLOP/s: the best of a few n×n matrix products on
    every core (2n³ operations each)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)  # warm-up: threads, caches
    best = min(timed(torch.mm, a, b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def flops_per_image(model, shape=(1, 28, 28), batch=64) -> float:
    """Floating-point operations of one training step per image (forward and backward),
    counted by torch.utils.flop_counter (matrix products and convolutions; the rest is small)."""
    from torch.utils.flop_counter import FlopCounterMode

    x, y = torch.randn(batch, *shape), torch.randint(0, 10, (batch,))
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(model(x), y).backward()
    model.zero_grad()
    return counter.get_total_flops() / batch


def training_speed(train_ds, make_model, make_opt, batch: int, steps: int = 30) -> dict:
    """Samples/s of training steps on MNIST batches (after a few warm-up steps), FLOPs per
    image and the achieved GFLOP/s (the caller divides by the matmul peak)."""
    seed_everything(0)
    model = make_model()
    opt = make_opt(model)
    x, y = to_images(*train_ds[: batch * (steps + 3)])
    batches = list(zip(x.split(batch), y.split(batch)))

    def steps_on(some):
        for xb, yb in some:
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            opt.zero_grad()

    steps_on(batches[:3])
    seconds = timed(steps_on, batches[3:])
    per_image = flops_per_image(model, batch=batch)
    samples = batch * steps / seconds
    return {
        "flops_per_image": per_image,
        "samples_per_s": samples,
        "gflops_per_s": per_image * samples / 1e9,
    }


OUT = ROOT / "build" / "bench.json"


def notebooks(paths: list[Path]) -> dict:
    """Each notebook's wall time, executed as `make run` does; a notebook that raised is
    kept, with its error under "failed" (its seconds are nan)."""
    from tools.notebooks import failed, run_all

    rows, wall = run_all(paths)
    each = {}
    for name, seconds, slowest, metrics in rows:
        each[name] = {"seconds": seconds, "slowest_cell_s": slowest}
        if failed((name, seconds, slowest, metrics)):
            each[name]["failed"] = metrics.removeprefix("FAILED: ")
    return {"wall_s": wall, "each": each}


def measure(results: dict) -> None:
    """Everything but the notebooks' times, into ``results`` (printed as it comes)."""
    train_ds, valid_ds = mnist_datasets()
    device = get_device()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device.type}, "
        f"{platform.processor() or platform.machine()}",
        flush=True,
    )
    results["machine"] = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": device.type,
        "cpus": os.cpu_count(),
    }
    results["fit_vs_bare_loop"] = r = fit_vs_bare(train_ds, valid_ds)
    print(
        f"fit vs bare loop (1 epoch + validation, linear): bare {r['bare_loop_s']:.2f} s, "
        f"fit {r['fit_s']:.2f} s, ratio {r['ratio_bare_over_fit']:.3f}",
        flush=True,
    )
    results["data_path"] = r = data_paths(train_ds, valid_ds, device)
    print(
        f"one CNN epoch on {r['device']}: naive DataLoader {r['naive_epoch_s']:.2f} s, "
        f"DeviceBatches {r['device_batches_epoch_s']:.2f} s, "
        f"ratio {r['ratio_naive_over_device_batches']:.2f}; "
        f"{r['cnn_samples_per_s']:,.0f} samples/s",
        flush=True,
    )
    results["matmul_gflops_per_s"] = peak = matmul_peak()
    print(f"float32 matmul peak ({torch.get_num_threads()} threads): {peak:,.0f} GFLOP/s")
    models = {
        "09 CNN": (
            lambda: mnist_cnn().to(memory_format=torch.channels_last),  # as in 08-10
            lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
            64,
        ),
        "11 recipe": (
            lambda: recipe_cnn(norm=True).to(memory_format=torch.channels_last),
            lambda m: optim.AdamW(m.parameters(), lr=1e-2, weight_decay=0.05),
            256,
        ),
    }
    results["training"] = {}
    for name, (make_model, make_opt, batch) in models.items():
        r = training_speed(train_ds, make_model, make_opt, batch)
        r["fraction_of_peak"] = r["gflops_per_s"] / peak
        results["training"][name] = r
        print(
            f"{name} training, batch {batch}: {r['flops_per_image'] / 1e6:.2f} MFLOP per "
            f"image, {r['samples_per_s']:,.0f} samples/s, {r['gflops_per_s']:.1f} GFLOP/s = "
            f"{r['fraction_of_peak']:.1%} of the matmul peak",
            flush=True,
        )


def main(names: list[str], folder: Path | None = None) -> int:
    """``names``: the notebooks to time (prefixes, e.g. 00); all when empty. Exit status 1
    when a notebook failed (named, and kept in the file), 1 at once when a name matches none.
    ``folder``: where the notebooks are (default notebooks/)."""
    from tools.notebooks import NOTEBOOKS, select, shown

    paths = select(names, folder or NOTEBOOKS)  # before minutes of measuring: fail at once
    results: dict = {}
    measure(results)
    results["notebooks"] = r = notebooks(paths)
    for name, row in r["each"].items():
        print(f"  {name:<24} {row['seconds']:6.1f} s  (slowest cell {row['slowest_cell_s']:.1f} s)")
    print(f"  {'all, side by side':<24} {r['wall_s']:6.1f} s")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    print(f"written to {shown(OUT)}")
    broken = {name: row["failed"] for name, row in r["each"].items() if "failed" in row}
    for name, error in broken.items():
        print(f"FAILED: notebook {name}: {error}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
