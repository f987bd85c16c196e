"""fit(), its hooks and its errors; get_data's seeded shuffle; evaluate's weighting."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from utils.loaders import get_data
from utils.repro import seed_everything
from utils.training import check_setup, evaluate, fit, loss_batch


def train(data, epochs=3, **hooks):
    seed_everything(0)
    train_dl, valid_dl = get_data(*data, 32)
    model = nn.Linear(784, 10)
    history = fit(
        epochs,
        model,
        F.cross_entropy,
        optim.SGD(model.parameters(), lr=0.1),
        train_dl,
        valid_dl,
        **hooks,
    )
    return history, model


def test_fit_learns_and_hooks_see_exactly_what_fit_returns(toy_data):
    steps, epochs_seen = [], []
    history, _ = train(toy_data, on_train_step=steps.append, on_val_epoch_end=epochs_seen.append)
    assert len(steps) == 3 * 7  # ceil(200 / 32) steps per epoch, 3 epochs
    assert [s["train_loss"] for s in steps] == history["train_loss"]
    assert [s["epoch"] for s in steps] == [e for e in (1, 2, 3) for _ in range(7)]  # from 1
    assert epochs_seen == [
        {"epoch": e, "valid_loss": loss, "valid_acc": acc}
        for e, loss, acc in zip((1, 2, 3), history["valid_loss"], history["valid_acc"])
    ]
    assert history["valid_loss"][-1] < history["valid_loss"][0]
    assert history["valid_acc"][-1] > 0.5


def test_fit_without_hooks_logs_nothing(monkeypatch, toy_data):
    import wandb

    def no_logging(*args, **kwargs):
        raise AssertionError("fit logged without being given a hook")

    monkeypatch.setattr(wandb, "log", no_logging)
    history, _ = train(toy_data, epochs=1)
    assert len(history["train_loss"]) == 7


def test_validation_passes_do_not_change_the_training_order(toy_data):
    """The seeded shuffle is the training loader's own: notebooks 05-07 rely on this to
    print the same numbers with and without a validation pass before training."""
    reference, _ = train(toy_data)
    seed_everything(0)
    train_dl, valid_dl = get_data(*toy_data, 32)
    model = nn.Linear(784, 10)
    for _ in range(3):  # validation passes draw from the global random generator
        evaluate(model, F.cross_entropy, valid_dl)
    again = fit(
        3, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train_dl, valid_dl
    )
    assert again == reference


def test_get_data_shuffles_training_only_and_doubles_the_validation_batch(toy_data):
    train_dl, valid_dl = get_data(*toy_data, 32)
    assert (train_dl.batch_size, valid_dl.batch_size) == (32, 64)
    assert isinstance(train_dl.sampler, torch.utils.data.RandomSampler)
    assert isinstance(valid_dl.sampler, torch.utils.data.SequentialSampler)
    first = [yb.tolist() for _, yb in get_data(*toy_data, 32)[0]]
    assert first == [yb.tolist() for _, yb in get_data(*toy_data, 32)[0]]  # seeded
    assert first != [yb.tolist() for _, yb in get_data(*toy_data, 32, seed=1)[0]]


def test_evaluate_weights_batches_by_size():
    x = torch.eye(10)[torch.tensor([0, 1, 2])] * 10
    y = torch.tensor([0, 1, 5])
    model = nn.Identity()
    whole = evaluate(model, F.cross_entropy, [(x, y)])
    split = evaluate(model, F.cross_entropy, DataLoader(TensorDataset(x, y), batch_size=2))
    assert whole == pytest.approx(split) and whole[1] == pytest.approx(2 / 3)


def test_loss_batch_steps_only_with_an_optimizer(toy_data):
    xb, yb = toy_data[0][:8]
    model = nn.Linear(784, 10)
    w = model.weight.detach().clone()
    loss = loss_batch(model, F.cross_entropy, xb, yb)
    assert isinstance(loss, float) and torch.equal(model.weight, w)
    loss_batch(model, F.cross_entropy, xb, yb, optim.SGD(model.parameters(), lr=0.1))
    assert not torch.equal(model.weight, w) and model.weight.grad is None  # zeroed: set to None


@pytest.mark.parametrize("which", ["train_dl", "valid_dl"])
def test_fit_with_an_empty_dataloader_says_so(toy_data, which):
    empty = DataLoader(TensorDataset(torch.empty(0, 784), torch.empty(0, dtype=torch.long)))
    loaders = dict(zip(("train_dl", "valid_dl"), get_data(*toy_data, 32)), **{which: empty})
    model = nn.Linear(784, 10)
    with pytest.raises(ValueError, match=f"{which} yields no batches"):
        fit(1, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), **loaders)


@pytest.mark.parametrize(
    "model, message",
    [
        (nn.Linear(784, 1), "output (64, 1) does not fit the loss with targets (64,)"),
        (nn.Linear(28, 10), "cannot take inputs (64, 784)"),
    ],
)
def test_fit_with_a_model_loss_mismatch_explains_it(toy_data, model, message):
    train_dl, valid_dl = get_data(*toy_data, 32)
    with pytest.raises(RuntimeError) as err:
        fit(1, model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train_dl, valid_dl)
    assert message in str(err.value)


def test_check_setup_leaves_batch_norm_statistics_alone(toy_data):
    model = nn.Sequential(nn.Linear(784, 10), nn.BatchNorm1d(10))
    before = model[1].running_mean.clone()
    check_setup(model, F.cross_entropy, *get_data(*toy_data, 32))
    assert torch.equal(model[1].running_mean, before)


def test_profiler_totals_read_once_agree_with_key_averages(toy_data):
    """notebook 10's table and split: read from the profiler's tree in one pass, the same
    numbers as torch's own (slow) key_averages(), and exactly the recorded window's steps."""
    from utils.profiling import label_calls, profile_steps, range_stats, split_seconds, top_table

    train_dl, _ = get_data(*toy_data, 16)
    model = nn.Linear(784, 10)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    prof = profile_steps(model, F.cross_entropy, opt, train_dl, torch.device("cpu"), 6, 3)
    assert label_calls(prof) == {"get batch": 6, "train step": 6}  # the warm-up is not in it
    ours = range_stats(prof)
    for event in prof.key_averages():
        if event.key.startswith("ProfilerStep"):
            continue
        calls, total_ns, self_ns = ours[event.key]
        assert calls == event.count, event.key
        assert total_ns / 1e3 == pytest.approx(event.cpu_time_total, abs=0.01), event.key
        assert self_ns / 1e3 == pytest.approx(event.self_cpu_time_total, abs=0.01), event.key
    labels = {e.key: e.cpu_time_total / 1e6 for e in prof.key_averages()}
    assert split_seconds([prof, prof]) == pytest.approx((labels["get batch"], labels["train step"]))
    table = top_table(prof, rows=3).splitlines()
    assert len(table) == 1 + 3 + 2 and table[-1].split()[:3] == ["train", "step", "6"]
