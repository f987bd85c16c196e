# %% [markdown] slide_type="slide"
# # torch.nn, really · 07 · Validation and `fit()` with hooks
#
# A training loop worth keeping: it validates every epoch, and lets us plug in logging without
# editing it.
#
# **This notebook:** a validation `DataLoader`, `train()` / `eval()`, `loss_batch`, `fit` with two
# hooks, `get_data`, a `log_dict` callback and `fit_and_log`: three lines to train and log.
# *About 20 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(7)

# %% [markdown] slide_type="subslide"
# The datasets and settings of notebook 06.

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
loss_func = F.cross_entropy

# %% [markdown] slide_type="subslide"
# `get_model()` of notebook 05.

# %%
def get_model():
    model = nn.Linear(784, 10)
    return model, optim.SGD(model.parameters(), lr=lr)

# %% [markdown] slide_type="slide"
# ## A validation `DataLoader`
#
# - **No shuffle:** we never step on validation batches, so their order cannot matter.
# - **Twice the batch size:** validation runs under `no_grad`, so PyTorch saves nothing for a
#   backward pass and a batch needs less memory than in training. We can afford bigger ones,
#   and half as many of them.

# %%
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True,
                      generator=torch.Generator().manual_seed(0))
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
# Our model has neither yet, but the habit costs nothing: `train()` before training, and
# validation calls `eval()` first.

# %% [markdown] slide_type="subslide"
# ## One validation pass, written out
#
# Eval mode, no graph, and each batch's mean loss weighted by its size: the last batch holds
# 16 images, not 128.

# %%
seed_everything(0)
model, opt = get_model()
model.eval()  # evaluation behaviour: dropout off, batch norm's running averages
total_loss, n = 0.0, 0
with torch.no_grad():  # no graph: nothing here will be backpropagated
    for xb, yb in valid_dl:
        total_loss += loss_func(model(xb), yb).item() * len(xb)  # mean x size = sum
        n += len(xb)
print(f"untrained: loss {total_loss / n:.4f} over {n} images; last batch {len(xb)}")

# %% [markdown] slide_type="fragment"
# `evaluate` (notebook 02) is this loop, plus accuracy; `fit` will call it after every epoch.

# %% [markdown] slide_type="subslide"
# ## Exercise: `valid_accuracy`
#
# Write `valid_accuracy(model, batches)`: the accuracy over all batches, in eval mode
# and without gradients. A smaller last batch counts for what it holds.
#
# Stuck? `ex.hint("07.valid_accuracy")`, then `ex.solution("07.valid_accuracy")`.

# %% tags=["exercise"]
def valid_accuracy(model, batches):
    ...  # your code

# %%
from utils import exercises as ex
valid_accuracy = ex.check("07.valid_accuracy", valid_accuracy)

# %% [markdown] slide_type="slide"
# ## `loss_batch`
#
# Training and validation both compute a batch's loss; only training steps the optimizer.
# So: backpropagate only when given an optimizer.

# %%
# saved to utils/training.py
def loss_batch(model, loss_func, xb, yb, opt=None):
    """Loss on one batch; with an optimizer, also take one step."""
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item()

# %% [markdown] slide_type="slide"
# ## `fit`, with two hooks
#
# A hook is an optional function that `fit` calls at a fixed moment, with the numbers of that
# moment. `fit` knows nothing about logging, printing or plotting; hooks do.

# %%
# saved to utils/training.py
def fit(epochs, model, loss_func, opt, train_dl, valid_dl,
        on_train_step=None, on_val_epoch_end=None):
    """Train for ``epochs``, validating after each; the hooks get the metrics as dicts."""
    check_setup(model, loss_func, train_dl, valid_dl)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for epoch in range(1, epochs + 1):  # counted from 1: epoch 1 is the first
        model.train()
        for xb, yb in train_dl:
            loss = loss_batch(model, loss_func, xb, yb, opt)
            history["train_loss"].append(loss)
            if on_train_step:
                on_train_step({"epoch": epoch, "train_loss": loss})
        valid_loss, valid_acc = evaluate(model, loss_func, valid_dl)
        history["valid_loss"].append(valid_loss)
        history["valid_acc"].append(valid_acc)
        if on_val_epoch_end:
            on_val_epoch_end({"epoch": epoch, "valid_loss": valid_loss, "valid_acc": valid_acc})
    return history

# %% [markdown] slide_type="subslide"
# ## Fail early, and say why
#
# A wrong shape deep in the loop gives a cryptic error; one validation batch first says what to fix.

# %%
# saved to utils/training.py
def check_setup(model, loss_func, train_dl, valid_dl):
    """Raise a clear error if a loader is empty or a batch does not fit the model and loss."""
    for name, dl in (("train_dl", train_dl), ("valid_dl", valid_dl)):
        if len(dl) == 0:
            raise ValueError(f"{name} yields no batches: is its dataset empty?")
    xb, yb = next(iter(valid_dl))  # not train_dl: that would use up a shuffle
    model.eval()  # no batch-norm statistics updated, no dropout drawn
    with torch.no_grad():
        try:
            out = model(xb)
        except (RuntimeError, ValueError) as err:
            raise RuntimeError(f"the model cannot take inputs {tuple(xb.shape)}: {err}") from err
        try:
            loss_func(out, yb)
        except (RuntimeError, IndexError, ValueError) as err:
            raise RuntimeError(f"the model's output {tuple(out.shape)} does not fit the loss "
                               f"with targets {tuple(yb.shape)} {yb.dtype}: {err}") from err

# %% [markdown] slide_type="subslide"
# ## A hook in action
#
# Any function of a dict will do; here, `print`. This is the idea behind the callback systems of
# fastai, Lightning and Hugging Face, which hang scheduling, early stopping and logging on hooks.

# %%
seed_everything(0)
model, opt = get_model()
history = fit(1, model, loss_func, opt, train_dl, valid_dl, on_val_epoch_end=print)

# %% [markdown] slide_type="subslide"
# ## A function that makes a hook
#
# A hook often needs something of its own (a list, an optimizer). Define it inside a
# function that takes that thing, and return it uncalled: it remembers what it was given.

# %%
def keep_in(store):
    def hook(metrics):  # made anew at each call of keep_in; it remembers `store`
        store.append(metrics["valid_loss"])
    return hook  # the function itself, not a call: fit calls it later


losses = []
on_end = keep_in(losses)  # fit(..., on_val_epoch_end=keep_in(losses)) would do the same
on_end({"epoch": 1, "valid_loss": 0.3})  # what fit does after epoch 1...
on_end({"epoch": 2, "valid_loss": 0.2})  # ...and after epoch 2
losses

# %% [markdown] slide_type="subslide"
# ## Exercise: a learning-rate schedule as a hook
#
# Write `halve_lr(opt)`: it returns a hook for `on_val_epoch_end` that halves the
# learning rate of every parameter group of `opt`, each time it is called. Each group is a
# dict (notebook 04); `step()` reads its `"lr"`. Used as
# `fit(..., on_val_epoch_end=halve_lr(opt))`.
#
# Stuck? `ex.hint("07.halve_lr")`, then `ex.solution("07.halve_lr")`.

# %% tags=["exercise"]
def halve_lr(opt):
    ...  # your code

# %%
from utils import exercises as ex
halve_lr = ex.check("07.halve_lr", halve_lr)

# %% [markdown] slide_type="subslide"
# ## The schedule the hook applied
#
# Three epochs with `halve_lr(opt)` at each epoch's end. A second hook records, after every
# step, the rate that step used.

# %%
seed_everything(0)
model, opt = get_model()
rates = []  # one per step, read from the optimizer itself
record_lr = lambda metrics: rates.append(opt.param_groups[0]["lr"])
fit(3, model, loss_func, opt, train_dl, valid_dl,
    on_train_step=record_lr, on_val_epoch_end=halve_lr(opt))
per_epoch = [rates[i * len(train_dl)] for i in range(3)]  # the rate of each epoch's first step
assert per_epoch == [lr, lr / 2, lr / 4] and len(set(rates)) == 3
per_epoch

# %% [markdown] slide_type="subslide"
# ## Halved after each epoch

# %% tags=["hide-input"]
import numpy as np

from utils.plots import plot_curves

plot_curves({"learning rate": rates},
            f"The hook halved the rate after each epoch: {', '.join(map(str, per_epoch))}",
            ylabel="learning rate", x={"learning rate": np.arange(1, len(rates) + 1)})

# %% [markdown] slide_type="notes"
# Point at the two drops: each comes at an epoch's end, where `fit` calls
# `on_val_epoch_end`. `fit` did not change; the hook changed the optimizer's `"lr"`.

# %% [markdown] slide_type="slide"
# ## `get_data`
#
# Notebook 05 built the training loader, and this notebook added the validation loader; every
# notebook from here needs the pair, so name it once. The training loader shuffles with its own
# seeded generator, so a validation pass never changes its order.

# %%
# saved to utils/loaders.py
def get_data(train_ds, valid_ds, bs, seed=0, **kwargs):
    """Training batches shuffled (seeded); validation batches in order and twice as big."""
    shuffle_seed = torch.Generator().manual_seed(seed)
    return (DataLoader(train_ds, batch_size=bs, shuffle=True, generator=shuffle_seed, **kwargs),
            DataLoader(valid_ds, batch_size=bs * 2, **kwargs))

# %% [markdown] slide_type="subslide"
# ## Logging is a callback
#
# A hook that hands each dict to W&B is all the logging `fit` needs. (Libraries call such
# hooks *callbacks*.)

# %%
import os

import wandb

from utils.tracking import init_run

os.environ["WANDB_SILENT"] = "true"  # keep W&B's own status lines (local paths) out

# %%
# saved to utils/tracking.py
def log_dict(metrics):
    """The logging hook: hand each dict of metrics straight to W&B."""
    wandb.log(metrics)

# %% [markdown] slide_type="subslide"
# `fit_and_log` is the whole run around `fit`: start, watch, log through both hooks, finish.

# %%
# saved to utils/tracking.py
def fit_and_log(epochs, model, loss_func, opt, train_dl, valid_dl, config=None, watch_freq=100):
    """``fit`` inside a W&B run: init, watch the model, log through both hooks, finish."""
    run = init_run(config=config)
    try:  # finish the run even if training fails, so the next run starts clean
        wandb.watch(model, log="all", log_freq=watch_freq)
        history = fit(epochs, model, loss_func, opt, train_dl, valid_dl,
                      on_train_step=log_dict, on_val_epoch_end=log_dict)
    finally:
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
#
# The last line is notebook 05's and 06's result again: same seed, same shuffle. The validation
# passes in between change nothing.

# %%
print(f"before training: validation loss {before[0]:.4f}, accuracy {before[1]:.4f}")
for epoch, (loss, acc) in enumerate(zip(history["valid_loss"], history["valid_acc"]), start=1):
    print(f"after epoch {epoch}: validation loss {loss:.4f}, accuracy {acc:.4f}")
assert history["valid_loss"][-1] < before[0]  # the loss went down
report(valid_loss=history["valid_loss"][-1], valid_acc=history["valid_acc"][-1])

# %% [markdown] slide_type="subslide"
# ## Reading the two curves

# %%
from utils.plots import plot_history

v = history["valid_loss"]
trend = "rose" if v[-1] > v[0] else "fell"
plot_history(history, title=f"Validation loss {trend} in epoch 2 ({v[0]:.4f} → {v[-1]:.4f}): "
             "too few points to call it overfitting")

# %% [markdown] slide_type="notes"
# Point at the faint line (each batch's loss) and the solid 50-step mean through it: it falls
# fast early in epoch 1, then stays nearly flat. Then the two dots: validation after epoch 1
# and 2, the second a little higher.

# %% [markdown] slide_type="subslide"
# ## What overfitting would look like
#
# Training loss (faint: each batch's; solid: 50-step mean): noisy, falling. Validation loss
# (dashed): unseen images, after each epoch. **Overfitting** is the two parting, validation
# turning up. Ours looks flat here, but rose in epoch 2 (0.2984 → 0.3049, printed above): two
# points cannot tell overfitting from a rate (0.5) too big to settle.

# %% [markdown] slide_type="notes"
# The stream's point about hooks: fit stays the same, what happens around it changes. Ask the
# room what overfitting would look like on this chart before reading the slide. More epochs
# would tell overfitting from a rate too big.

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("07")

# %% [markdown] slide_type="slide"
# ## Written once, imported from now on
#
# The cells above that start with `# saved to utils/...` are the one source of
# `utils.training`, `utils.loaders` and `utils.tracking`. Later notebooks just import them:
#
# ```python
# from utils.loaders import get_data
# from utils.tracking import fit_and_log
# from utils.training import fit
# ```

# %% [markdown] slide_type="notes"
# `make export` copies those cells (`loss_batch`, `check_setup`, `fit`; `get_data`; `log_dict`,
# `fit_and_log`) into utils, and a test fails if the two ever differ.

# %% [markdown] slide_type="subslide"
# ## Next: a convolutional network
#
# Trained by this same `fit`, unchanged.
#
# **Read more:** [`Module.train` / `Module.eval`](https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval) ·
# [`torch.Generator`](https://pytorch.org/docs/stable/generated/torch.Generator.html) ·
# [W&B and PyTorch](https://docs.wandb.ai/guides/integrations/pytorch/)
