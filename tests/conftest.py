import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
sys.path.insert(0, str(ROOT))

# Tests never reach the network and never use a real W&B account.
os.environ["WANDB_MODE"] = "offline"
os.environ.pop("WANDB_API_KEY", None)
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture(scope="session")
def mnist():
    """The four arrays of the classic split, loaded once for the whole session."""
    from utils.data import load_mnist

    return load_mnist(progress=False)
