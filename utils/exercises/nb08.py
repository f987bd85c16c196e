"""Notebook 08, a CNN: the judges of its exercises and their reference solutions."""

import math

from torch import nn

from .core import Wrong, call, exercise, number


def _by_formula(f, cases, want, mistakes, name, what):
    """Call ``f`` on every case; pass if each gives ``want(*case)``. Else the hint of the
    mistake whose formula gives what ``f`` gave on every case (not one case by chance), with
    the first case that differs."""
    got = [number(call(f, *args, what=name), what) for args in cases]
    wrong = [(args, g) for args, g in zip(cases, got) if not (g == want(*args))]
    if not wrong:
        return
    args, g = wrong[0]
    case = f"{name}{args} gave {g}, expected {want(*args)}"
    for formula, advice in mistakes:
        if all(g == formula(*args) for args, g in zip(cases, got)):
            raise Wrong(f"{case}: {advice}")
    raise Wrong(case)


_CONV_OUT_CASES = [(28,), (14,), (7,), (5, 3, 1, 0), (28, 5, 1, 2), (10, 4, 3, 0)]


def _judge_conv_out(f):
    _by_formula(
        f,
        _CONV_OUT_CASES,
        _conv_out,
        [
            (
                lambda size, k=3, s=2, p=1: (size + 2 * p - k) / s + 1,
                "sizes are whole numbers, floor-divide with //",
            ),
            (
                lambda size, k=3, s=2, p=1: (size + p - k) // s + 1,
                "padding is added on both sides, 2 * padding",
            ),
            (
                lambda size, k=3, s=2, p=1: (size + 2 * p - k) // s,
                "off by one, + 1 counts the first position",
            ),
            (
                lambda size, k=3, s=2, p=1: math.ceil(size / s),
                "ceil(size / stride) is right only where the padding makes up for the kernel; "
                "the kernel must fit: (size + 2 * padding - kernel_size) // stride + 1",
            ),
            (
                lambda size, k=3, s=2, p=1: size // s,
                "size // stride leaves out the kernel and the padding",
            ),
        ],
        "conv_out",
        "the size",
    )


@exercise(
    "08.conv_out",
    _judge_conv_out,
    [
        "Padding adds columns on both sides; the kernel fits (size + 2 * padding - kernel_size) "
        "// stride + 1 times.",
        "return (size + 2 * padding - kernel_size) // stride + 1",
    ],
    shortcuts=[(nn.Conv2d, "__init__"), (nn.Conv1d, "__init__")],
    build="from size, kernel_size, stride and padding",
)
def _conv_out(size, kernel_size=3, stride=2, padding=1):
    return (size + 2 * padding - kernel_size) // stride + 1


def _judge_conv_params(f):
    _by_formula(
        f,
        [(1, 16, 3), (16, 16, 3), (16, 10, 3), (3, 8, 5)],
        _conv_params,
        [
            (lambda i, o, k: o * i * k * k, "plus one bias per output channel"),
            (
                lambda i, o, k: o * i * k * k + i,
                "one bias per output channel (+ c_out), not per input channel",
            ),
            (
                lambda i, o, k: o * i * k * k + 1,
                "one bias per output channel (+ c_out), not one in all",
            ),
            (
                lambda i, o, k: o * i * k + o,
                "each filter is kernel_size x kernel_size per input channel",
            ),
            (lambda i, o, k: o * k * k + o, "each filter spans every input channel, x c_in"),
            (
                lambda i, o, k: o * o * k * k + o,
                "c_out x c_out: each filter spans the c_in input channels, c_out * c_in * k * k",
            ),
        ],
        "conv_params",
        "the count",
    )


@exercise(
    "08.conv_params",
    _judge_conv_params,
    [
        "Each output channel has a filter of c_in x kernel_size x kernel_size weights, and a bias.",
        "return c_out * c_in * kernel_size * kernel_size + c_out",
    ],
    shortcuts=[(nn.Conv2d, "__init__")],
    build="from c_in, c_out and kernel_size",
)
def _conv_params(c_in, c_out, kernel_size):
    return c_out * c_in * kernel_size * kernel_size + c_out
