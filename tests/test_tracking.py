"""W&B: offline without a key (never a prompt), and the run file holds what fit returned."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch.nn.functional as F
import wandb
from torch import nn, optim

from utils import seed_everything
from utils.tracking import fit_and_log, has_wandb_key, read_run, run_dir, wandb_mode
from utils.training import get_data

from test_training import small_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def stop_wandb_service():
    """wandb.init starts a service and exports WANDB_SERVICE; notebook kernels started later
    by nbval would inherit it and talk to a service that is gone. Tear it down after each test."""
    yield
    wandb.teardown()


def test_mode_follows_the_key(monkeypatch, tmp_path):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))  # no `wandb login` either
    assert not has_wandb_key() and wandb_mode() == "offline"
    (tmp_path / "netrc").write_text("machine api.wandb.ai\n  login user\n  password " + "0" * 40)
    assert has_wandb_key() and wandb_mode() == "online"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb_mode() == "disabled"


def test_no_key_goes_offline_without_waiting_for_a_prompt(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(HOME=str(tmp_path), NETRC=str(tmp_path / "none"), WANDB_DIR=str(tmp_path),
               PYTHONPATH=str(ROOT))
    code = "from utils.tracking import init_run; init_run(project='t').finish()"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                         capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "no API key, so logging offline" in out.stdout and "wandb sync" in out.stdout
    assert list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))


def test_fit_and_log_writes_what_fit_returned(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    seed_everything(0)
    train_dl, valid_dl = get_data(*small_data(), 32)
    model = nn.Linear(784, 10)
    history, run = fit_and_log(3, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
                               train_dl, valid_dl, config={"bs": 32}, watch_freq=5)
    assert run_dir(run).parent == tmp_path / "wandb"
    records = read_run(run_dir(run))
    assert [r["train_loss"] for r in records if "train_loss" in r] == history["train_loss"]
    assert [r["valid_loss"] for r in records if "valid_loss" in r] == history["valid_loss"]
    assert [r["valid_acc"] for r in records if "valid_acc" in r] == history["valid_acc"]
    assert [r["epoch"] for r in records if "valid_loss" in r] == [0, 1, 2]
    for key in ("gradients/weight", "gradients/bias", "parameters/weight", "parameters/bias"):
        hists = [r for r in records if f"{key}.values" in r]
        assert len(hists) >= 21 // 5, key  # about one every 5 of the 21 steps
        assert sum(hists[0][f"{key}.values"]) > 0
