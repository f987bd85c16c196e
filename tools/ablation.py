"""`make ablation`: what each change of notebook 11's recipe buys, over seeds.

Trains notebook 11's final recipe (its CNN with batch norm, AdamW with a one-cycle schedule,
one-pixel random shifts, label smoothing 0.1; three epochs of 256-image batches on all 50,000
training images) and the same recipe without one change at a time, for every seed, and
records the validation loss and accuracy of each run. Seed 0 of the full recipe is the run
notebook 11 shows (the same code, in the same order).

Runs one at a time, each on every core this process may use, as notebook 11 trains. The
outcomes go to ``utils/recipe_ablation.json``, which notebook 11 reads, with a fingerprint of
the code that made them (tests/test_ablation.py checks it is current) and the CPU, core count
and torch that made them. Prints the table.

    python tools/ablation.py [--seeds 5] [--limit N] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import sys
import time
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import optim

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils import loaders, models, repro, training  # noqa: E402
from utils.seeds import ABLATION_FILE, cpu_name, summary  # noqa: E402

EPOCHS, BS = 3, 256
RECIPE = {"model": "recipe", "ks": 5, "norm": True, "opt": "adamw", "one_cycle": True,
          "shifts": True, "smooth": 0.1}  # fmt: skip
# name: (its row's label: the change undone, and the step of notebook 11 that made it; what it
# changes in RECIPE), in the order of notebook 11's steps
VARIANTS = {
    "recipe": ("the recipe", {}),
    "cnn09": ("09's CNN (steps 1, 2)", {"model": "cnn09"}),
    "kernel3": ("3x3 first kernel (1b)", {"ks": 3}),
    "pooled": ("averaged head (1c)", {"model": "pooled"}),
    "no_norm": ("no batch norm (2)", {"norm": False}),
    "sgd": ("SGD, not AdamW (3a)", {"opt": "sgd"}),
    "constant_lr": ("constant lr (3b)", {"one_cycle": False}),
    "no_shifts": ("no random shifts (4)", {"shifts": False}),
    "no_smooth": ("no label smoothing", {"smooth": 0.0}),
}


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def build(cfg: dict):
    if cfg["model"] == "cnn09":
        return models.mnist_cnn()
    if cfg["model"] == "pooled":
        return models.pooled_cnn(norm=cfg["norm"], ks=cfg["ks"])
    return models.recipe_cnn(norm=cfg["norm"], ks=cfg["ks"])


def optimizer(cfg: dict, model, total_steps: int):
    """Notebook 11's AdamW with one cycle (utils.training.adamw_one_cycle), or one of them
    undone: SGD with momentum at 11's first steps' lr (0.1), or a constant lr (AdamW's peak)."""
    if cfg["opt"] == "adamw" and cfg["one_cycle"]:
        return training.adamw_one_cycle(model, total_steps)  # the recipe's, exactly
    if cfg["opt"] == "adamw":
        return optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05), None
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if not cfg["one_cycle"]:
        return opt, None
    one_cycle = optim.lr_scheduler.OneCycleLR  # 11's schedule, peaking at SGD's lr
    return opt, one_cycle(opt, max_lr=0.1, total_steps=total_steps, pct_start=0.15)


def one_run(variant: str, seed: int, limit: int | None = None) -> dict:
    """One training of ``variant``, in notebook 11's order of random draws."""
    cfg = {**RECIPE, **VARIANTS[variant][1]}
    torch.set_num_threads(cores())
    device = torch.device("cpu")
    train_ds, valid_ds = loaders.mnist_datasets()
    x_train, y_train = loaders.to_images(*train_ds[:limit])
    valid_dl = loaders.DeviceBatches(*loaders.to_images(*valid_ds[:limit]), 1000, device)
    train = loaders.DeviceBatches(x_train, y_train, BS, device, shuffle=True, seed=seed)
    if cfg["shifts"]:
        train = loaders.WrappedDataLoader(train, loaders.random_shift)
    loss_func = partial(F.cross_entropy, label_smoothing=cfg["smooth"])
    repro.seed_everything(seed)
    model = build(cfg).to(device, memory_format=torch.channels_last)
    opt, sched = optimizer(cfg, model, EPOCHS * len(train))
    start = time.perf_counter()
    history = training.fit(EPOCHS, model, loss_func, opt, train, valid_dl,
                           on_train_step=(lambda _: sched.step()) if sched else None)  # fmt: skip
    seconds = time.perf_counter() - start
    valid_acc = history["valid_acc"][-1]  # what notebook 11 prints after the last epoch
    valid_loss = training.evaluate(model, F.cross_entropy, valid_dl)[0]  # unsmoothed: comparable
    return dict(variant=variant, seed=seed, valid_loss=valid_loss, valid_acc=valid_acc,
                seconds=round(seconds, 2))  # fmt: skip


def fingerprint() -> str:
    """A hash of the code that produces the outcomes: the recipe, its variants, this file's
    training and the helpers it calls. A change to any of them makes the stored file stale
    (tests/test_ablation.py); a change to this file's prose does not."""
    changes = {name: change for name, (_, change) in VARIANTS.items()}  # not the labels
    parts = [repr((EPOCHS, BS, RECIPE, changes))] + [
        inspect.getsource(f)
        for f in (
            one_run,
            build,
            optimizer,
            training.fit,
            training.loss_batch,
            training.evaluate,
            training.check_setup,
            training.adamw_one_cycle,
            loaders.mnist_datasets,
            loaders.DeviceBatches,
            loaders.WrappedDataLoader,
            loaders.to_images,
            loaders.random_shift,
            models.conv,
            models.pooled_cnn,
            models.recipe_cnn,
            models.mnist_cnn,
            models.Lambda,
            models.flatten,
            repro.seed_everything,
        )
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="train on this many examples (a smoke run)")
    parser.add_argument("--out", type=Path, default=ABLATION_FILE)
    args = parser.parse_args(argv)
    if args.seeds < 1 or (args.limit is not None and args.limit < BS):
        parser.error(f"--seeds must be at least 1 and --limit at least {BS} (one batch)")
    start, runs = time.perf_counter(), []
    for seed in range(args.seeds):
        for variant in VARIANTS:
            runs.append(one_run(variant, seed, args.limit))
            r = runs[-1]
            print(f"seed {seed} {variant:10} validation accuracy {r['valid_acc']:.4f} "
                  f"({r['seconds']:.0f} s)", flush=True)  # fmt: skip
    result = {
        "what": f"notebook 11's recipe and the recipe without one change, {EPOCHS} epochs of "
        f"batches of {BS}, validation on 10,000 images; made by `make ablation` "
        "(tools/ablation.py)",
        "fingerprint": fingerprint(),
        "torch": torch.__version__,
        "cpu": cpu_name(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cores": cores(),
        "machine": platform.machine(),
        "limit": args.limit,
        "variants": {name: what for name, (what, _) in VARIANTS.items()},
        "runs": runs,
    }
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    tmp.replace(args.out)  # never a half-written file
    for name, (what, _) in VARIANTS.items():
        accs = [r["valid_acc"] for r in runs if r["variant"] == name]
        print(f"{what:24} {summary(accs)}")
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"{len(runs)} runs in {time.perf_counter() - start:.0f} s; written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
