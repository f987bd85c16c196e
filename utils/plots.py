"""The pictures the series draws more than once, in one slide style.

Importing this module sets matplotlib's style for slides: text large enough to read from the
back of a room (13 pt, about 18 px on a 1280×720 slide at 100 dpi).
"""

import matplotlib.pyplot as plt
import numpy as np

SLIDE_STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
plt.rcParams.update(SLIDE_STYLE)


def show_digits(images, labels=None, nrows=3, ncols=8, size=1.1):
    """A grid of the first ``nrows * ncols`` images (flat 784 or 28x28), titled by label."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.2))
    for i, ax in enumerate(np.ravel(axes)):
        ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r")
        if labels is not None:  # digits, or any text (e.g. "7 (2)")
            ax.set_title(labels[i] if isinstance(labels[i], str) else int(labels[i]))
        ax.axis("off")
    fig.tight_layout()
    plt.show()  # display now and close, so the figure appears exactly once


def plot_history(history, ax=None, smooth=50, epochs=None):
    """Training loss per step (raw and smoothed) and validation loss after each epoch, against
    epochs counted from 1: the end of the first epoch is at 1, where "after epoch 1" is drawn.

    ``epochs``: how many epochs the training losses span, if not one per validation loss
    (e.g. a validation loss logged only after the last of 2 epochs).
    """
    train = np.asarray(history["train_loss"])
    valid = history["valid_loss"]
    epochs = epochs or max(len(valid), 1)
    standalone = ax is None
    ax = ax or plt.subplots(figsize=(8, 3.4))[1]
    at = np.arange(1, len(train) + 1) * epochs / len(train)  # where each step ends, in epochs
    ax.plot(at, train, color="tab:blue", alpha=0.25, lw=0.8)
    if len(train) >= smooth:
        kernel = np.ones(smooth) / smooth
        ax.plot(
            at[smooth - 1 :],
            np.convolve(train, kernel, "valid"),
            color="tab:blue",
            label=f"train loss ({smooth}-step mean)",
        )
    after = np.arange(epochs - len(valid) + 1, epochs + 1)  # the last len(valid) epochs
    ax.plot(after, valid, "o-", color="tab:orange", label="validation loss")
    ax.set(xlabel="epoch", ylabel="cross-entropy loss", xlim=(0, epochs), xticks=range(epochs + 1))
    ax.legend()
    if standalone:
        plt.show()


def plot_logged_histograms(records, key):
    """Histograms that ``wandb.watch`` logged (``key`` e.g. "gradients/weight"), side by side."""
    fig, axes = plt.subplots(1, len(records), figsize=(4 * len(records), 3.2), squeeze=False)
    for ax, rec in zip(axes[0], records):
        bins, values = np.asarray(rec[f"{key}.bins"]), np.asarray(rec[f"{key}.values"])
        ax.bar(bins[:-1], values, width=np.diff(bins), align="edge", color="tab:blue")
        ax.set(
            title=f"step {rec['_step']}", xlabel=key.split("/")[0][:-1] + " value", ylabel="count"
        )
    fig.tight_layout()
    plt.show()


def plot_confusion(preds, targets, classes=10):
    """How often each true digit (row) was predicted as each digit (column); the diagonal is
    dimmed so that the mistakes stand out."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (np.asarray(targets), np.asarray(preds)), 1)
    shown = counts.astype(float)
    np.fill_diagonal(shown, 0)
    fig, ax = plt.subplots(figsize=(4.6, 3.7))
    ax.imshow(shown, cmap="Reds")
    for (t, p), n in np.ndenumerate(counts):
        if n:
            ax.text(
                p, t, n, ha="center", va="center", fontsize=11, color="grey" if t == p else "black"
            )
    ax.set(xticks=range(classes), yticks=range(classes), xlabel="predicted", ylabel="true")
    fig.tight_layout()
    plt.show()


def autograd_graph(tensor, params):
    """torchviz's drawing of how ``tensor`` was computed, as a PNG (shown by every notebook
    viewer and deck, trusted or not), top to bottom so its labels stay legible on a slide.

    Needs the torchviz package and Graphviz's ``dot`` program; without either, it says in one
    line how to install it and returns None, so the notebook runs on.
    """
    from IPython.display import Image

    try:
        import graphviz
        from torchviz import make_dot
    except ImportError:
        print("(The graph needs torchviz: pip install torchviz, then re-run this cell.)")
        return None
    graph = make_dot(tensor, params=params)
    graph.graph_attr.update(rankdir="TB", dpi="72", nodesep="0.15", ranksep="0.2")
    graph.node_attr.update(fontsize="16", height="0.3")
    try:
        return Image(graph.pipe(format="png"))
    except graphviz.ExecutableNotFound:
        print(
            "(The graph needs Graphviz's `dot`: apt-get install graphviz, brew install "
            "graphviz or conda install graphviz, then re-run this cell.)"
        )
        return None
