"""W&B: offline without a key or a reachable server (decided in seconds, never a prompt), and
the run file holds what fit returned."""

import os
import socket
import subprocess
import sys
import time

import torch.nn.functional as F
from torch import nn, optim

from utils.loaders import get_data
from utils.repro import seed_everything
from utils.tracking import fit_and_log, has_wandb_key, read_run, run_dir, wandb_mode


def test_mode_follows_the_key(monkeypatch, tmp_path):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))  # no `wandb login` either
    assert not has_wandb_key() and wandb_mode() == ("offline", "no API key")
    (tmp_path / "netrc").write_text("machine api.wandb.ai\n  login user\n  password " + "0" * 40)
    assert has_wandb_key()
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb_mode() == ("disabled", "WANDB_MODE=disabled (an API key is set)")


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(
        HOME=str(tmp_path),
        NETRC=str(tmp_path / "none"),
        WANDB_DIR=str(tmp_path),
        PYTHONPATH=str(os.path.dirname(os.path.dirname(__file__))),
        **extra,
    )
    return env


def init_in_a_fresh_process(tmp_path, **extra):
    """init_run in a new process; returns its output and how long the mode decision took
    (timed inside the process: starting Python and wandb is not the decision)."""
    code = (
        "import time\n"
        "from utils.tracking import init_run, wandb_mode\n"
        "start = time.monotonic(); wandb_mode(); seconds = time.monotonic() - start\n"
        "init_run(project='t').finish()\n"
        "print(f'decided in {seconds:.3f} s')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(tmp_path, **extra),
        cwd=tmp_path,
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    *lines, timing = out.stdout.strip().splitlines() or [""]
    out.stdout = "\n".join(lines)
    return out, float(timing.split()[2]) if timing.startswith("decided") else None


def test_no_key_goes_offline_without_waiting_for_a_prompt(tmp_path):
    out, _ = init_in_a_fresh_process(tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("W&B: no API key, so logging offline to ")
    assert "wandb sync wandb/offline-run-" in lines[0]
    assert list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_key_and_a_dead_server_fall_back_to_offline_within_5_seconds(tmp_path):
    """A presenter who once ran `wandb login`, on a stage with no network."""
    dead = f"http://127.0.0.1:{closed_port()}"
    out, seconds = init_in_a_fresh_process(tmp_path, WANDB_API_KEY="f" * 40, WANDB_BASE_URL=dead)
    assert out.returncode == 0, out.stderr
    msg = out.stdout.strip()
    assert msg.startswith(
        f"W&B: an API key is set but 127.0.0.1:{dead.rsplit(':', 1)[1]} "
        "cannot be reached, so logging offline to "
    ), msg
    assert "wandb sync" in msg and "\n" not in msg
    assert list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))
    assert seconds < 5, seconds  # the decision; wandb's own offline start comes after


def test_a_server_that_never_answers_is_given_up_quickly(monkeypatch):
    """Silence (a black-holed network) rather than a refusal: the probe's timeout decides."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections into the backlog, never replies
        monkeypatch.setenv("WANDB_API_KEY", "f" * 40)
        monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("WANDB_MODE")
        start = time.monotonic()
        mode, why = wandb_mode()
        assert time.monotonic() - start < 5
    assert mode == "offline" and "cannot be reached" in why


def test_wandb_mode_offline_with_a_key_says_the_key_is_set(monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", "f" * 40)
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert wandb_mode() == ("offline", "WANDB_MODE=offline (an API key is set)")


def test_fit_and_log_writes_what_fit_returned(tmp_path, monkeypatch, toy_data):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    seed_everything(0)
    train_dl, valid_dl = get_data(*toy_data, 32)
    model = nn.Linear(784, 10)
    history, run = fit_and_log(
        3,
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train_dl,
        valid_dl,
        config={"bs": 32},
        watch_freq=5,
    )
    assert run_dir(run).parent == tmp_path / "wandb"
    records = read_run(run_dir(run))
    assert [r["train_loss"] for r in records if "train_loss" in r] == history["train_loss"]
    assert [r["valid_loss"] for r in records if "valid_loss" in r] == history["valid_loss"]
    assert [r["valid_acc"] for r in records if "valid_acc" in r] == history["valid_acc"]
    assert [r["epoch"] for r in records if "valid_loss" in r] == [1, 2, 3]  # counted from 1
    for key in ("gradients/weight", "gradients/bias", "parameters/weight", "parameters/bias"):
        hists = [r for r in records if f"{key}.values" in r]
        assert len(hists) >= 21 // 5, key  # about one every 5 of the 21 steps
        assert sum(hists[0][f"{key}.values"]) > 0


def test_fit_and_log_finishes_the_run_when_training_fails(tmp_path, monkeypatch, toy_data):
    import pytest
    import wandb

    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    train_dl, valid_dl = get_data(*toy_data, 32)
    model = nn.Linear(28, 10)  # the wrong input size: fit raises at once
    with pytest.raises(RuntimeError, match="cannot take inputs"):
        fit_and_log(
            1, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train_dl, valid_dl
        )
    assert wandb.run is None  # finished: the next run starts clean
