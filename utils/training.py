"""The training pieces the series builds by hand (notebooks 01-07), written once for reuse.

Notebook 07 teaches ``loss_batch``, ``fit`` and ``get_data`` line by line;
tests/test_training.py proves its versions and these behave the same.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset


def accuracy(out: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose highest score is the right class."""
    return (out.argmax(dim=1) == yb).float().mean()


def loss_batch(model, loss_func, xb, yb, opt=None):
    """Loss on one batch; with an optimizer, also take one step. Returns (loss, batch size)."""
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


@torch.no_grad()
def evaluate(model, loss_func, dl):
    """Mean loss and accuracy over every example of ``dl`` (weighted by batch size).

    ``dl`` is any iterable of ``(xb, yb)`` batches: a DataLoader, or ``[(x_valid, y_valid)]``.
    """
    if hasattr(model, "eval"):  # an nn.Module; a plain function (notebooks 01-02) has no mode
        model.eval()
    total_loss = total_correct = n = 0
    for xb, yb in dl:
        out = model(xb)
        total_loss += loss_func(out, yb).item() * len(xb)
        total_correct += (out.argmax(dim=1) == yb).sum().item()
        n += len(xb)
    if n == 0:
        raise ValueError("evaluate: the DataLoader yielded no batches; is its dataset empty?")
    return total_loss / n, total_correct / n


def _explain_first_batch(err, model, loss_func, xb, yb):
    """Turn the cryptic error of a model/loss/data mismatch into one that says what to check."""
    try:
        with torch.no_grad():
            shape = f"returned shape {tuple(model(xb).shape)}"
    except Exception:  # the model itself cannot take this input
        shape = "failed on this input"
    name = getattr(loss_func, "__name__", type(loss_func).__name__)
    return RuntimeError(
        f"fit: the first training batch failed ({type(err).__name__}: {err}).\n"
        f"The batch had inputs {tuple(xb.shape)} {xb.dtype} and targets {tuple(yb.shape)} "
        f"{yb.dtype}; the model {shape}; loss_func is {name}.\n"
        "Check that the model accepts the input shape and that its output fits the loss "
        "(cross_entropy wants (batch, classes) scores and int64 class indices below classes).")


def fit(epochs, model, loss_func, opt, train_dl, valid_dl,
        on_train_step=None, on_val_epoch_end=None):
    """Train for ``epochs``, validating after each; the two hooks see the metrics as dicts.

    ``on_train_step({"epoch", "train_loss"})`` runs after every optimizer step and
    ``on_val_epoch_end({"epoch", "valid_loss", "valid_acc"})`` after every validation pass.
    Returns the same numbers as a history dict of lists.
    """
    if len(train_dl) == 0 or len(valid_dl) == 0:
        which = "train_dl" if len(train_dl) == 0 else "valid_dl"
        raise ValueError(f"fit: {which} yields no batches. Is its dataset empty, or is "
                         "drop_last=True with fewer examples than one batch?")
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            try:
                loss, _ = loss_batch(model, loss_func, xb, yb, opt)
            except (RuntimeError, IndexError, ValueError) as err:
                if history["train_loss"]:  # it worked before: not a set-up mistake
                    raise
                raise _explain_first_batch(err, model, loss_func, xb, yb) from err
            history["train_loss"].append(loss)
            if on_train_step:
                on_train_step({"epoch": epoch, "train_loss": loss})

        valid_loss, valid_acc = evaluate(model, loss_func, valid_dl)
        history["valid_loss"].append(valid_loss)
        history["valid_acc"].append(valid_acc)
        if on_val_epoch_end:
            on_val_epoch_end({"epoch": epoch, "valid_loss": valid_loss, "valid_acc": valid_acc})
    return history


def get_data(train_ds, valid_ds, bs, **kwargs):
    """Training batches shuffled; validation batches in order and twice as big (no backward)."""
    return (DataLoader(train_ds, batch_size=bs, shuffle=True, **kwargs),
            DataLoader(valid_ds, batch_size=bs * 2, **kwargs))


def mnist_datasets(data_dir=None):
    """MNIST's train and validation splits as TensorDatasets of (784-float, int64) pairs."""
    from .data import load_mnist

    x_train, y_train, x_valid, y_valid = map(torch.tensor, load_mnist(data_dir))
    return TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)


class WrappedDataLoader:
    """A DataLoader whose batches pass through ``func`` (reshape, move to a device...)."""

    def __init__(self, dl, func):
        self.dl, self.func = dl, func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)
