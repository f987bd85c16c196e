"""The few pictures the series draws more than once."""

import matplotlib.pyplot as plt
import numpy as np


def show_digits(images, labels=None, nrows=3, ncols=8, size=1.1):
    """A grid of the first ``nrows * ncols`` images (flat 784 or 28x28), titled by label."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15))
    for i, ax in enumerate(np.ravel(axes)):
        ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r")
        if labels is not None:
            ax.set_title(int(labels[i]), fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    plt.show()  # display now and close, so the figure appears exactly once


def plot_history(history, ax=None, smooth=50):
    """Training loss per step (raw and smoothed) with validation loss at each epoch's end."""
    train = np.asarray(history["train_loss"])
    standalone = ax is None
    ax = ax or plt.subplots(figsize=(7, 3.2))[1]
    ax.plot(train, color="tab:blue", alpha=0.25, lw=0.8)
    if len(train) >= smooth:
        kernel = np.ones(smooth) / smooth
        ax.plot(np.arange(smooth - 1, len(train)), np.convolve(train, kernel, "valid"),
                color="tab:blue", label=f"train loss ({smooth}-step mean)")
    steps_per_epoch = len(train) / max(len(history["valid_loss"]), 1)
    epochs_end = steps_per_epoch * np.arange(1, len(history["valid_loss"]) + 1)
    ax.plot(epochs_end, history["valid_loss"], "o-", color="tab:orange", label="validation loss")
    ax.set(xlabel="training step", ylabel="cross-entropy loss")
    ax.legend()
    if standalone:
        plt.show()
