"""The pictures the series draws more than once, in one slide style, each with its alt text.

Importing this module sets matplotlib's style for slides: text large enough to read from the
back of a room (13 pt, about 18 px on a 1280×720 slide at 100 dpi), and one colour-blind-safe
palette for every plot (``PALETTE``).

Every figure goes through ``show(fig, alt)``: the PNG carries ``alt`` as its alt text (output
metadata ``image/png.alt``, which the static decks write into ``<img alt>``), and the output's
``text/plain`` is the same text. nbval ignores PNGs but compares ``text/plain``, so the numbers
a figure plots are checked like any printed number (tests/nbval_numbers.py). Each alt text is
made from the plotted data: what a learner who cannot see the picture needs from it.
"""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cycler  # matplotlib's validating wrapper: nothing more to pin

# Petroff's colour-blind-safe cycle (matplotlib's "petroff10" style, chosen for distinctness
# under simulated colour-vision deficiencies), keeping the six colours with at least 3:1 contrast
# on white (WCAG 2.2 for lines and marks), in its order. Its light grey, yellow, sand and pale
# cyan (1.6-2.6:1) are left out. Okabe & Ito's set did worse here: blue and bluish green come
# within 13 CAM02-UCS units of each other under tritanopia. tests/test_plots.py checks both.
PALETTE = ["#3f90da", "#bd1f01", "#832db6", "#a96b59", "#e76300", "#717581"]
# ...and series differ in more than colour: each colour of the cycle has its own line style
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1))]
# Image grids and matrices: perceptually uniform, readable in grey and with any colour vision.
MATRIX_CMAP = "cividis"

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
    "axes.prop_cycle": cycler(color=PALETTE, linestyle=LINESTYLES),
    "image.cmap": MATRIX_CMAP,
}
plt.rcParams.update(SLIDE_STYLE)


def _texts(fig):
    """Every text ``fig`` draws (titles, axis and tick labels, legends, annotations), after
    drawing it: what a reader has to read. Ticks of a hidden axis and ticks outside the
    view are not drawn, so not counted."""
    fig.canvas.draw()
    texts = list(fig.texts) + ([fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                if axis.get_visible():
                    texts.append(axis.label)
                    for tick in axis._update_ticks():  # the ticks it draws
                        texts += [tick.label1, tick.label2]
        legend = ax.get_legend()
        if legend:
            texts += [*legend.get_texts(), legend.get_title()]
    unique = {id(t): t for t in texts}.values()  # the suptitle is also in fig.texts
    return [t for t in unique if t.get_visible() and t.get_text().strip()]


def _overlaps(texts, renderer) -> list[str]:
    """Pairs of texts whose drawn boxes overlap (by more than a pixel each way)."""
    boxes = [(t.get_text().strip(), t.get_window_extent(renderer)) for t in texts]
    clashes = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if w > 1 and h > 1:
                clashes.append(f"{a[:20]!r} / {b[:20]!r}")
    return clashes


def figure_checks(fig) -> dict:
    """What the browser tests need to judge a figure on a slide: its smallest text in pixels
    of the PNG (points × dpi / 72) and the pairs of labels drawn over each other. Stored in
    the output's metadata (``figure``), matched to the image on the page by its alt text."""
    texts = _texts(fig)
    sizes = [t.get_fontsize() * fig.dpi / 72 for t in texts]
    return {
        "min_font_px": round(min(sizes), 1) if sizes else None,
        "overlapping_labels": _overlaps(texts, fig.canvas.get_renderer()),
    }


def figure_output(fig, alt: str):
    """The notebook output of ``fig``: (data, metadata) with the PNG, its alt text, and the
    alt text again as ``text/plain``; ``metadata["figure"]`` holds ``figure_checks``. Raises
    if ``alt`` says nothing."""
    alt = str(alt).strip()
    if not alt:
        raise ValueError("show(fig, alt): alt must say what the figure shows (it is empty)")
    checks = figure_checks(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", bbox_inches="tight")  # as the inline backend draws it
    plt.close(fig)  # displayed once, here, not again by the inline backend at the cell's end
    return (
        {"image/png": base64.b64encode(png.getvalue()).decode("ascii"), "text/plain": alt},
        {"image/png": {"alt": alt}, "figure": checks},
    )


class Picture:
    """A PNG with its alt text, shown as a cell's result; its ``repr`` is the alt text."""

    def __init__(self, png: bytes, alt: str):
        if not alt.strip():
            raise ValueError("a picture needs alt text that says what it shows")
        self.data, self.alt, self.format = png, alt.strip(), "png"

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": base64.b64encode(self.data).decode("ascii"), "text/plain": self.alt}
        return data, {"image/png": {"alt": self.alt}}

    def __repr__(self):
        return self.alt


def picture(image, alt: str) -> Picture:
    """A PIL image as a cell's result, with ``alt`` as its alt text (and its text form)."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    return Picture(png.getvalue(), alt)


def show(fig, alt: str) -> None:
    """Display ``fig`` now, with ``alt`` as its alt text and its text form; close it.

    Outside a notebook (a script, a test) only the alt text is printed."""
    from IPython import get_ipython
    from IPython.display import display

    data, metadata = figure_output(fig, alt)
    if get_ipython() is None:
        print(data["text/plain"])
    else:
        display(data, raw=True, metadata=metadata)


def fmt(x: float) -> str:
    """A plotted number in alt text: 4 significant digits with a decimal point, so that the
    tests compare it as a float within its tolerance (1e-05 would be compared as text)."""
    x = float(x)
    if not np.isfinite(x):
        return str(x)  # "nan", "inf", "-inf": said, not hidden
    if x == 0:
        return "0.0"
    if not 1e-3 <= abs(x) < 1e5:
        return f"{x:.3e}"
    return f"{x:.{max(1, 3 - int(np.floor(np.log10(abs(x)))))}f}"


def finite(values) -> tuple[np.ndarray, np.ndarray, int]:
    """(positions, values) of the finite entries of ``values`` and how many were not finite:
    a figure draws what it has, and its alt text says what it left out."""
    values = np.asarray(values, dtype=float).ravel()
    keep = np.isfinite(values)
    return np.flatnonzero(keep), values[keep], int((~keep).sum())


def _at(x) -> str:
    """A position in alt text: a whole number as such (a step, an epoch), else ``fmt``."""
    return str(int(x)) if float(x).is_integer() else fmt(x)


def describe(name: str, xs, ys, dropped: int = 0, x_name: str = "step") -> str:
    """One series in alt text: how many points, first, last, lowest and highest (where),
    and how many NaN or infinite values were left out. Empty or one point: said so."""
    gone = f"; {dropped} NaN or infinite values not drawn" if dropped else ""
    if len(ys) == 0:
        return f"{name}: nothing to draw{gone}"
    if len(ys) == 1:
        return f"{name}: one point, {fmt(ys[0])} at {x_name} {_at(xs[0])}{gone}"
    lo, hi = int(np.argmin(ys)), int(np.argmax(ys))
    return (
        f"{name}: {len(ys)} points from {fmt(ys[0])} at {x_name} {_at(xs[0])} to {fmt(ys[-1])} "
        f"at {x_name} {_at(xs[-1])}, lowest {fmt(ys[lo])} at {_at(xs[lo])}, highest "
        f"{fmt(ys[hi])} at {_at(xs[hi])}{gone}"
    )


def plot_curves(
    curves: dict,
    title: str,
    xlabel: str = "step",
    ylabel: str = "loss",
    x: dict | None = None,
    lines: dict | None = None,
    ax=None,
    figsize=(8, 3.4),
    markers: bool = False,
    logx: bool = False,
    logy: bool = False,
):
    """Line chart of one or more series (``curves``: {label: values}, against ``x[label]`` or
    0, 1, 2, ...), each in its own colour *and* line style, with horizontal reference lines
    (``lines``: {label: y}, dotted grey, labelled on the right). ``title`` should say what to
    see. Empty series, NaNs and single points are drawn as far as they go and said in the alt
    text; nothing raises. Given ``ax``, it draws there and returns the alt text (for the
    caller's ``show``); otherwise it shows the figure."""
    standalone = ax is None
    ax = ax or plt.subplots(figsize=figsize)[1]
    parts = []
    for i, (label, values) in enumerate(curves.items()):
        at, ys, dropped = finite(values)
        xs = np.asarray((x or {}).get(label, np.arange(len(np.ravel(values)))), dtype=float)[at]
        style = dict(color=PALETTE[i % len(PALETTE)], ls=LINESTYLES[i % len(LINESTYLES)])
        marker = "os^Dv<"[i % 6] if markers or len(ys) == 1 else None
        ax.plot(xs, ys, marker=marker, ms=7, label=label, **style)
        parts.append(describe(label, xs, ys, dropped, xlabel))
    for label, y in (lines or {}).items():
        ax.axhline(y, color="#555555", ls=":", lw=1.5)
        ax.annotate(
            f"{label} = {fmt(y)}",
            (1, y),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=12,
            color="#333333",
        )
        parts.append(f"a dotted line marks {label} = {fmt(y)}")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend()
    scale = " (log scale)" if logy else ""
    alt = f"Line chart: {title}. {ylabel}{scale} against {xlabel}; " + "; ".join(parts) + "."
    if not standalone:
        return alt
    show(ax.figure, alt)


def show_images(
    images,
    title: str,
    titles=None,
    ncols: int = 10,
    size: float = 1.2,
    what: str = "images",
    symmetric: bool = True,
    colorbar: str | None = "value",
    strongest: bool = True,
):
    """A grid of 2-D arrays (weights, filters, feature maps) on one shared colour scale,
    cividis (its lightness rises with the value, so it reads in grey and with any colour
    vision), with a colour bar; ``symmetric``: the scale is centred on 0, so that the same
    colour means the same sign in every panel. The alt text gives the grid, each panel's title
    and the range of values, and the panel with the largest values (``strongest=False``: not
    that one, where which panel wins moves with the CPU's last bits, as for trained filters)."""
    arrays = [np.asarray(im.detach() if hasattr(im, "detach") else im, float) for im in images]
    arrays = [a.reshape(28, 28) if a.size == 784 and a.ndim == 1 else a for a in arrays]
    titles = [str(t) for t in titles] if titles is not None else None
    if not arrays:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.set_title(title)
        show(fig, f"{title}: no {what} to show.")
        return
    ncols = max(1, min(ncols, len(arrays)))
    nrows = -(-len(arrays) // ncols)
    values = np.concatenate([a.ravel() for a in arrays])
    finite_values = values[np.isfinite(values)]
    top = float(np.abs(finite_values).max()) if finite_values.size else 1.0
    lo, hi = (-top, top) if symmetric else (finite_values.min(), finite_values.max())
    if hi <= lo:  # every value the same: still a scale
        lo, hi = lo - 1, hi + 1
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * size + (1.2 if colorbar else 0), nrows * size * 1.25 + 0.6),
        squeeze=False,
    )
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(arrays):
            shown = ax.imshow(arrays[i], cmap=MATRIX_CMAP, vmin=lo, vmax=hi)
            if titles:
                ax.set_title(titles[i])
    if colorbar:
        fig.colorbar(shown, ax=axes.ravel().tolist(), label=colorbar, shrink=0.8)
    fig.suptitle(title)
    h, w = arrays[0].shape[-2:]
    top = int(
        np.argmax([np.abs(a[np.isfinite(a)]).mean() if np.isfinite(a).any() else 0 for a in arrays])
    )
    named = f", titled: {', '.join(titles)}" if titles else ""
    gone = int((~np.isfinite(values)).sum())
    alt = (
        f"{title}: {len(arrays)} {what if len(arrays) > 1 else what.rstrip('s')} of {h} by {w} "
        f"in {nrows} rows of {ncols}{named}; "
        f"values from {fmt(finite_values.min()) if finite_values.size else 'none'} to "
        f"{fmt(finite_values.max()) if finite_values.size else 'none'}, colour from dark blue "
        f"(low) to yellow (high)"
        + (
            f"; the largest on average in {titles[top] if titles else f'panel {top + 1}'}"
            if strongest
            else ""
        )
        + (f"; {gone} NaN or infinite values left blank" if gone else "")
        + "."
    )
    show(fig, alt)


def show_digits(images, labels=None, nrows=3, ncols=8, size=1.1):
    """A grid of the first ``nrows * ncols`` images (flat 784 or 28x28), titled by label.

    Ink is drawn black on white (``gray_r``): the picture of a digit on paper, 21:1 between
    full ink and background; the pixel values are not read off, so no colour bar."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.2))
    titles, shown = [], min(nrows * ncols, len(images))  # fewer images: the rest left blank
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i >= shown:
            continue
        ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        if labels is not None:  # digits, or any text (e.g. "7 (2)")
            titles.append(labels[i] if isinstance(labels[i], str) else str(int(labels[i])))
            ax.set_title(titles[-1])
    fig.tight_layout()
    alt = f"{shown} handwritten digits in {nrows} rows of {ncols}"
    if not shown:
        alt = "No digits to show: the images given are empty"
    show(
        fig,
        alt
        + (f", titled: {', '.join(titles)}." if titles else "." if not shown else ", untitled."),
    )


def plot_history(history, ax=None, smooth=50, epochs=None, title=None):
    """Training loss per step (raw and smoothed) and validation loss after each epoch, against
    epochs counted from 1: the end of the first epoch is at 1, where "after epoch 1" is drawn.

    ``epochs``: how many epochs the training losses span, if not one per validation loss
    (e.g. a validation loss logged only after the last of 2 epochs). Given ``ax``, it draws
    there and returns the alt text, for the caller's ``show``. ``title``: what to see, drawn
    above the chart and put first in the alt text.
    """
    train = np.asarray(history["train_loss"], dtype=float)
    valid = history["valid_loss"]
    gone = int((~np.isfinite(train)).sum())  # NaN or infinite losses: drawn as gaps, said
    epochs = epochs or max(len(valid), 1)
    standalone = ax is None
    ax = ax or plt.subplots(figsize=(8, 3.4))[1]
    at = np.arange(1, len(train) + 1) * epochs / max(len(train), 1)  # where each step ends
    ax.plot(at, train, color=PALETTE[0], ls="-", alpha=0.3, lw=0.8)  # context: the noise
    if len(train) >= smooth and not gone:
        kernel = np.ones(smooth) / smooth
        shown, what = np.convolve(train, kernel, "valid"), f"train loss ({smooth}-step mean)"
        ax.plot(at[smooth - 1 :], shown, color=PALETTE[0], ls="-", label=what)
    else:
        shown, what = train, "train loss"
    after = np.arange(epochs - len(valid) + 1, epochs + 1)  # the last len(valid) epochs
    ax.plot(after, valid, "o--", color=PALETTE[1], ms=7, label="validation loss")
    ax.set(xlabel="epoch", ylabel="cross-entropy loss", xlim=(0, epochs), xticks=range(epochs + 1))
    ax.legend()
    if title:
        ax.set_title(title)
    kept, raw = shown[np.isfinite(shown)], train[np.isfinite(train)]
    trained = (
        f"{what}, solid, over {len(train)} steps: from {fmt(kept[0])} to {fmt(kept[-1])}"
        f" (lowest {fmt(kept.min())})"
        if len(kept)
        else f"{what}: nothing to draw, {len(train)} steps"
    ) + (f", {gone} NaN or infinite values not drawn" if gone else "")
    each = (  # the faint line, when the solid one is its mean; its first step only, which no
        # training has moved (a last step's loss is one batch's, and moves with the CPU's bits)
        [f"each step's loss, faint, around it: {fmt(raw[0])} at the first step;"]
        if shown is not train and len(raw)
        else []
    )
    dots = "one dot" if len(valid) == 1 else "dashed with dots"
    alt = "\n".join(
        [f"{title}."] * bool(title)
        + [f"Line chart of cross-entropy loss against epoch, 0 to {epochs}:", f"{trained};"]
        + each
        + [
            f"validation loss, {dots}, after epoch {', '.join(map(str, after))}: "
            f"{', '.join(fmt(v) for v in valid)}."
            if len(valid)
            else "no validation loss yet."
        ]
    )
    if not standalone:
        return alt
    show(ax.figure, alt)


def plot_logged_histograms(records, key):
    """Histograms that ``wandb.watch`` logged (``key`` e.g. "gradients/weight"), side by side."""
    fig, axes = plt.subplots(  # one x scale: widths compare by eye
        1, len(records), figsize=(4 * len(records), 2.9), squeeze=False, sharex=True
    )
    what = key.split("/")[0][:-1]  # "gradient"
    lines = [f"Histograms of the logged {key}, one per step, side by side:"]
    for ax, rec in zip(axes[0], records):
        bins, values = np.asarray(rec[f"{key}.bins"]), np.asarray(rec[f"{key}.values"])
        ax.bar(bins[:-1], values, width=np.diff(bins), align="edge", color=PALETTE[0])
        ax.set(title=f"step {rec['_step']}", xlabel=what + " value", ylabel="count")
        top = int(np.argmax(values))
        lines.append(
            f"step {rec['_step']}: {int(values.sum())} values in {len(values)} bins from "
            f"{fmt(bins[0])} to {fmt(bins[-1])}; the tallest bin, {fmt(bins[top])} to "
            f"{fmt(bins[top + 1])}, holds {int(values[top])};"
        )
    fig.tight_layout()
    lines[-1] = lines[-1][:-1] + "."
    show(fig, "\n".join(lines))


def plot_confusion(preds, targets, classes=10):
    """How often each true digit (row) was predicted as each digit (column). The diagonal (the
    right answers) is left blank, so that the colour scale and the eye go to the mistakes
    (its total is in the alt text); every other cell that is not 0 has its count in it. The
    alt text names the three most frequent mistakes, and any tied with the third."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (np.asarray(targets, dtype=int), np.asarray(preds, dtype=int)), 1)
    mistakes = np.ma.masked_array(counts, mask=np.eye(classes, dtype=bool))
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    cmap = plt.get_cmap(MATRIX_CMAP).with_extremes(bad="white")
    image = ax.imshow(mistakes, cmap=cmap, vmin=0)
    fig.colorbar(image, ax=ax, label="times, off the diagonal")
    for (t, p), n in np.ndenumerate(counts):
        if n and t != p:  # dark text on light cells, light on dark: 4.5:1 or more either way
            light = image.norm(n) < 0.55
            ax.text(
                p, t, n, ha="center", va="center", fontsize=11, color="white" if light else "black"
            )
    ax.set(xticks=range(classes), yticks=range(classes), xlabel="predicted", ylabel="true")
    fig.tight_layout()
    total, right = int(counts.sum()), int(np.trace(counts))
    off = [(int(n), t, p) for (t, p), n in np.ndenumerate(counts) if t != p and n]
    ranked = sorted(off, key=lambda c: (-c[0], c[1], c[2]))
    worst = [c for c in ranked if c[0] >= ranked[min(2, len(ranked) - 1)][0]] if off else []
    show(
        fig,
        "\n".join(
            [
                f"Confusion matrix of {total} digits, true digit (rows) by predicted (columns):",
                f"read correctly (the diagonal): {right} of {total};",
                "most frequent mistakes, true as predicted: "
                + ", ".join(
                    f"{t} as {p}: {n} times" if n > 1 else f"{t} as {p}: once" for n, t, p in worst
                )
                + ".",
            ]
        ),
    )


def plot_time_split(split, device_type, steps=50):
    """Notebook 10's split of a profiled window: for each data path, milliseconds getting
    batches (hatched) then in training steps (plain), stacked; hatching as well as colour
    tells them apart. ``split``: {path name: (data seconds, step seconds)}, per window of
    ``steps``."""
    fig, ax = plt.subplots(figsize=(8, 2.4))
    names = list(split)
    data = [split[name][0] * 1e3 for name in names]
    step = [split[name][1] * 1e3 for name in names]
    ax.barh(names, data, color=PALETTE[1], hatch="//", label="get batch")
    ax.barh(names, step, left=data, color=PALETTE[0], label="train step")
    unit = f"ms per {steps} steps on {device_type}"
    ax.set(xlabel=unit)
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))  # beside the bars, never over them
    slow = [name for name, (d, s) in split.items() if d > s]  # getting batches took longer
    title = (
        f"On {device_type}, getting batches takes longer than training on the "
        f"{' and '.join(slow)} path"
        if slow
        else f"On {device_type}, the training steps take most of the time on every path"
    )
    if not split:
        title = f"On {device_type}, nothing was measured: no path to draw"
    ax.set_title(title, loc="left", fontsize="medium")
    fig.tight_layout()
    bars = "; ".join(f"{name}: {d * 1e3:.0f} + {s * 1e3:.0f}" for name, (d, s) in split.items())
    show(fig, f"{title}. Stacked bars, {unit}, get batch (hatched) then train step: {bars}")


def _graph_alt(tensor, params) -> str:
    """What the autograd graph shows, walked from ``tensor.grad_fn`` as torchviz draws it:
    each operation with the inputs it was computed from (a graph may branch and join)."""
    names = {id(p): name for name, p in params.items()}

    def label(fn):
        if hasattr(fn, "variable"):  # AccumulateGrad: where a parameter's gradient lands
            v = fn.variable
            return f"{names.get(id(v), 'a tensor')} {tuple(v.shape)}"
        return type(fn).__name__

    steps, leaves, seen, todo = [], [], set(), [tensor.grad_fn]
    while todo:
        fn = todo.pop(0)
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        if hasattr(fn, "variable"):
            leaves.append(label(fn))
            continue
        inputs = [f for f, _ in fn.next_functions]  # in argument order; None: no grad needed
        parts = [label(f) if f else "an untracked tensor (not drawn)" for f in inputs]
        steps.append(f"{label(fn)} of {' and '.join(parts)}")
        todo += [f for f in inputs if f]
    return (
        f"Autograd graph, drawn top to bottom: the parameters {' and '.join(leaves)} at the "
        f"top, the result, of shape {tuple(tensor.shape)}, at the bottom. From the result up, "
        f"each operation and what it was computed from: {'; '.join(steps)}."
    )


def autograd_graph(tensor, params):
    """torchviz's drawing of how ``tensor`` was computed, as a PNG (shown by every notebook
    viewer and deck, trusted or not), top to bottom so its labels stay legible on a slide, with
    alt text naming its operations and parameters.

    Needs the torchviz package and Graphviz's ``dot`` program; without either, it says in one
    line how to install it and returns None, so the notebook runs on.
    """
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
        return Picture(graph.pipe(format="png"), _graph_alt(tensor, params))
    except graphviz.ExecutableNotFound:
        print(
            "(The graph needs Graphviz's `dot`: apt-get install graphviz, brew install "
            "graphviz or conda install graphviz, then re-run this cell.)"
        )
        return None
