"""The autograd graph is optional: without torchviz or Graphviz's `dot` a learner gets one line
saying how to install it, and the notebook runs on."""

import sys

import torch

from utils.plots import SLIDE_STYLE, autograd_graph


def graph_inputs():
    w = torch.randn(4, 2, requires_grad=True)
    return (torch.ones(3, 4) @ w).log_softmax(-1), {"w": w}


def test_the_graph_is_a_png_that_any_viewer_shows():
    image = autograd_graph(*graph_inputs())
    assert image is not None and image.format == "png" and image.data[:4] == b"\x89PNG"


def test_without_dot_one_line_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")  # no `dot` to be found
    assert autograd_graph(*graph_inputs()) is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "apt-get install graphviz" in out[0] and "brew" in out[0]


def test_without_torchviz_one_line_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torchviz", None)  # as if not installed
    assert autograd_graph(*graph_inputs()) is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "pip install torchviz" in out[0]


def test_slide_style_text_is_at_least_16_px():
    points = [v for k, v in SLIDE_STYLE.items() if "size" in k]
    assert min(points) * SLIDE_STYLE["figure.dpi"] / 72 >= 16  # points to pixels


def test_history_is_drawn_against_epochs_counted_from_1():
    import matplotlib.pyplot as plt

    from utils.plots import plot_history

    fig, ax = plt.subplots()
    plot_history({"train_loss": [1.0] * 100, "valid_loss": [0.5, 0.4]}, ax=ax)
    train, smoothed, valid = ax.lines
    assert list(valid.get_xdata()) == [1, 2]  # "after epoch 1" is drawn at 1
    assert train.get_xdata()[0] > 0 and train.get_xdata()[-1] == 2 and ax.get_xlabel() == "epoch"
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_history({"train_loss": [1.0] * 100, "valid_loss": [0.4]}, ax=ax, epochs=2)
    assert list(ax.lines[-1].get_xdata()) == [2]  # one validation loss, after the last epoch
    plt.close(fig)
