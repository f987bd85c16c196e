"""Same seed, same numbers; and the one line of final metrics that `make run` collects."""

import random

import numpy as np
import torch


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, numpy's and torch's global random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def report(**metrics) -> None:
    """Print a notebook's final metrics on one line (`make run` collects these)."""
    print("Final metrics: " + "  ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
