# %% [markdown] slide_type="slide"
# # torch.nn, really · 01 · From scratch
#
# A digit classifier with nothing but tensors and autograd (PyTorch's automatic gradients): no
# `torch.nn` at all.
#
# **This notebook:** weights and bias by hand, `log_softmax` and the loss by hand, the
# autograd graph, and a training loop that we will spend the rest of the series refactoring.
# *About 20 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(1)

# %% [markdown] slide_type="subslide"
# The data, as tensors (notebook 00 showed where it comes from), and a fixed seed (the starting
# value of the random-number generator) so these numbers come out the same on every run.

# %%
import math

import torch

from utils.data import load_mnist
from utils.repro import seed_everything

seed_everything(0)
x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist())
n, n_in = x_train.shape

# %% [markdown] slide_type="slide"
# ## The parameters
#
# A linear model: 784 pixels in, 10 scores out. Its parameters, the numbers training adjusts:
# random weights scaled by 1/√784, so the scores start small; bias at zero.
#
# `requires_grad` makes PyTorch record every operation on a tensor, so that autograd can
# later compute the gradient of the loss (the model's error, defined below) with respect
# to it.

# %%
weights = torch.randn(n_in, 10) / math.sqrt(n_in)  # randn: random, normally distributed
weights.requires_grad_()  # the trailing _ means "in place": it changes weights itself
bias = torch.zeros(10, requires_grad=True)

# %% [markdown] slide_type="notes"
# Scaling by 1/√(number of inputs) is LeCun's initialisation. `requires_grad_()` has a trailing
# underscore: it changes `weights` in place. We switch it on after the scaling so that the
# division is not recorded: the init is not part of the model.

# %% [markdown] slide_type="slide"
# ## The model is just a function
#
# Matrix-multiply (`@`), add the bias, turn the scores into log-probabilities (next slide).
# This computation, inputs to outputs, is the **forward pass**: all we write. PyTorch derives
# the gradients.

# %%
def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)

# %% [markdown] slide_type="fragment"
# Linear scores turned into probabilities: this model is **logistic regression**. Any Python
# function from images to scores is a model; `nn.Module` (notebook 03) is a handier one.

# %% [markdown] slide_type="subslide"
# ## Reading the `log_softmax` line
#
# Softmax exponentiates each score (`exp`) and divides by its row's sum: rows sum to 1.
# Its log is x − log Σ exp x. `.sum(-1)` adds along the last dimension (a row) and drops it;
# `.unsqueeze(-1)` puts it back with size 1, which stretches to match (**broadcasting**):
# each row's log-total reaches every score of its row.

# %%
scores = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
print(scores.exp().sum(-1).shape)  # one total per row, the last dimension gone
print(scores.exp().sum(-1).unsqueeze(-1).shape)  # the same, as a column
print(scores.exp().sum(-1, keepdim=True).shape)  # keepdim=True: the same in one step
log_softmax(scores).exp().sum(-1)  # back to probabilities: each row sums to 1

# %% [markdown] slide_type="subslide"
# ## Exercise: `softmax`
#
# Write `softmax(x)`: each row of scores becomes probabilities that sum to 1.
# `log_softmax` above is its logarithm.
#
# Stuck? `ex.hint("01.softmax")`, then `ex.solution("01.softmax")`.

# %% tags=["exercise"]
def softmax(x):
    ...  # your code

# %%
from utils import exercises as ex
softmax = ex.check("01.softmax", softmax)

# %% [markdown] slide_type="subslide"
# A **mini-batch**: a few examples processed together, here the first 64 images. Each update
# of the parameters uses one; its gradient cheaply estimates the gradient over all 50,000.
# 64 images in, 64 rows of 10 log-probabilities out.

# %%
bs = 64
xb = x_train[:bs]
preds = model(xb)
print(preds.shape)
print(preds.grad_fn)  # the last operation that made preds: log_softmax's subtraction

# %% [markdown] slide_type="fragment"
# Besides values and a shape, `preds` carries a `grad_fn`: the operation that produced it,
# which links back to the operations before it.

# %% [markdown] slide_type="subslide"
# ## The autograd graph
#
# Each recorded operation, from weights and bias (blue) to `preds` (green); `backward()`
# (later) walks it bottom-up.

# %%
from utils.plots import autograd_graph
autograd_graph(preds, {"weights": weights, "bias": bias})

# %% [markdown] slide_type="notes"
# Read the graph top-down with the room: weights and bias, the matmul (MmBackward0), the add,
# then the ops of log_softmax; backward() walks it the other way, from preds up. The stream's
# aside: this graph is built as the code runs, not declared in advance.

# %% [markdown] slide_type="slide"
# ## The loss: negative log-likelihood
#
# For each image, pick the log-probability of the correct digit, and average the negatives.
# `log_probs[range(n), target]` picks, in row *i*, the column `target[i]`:

# %%
log_probs = torch.tensor([[-0.1, -2.5, -3.0], [-1.2, -0.4, -2.0]])
log_probs[range(2), torch.tensor([0, 2])]  # row 0 column 0, row 1 column 2

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
# −ln(1/10) = ln 10. (`.item()` turns a one-element tensor into a Python number.)

# %%
print(f"our first loss: {loss_func(preds, yb).item():.4f}; ln 10 = {math.log(10):.4f}")

# %% [markdown] slide_type="subslide"
# ## Why a little above ln 10?
#
# Random scores are not all equal, so the probabilities are not all 1/10. Then the mean of
# −ln p over all 10 digits is above ln 10 (Jensen's inequality: log is concave). Our 64
# labels then land a little above even that mean, by chance.

# %%
every_digit = -preds.mean().item()  # -ln p averaged over all 10 digits of all 64 images
print(f"mean -ln p over every digit: {every_digit:.4f}; ln 10 = {math.log(10):.4f}")
assert every_digit >= math.log(10)  # always: Jensen's inequality

# %% [markdown] slide_type="subslide"
# ## How far is "far"?
#
# The same random model, scored on every full batch of 64 of the training set (the last
# batch, of 16, left out):

# %%
with torch.no_grad():  # each training image's -ln p for its digit, before training
    per_image = -model(x_train)[range(n), y_train]
first = per_image[: n // bs * bs].view(-1, bs).mean(1)  # one loss per full batch of 64
print(f"{len(first)} batches: first loss from {first.min():.4f} to {first.max():.4f}")
assert (first - math.log(10)).abs().max() < 0.3

# %% [markdown] slide_type="fragment"
# All within 0.3 of ln 10. A first loss of 3, or 1, means a bug or a bad init (the starting
# weights). It is the cheapest test there is.

# %% [markdown] slide_type="slide"
# ## Accuracy
#
# The predicted digit is the one with the highest score; accuracy is how often it is right.
# `argmax(dim=1)` finds, in each row, the column of the highest score; `.float()` turns
# True/False into 1/0, so their mean is the fraction right.

# %%
def accuracy(out, yb):
    return (out.argmax(dim=1) == yb).float().mean()


accuracy(preds, yb)

# %% [markdown] slide_type="subslide"
# ## Exercise: `error_rate`
#
# Write `error_rate(out, yb)`: the fraction of predictions that are wrong.
# On this batch it is 1 minus the accuracy above.
#
# Stuck? `ex.hint("01.error_rate")`, then `ex.solution("01.error_rate")`.

# %% tags=["exercise"]
def error_rate(out, yb):
    ...  # your code

# %%
from utils import exercises as ex
error_rate = ex.check("01.error_rate", error_rate)

# %% [markdown] slide_type="subslide"
# One batch is noisy. The number we trust is on all 10,000 validation images: data the model
# never trains on. Before training, the accuracy is near chance (one digit in 10).
#
# `with torch.no_grad():` turns the recording off inside the block: measuring needs no
# gradients, and no graph means less time and memory.

# %%
with torch.no_grad():
    valid_preds = model(x_valid)
    before = loss_func(valid_preds, y_valid).item(), accuracy(valid_preds, y_valid).item()
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")

# %% [markdown] slide_type="slide"
# ## `backward()`: gradients on demand
#
# Recording the graph computed no gradient. `backward()` computes them, all at once, and only
# then does `.grad` of each parameter fill.

# %%
print("before backward():", weights.grad)
loss = loss_func(model(xb), yb)
loss.backward()
print("after backward(): ", tuple(weights.grad.shape), tuple(bias.grad.shape))  # one per parameter

# %% [markdown] slide_type="subslide"
# ## Gradients accumulate
#
# A second `backward()` *adds* to `.grad`. So the loop must zero the gradients before the
# next `backward()`, or each step would follow the sum of every gradient so far. Adding is
# also useful: two halves of 32, each loss halved, add up to the gradient of the 64.
# (`clone()` copies a tensor; `allclose` compares up to rounding.)

# %%
whole = weights.grad.clone()
weights.grad = bias.grad = None  # forget it
for half in (slice(0, 32), slice(32, 64)):
    (loss_func(model(xb[half]), yb[half]) / 2).backward()  # adds to .grad
print("same gradient:", torch.allclose(weights.grad, whole, atol=1e-7))
weights.grad = bias.grad = None  # the training loop starts with no gradient

# %% [markdown] slide_type="slide"
# ## Two words before the loop
#
# - **Learning rate** (`lr`): how far each step moves the parameters against their gradient.
#   Too small and training crawls; too big and the loss jumps around or blows up.
# - **Epoch**: one pass over all 50,000 training images. With batches of 64 that is
#   782 steps (50,000 / 64, rounded up); we train for 2 epochs.

# %%
lr, epochs = 0.5, 2
losses = []  # each batch's loss, to plot after training
initial = weights.detach().clone()  # the starting weights, to compare after training

# %% [markdown] slide_type="subslide"
# ## The training loop
#
# For each batch: predict, measure the loss, `backward()` for gradients, step the parameters
# against their gradient, then zero the gradients for the next `backward()`. Steps against
# the gradient of one mini-batch at a time: **stochastic gradient descent** (SGD).

# %%
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
        loss = loss_func(model(xb), yb)
        losses.append(loss.item())  # .item(): a plain number, no graph kept

        loss.backward()
        with torch.no_grad():  # the update itself must not be recorded in the graph
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

# %% [markdown] slide_type="notes"
# The to-do list from the stream. By notebook 05, `F.cross_entropy` is the loss, a
# `DataLoader` hands out the batches (no index slicing), and `opt.step()` and `opt.zero_grad()`
# replace the `no_grad` block and its four update lines. `for epoch`, the loss line and
# `loss.backward()` stay. Point at the four update lines: notebook 04 makes them two.

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
assert after[0] < before[0] and after[1] > before[1], "training did not help: try another lr"

# %%
from utils.repro import report

report(valid_loss=after[0], valid_acc=after[1])

# %% [markdown] slide_type="subslide"
# ## The loss, batch by batch

# %% tags=["hide-input"]
from utils.plots import plot_curves

batch = range(1, len(losses) + 1)  # counted from 1, as the steps of later notebooks are
below = next(b for b, value in zip(batch, losses) if value < 0.5)  # first batch under 0.5
plot_curves({"training loss": losses}, f"From {losses[0]:.2f}, near ln 10, to under 0.5 "
            f"at batch {below}", xlabel="batch", x={"training loss": batch},
            lines={"ln 10": math.log(10)})

# %% [markdown] slide_type="notes"
# Point at the first batch, at the dotted ln 10 line, then at how fast it falls: most of the
# drop comes in the first few dozen batches (the title gives the first under 0.5). The rest is
# noise from batch to batch: each point is one batch (64 images; the last of each epoch, 16),
# not the whole training set.

# %% [markdown] slide_type="subslide"
# ## What the weights learned
#
# Each digit's 784 weights, drawn as a 28×28 image, before and after training. *r*: their
# correlation with the average image of that digit (0: no match; 1: the same pattern).

# %% tags=["hide-input"]
from utils.plots import show_images

means = [x_train[y_train == d].mean(0) for d in range(10)]  # each digit's average image


def templates(w, when):
    r = [torch.corrcoef(torch.stack([w[:, d], means[d]]))[0, 1].item() for d in range(10)]
    show_images(w.T, f"{when}: r from {min(r):.2f} to {max(r):.2f}", what="templates",
                titles=[f"{d}: r {r[d]:.2f}" for d in range(10)], ncols=5, size=1.5)


templates(initial, "Before training, noise")

# %% [markdown] slide_type="subslide"
# After training, each digit's weights are a template: yellow (positive) where that digit has
# ink, dark where others do.

# %%
templates(weights.detach(), "After training, templates")

# %% [markdown] slide_type="notes"
# Each grid has its own colour scale, centred on 0 and reaching its largest |weight| at both
# ends: about ±0.15 before training, about ±0.9 after (each figure's description gives its
# weights' range).
# Point at the 0: a ring of positive weights, and a dark centre where a 0 has none. The border
# stays noise: those pixels are 0 in almost every image, so their gradient is 0 or nearly,
# and they hardly change.

# %% [markdown] slide_type="subslide"
# ## Your exercises
#
# Solved one? Run its check cell again, then this one.

# %%
from utils import exercises as ex
ex.progress("01")

# %% [markdown] slide_type="slide"
# ## Recap
#
# - A model is a function of tensors; `requires_grad` makes PyTorch record what it does.
# - `backward()` fills `.grad`; update under `torch.no_grad()`, then zero the gradients.
# - Check that the loss falls from ln 10 and the accuracy rises.
#
# **Next:** let `torch.nn.functional` replace our hand-written pieces.
#
# **Read more:** [autograd mechanics](https://pytorch.org/docs/stable/notes/autograd.html) ·
# [`torch.no_grad`](https://pytorch.org/docs/stable/generated/torch.no_grad.html) ·
# [indexing rules](https://numpy.org/doc/stable/user/basics.indexing.html) (NumPy's, which
# tensors follow)
