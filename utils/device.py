"""Pick the fastest device there is; move batches to it (notebook 10)."""

import contextlib
import os
import sys

import torch


def get_device() -> torch.device:
    """CUDA if there is an NVIDIA GPU, else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(device, non_blocking=False):
    """A preprocess function for WrappedDataLoader: move both tensors of a batch."""
    def move(xb, yb):
        return xb.to(device, non_blocking=non_blocking), yb.to(device, non_blocking=non_blocking)
    return move


class DeviceBatches:
    """Batches sliced from tensors that already live on the device: no copy per batch.

    The whole (small) dataset is moved once; each epoch shuffles indices on the device.
    """

    def __init__(self, x, y, batch_size, device, shuffle=False):
        self.x, self.y = x.to(device), y.to(device)
        self.bs, self.shuffle = batch_size, shuffle

    def __len__(self):
        return (len(self.x) + self.bs - 1) // self.bs

    def __iter__(self):
        n = len(self.x)
        order = torch.randperm(n, device=self.x.device) if self.shuffle else None
        for i in range(0, n, self.bs):
            idx = order[i:i + self.bs] if order is not None else slice(i, i + self.bs)
            yield self.x[idx], self.y[idx]


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what C++ code writes to stderr inside the block.

    torch 2.13's profiler backend (kineto) prints two debug lines, "profiler_start" and
    "profiler_stop", straight to file descriptor 2 with no setting to turn them off.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
