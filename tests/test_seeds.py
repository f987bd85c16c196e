"""The seed spread that notebooks 08 and 09 read is current with the code that made it, whole
(every model of every recipe, every seed, the full data), names the machine that made it, and
is what training gives: seed 0 of every row is retrained here and compared with the table."""

import pytest
import torch

from tools import seeds
from utils.seeds import CPU_TOLERANCE, load_spread, made_on, outcomes, summary, wins


def test_the_stored_spread_is_current_with_its_code():
    stored = load_spread()
    assert stored["fingerprint"] == seeds.fingerprint(), (
        "utils/seed_spread.json was made by other code: run `make seeds` and commit it"
    )


def test_the_stored_spread_is_complete():
    stored = load_spread()
    assert stored["limit"] is None  # trained on all 50,000 images, not a smoke run
    runs = {(r["recipe"], r["model"], r["seed"]) for r in stored["runs"]}
    n_seeds = len({r["seed"] for r in stored["runs"]})
    assert n_seeds >= 5
    assert runs == {
        (rc, m, s)
        for rc, (_, models) in seeds.RECIPES.items()
        for m in models
        for s in range(n_seeds)
    }


def test_the_stored_spread_names_its_machine():
    stored = load_spread()
    for key in ("cpu", "cpu_capability", "torch"):
        assert stored.get(key), f"utils/seed_spread.json does not say its {key}: run `make seeds`"
    assert stored["cpu_capability"] in made_on(stored) and stored["torch"] in made_on(stored)


SAMPLE = [(recipe, name) for recipe, (_, models) in seeds.RECIPES.items() for name in models]


@pytest.fixture
def one_thread_then_back():
    """tools/seeds.py trains on one thread (as `make seeds` does): restore the worker's after."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("recipe,name", SAMPLE, ids=[f"{r}-{n}" for r, n in SAMPLE])
def test_seed_0_retrained_matches_the_table(recipe, name, one_thread_then_back):
    """The table is a measurement, not a file: retrain its seed 0 and compare, within what
    another CPU's kernels may move it (the table may come from another machine)."""
    stored = load_spread()
    row = next(
        r for r in stored["runs"] if (r["recipe"], r["model"], r["seed"]) == (recipe, name, 0)
    )
    run = seeds.one_run((recipe, name, 0, None))
    for key, tolerance in CPU_TOLERANCE.items():
        assert abs(run[key] - row[key]) <= tolerance, (
            f"{recipe} {name} seed 0: {key} {run[key]:.4f} retrained here, {row[key]:.4f} in "
            f"utils/seed_spread.json (made on {made_on(stored)}): more than {tolerance} apart. "
            "If the training code changed, run `make seeds`; if not, the table was not made by it"
        )


def test_summary_and_wins():
    assert summary([0.3, 0.1, 0.2]) == "0.1000 – 0.2000 – 0.3000"
    assert wins([0.9, 0.8, 0.7], [0.8, 0.8, 0.8]) == 1
    spread = {
        "runs": [
            {"model": "m", "recipe": "series", "seed": s, "valid_acc": a}
            for s, a in [(1, 0.5), (0, 0.4)]
        ]
    }
    assert outcomes(spread, "m") == [0.4, 0.5]  # in seed order
