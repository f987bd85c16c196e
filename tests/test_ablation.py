"""Notebook 11's ablation table (utils/recipe_ablation.json) is current with the code that made
it, whole (every variant, every seed, all the data), names its machine, holds the run notebook
11 shows as seed 0 of the recipe, and is what training gives (one variant retrained here)."""

import json
import re
from pathlib import Path

import pytest
import torch
from nbval_numbers import TRAINING_OUTCOMES

from tools import ablation
from utils.seeds import (
    ABLATION_FILE,
    CPU_TOLERANCE,
    ablation_reading,
    ablation_table,
    load_spread,
    made_on,
)

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "11_going_further.ipynb"
FINAL = r"^after epoch 3: validation accuracy"  # 11's final run, as its stored output says


def test_the_stored_ablation_is_current_with_its_code():
    assert load_spread(ABLATION_FILE)["fingerprint"] == ablation.fingerprint(), (
        "utils/recipe_ablation.json was made by other code: run `make ablation` and commit it"
    )


def test_the_stored_ablation_is_complete_and_names_its_machine():
    stored = load_spread(ABLATION_FILE)
    assert stored["limit"] is None  # all 50,000 images, not a smoke run
    n_seeds = len({r["seed"] for r in stored["runs"]})
    assert n_seeds >= 5
    runs = {(r["variant"], r["seed"]) for r in stored["runs"]}
    assert runs == {(v, s) for v in ablation.VARIANTS for s in range(n_seeds)}
    assert list(stored["variants"]) == list(ablation.VARIANTS)
    for key in ("cpu", "cpu_capability", "torch", "cores"):
        assert stored.get(key), f"utils/recipe_ablation.json does not say its {key}"
    assert stored["cpu_capability"] in made_on(stored)


def stored_final_accuracy() -> float:
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", "")).splitlines():
                if re.match(FINAL, line):
                    return float(line.split()[-1])
    raise AssertionError(f"notebook 11 has no stored line matching {FINAL!r}")


def test_seed_0_of_the_recipe_is_notebook_11s_run():
    """Two stored claims about one training: the table's seed 0 and 11's output. They may come
    from different machines, so they must agree within what nbval allows that line."""
    (rule,) = [o for o in TRAINING_OUTCOMES if o.notebook == "11" and o.line == FINAL]
    row = next(
        r for r in load_spread(ABLATION_FILE)["runs"] if (r["variant"], r["seed"]) == ("recipe", 0)
    )
    stored = stored_final_accuracy()
    assert abs(row["valid_acc"] - stored) <= rule.tol[0], (
        f"utils/recipe_ablation.json's seed 0 of the recipe: {row['valid_acc']:.4f}; notebook 11's "
        f"final run: {stored:.4f}. Rebuild both on one machine: make notebooks NB=11, make ablation"
    )


@pytest.fixture
def threads_back():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.timeout(300)
def test_a_variant_retrained_matches_the_table(threads_back, monkeypatch):
    """The table is a measurement: retrain its cheapest row's seed 0 (09's CNN in the recipe)
    and compare, within what another CPU's kernels may move it. On one thread: `make test`
    runs another test beside this one, and another thread count is just another CPU."""
    stored = load_spread(ABLATION_FILE)
    row = next(r for r in stored["runs"] if (r["variant"], r["seed"]) == ("cnn09", 0))
    monkeypatch.setattr(ablation, "cores", lambda: 1)
    run = ablation.one_run("cnn09", 0)
    for key, tolerance in CPU_TOLERANCE.items():
        assert abs(run[key] - row[key]) <= tolerance, (
            f"cnn09 seed 0: {key} {run[key]:.4f} here, {row[key]:.4f} in the table (made on "
            f"{made_on(stored)}). If the training code changed, run `make ablation`"
        )


def test_the_reading_follows_the_table():
    table = {
        "variants": {"recipe": "the recipe", "a": "without a", "b": "without b"},
        "runs": [
            {"variant": v, "seed": s, "valid_acc": acc}
            for v, accs in {
                "recipe": [0.99, 0.98, 0.97],
                "a": [0.9, 0.9, 0.9],
                "b": [0.995, 0.97, 0.96],
            }.items()  # fmt: skip
            for s, acc in enumerate(accs)
        ],
    }
    assert ablation_reading(table).splitlines() == [
        "The recipe beat it on all 3 seeds:",
        "  without a: 3 of 3",
        "Not on every seed, so 3 seeds do not show it:",
        "  without b: 2 of 3",
    ]
    rows = ablation_table(table).splitlines()
    assert rows[2].split()[-6:] == ["-0.0800", "on", "3", "of", "3", "seeds"]
    assert "0.9600 – 0.9700 – 0.9950" in rows[3] and rows[3].split()[-6] == "-0.0100"
