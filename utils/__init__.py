"""Shared helpers of the 'torch.nn, really' series, one concern per module.

data      MNIST: download from mirrors, verify, parse IDX       (notebook 00)
training  accuracy, loss_batch, fit with hooks, get_data        (notebooks 01-07, 09)
tracking  Weights & Biases: online or offline, fit_and_log      (notebooks 06-07)
models    Lambda and the any-size CNN                           (notebooks 08-09)
device    get_device, moving batches                            (notebook 10)
plots     digit grids and loss curves
"""

from .meta import REPO_SLUG


def report(**metrics):
    """Print a notebook's final metrics on one line (`make run` collects these)."""
    print("Final metrics: " + "  ".join(f"{k}={v:.4f}" for k, v in metrics.items()))


def seed_everything(seed: int = 0):
    """Same seed, same numbers: for torch's and numpy's random generators."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


__all__ = ["REPO_SLUG", "report", "seed_everything"]
