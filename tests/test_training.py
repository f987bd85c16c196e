"""fit(), its hooks and its errors; and notebook 07's teaching copy behaves like utils'."""

from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from utils import seed_everything
from utils import training
from utils.training import evaluate, fit, get_data

NB07 = Path(__file__).resolve().parent.parent / "notebooks" / "07_validation_and_fit.ipynb"


def small_data(n_train=200, n_valid=70, seed=0):
    """A learnable toy problem shaped like MNIST: 784 features, 10 classes."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_valid, 784, generator=g)
    x[:, 10:] *= 0.05  # faint noise pixels, so 200 examples are enough to learn from
    y = (x[:, :10].argmax(dim=1))  # the class is readable from the first ten features
    return TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:])


def train(fit_fn, get_data_fn, epochs=3, **hooks):
    seed_everything(0)
    train_ds, valid_ds = small_data()
    train_dl, valid_dl = get_data_fn(train_ds, valid_ds, 32)
    model = nn.Linear(784, 10)
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit_fn(epochs, model, F.cross_entropy, opt, train_dl, valid_dl, **hooks)
    return history, model


def test_fit_learns_and_hooks_see_exactly_what_fit_returns():
    steps, epochs_seen = [], []
    history, _ = train(fit, get_data, on_train_step=steps.append,
                       on_val_epoch_end=epochs_seen.append)
    assert len(steps) == 3 * 7  # ceil(200 / 32) steps per epoch, 3 epochs
    assert [s["train_loss"] for s in steps] == history["train_loss"]
    assert [s["epoch"] for s in steps] == [e for e in range(3) for _ in range(7)]
    assert epochs_seen == [{"epoch": e, "valid_loss": history["valid_loss"][e],
                            "valid_acc": history["valid_acc"][e]} for e in range(3)]
    assert history["valid_loss"][-1] < history["valid_loss"][0]
    assert history["valid_acc"][-1] > 0.5


def test_fit_without_hooks_logs_nothing(monkeypatch):
    import wandb

    def no_logging(*args, **kwargs):
        raise AssertionError("fit logged without being given a hook")

    monkeypatch.setattr(wandb, "log", no_logging)
    history, _ = train(fit, get_data, epochs=1)
    assert len(history["train_loss"]) == 7


def test_get_data_shuffles_training_only_and_doubles_the_validation_batch():
    train_ds, valid_ds = small_data()
    train_dl, valid_dl = get_data(train_ds, valid_ds, 32)
    assert (train_dl.batch_size, valid_dl.batch_size) == (32, 64)
    assert isinstance(train_dl.sampler, torch.utils.data.RandomSampler)
    assert isinstance(valid_dl.sampler, torch.utils.data.SequentialSampler)


def test_evaluate_weights_batches_by_size():
    x = torch.eye(10)[torch.tensor([0, 1, 2])] * 10
    y = torch.tensor([0, 1, 5])
    model = nn.Identity()
    whole = evaluate(model, F.cross_entropy, [(x, y)])
    split = evaluate(model, F.cross_entropy, DataLoader(TensorDataset(x, y), batch_size=2))
    assert whole == pytest.approx(split) and whole[1] == pytest.approx(2 / 3)


def test_fit_with_an_empty_dataloader_says_so():
    train_ds, valid_ds = small_data()
    empty = DataLoader(TensorDataset(torch.empty(0, 784), torch.empty(0, dtype=torch.long)))
    model = nn.Linear(784, 10)
    with pytest.raises(ValueError, match="train_dl yields no batches"):
        fit(1, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), empty,
            DataLoader(valid_ds))


@pytest.mark.parametrize("model, message", [
    (nn.Linear(784, 1), "returned shape (32, 1)"),  # one output, ten classes
    (nn.Linear(28, 10), "failed on this input"),  # expects 28 features, gets 784
])
def test_fit_with_a_model_loss_mismatch_explains_it(model, message):
    train_ds, valid_ds = small_data()
    train_dl, valid_dl = get_data(train_ds, valid_ds, 32)
    with pytest.raises(RuntimeError) as err:
        fit(1, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train_dl, valid_dl)
    text = str(err.value)
    assert "first training batch failed" in text and message in text
    assert "inputs (32, 784)" in text and "cross_entropy" in text


def notebook_definitions(path=NB07, wanted=("def loss_batch", "def fit(", "def get_data"),
                         namespace=None):
    """Execute a notebook's own teaching copies (cells starting with ``wanted``)."""
    nb = nbformat.read(path, as_version=4)
    namespace = namespace or {"torch": torch, "DataLoader": DataLoader, "evaluate": evaluate}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(wanted):
            exec(cell.source, namespace)
    return namespace


def test_notebook_07_and_utils_behave_the_same():
    nb = notebook_definitions()
    assert {"loss_batch", "fit", "get_data"} <= nb.keys()
    steps_nb, steps_utils = [], []
    h_nb, m_nb = train(nb["fit"], nb["get_data"], on_train_step=steps_nb.append)
    h_utils, m_utils = train(fit, get_data, on_train_step=steps_utils.append)
    assert h_nb == h_utils and steps_nb == steps_utils
    assert torch.equal(m_nb.weight, m_utils.weight)
    xb, yb = small_data()[0][:5]
    assert nb["loss_batch"](m_nb, F.cross_entropy, xb, yb) == \
        training.loss_batch(m_utils, F.cross_entropy, xb, yb)
