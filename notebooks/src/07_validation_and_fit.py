# %% [markdown] slide_type="slide"
# # torch.nn, really · 07 · Validation and `fit()` with hooks
#
# A training loop worth keeping: it validates every epoch, and lets us plug in logging without
# editing it.
#
# **This notebook:** a validation `DataLoader`, `train()` / `eval()`, `loss_batch`, `fit` with two
# hooks, `get_data`, a `log_dict` callback and `fit_and_log`: three lines to train and log.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(7)

# %% [markdown] slide_type="subslide"
# The datasets and model of notebook 06.

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
loss_func = F.cross_entropy

# %% [markdown] slide_type="slide"
# ## A validation `DataLoader`
#
# - **No shuffle:** we never step on validation batches, so their order cannot matter.
# - **Twice the batch size:** no backward pass means no gradients to store, so twice as many
#   images fit in the same memory, and bigger batches are faster.

# %%
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
len(train_dl), len(valid_dl)

# %% [markdown] slide_type="slide"
# ## `model.train()` and `model.eval()`
#
# Some layers act differently while training. Dropout zeroes random activations (and scales
# up the rest) in training, and does nothing in evaluation:

# %%
drop = nn.Dropout(p=0.5)
drop.train()
print("train:", drop(torch.ones(8)))
drop.eval()
print("eval: ", drop(torch.ones(8)))

# %% [markdown] slide_type="fragment"
# Batch norm likewise uses batch statistics in training and running averages in evaluation.
# Our model has neither yet, but the habit costs nothing: `train()` before training,
# `eval()` before validating.

# %% [markdown] slide_type="slide"
# ## `loss_batch`
#
# Training and validation both compute a batch's loss; only training steps the optimizer.
# So: backpropagate only when given an optimizer.

# %%
def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)

# %% [markdown] slide_type="slide"
# ## `fit`, with two hooks
#
# A hook is an optional function that `fit` calls at a fixed moment, with the numbers of that
# moment. `fit` knows nothing about logging, printing or plotting; hooks do.

# %%
def fit(epochs, model, loss_func, opt, train_dl, valid_dl,
        on_train_step=None, on_val_epoch_end=None):
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss, _ = loss_batch(model, loss_func, xb, yb, opt)
            history["train_loss"].append(loss)
            if on_train_step:
                on_train_step({"epoch": epoch, "train_loss": loss})

        valid_loss, valid_acc = evaluate(model, loss_func, valid_dl)  # eval() and no_grad inside
        history["valid_loss"].append(valid_loss)
        history["valid_acc"].append(valid_acc)
        if on_val_epoch_end:
            on_val_epoch_end({"epoch": epoch, "valid_loss": valid_loss, "valid_acc": valid_acc})
    return history

# %% [markdown] slide_type="subslide"
# ## A hook in action
#
# Any function of a dict will do; here, `print`. This is the idea behind the callback systems of
# fastai, Lightning and Hugging Face, which hang scheduling, early stopping and logging on hooks.

# %%
def get_model():
    model = nn.Linear(784, 10)
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
history = fit(1, model, loss_func, opt, train_dl, valid_dl, on_val_epoch_end=print)

# %% [markdown] slide_type="slide"
# ## `get_data`
#
# Notebook 05 and this one built the same two loaders; name that once.

# %%
def get_data(train_ds, valid_ds, bs):
    return (DataLoader(train_ds, batch_size=bs, shuffle=True),
            DataLoader(valid_ds, batch_size=bs * 2))

# %% [markdown] slide_type="subslide"
# ## Logging is a callback
#
# `log_dict` hands each dict to W&B; `fit_and_log` wraps the run around `fit`: init, watch,
# fit with both hooks, finish.

# %%
import os

import wandb

from utils.tracking import init_run

os.environ["WANDB_SILENT"] = "true"  # keep W&B's own status lines (local paths) out


def log_dict(metrics):
    wandb.log(metrics)


def fit_and_log(epochs, model, loss_func, opt, train_dl, valid_dl, config=None):
    run = init_run(config=config)
    wandb.watch(model, log="all", log_freq=100)
    history = fit(epochs, model, loss_func, opt, train_dl, valid_dl,
                  on_train_step=log_dict, on_val_epoch_end=log_dict)
    run.finish()
    return history, run

# %% [markdown] slide_type="slide"
# ## Three lines to train and log a model

# %%
seed_everything(0)
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
before = evaluate(model, loss_func, valid_dl)  # to compare with, below
history, run = fit_and_log(epochs, model, loss_func, opt, train_dl, valid_dl,
                           config={"bs": bs, "lr": lr, "model": "linear"})

# %% [markdown] slide_type="subslide"
# ## Validation every epoch

# %%
print(f"before training: validation loss {before[0]:.4f}, accuracy {before[1]:.4f}")
for epoch, (loss, acc) in enumerate(zip(history["valid_loss"], history["valid_acc"])):
    print(f"after epoch {epoch}: validation loss {loss:.4f}, accuracy {acc:.4f}")
assert history["valid_loss"][-1] < before[0] and history["valid_acc"][-1] >= 0.90
report(valid_loss=history["valid_loss"][-1], valid_acc=history["valid_acc"][-1])

# %% [markdown] slide_type="subslide"
# ## Training and validation loss

# %%
from utils.plots import plot_history

plot_history(history)

# %% [markdown] slide_type="slide"
# ## Written once, imported from now on
#
# `loss_batch`, `fit`, `get_data`, `log_dict` and `fit_and_log` now live in `utils`
# (`utils.training`, `utils.tracking`); a test checks they behave exactly like the ones above.
# Later notebooks just import them:
#
# ```python
# from utils.training import fit, get_data
# from utils.tracking import fit_and_log
# ```
#
# **Next:** a convolutional network, trained by this same `fit`, unchanged.
