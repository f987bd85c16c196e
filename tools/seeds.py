"""`make seeds`: what one seed shows, and what five show.

Trains, for every seed, notebook 01/05's logistic regression, notebook 08's CNN, notebook 09's
any-size CNN (the live stream's, with a ReLU on the class scores) and the same CNN without that
ReLU (09's fix), three ways:

- **original**: the recipe of pytorch/tutorials `nn_tutorial.py`, which the series remakes: its
  models and learning rates, batch size 64, a `DataLoader` shuffled from the global random
  generator, `torch.manual_seed(seed)` first; one epoch, as the notebooks;
- **series**: the notebooks' recipe: `seed_everything(seed)`, `get_data(..., seed=seed)` (a
  shuffle of its own), the CNNs in `channels_last` (notebook 08), `utils.training.fit`. Seed 0
  is the run the notebooks show;
- **tutorial**: the tutorial exactly as it is: the original recipe for its two epochs, for the
  two models it trains that long (the logistic regression and notebook 08's CNN). Notebook 08
  reads it to show what the second epoch buys.

Each run is one process with one thread, side by side on every core. The outcomes (validation
loss and accuracy, seconds, classes never predicted and class-score units that never fire) go
to ``utils/seed_spread.json``, which notebooks 08 and 09 read, with a fingerprint of the code
that made them (a test checks it is current) and the CPU and torch that made them: another CPU's
kernels move a one-epoch CNN's accuracy by up to ``utils.seeds.CPU_TOLERANCE``
(tests/test_seeds.py retrains seed 0 of every row and checks it). Prints the recipes side by side.

    python tools/seeds.py [--seeds 5] [--limit N] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from utils import loaders, models, repro, training  # noqa: E402
from utils.seeds import SPREAD_FILE, cpu_name  # noqa: E402

MODELS = {  # name: (what it is, learning rate, momentum)
    "logistic": ("logistic regression (notebooks 01-07)", 0.5, 0.0),
    "cnn": ("CNN, AvgPool2d(4) (notebook 08)", 0.1, 0.9),
    "adaptive": ("CNN, AdaptiveAvgPool2d(1), ReLU on the scores (09, the stream's)", 0.1, 0.9),
    "adaptive_fixed": ("CNN, AdaptiveAvgPool2d(1), LeakyReLU on the scores (09's fix)", 0.1, 0.9),
}
# recipe: (epochs, models). One epoch, as the notebooks train (a CNN's training cell stays under
# 10 s on a 2-core CPU); the tutorial's own two epochs for the two models it trains that long.
RECIPES = {
    "original": (1, tuple(MODELS)),
    "series": (1, tuple(MODELS)),
    "tutorial": (2, ("logistic", "cnn")),
}
BS = 64


class MnistCNN(nn.Module):
    """nn_tutorial.py's Mnist_CNN, which notebook 08 writes as MnistCNN: the same layers, in
    the same order, so the same seed gives the same initial weights."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        return F.avg_pool2d(xb, 4).view(-1, 10)


def make_model(name: str) -> nn.Module:
    if name == "logistic":
        return nn.Linear(784, 10)
    if name == "cnn":
        return MnistCNN()
    model = models.mnist_cnn()  # 09's fix: a LeakyReLU on the class scores
    if name == "adaptive":  # the live stream's version: a ReLU there
        model[len(model) - 3] = nn.ReLU()
    return model


def images(name: str):
    """The CNNs of notebook 09 take images; the others take flat rows."""
    return name.startswith("adaptive")


def original_loaders(train_ds, valid_ds, name):
    """nn_tutorial.py's loaders: shuffled from the global generator."""
    train_dl = DataLoader(train_ds, batch_size=BS, shuffle=True)
    valid_dl = DataLoader(valid_ds, batch_size=BS * 2)
    if images(name):
        train_dl, valid_dl = (
            loaders.WrappedDataLoader(dl, loaders.to_images) for dl in (train_dl, valid_dl)
        )
    return train_dl, valid_dl


def original_fit(epochs, model, opt, train_dl, valid_dl):
    """nn_tutorial.py's fit: loss_batch on every training batch, then validate (the loss; we
    add the accuracy with the series' evaluate, which computes the same loss)."""
    for _ in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
    return training.evaluate(model, F.cross_entropy, valid_dl)


def silent_classes(model, name, valid_dl) -> tuple[list[int], list[int]]:
    """(classes never predicted on the validation set, classes whose score unit is 0 for every
    validation image: a ReLU that never fires gets no gradient, so it never comes back)."""
    model.eval()
    with torch.no_grad():
        outs = torch.cat([model(xb) for xb, _ in valid_dl])
    predicted = set(outs.argmax(dim=1).tolist())
    never = [c for c in range(10) if c not in predicted]
    dead = [c for c in range(10) if name in ("cnn", "adaptive") and bool((outs[:, c] <= 0).all())]
    return never, dead


def one_run(job: tuple[str, str, int, int | None]) -> dict:
    recipe, name, seed, limit = job
    torch.set_num_threads(1)
    train_ds, valid_ds = loaders.mnist_datasets()
    if limit:  # smoke runs: a few batches, not a result
        train_ds, valid_ds = (TensorDataset(*ds[:limit]) for ds in (train_ds, valid_ds))
    _, lr, momentum = MODELS[name]
    epochs = RECIPES[recipe][0]
    start = time.perf_counter()
    if recipe in ("original", "tutorial"):
        torch.manual_seed(seed)
        model = make_model(name)
        opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        train_dl, valid_dl = original_loaders(train_ds, valid_ds, name)
        loss, acc = original_fit(epochs, model, opt, train_dl, valid_dl)
    else:
        repro.seed_everything(seed)
        train_dl, valid_dl = loaders.get_data(train_ds, valid_ds, BS, seed=seed)
        if images(name):
            train_dl, valid_dl = (
                loaders.WrappedDataLoader(dl, loaders.to_images) for dl in (train_dl, valid_dl)
            )
        model = make_model(name).to(memory_format=torch.channels_last)  # 4-D weights only
        opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        history = training.fit(epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
        loss, acc = history["valid_loss"][-1], history["valid_acc"][-1]
    seconds = time.perf_counter() - start
    never, dead = silent_classes(model, name, valid_dl)
    return dict(
        recipe=recipe,
        model=name,
        seed=seed,
        valid_loss=loss,
        valid_acc=acc,
        seconds=round(seconds, 2),
        never_predicted=never,
        dead_score_units=dead,
    )


def fingerprint() -> str:
    """A hash of the code that produces the outcomes: this file's training and the helpers it
    calls. A change to any of them makes the stored file stale (tests/test_seeds.py)."""
    parts = [Path(__file__).read_text()] + [
        inspect.getsource(f)
        for f in (
            training.fit,
            training.loss_batch,
            training.evaluate,
            training.check_setup,
            loaders.get_data,
            loaders.mnist_datasets,
            loaders.WrappedDataLoader,
            loaders.to_images,
            models.mnist_cnn,
            models.Lambda,
            models.flatten,
            repro.seed_everything,
        )
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def spread(values: list[float]) -> str:
    return f"{min(values):.4f}–{statistics.median(values):.4f}–{max(values):.4f}"


def table(runs: list[dict]) -> str:
    """Min–median–max per recipe and model, the recipes side by side."""
    lines = [
        f"{'model':<66} {'recipe':<14} {'valid loss min–med–max':>22}  "
        f"{'accuracy min–med–max':>22}  {'seconds':>11}  collapsed"
    ]
    for name, (what, _, _) in MODELS.items():
        for recipe in RECIPES:
            label = f"{recipe}, {RECIPES[recipe][0]} ep"
            rs = [r for r in runs if r["model"] == name and r["recipe"] == recipe]
            if not rs:
                continue
            secs = [r["seconds"] for r in rs]
            collapsed = sum(bool(r["never_predicted"]) for r in rs)
            lines.append(
                f"{what:<66} {label:<14} {spread([r['valid_loss'] for r in rs]):>22}  "
                f"{spread([r['valid_acc'] for r in rs]):>22}  "
                f"{min(secs):4.1f}–{max(secs):4.1f} s  {collapsed} of {len(rs)}"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on this many examples only (a smoke run, not a result)",
    )
    parser.add_argument("--out", type=Path, default=SPREAD_FILE)
    args = parser.parse_args(argv)
    jobs = [
        (recipe, name, seed, args.limit)
        for seed in range(args.seeds)
        for recipe, (_, names) in RECIPES.items()
        for name in names
    ]
    # long runs first (two epochs, then the CNNs), so the pool's workers end together
    jobs.sort(key=lambda j: (j[1] == "logistic", -RECIPES[j[0]][0]))
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = list(pool.map(one_run, jobs))
    runs.sort(key=lambda r: (r["model"], r["recipe"], r["seed"]))
    result = {
        "what": "validation outcomes over seeds, 50,000/10,000 split, batch 64, 1 epoch "
        "(recipe 'tutorial': 2); made by `make seeds` (tools/seeds.py)",
        "fingerprint": fingerprint(),
        "torch": torch.__version__,
        "cpu": cpu_name(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "limit": args.limit,
        "models": {name: what for name, (what, _, _) in MODELS.items()},
        "recipes": {recipe: {"epochs": e, "models": list(m)} for recipe, (e, m) in RECIPES.items()},
        "runs": runs,
    }
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    tmp.replace(args.out)  # never a half-written file
    print(table(runs))
    print(
        f"{len(runs)} runs in {time.perf_counter() - start:.0f} s on {os.cpu_count()} cores; "
        f"written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
