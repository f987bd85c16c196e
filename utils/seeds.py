"""Training outcomes over seeds (notebooks 08, 09 and 11): read the files `make seeds` and
`make ablation` write.

One seed is one draw: notebooks 08 and 09 show their own run next to the spread of five seeds,
and compare models on spreads ("better on 5 of 5 seeds"), not on one draw; notebook 11 compares
its recipe with the recipe less one change the same way.
"""

import json
import platform
import statistics
from pathlib import Path

SPREAD_FILE = Path(__file__).with_name("seed_spread.json")
ABLATION_FILE = Path(__file__).with_name("recipe_ablation.json")  # notebook 11 (make ablation)

# How far one seed's validation accuracy (and loss) may move on another CPU: its kernels change
# the last bits, and SGD with momentum grows them over an epoch. Measured: one `make seeds` on
# an AVX-512 CPU moved per-seed accuracies of the one-epoch CNNs by up to 0.03 from the AVX2
# table (the build machines' notes); the table now stored (AVX-512) differs from the AVX2 one
# before it by at most 0.016. 08's loss moved about 3x as far as its accuracy under other
# kernels (0.2805-0.3195 vs 0.9026-0.9145).
CPU_TOLERANCE = {"valid_acc": 0.03, "valid_loss": 0.1}


def cpu_name() -> str:
    """This machine's CPU as the OS names it ("AMD EPYC"), else its architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # not Linux
        pass
    return platform.processor() or platform.machine()


def machine_name() -> str:
    """The CPU and the kernels torch picks on it ("AMD EPYC (AVX512)"): two machines with
    the same CPU name but different vector units are told apart."""
    import torch

    return f"{cpu_name()} ({torch.backends.cpu.get_cpu_capability()})"


def load_spread(path=SPREAD_FILE) -> dict:
    """The stored outcomes: {"runs": [{recipe, model, seed, valid_loss, valid_acc, ...}], ...}."""
    return json.loads(Path(path).read_text())


def outcomes(spread: dict, model: str, recipe: str = "series", key: str = "valid_acc") -> list:
    """One value per seed, in seed order."""
    runs = [  # `make seeds` names a run's model and recipe; `make ablation`, its variant
        r
        for r in spread["runs"]
        if r.get("model", r.get("variant")) == model and r.get("recipe", recipe) == recipe
    ]
    return [r[key] for r in sorted(runs, key=lambda r: r["seed"])]


def summary(values, digits: int = 4) -> str:
    """min – median – max, as the slides print it."""
    return " – ".join(
        f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values))
    )


def wins(a, b) -> int:
    """On how many seeds ``a`` beats ``b`` (paired by seed)."""
    return sum(x > y for x, y in zip(a, b))


def made_on(spread: dict) -> str:
    """The machine that made the table: its numbers are that CPU's, and yours may differ."""
    cpu = spread.get("cpu", "a CPU not recorded")
    return f"{cpu} ({spread['cpu_capability']}), torch {spread['torch']}"


def plot_spread(
    spread: dict,
    models: dict,
    this_run: dict | None = None,
    key="valid_acc",
    mean_of: str | None = None,
    title: str | None = None,
):
    """One dot per seed for each model (``models``: {name in the file: label}; a name is a
    model of `make seeds` or a variant of `make ablation`), and this notebook's own run as a
    ring: one draw among the others. ``mean_of`` (a name in ``models``) draws that row's mean
    over its seeds as a dashed line across all rows: the others read against it. Shown with
    alt text that gives each model's range over the seeds, this run's value and the mean."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE, fmt, show

    what = {"valid_acc": "validation accuracy", "valid_loss": "validation loss"}[key]
    fig, ax = plt.subplots(figsize=(7, 0.8 + (0.7 if len(models) < 5 else 0.45) * len(models)))
    alt = [f"Dot plot of {what}, one row per model, one dot per seed:"]
    if title:
        ax.set_title(title, loc="left")
        alt[0] = f"{' '.join(title.split())}. {alt[0]}"
    if mean_of and outcomes(spread, mean_of, key=key):  # no seeds: no mean to draw
        mean = statistics.mean(outcomes(spread, mean_of, key=key))
        ax.axvline(mean, color=PALETTE[1], ls="--", label=f"{models[mean_of]}: mean")
        alt.append(f"a dashed line at the mean of {models[mean_of]}, {fmt(mean)};")
    for row, (name, label) in enumerate(models.items()):
        values = outcomes(spread, name, key=key)
        ax.plot(
            values,
            [row] * len(values),
            "o",
            color=PALETTE[0],
            alpha=0.7,
            ls="none",
            label="a seed" if row == 0 else None,
        )
        alt.append(
            f"{label}: {len(values)} seeds from {fmt(min(values))} to {fmt(max(values))}"
            if values
            else f"{label}: no seeds in the file"
        )
        if this_run and name in this_run:
            ax.plot(
                this_run[name],
                row,
                "o",
                mfc="none",
                mec="black",
                mew=2,
                ms=14,
                ls="none",
                label="this notebook's run" if row == 0 else None,
            )
            alt[-1] += f"; this notebook's run, a ring, {fmt(this_run[name])}"
        alt[-1] += ";"
    alt[-1] = alt[-1][:-1] + "."
    ax.set_yticks(range(len(models)), list(models.values()))
    ax.set_ylim(-0.6, len(models) - 0.4)
    ax.set_xlabel(what)
    ax.legend(loc="lower left")  # full size: at 1280x720 a slide scales a tall plot down
    fig.tight_layout()
    show(fig, "\n".join(alt))  # returns nothing: a notebook shows the figure, not an Axes repr


def ablation_table(ablation: dict) -> str:
    """Notebook 11's ablation as rows: each variant's validation accuracy over the seeds
    (min – median – max), its median's difference from the full recipe's, and on how many
    seeds the full recipe did better (paired by seed: the same shuffle and seed)."""
    recipe = [r["valid_acc"] for r in sorted_runs(ablation, "recipe")]
    lines = [
        f"{'less one change (its step)':24}  {'min – median – max':^24}  median  recipe better",
    ]
    for name, what in ablation["variants"].items():
        accs = [r["valid_acc"] for r in sorted_runs(ablation, name)]
        row = f"{what:24}  {summary(accs):24}"
        if name != "recipe":
            gap = statistics.median(accs) - statistics.median(recipe)
            row += f"  {gap:+.4f}  on {wins(recipe, accs)} of {len(accs)} seeds"
        lines.append(row)
    return "\n".join(lines)


def ablation_reading(ablation: dict) -> str:
    """What the table says, computed from it: the changes every seed agrees on, and those
    that the seeds cannot tell from noise."""
    recipe = [r["valid_acc"] for r in sorted_runs(ablation, "recipe")]
    n, clear, unclear = len(recipe), [], []
    for name, what in ablation["variants"].items():
        if name != "recipe":
            k = wins(recipe, [r["valid_acc"] for r in sorted_runs(ablation, name)])
            (clear if k == n else unclear).append(f"{what}: {k} of {n}")
    lines = [f"The recipe beat it on all {n} seeds:", *(f"  {c}" for c in clear or ["none"])]
    lines += [f"Not on every seed, so {n} seeds do not show it:"]
    return "\n".join(lines + [f"  {u}" for u in unclear or ["none"]])


def sorted_runs(table: dict, variant: str) -> list:
    return sorted((r for r in table["runs"] if r["variant"] == variant), key=lambda r: r["seed"])
