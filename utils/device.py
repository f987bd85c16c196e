"""Pick the fastest device there is; move batches to it (notebook 10)."""

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
