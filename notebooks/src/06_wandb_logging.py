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
# Notebook 05's data, seeded loader, model and loss.

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
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True,
                      generator=torch.Generator().manual_seed(0))
loss_func = F.cross_entropy
model = nn.Linear(784, 10)
opt = optim.SGD(model.parameters(), lr=lr)

# %% [markdown] slide_type="slide"
# ## Why log instead of print?
#
# - A print shows one number at one moment; the other 1,563 losses of this run are lost.
# - Prints vanish with the kernel; you cannot compare today's run with last week's.
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
# `init_run` is `wandb.init(project=..., config=...)` with that mode, plus one line saying
# where the run went. `watch` records histograms of every parameter and its gradient.

# %%
from utils.tracking import init_run

run = init_run(config={"bs": bs, "lr": lr, "epochs": epochs, "model": "linear"})
wandb.watch(model, log="all", log_freq=100)

# %% [markdown] slide_type="subslide"
# ## `wandb.log` in the loop
#
# One dict per step. The loop is notebook 05's, plus one line; validation is logged once, at
# the end, and then the run is finished.

# %%
before = evaluate(model, loss_func, [valid_ds[:]])

for epoch in range(epochs):
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
# Exactly notebook 05's numbers: same seed, same shuffle, and logging only reads the loss.

# %%
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] >= 0.90
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="notes"
# On stage without network this runs offline: say so, and show the one line it printed.
# With a key and network the run is on wandb.ai; open it if you can. ~2 min.

# %% [markdown] slide_type="slide"
# ## What was logged
#
# We read the run back from its file (`wandb leet inspect`, what `read_run` calls), so this is
# what W&B has, with or without an account.

# %%
from utils.tracking import read_run, run_dir

records = read_run(run_dir(run))
losses = [r["train_loss"] for r in records if "train_loss" in r]
valid = [r for r in records if "valid_loss" in r]
histograms = [r for r in records if "gradients/weight.values" in r]
print(f"{len(losses)} training losses, {len(valid)} validation record; "
      f"gradient histograms at {len(histograms)} steps")
print("histograms of:", sorted({k.split(".")[0] for r in records for k in r if "/" in k}))

# %% [markdown] slide_type="subslide"
# ## The logged curve
#
# The chart the W&B dashboard draws, from the same logged numbers: every training loss, and
# the validation loss logged at the end.

# %%
from utils.plots import plot_history

plot_history({"train_loss": losses, "valid_loss": [r["valid_loss"] for r in valid]})

# %% [markdown] slide_type="subslide"
# ## A gradient histogram
#
# What `wandb.watch` logged for the weight's gradient, the first and the last time (64 bins).
# The tall bar at 0: weights of the border pixels, always blank in MNIST, so their gradient is
# exactly 0. The rest narrows as training goes on (see the x axes): smaller gradients.

# %%
from utils.plots import plot_logged_histograms

plot_logged_histograms([histograms[0], histograms[-1]], "gradients/weight")

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
