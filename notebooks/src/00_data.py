# %% [markdown] slide_type="slide"
# # torch.nn, really · 00 · The data
#
# A digit classifier from raw tensors, refactored one PyTorch feature at a time into clean
# `torch.nn` code; after each refactor, training lowers its error (the loss).
#
# **This notebook:** MNIST with `pathlib` and `requests`; tensors.
# *About 10 minutes.*
#
# <small>After the PyTorch tutorial *What is torch.nn really?* by Jeremy Howard (fast.ai),
# and its Weights & Biases live stream.</small>

# %% [markdown] slide_type="notes"
# Credit the original tutorial (Jeremy Howard, with thanks to Rachel Thomas and Francisco
# Ingham) and the stream out loud. The promise of the series: every refactor keeps the loss
# going down, and the code gets shorter. The notebook needs nothing but the setup cell at its
# top. ~1 min.

# %% [markdown] slide_type="subslide"
# ## The plan
#
# Our to-do list for the series; every notebook ticks one item off.

# %%
from utils.roadmap import roadmap

roadmap(0)

# %% [markdown] slide_type="subslide"
# ## Aside: which PyTorch, on which CPU
#
# Your CPU decides which kernels (the compiled code behind each operation) PyTorch runs, and
# the kernels decide the last bits of every sum. Training a convolutional network (08–12) can
# grow those bits into differences you see in the printed loss and accuracy. If your numbers
# differ from the stored ones, these lines say why.

# %% [markdown] slide_type="notes"
# An aside a presenter may skip: it matters only when someone's numbers differ from the slides.

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: it describes the machine that runs it, which is the point.
import torch

from utils.meta import torch_line

build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
print(f"torch {torch.__version__} ({build}); CPU kernels: "
      f"{torch.backends.cpu.get_cpu_capability()}; {torch.get_num_threads()} thread(s)")
print(torch_line(torch.__version__))

# %% [markdown] slide_type="slide"
# ## Where the data lives
#
# `pathlib.Path` instead of strings: paths you can join with `/` and ask questions of.
# In a clone of the repository MNIST ships in `data/mnist`; anywhere else (Colab) it goes to a
# cache in your home folder. These notebooks are built as Colab runs them, so the output below
# shows the cache.

# %%
from utils.data import MNIST_FILES, default_data_dir, mirrors, shown

DATA = default_data_dir()
print(shown(DATA))
mirrors()  # tried in order when a file is missing; set MNIST_MIRRORS to use your own

# %% [markdown] slide_type="subslide"
# ## Downloading with `requests`
#
# The plain way, as the original tutorial does it: download once, if the file is not there
# yet. `.content` is the whole response as bytes; `write_bytes` puts them in the file.

# %%
import requests

path = DATA / "train-images-idx3-ubyte.gz"
if not path.exists():  # in Colab, the first time; in a clone, never
    DATA.mkdir(parents=True, exist_ok=True)
    path.write_bytes(requests.get(mirrors()[0] + path.name, timeout=30).content)
path.exists()

# %% [markdown] slide_type="subslide"
# ## Why the series' `fetch` does more
#
# - Whatever arrives is saved, an error page too, and `exists()` then trusts it: `fetch`
#   keeps only a file whose sha256 fingerprint matches.
# - A slow mirror can hang the cell: `fetch` has timeouts and a size cap, then tries the
#   next.
# - `requests` unzips a response sent with `Content-Encoding: gzip`: `fetch` keeps the bytes
#   as sent.

# %% [markdown] slide_type="notes"
# The first point is the one that bites learners: `requests.get` does not raise on a 404 or
# 403, so the plain cell saves the error page as the .gz, and `if not path.exists()` never
# downloads it again. (A connection cut short raises instead, unless the server sent no
# length: then a truncated body is saved just the same.)

# %% [markdown] slide_type="subslide"
# The heart of `utils.data._download`: stream to a temporary file in chunks, with a read
# timeout, a time budget and a size cap. `fetch` wraps it: each mirror in turn, verify, rename
# into place.

# %%
import inspect

from utils import data

print(inspect.getsource(data._download).split('"""\n')[-1])  # the code after the docstring

# %% [markdown] slide_type="subslide"
# `fetch` downloads a file only when it is missing or corrupt, and returns it unzipped. A .gz
# file's size depends on how it was compressed (this repository's copy was recompressed); the
# bytes inside, which the sha256 checks, do not.

# %%
from utils.data import fetch

raw = fetch("train-images-idx3-ubyte.gz")
for name in MNIST_FILES:
    print(f"{name:28} {len(fetch(name)):>11,} bytes unzipped")

# %% [markdown] slide_type="fragment"
# The two `t10k` files are MNIST's test set: 10,000 more images, kept apart until notebook 11.

# %% [markdown] slide_type="slide"
# ## Why parse instead of unpickle?
#
# The original tutorial downloads a pickle. `pickle.load` can run *any code* the file's author
# chose: never unpickle something you downloaded.
#
# MNIST's own IDX format is simple to read safely: two zero bytes, a type code, the number
# of dimensions, one big-endian integer (most significant byte first) per dimension, then the
# pixels.

# %%
import numpy as np

print(raw[:4])  # 0, 0, type 0x08 = unsigned byte, 3 dimensions
np.frombuffer(raw[4:16], dtype=">u4")  # the three dimensions

# %% [markdown] slide_type="subslide"
# ## Model files are pickles too
#
# `torch.save` writes a pickle (inside a zip file). Save a model's `state_dict()` (its tensors
# by name), and load it with `torch.load`. Since torch 2.6 `torch.load` defaults to
# `weights_only=True`: it rebuilds tensors, plain containers, numbers and a short list of
# allowed types (`torch.Size`, dtypes, ...), and refuses any other object.

# %% [markdown] slide_type="subslide"
# `load_mnist` parses the IDX files, checks the sha256 of each, and returns the classic
# split of the *training* file: its first 50,000 images to learn from, its last 10,000 to
# validate on (to check the model on images it never learned from).

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

show_digits(x_train, y_train, nrows=2, ncols=10, size=0.85)
assert 0 <= x_train.min() and x_train.max() <= 1  # the pixels, divided by 255 when loaded

# %% [markdown] slide_type="subslide"
# One digit, enlarged with PIL (`resize`, not `reshape`: we want more pixels, not a new shape).
# `255 - pixels` turns white ink on black into black ink on white.

# %%
from PIL import Image

from utils.plots import picture  # shows an image with a text description (alt text)

pixels = (x_train[0].reshape(28, 28) * 255).astype(np.uint8)
big = Image.fromarray(255 - pixels).resize((196, 196), Image.Resampling.NEAREST)
picture(big, f"The first training digit, a {y_train[0]}, enlarged to 196 by 196 pixels, "
        "black ink on white.")

# %% [markdown] slide_type="slide"
# ## From numpy arrays to tensors
#
# A `torch.Tensor` holds the same numbers as an array, plus what deep learning needs: a device
# (CPU or GPU) and, later, a record of how it was computed so PyTorch can take gradients (how
# the loss changes when each number changes). `torch.tensor(array)` copies an array into one.

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
# - Parse data formats; don't unpickle downloads (`torch.load` refuses other objects by
#   default: `weights_only=True`).
# - Tensors are arrays that PyTorch can differentiate and move to a GPU.
#
# **Next:** a model from nothing but these tensors.
#
# **Read more:** [What is torch.nn really?](https://pytorch.org/tutorials/beginner/nn_tutorial.html) ·
# [`torch.tensor`](https://pytorch.org/docs/stable/generated/torch.tensor.html) ·
# [`torch.load` and `weights_only`](https://pytorch.org/docs/stable/generated/torch.load.html) ·
# [MNIST](https://yann.lecun.com/exdb/mnist/)
