# %% [markdown] slide_type="slide"
# # torch.nn, really · 03 · `nn.Module`, `nn.Parameter`, `nn.Linear`
#
# A module (here a PyTorch class, not a Python file) is a function with state: it owns its
# parameters and knows how to list them.
#
# **This notebook:** a model class, `parameters()` and `zero_grad()`, a `fit()` that works for
# any model, then `nn.Linear`.
# *About 15 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(3)

# %% [markdown] slide_type="subslide"
# The data and the loss from notebook 02.

# %%
import math

import torch
import torch.nn.functional as F

from utils.data import load_mnist
from utils.repro import report, seed_everything
from utils.training import evaluate

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n, n_in = x_train.shape
loss_func = F.cross_entropy

# %% [markdown] slide_type="slide"
# ## A model class
#
# Notebook 01's logistic regression as a class. Subclass `nn.Module`; wrap the tensors to
# learn in `nn.Parameter`, which switches on their `requires_grad`; assigned to `self`, they
# are registered (the module lists them for us); say what to compute in `forward`.

# %% [markdown] slide_type="notes"
# An `nn.Module` is a PyTorch class, unrelated to a Python module (a file). Point out that
# nothing here calls `requires_grad_()`: `nn.Parameter` does it, as the next output shows.

# %%
from torch import nn


class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()  # first: sets up the registry that parameters are added to
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

# %% [markdown] slide_type="subslide"
# We create an object and then call it like a function; PyTorch calls `forward` for us.
# `named_parameters()` lists the registered parameters with their names.

# %%
model = MnistLogistic()
for name, p in model.named_parameters():
    print(f"{name:8} {tuple(p.shape)}  requires_grad={p.requires_grad}")
loss_func(model(x_train[:64]), y_train[:64])

# %% [markdown] slide_type="subslide"
# ## What `parameters()` hands the loop
#
# The registered tensors, in the order they were assigned. The update loop walks this list,
# whatever its length.

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from utils.plots import PALETTE, show

labels, counts = zip(*[(f"{k} {tuple(p.shape)}", p.numel()) for k, p in model.named_parameters()])
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.barh(labels[::-1], counts[::-1], color=PALETTE[0])  # the first at the top
ax.set(xscale="log", xlim=(1, 20000), xlabel="numbers it holds (log scale)",
       title=f"parameters(): {len(counts)} tensors, {sum(counts)} numbers to learn")
for i, count in enumerate(counts[::-1]):
    ax.annotate(str(count), (count, i), xytext=(4, 0), textcoords="offset points", va="center")
show(fig, f"Bar chart: parameters(), {len(counts)} tensors, {sum(counts)} numbers to learn; "
     + "; ".join(f"{label}: {count} numbers" for label, count in zip(labels, counts)) + ".")

# %% [markdown] slide_type="notes"
# Point at the two bars: the weight matrix holds 7840 numbers, the bias 10 (a log scale, or the
# bias would not show). Each is one `p` in `for p in model.parameters()`.

# %% [markdown] slide_type="subslide"
# ## Exercise: `count_parameters`
#
# Write `count_parameters(model)`: how many numbers the model learns (its parameters
# with `requires_grad`), for any model. `MnistLogistic()` has 7,850 (784 × 10 + 10).
# `model.parameters()` lists them; a tensor's `.numel()` is how many numbers it holds.
#
# Stuck? `ex.hint("03.count_parameters")`, then `ex.solution("03.count_parameters")`.

# %% tags=["exercise"]
def count_parameters(model):
    ...  # your code

# %%
from utils import exercises as ex
count_parameters = ex.check("03.count_parameters", count_parameters)

# %% [markdown] slide_type="slide"
# ## The update, before and after
#
# Before: each parameter by name.
# ```python
# weights -= weights.grad * lr
# bias -= bias.grad * lr
# weights.grad.zero_()
# bias.grad.zero_()
# ```
# After: a loop over `model.parameters()`, for any model.
# ```python
# with torch.no_grad():
#     for p in model.parameters():
#         p -= p.grad * lr
#     model.zero_grad()
# ```

# %% [markdown] slide_type="fragment"
# `model.zero_grad()` sets every `.grad` to `None`, since `backward()` adds to it: old
# gradients must not steer the next step.

# %% [markdown] slide_type="subslide"
# ## Exercise: `sgd_update`
#
# Write `sgd_update(model, lr)`: one SGD step (notebook 01's update) for every parameter of
# any model, then reset the gradients. When it is called, `backward()` has already filled
# `.grad`.
#
# Stuck? `ex.hint("03.sgd_update")`, then `ex.solution("03.sgd_update")`.

# %% tags=["exercise"]
def sgd_update(model, lr):
    ...  # your code

# %%
from utils import exercises as ex
sgd_update = ex.check("03.sgd_update", sgd_update)

# %% [markdown] slide_type="subslide"
# ## `fit()`
#
# The loop goes into a function, so we can train again with one call.

# %%
bs, lr = 64, 0.5


def fit(model, epochs=2):
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
            loss = loss_func(model(xb), yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()

# %% [markdown] slide_type="subslide"
# ## Same behaviour
#
# The same numbers as notebooks 01 and 02: same seed, same initial weights, same batches.

# %%
def train_and_check(model, fit):
    before = evaluate(model, loss_func, [(x_valid, y_valid)])
    fit(model)
    after = evaluate(model, loss_func, [(x_valid, y_valid)])
    print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
    print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
    assert after[0] < before[0] and after[1] > before[1], "training did not help: try another lr"
    return after


seed_everything(0)
after = train_and_check(MnistLogistic(), fit)

# %% [markdown] slide_type="notes"
# Point at the identical numbers of 01, 02 and this run: a refactor that changes nothing.
# Then nn.Linear changes the init, and the numbers change. ~2 min.

# %% [markdown] slide_type="slide"
# ## `nn.Linear`
#
# "Multiply by weights, add a bias" is so common that PyTorch has a module for it, with its own
# parameters and its own default init. Modules can contain modules.

# %%
class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)

# %% [markdown] slide_type="subslide"
# ## Inside `nn.Linear(784, 10)`
#
# It stores its weight as (out, in), (10, 784), the transpose of ours, and computes
# `x @ W.T + b`. Its default init draws weight and bias uniformly between ±1/√784.

# %%
lin = nn.Linear(784, 10)
xb = x_train[:64]
print(tuple(lin.weight.shape), tuple(lin.bias.shape))
print("same as x @ W.T + b:", torch.allclose(lin(xb), xb @ lin.weight.T + lin.bias))
print(f"weights from {lin.weight.min():.3f} to {lin.weight.max():.3f}; "
      f"1/√784 = {1 / math.sqrt(784):.3f}")

# %% [markdown] slide_type="notes"
# Uniform in ±1/√784 has a standard deviation √3 times smaller than our randn/√784. Whether an
# init is good depends on the network: notebook 11 shows the same rule (`nn.Conv2d` uses it
# too) shrinking the activations of a deeper network, layer after layer.

# %% [markdown] slide_type="subslide"
# The parameters are now found one level down, and `fit` does not care. The numbers change:
# `nn.Linear` starts from its own random init, not from ours.

# %%
seed_everything(0)
model = MnistLogistic()
print([name for name, _ in model.named_parameters()])
after = train_and_check(model, fit)
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="subslide"
# ## Activations: `F.relu`
#
# Two linear layers in a row are still one linear map (a matrix times a matrix is a matrix).
# An **activation** between them, a simple nonlinear function applied to each number, breaks
# that. The most common, ReLU, keeps positives and turns negatives into 0: max(0, x).

# %%
F.relu(torch.tensor([-2.0, -0.5, 0.0, 1.5]))

# %% [markdown] slide_type="subslide"
# ## Exercise: a hidden layer
#
# Fill in `MnistMLP`: `nn.Linear(784, n_hidden)`, then `F.relu`, then
# `nn.Linear(n_hidden, 10)`. `fit` would train it unchanged. The middle layer's outputs are
# neither input nor output: a *hidden* layer. MLP: multi-layer perceptron.
#
# Stuck? `ex.hint("03.MnistMLP")`, then `ex.solution("03.MnistMLP")`.

# %% tags=["exercise"]
class MnistMLP(nn.Module):
    def __init__(self, n_hidden=50):
        super().__init__()
        ...  # two nn.Linear layers

    def forward(self, xb):
        ...  # return the scores

# %% [markdown] slide_type="subslide"
# Check `MnistMLP`: the check builds one and feeds it a few made-up images.

# %%
from utils import exercises as ex
MnistMLP = ex.check("03.MnistMLP", MnistMLP)

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("03")

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `nn.Module`: a function with state; `nn.Parameter`: the state to learn.
# - `parameters()` and `zero_grad()` make the update loop model-agnostic.
# - `nn.Linear` replaces our hand-made weights, bias and init.
#
# **Next:** `torch.optim`, so the update is not ours to write either.
#
# **Read more:** [`nn.Module`](https://pytorch.org/docs/stable/generated/torch.nn.Module.html) ·
# [`nn.Parameter`](https://pytorch.org/docs/stable/generated/torch.nn.parameter.Parameter.html) ·
# [`nn.Linear`](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html)
