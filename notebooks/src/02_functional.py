# %% [markdown] slide_type="slide"
# # torch.nn, really · 02 · `torch.nn.functional`
#
# Our first refactor: same model, same loop, fewer hand-written pieces.
#
# **This notebook:** what is in `torch.nn.functional`, `F.cross_entropy` replacing our
# `log_softmax` + negative log-likelihood, and `evaluate`, the validation check named once.
# *About 10 minutes.*

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

from utils.data import load_mnist
from utils.repro import report, seed_everything

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n, n_in = x_train.shape
weights = torch.randn(n_in, 10) / math.sqrt(n_in)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

# %% [markdown] slide_type="slide"
# ## A quick tour of `torch.nn.functional`
#
# By convention imported as `F`: PyTorch's neural-network operations as plain functions. A few,
# by kind:

# %%
import torch.nn.functional as F

public = [name for name in dir(F) if not name.startswith("_")]
functions = [name for name in public if name.islower() and callable(getattr(F, name))]
print("activations:", [f for f in functions if f in {"relu", "gelu", "softmax", "log_softmax"}])
print("losses:     ", [f for f in functions if f.endswith("_loss") or f == "cross_entropy"][:6])
print("layers:     ", [f for f in functions if f in {"linear", "conv2d", "avg_pool2d", "dropout"}])

# %% [markdown] slide_type="fragment"
# A layer is one step of a model, like our `xb @ weights + bias`. Functions hold no state: no
# weights inside. Layers *with* weights are better as modules (notebook 03); activations
# (simple functions put between layers) and losses are just functions.

# %% [markdown] slide_type="subslide"
# ## Aside: a census of `F`
#
# Most public names of `F` are functions; the others are names it uses itself (`torch`, type
# names, texts like `tf32_notes`). Many functions are C++ operators given a docstring. The
# counts change from one torch version to the next; the output shows torch 2.13's.

# %%
# The counts depend on the torch version: tests/torch_versions_differ.py lists each one's.
import inspect

in_cpp = [name for name in functions if inspect.isbuiltin(getattr(F, name))]
others = [name for name in public if name not in functions]
print(f"torch {torch.__version__}: {len(public)} public names, {len(functions)} functions, "
      f"{len(in_cpp)} of them built into the C++ core")
print("the others, e.g.", others[:2] + others[-4:])

# %% [markdown] slide_type="notes"
# An aside a presenter may skip. The point to keep: `F` is mostly functions, and many of them
# are thin Python names for C++ operators.

# %% [markdown] slide_type="subslide"
# ## Reading the docs without leaving the notebook
#
# `F.cross_entropy?` in Jupyter (or `help(F.cross_entropy)` anywhere) shows the docstring;
# `??` shows the source when it is Python. The first lines (*logits*: raw scores, before any
# softmax):

# %%
print("\n".join(F.cross_entropy.__doc__.strip().splitlines()[:6]))

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
assert torch.allclose(nll(log_softmax(scores), yb), F.cross_entropy(scores, yb))
nll(log_softmax(scores), yb), F.cross_entropy(scores, yb)

# %% [markdown] slide_type="notes"
# Run the cell and point at the two equal numbers. The stream's aside: F is the stateless half
# of torch.nn. ~1 min.

# %% [markdown] slide_type="subslide"
# ## The probability of the right digit
#
# Softmax turns each image's scores into probabilities; *p* is the one it gives its right
# digit. The loss is the mean of −ln *p*.

# %%
p = F.softmax(scores, dim=1)[range(64), yb].detach()  # detach: plain numbers, no graph
first_loss = -p.log().mean().item()  # the loss above, computed from p
print(f"p from {p.min():.3f} to {p.max():.3f}, median {p.median():.3f}; loss {first_loss:.4f}")
assert 0.05 < p.median() < 0.2  # near 1/10, as the next title says
grid = torch.linspace(0.01, 1, 100, dtype=torch.float64)  # p from 0.01 to 1, to draw -ln p

# %% [markdown] slide_type="subslide"
# ## Why the loss starts near 2.3

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from utils.plots import PALETTE, plot_curves, show

ax = plt.subplots(figsize=(8, 3.6))[1]
alt = plot_curves({"−ln p": -grid.log()}, f"p near 0.1 (median {p.median():.3f}), so a loss "
                  "near ln 10", "p", x={"−ln p": grid}, lines={"ln 10": math.log(10)}, ax=ax)
ax.set_xlabel("p, the probability of the right digit")
ax.plot(p, -p.log(), "o", color=PALETTE[1], label="the first batch's 64 images")
ax.axhline(first_loss, color=PALETTE[2], ls="--", label=f"their mean, {first_loss:.3f}")
ax.legend(loc="upper right")
show(ax.figure, alt + f" Dots: the first batch's 64 images, p from {p.min():.3f} to "
     f"{p.max():.3f}; a dashed line marks their mean −ln p, the first loss, {first_loss:.3f}.")

# %% [markdown] slide_type="notes"
# Point at the curve: p = 1 costs nothing, p near 0 costs a lot. Then at the dots, bunched
# around p = 0.1, where −ln p is ln 10. Their mean, the dashed line, is the first loss: a
# little above ln 10, since these 64 images give their right digit a little under 1/10 (the
# median is 0.087).

# %% [markdown] slide_type="subslide"
# ## Exercise: `my_cross_entropy`
#
# Write `my_cross_entropy(scores, target)` with two functions of `F`:
# `F.log_softmax` (tell it `dim=1`: along each row), then `F.nll_loss`. It should equal
# `F.cross_entropy`.
#
# Stuck? `ex.hint("02.my_cross_entropy")`, then `ex.solution("02.my_cross_entropy")`.

# %% tags=["exercise"]
def my_cross_entropy(scores, target):
    ...  # your code

# %%
from utils import exercises as ex
my_cross_entropy = ex.check("02.my_cross_entropy", my_cross_entropy)

# %% [markdown] slide_type="subslide"
# ## Same number, and safer
#
# Our version computes `exp(x)` first, which overflows (too big for a float: `inf`) for large
# scores, leaving only `-inf`. PyTorch's does not.

# %%
big = torch.tensor([[1000.0, 0.0]])
assert not log_softmax(big).isfinite().any() and F.log_softmax(big, dim=-1).isfinite().all()
log_softmax(big), F.log_softmax(big, dim=-1)

# %% [markdown] slide_type="subslide"
# ## Exercise: a `log_softmax` that survives `big`
#
# Write `stable_log_softmax(x)`: subtract each row's largest score before `exp`.
# Shifting a row changes nothing in the result, and `exp` never sees a big number.
# `x.max(-1, keepdim=True)` gives each row's largest score as `.values` (and its column as
# `.indices`).
#
# Stuck? `ex.hint("02.stable_log_softmax")`, then `ex.solution("02.stable_log_softmax")`.

# %% tags=["exercise"]
def stable_log_softmax(x):
    ...  # your code

# %%
from utils import exercises as ex
stable_log_softmax = ex.check("02.stable_log_softmax", stable_log_softmax)

# %% [markdown] slide_type="slide"
# ## The refactored model
#
# The model is now just the linear part; the loss takes raw scores ("logits").

# %%
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias

# %% [markdown] slide_type="slide"
# ## `evaluate`: the validation check, named once
#
# Notebook 01 wrote the validation check twice. As a function it serves every notebook to come:
# no gradients (`@torch.no_grad()` above a `def` acts as a `with` around its body), any
# iterable of batches, and a mean weighted by batch size: a smaller last batch counts for
# what it holds.

# %%
# saved to utils/training.py
@torch.no_grad()
def evaluate(model, loss_func, batches):
    """Mean loss and accuracy over every example of ``batches`` (an iterable of (xb, yb))."""
    if hasattr(model, "eval"):  # an nn.Module has a train and an eval mode (notebook 07)
        model.eval()
    total_loss = total_correct = n = 0
    for xb, yb in batches:
        out = model(xb)
        total_loss += loss_func(out, yb).item() * len(xb)
        total_correct += (out.argmax(dim=1) == yb).sum().item()
        n += len(xb)
    return total_loss / n, total_correct / n

# %% [markdown] slide_type="subslide"
# All 10,000 validation images as one batch: a list holding one `(x, y)` pair.

# %%
before = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")

# %% [markdown] slide_type="notes"
# evaluate is the first helper that goes into utils: show the "# saved to" line, and say that
# notebook 07 explains the eval() inside it. ~2 min.

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
# The same loss and accuracy as notebook 01, to the last digit: same seed, same start, same
# order of batches, and `F.cross_entropy` computes what our two functions did.

# %%
after = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0] and after[1] > before[1], "training did not help: try another lr"
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("02")

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `torch.nn.functional` is the stateless half of `torch.nn`: activations, losses, and
#   layers written as functions.
# - `F.cross_entropy` replaced two functions, so the model now returns raw scores, without
#   `log_softmax`.
# - `evaluate` names the validation check; from now on it is `utils.training.evaluate`.
#
# **Next:** `nn.Module` and `nn.Parameter`, so we stop naming every weight in the loop.
#
# **Read more:** [`torch.nn.functional`](https://pytorch.org/docs/stable/nn.functional.html) ·
# [`F.cross_entropy`](https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html)
