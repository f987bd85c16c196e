# %% [markdown] slide_type="slide"
# # torch.nn, really · 12 · Many processes: DistributedDataParallel
#
# When one process is not enough: the same training, split over several, with PyTorch's own
# `torch.distributed` engine.
#
# **This notebook:** `torchrun`, the `gloo` process group, `DistributedSampler` and
# `set_epoch`, `DistributedDataParallel`, metrics reduced across ranks, and 1 vs 2 processes
# measured. *About 15 minutes.*

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
#
# The script that does it is `utils/ddp.py`; `torchrun` starts the ranks and tells each one
# who it is through environment variables (`RANK`, `WORLD_SIZE`, ...).

# %% [markdown] slide_type="notes"
# Point at the three bullets; the rest of the notebook is each of them in code. A notebook
# cell cannot be a rank itself, so the notebook runs the script, as you would in a terminal.

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
# `DistributedSampler` gives rank *r* every *N*-th example of a shuffled order; `set_epoch`
# reshuffles each epoch, the same way on every rank. Each rank's batch is the global batch
# divided by *N*: the same steps on the same data as one process.

# %%
print(getsource(ddp.loaders).split('"""\n')[-1])

# %% [markdown] slide_type="subslide"
# ## The training loop: DDP does the rest
#
# `DDP(model)` hooks into `backward()` to all-reduce the gradients; `loss_batch` from notebook
# 07 is unchanged. Validation sums (loss, correct, count) are added up over all ranks with
# `all_reduce`; only rank 0 prints and saves.

# %%
print(getsource(ddp.evaluate_across_ranks).split('"""\n')[-1])

# %% [markdown] slide_type="slide"
# ## Launching: one process, then two
#
# The same command with `--nproc_per_node 1` and `2`: notebook 09's CNN, one epoch, a global
# batch of 64. Each rank uses one CPU thread.

# %% [markdown] slide_type="subslide"
# A notebook cell cannot be a rank itself, so it runs the command, as a terminal would:

# %%
import os
import subprocess
import sys


def torchrun(nproc, *args):
    """Run utils/ddp.py under torchrun; return what rank 0 printed."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={nproc}", "-m", "utils.ddp", *args]
    env = dict(os.environ, OMP_NUM_THREADS="1")  # one thread per rank (torchrun's advice)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout


TIMINGS = ("samples/s:", "a step:", "the all-reduce alone:")  # rank 0's lines that are clocks


def lines(out, timings=False):
    """Rank 0's lines that are timings (timings=True), or all the others."""
    return "\n".join(ln for ln in out.splitlines() if ln.startswith(TIMINGS) == timings)

# %% [markdown] slide_type="subslide"
# ## One process
#
# Rank 0 prints the training loss of the whole global batch at a few steps, validation after
# the epoch, and whether the ranks' weights agree. Its timings wait for "How much faster?".

# %%
one = torchrun(1, "--epochs", "1")
print(lines(one))

# %% [markdown] slide_type="subslide"
# ## Two processes; rank 0 saves the model

# %%
two = torchrun(2, "--epochs", "1", "--save", "ddp_cnn.pt")
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
# The first steps agree to about a millionth: the computer adds in another order (two halves
# of 32, then their mean), so the last bits differ. Each step builds on those, SGD with
# momentum amplifies them, and by the end of the epoch the two runs have taken different
# paths: not a different training, a different rounding.

# %% [markdown] slide_type="subslide"
# ## Did two processes learn what one did?
#
# So 1 and 2 processes differ the way one run differs on two CPUs: by rounding only. Under four
# CPU settings (kernels picked with `ATEN_CPU_CAPABILITY` and `ONEDNN_MAX_CPU_ISA`), with 1 and
# 2 processes each, this epoch's accuracy ranged from 0.8865 to 0.8992 on an AVX2 machine. We
# ask both runs to reach 0.85 and to agree within 0.03.

# %%
def final(out):
    loss, acc = re.findall(r"validation loss ([\d.]+), accuracy ([\d.]+)", out)[-1]
    return float(loss), float(acc)


for name, out in [("1 process", one), ("2 processes", two)]:
    print(f"{name:12}: validation loss {final(out)[0]:.4f}, accuracy {final(out)[1]:.4f}")
print("ranks ended with identical weights:", "weights identical on all 2 ranks: True" in two)
assert min(final(one)[1], final(two)[1]) >= 0.85  # both learned
assert abs(final(one)[1] - final(two)[1]) <= 0.03  # as close as rounding leaves two runs

# %% [markdown] slide_type="subslide"
# ## How much faster?

# %% tags=["nbval-ignore-output"]
# Output ignored by the tests: samples/s and milliseconds vary by machine and its load.
def samples_per_s(out):
    return float(re.search(r"samples/s: ([\d,]+)", out).group(1).replace(",", ""))


for name, out in [("1 process", one), ("2 processes", two)]:
    print(f"{name}:\n{lines(out, timings=True)}")
print(f"speed-up with 2 processes: {samples_per_s(two) / samples_per_s(one):.2f}x")

# %% [markdown] slide_type="subslide"
# ## Why not twice as fast
#
# A step is the arithmetic (forward, backward, optimizer) plus the wait for the all-reduce,
# which includes the slower rank's lag ("alone": the exchange itself, ranks in step). Where
# that wait is a large share of a step, or half a batch costs nearly as much arithmetic as a
# whole one (this CNN has 3,930 weights), two processes cannot be twice as fast, and on a CPU
# may well be *slower*. DDP pays when each step has real work: bigger models and batches, GPUs.

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
assert abs(acc - final(two)[1]) < 1e-6  # what rank 0 reported

# %% [markdown] slide_type="subslide"
# The numbers `make run` collects:

# %%
from utils.repro import report

report(valid_loss_1proc=final(one)[0], valid_acc_1proc=final(one)[1],
       valid_loss_2proc=final(two)[0], valid_acc_2proc=final(two)[1])

# %% [markdown] slide_type="slide"
# ## More than one machine (not run here)
#
# - Run the same script on every machine with `torchrun --nnodes 2 --nproc_per_node 8
#   --rdzv-backend c10d --rdzv-endpoint HOST:29500 -m utils.ddp`: `--standalone` becomes a
#   *rendezvous* endpoint that all machines can reach.
# - On GPUs, `init_process_group("nccl")` and each rank on its own device
#   (`torch.cuda.set_device(local_rank)`).
# - When the model no longer fits one device: FSDP shards parameters, gradients and optimizer
#   state across ranks. Lightning and Hugging Face Accelerate wrap all of this in a trainer.
#
# **Read more:** [DDP tutorial](https://pytorch.org/tutorials/intermediate/ddp_tutorial.html) ·
# [`torchrun`](https://pytorch.org/docs/stable/elastic/run.html) ·
# [`DistributedSampler`](https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler) ·
# [FSDP](https://pytorch.org/docs/stable/fsdp.html)
