# %% [markdown] slide_type="slide"
# # torch.nn, really · 05 · `Dataset` and `DataLoader`
#
# The model code is clean; now the data code. The last two pieces of what `torch.nn` really is.
#
# **This notebook:** `TensorDataset`, `DataLoader` with shuffling, and the training loop at its
# shortest.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(5)

# %% [markdown] slide_type="subslide"
# The data, the model and `get_model()` from notebook 04.

# %%
import torch
import torch.nn.functional as F
from torch import nn, optim

from utils import report, seed_everything
from utils.data import load_mnist
from utils.training import evaluate

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
bs, lr = 64, 0.5
loss_func = F.cross_entropy


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

# %% [markdown] slide_type="slide"
# ## `DataLoader`: batches, shuffled
#
# It turns a dataset into an iterator of batches. `shuffle=True` gives a new order every
# epoch, so consecutive batches (and their gradients) are not correlated.

# %%
from torch.utils.data import DataLoader

train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
xb, yb = next(iter(train_dl))
len(train_dl), xb.shape, yb[:5]

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
# ## Same behaviour

# %%
seed_everything(0)
model, opt = get_model()
before = evaluate(model, loss_func, [(x_valid, y_valid)])
fit(model, opt)
after = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] >= 0.90
report(valid_loss=after[0], valid_acc=after[1])

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
# The training loop went from 13 lines to 6, and none of them names a parameter.

# %% [markdown] slide_type="slide"
# ## What `torch.nn` really is
#
# - **`nn.Module`**: a callable with state; it tracks its `Parameter`s and sub-modules.
# - **`nn.Parameter`**: a tensor that a module should learn.
# - **`torch.nn.functional`**: the stateless operations: activations, losses, layers as functions.
# - **`torch.optim`**: optimizers that update parameters in `step()`.
# - **`Dataset`**: `__len__` and `__getitem__`. **`DataLoader`**: batches from a dataset.
#
# All of it is plain Python over tensors and autograd: what we wrote in notebook 01.
#
# **Next:** stop printing; start logging.
