"""The series in one list: each notebook's number, title, idea and minutes, written once.

The to-do list that every notebook ticks off comes from here; the README's table and each
notebook's title slide are checked against it (tests/test_notebooks.py).
"""

from typing import NamedTuple

from IPython.display import Markdown


class Step(NamedTuple):
    name: str  # notebooks/<name>.ipynb; its first two digits are the number
    title: str  # the title slide and the to-do list
    idea: str  # the README's table
    minutes: int  # an estimate to present it, or to work through it alone
    alone: bool = False  # runs by itself on every core (its training is timed), not side by side


STEPS = [
    Step(
        "00_data", "The data", "MNIST with pathlib and requests, IDX instead of pickle, tensors", 10
    ),
    Step(
        "01_from_scratch",
        "From scratch",
        "weights, `log_softmax`, the loss and the training loop by hand; the autograd graph",
        20,
    ),
    Step("02_functional", "`torch.nn.functional`", "`F.cross_entropy`; `evaluate`", 10),
    Step(
        "03_nn_module",
        "`nn.Module`, `nn.Parameter`, `nn.Linear`",
        "a model class, `parameters()`, a `fit()` for any model",
        15,
    ),
    Step("04_optim", "`torch.optim`", "`optim.SGD`, `get_model()`, swapping optimizers", 10),
    Step(
        "05_dataset_dataloader",
        "`Dataset` and `DataLoader`",
        "`TensorDataset`, `DataLoader`, a seeded shuffle: what torch.nn really is",
        15,
    ),
    Step(
        "06_wandb_logging",
        "Logging with Weights & Biases",
        "`wandb.init`, `wandb.log`, `wandb.watch`; the logged run read back",
        15,
    ),
    Step(
        "07_validation_and_fit",
        "Validation and `fit()` with hooks",
        "validation loader, `train()`/`eval()`, `fit()` with hooks, `fit_and_log`",
        20,
    ),
    Step(
        "08_cnn",
        "A convolutional network",
        "three `nn.Conv2d` layers, momentum, the same `fit`, `channels_last`",
        15,
    ),
    Step(
        "09_sequential",
        "`nn.Sequential`, and any input size",
        "`Lambda`, `nn.Sequential`, `WrappedDataLoader`, `AdaptiveAvgPool2d`",
        15,
    ),
    Step(
        "10_gpu",
        "The GPU, and what keeps it idle",
        "`torch.device`, the mismatch error, `torch.profiler`: where the time goes",
        20,
    ),
    Step(
        "11_going_further",
        "Going further: 99 %+ on a CPU",
        "one change a step (width, kernel, head, `BatchNorm2d`, AdamW, one cycle, shifts, "
        "label smoothing); what each buys, over 5 seeds; the test set at the end",
        20,
        alone=True,
    ),
    Step(
        "12_many_processes",
        "Many processes: DistributedDataParallel",
        "`torchrun`, `gloo`, DDP; when it pays; two nodes; surviving a crash",
        20,
        alone=True,
    ),
]


def roadmap(current: int) -> Markdown:
    """The to-do list with steps before ``current`` ticked and ``current`` marked."""
    lines = []
    for i, step in enumerate(STEPS):
        mark = "✓" if i < current else ("▶" if i == current else "○")
        text = f"**{step.title}**" if i == current else step.title
        lines.append(f"{mark} &nbsp; `{i:02d}` {text}")
    return Markdown("  \n".join(lines))
