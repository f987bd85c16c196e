# %% [markdown] slide_type="slide"
# # torch.nn, really · 04 · `torch.optim`
#
# The update rule is the optimizer's job. Ours was plain SGD, *stochastic gradient descent*:
# step against one batch's gradient, a noisy estimate of the whole training set's.
# `torch.optim` has it, and more.
#
# **This notebook:** `optim.SGD`, `opt.step()` and `opt.zero_grad()`, `get_model()`, and
# swapping the optimizer in one line.
# *About 10 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(4)

# %% [markdown] slide_type="subslide"
# The data and the loss from notebook 03.

# %%
import torch
import torch.nn.functional as F
from torch import nn

from utils.data import load_mnist
from utils.repro import report, seed_everything
from utils.training import evaluate

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n = len(x_train)
loss_func = F.cross_entropy

# %% [markdown] slide_type="subslide"
# The `nn.Linear` model from notebook 03.

# %%
class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)

# %% [markdown] slide_type="slide"
# ## The update, before and after
#
# Before:
# ```python
# with torch.no_grad():
#     for p in model.parameters():
#         p -= p.grad * lr
#     model.zero_grad()
# ```
# After: the optimizer was given the parameters once, so it can update and reset them itself.
# ```python
# opt.step()
# opt.zero_grad()
# ```

# %% [markdown] slide_type="subslide"
# ## `get_model()`
#
# A model and its optimizer belong together: make them in one place.

# %%
from torch import optim

bs, lr = 64, 0.5


def get_model():
    model = MnistLogistic()
    return model, optim.SGD(model.parameters(), lr=lr)


seed_everything(0)
model, opt = get_model()
group = opt.param_groups[0]  # the parameters it updates, with their settings
[tuple(p.shape) for p in group["params"]], group["lr"]

# %% [markdown] slide_type="fragment"
# `nn.Linear(784, 10)` stores its weight as (out, in), `(10, 784)`, and computes
# `x @ W.T + b`: notebook 01's `(784, 10)` weights, transposed. The optimizer keeps them in
# `param_groups`, a list of dicts: each holds some parameters and the `lr` that `step()` uses.

# %% [markdown] slide_type="subslide"
# ## The loop, shorter

# %%
def fit(model, opt, epochs=2):
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
            loss = loss_func(model(xb), yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

# %% [markdown] slide_type="subslide"
# ## Exercise: `train_step`
#
# Write `train_step(model, loss_func, opt, xb, yb)`: one training step on one batch,
# with the optimizer. Return the loss as a float.
#
# Stuck? `ex.hint("04.train_step")`, then `ex.solution("04.train_step")`.

# %% tags=["exercise"]
def train_step(model, loss_func, opt, xb, yb):
    ...  # your code

# %%
from utils import exercises as ex
train_step = ex.check("04.train_step", train_step)

# %% [markdown] slide_type="subslide"
# ## Same behaviour as notebook 03
#
# Same seed, same `nn.Linear` init, same batches, and `optim.SGD` without momentum (next
# slide) computes exactly our update: 0.2925 and 0.9169, notebook 03's last numbers.

# %%
before = evaluate(model, loss_func, [(x_valid, y_valid)])
fit(model, opt)
after = evaluate(model, loss_func, [(x_valid, y_valid)])
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")
print(f"validation after training:  loss {after[0]:.4f}, accuracy {after[1]:.4f}")
assert after[0] < before[0]  # the loss went down
report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="notes"
# Four lines became two, and the numbers are notebook 03's exactly: SGD without momentum is
# what we wrote by hand. ~1 min.

# %% [markdown] slide_type="slide"
# ## Optimizers swap in one line
#
# SGD with momentum, or Adam, or any other: the loop does not change.
#
# - **Momentum** (0.9): each step follows a decaying sum of recent gradients, so directions
#   that agree build up speed and noise partly cancels.
# - **Adam**: momentum, with each parameter's step divided by the size of its recent
#   gradients: a step size per parameter.

# %%
# One epoch each, same seed: compare them with each other, not with two epochs' 0.9169 above.
for make_opt in (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                 lambda ps: optim.Adam(ps, lr=1e-3)):
    seed_everything(0)
    model = MnistLogistic()
    opt = make_opt(model.parameters())
    fit(model, opt, epochs=1)
    loss, acc = evaluate(model, loss_func, [(x_valid, y_valid)])
    print(f"{type(opt).__name__:4} after 1 epoch: loss {loss:.4f}, accuracy {acc:.4f}")

# %% [markdown] slide_type="subslide"
# ## What momentum does, step by step
#
# One epoch of SGD at `lr=0.1`, without and with momentum 0.9: the same seed, the same
# batches. Our `train_step` returns each step's loss.

# %%
def losses_per_step(momentum):
    seed_everything(0)
    model = MnistLogistic()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=momentum)
    losses = []
    for i in range((n - 1) // bs + 1):
        xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
        losses.append(train_step(model, loss_func, opt, xb, yb))
    return losses

# %% [markdown] slide_type="subslide"
# ## Momentum: lower loss, sooner

# %% tags=["hide-input"]
import numpy as np

from utils.plots import plot_curves

k = 50  # each point: the mean of the last 50 steps' losses, so the trend shows through the noise
mean = {m: np.convolve(losses_per_step(m), np.ones(k) / k, "valid") for m in (0, 0.9)}
steps = np.arange(k, k + len(mean[0]))  # the step each mean ends at, counted from 1
ahead = mean[0.9] < mean[0]
until = steps[np.argmin(ahead)] - 1 if not ahead.all() else steps[-1]  # momentum lower up to here
plot_curves({"plain SGD (50-step mean)": mean[0], "momentum 0.9 (50-step mean)": mean[0.9]},
            f"With momentum the loss is lower: every 50-step mean up to step {until}",
            ylabel="training loss", x={"plain SGD (50-step mean)": steps,
                                       "momentum 0.9 (50-step mean)": steps})

# %% [markdown] slide_type="notes"
# Point at the left end, steps 50 to 100 (the curves are 50-step means): the dashed momentum
# curve is already far below plain SGD.
# Same seed, same batches, same rate: only the update rule differs. Near the end the two come
# close and cross now and then; the title says up to which step momentum stays below.

# %% [markdown] slide_type="subslide"
# ## Two weights on a bowl
#
# A loss we can draw: `w1² + 10·w2²`, steep in `w2`, shallow in `w1`. Forty steps of SGD
# at `lr=0.01` from (-4, 1.5), without and with momentum.

# %%
def path(momentum, steps=40):
    w = torch.tensor([-4.0, 1.5], requires_grad=True)
    opt = optim.SGD([w], lr=0.01, momentum=momentum)
    points = [w.tolist()]
    for _ in range(steps):
        (w[0] ** 2 + 10 * w[1] ** 2).backward()
        opt.step()
        opt.zero_grad()
        points.append(w.tolist())
    return np.array(points)

# %% [markdown] slide_type="subslide"
# ## Momentum overshoots, and still gets closer

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from utils.plots import show

paths = {"plain SGD": path(0), "momentum 0.9": path(0.9)}
away = {name: np.hypot(*p[-1]) for name, p in paths.items()}  # distance from the minimum (0, 0)
assert away["momentum 0.9"] < away["plain SGD"] and paths["momentum 0.9"][:, 0].max() > 0
fig, ax = plt.subplots(figsize=(8, 3.6))
g1, g2 = np.meshgrid(np.linspace(-4.5, 1.5, 100), np.linspace(-1.4, 1.9, 100))
ax.contour(g1, g2, g1**2 + 10 * g2**2, levels=10, colors="#cccccc", linewidths=1)
title = (f"After 40 steps momentum is {away['momentum 0.9']:.2f} from the minimum, "
         f"plain SGD {away['plain SGD']:.2f}")
show(fig, plot_curves({name: p[:, 1] for name, p in paths.items()}, title, "w1", "w2", ax=ax,
                      x={name: p[:, 0] for name, p in paths.items()}, markers=True))

# %% [markdown] slide_type="notes"
# Point at the first steps: plain SGD drops straight down the steep `w2` side, then crawls
# along the shallow `w1` floor. Momentum swings past `w2 = 0` and back, and its speed builds
# along `w1`: it overshoots the minimum (`w1` passes 0), then swings back towards it. Grey:
# the contours.

# %% [markdown] slide_type="subslide"
# ## Finding a learning rate
#
# Each optimizer above came with a learning rate picked by hand. fastai's
# [`lr_find`](https://docs.fast.ai/callback.schedule.html#learner.lr_find) finds one in about
# 100 steps: raise the rate exponentially each step, plot the loss against it, and pick a rate
# where the loss still falls steeply, well before it blows up. Lightning's
# [`Tuner.lr_find`](https://lightning.ai/docs/pytorch/stable/api/lightning.pytorch.tuner.tuning.Tuner.html)
# does the same.

# %% [markdown] slide_type="notes"
# The idea is Leslie Smith's "LR range test" ([2015](https://arxiv.org/abs/1506.01186)): train
# for a few epochs while the rate rises linearly, and read off two bounds, where accuracy starts
# to rise and where it stops rising. fastai made it a quick exponential sweep over the loss.

# %% [markdown] slide_type="subslide"
# ## Exercise: `get_adam_model`
#
# Write `get_adam_model(lr=1e-3)`: an `nn.Linear(784, 10)` and an `optim.Adam` for its
# parameters with learning rate `lr`, returned together, like `get_model()`.
#
# Stuck? `ex.hint("04.get_adam_model")`, then `ex.solution("04.get_adam_model")`.

# %% tags=["exercise"]
def get_adam_model(lr=1e-3):
    ...  # your code

# %%
from utils import exercises as ex
get_adam_model = ex.check("04.get_adam_model", get_adam_model)

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("04")

# %% [markdown] slide_type="slide"
# ## Recap
#
# - An optimizer holds the parameters and the update rule: `step()` then `zero_grad()`.
# - `get_model()` makes a model and its optimizer together.
# - Changing the optimizer is a one-line change.
#
# **Next:** `Dataset` and `DataLoader`, so the loop stops slicing tensors by hand.
#
# **Read more:** [`torch.optim`](https://pytorch.org/docs/stable/optim.html) ·
# [`optim.SGD`](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html) ·
# [`optim.Adam`](https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)
