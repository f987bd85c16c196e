"""Training outcomes over seeds (notebooks 08 and 09): read the file `make seeds` writes.

One seed is one draw: notebooks 08 and 09 show their own run next to the spread of five seeds,
and compare models on spreads ("better on 5 of 5 seeds"), not on one draw.
"""

import json
import statistics
from pathlib import Path

SPREAD_FILE = Path(__file__).with_name("seed_spread.json")


def load_spread(path=SPREAD_FILE) -> dict:
    """The stored outcomes: {"runs": [{recipe, model, seed, valid_loss, valid_acc, ...}], ...}."""
    return json.loads(Path(path).read_text())


def outcomes(spread: dict, model: str, recipe: str = "series", key: str = "valid_acc") -> list:
    """One value per seed, in seed order."""
    runs = [r for r in spread["runs"] if r["model"] == model and r["recipe"] == recipe]
    return [r[key] for r in sorted(runs, key=lambda r: r["seed"])]


def summary(values, digits: int = 4) -> str:
    """min – median – max, as the slides print it."""
    return " – ".join(
        f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def wins(a, b) -> int:
    """On how many seeds ``a`` beats ``b`` (paired by seed)."""
    return sum(x > y for x, y in zip(a, b))


def plot_spread(spread: dict, models: dict, this_run: dict | None = None, key="valid_acc"):
    """One dot per seed for each model (``models``: {name in the file: label}), and this
    notebook's own run as a ring: one draw among the others."""
    import matplotlib.pyplot as plt

    from . import plots  # noqa: F401  (the slide style)

    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.7 * len(models)))
    for row, name in enumerate(models):
        values = outcomes(spread, name, key=key)
        ax.plot(values, [row] * len(values), "o", alpha=0.6, label="a seed" if row == 0 else None)
        if this_run and name in this_run:
            ax.plot(
                this_run[name],
                row,
                "o",
                mfc="none",
                mec="k",
                ms=14,
                label="this notebook's run" if row == 0 else None,
            )
    ax.set_yticks(range(len(models)), list(models.values()))
    ax.set_ylim(-0.6, len(models) - 0.4)
    ax.set_xlabel({"valid_acc": "validation accuracy", "valid_loss": "validation loss"}[key])
    ax.legend(loc="lower left", fontsize="small")
    fig.tight_layout()  # returns nothing: a notebook shows the figure, not an Axes repr
