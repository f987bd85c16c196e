"""The series' to-do list, ticked off one notebook at a time (as the live stream did)."""

from IPython.display import Markdown

STEPS = [
    ("00_data", "Get MNIST and look at it"),
    ("01_from_scratch", "A model from raw tensors and autograd"),
    ("02_functional", "Refactor: torch.nn.functional"),
    ("03_nn_module", "Refactor: nn.Module, nn.Parameter, nn.Linear"),
    ("04_optim", "Refactor: torch.optim"),
    ("05_dataset_dataloader", "Refactor: Dataset and DataLoader"),
    ("06_wandb_logging", "Add: logging with Weights & Biases"),
    ("07_validation_and_fit", "Add: validation, and fit() with hooks"),
    ("08_cnn", "Add: a convolutional network"),
    ("09_sequential", "Refactor: nn.Sequential, Lambda, any input size"),
    ("10_gpu", "Add: the GPU, and what keeps it idle"),
]


def roadmap(current: int) -> Markdown:
    """The to-do list with steps before ``current`` ticked and ``current`` marked."""
    lines = []
    for i, (_, title) in enumerate(STEPS):
        mark = "✓" if i < current else ("▶" if i == current else "○")
        text = f"**{title}**" if i == current else title
        lines.append(f"{mark} &nbsp; `{i:02d}` {text}")
    return Markdown("  \n".join(lines))
