# %% [markdown] slide_type="slide"
# # torch.nn, really · 06 · Logging with Weights & Biases
#
# From here on we stop refactoring and start adding features. The first one: a record.
#
# **This notebook:** `wandb.init`, `wandb.log` inside the training loop, `wandb.watch` for
# parameter and gradient histograms, `wandb.finish`, and the logged run, read back.
# *About 15 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(6)

# %% [markdown] slide_type="subslide"
# Notebook 05's data and settings.

# %%
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader

from utils.loaders import mnist_datasets
from utils.repro import report, seed_everything
from utils.training import evaluate

seed_everything(0)
train_ds, valid_ds = mnist_datasets()
bs, lr, epochs = 64, 0.5, 2

# %% [markdown] slide_type="subslide"
# Notebook 05's seeded loader, loss, model and optimizer.

# %%
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True,
                      generator=torch.Generator().manual_seed(0))
loss_func = F.cross_entropy
model = nn.Linear(784, 10)
opt = optim.SGD(model.parameters(), lr=lr)

# %% [markdown] slide_type="slide"
# ## Why log instead of print?
#
# - A print shows one number at one moment; the other 1,563 losses of this run are lost.
# - A rerun overwrites the print: no comparing today's run with last week's.
# - You cannot send a print to a colleague. A W&B run is a page with charts, config and system
#   info that others can open.

# %% [markdown] slide_type="subslide"
# ## Online or offline
#
# With an API key (`wandb login`, or `WANDB_API_KEY`) and a reachable server, runs go to
# wandb.ai. Otherwise our helper logs offline instead of stopping at a login prompt or waiting
# on a dead network: everything is written to `wandb/` here, ready for `wandb sync` later.

# %%
import os

import wandb

from utils.tracking import wandb_mode

os.environ["WANDB_SILENT"] = "true"  # W&B's own status lines would show local paths
wandb_mode()  # (mode, why)

# %% [markdown] slide_type="slide"
# ## `wandb.init`, `wandb.watch`
#
# `wandb.init` starts a run: a project to file it under, the settings to remember (`config`),
# and the mode chosen above. `wandb.watch` asks PyTorch to call its functions on each forward
# pass and each `backward()`: every 100 batches they log a histogram (how many numbers fall in
# each small range) of each parameter's values and of its gradient.

# %%
from utils.tracking import run_dir

mode, why = wandb_mode()
run = wandb.init(project="torch-nn-really", mode=mode,
                 config={"bs": bs, "lr": lr, "epochs": epochs, "model": "linear"})
wandb.watch(model, log="all", log_freq=100)  # "all": parameters and gradients
print(f"W&B: {mode} ({why}), run files in {os.path.relpath(run_dir(run))}")

# %% [markdown] slide_type="notes"
# From notebook 07 on, `utils.tracking.init_run` does these lines: `wandb.init` with the mode
# picked for you, and one printed line saying where the run went.

# %% [markdown] slide_type="subslide"
# ## `wandb.log` in the loop
#
# One dict per step. The loop is notebook 05's, plus one line; validation is logged once, at
# the end, and then the run is finished. Epochs are counted from 1, as everywhere in the series.
# `valid_ds[:]` is the whole validation set as one batch.

# %%
before = evaluate(model, loss_func, [valid_ds[:]])

for epoch in range(1, epochs + 1):
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        wandb.log({"epoch": epoch, "train_loss": loss.item()})

after = evaluate(model, loss_func, [valid_ds[:]])
wandb.log({"epoch": epoch, "valid_loss": after[0], "valid_acc": after[1]})
wandb.finish()

# %% [markdown] slide_type="subslide"
# ## Still learning
#
# Exactly notebook 05's numbers: same seed, same shuffle, and logging only reads (the loss,
# and, through `wandb.watch`, the weights and gradients).

# %%
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0]  # the loss went down
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="notes"
# On stage without network this runs offline: say so, and show the line the init cell printed.
# With a key and network the run is on wandb.ai; open it if you can. ~2 min.

# %% [markdown] slide_type="subslide"
# ## Exercise: what to log each step
#
# Write `step_record(epoch, loss)`: the dict that `wandb.log` gets at each step, with
# the keys `epoch` and `train_loss`, the loss as a plain number.
#
# Stuck? `ex.hint("06.step_record")`, then `ex.solution("06.step_record")`.

# %% tags=["exercise"]
def step_record(epoch, loss):
    ...  # your code

# %%
from utils import exercises as ex
step_record = ex.check("06.step_record", step_record)

# %% [markdown] slide_type="slide"
# ## What was logged
#
# We read the run back from its file (`wandb leet inspect`, what `read_run` calls), so this is
# what W&B has, with or without an account. The records: one dict per logged step, with the
# keys given to `wandb.log` (and, every 100 steps, the histograms).

# %%
from utils.tracking import read_run

records = read_run(run_dir(run))
losses = [r["train_loss"] for r in records if "train_loss" in r]
valid = [r for r in records if "valid_loss" in r]
histograms = [r for r in records if "gradients/weight.values" in r]
print(f"{len(losses)} training losses, {len(valid)} validation record; "
      f"gradient histograms at {len(histograms)} steps")
print("histograms of:", sorted({k.split(".")[0] for r in records for k in r if "/" in k}))

# %% [markdown] slide_type="subslide"
# ## Exercise: `epoch_means`
#
# Write `epoch_means(records)`: the mean training loss of each epoch, in order, from
# records like those read back above. Not every record has a `train_loss`.
#
# Stuck? `ex.hint("06.epoch_means")`, then `ex.solution("06.epoch_means")`.

# %% tags=["exercise"]
def epoch_means(records):
    ...  # your code

# %%
from utils import exercises as ex
epoch_means = ex.check("06.epoch_means", epoch_means)

# %% [markdown] slide_type="subslide"
# ## The logged curve
#
# The logged numbers as a chart, like those of a W&B run page: every training loss (faint),
# their 50-step mean (solid), and the validation loss logged at the end (one dot).

# %%
from utils.plots import plot_history

plot_history({"train_loss": losses, "valid_loss": [r["valid_loss"] for r in valid]}, epochs=epochs)

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("06")

# %% [markdown] slide_type="slide"
# ## What `wandb.watch` recorded
#
# The weight's gradient, as logged at batches 100 and 1,500 (W&B counts steps from 0, hence
# "step 99" and "step 1499"), on one x scale. The later one is narrower; in both, a tall bar
# sits at 0.

# %%
from utils.plots import plot_logged_histograms

plot_logged_histograms([histograms[0], histograms[-1]], "gradients/weight")
first, last = ([min(h["gradients/weight.bins"]), max(h["gradients/weight.bins"])]
               for h in (histograms[0], histograms[-1]))
assert last[1] - last[0] < first[1] - first[0]  # narrower

# %% [markdown] slide_type="subslide"
# ## Aside: what the tall bar holds
#
# (Two sub-slides a presenter may skip.) We replay the run to batch 100 (same seeds), where
# the first histogram was taken.

# %%
seed_everything(0)
replay = nn.Linear(784, 10)
replay_opt = optim.SGD(replay.parameters(), lr=lr)
replay_dl = DataLoader(train_ds, batch_size=bs, shuffle=True,
                       generator=torch.Generator().manual_seed(0))
for step, (xb, yb) in enumerate(replay_dl, start=1):
    loss_func(replay(xb), yb).backward()
    if step == 100:  # the gradient wandb.watch logged first
        break
    replay_opt.step()
    replay_opt.zero_grad()
grad = replay.weight.grad  # 10 digits x 784 pixels

# %% [markdown] slide_type="notes"
# The replay is notebook 05's loop stopped at batch 100, before its step: the same weights and
# batch as when wandb.watch's hook fired; the first assert of the next cell checks it against
# the logged counts (64 bins).

# %% [markdown] slide_type="subslide"
# ## Aside: the tall bar, counted
#
# A weight's gradient is exactly 0 when its pixel is blank in all the images of the batch.

# %%
values, bins = histograms[0]["gradients/weight.values"], histograms[0]["gradients/weight.bins"]
assert grad.flatten().histc(64, grad.min().item(), grad.max().item()).tolist() == values
bar = values.index(max(values))
zeros = int((grad == 0).sum())
blank_here = int((xb == 0).all(dim=0).sum())  # pixels blank in all 64 images of batch 100
blank_always = int((train_ds.tensors[0] == 0).all(dim=0).sum())  # ...in all 50,000
print(f"the bar, {bins[bar]:.1e} to {bins[bar + 1]:.1e}: {max(values):.0f} of {grad.numel()}")
print(f"  exactly 0: {zeros}, 10 digits x {blank_here} pixels blank in this batch")
print(f"    of which pixels blank in all 50,000 images: 10 x {blank_always} = {10 * blank_always}")
print(f"  small, not 0: {max(values) - zeros:.0f}")
assert bins[bar] <= 0 < bins[bar + 1] and zeros == 10 * blank_here
assert max(values) / 2 < zeros and 10 * blank_always < zeros / 2  # the claims below

# %% [markdown] slide_type="notes"
# Two things new here: `histc(64, lo, hi)` counts values in 64 equal bins from `lo` to `hi`,
# as wandb did; `train_ds.tensors[0]` is the image tensor (50,000 × 784) the `TensorDataset`
# was given.

# %% [markdown] slide_type="fragment"
# Most of the bar is exact zeros, and most of those are pixels blank in this batch only, not in
# all of MNIST. The rest of the bar is small gradients that are not 0.

# %% [markdown] slide_type="slide"
# ## What the web app adds
#
# Offline, we read the run's file ourselves. Synced to wandb.ai (`wandb sync`, or logging
# online), the same run also gets:
#
# - a [run page](https://docs.wandb.ai/guides/runs/): these charts, the config, system metrics
#   and the console output, at a link you can share;
# - [reports](https://docs.wandb.ai/guides/reports/): text around live charts of several runs;
# - runs compared side by side.

# %% [markdown] slide_type="notes"
# A report is the stream's "dashboard blog post". The model's graph appears too if you watch
# with `log_graph=True` ([`wandb.watch`](https://docs.wandb.ai/ref/python/watch/)).

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `wandb.init` starts a run, `wandb.log` records a dict, `wandb.finish` closes it.
# - `wandb.watch(model, log="all")` adds parameter and gradient histograms.
# - No key, or no network? Offline runs, uploaded later with `wandb sync`.
#
# **Next:** validation every epoch, and a `fit()` with hooks so logging is one argument.
#
# **Read more:** [`wandb.init`](https://docs.wandb.ai/ref/python/init/) ·
# [`wandb.log`](https://docs.wandb.ai/ref/python/log/) ·
# [`wandb.watch`](https://docs.wandb.ai/ref/python/watch/) ·
# [offline runs and `wandb sync`](https://docs.wandb.ai/ref/cli/wandb-sync/)
