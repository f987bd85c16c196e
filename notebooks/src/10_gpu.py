# %% [markdown] slide_type="slide"
# # torch.nn, really · 10 · The GPU, and what keeps it idle
#
# Moving work to an accelerator is two lines. Keeping it busy is the real work.
#
# **This notebook:** `torch.device`, moving the model and the batches, the device-mismatch
# error, and `torch.profiler` to see where the time goes, before and after a better data path.
# *About 20 minutes.*

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
from torch import nn, optim

from utils.loaders import WrappedDataLoader, get_data, mnist_datasets, to_images
from utils.models import mnist_cnn
from utils.repro import report, seed_everything
from utils.training import fit

seed_everything(0)
train_ds, valid_ds = mnist_datasets()
bs, lr, epochs = 64, 0.1, 1  # notebook 08's recipe
loss_func = F.cross_entropy

# %% [markdown] slide_type="slide"
# ## Which device?
#
# `cuda` for NVIDIA GPUs (and AMD GPUs, in PyTorch's ROCm builds), `mps` for Apple silicon,
# else the CPU. In Colab: *Runtime → Change runtime type → GPU*.

# %%
# saved to utils/device.py
def get_device():
    """CUDA (an NVIDIA GPU, or an AMD one with a ROCm build), else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: it names this machine's device (cpu, cuda or mps).
device = get_device()
device

# %% [markdown] slide_type="notes"
# torch.accelerator (new in torch 2.6) asks the same question for every backend. In torch
# 2.13, torch.accelerator.current_accelerator(check_available=True) is None on a machine with
# none; without check_available it names the accelerator the build supports (a CUDA wheel
# says cuda even with no GPU). We write the three lines out so the choice is visible.

# %% [markdown] slide_type="slide"
# ## The mismatch error
#
# On a GPU, torch 2.13's `nn.Linear` says:
#
# `RuntimeError: Expected all tensors to be on the same device, but got mat1 is on cpu, different from other tensors on cuda:0 (…)`
#
# Here `meta` (shapes, no data) plays the GPU: other words, both devices named.

# %%
model = nn.Linear(784, 10).to("meta")  # the model on one device...
try:
    model(torch.zeros(2, 784))  # ...a batch on the CPU
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown] slide_type="fragment"
# The fix: move the model once, and each batch as the loader yields it.

# %% [markdown] slide_type="notes"
# The exact wording varies between PyTorch versions and backends; read the two device names.
# The slide's message is torch 2.13's for nn.Linear (ATen's device check, c10::impl in
# adaption.cpp); it goes on "(when checking argument in method wrapper_CUDA_addmm)". Other ops
# (element-wise ones, say) word it "but found at least two devices, cuda:0 and cpu!".
# The meta device is a stand-in here: for nn.Conv2d it does not even raise (torch 2.13
# returns a CPU tensor of uninitialised values, with a grad_fn), so the demo uses nn.Linear.

# %% [markdown] slide_type="subslide"
# ## Moving batches: the data loader's job
#
# `to_device` returns a function for `WrappedDataLoader`, as 07's hook makers did.
# `non_blocking=True` lets the CPU go on while a copy from pinned memory runs; we keep the
# default.

# %%
# saved to utils/loaders.py
def to_device(device, non_blocking=False):
    """A function for WrappedDataLoader: move both tensors of a batch to ``device``."""
    def move(xb, yb):
        return xb.to(device, non_blocking=non_blocking), yb.to(device, non_blocking=non_blocking)
    return move

# %%
def naive_loader():
    """Notebook 09's training loader, plus one more step per batch: copy it to the device."""
    train_dl, _ = get_data(train_ds, valid_ds, bs)
    move = to_device(device)
    return WrappedDataLoader(train_dl, lambda x, y: move(*to_images(x, y)))

# %% [markdown] slide_type="subslide"
# ## Exercise: moving a batch
#
# Write `batch_to(batch, device)`: move every tensor of a batch (a tuple of any
# length) to `device`, and return them as a tuple.
#
# Stuck? `ex.hint("10.batch_to")`, then `ex.solution("10.batch_to")`.

# %% tags=["exercise"]
def batch_to(batch, device):
    ...  # your code

# %%
from utils import exercises as ex
batch_to = ex.check("10.batch_to", batch_to)

# %% [markdown] slide_type="slide"
# ## A better data path
#
# Move MNIST to the device *once*; take each batch there with `x[idx]`. On a GPU this saves a
# copy per batch. On a CPU the gain is elsewhere: no per-example indexing and no collating of
# 64 examples into a batch, which a `DataLoader` does for every batch.

# %% [markdown] slide_type="subslide"
# ## `DeviceBatches`

# %% [markdown] slide_type="notes"
# Each epoch draws a shuffled order of indices on the CPU and sends it over once. No
# per-example indexing, no collating, no copy from the host per batch; what remains is one
# gather per batch, on the device (`x[idx]` copies the rows it picks; in order, each batch
# is a slice, a view).

# %%
# saved to utils/loaders.py
class DeviceBatches:
    """Batches of tensors already on ``device``: no host-to-device copy, no collating."""

    def __init__(self, x, y, batch_size, device, shuffle=False, seed=0):
        self.x, self.y = x.to(device), y.to(device)
        self.bs, self.shuffle = batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)  # its own shuffle, like get_data

    def __len__(self):
        return (len(self.x) + self.bs - 1) // self.bs

    def __iter__(self):
        n = len(self.x)
        if self.shuffle:  # a new order each epoch, drawn on the CPU, used on the device
            order = torch.randperm(n, generator=self.generator).to(self.x.device)
        for i in range(0, n, self.bs):
            idx = order[i:i + self.bs] if self.shuffle else slice(i, i + self.bs)
            yield self.x[idx], self.y[idx]

# %% [markdown] slide_type="subslide"
# The whole training set moves once; batches are then taken from it on the device.

# %%
x_train, y_train = to_images(*train_ds[:])
x_valid, y_valid = to_images(*valid_ds[:])
fast_train = DeviceBatches(x_train, y_train, bs, device, shuffle=True)
fast_valid = DeviceBatches(x_valid, y_valid, 1024, device)  # no gradients: big batches

# %% [markdown] slide_type="subslide"
# ## Exercise: counting batches
#
# Write `n_batches(n, bs)`: how many batches `DeviceBatches` yields for `n` examples
# in batches of `bs` (the last one may be smaller).
#
# Stuck? `ex.hint("10.n_batches")`, then `ex.solution("10.n_batches")`.

# %% tags=["exercise"]
def n_batches(n, bs):
    ...  # your code

# %%
from utils import exercises as ex
n_batches = ex.check("10.n_batches", n_batches)

# %% [markdown] slide_type="slide"
# ## Where does the time go?
#
# `torch.profiler` records every operation; `record_function` labels our own regions, so each
# step splits into *getting the batch* and *the training step*. `profile_steps` warms up
# first (the first steps pay one-off costs), then records a bounded window of steps. On CUDA,
# Python only queues the GPU's work, so each step ends with `torch.cuda.synchronize()`.

# %% [markdown] slide_type="notes"
# Why a bounded window: `key_averages()` over a whole profiled epoch took 22–29 s on the first
# 2-core build machine (2026-11).

# %% [markdown] slide_type="subslide"
# ## `profile_steps`, from `utils.profiling`

# %%
from inspect import getsource
from utils import profiling
print(getsource(profiling.profile_steps))

# %% [markdown] slide_type="subslide"
# ## Measured fairly
#
# Both data paths, the same model and steps, measured in alternating order twice, so neither
# is favoured by running first or second.

# %%
from utils.profiling import profile_steps, split_seconds

runs = {"naive": [], "better": []}
for _ in range(2):
    for name, batches in [("naive", naive_loader()), ("better", fast_train)]:
        seed_everything(0)
        model = mnist_cnn().to(device, memory_format=torch.channels_last)  # as in 08
        opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        runs[name].append(profile_steps(model, loss_func, opt, batches, device, steps=50))

# %% [markdown] slide_type="subslide"
# ## The profiler's window
#
# First what does not vary: each window holds exactly its 50 steps, each with one
# *get batch* and one *train step*; the 20 warm-up steps are not in it.

# %%
from utils.profiling import label_calls

for name, profs in runs.items():
    calls = [label_calls(prof) for prof in profs]
    print(f"{name:6}: {calls[0]} in each of its {len(calls)} windows")
    assert all(c == {"get batch": 50, "train step": 50} for c in calls)

# %% [markdown] slide_type="subslide"
# ## The profiler's table
#
# `key_averages()` sums the window by operation. Self time: in the operation itself; total:
# with what it called. The costliest, narrowed to fit a slide (`.table()` prints them all):

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: timings vary by run and machine.
prof = runs["naive"][-1]
ops = sorted(prof.key_averages(), key=lambda op: op.self_cpu_time_total, reverse=True)
for op in ops[:6]:
    print(f"{op.key[:30]:30} self {op.self_cpu_time_total / 1e3:6.1f} ms, "
          f"total {op.cpu_time_total / 1e3:6.1f} ms, {op.count} calls")

# %% [markdown] slide_type="notes"
# On your own model: `print(prof.key_averages().table(sort_by="self_cpu_time_total",
# row_limit=10))` gives every column (wider than a slide at this font). The stream's aside: the
# GPU sits idle behind a slow data loader. On a CPU the effect is
# small; say the numbers are this machine's and vary. Use Ctrl+Enter to keep the output on
# screen. ~3 min.

# %% [markdown] slide_type="subslide"
# ## The split, measured

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: timings vary by run and machine.
split = {name: split_seconds(profs) for name, profs in runs.items()}
for name, (data, step) in split.items():
    print(f"{name:6}: get batch {data * 1e3:6.1f} ms, train step {step * 1e3:6.1f} ms "
          f"per 50 steps; data share {data / (data + step):4.0%}")
(data_n, step_n), (data_b, step_b) = split["naive"], split["better"]
both = (data_n + step_n) / (data_b + step_b)
print(f"speed-ups on {device.type}: getting a batch {data_n / data_b:.1f}x, "
      f"train step {step_n / step_b:.2f}x, the two together {both:.2f}x")
if device.type == "cpu":  # the claim below: on a CPU the arithmetic takes most of the time
    assert data_n < step_n and data_b < step_b

# %% [markdown] slide_type="fragment"
# Each ratio belongs to the part it measures: *getting a batch* is what we changed. On a CPU
# the arithmetic dominates, so the data share is small; on a GPU the arithmetic is fast, and
# the data path decides how busy the GPU is.

# %% [markdown] slide_type="notes"
# The training step computes the same thing on both paths; if its time differs as well, the
# cause lies outside its arithmetic (memory and caches are a guess we have not measured), and
# it may differ on another machine: measure, don't assume.

# %% [markdown] slide_type="subslide"
# ## The same, as a picture

# %%
# Its text is compared with the milliseconds masked (tests/nbval_sanitize.cfg): they vary.
from utils.plots import plot_time_split

plot_time_split(split, device.type, steps=50)  # the window profile_steps recorded

# %% [markdown] slide_type="notes"
# Point at the hatched part of each bar (getting batches), then at the plain part: the same
# computation on both paths, though its time may differ (the previous slide's notes). The
# milliseconds are this machine's, on this run: they vary.

# %% [markdown] slide_type="slide"
# ## A trace to explore
#
# Open it in [ui.perfetto.dev](https://ui.perfetto.dev) or `chrome://tracing`: one row per
# thread, our two labels in every step. With a GPU the trace also has rows for the GPU's own
# work (its streams), and the gaps there are the GPU waiting. On a CPU nothing sits idle: the
# same cores fetch, then train, in turn.

# %% [markdown] slide_type="notes"
# PyTorch's profiler tutorial
# (https://pytorch.org/tutorials/intermediate/tensorboard_profiler_tutorial.html) shows a GPU
# trace for a ResNet-18 whose DataLoader transforms images in the main process: while
# enumerate(DataLoader) runs, "the GPU is idle". We have no GPU trace of our own.

# %%
from pathlib import Path

Path("traces").mkdir(exist_ok=True)
runs["naive"][-1].export_chrome_trace("traces/naive_steps.json")
runs["better"][-1].export_chrome_trace("traces/better_steps.json")
sorted(p.name for p in Path("traces").iterdir())

# %% [markdown] slide_type="slide"
# ## Train on the device
#
# `fit` is unchanged: it only asks for batches. Its own `DeviceBatches` (shuffle seed 0)
# makes this cell repeatable.

# %%
seed_everything(0)
train_batches = DeviceBatches(x_train, y_train, bs, device, shuffle=True, seed=0)  # a fresh order
model = mnist_cnn().to(device, memory_format=torch.channels_last)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
history = fit(epochs, model, loss_func, opt, train_batches, fast_valid)
after = history["valid_loss"][-1], history["valid_acc"][-1]
print(f"validation after training: loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[1] >= 0.80  # it learned (chance: 0.10); the order alone moves it, see below
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="fragment"
# Not notebook 09's numbers: the same model and weights, another order of batches. After one
# epoch the order alone moves this CNN by points: compare data paths by time, not accuracy.

# %% [markdown] slide_type="notes"
# The profiling used up shuffles of fast_train; hence the fresh DeviceBatches. On the 2-core
# AMD EPYC (AVX2), five shuffle seeds of DeviceBatches gave accuracies from 0.857 to 0.899
# (loss 0.323 to 0.462), and notebook 09's DataLoader order 0.879 (0.8762 in 09's stored
# output, built on the AVX-512 EPYC).

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("10")

# %% [markdown] slide_type="slide"
# ## The next step: let a library do it
#
# Everything we wrote by hand has a maintained version:
#
# - [fastai](https://docs.fast.ai/) and [PyTorch Lightning](https://lightning.ai/docs/pytorch/stable/)
#   run the loop, its callbacks and the device moves for you.
# - [torchmetrics](https://lightning.ai/docs/torchmetrics/stable/) accumulates metrics batch by
#   batch, on any device.
#
# Knowing what they do inside, as you now do, makes them easy to debug.

# %% [markdown] slide_type="notes"
# Callbacks: logging, schedules, early stopping. torchmetrics takes evaluate's bookkeeping
# off your hands. Notebooks 11 and 12 stay with our own fit, to show what changes.

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `torch.device` and `.to(device)`: the model once, every batch as it is loaded.
# - Device mismatches are loud: read the two device names.
# - Profile before optimising (`key_averages().table()`); credit each saving to the part
#   that got faster.
#
# **Next:** 11 takes this `fit` past 99 % on a CPU; 12 spreads it over processes.
#
# **Read more:** [`torch.device`](https://pytorch.org/docs/stable/tensor_attributes.html#torch-device) ·
# [`torch.profiler`](https://pytorch.org/docs/stable/profiler.html) ·
# [profiler recipe](https://pytorch.org/tutorials/recipes/recipes/profiler_recipe.html) ·
# [CUDA semantics](https://pytorch.org/docs/stable/notes/cuda.html)
