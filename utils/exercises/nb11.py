"""Notebook 11, going further: the judges of its exercises and their reference solutions."""

import torch
from torch import nn

from .core import Wrong, _gen, call, exercise, expect, modules_of


def _judge_conv_bn(f):
    block = call(f, 3, 8, what="conv_bn")
    if not isinstance(block, nn.Module):
        raise Wrong(f"return a module (nn.Sequential), not a {type(block).__name__}")
    parts = modules_of(block)
    kinds = [type(m) for m in parts]
    if nn.BatchNorm1d in kinds:
        raise Wrong("images need nn.BatchNorm2d: one mean and variance per channel")
    if nn.BatchNorm2d not in kinds:
        raise Wrong("normalise after the convolution: nn.BatchNorm2d(c_out)")
    if nn.Conv2d not in kinds:
        raise Wrong("start with the convolution: nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)")
    conv = parts[kinds.index(nn.Conv2d)]
    if kinds.index(nn.BatchNorm2d) < kinds.index(nn.Conv2d):
        raise Wrong(
            "the convolution comes first and batch norm normalises what it gives: "
            "Conv2d, BatchNorm2d, ReLU"
        )
    if conv.kernel_size != (3, 3):
        k = "x".join(map(str, conv.kernel_size))
        raise Wrong(f"the task asks for a 3x3 convolution (kernel_size=3), not {k}")
    if conv.bias is not None:
        raise Wrong("bias=False: batch norm subtracts the mean, so a bias before it is wasted")
    if nn.ReLU in kinds and kinds.index(nn.ReLU) < kinds.index(nn.BatchNorm2d):
        raise Wrong("normalise, then ReLU: Conv2d, BatchNorm2d, ReLU")
    if conv.padding != (1, 1) or conv.stride != (1, 1):
        raise Wrong("(2, 3, 8, 8) in should give (2, 8, 8, 8): kernel 3, padding=1, stride 1")
    out = block(torch.randn(2, 3, 8, 8, generator=_gen(12)))
    if not isinstance(out, torch.Tensor) or out.shape != (2, 8, 8, 8):
        raise Wrong("(2, 3, 8, 8) in should give (2, 8, 8, 8): kernel 3, padding=1, stride 1")
    if (out < 0).any():
        raise Wrong("end with nn.ReLU()")
    other = call(f, 2, 5, what="conv_bn")  # other channel counts: nothing hard-coded
    out = other(torch.randn(2, 2, 8, 8, generator=_gen(13)))
    if not isinstance(out, torch.Tensor) or out.shape != (2, 5, 8, 8):
        raise Wrong("conv_bn(2, 5) should map (2, 2, 8, 8) to (2, 5, 8, 8): use c_in and c_out")


@exercise(
    "11.conv_bn",
    _judge_conv_bn,
    [
        "Three layers in an nn.Sequential: convolution, batch norm, ReLU.",
        "nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), "
        "nn.ReLU())",
    ],
    errors={
        r"running_mean should contain|expected input with shape": (
            "BatchNorm2d takes the number of channels coming out of the convolution: c_out"
        ),
        r"expected input\[.*\] to have \d+ channels": "use c_in and c_out, not fixed numbers: "
        "nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)",
    },
)
def _conv_bn(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    )


def _judge_shift_right(f):
    xb = torch.arange(1.0, 31.0).view(2, 1, 3, 5)
    for pixels in (1, 2, 0):
        x = xb.clone()
        got = call(f, x, pixels, what="shift_right")
        if not torch.equal(x, xb):
            raise Wrong("do not change xb itself: build a new tensor, e.g. torch.zeros_like(xb)")
        expect(
            got,
            _shift_right(xb, pixels),
            [
                (
                    "torch.roll wraps the right edge round to the left: fill those columns with 0",
                    torch.roll(xb, pixels, dims=-1),
                ),
                (
                    "that moves them down: shift along the width, the last dimension",
                    _shift_right(xb.transpose(-1, -2), pixels).transpose(-1, -2),
                ),
                (
                    "that moves them left: pixel (r, c) should land at (r, c + pixels)",
                    _shift_right(xb.flip(-1), pixels).flip(-1),
                ),
            ],
            what=f"with pixels={pixels} the result",
        )


@exercise(
    "11.shift_right",
    _judge_shift_right,
    [
        "Start from zeros like xb, then copy all but the last `pixels` columns, moved right.",
        "out = torch.zeros_like(xb); out[..., pixels:] = xb[..., :xb.shape[-1] - pixels]",
    ],
    errors={
        r"shape mismatch|must match the (existing )?size": "with pixels=0, xb[..., :-pixels] is "
        "xb[..., :0], empty: slice with xb.shape[-1] - pixels"
    },
)
def _shift_right(xb, pixels):
    out = torch.zeros_like(xb)
    out[..., pixels:] = xb[..., : xb.shape[-1] - pixels]
    return out
