# %% [markdown] slide_type="slide"
# # torch.nn, really · 12 · Many processes: DistributedDataParallel
#
# When one process is not enough: the same training, split over several, with PyTorch's own
# `torch.distributed` engine.
#
# **This notebook:** `torchrun`, the `gloo` process group, `DistributedSampler` and
# `set_epoch`, `DistributedDataParallel`, metrics reduced across ranks; when two processes pay
# and when they do not, measured; several machines; surviving a crash. *About 20 minutes.*

# %% [markdown] slide_type="subslide"
# ## Where we are

# %%
from utils.roadmap import roadmap

roadmap(12)

# %% [markdown] slide_type="slide"
# ## The idea: data parallelism
#
# - Start **N copies** of the training script, one per core or GPU: the *ranks*.
# - Each rank holds the whole model and trains on **its own shard** of every batch.
# - After `backward()`, DDP **averages the gradients** across ranks, so every rank takes the
#   same optimizer step and the copies stay identical.

# %% [markdown] slide_type="notes"
# Point at the three bullets; the rest of the notebook is each of them in code. The script
# that does it is `utils/ddp.py`; `torchrun` starts the ranks and tells each one who it is
# through environment variables (`RANK`, `WORLD_SIZE`, ...). It trains notebook 09's CNN
# (`--model cnn`) or notebook 11's recipe (`--model recipe`). A notebook cell cannot be a
# rank itself, so the notebook runs the script, as you would in a terminal.

# %% [markdown] slide_type="slide"
# ## Joining the group
#
# `gloo` runs on CPUs (and GPUs); on GPUs `nccl` is the fast choice. Started any other way than
# by torchrun, the script says how to start it.

# %%
from inspect import getsource
from utils import ddp

print(getsource(ddp.setup))

# %% [markdown] slide_type="subslide"
# ## Each rank, its shard
#
# `DistributedSampler` gives rank *r* every *N*-th example of a shuffled order (repeating a few
# if *N* does not divide the set); `set_epoch` reshuffles each epoch, the same way on every
# rank. Validation takes every *N*-th image, none repeated: each is counted once.

# %%
print(getsource(ddp.loaders).split('"""\n')[-1])

# %% [markdown] slide_type="subslide"
# ## The training loop: DDP does the rest
#
# `DDP(model)` hooks into `backward()` to all-reduce the gradients (each rank's gradients,
# divided by N, are summed over all ranks: every rank ends with the average); `loss_batch` from notebook 07 is
# unchanged. Validation sums (loss, correct, count) are added up over all ranks with
# `all_reduce`; only rank 0 prints and saves.

# %%
print(getsource(ddp.evaluate_across_ranks))

# %% [markdown] slide_type="slide"
# ## Launching: one process, then two
#
# The same command with `--nproc-per-node 1` and `2`: notebook 09's CNN, one epoch, a global
# batch of 64. Each rank uses one CPU thread. From here on each cell that launches takes
# seconds to a minute: torchrun starts fresh Python processes, and they train.

# %% [markdown] slide_type="subslide"
# A notebook cell cannot be a rank itself, so `utils.ddp.torchrun` runs the command, as a
# terminal would, and returns what rank 0 printed. The command:

# %%
from utils.ddp import command, summary, torchrun

print(" ".join(command(2, "--model", "cnn")[1:]).replace("-m torch.distributed.run", "torchrun"))

# %%
CLOCKS = ("samples/s:", "a step:", "the all-reduce alone:")  # they vary by machine and load


def lines(out):
    """What rank 0 printed, without its clocks (they come later, side by side)."""
    return "\n".join(ln for ln in out.splitlines() if not ln.startswith(CLOCKS))

# %% [markdown] slide_type="subslide"
# ## One process
#
# Rank 0 prints the global batch's training loss at a few steps, validation after the epoch,
# and whether the ranks' weights agree (its timings come later).

# %%
one = torchrun(1, "--model", "cnn")
print(lines(one))

# %% [markdown] slide_type="fragment"
# About 0.89, not 09's 0.8762: the same model, but `DistributedSampler` shuffles in another
# order, and each rank uses one thread. Another draw (09's five seeds: 0.8654–0.8934).

# %% [markdown] slide_type="subslide"
# ## Two processes; rank 0 saves the model

# %%
two = torchrun(2, "--model", "cnn", "--save", "ddp_cnn.pt")
print(lines(two))

# %% [markdown] slide_type="subslide"
# ## Did two processes take the same steps?
#
# Each rank's k-th batch is every other image of one process's k-th batch, and DDP averages
# the ranks' gradients: mathematically, the same step. The loss of each global batch:

# %%
import re

losses = [{int(k): float(v) for k, v in re.findall(r"step (\d+): training loss ([\d.]+)", out)}
          for out in (one, two)]
gaps = {k: abs(losses[0][k] - losses[1][k]) for k in losses[0]}
print("step   1 process  2 processes  difference")
for k, gap in gaps.items():
    print(f"{k:4}  {losses[0][k]:10.7f}  {losses[1][k]:11.7f}  {gap:10.1e}")
assert gaps[1] < 1e-5 and gaps[10] < 1e-5  # the same first steps, to float32 rounding
assert gaps[max(gaps)] > 1e-3  # by the last step, two different runs

# %% [markdown] slide_type="subslide"
# ## Why they drift apart
#
# The first steps agree to about 1e-7: the computer adds in another order (two halves
# of 32, then their mean), so the last bits differ. Each step builds on those, SGD with
# momentum amplifies them, and by the end of the epoch the two runs have taken different
# paths: not a different training, a different rounding.

# %% [markdown] slide_type="subslide"
# ## Did two processes learn what one did?
#
# So 1 and 2 processes differ the way one run differs on two CPUs: by rounding only. We ask
# both runs to reach 0.85 and to agree within 0.03.

# %% [markdown] slide_type="notes"
# Under four CPU settings (kernels picked with `ATEN_CPU_CAPABILITY` and `ONEDNN_MAX_CPU_ISA`),
# with 1 and 2 processes each, this epoch's accuracy ranged from 0.8865 to 0.8992 on the
# 2-core AVX2 machine.

# %%
runs = {"1 process": summary(one), "2 processes": summary(two)}
for name, s in runs.items():
    print(f"{name:12}: validation loss {s['valid_loss']:.4f}, accuracy {s['valid_acc']:.4f}")
print("ranks ended with identical weights:", "weights identical on all 2 ranks: True" in two)
accs = [s["valid_acc"] for s in runs.values()]
assert min(accs) >= 0.85 and max(accs) - min(accs) <= 0.03  # both learned, as close as rounding

# %% [markdown] slide_type="subslide"
# ## The saved model is an ordinary one
#
# Rank 0 saved `model.module.state_dict()`: the model inside the DDP wrapper. Any process can
# load it without `torch.distributed`.

# %%
import torch
import torch.nn.functional as F

from utils.loaders import WrappedDataLoader, get_data, mnist_datasets, to_images
from utils.models import mnist_cnn
from utils.training import evaluate

model = mnist_cnn()
model.load_state_dict(torch.load("ddp_cnn.pt", weights_only=True))
_, valid_dl = get_data(*mnist_datasets(), 64)
loss, acc = evaluate(model, F.cross_entropy, WrappedDataLoader(valid_dl, to_images))
print(f"reloaded: validation loss {loss:.4f}, accuracy {acc:.4f}")
assert abs(acc - summary(two)["valid_acc"]) < 1e-6  # what rank 0 reported

# %% [markdown] slide_type="subslide"
# The numbers `make run` collects:

# %%
from utils.repro import report

s1, s2 = summary(one), summary(two)
report(valid_loss_1proc=s1["valid_loss"], valid_acc_1proc=s1["valid_acc"],
       valid_loss_2proc=s2["valid_loss"], valid_acc_2proc=s2["valid_acc"])

# %% [markdown] slide_type="slide"
# ## When does it pay?
#
# Two models, 1 and 2 processes each, on this machine now: 09's CNN (the runs above), and
# notebook 11's recipe, without shifts or label smoothing, on 10,000 images (a global batch
# of 256). The figure to read is the
# **efficiency**: speed-up / processes (100 %: perfect).

# %% [markdown] slide_type="notes"
# 11's recipe here: batch norm, AdamW, one cycle, without the shifts and label smoothing.
# The shifts cost a little time per step (11's side-by-side table: 5.9 s → 6.7 s for 100
# steps on the 2-core AVX2 machine) but add nothing the ranks exchange.

# %%
recipe = {n: torchrun(n, "--model", "recipe", "--limit", "10000") for n in (1, 2)}
print("\n".join(ln for ln in recipe[2].splitlines() if ln.startswith(("2 process", "weights"))))

# %% [markdown] slide_type="subslide"
# ## Both models, side by side

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: samples/s and milliseconds vary by machine and its load.
print("model       1 process  2 processes  speed-up  efficiency  a 2-process step: arithmetic + wait")
for name, (a, b) in {"09's CNN": (one, two), "11's recipe": (recipe[1], recipe[2])}.items():
    a, b = summary(a), summary(b)
    up = b["samples_per_s"] / a["samples_per_s"]
    print(f"{name:11} {a['samples_per_s']:7,.0f}/s {b['samples_per_s']:9,.0f}/s {up:8.2f}x "
          f"{up / 2:10.0%}   {b['arithmetic_ms']:6.1f} ms + {b['wait_ms']:5.1f} ms "
          f"({b['wait_ms'] / b['step_ms']:.0%} waiting)")

# %% [markdown] slide_type="subslide"
# ## Why one pays and the other does not
#
# - **09's CNN** (3,930 weights, 32 images per rank): a few milliseconds of arithmetic a
#   step; the all-reduce and the wait are a large share.
# - **11's recipe** (113,898 weights, 128 per rank): tens of milliseconds of convolutions;
#   the wait is a small share.
#
# DDP pays when each step has real work.

# %% [markdown] slide_type="notes"
# On the 2-core machines we measured, two processes ran 0.52–1.15x as fast as one for 09's
# CNN (little or nothing gained, sometimes a loss), and 1.35–1.62x for 11's recipe (an
# efficiency of 67–81 %).

# %% [markdown] slide_type="notes"
# Read the split out loud: arithmetic vs waiting. What decides is the wait's share of a
# step, not its milliseconds. Machines differ (a CPU may also run one busy core faster than
# two); the ratio is the point, not the samples per second.

# %% [markdown] slide_type="slide"
# ## Several machines: a rendezvous
#
# On two machines, type **the same command on each**. They meet at a *rendezvous*: with
# c10d, a key-value store hosted by the torchrun on HOST. Once both joined, nodes are
# numbered in sorted order of host name; each node's processes take consecutive ranks.
#
# ```
# torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d \
#          --rdzv-endpoint HOST:29400 --rdzv-id mnist -m utils.ddp
# ```

# %% [markdown] slide_type="notes"
# `--node-rank` and `--master-addr` belong to the older *static* rendezvous. Sources, in
# torch 2.13: `_matches_machine_hostname` (c10d_rendezvous_backend.py) decides who hosts the
# store; `_mark_rendezvous_complete` (dynamic_rendezvous.py) ranks `sorted(participants)`,
# each a (host name, process id, counter).

# %% [markdown] slide_type="subslide"
# ## On two real machines: the checklist
#
# - The same code, data and torch version on both; `utils` importable (`pip install` it).
# - Both started within 600 s of each other (the rendezvous' join timeout).
# - HOST's port 29400 open to the other; rank 0's machine also serves a random port, and gloo
#   connects on more: allow TCP between the two machines.

# %% [markdown] slide_type="subslide"
# ## On two real machines: the command
#
# ```
# OMP_NUM_THREADS=1 GLOO_SOCKET_IFNAME=eth0 \
#   torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d \
#   --rdzv-endpoint HOST:29400 --rdzv-id mnist -m utils.ddp --model cnn
# ```
#
# `GLOO_SOCKET_IFNAME` names the network interface (see `ip addr`) when the host name
# resolves to a loopback address such as 127.0.1.1, as on many Debian systems.

# %% [markdown] slide_type="notes"
# `OMP_NUM_THREADS=1`: one thread per rank, as `utils.ddp.torchrun` sets it here. Add
# `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1` with `--max-restarts` (see "Surviving a crash"), and
# `--local-addr` if a machine's own name does not resolve to the address the other can reach.

# %% [markdown] slide_type="subslide"
# ## Two "nodes" on this machine
#
# Two torchrun launches side by side, one process each, meeting at `127.0.0.1`. No launcher
# of our own: torchrun and `torch.distributed` do the work.

# %%
import socket

with socket.socket() as free:  # a port no one uses
    free.bind(("127.0.0.1", 0))
    endpoint = f"127.0.0.1:{free.getsockname()[1]}"
from utils.ddp import torchrun_nodes

nodes = torchrun_nodes(2, "--model", "cnn", "--limit", "4000", endpoint=endpoint)
talker = next(out for out in nodes if out)  # whichever node holds rank 0
print(f"{sum(map(bool, nodes))} of 2 nodes printed (rank 0's):")
print("\n".join(ln for ln in talker.splitlines() if ln.startswith(("2 process", "weights"))))

# %% [markdown] slide_type="subslide"
# ## Under a cluster scheduler
#
# - **SLURM**: one task per node, e.g. `srun --nodes 2 --ntasks-per-node 1 torchrun
#   --nnodes 2 --nproc-per-node 8 --rdzv-backend c10d --rdzv-endpoint $HEAD:29400
#   --rdzv-id $SLURM_JOB_ID -m utils.ddp`, `HEAD`: the first host.
# - **Kubernetes**: Kubeflow's `PyTorchJob` creates the pods and tells each where the others
#   are.
# - **GPUs**: `init_process_group("nccl")`, a device per rank.

# %% [markdown] slide_type="notes"
# Under `PyTorchJob` your container's command runs torchrun or the script.
# SLURM: `HEAD=$(scontrol show hostnames $SLURM_JOB_NODELIST | head -n 1)`. PyTorchJob (the
# Kubeflow Training Operator, v1) sets `MASTER_ADDR`, `MASTER_PORT`, `WORLD_SIZE` and `RANK`
# in each pod; with an elastic policy it sets torchrun's own settings (`PET_NNODES`,
# `PET_RDZV_ENDPOINT`, ...) instead. GPUs: `torch.cuda.set_device(local_rank)`.
#
# [torchrun](https://pytorch.org/docs/stable/elastic/run.html) ·
# [SLURM `srun`](https://slurm.schedmd.com/srun.html) ·
# [PyTorchJob](https://www.kubeflow.org/docs/components/trainer/legacy-v1/user-guides/pytorch/)

# %% [markdown] slide_type="slide"
# ## Surviving a crash
#
# With many machines, one of them failing is a matter of time. The recipe:
#
# - **Checkpoint** every few steps: model, optimizer, scheduler, step; on several machines,
#   to storage they all read.
# - **Restart**: `torchrun --max-restarts 1` restarts *every* rank when one dies.
# - **Resume**: the script loads the checkpoint and carries on from its step.

# %% [markdown] slide_type="notes"
# `utils.ddp.torchrun` also sets `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1`. Without it, the
# restarted ranks share torchrun's store with the dead ones and can find their addresses
# there (pytorch/pytorch#135712): the restart then fails to connect.

# %% [markdown] slide_type="subslide"
# ## A checkpoint is written whole, or not at all
#
# Rank 0 writes a temporary file, then renames it over the old one. A crash mid-write leaves
# the old one whole, so a half-written checkpoint is never loaded.

# %%
print(getsource(ddp.save_checkpoint).split('"""\n')[-1])

# %% [markdown] slide_type="subslide"
# ## A fault, on purpose
#
# 11's recipe, two epochs of 20 steps, a checkpoint every 5 steps. `--fail-at-step 27` makes
# rank 1 die at step 27 (first attempt only). Then the same run without a fault, to compare.

# %%
from pathlib import Path

args = ["--model", "recipe", "--limit", "5120", "--epochs", "2", "--checkpoint-every", "5"]
Path("ddp_checkpoint.pt").unlink(missing_ok=True)  # start from scratch
crashed = torchrun(2, *args, "--checkpoint", "ddp_checkpoint.pt", "--fail-at-step", "27",
                   max_restarts=1)
plain = torchrun(2, *args)
print(next(ln for ln in crashed.splitlines() if "resumed" in ln))

# %% [markdown] slide_type="subslide"
# ## Did the interrupted run end where the uninterrupted one did?

# %%
runs = {"uninterrupted": summary(plain), "interrupted": summary(crashed)}
for name, s in runs.items():
    print(f"{name:13}: validation loss {s['valid_loss']:.4f}, accuracy {s['valid_acc']:.4f}")
keys = ("last_train_loss", "valid_loss", "valid_acc")  # step 40's loss: 7 digits printed
same = all(runs["uninterrupted"][k] == runs["interrupted"][k] for k in keys)
print("the same last training loss, validation loss and accuracy:", same)
assert same and runs["interrupted"]["resumed_at"] == 25

# %% [markdown] slide_type="subslide"
# ## Why exactly the same
#
# The checkpoint holds everything a step depends on: weights, batch-norm statistics, AdamW's
# moments, the schedule's position. The sampler's shuffle follows from the seed and the epoch,
# and the resumed run skips the 5 batches of epoch 2 already trained on. So steps 26 to 40
# repeat the uninterrupted run's arithmetic, and end with the same numbers.

# %% [markdown] slide_type="notes"
# 11's random shifts would also need the random generator's state in the checkpoint.

# %% [markdown] slide_type="slide"
# ## Where to go from here
#
# - When the model no longer fits one device: FSDP shards parameters, gradients and optimizer
#   state across ranks. Lightning's `Trainer` wraps all of this; Hugging Face Accelerate
#   wraps the same pieces around a loop you keep writing yourself.
# - `torch.distributed.checkpoint` saves and loads sharded models in parallel.
#
# **Read more:** [`DistributedSampler`](https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler) ·
# [DDP tutorial](https://pytorch.org/tutorials/intermediate/ddp_tutorial.html) ·
# [`torchrun`](https://pytorch.org/docs/stable/elastic/run.html) ·
# [fault tolerance](https://pytorch.org/tutorials/beginner/ddp_series_fault_tolerance.html)
