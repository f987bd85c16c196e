"""The autograd graph is optional: without torchviz or Graphviz's `dot` a learner gets one line
saying how to install it, and the notebook runs on."""

import sys
from unittest import mock

import pytest
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


# --- accessibility: alt text from the data, colour that needs no colour vision ---------------

# CAM02-UCS ΔE' between any two palette colours under each simulation. A just-noticeable
# difference is about 1 unit; the palette's closest pair (deuteranopia) is 16.4 apart.
CVD_MIN_DISTANCE = 15


def wcag_contrast(a, b="white"):
    from matplotlib.colors import to_rgb

    def lum(c):
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in to_rgb(c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_stays_distinct_under_colour_blindness_and_reads_on_white():
    """Every pair of palette colours is at least CVD_MIN_DISTANCE apart in CAM02-UCS as seen
    with full deuteranopia, protanopia and
    tritanopia (Machado et al.'s simulation, colorspacious), and each colour has 3:1 contrast
    on white (WCAG 2.2 for lines and marks)."""
    from itertools import combinations

    import matplotlib.pyplot as plt
    from colorspacious import cspace_convert, deltaE
    from matplotlib.colors import to_hex, to_rgb

    from utils.plots import PALETTE

    cycle = [to_hex(c["color"]) for c in plt.rcParams["axes.prop_cycle"]]
    assert [c.lower() for c in PALETTE] == cycle, "the style's cycle is the palette, set once"
    for kind in ("deuteranomaly", "protanomaly", "tritanomaly"):
        space = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
        seen = {c: cspace_convert(to_rgb(c), space, "CAM02-UCS") for c in PALETTE}
        closest = min(
            (deltaE(seen[a], seen[b], input_space="CAM02-UCS"), a, b)
            for a, b in combinations(PALETTE, 2)
        )
        assert closest[0] >= CVD_MIN_DISTANCE, f"{kind}: {closest[1:]} only {closest[0]:.1f}"
    assert all(wcag_contrast(c) >= 3 for c in PALETTE), [
        (c, round(wcag_contrast(c), 2)) for c in PALETTE
    ]


def drawn(monkeypatch, draw):
    """Run ``draw()``; return the (figure, alt text) each ``show`` received."""
    from utils import plots

    shown = []
    real = plots.figure_output

    def keep(fig, alt):
        shown.append((fig, alt))
        return real(fig, alt)

    monkeypatch.setattr(plots, "figure_output", keep)
    draw()
    monkeypatch.setattr(plots, "figure_output", real)
    return shown


def series_looks(fig):
    """How each legend entry is drawn, colour left out."""
    looks = []
    for ax in fig.axes:
        for handle in ax.get_legend_handles_labels()[0]:
            if hasattr(handle, "get_linestyle") and hasattr(handle, "get_marker"):
                looks.append(
                    (
                        str(handle.get_linestyle()),
                        handle.get_marker(),
                        str(handle.get_markerfacecolor()) == "none",
                    )
                )
            else:  # a bar: its hatch
                looks.append(
                    (
                        "bar",
                        handle.patches[0].get_hatch()
                        if hasattr(handle, "patches")
                        else handle.get_hatch(),
                    )
                )
    return looks


def every_figure(monkeypatch):
    import numpy as np

    from utils import plots
    from utils.seeds import load_spread, plot_spread

    rng = np.random.default_rng(0)
    hist = {
        "_step": 99,
        "gradients/weight.bins": list(np.linspace(-0.02, 0.01, 9)),
        "gradients/weight.values": [1, 3, 9, 40, 7, 2, 1, 0],
    }
    return {
        "history": drawn(
            monkeypatch,
            lambda: plots.plot_history({"train_loss": [2.3, 1.0] * 60, "valid_loss": [0.4, 0.3]}),
        ),
        "digits": drawn(
            monkeypatch, lambda: plots.show_digits(rng.random((4, 784)), [7, 2, 1, 0], 1, 4)
        ),
        "histograms": drawn(
            monkeypatch,
            lambda: plots.plot_logged_histograms(
                [hist, {**hist, "_step": 1499}], "gradients/weight"
            ),
        ),
        "confusion": drawn(
            monkeypatch, lambda: plots.plot_confusion([1, 7, 7, 4, 9], [1, 7, 2, 9, 9])
        ),
        "spread": drawn(
            monkeypatch,
            lambda: plot_spread(
                load_spread(), {"logistic": "logistic", "cnn": "CNN"}, {"cnn": 0.9}
            ),
        ),
    }


def test_every_multi_series_figure_tells_series_apart_without_colour(monkeypatch):
    for name, [(fig, _)] in every_figure(monkeypatch).items():
        looks = series_looks(fig)
        assert len(set(looks)) == len(looks), f"{name}: series differ only in colour: {looks}"


def test_alt_text_is_made_from_the_plotted_data(monkeypatch):
    figures = {name: alt for name, [(_, alt)] in every_figure(monkeypatch).items()}
    assert (
        "validation loss, dashed with dots, after epoch 1, 2: 0.4000, 0.3000." in figures["history"]
    )
    assert "over 120 steps" in figures["history"]
    assert figures["digits"] == "4 handwritten digits in 1 rows of 4, titled: 7, 2, 1, 0."
    assert "step 1499: 63 values in 8 bins" in figures["histograms"]
    assert "holds 40" in figures["histograms"]
    assert "read correctly (the diagonal): 3 of 5" in figures["confusion"]
    assert "2 as 7: once" in figures["confusion"] and figures["confusion"].endswith("9 as 4: once.")
    assert "CNN: 5 seeds from" in figures["spread"] and "a ring, 0.9000" in figures["spread"]
    assert len(set(figures.values())) == len(figures)


def test_show_stores_the_alt_text_as_image_metadata_and_as_text(monkeypatch):
    import matplotlib.pyplot as plt

    from utils.plots import figure_output

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    data, metadata = figure_output(fig, "a line from 0 to 1")
    assert metadata["image/png"] == {"alt": "a line from 0 to 1"}
    checks = metadata["figure"]
    assert checks["min_font_px"] >= 16 and checks["overlapping_labels"] == []
    assert data["text/plain"] == "a line from 0 to 1" and data["image/png"].startswith("iVBOR")
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        figure_output(fig, "  ")


def test_confusion_matrix_and_digits_use_maps_that_need_no_colour_vision(monkeypatch):
    figures = every_figure(monkeypatch)
    [(confusion, _)] = figures["confusion"]
    image = confusion.axes[0].images[0]
    assert image.get_cmap().name.startswith("cividis") and len(confusion.axes) == 2  # colour bar
    [(digits, _)] = figures["digits"]
    assert {im.get_cmap().name for ax in digits.axes for im in ax.images} == {"gray_r"}


def test_the_autograd_graph_alt_names_its_operations_and_parameters():
    image = autograd_graph(*graph_inputs())
    assert "LogSoftmaxBackward0" in image.alt and "w (4, 2)" in image.alt
    data, metadata = image._repr_mimebundle_()
    assert data["text/plain"] == image.alt == metadata["image/png"]["alt"] == repr(image)


def test_a_pil_image_shows_as_a_png_with_its_alt_text():
    from PIL import Image

    from utils.plots import picture

    shown = picture(Image.new("L", (28, 28)), "a black square, 28 by 28 pixels")
    data, metadata = shown._repr_mimebundle_()
    assert shown.data[:4] == b"\x89PNG" and metadata["image/png"]["alt"] == data["text/plain"]


# ------------------------------------------- bad input: draw what there is, say so, never raise
NAN = float("nan")


def edge_cases():
    """Each figure helper of the series given nothing, NaN or one point: (name, draw, what the
    alt text must say)."""
    from utils import plots
    from utils.ddp_launch import plot_restart, plot_scaling
    from utils.seeds import plot_spread

    one_seed = {"runs": [{"model": "cnn", "recipe": "series", "seed": 0, "valid_acc": NAN}]}
    return [
        ("curves, empty", lambda: plots.plot_curves({"loss": []}, "t"), "loss: nothing to draw"),
        ("curves, NaN", lambda: plots.plot_curves({"loss": [NAN, 1.0, NAN]}, "t"), "2 NaN"),
        ("curves, one", lambda: plots.plot_curves({"loss": [2.3]}, "t"), "one point, 2.300"),
        ("curves, none", lambda: plots.plot_curves({}, "t"), "Line chart: t."),
        ("images, empty", lambda: plots.show_images([], "t"), "no images to show"),
        ("images, NaN", lambda: plots.show_images(torch.full((2, 3, 3), NAN), "t"), "18 NaN"),
        (
            "history, empty",
            lambda: plots.plot_history({"train_loss": [], "valid_loss": []}),
            "nothing to draw, 0 steps",
        ),  # fmt: skip
        (
            "history, NaN",
            lambda: plots.plot_history({"train_loss": [NAN] * 60 + [1.0], "valid_loss": [NAN]}),
            "60 NaN or infinite values not drawn",
        ),  # fmt: skip
        (
            "history, one",
            lambda: plots.plot_history({"train_loss": [2.3], "valid_loss": [2.2]}),
            "over 1 steps: from 2.300",
        ),  # fmt: skip
        ("digits, empty", lambda: plots.show_digits(torch.empty(0, 784), []), "No digits"),
        (
            "digits, fewer",
            lambda: plots.show_digits(torch.zeros(3, 784), [1, 2, 3], 1, 4),
            "3 handwritten digits in 1 rows of 4",
        ),  # fmt: skip
        ("time split, empty", lambda: plots.plot_time_split({}, "cpu"), "nothing was measured"),
        ("confusion, empty", lambda: plots.plot_confusion([], []), "0 of 0"),
        (
            "spread, no seeds",
            lambda: plot_spread({"runs": []}, {"cnn": "CNN"}, mean_of="cnn"),
            "CNN: no seeds in the file",
        ),  # fmt: skip
        (
            "spread, NaN seed",
            lambda: plot_spread(one_seed, {"cnn": "CNN"}, mean_of="cnn"),
            "CNN: 1 seeds from nan",
        ),  # fmt: skip
        (
            "scaling, no runs",
            lambda: plot_scaling({"09's CNN": {}}, "this machine"),
            "No runs to draw",
        ),  # fmt: skip
        (
            "restart, no restart",
            lambda: plot_restart("1 process(es)\n12 steps per epoch", 27, 5, 2),
            "No restart from step 25's checkpoint",
        ),  # fmt: skip
    ]


@pytest.mark.parametrize("name, draw, says", edge_cases(), ids=[c[0] for c in edge_cases()])
def test_a_figure_helper_given_nothing_nan_or_one_point_draws_what_it_has(
    monkeypatch, name, draw, says
):
    [(fig, alt)] = drawn(monkeypatch, draw)
    assert says in alt, alt


def test_the_graph_alt_says_what_each_operation_was_computed_from():
    w = torch.randn(4, 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    z = torch.ones(3, 4) @ w + b
    alt = autograd_graph(z - z.exp().sum(-1, keepdim=True), {"w": w, "b": b}).alt
    assert "the result, of shape (3, 2), at the bottom" in alt
    assert "SubBackward0 of AddBackward0 and SumBackward1" in alt  # the branch, joined again
    assert "ExpBackward0 of AddBackward0" in alt
    assert "MmBackward0 of an untracked tensor (not drawn) and w (4, 2)" in alt


def test_a_history_alt_describes_the_faint_losses_and_a_lone_validation_dot():
    from utils.plots import plot_history

    losses = [2.3 - 0.01 * i for i in range(60)]
    shown = []
    with mock.patch("utils.plots.show", lambda fig, alt: shown.append(alt)):
        plot_history({"train_loss": losses, "valid_loss": [0.5]}, epochs=2)
        plot_history({"train_loss": losses, "valid_loss": [0.6, 0.5]})
    assert "each step's loss, faint, around it: 2.300 at the first step;" in shown[0]
    assert "validation loss, one dot, after epoch 2: 0.5000." in shown[0]
    assert "validation loss, dashed with dots, after epoch 1, 2" in shown[1]


def test_the_confusion_alt_keeps_a_tie_with_the_third_mistake_and_the_diagonal_is_blank():
    from utils import plots

    shown = []
    #           4 as 9 three times, 7 as 1 twice, 3 as 5 once, 6 as 0 once: tied with the 3rd
    targets = [4, 4, 4, 7, 7, 3, 6, 1, 1]
    preds = [9, 9, 9, 1, 1, 5, 0, 1, 1]
    with mock.patch("utils.plots.show", lambda fig, alt: shown.append((fig, alt))):
        plots.plot_confusion(preds, targets)
    fig, alt = shown[0]
    assert alt.endswith("4 as 9: 3 times, 7 as 1: 2 times, 3 as 5: once, 6 as 0: once.")
    written = {t.get_text() for t in fig.axes[0].texts}
    assert written == {"3", "2", "1"} and len(fig.axes[0].texts) == 4  # diagonal: blank
