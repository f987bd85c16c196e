"""utils/ddp.py under torchrun: two CPU ranks end with identical weights; started any other way
it says how to start it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, *cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_two_ranks_train_and_end_with_identical_weights(tmp_path):
    out = run(
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "utils.ddp",
        "--epochs",
        "2",
        "--limit",
        "2000",
        "--save",
        str(tmp_path / "model.pt"),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "2 process(es), 32 steps per epoch of 32 per rank"  # 2000 / 64
    assert "weights identical on all 2 ranks: True (largest difference 0.0e+00)" in lines
    assert sum(line.startswith("epoch ") for line in lines) == 2  # rank 0 alone prints
    assert (tmp_path / "model.pt").exists()


def test_started_without_torchrun_it_says_how_to_start_it():
    out = run("-m", "utils.ddp")
    assert out.returncode != 0
    assert "not started by torchrun" in out.stderr
    assert "torchrun --standalone --nproc_per_node 2 -m utils.ddp" in out.stderr
