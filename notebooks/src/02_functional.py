# %% [markdown] slide_type="slide"
# # torch.nn, really · 02 · `torch.nn.functional`
#
# Our first refactor: same model, same loop, fewer hand-written pieces.
#
# **This notebook:** what is in `torch.nn.functional`, and `F.cross_entropy` replacing our
# `log_softmax` + negative log-likelihood.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(2)

# %% [markdown] slide_type="subslide"
# Where notebook 01 left us: the data, and fresh parameters (same seed, same start).

# %%
import math

import torch

from utils import report, seed_everything
from utils.data import load_mnist
from utils.training import accuracy, evaluate

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n, n_in = x_train.shape
weights = torch.randn(n_in, 10) / math.sqrt(n_in)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

# %% [markdown] slide_type="slide"
# ## A quick tour of `torch.nn.functional`
#
# By convention imported as `F`. Its public names are lower case: they are functions.

# %%
import torch.nn.functional as F

names = [name for name in dir(F) if not name.startswith("_") and name.islower()]
functions = [name for name in names if callable(getattr(F, name))]
print(f"{len(functions)} of {len(names)} public names are callables, e.g.")
print("activations:", [f for f in functions if f in {"relu", "gelu", "softmax", "log_softmax"}])
print("losses:     ", [f for f in functions if f.endswith("_loss") or f == "cross_entropy"][:6])
print("layers:     ", [f for f in functions if f in {"linear", "conv2d", "avg_pool2d", "dropout"}])

# %% [markdown] slide_type="fragment"
# Functions hold no state: no weights inside. Layers *with* weights are better as modules
# (notebook 03), but activations and losses are just functions.

# %% [markdown] slide_type="slide"
# ## `F.cross_entropy` = `log_softmax` + negative log-likelihood
#
# Our two functions from notebook 01, and PyTorch's one, on the same batch of raw scores:

# %%
def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(log_probs, target):
    return -log_probs[range(target.shape[0]), target].mean()


xb, yb = x_train[:64], y_train[:64]
scores = xb @ weights + bias
nll(log_softmax(scores), yb), F.cross_entropy(scores, yb)

# %% [markdown] slide_type="subslide"
# ## Same number, and safer
#
# Our version computes `exp(x)` first, which overflows for large scores. PyTorch's does not.

# %%
big = torch.tensor([[1000.0, 0.0]])
log_softmax(big), F.log_softmax(big, dim=-1)

# %% [markdown] slide_type="slide"
# ## The refactored model
#
# The model is now just the linear part; the loss takes raw scores ("logits").

# %%
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias

# %% [markdown] slide_type="fragment"
# `evaluate` is notebook 01's validation check (loss and accuracy on all 10,000 validation
# images), kept in `utils.training` so every notebook can call it.

# %%
before = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")

# %% [markdown] slide_type="slide"
# ## The training loop: unchanged

# %%
bs, lr, epochs = 64, 0.5, 2

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
        loss = loss_func(model(xb), yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

# %% [markdown] slide_type="subslide"
# ## Still works
#
# Same loss and accuracy as notebook 01: a refactor changes the code, not the behaviour.

# %%
after = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] >= 0.90
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `torch.nn.functional` is the stateless half of `torch.nn`: activations, losses, and
#   layers written as functions.
# - Two hand-written functions became one import, and the model lost its last line.
#
# **Next:** `nn.Module` and `nn.Parameter`, so we stop naming every weight in the loop.
