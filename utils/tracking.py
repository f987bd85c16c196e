"""Weights & Biases logging that never blocks: online with a key, offline without one.

Notebooks 06-07 teach ``wandb.init`` / ``wandb.log`` / ``wandb.watch``; these helpers keep
the same calls and add the one decision a tutorial needs: where the run goes.
"""

from __future__ import annotations

import json
import netrc
import os
import subprocess
import sys
from pathlib import Path

import wandb

from .meta import WANDB_PROJECT
from .training import fit


def has_wandb_key() -> bool:
    """True if W&B can log in without asking: WANDB_API_KEY, or ``wandb login`` done here."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    host = os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai").split("//")[-1].split("/")[0]
    try:
        return netrc.netrc(os.environ.get("NETRC")).authenticators(host) is not None
    except (OSError, netrc.NetrcParseError):
        return False


def wandb_mode() -> str:
    """``$WANDB_MODE`` if set, else "online" with a key and "offline" without (never a prompt)."""
    return os.environ.get("WANDB_MODE") or ("online" if has_wandb_key() else "offline")


def run_dir(run) -> Path:
    """The folder that holds one run's files (what ``wandb sync`` takes)."""
    return Path(run.dir).parent


def init_run(project: str = WANDB_PROJECT, config: dict | None = None, **kwargs):
    """``wandb.init`` that picks online/offline by itself and says what it chose in one line."""
    if os.environ.get("WANDB_MODE") == "":  # set but empty: wandb.init would reject it
        del os.environ["WANDB_MODE"]
    mode = wandb_mode()
    run = wandb.init(project=project, config=config, mode=mode,
                     dir=os.environ.get("WANDB_DIR", "."),
                     settings=wandb.Settings(silent=True, save_code=False), **kwargs)
    if mode == "offline":
        where = os.path.relpath(run_dir(run))
        print(f"W&B: no API key, so logging offline to {where}\n"
              f"     upload it later with: wandb sync {where}")
    elif mode == "online":
        print(f"W&B: logging online to {run.url}")
    return run


def log_dict(metrics: dict) -> None:
    """The logging callback: hand a dict of metrics straight to W&B."""
    wandb.log(metrics)


def fit_and_log(epochs, model, loss_func, opt, train_dl, valid_dl, *, config=None,
                project: str = WANDB_PROJECT, watch_freq: int = 100, **init_kwargs):
    """``fit`` with W&B wired in: init, watch the model, log through the hooks, finish.

    Returns ``(history, run)``; ``run_dir(run)`` is where an offline run lies.
    """
    run = init_run(project, config=config, **init_kwargs)
    try:
        wandb.watch(model, log="all", log_freq=watch_freq)
        history = fit(epochs, model, loss_func, opt, train_dl, valid_dl,
                      on_train_step=log_dict, on_val_epoch_end=log_dict)
    finally:
        run.finish()
    return history, run


def read_run(path) -> list[dict]:
    """The history records of an offline run, read back with ``wandb leet inspect``."""
    wandb_cli = Path(sys.executable).with_name("wandb")
    cmd = [str(wandb_cli) if wandb_cli.exists() else "wandb", "leet", "inspect", "--json",
           str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    records = (json.loads(line) for line in out.splitlines() if line.strip())
    return [r["history"]["item"] for r in records if r.get("type") == "history"]
