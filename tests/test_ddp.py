"""utils/ddp.py under torchrun: two CPU ranks end with identical weights, take the same first
steps as one process, and say how a step's time splits; started any other way it says how to
start it."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, *cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def torchrun(nproc, *args):
    return run(
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        "utils.ddp",
        *args,
    )


def step_losses(stdout):
    return {int(k): float(v) for k, v in re.findall(r"step (\d+): training loss ([\d.]+)", stdout)}


def test_two_ranks_train_and_end_with_identical_weights(tmp_path):
    out = torchrun(2, "--epochs", "2", "--limit", "2000", "--save", str(tmp_path / "model.pt"))
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "2 process(es), 32 steps per epoch of 32 per rank"  # 2000 / 64
    assert "weights identical on all 2 ranks: True (largest difference 0.0e+00)" in lines
    assert sum(line.startswith("epoch ") for line in lines) == 2  # rank 0 alone prints
    epochs = [line.split(":")[0] for line in lines if line.startswith("epoch ")]
    assert epochs == ["epoch 1", "epoch 2"]  # numbered from 1
    assert list(step_losses(out.stdout)) == [1, 10, 64]  # logged steps, and the last one
    split = re.search(
        r"a step: ([\d.]+) ms = ([\d.]+) ms arithmetic \+ ([\d.]+) ms waiting", out.stdout
    )
    assert split, out.stdout
    total, arithmetic, waiting = map(float, split.groups())
    assert abs(total - arithmetic - waiting) <= 0.02 and waiting > 0  # the parts add up
    assert re.search(r"the all-reduce alone: [\d.]+ ms \([\d,]+ numbers", out.stdout)
    assert (tmp_path / "model.pt").exists()


def test_one_and_two_processes_take_the_same_first_steps():
    """The two ranks' k-th batches make up one process's k-th batch, and DDP averages their
    gradients: the same steps, up to float32 rounding."""
    one, two = (torchrun(n, "--epochs", "1", "--limit", "2000") for n in (1, 2))
    assert one.returncode == 0 and two.returncode == 0, (one.stderr + two.stderr)[-3000:]
    first, second = step_losses(one.stdout), step_losses(two.stdout)
    assert list(first) == list(second) == [1, 10, 32]
    assert abs(first[1] - second[1]) < 1e-5 and abs(first[10] - second[10]) < 1e-5


def test_started_without_torchrun_it_says_how_to_start_it():
    out = run("-m", "utils.ddp")
    assert out.returncode != 0
    assert "not started by torchrun" in out.stderr
    assert "torchrun --standalone --nproc_per_node 2 -m utils.ddp" in out.stderr
