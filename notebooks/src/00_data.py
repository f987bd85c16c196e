# %% [markdown] slide_type="slide"
# # torch.nn, really · 00 · The data
#
# We build a digit classifier from raw tensors, then refactor it, one PyTorch feature at a
# time, until we have clean `torch.nn` code — and we watch the loss go down at every step.
#
# **This notebook:** get MNIST with `pathlib` and `requests`, look at it, make tensors.
# *About 10 minutes. Needs nothing but the setup cell above.*

# %% [markdown] slide_type="subslide"
# ## The plan
#
# Our to-do list for the series; every notebook ticks one item off.

# %%
from utils.roadmap import roadmap

roadmap(0)

# %% [markdown] slide_type="slide"
# ## Where the data lives
#
# `pathlib.Path` instead of strings: paths you can join with `/` and ask questions of.

# %%
from utils.data import MNIST_FILES, default_data_dir, mirrors

DATA = default_data_dir()
print(DATA.relative_to(DATA.parent.parent))  # data/mnist inside the repo; a cache in Colab
for name in MNIST_FILES:
    print(f"{name:28} {(DATA / name).stat().st_size:>10,} bytes")

# %% [markdown] slide_type="subslide"
# ## Downloading with `requests`
#
# The heart of the download: stream the file to disk in chunks, with a timeout and a progress
# bar. `fetch` wraps it: try each mirror in turn, verify, then rename into place.

# %%
import inspect

from utils import data

print(inspect.getsource(data._download))

# %% [markdown] slide_type="subslide"
# The mirrors it tries, in order (set `MNIST_MIRRORS` to use your own):

# %%
mirrors()

# %% [markdown] slide_type="subslide"
# `fetch` uses a local copy when it is genuine and downloads only what is missing or corrupt.
# Here every file is already in `data/mnist`, so nothing goes over the network.

# %%
from utils.data import fetch

raw = fetch("train-images-idx3-ubyte.gz")
len(raw)

# %% [markdown] slide_type="slide"
# ## Why parse instead of unpickle?
#
# The original tutorial downloads a pickle. `pickle.load` can run *any code* the file's author
# chose: never unpickle something you downloaded.
#
# MNIST's own IDX format is trivial to read safely: two zero bytes, a type code, the number of
# dimensions, then one big-endian integer per dimension, then the pixels.

# %%
import numpy as np

print(raw[:4])  # 0, 0, type 0x08 = unsigned byte, 3 dimensions
np.frombuffer(raw[4:16], dtype=">u4")  # the three dimensions

# %% [markdown] slide_type="subslide"
# `load_mnist` does exactly that, checks the sha256 of every file, and returns the classic
# split: the first 50,000 training images to learn from, the last 10,000 to validate on.

# %%
from utils.data import load_mnist

x_train, y_train, x_valid, y_valid = load_mnist()
x_train.shape, x_train.dtype, y_train[:10]

# %% [markdown] slide_type="slide"
# ## What the images look like
#
# Each row of `x_train` is one 28×28 image, flattened to 784 numbers between 0 and 1.

# %%
from utils.plots import show_digits

show_digits(x_train, y_train, nrows=2, ncols=10)

# %% [markdown] slide_type="subslide"
# One digit, enlarged with PIL (`resize`, not `reshape`: we want more pixels, not a new shape).

# %%
from PIL import Image

pixels = (x_train[0].reshape(28, 28) * 255).astype(np.uint8)
Image.fromarray(255 - pixels).resize((196, 196), Image.Resampling.NEAREST)

# %% [markdown] slide_type="slide"
# ## From numpy arrays to tensors
#
# A `torch.Tensor` holds the same numbers as an array, plus what deep learning needs: a device
# (CPU or GPU) and, later, a record of how it was computed so PyTorch can take gradients.

# %%
import torch

x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
x_train, y_train

# %% [markdown] slide_type="subslide"
# The two facts to check first about any tensor: what is in it, and its shape.

# %%
print(y_train.min(), y_train.max())  # labels are the digits 0..9
print(x_train.shape, y_train.shape)  # 50,000 images of 784 pixels; one label each

# %% [markdown] slide_type="slide"
# ## Recap
#
# - `pathlib` for paths, `requests` to download, a sha256 to trust what arrived.
# - Parse data formats; don't unpickle downloads.
# - Tensors are arrays that PyTorch can differentiate and move to a GPU.
#
# **Next:** a model from nothing but these tensors.
