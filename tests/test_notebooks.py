"""Every notebook is a slide deck, opens in Colab, was executed cleanly, and matches its source."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from tools.notebooks import SOURCES, assemble
from utils.meta import REPO_SLUG, colab_url, pip_url
from utils.roadmap import STEPS

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
SECRETS = re.compile(r"(WANDB_API_KEY|api_key)\W+[0-9a-f]{40}|/root/|/home/\w+|/Users/\w+|/tmp/")


def load(path):
    return nbformat.read(path, as_version=4)


def test_the_series_is_complete_and_numbered():
    assert [p.stem for p in NOTEBOOKS] == [name for name, _ in STEPS][: len(NOTEBOOKS)]
    assert sorted(p.stem for p in SOURCES.glob("*.py")) == [p.stem for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb_path(request):
    return request.param


def test_every_cell_has_a_slide_type_and_a_title_slide_comes_first(nb_path):
    nb = load(nb_path)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert all(t in SLIDE_TYPES for t in types), types
    shown = [(t, c) for t, c in zip(types, nb.cells) if t != "skip"]
    first_type, first = shown[0]
    assert first_type == "slide" and first.cell_type == "markdown"
    assert first.source.startswith(f"# torch.nn, really · {nb_path.stem[:2]} ·")


def test_colab_badge_and_setup_cell_use_the_one_repo_slug(nb_path):
    badge, setup = load(nb_path).cells[:2]
    assert f"({colab_url(nb_path.name)})" in badge.source
    assert REPO_SLUG in badge.source and "colab.research.google.com" in badge.source
    assert setup.cell_type == "code" and '"google.colab" in sys.modules' in setup.source
    assert pip_url() in setup.source
    assert setup.outputs == []  # outside Colab it does nothing


def test_executed_once_in_order_without_errors_or_warnings(nb_path):
    code = [c for c in load(nb_path).cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for i, cell in enumerate(code, 1):
        for out in cell.outputs:
            assert out.output_type != "error", f"cell {i}: {out.get('ename')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), \
                f"cell {i} wrote to stderr: {out.text[:200]}"


def test_no_keys_or_personal_paths_in_outputs(nb_path):
    text = json.dumps([c.get("outputs", []) for c in load(nb_path).cells])
    assert not SECRETS.search(text), SECRETS.search(text)


def test_committed_notebook_matches_its_source(nb_path):
    """Edit notebooks/src/*.py, then `make notebooks`: the two never drift apart."""
    built = assemble(SOURCES / f"{nb_path.stem}.py")
    committed = load(nb_path)
    assert [(c.cell_type, c.source, c.metadata.get("slideshow")) for c in committed.cells] == \
           [(c.cell_type, c.source, c.metadata.get("slideshow")) for c in built.cells]
