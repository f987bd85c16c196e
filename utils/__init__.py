"""Shared helpers of the 'torch.nn, really' series, one concern per module.

Modules marked * are (in part) generated from the notebook cells that teach them.

meta       facts written once: the series name, repository slug, W&B project
repro      seed_everything, report
roadmap    the series in one list; the to-do list each notebook ticks off
data       MNIST: download from mirrors, verify, parse IDX            (notebook 00)
training*  evaluate, loss_batch, check_setup, fit with hooks          (notebooks 02, 07)
loaders*   mnist_datasets, get_data, WrappedDataLoader, DeviceBatches (notebooks 05-10)
tracking*  Weights & Biases online or offline; log_dict, fit_and_log  (notebooks 06-07)
models*    Lambda, flatten, the any-size CNN (09), the recipe CNN (11)  (notebooks 09, 11)
device*    get_device                                                 (notebook 10)
profiling  the profiler over a bounded window of steps; its table    (notebook 10)
ddp        the DDP training script: 09's or 11's CNN, checkpoints (notebook 12)
ddp_launch  torchrun launches of utils/ddp.py; what it printed, read (notebook 12)
ddp_probes  its clocks and its fault on purpose: they train nothing  (notebook 12)
seeds      outcomes over seeds (make seeds; 11: make ablation), read  (notebooks 08, 09, 11)
plots      digit grids, loss curves, confusion matrix, the slide style
exercises  the exercises: check, hint, solution, progress; the reference solutions (01-11)
"""

from .meta import SERIES

__all__ = ["SERIES"]
