# %% [markdown] slide_type="slide"
# # torch.nn, really · 06 · Logging with Weights & Biases
#
# From here on we stop refactoring and start adding features. The first one: a record.
#
# **This notebook:** `wandb.init`, `wandb.log` inside the training loop, `wandb.watch` for
# parameter and gradient histograms, `wandb.finish`, and the logged curve, read back.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(6)

# %% [markdown] slide_type="subslide"
# Notebook 05's data, loader, model and loss.

# %%
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader

from utils import report, seed_everything
from utils.training import evaluate, mnist_datasets

seed_everything(0)
train_ds, valid_ds = mnist_datasets()
bs, lr, epochs = 64, 0.5, 2
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
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
# With an API key (`wandb login`, or `WANDB_API_KEY`) runs go to wandb.ai. Without one, our
# helper picks offline mode instead of stopping at a login prompt: everything is written to
# `wandb/` here, ready for `wandb sync` later.

# %%
import os

import wandb

from utils.tracking import wandb_mode

os.environ["WANDB_SILENT"] = "true"  # W&B's own status lines would show local paths
wandb_mode()

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
# One dict per step. The loop is notebook 05's, plus one line.

# %%
before = evaluate(model, loss_func, [valid_ds[:]])

for epoch in range(epochs):
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        wandb.log({"epoch": epoch, "train_loss": loss.item()})

wandb.finish()

# %% [markdown] slide_type="subslide"
# ## Still learning

# %%
after = evaluate(model, loss_func, [valid_ds[:]])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] >= 0.90
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="slide"
# ## What was logged
#
# We read the run back from its file (`wandb leet inspect`, what `read_run` calls), so this is
# what W&B has, with or without an account.

# %%
from utils.tracking import read_run, run_dir

records = read_run(run_dir(run))
losses = [r["train_loss"] for r in records if "train_loss" in r]
histograms = [r for r in records if "gradients/weight.values" in r]
print(f"{len(losses)} training losses; gradient histograms at {len(histograms)} steps")
print("histograms of:", sorted({k.split(".")[0] for r in records for k in r if "/" in k}))

# %% [markdown] slide_type="subslide"
# ## The logged curve
#
# The same chart the W&B dashboard draws, from the same numbers.

# %%
from utils.plots import plot_history

plot_history({"train_loss": losses, "valid_loss": [after[0]]})

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `wandb.init` starts a run, `wandb.log` records a dict, `wandb.finish` closes it.
# - `wandb.watch(model, log="all")` adds parameter and gradient histograms.
# - No key? Offline runs, uploaded later with `wandb sync`.
#
# **Next:** validation every epoch, and a `fit()` with hooks so logging is one argument.
