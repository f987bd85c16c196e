"""Facts about the series that several places need: written here once."""

#: What the first cell of every notebook checks, to tell this package from another `utils`.
SERIES = "torch-nn-really"

#: GitHub "owner/name" of this repository. Every notebook's Colab badge and setup cell are
#: generated from it (tools/notebooks.py); tests/test_notebooks.py checks they agree.
REPO_SLUG = "torch-nn-really/torch-nn-really"
BRANCH = "main"

#: W&B project the notebooks log to.
WANDB_PROJECT = "torch-nn-really"


def colab_url(notebook_name: str) -> str:
    """Where Colab opens `notebooks/<notebook_name>` straight from GitHub."""
    return f"https://colab.research.google.com/github/{REPO_SLUG}/blob/{BRANCH}/notebooks/{notebook_name}"


def pip_url() -> str:
    """What `pip install` takes to install this repository (and so `utils`) in Colab."""
    return f"git+https://github.com/{REPO_SLUG}@{BRANCH}"
