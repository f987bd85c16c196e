"""utils/ddp.py under torchrun: two CPU ranks end with identical weights, take the same first
steps as one process, count each validation example once when the split is uneven, run as two
"nodes", survive a rank that dies, and never load a half-written checkpoint; `weights_agree`
notices weights that differ; started any other way it says how to start it."""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from utils import ddp, ddp_launch, ddp_probes

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("ddp")  # one worker: the launches share the 2 cores


def torchrun(nproc, *args, **kwargs):
    return ddp_launch.torchrun(nproc, *args, timeout=600, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_train_and_end_with_identical_weights(tmp_path):
    out = torchrun(2, "--epochs", "2", "--limit", "2000", "--save", str(tmp_path / "model.pt"))
    lines = out.splitlines()
    assert lines[0] == "2 process(es), 32 steps per epoch of 32 per rank"  # 2000 / 64
    assert "weights identical on all 2 ranks: True (largest difference 0.0e+00)" in lines
    epochs = [line.split(":")[0] for line in lines if line.startswith("epoch ")]
    assert epochs == ["epoch 1", "epoch 2"]  # rank 0 alone prints, numbered from 1
    assert list(ddp_launch.step_losses(out)) == [1, 10, 64]  # logged steps, and the last one
    s = ddp_launch.summary(out)
    assert s["images"] == 400 and s["wait_ms"] > 0  # the hook timed the all-reduce
    assert re.search(r"the all-reduce alone: [\d.]+ ms \([\d,]+ numbers", out)
    saved = torch.load(tmp_path / "model.pt", weights_only=True)
    assert set(saved) == set(ddp.mnist_cnn().state_dict())  # the bare model's, not DDP's


def test_one_and_two_processes_take_the_same_first_steps():
    """The two ranks' k-th batches make up one process's k-th batch, and DDP averages their
    gradients: the same steps, up to float32 rounding."""
    first, second = (ddp_launch.step_losses(torchrun(n, "--limit", "2000")) for n in (1, 2))
    assert list(first) == list(second) == [1, 10, 32]
    assert abs(first[1] - second[1]) < 1e-5 and abs(first[10] - second[10]) < 1e-5


def test_an_uneven_split_pads_training_and_counts_each_validation_image_once():
    """2005 training images over 2 ranks: DistributedSampler repeats one so that both get
    1003 (its documented padding); the 401 validation images are each counted once."""
    out = torchrun(2, "--limit", "2005")
    assert out.splitlines()[0] == (
        "2 process(es), 32 steps per epoch of 32 per rank "
        "(1 example(s) repeated so that the ranks get equal shares)"
    )
    assert ddp_launch.summary(out)["images"] == 401


def _perturbed_rank(rank, port, perturb, gaps):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = nn.Linear(4, 3)  # the same weights on both ranks...
    if perturb and rank == 1:
        with torch.no_grad():
            model.bias[2] += 0.25  # ...but one number on one rank
    gaps[rank] = ddp_probes.weights_agree(model)
    dist.destroy_process_group()


@pytest.mark.parametrize("perturb", [False, True])
def test_weights_agree_notices_one_number_that_differs(perturb):
    with mp.Manager() as manager:
        gaps = manager.dict()
        mp.spawn(_perturbed_rank, args=(free_port(), perturb, gaps), nprocs=2)
        expected = 0.25 if perturb else 0.0
        assert gaps[0] == pytest.approx(expected) and gaps[1] == pytest.approx(expected)


def test_make_ddp_compares_both_models_with_one_and_two_processes():
    """`make ddp` on 1,280 images: a row per model with both speeds, the speed-up and the split
    (the numbers themselves vary by machine and load: only their shape is checked)."""
    out = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "ddp", "LIMIT=1280"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    speeds = r"[\d,]+ /s +[\d,]+ /s +[\d.]+x +\d+%"  # 1 and 2 processes, speed-up, efficiency
    split = r"[\d.]+ ms \+ [\d.]+ ms \(\d+% waiting\)"
    for model in ("cnn", "recipe"):
        row = rf"^{model} +{speeds} +{split}$"
        assert re.search(row, out.stdout, re.M), out.stdout


def test_two_nodes_meet_at_a_c10d_rendezvous():
    """`make ddp-nodes`: two torchrun launches, one process each, found each other through the
    rendezvous on 127.0.0.1, and trained one model."""
    out = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "ddp-nodes",
         f"RDZV_PORT={free_port()}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "2 nodes, 1 process each, c10d rendezvous at 127.0.0.1:" in out.stdout
    assert "2 process(es), 63 steps per epoch of 32 per rank" in out.stdout  # 4000 / 64
    assert "weights identical on all 2 ranks: True" in out.stdout


def test_a_rank_that_dies_is_restarted_and_resumes_from_the_checkpoint():
    """`make ddp-crash`: rank 1 dies at step 27 of 40; torchrun restarts both; they resume from
    the checkpoint of step 25 (mid-epoch: 5 batches skipped) and end exactly where the
    uninterrupted run ends."""
    out = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "ddp-crash"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "restart 1: resumed from the checkpoint of step 25" in out.stdout
    assert "the same result: True" in out.stdout


def test_the_checkpoint_of_a_finished_run_trains_nothing_and_says_so(tmp_path):
    args = ["--limit", "640", "--checkpoint", str(tmp_path / "c.pt"), "--checkpoint-every", "5"]
    first = ddp_launch.summary(torchrun(2, *args))  # 10 steps: checkpoints at 5 and 10
    again = torchrun(2, *args)
    assert "restart 0: resumed from the checkpoint of step 10" in again
    assert (
        f"holds a finished run (step 10 of 10): validation loss {first['valid_loss']:.4f}" in again
    )
    assert "delete the checkpoint to train again" in again and "samples/s" not in again


def test_without_max_restarts_the_fault_ends_the_run(tmp_path):
    """The injected fault is real: with no restarts allowed, torchrun reports the failure."""
    with pytest.raises(RuntimeError, match="fault injected: rank 1 dies at step 3"):
        torchrun(2, "--limit", "2000", "--fail-at-step", "3")


def test_a_checkpoint_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    run = {"model": "cnn"}
    ddp.save_checkpoint(path, {"run": run, "step": 10})

    def dies_mid_write(state, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # the process killed mid-write

    monkeypatch.setattr(ddp.torch, "save", dies_mid_write)
    with pytest.raises(KeyboardInterrupt):
        ddp.save_checkpoint(path, {"run": run, "step": 20})
    assert ddp.load_checkpoint(path, run)["step"] == 10  # the last whole one
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_foreign_or_broken_checkpoint_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit, match="Delete it to start from scratch"):
        ddp.load_checkpoint(path, {"model": "cnn"})
    ddp.save_checkpoint(path, {"run": {"model": "recipe"}, "step": 5})
    with pytest.raises(SystemExit, match="written by another run"):
        ddp.load_checkpoint(path, {"model": "cnn"})
    assert ddp.load_checkpoint(tmp_path / "none.pt", {"model": "cnn"}) is None


def test_started_without_torchrun_it_says_how_to_start_it():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    out = subprocess.run(
        [sys.executable, "-m", "utils.ddp"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode != 0
    assert "not started by torchrun" in out.stderr
    assert "torchrun --standalone --nproc-per-node 2 -m utils.ddp" in out.stderr


def test_a_launch_whose_port_was_taken_is_started_again(monkeypatch):
    """torchrun's free port can be taken by another process before the ranks bind it: such a
    launch (it failed before rank 0 printed anything) is retried; any other failure is not."""
    taken = subprocess.CompletedProcess([], 1, "", "DistNetworkError: ... EADDRINUSE ...")
    done = subprocess.CompletedProcess([], 0, "epoch 1: validation ...", "")
    other = subprocess.CompletedProcess([], 1, "", "RuntimeError: fault injected")
    runs = iter([[taken], [done]])
    monkeypatch.setattr(ddp_launch, "_run_together", lambda cmds, timeout: next(runs))
    assert ddp_launch.torchrun(2, "--model", "cnn") == "epoch 1: validation ..."
    runs = iter([[other], [done]])
    with pytest.raises(RuntimeError, match="fault injected"):
        ddp_launch.torchrun(2, "--model", "cnn")
    runs = iter([[taken]] * 3)
    with pytest.raises(RuntimeError, match="EADDRINUSE"):  # three times taken: it says so
        ddp_launch.torchrun(2, "--model", "cnn")
