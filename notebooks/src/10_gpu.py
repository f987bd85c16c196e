# %% [markdown] slide_type="slide"
# # torch.nn, really · 10 · The GPU, and what keeps it idle
#
# Moving work to an accelerator is two lines. Keeping it busy is the real work.
#
# **This notebook:** `torch.device`, moving the model and the batches, the device-mismatch
# error, and `torch.profiler` to see where an epoch's time goes, before and after a better data
# path.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(10)

# %% [markdown] slide_type="subslide"
# Notebook 09's data, model and `fit`, imported.

# %%
import torch
import torch.nn.functional as F
from torch import optim

from utils import report, seed_everything
from utils.models import mnist_cnn
from utils.training import WrappedDataLoader, fit, get_data, mnist_datasets

seed_everything(0)
train_ds, valid_ds = mnist_datasets()
bs, lr, epochs = 64, 0.1, 2
loss_func = F.cross_entropy

# %% [markdown] slide_type="slide"
# ## Which device?
#
# CUDA for NVIDIA GPUs, MPS for Apple silicon, else the CPU. In Colab: *Runtime → Change
# runtime type → GPU*.

# %%
from utils.device import get_device

print("CUDA available:", torch.cuda.is_available())
print("MPS available: ", torch.backends.mps.is_available())
device = get_device()
device

# %% [markdown] slide_type="slide"
# ## The error you will meet
#
# Model on one device, data on another. To show it on any machine we use the `meta` device
# (shapes without data) when there is no GPU: the message is the same kind.

# %%
other = torch.device("cuda") if device.type == "cuda" else torch.device("meta")
model = mnist_cnn().to(other)
try:
    model(torch.zeros(2, 1, 28, 28))  # a CPU batch
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown] slide_type="fragment"
# The fix: the model goes to the device once; every batch goes there as the loader yields it.

# %% [markdown] slide_type="subslide"
# ## Moving batches: the data loader's job

# %%
from utils.device import to_device


def to_images(x, y):
    return x.view(-1, 1, 28, 28), y


def naive_loaders():
    """Notebook 09's loaders, plus one more step per batch: copy it to the device."""
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    move = to_device(device)
    wrap = lambda dl: WrappedDataLoader(dl, lambda x, y: move(*to_images(x, y)))
    return wrap(train_dl), wrap(valid_dl)

# %% [markdown] slide_type="slide"
# ## Where does an epoch go?
#
# `torch.profiler` records every operation; `record_function` labels our own regions, so we
# can split an epoch into *getting the batch* and *the training step*.

# %%
from torch.profiler import ProfilerActivity, profile, record_function

from utils.device import quiet_native_stderr  # the profiler's own debug lines, hidden

activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])

# %% [markdown] slide_type="subslide"
# ## One profiled epoch
#
# A fresh model, then one epoch inside `profile(...)`, each part under its own label.

# %%
def profiled_epoch(train_dl):
    seed_everything(0)
    model = mnist_cnn().to(device)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    with quiet_native_stderr(), profile(activities=activities) as prof:
        batches = iter(train_dl)
        for _ in range(len(train_dl)):
            with record_function("get batch"):
                xb, yb = next(batches)
            with record_function("train step"):
                loss = loss_func(model(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
        if device.type == "cuda":
            torch.cuda.synchronize()
    return prof

# %% [markdown] slide_type="subslide"
# ## The naive data path
#
# Per batch: the `DataLoader` indexes the dataset 64 times, collates, then we copy to the device.

# %%
naive = profiled_epoch(naive_loaders()[0])

# %% [markdown] slide_type="subslide"
# ## The profiler's table: the costliest operations, our two labels among them

# %% tags=["nbval-ignore-output"]
print(naive.key_averages().table(sort_by="cpu_time_total", row_limit=4, max_name_column_width=26))

# %% [markdown] slide_type="slide"
# ## A better data path
#
# MNIST fits in memory (and on any GPU): move it to the device *once*, shuffle indices there,
# and slice batches. Validation batches can be much larger: no gradients to store.

# %%
from utils.device import DeviceBatches

x_train, y_train = train_ds[:]
x_valid, y_valid = valid_ds[:]
x_train, x_valid = x_train.view(-1, 1, 28, 28), x_valid.view(-1, 1, 28, 28)
fast_train = DeviceBatches(x_train, y_train, bs, device, shuffle=True)
fast_valid = DeviceBatches(x_valid, y_valid, 1024, device)
better = profiled_epoch(fast_train)

# %% [markdown] slide_type="subslide"
# ## The split, measured

# %% tags=["nbval-ignore-output"]
def seconds(prof, label):
    return sum(e.cpu_time_total for e in prof.key_averages() if e.key == label) / 1e6


split = {name: (seconds(p, "get batch"), seconds(p, "train step"))
         for name, p in [("naive", naive), ("better", better)]}
for name, (data, step) in split.items():
    print(f"{name:6}: get batch {data:5.2f} s, train step {step:5.2f} s, "
          f"data share {data / (data + step):4.0%}")
speedup = sum(split["naive"]) / sum(split["better"])
print(f"speed-up of the epoch: {speedup:.1f}x on {device.type}")

# %% [markdown] slide_type="subslide"
# ## The same, as a picture

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 2.2))
for i, (name, (data, step)) in enumerate(split.items()):
    ax.barh(i, data, color="tab:orange", label="get batch" if i == 0 else None)
    ax.barh(i, step, left=data, color="tab:blue", label="train step" if i == 0 else None)
ax.set(yticks=[0, 1], yticklabels=list(split), xlabel=f"seconds per epoch on {device.type}")
ax.legend(loc="lower right")
plt.show()

# %% [markdown] slide_type="slide"
# ## A trace to explore
#
# Open it in [ui.perfetto.dev](https://ui.perfetto.dev) or `chrome://tracing`. On a GPU, look
# at the CUDA stream row: with the naive loader it is mostly gaps, the GPU idle and waiting for
# the CPU to hand it the next batch. On a CPU, the same gaps show as the "get batch" share.

# %%
from pathlib import Path

Path("traces").mkdir(exist_ok=True)
naive.export_chrome_trace("traces/naive_epoch.json")
better.export_chrome_trace("traces/better_epoch.json")
sorted(p.name for p in Path("traces").iterdir())

# %% [markdown] slide_type="slide"
# ## Train on the device
#
# `fit` is unchanged again: it only ever asked for batches.

# %%
seed_everything(0)
model = mnist_cnn().to(device)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
history = fit(epochs, model, loss_func, opt, fast_train, fast_valid)
after = history["valid_loss"][-1], history["valid_acc"][-1]
print(f"validation after training: loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[1] >= 0.90
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `torch.device` and `.to(device)`: the model once, every batch as it is loaded.
# - Device mismatches are loud; read the two device names in the message.
# - Profile before optimising. On a CPU the model's arithmetic dominates and a better data
#   path buys little; on a GPU the arithmetic is fast, so the data path decides how busy it is.
#
# **The series:** from raw tensors to `fit(epochs, model, loss_func, opt, train_dl, valid_dl)`:
# that is what `torch.nn` really is.
