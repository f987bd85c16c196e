# %% [markdown] slide_type="slide"
# # torch.nn, really · 05 · `Dataset` and `DataLoader`
#
# The model code is clean; now the data code, with the last two pieces of the series' picture
# of `torch.nn` (they live in `torch.utils.data`).
#
# **This notebook:** `TensorDataset`, `DataLoader` with a seeded shuffle, and the training loop
# at its shortest. *About 15 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(5)

# %% [markdown] slide_type="subslide"
# The data and the loss from notebook 04.

# %%
import torch
import torch.nn.functional as F
from torch import nn, optim

from utils.data import load_mnist
from utils.repro import report, seed_everything
from utils.training import evaluate

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
bs, lr = 64, 0.5
loss_func = F.cross_entropy

# %% [markdown] slide_type="subslide"
# `get_model()` from notebook 04, with `nn.Linear` itself as the model.

# %%
def get_model():
    model = nn.Linear(784, 10)  # the logistic model: a Linear layer is itself a Module
    return model, optim.SGD(model.parameters(), lr=lr)

# %% [markdown] slide_type="slide"
# ## `Dataset`: anything with `__len__` and `__getitem__`
#
# `TensorDataset` wraps tensors of the same length; indexing it gives matching slices of each.

# %%
from torch.utils.data import TensorDataset

train_ds = TensorDataset(x_train, y_train)
xb, yb = train_ds[0:64]  # one batch: images and labels together
len(train_ds), xb.shape, yb[:5]

# %% [markdown] slide_type="fragment"
# Before: `x_train[i * bs:(i + 1) * bs]` and `y_train[i * bs:(i + 1) * bs]`.
# After: `train_ds[i * bs:(i + 1) * bs]`. For data on disk, the file reading would live in
# the dataset too, out of the training loop.

# %% [markdown] slide_type="subslide"
# ## Exercise: a `Dataset` by hand
#
# Fill in `PairDataset`: what `TensorDataset` does for two tensors. `__len__` is the
# number of examples; `__getitem__(i)` returns example `i` as a pair.
#
# Stuck? `ex.hint("05.PairDataset")`, then `ex.solution("05.PairDataset")`.

# %% tags=["exercise"]
class PairDataset(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        ...  # your code

    def __getitem__(self, i):
        ...  # your code

# %% [markdown] slide_type="subslide"
# Check `PairDataset`: the check wraps 7 examples, indexes them, and batches them with a
# `DataLoader` (the next slides' tool).

# %%
from utils import exercises as ex
PairDataset = ex.check("05.PairDataset", PairDataset)

# %% [markdown] slide_type="subslide"
# From now on we need both splits as datasets; one function makes them.

# %%
# saved to utils/loaders.py
def mnist_datasets(data_dir=None):
    """MNIST's train and validation splits as TensorDatasets of (784 floats, int64 label)."""
    x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist(data_dir))
    return TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)

# %% [markdown] slide_type="slide"
# ## `DataLoader`: batches, shuffled
#
# It turns a dataset into an iterator of batches. `shuffle=True` gives a new order every
# epoch, so consecutive batches (and their gradients) are not systematically alike. The order
# comes from `generator`: a `torch.Generator`, a source of random numbers, here seeded 0.

# %%
from torch.utils.data import DataLoader

shuffle_seed = torch.Generator().manual_seed(0)
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True, generator=shuffle_seed)
xb, yb = next(iter(train_dl))  # the first batch
len(train_dl), xb.shape, yb[:5]  # len: batches per epoch

# %% [markdown] slide_type="subslide"
# ## Whose random numbers?
#
# Each `iter(train_dl)` draws a new order from the loader's `generator`, so the peek above
# moved this loader on. A fresh loader, seeded 0, repeats the first order.

# %%
again = next(iter(train_dl))[1][:5]  # the same loader, asked again
fresh = DataLoader(train_ds, batch_size=bs, shuffle=True,
                   generator=torch.Generator().manual_seed(0))
again, next(iter(fresh))[1][:5]

# %% [markdown] slide_type="fragment"
# Without its own `generator`, a loader draws from PyTorch's global one: a pass over
# *another* loader (validation) would change the training order too.

# %% [markdown] slide_type="subslide"
# ## One shuffled batch: digits in no order
#
# A loader like `train_dl` (seed 0) over the images with their numbers, for two epochs.
# Here, the first 16 of epoch 1's first batch of 64, titled by label.

# %% tags=["hide-input"]
from utils.plots import show_digits

numbered = TensorDataset(x_train, y_train, torch.arange(len(x_train)))  # + each image's number
peek = DataLoader(numbered, batch_size=bs, shuffle=True,
                  generator=torch.Generator().manual_seed(0))  # its own generator: nothing else moves
order = [torch.cat([ib for _, _, ib in peek]) for epoch in (1, 2)]  # image numbers, in order
first = order[0][:16]
show_digits(x_train[first], y_train[first], nrows=2, ncols=8)

# %% [markdown] slide_type="notes"
# The labels jump around: no two neighbours alike. The first five, 5 8 6 0 5, are the
# `yb[:5]` printed two slides back: this loader has the same seed.

# %% [markdown] slide_type="subslide"
# ## Epoch 2: the same images, a new order
#
# The same 16 digits, titled by where each comes in epoch 2 (counted from 1).

# %%
every = torch.arange(len(x_train))
same = all(torch.equal(o.sort().values, every) for o in order)  # each image once per epoch
moved = int((order[0] != order[1]).sum())
print(f"all {len(every):,} images once in each epoch: {same}; in a new place: {moved:,}")
assert same and moved > 0.99 * len(every)
place = torch.argsort(order[1])[first] + 1  # each one's place in epoch 2
show_digits(x_train[first], [f"#{p}" for p in place.tolist()], nrows=2, ncols=8)

# %% [markdown] slide_type="notes"
# Point at the titles: these 16 of epoch 1's first batch are spread across epoch 2. Every
# image comes once per epoch; only the order is new, drawn from the loader's generator.

# %% [markdown] slide_type="subslide"
# ## Exercise: `make_loader`
#
# Write `make_loader(ds, bs)`: a `DataLoader` of batches of `bs`, shuffled by its own
# generator, seeded with 0.
#
# Stuck? `ex.hint("05.make_loader")`, then `ex.solution("05.make_loader")`.

# %% tags=["exercise"]
def make_loader(ds, bs):
    ...  # your code

# %%
from utils import exercises as ex
make_loader = ex.check("05.make_loader", make_loader)

# %% [markdown] slide_type="subslide"
# ## The loop, at its shortest
#
# No more index arithmetic: the loop asks the loader for batches.

# %%
def fit(model, opt, epochs=2):
    for epoch in range(epochs):
        for xb, yb in train_dl:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()

# %% [markdown] slide_type="subslide"
# ## Still learning, in a new order
#
# A fresh `train_dl` starts from the seed (the peeks moved the old one on). Within a point of
# notebook 04's accuracy (0.9169), not the same digits: shuffled batches take a different
# path to a similar place.

# %%
seed_everything(0)
model, opt = get_model()
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True,
                      generator=torch.Generator().manual_seed(0))
before = evaluate(model, loss_func, [(x_valid, y_valid)])
fit(model, opt)
after = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0]  # the loss went down
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="notes"
# The seeded shuffle gives every rerun, and notebooks 06 and 07, exactly these numbers.

# %% [markdown] slide_type="slide"
# ## Loading in the background: `num_workers`
#
# `DataLoader(ds, batch_size=bs, num_workers=4)` prepares batches in 4 worker processes while
# the model trains: worth it when a dataset reads and decodes files (images, audio). Our MNIST
# is in memory: a batch is 64 `__getitem__` calls and a *collate* that stacks them. We keep
# the default, 0: batches made in the main process.

# %% [markdown] slide_type="slide"
# ## From 01 to 05
#
# | notebook 01 wrote… | now it is… |
# |---|---|
# | `log_softmax`, `nll` | `F.cross_entropy` |
# | `weights`, `bias`, the init | `nn.Linear` in an `nn.Module` |
# | four lines of update per parameter pair | `opt.step()`, `opt.zero_grad()` |
# | index arithmetic to slice batches | `for xb, yb in train_dl` |
#
# The training loop went from 10 lines to 6, and none of them names a parameter.

# %% [markdown] slide_type="notes"
# Count the loop with the room: notebook 01's has 10 lines (the for lines, the slicing, the loss,
# backward, no_grad and four updates); this one has 6. Then the big slide: what torch.nn is.

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("05")

# %% [markdown] slide_type="slide"
# ## What `torch.nn` really is
#
# - **`nn.Module`**: a callable with state; it tracks its `Parameter`s and sub-modules.
# - **`nn.Parameter`**: a tensor that a module should learn.
# - **`torch.nn.functional`**: the stateless operations: activations, losses, layers as functions.
# - **`torch.optim`**: optimizers that update parameters in `step()`.
# - **`Dataset`**: `__len__` and `__getitem__`. **`DataLoader`**: batches from a dataset.

# %% [markdown] slide_type="subslide"
# ## Built on tensors and autograd
#
# All of it is built on what notebook 01 used: tensors and autograd. The classes are Python
# you can read; the arithmetic runs in PyTorch's C++ operators (`F.cross_entropy` calls one),
# the same ones behind our `@` and `exp`.
#
# **Next:** stop printing; start logging.
#
# **Read more:** [`torch.utils.data`](https://pytorch.org/docs/stable/data.html) ·
# [reproducibility](https://pytorch.org/docs/stable/notes/randomness.html)
