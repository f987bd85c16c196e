"""Fixtures and helpers shared by the test modules (none imports another)."""

import os
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import TensorDataset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# xdist_group marks kept together under pytest 9.2 (tests/xdist_groups.py says why)
pytest_plugins = ["xdist_groups"]

# Side by side under pytest-xdist, one thread per worker: no oversubscribed cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)

# Tests never reach the network and never use a real W&B account.
os.environ["WANDB_MODE"] = "offline"
os.environ.pop("WANDB_API_KEY", None)
os.environ.setdefault("WANDB_SILENT", "true")


BROWSER_FIXTURES = {"browser", "lab_server", "live_context"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: needs Chromium (set on every test that uses a browser fixture)"
    )


def pytest_collection_modifyitems(config, items):
    """Mark the tests that open Chromium, so `make check` can leave them out (-m 'not browser')."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def mnist():
    """The four arrays of the classic split, loaded once for the whole session."""
    from utils.data import load_mnist

    return load_mnist(progress=False)


def make_toy_data(n_train=200, n_valid=70, seed=0):
    """A learnable toy problem shaped like MNIST: 784 features, 10 classes."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_valid, 784, generator=g)
    x[:, 10:] *= 0.05  # faint noise pixels, so 200 examples are enough to learn from
    y = x[:, :10].argmax(dim=1)  # the class is readable from the first ten features
    return TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:])


@pytest.fixture
def toy_data():
    """(train_ds, valid_ds) of the toy problem: 200 and 70 examples."""
    return make_toy_data()


@pytest.fixture(autouse=True)
def stop_wandb_service():
    """wandb.init starts a service and exports WANDB_SERVICE; anything started later (a
    kernel, a subprocess) would inherit it and talk to a service that is gone."""
    yield
    if "wandb" in sys.modules:
        sys.modules["wandb"].teardown()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (tools/browser.py), one per test module. Missing,
    it skips the browser tests, except under CI=true, where .ci/run must have installed it."""
    from tools import browser as chromium

    if not chromium.available():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing under CI=true: .ci/run should apt-get install it")
        pytest.skip("no Chromium here: apt-get install chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = chromium.launch(p)
        yield b
        b.close()
