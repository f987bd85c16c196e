"""The any-size CNN of notebook 09, its pieces, and the device-side batches of notebook 10."""

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from utils.device import get_device
from utils.loaders import DeviceBatches, WrappedDataLoader, to_device, to_images
from utils.models import Lambda, flatten, mnist_cnn
from utils.repro import seed_everything


@pytest.mark.parametrize("size", [(14, 14), (28, 28), (56, 56), (20, 36), (100, 64), (7, 7)])
def test_cnn_takes_any_input_size(size):
    model = mnist_cnn().eval()
    with torch.no_grad():
        out = model(torch.rand(5, 1, *size))
    assert out.shape == (5, 10)
    assert torch.isfinite(out).all()


def test_cnn_trains_on_images_of_another_size():
    """Not just shapes: a few steps on 56x56 images lower the loss like on 28x28."""
    seed_everything(0)
    x = torch.zeros(64, 1, 56, 56)
    y = torch.arange(64) % 10
    for i in range(64):  # a bright square whose position encodes the class
        r = 4 * int(y[i])
        x[i, 0, r : r + 12, r : r + 12] = 1.0
    model = mnist_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    first = F.cross_entropy(model(x), y).item()
    for _ in range(60):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert loss.item() < first * 0.8


def test_lambda_wraps_a_function_as_a_layer():
    layer = Lambda(flatten)
    assert isinstance(layer, torch.nn.Module) and "flatten" in repr(layer)
    assert layer(torch.zeros(3, 10, 1, 1)).shape == (3, 10)
    assert list(layer.parameters()) == []


def test_wrapped_dataloader_applies_its_function_to_every_batch():
    ds = TensorDataset(torch.rand(10, 784), torch.arange(10))
    dl = WrappedDataLoader(DataLoader(ds, batch_size=4), to_images)
    batches = list(dl)
    assert len(dl) == len(batches) == 3
    assert [tuple(xb.shape) for xb, _ in batches] == [(4, 1, 28, 28)] * 2 + [(2, 1, 28, 28)]
    assert torch.equal(torch.cat([yb for _, yb in batches]), torch.arange(10))


def test_device_batches_cover_the_data_once_per_epoch():
    device = get_device()
    x, y = torch.arange(10.0).view(10, 1), torch.arange(10)
    ordered = list(DeviceBatches(x, y, 4, device))
    assert len(ordered) == 3 and torch.equal(ordered[-1][1].cpu(), torch.tensor([8, 9]))
    shuffled = DeviceBatches(x, y, 4, device, shuffle=True)
    epoch1 = torch.cat([yb for _, yb in shuffled]).cpu().tolist()
    epoch2 = torch.cat([yb for _, yb in shuffled]).cpu().tolist()
    assert sorted(epoch1) == list(range(10)) and epoch1 != list(range(10)) and epoch1 != epoch2
    again = DeviceBatches(x, y, 4, device, shuffle=True)  # the same seed, the same order
    torch.manual_seed(123)  # the global generator plays no part
    assert torch.cat([yb for _, yb in again]).cpu().tolist() == epoch1
    for xb, yb in shuffled:  # inputs stay paired with their labels
        assert torch.equal(xb.view(-1).long(), yb) and xb.device.type == device.type


def test_to_device_moves_both_tensors():
    xb, yb = to_device(torch.device("meta"))(torch.zeros(2, 3), torch.zeros(2))
    assert xb.device.type == yb.device.type == "meta"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_step_on_the_gpu():
    model = mnist_cnn().to("cuda")
    xb, yb = torch.rand(8, 1, 28, 28, device="cuda"), torch.arange(8, device="cuda")
    F.cross_entropy(model(xb), yb).backward()
    assert all(p.grad.is_cuda for p in model.parameters())
