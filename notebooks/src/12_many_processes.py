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
# - During `backward()`, DDP **averages the gradients** across ranks, so every rank takes the
#   same optimizer step and the copies stay identical.

# %% [markdown] slide_type="notes"
# Point at the three bullets; the rest of the notebook is each of them in code. The script
# that does it is `utils/ddp.py`, read next, whole; `torchrun` starts the ranks and tells each
# one who it is through environment variables (`RANK`, `WORLD_SIZE`, ...). It trains
# notebook 09's CNN (`--model cnn`) or notebook 11's recipe (`--model recipe`). A notebook
# cell cannot be a rank itself, so the notebook runs the script, as you would in a terminal.

# %% [markdown] slide_type="slide"
# ## The script, top to bottom
#
# `utils/ddp.py` is the whole training, and every rank runs all of it. We read it in 17 parts;
# the line numbers show that nothing is skipped. Part 1 says what it is and how to start it.
# The lines of `probes` and `probe` measure, or inject a fault: they train nothing.

# %%
from utils.ddp_launch import show_script  # one part of utils/ddp.py, with its line numbers

show_script(1)

# %% [markdown] slide_type="subslide"
# ## 2 · The imports: PyTorch's distributed pieces
#
# `torch.distributed` (`dist`) is the engine: the process group (the ranks, connected), and
# collectives such as `all_reduce`. `DistributedSampler` shards the data; `DDP` wraps the
# model; `record` reports a rank's crash to torchrun.

# %%
show_script(2)

# %% [markdown] slide_type="subslide"
# ## 3 · The imports: the series' own helpers
#
# `loss_batch` from notebook 07, the models of 09 and 11, the loaders of 05 and 09,
# `seed_everything` from 01. `probes` holds the clocks and the fault on purpose: they train
# nothing.

# %%
show_script(3)

# %% [markdown] slide_type="subslide"
# ## 4 · The two models
#
# `--model cnn` is 09's CNN with SGD; `--model recipe` is 11's batch-norm CNN with AdamW and
# a one-cycle schedule. `bs` is the global batch: the ranks share it.

# %%
show_script(4)

# %% [markdown] slide_type="subslide"
# ## 5 · Each rank, its shard
#
# `DistributedSampler` gives rank *r* every *N*-th example of a shuffled order, the same
# order on every rank (the same seed; repeating a few if *N* does not divide the set), in
# batches of the global batch / *N*. Validation takes every *N*-th image, none repeated: each
# is counted once.

# %%
show_script(5)

# %% [markdown] slide_type="subslide"
# ## 6 · One number, averaged over the ranks
#
# `all_reduce` is a *collective*: every rank calls it with its own tensor and gets back the
# sum over all ranks; divided by their number, the mean. A rank that skips the call leaves
# the others waiting.

# %%
show_script(6)

# %% [markdown] slide_type="subslide"
# ## 7 · A metric reduced across ranks
#
# Each rank adds up loss × images, correct answers and images over its shard; one
# `all_reduce` adds those sums over the ranks. Every rank ends with the loss and accuracy of
# the whole validation set.

# %%
show_script(7)

# %% [markdown] slide_type="subslide"
# ## 8 · A checkpoint is written whole, or not at all
#
# Rank 0 writes a temporary file, then renames it over the old one. A crash mid-write leaves
# the old one whole, so a half-written checkpoint is never loaded.

# %%
show_script(8)

# %% [markdown] slide_type="subslide"
# ## 9 · Reading a checkpoint back
#
# A checkpoint of another run (another model, batch, learning rate, epochs or data) would
# resume the wrong training: it is refused, and the error says what to do.

# %%
show_script(9)

# %% [markdown] slide_type="subslide"
# ## 10 · `main`: the command line
#
# `@record` puts a rank's exception into torchrun's failure report. The options: the model,
# epochs, global batch, learning rate, a limit for quick runs, where to save, where and how
# often to checkpoint, and a fault on purpose.

# %%
show_script(10)

# %% [markdown] slide_type="subslide"
# ## 11 · Joining the group
#
# torchrun sets `RANK`, `WORLD_SIZE` and a meeting point on rank 0's machine (`MASTER_ADDR`,
# `MASTER_PORT`); `init_process_group` reads them and connects the ranks. `gloo` runs on CPUs (and GPUs); on
# GPUs `nccl` is the fast choice. Started any other way, the script says how to start it.

# %%
show_script(11)

# %% [markdown] slide_type="subslide"
# ## 12 · The data, and the same model on every rank
#
# Every rank seeds alike, so every rank builds the same initial weights, the ones a 1-process
# run starts from too (DDP would also copy rank 0's when it wraps the model). Rank 0 prints
# the steps per epoch, and how many examples were repeated, if any.

# %%
show_script(12)

# %% [markdown] slide_type="subslide"
# ## 13 · Resuming from a checkpoint
#
# With `--checkpoint` and a file there, every rank loads the same state before DDP wraps the
# model: weights, optimizer, schedule, and the step to carry on from.

# %%
show_script(13)

# %% [markdown] slide_type="subslide"
# ## 14 · `DDP(model)`
#
# DDP hooks into `backward()`: each rank's gradients, divided by N, are summed over all ranks,
# so every rank takes the same step. `Probe` puts a clock on that all-reduce. A finished
# run's checkpoint trains nothing: every rank validates, then leaves the group
# (`destroy_process_group`, part 17).

# %%
show_script(14)

# %% [markdown] slide_type="subslide"
# ## 15 · The loop
#
# `set_epoch` seeds the shuffle with seed + epoch: a new order each epoch (without it, each
# epoch repeats the first), the same on every rank. `loss_batch` from notebook 07 is
# unchanged: its `backward()` does the all-reduce. A resumed run skips the batches of its
# epoch already trained on.

# %%
show_script(15)

# %% [markdown] slide_type="subslide"
# ## 16 · A checkpoint every few steps; validation each epoch
#
# Every `--checkpoint-every` steps rank 0 saves weights, optimizer, schedule and step
# (`model.module`: the model inside the DDP wrapper). After each epoch every rank validates
# its shard; the sums are reduced across ranks.

# %%
show_script(16)

# %% [markdown] slide_type="subslide"
# ## 17 · The end
#
# `probe.report` checks that the ranks' weights agree and prints the clocks. Rank 0 saves an
# ordinary `state_dict`; `destroy_process_group` leaves the group cleanly. The last two lines
# run `main` when torchrun starts `-m utils.ddp`.

# %%
show_script(17)

# %% [markdown] slide_type="slide"
# ## Launching: one process, then two
#
# The same command with `--nproc-per-node 1` and `2`: notebook 09's CNN, one epoch, a global
# batch of 64. Each rank uses one CPU thread. From here on each cell that launches takes
# seconds to a minute: torchrun starts fresh Python processes, and they train.

# %% [markdown] slide_type="subslide"
# A notebook cell cannot be a rank itself, so `utils.ddp_launch.torchrun` runs the command, as
# a terminal would, and returns what the ranks printed (the script prints on rank 0 only). The
# command (`--standalone`: every rank on this one machine):

# %%
from utils.ddp_launch import command, summary, torchrun, without_clocks

print(" ".join(command(2, "--model", "cnn")[1:]).replace("-m torch.distributed.run", "torchrun"))

# %% [markdown] slide_type="subslide"
# ## One process
#
# Rank 0 prints the global batch's loss at a few steps, validation, and whether the ranks'
# weights agree. `without_clocks` drops its timings: they vary by machine and load.

# %%
one = torchrun(1, "--model", "cnn")
print(without_clocks(one))

# %% [markdown] slide_type="fragment"
# About 0.89, not 09's 0.8762: the same model, but `DistributedSampler` shuffles in another
# order, and the script skips 09's channels_last (other kernels). Another
# draw (09's five seeds: 0.8654–0.8934).

# %% [markdown] slide_type="notes"
# With torch 2.9, gloo also prints `[Gloo] Rank 0 is connected to 0 peer ranks. Expected
# number of connected peer ranks is : 0` here: one greeting per rank as the group forms, and
# with two ranks the two can come out interleaved, piece by piece. Torch 2.13 and 2.14 print
# none (tests/torch_versions_differ.py).

# %% [markdown] slide_type="subslide"
# ## Two processes; rank 0 saves the model

# %%
two = torchrun(2, "--model", "cnn", "--save", "ddp_cnn.pt")
print(without_clocks(two))

# %% [markdown] slide_type="subslide"
# ## Did two processes take the same steps?
#
# Each rank's k-th batch is every other image of one process's k-th batch, and DDP averages
# the ranks' gradients: mathematically, the same step. The loss of each global batch
# (`step_losses` reads rank 0's `step k: training loss` lines):

# %%
from utils.ddp_launch import lines_starting, step_losses

losses = [step_losses(out) for out in (one, two)]
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
# of 256). The number to read, in the table: the **efficiency**, speed-up / processes
# (100 %: perfect).

# %% [markdown] slide_type="notes"
# 11's recipe here: batch norm, AdamW, one cycle, without the shifts and label smoothing.
# The shifts would add work that each rank does on its own images, and nothing for the ranks
# to exchange.

# %%
recipe = {n: torchrun(n, "--model", "recipe", "--limit", "10000") for n in (1, 2)}
print(lines_starting(recipe[2], "2 process", "weights"))  # two of rank 0's lines

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
# ## Samples/s against processes

# %% tags=["hide-input"]
# Its text is compared with samples/s and speed-ups masked (tests/nbval_sanitize.cfg): they
# vary by machine and its load (the title names the machine).
import os

from utils.ddp_launch import plot_scaling
from utils.seeds import machine_name

machine = f"{machine_name()}, {os.cpu_count()} logical CPUs"  # "AMD EPYC (AVX512), 2 ..."
plot_scaling({"09's CNN": {1: one, 2: two}, "11's recipe": recipe}, machine)

# %% [markdown] slide_type="notes"
# Point at the gap between the dashed line (each process as fast as one alone) and the
# measured one, panel by panel. The title names this machine: on another, the gaps differ.

# %% [markdown] slide_type="subslide"
# ## Why one pays and the other does not
#
# Two processes pay when their step (the arithmetic on half the batch, plus the wait for the
# all-reduce) is shorter than one process's step on the whole batch. Both, measured, then
# what each step all-reduces:

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: milliseconds vary by machine and its load.
for name, (a, b) in {"09's CNN": (one, two), "11's recipe": (recipe[1], recipe[2])}.items():
    a, b = summary(a), summary(b)
    print(f"{name}: 1 process {a['step_ms']:.1f} ms a step ({a['arithmetic_ms']:.1f} ms "
          f"arithmetic); 2 processes {b['arithmetic_ms']:.1f} ms arithmetic (half the images "
          f"each: {b['arithmetic_ms'] / a['arithmetic_ms']:.0%} of one's) + "
          f"{b['wait_ms']:.1f} ms wait = {b['arithmetic_ms'] + b['wait_ms']:.1f} ms")

# %%
from utils.models import recipe_cnn

for name, m in {"09's CNN": mnist_cnn(), "11's recipe": recipe_cnn(norm=True)}.items():
    print(f"{name}: {sum(p.numel() for p in m.parameters()):,} weights to all-reduce a step")

# %% [markdown] slide_type="notes"
# Speed-ups move with the machine and its load: `make ddp` on the 2-core AMD EPYC
# (AVX-512) gave 09's CNN 0.96x and 11's recipe 1.42x (71 %). The table above is this run's:
# read it out, don't quote a range.

# %% [markdown] slide_type="notes"
# Point at the two sums: two ranks pay when theirs is shorter than one process's step, that
# is when the arithmetic they save is more than the wait. Half the images rarely halve the
# arithmetic (that would be 50 %). Machines differ (a CPU may also run one busy core faster
# than two); the ratios are the point, not the milliseconds.

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
# torch 2.13: `_matches_machine_hostname` (rendezvous/utils.py, called in
# c10d_rendezvous_backend.py) decides who hosts the store; `_mark_rendezvous_complete`
# (dynamic_rendezvous.py) ranks `sorted(participants)`, each a (host name, process id,
# counter).

# %% [markdown] slide_type="subslide"
# ## On two real machines: the checklist
#
# - The same code, data and torch version on both; `utils` importable (`pip install` it).
# - Both started within 600 s of each other (the rendezvous' default join timeout).
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
# `OMP_NUM_THREADS=1`: one thread per rank, as `utils.ddp_launch.torchrun` sets it here. Add
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
from utils.ddp_launch import torchrun_nodes

nodes = torchrun_nodes(2, "--model", "cnn", "--limit", "4000", endpoint=endpoint)
talkers = [out for out in nodes if "process(es)" in out]  # the node that holds rank 0
print(f"{len(talkers)} of 2 nodes printed the run (rank 0's):")
print(lines_starting(talkers[0], "2 process", "weights"))

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
# - **Resume**: the script loads the checkpoint and carries on from its step (part 13).

# %% [markdown] slide_type="notes"
# `utils.ddp_launch.torchrun` also sets `TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1`. Without it, the
# restarted ranks share torchrun's store with the dead ones and can find their addresses
# there (pytorch/pytorch#135712): the restart then fails to connect (seen here with torch
# 2.13: `Gloo connectFullMesh failed ... Connection refused`).

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
print(lines_starting(crashed, "restart"))

# %% [markdown] slide_type="subslide"
# ## The crash, step by step

# %%
from utils.ddp_launch import plot_restart

plot_restart(crashed, fail_at=27, every=5, epochs=2)  # the arguments above

# %% [markdown] slide_type="notes"
# Point at the X (rank 1 raises at the start of step 27), at the last square before it (step
# 25's checkpoint), and at the arrow: the restart loaded it and trained from step 26, so step
# 26 ran twice. Step numbers only, no clocks: the same on every machine.

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
