"""Model pieces from notebooks 08-09."""

from torch import nn


class Lambda(nn.Module):
    """Wrap a plain function as a layer, so it can sit inside nn.Sequential."""

    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)

    def extra_repr(self):
        return getattr(self.func, "__name__", repr(self.func))


def flatten(x):
    """(batch, C, 1, 1) -> (batch, C): what the pooled CNN hands to the loss."""
    return x.view(x.size(0), -1)


def mnist_cnn():
    """The live stream's CNN, any input size: three stride-2 convs, then one value per class.

    It expects images shaped (batch, 1, height, width): reshaping is the data loader's job.
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(flatten),
    )
