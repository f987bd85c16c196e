# %% [markdown] slide_type="slide"
# # torch.nn, really · 01 · From scratch
#
# A digit classifier with nothing but tensors and autograd: no `torch.nn` at all.
#
# **This notebook:** weights and bias by hand, `log_softmax` and the loss by hand, the
# autograd graph, and a training loop that we will spend the rest of the series refactoring.

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(1)

# %% [markdown] slide_type="subslide"
# The data, as tensors (notebook 00 showed where it comes from), and a fixed seed so these
# numbers come out the same on every run.

# %%
import math

import torch

from utils import seed_everything
from utils.data import load_mnist

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n, n_in = x_train.shape

# %% [markdown] slide_type="slide"
# ## The parameters
#
# A linear model: 784 pixels in, 10 scores out. Random weights scaled by 1/√784
# (Xavier-style init) so the scores start small; bias at zero.

# %%
weights = torch.randn(n_in, 10) / math.sqrt(n_in)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

# %% [markdown] slide_type="fragment"
# `requires_grad_()` has a trailing underscore: it changes `weights` *in place*. We switch it on
# *after* the scaling so that the division is not recorded: the init is not part of the model.

# %% [markdown] slide_type="slide"
# ## The model is just a function
#
# Matrix multiply (`@`), add the bias, then turn scores into log-probabilities.
# We only write the forward pass; PyTorch works out the derivatives.

# %%
def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)

# %% [markdown] slide_type="subslide"
# One mini-batch of 64 images in, 64 rows of 10 log-probabilities out.

# %%
bs = 64
xb = x_train[:bs]
preds = model(xb)
preds[0], preds.shape

# %% [markdown] slide_type="fragment"
# Besides values and a shape, `preds` carries a `grad_fn`: the last operation that made it.

# %% [markdown] slide_type="subslide"
# ## The autograd graph
#
# Following `grad_fn` backwards gives every operation PyTorch recorded, from the weights and
# bias (blue) to `preds` (green). `backward()` walks this graph to compute gradients.

# %%
from torchviz import make_dot

graph = make_dot(preds, params={"weights": weights, "bias": bias})
graph.graph_attr.update(rankdir="LR", size="11,3")  # left to right, to fit one slide
graph

# %% [markdown] slide_type="slide"
# ## The loss: negative log-likelihood
#
# For each image, pick the log-probability of the correct digit, and average the negatives.

# %%
def nll(log_probs, target):
    return -log_probs[range(target.shape[0]), target].mean()


loss_func = nll
yb = y_train[:bs]
loss_func(preds, yb)

# %% [markdown] slide_type="subslide"
# ## Why does the loss start near 2.3?
#
# A model that knows nothing gives each of the 10 digits probability 1/10, so its loss is
# −ln(1/10) = ln 10:

# %%
math.log(10)

# %% [markdown] slide_type="fragment"
# A first loss far from ln 10 means a bug or a bad init. It is the cheapest test there is.

# %% [markdown] slide_type="slide"
# ## Accuracy
#
# The predicted digit is the one with the highest score; accuracy is how often it is right.

# %%
def accuracy(out, yb):
    return (out.argmax(dim=1) == yb).float().mean()


accuracy(preds, yb)

# %% [markdown] slide_type="subslide"
# One batch is noisy. The number we trust is on all 10,000 validation images: data the model
# never trains on. Before training, it is what chance gives.

# %%
with torch.no_grad():
    valid_preds = model(x_valid)
    before = loss_func(valid_preds, y_valid).item(), accuracy(valid_preds, y_valid).item()
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")

# %% [markdown] slide_type="slide"
# ## The training loop
#
# For each batch: predict, measure the loss, `backward()` for gradients, step the parameters
# against their gradient, then reset the gradients (PyTorch *adds* to `.grad`).

# %%
lr, epochs = 0.5, 2

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
        loss = loss_func(model(xb), yb)

        loss.backward()
        with torch.no_grad():  # the update itself must not be recorded in the graph
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

# %% [markdown] slide_type="slide"
# ## Did it work?
#
# The unit test of machine learning code: the loss went down and the accuracy went up.

# %%
with torch.no_grad():
    valid_preds = model(x_valid)
    after = loss_func(valid_preds, y_valid).item(), accuracy(valid_preds, y_valid).item()
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] >= 0.90

# %%
from utils import report

report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="slide"
# ## Recap
#
# - A model is a function of tensors; `requires_grad` makes PyTorch record what it does.
# - `backward()` fills `.grad`; we update under `torch.no_grad()` and zero the gradients.
# - Check that the loss falls from ln 10 and the accuracy rises.
#
# **Next:** let `torch.nn.functional` replace our hand-written pieces.
