"""Notebook 09, nn.Sequential: the judges of its exercises and their reference solutions."""

import torch
import torch.nn.functional as F
from torch import nn

from utils.models import Lambda, flatten

from .core import Wrong, _gen, call, close, exercise, expect, modules_of


def _judge_flatten_images(f):
    for shape in ((5, 1, 28, 28), (1, 1, 28, 28), (3, 2, 14, 14)):
        x = torch.randn(*shape, generator=_gen(10))
        before = x.clone()
        want = x.reshape(shape[0], -1)
        expect(
            call(f, x, what="flatten_images"),
            want,
            [
                ("keep the batch dimension: x.view(x.size(0), -1)", x.reshape(-1)),
                ("squeeze() also drops a batch of one image: x.view(x.size(0), -1)", x.squeeze()),
                (
                    "x.size(1) is the channels; the batch is dimension 0: x.view(x.size(0), -1)",
                    x.reshape(shape[1], -1),
                ),
                ("that is (C·H·W, batch): keep the batch first, x.view(x.size(0), -1)", want.T),
            ],
            what=f"for a batch of shape {shape} the result",
        )
        if not torch.equal(x, before):
            raise Wrong("flatten_images changed the images it was given: return a new view")


@exercise(
    "09.flatten_images",
    _judge_flatten_images,
    [
        "Keep dimension 0 (the batch) and let -1 work out the rest.",
        "return x.view(x.size(0), -1)",
    ],
    errors={
        r"invalid for input of size": "do not hard-code 784 or leave out a dimension: "
        "x.view(x.size(0), -1) works out C·H·W for every image size"
    },
)
def _flatten_images(x):
    return x.view(x.size(0), -1)


_ADAPTIVE = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _judge_tiny_cnn(f):
    model = call(f, what="tiny_cnn")
    if not isinstance(model, nn.Module):
        raise Wrong(f"return a model (nn.Sequential), not a {type(model).__name__}")
    parts = modules_of(model)
    convs = [m for m in parts if isinstance(m, nn.Conv2d)]
    if not convs:
        raise Wrong(
            "there is no convolution: start with nn.Conv2d(1, 8, 3, stride=2, padding=1); "
            "a pool alone only averages the pixels"
        )
    conv = convs[0]
    shape = conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding
    if len(convs) > 1 or shape != (1, 8, (3, 3), (2, 2), (1, 1)):
        raise Wrong(f"one convolution, nn.Conv2d(1, 8, 3, stride=2, padding=1), not {convs}")
    pools = [m for m in parts if isinstance(m, _ADAPTIVE)]
    if not pools:
        raise Wrong(
            "a fixed pool fits one image size: an adaptive one pools any grid to 1x1, "
            "nn.AdaptiveAvgPool2d(1) or nn.AdaptiveMaxPool2d(1)"
        )
    pool = pools[0]
    if pool.output_size not in (1, (1, 1)):
        raise Wrong("pool each channel to 1x1, so 8 numbers reach nn.Linear(8, 10)")
    linears = [m for m in parts if isinstance(m, nn.Linear)]
    if len(linears) != 1 or (linears[0].in_features, linears[0].out_features) != (8, 10):
        raise Wrong("end with one nn.Linear(8, 10): 8 channels in, 10 scores out")
    linear = linears[0]
    for h, w in ((14, 14), (28, 28), (20, 36)):
        x = torch.rand(3, 1, h, w, generator=_gen(11))
        out = model(x)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 10):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise Wrong(f"3 images of {h}x{w} gave {shape}, expected (3, 10)")
        with torch.no_grad():
            features = conv(x)
            if close(out, linear(pool(F.relu(features)).flatten(1))):
                continue
            if close(out, linear(pool(features).flatten(1))):
                raise Wrong(
                    "no ReLU between the convolution and the pool: the task puts nn.ReLU() "
                    "right after the convolution"
                )
        raise Wrong("the scores differ from Conv2d, ReLU, pool, flatten, Linear, in that order")


@exercise(
    "09.tiny_cnn",
    _judge_tiny_cnn,
    [
        "Conv2d(1, 8, 3, stride=2, padding=1), ReLU, then pool to 1x1, flatten, Linear(8, 10).",
        "nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), "
        "nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 10))",
    ],
    errors={
        r"mat1 and mat2 shapes cannot be multiplied": "flatten (batch, 8, 1, 1) to "
        "(batch, 8) before the Linear layer: Lambda(flatten)"
    },
)
def _tiny_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(flatten),
        nn.Linear(8, 10),
    )
