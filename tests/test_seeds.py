"""The seed spread that notebooks 08 and 09 read is current with the code that made it, and
whole (every model, both recipes, every seed, the full data)."""

from tools import seeds
from utils.seeds import load_spread, outcomes, summary, wins


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
        (rc, m, s) for rc in seeds.RECIPES for m in seeds.MODELS for s in range(n_seeds)
    }


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
