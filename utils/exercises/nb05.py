"""Notebook 05, Dataset and DataLoader: the judges of its exercises and their reference
solutions."""

import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

from .core import Wrong, call, close, exercise, expect


def _judge_pair_dataset(cls):
    x, y = torch.arange(21.0).view(7, 3), torch.arange(7) % 3
    ds = cls(x, y)
    n = len(ds)
    if n == 3:
        raise Wrong("len is the number of examples (rows of x): len(self.x)")
    if n != 7:
        raise Wrong(f"7 examples, but len() gave {n}: len(self.x)")
    item = ds[2]
    if item is None:
        raise Wrong("__getitem__ returned None: return self.x[i], self.y[i]")
    if not (isinstance(item, (tuple, list)) and len(item) == 2):
        raise Wrong("__getitem__ should return a pair: (self.x[i], self.y[i])")
    if isinstance(item[0], torch.Tensor) and close(item[0], x[:, 2]):
        raise Wrong("x[:, i] is a column; example i is row i: self.x[i]")
    if isinstance(item[0], torch.Tensor) and (close(item[0], x[1]) or close(item[0], x[3])):
        raise Wrong("ds[2] gave a neighbouring example: indices start at 0, return self.x[i]")
    expect(item[0], x[2], what="ds[2][0]")
    expect(item[1], y[2], what="ds[2][1]")
    batches = list(DataLoader(ds, batch_size=3))
    if [tuple(xb.shape) for xb, _ in batches] != [(3, 3), (3, 3), (1, 3)]:
        raise Wrong("a DataLoader over it should give batches of 3, 3 and 1 rows")


@exercise(
    "05.PairDataset",
    _judge_pair_dataset,
    [
        "__len__ says how many examples there are; __getitem__(i) returns example i.",
        "return len(self.x) and return self.x[i], self.y[i]",
    ],
    errors={r"has no len\(\)": "define __len__: return len(self.x)"},
)
class _PairDataset(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def _judge_make_loader(f):
    ds = TensorDataset(torch.arange(10))
    generators = []
    for bs in (4, 3):  # two sizes: a hard-coded batch size shows
        dl = call(f, ds, bs, what="make_loader")
        if not isinstance(dl, DataLoader):
            raise Wrong(f"return a DataLoader, not a {type(dl).__name__}")
        if dl.batch_size != bs:
            raise Wrong(f"batch_size should be bs ({bs} here), not {dl.batch_size}")
        if dl.drop_last:
            raise Wrong("drop_last=True throws the last, smaller batch away: leave it out")
        if not isinstance(dl.sampler, RandomSampler):
            raise Wrong("shuffle=True: a new order every epoch")
        # its own generator: the loader's, or that of the RandomSampler it was given
        gen = dl.generator if dl.generator is not None else dl.sampler.generator
        if gen is None:
            raise Wrong(
                "give the shuffle its own generator=torch.Generator().manual_seed(0): "
                "otherwise any other loop changes the order"
            )
        if gen is torch.default_generator:
            raise Wrong(
                "torch.manual_seed(0) returns the global generator, the one every other random "
                "call moves on: make the loader its own, torch.Generator().manual_seed(0)"
            )
        if gen.initial_seed() != 0:
            raise Wrong("seed the generator with 0: torch.Generator().manual_seed(0)")
        generators.append(gen)
        got = sorted(v for (b,) in dl for v in b.tolist())
        if got != list(range(10)):
            raise Wrong("one epoch should give every example once")
    if generators[0] is generators[1]:
        raise Wrong(
            "two loaders share one generator, so the second starts where the first stopped: "
            "make a new torch.Generator() inside make_loader"
        )


@exercise(
    "05.make_loader",
    _judge_make_loader,
    [
        "DataLoader(ds, batch_size=..., shuffle=..., generator=...)",
        "DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(0))",
    ],
    errors={
        r"mutually exclusive with shuffle": "a RandomSampler already shuffles: "
        "give DataLoader the sampler and leave shuffle out"
    },
)
def _make_loader(ds, bs):
    return DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(0))
