# %% [markdown] slide_type="slide"
# # torch.nn, really · 00 · The data
#
# We build a digit classifier from raw tensors, then refactor it, one PyTorch feature at a
# time, until we have clean `torch.nn` code — and we watch the loss go down at every step.
#
# **This notebook:** get MNIST with `pathlib` and `requests`, look at it, make tensors.
# *About 10 minutes. Needs nothing but the setup cell above.*
#
# <small>After *What is torch.nn really?* by Jeremy Howard (fast.ai), with Rachel Thomas and
# Francisco Ingham, in the PyTorch tutorials; and its Weights & Biases live stream.</small>

# %% [markdown] slide_type="notes"
# Credit the original tutorial and the stream out loud. The promise of the series: every
# refactor keeps the loss going down, and the code gets shorter. ~1 min.

# %% [markdown] slide_type="subslide"
# ## The plan
#
# Our to-do list for the series; every notebook ticks one item off.

# %%
from utils.roadmap import roadmap

roadmap(0)

# %% [markdown] slide_type="subslide"
# ## Which PyTorch, on which CPU
#
# The CPU picks the kernels, and the kernels pick the last bits of every sum. Training a CNN
# grows those bits into the third digit (notebook 08), so if your numbers differ from these
# notebooks', this line says why.

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: it describes the machine that runs it, which is the point.
import torch

build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
print(f"torch {torch.__version__} ({build}); CPU kernels: "
      f"{torch.backends.cpu.get_cpu_capability()}; {torch.get_num_threads()} thread(s)")

# %% [markdown] slide_type="slide"
# ## Where the data lives
#
# `pathlib.Path` instead of strings: paths you can join with `/` and ask questions of.
# In a clone of the repository MNIST ships in `data/mnist`; anywhere else (Colab) it goes to a
# cache in your home folder.

# %%
from utils.data import MNIST_FILES, default_data_dir, mirrors, shown

DATA = default_data_dir()
print(shown(DATA))
mirrors()  # tried in order when a file is missing; set MNIST_MIRRORS to use your own

# %% [markdown] slide_type="subslide"
# ## Downloading with `requests`
#
# The heart of `utils.data._download`: stream to disk in chunks, with a read timeout, a time
# budget and a size cap. `fetch` wraps it: each mirror in turn, verify, rename into place.

# %%
import inspect

from utils import data

print(inspect.getsource(data._download).split('"""\n')[-1])  # the code after the docstring

# %% [markdown] slide_type="subslide"
# `fetch` downloads a file only when it is missing or corrupt (in Colab, the first time), and
# otherwise just reads and verifies the local copy.

# %%
from utils.data import fetch

raw = fetch("train-images-idx3-ubyte.gz")
for name in MNIST_FILES:
    fetch(name)
    print(f"{name:28} {(DATA / name).stat().st_size:>10,} bytes")

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

# %% [markdown] slide_type="fragment"
# The same caution applies to model files: `torch.save` writes a pickle. Save a model's
# `state_dict()` (tensors only) and load it with `torch.load(path, weights_only=True)`, which
# refuses anything but tensors and plain containers.

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
# - Parse data formats; don't unpickle downloads (and load weights with `weights_only=True`).
# - Tensors are arrays that PyTorch can differentiate and move to a GPU.
#
# **Next:** a model from nothing but these tensors.
#
# **Read more:** [What is torch.nn really?](https://pytorch.org/tutorials/beginner/nn_tutorial.html) ·
# [`torch.tensor`](https://pytorch.org/docs/stable/generated/torch.tensor.html) ·
# [`torch.load` and `weights_only`](https://pytorch.org/docs/stable/generated/torch.load.html) ·
# [MNIST](https://yann.lecun.com/exdb/mnist/)
