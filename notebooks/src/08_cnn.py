# %% [markdown] slide_type="slide"
# # torch.nn, really · 08 · A convolutional network
#
# The payoff of the refactoring: a different model, trained by the same `fit`, unchanged.
#
# **This notebook:** three `nn.Conv2d` layers, what each does to the shape of a batch, SGD with
# momentum, and `fit_and_log` from `utils`. *About 15 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(8)

# %% [markdown] slide_type="subslide"
# Everything notebook 07 wrote, imported.

# %%
import torch
import torch.nn.functional as F
from torch import nn, optim

from utils.loaders import get_data, mnist_datasets
from utils.repro import report, seed_everything
from utils.tracking import fit_and_log
from utils.training import evaluate

seed_everything(0)
train_ds, valid_ds = mnist_datasets()
bs, lr, epochs = 64, 0.1, 2
loss_func = F.cross_entropy
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)

# %% [markdown] slide_type="slide"
# ## The model
#
# Each convolution halves the image (stride 2); the last one outputs one channel per digit;
# average pooling turns each channel's 4×4 grid into one score.

# %%
class MnistCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)  # flat 784 pixels -> 1 channel of 28x28
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))

# %% [markdown] slide_type="subslide"
# ## One batch, layer by layer

# %%
model = MnistCNN()
xb = train_ds[:64][0].view(-1, 1, 28, 28)  # the first 64 training images
print(f"{'input':6} {tuple(xb.shape)}")
for name in ("conv1", "conv2", "conv3"):
    xb = F.relu(getattr(model, name)(xb))
    print(f"{name:6} {tuple(xb.shape)}")
print(f"{'pool':6} {tuple(F.avg_pool2d(xb, 4).shape)}")

# %% [markdown] slide_type="slide"
# ## Momentum
#
# SGD with momentum steps along a running average of past gradients, not just the last one:
# steadier steps, faster progress. One argument to the optimizer.

# %%
seed_everything(0)
model = MnistCNN()
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
before = evaluate(model, loss_func, valid_dl)
print(f"validation before training: loss {before[0]:.4f}, accuracy {before[1]:.4f}")

# %% [markdown] slide_type="notes"
# The point of the whole refactoring: a different model, and fit_and_log does not change.
# Training takes a few seconds on a laptop CPU; talk through momentum meanwhile. ~2 min.

# %% [markdown] slide_type="subslide"
# ## Train and log: the same call as notebook 07

# %%
history, run = fit_and_log(epochs, model, loss_func, opt, train_dl, valid_dl,
                           config={"bs": bs, "lr": lr, "momentum": 0.9, "model": "cnn"})
for epoch, (loss, acc) in enumerate(zip(history["valid_loss"], history["valid_acc"])):
    print(f"after epoch {epoch}: validation loss {loss:.4f}, accuracy {acc:.4f}")
assert history["valid_loss"][-1] < before[0] and history["valid_acc"][-1] >= 0.90
report(valid_loss=history["valid_loss"][-1], valid_acc=history["valid_acc"][-1])

# %% [markdown] slide_type="subslide"
# ## Training and validation loss

# %%
from utils.plots import plot_history

plot_history(history)

# %% [markdown] slide_type="slide"
# ## The payoff, honestly
#
# The payoff so far is in the code, not yet in the score: is this CNN better than notebook
# 07's logistic regression after the same two epochs? The same `fit`, one line each:

# %%
from utils.training import fit

seed_everything(0)
linear = nn.Linear(784, 10)
baseline = fit(epochs, linear, loss_func, optim.SGD(linear.parameters(), lr=0.5),
               *get_data(train_ds, valid_ds, bs))
print(f"logistic regression (notebook 07): accuracy {baseline['valid_acc'][-1]:.4f}")
print(f"this CNN:                          accuracy {history['valid_acc'][-1]:.4f}")

# %% [markdown] slide_type="fragment"
# Not better, yet: two epochs at a high learning rate are not enough for a small CNN. More
# epochs, wider layers, batch norm and a learning-rate schedule are what take a CNN past 99 %
# on MNIST; notebook 09 first makes it take images of any size.

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `nn.Conv2d` layers with stride 2 shrink the image and grow features; pooling summarises.
# - Momentum is one argument to `optim.SGD`.
# - `fit` and `fit_and_log` did not change at all: that is what the refactoring bought.
#
# **Next:** the same network as `nn.Sequential`, and one that takes images of any size.
#
# **Read more:** [`nn.Conv2d`](https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html) ·
# [`F.avg_pool2d`](https://pytorch.org/docs/stable/generated/torch.nn.functional.avg_pool2d.html) ·
# [SGD with momentum](https://pytorch.org/docs/stable/generated/torch.optim.SGD.html)
