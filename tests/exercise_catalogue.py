# ruff: noqa: E501 (each answer is a source string, kept whole to be read as code)
"""Answers as learners write them, for every exercise: wrong ones (off-by-one dimensions, a
missing no_grad, in-place slips, shapes that broadcast, hard-coded constants, answers right for
one input only, the mistakes issue 27 listed) and other right ones (another way, a library
shortcut). tests/test_exercises.py runs every entry through ``ex.check``.

Each entry is (expected, code): ``code`` is the exercise cell as a learner fills it in;
``expected`` is "passed" (the line must be exactly that), "passed: FRAGMENT" (passed with a
note containing FRAGMENT: a library shortcut) or "wrong: FRAGMENT" (the hint must name the
mistake, FRAGMENT a piece of it).

It lives in tests/, not in utils/exercises/: it is what the judges are tested on, not what a
learner's Colab installs, and a learner browsing utils should not meet a list of wrong answers.
The mistakes each judge already names have their own test (MISTAKES in test_exercises.py);
most entries here are other mistakes."""

CATALOGUE = {
    "01.softmax": [
        (
            "wrong: numpy's way",
            "import numpy as np\ndef softmax(x):\n    e = x.exp()\n    return e / np.sum(e, axis=1)",
        ),
        ("wrong: keepdim=True", "def softmax(x):\n    e = x.exp()\n    return e / e.sum(dim=1)"),
        ("wrong: each column", "def softmax(x):\n    e = x.exp()\n    return e / e.sum(0)"),
        (
            "wrong: log-probabilities",
            "def softmax(x):\n    return x - x.logsumexp(-1, keepdim=True)",
        ),
        (
            "wrong: fits 3 rows only",
            "def softmax(x):\n    e = x.exp()\n    return e / e.sum(-1).reshape(3, 1)",
        ),
        (
            "wrong: x.exp_() changed the scores",
            "def softmax(x):\n    e = x.exp_()\n    return e / e.sum(-1, keepdim=True)",
        ),
        (
            "passed",
            "def softmax(x):\n    m = x.max(-1, keepdim=True).values\n    e = (x - m).exp()\n    return e / e.sum(-1, keepdim=True)",
        ),
        ("passed", "def softmax(x):\n    return x.exp() / x.exp().sum(-1).unsqueeze(-1)"),
        ("passed: build it from x.exp()", "def softmax(x):\n    return torch.softmax(x, dim=-1)"),
        ("passed: build it from x.exp()", "def softmax(x):\n    return F.softmax(x, dim=1)"),
    ],
    "01.error_rate": [
        (
            "wrong: number of classes",
            "def error_rate(out, yb):\n    return (out.argmax(dim=1) != yb).float().sum() / out.shape[1]",
        ),
        (
            "wrong: fixed batch size",
            "def error_rate(out, yb):\n    return (out.argmax(dim=1) != yb).float().sum() / 6",
        ),
        (
            "wrong: accuracy",
            "def error_rate(out, yb):\n    return (out.argmax(1) == yb).float().mean()",
        ),
        (
            "wrong: right shape but other values",
            "def error_rate(out, yb):\n    return (out.argmax(-1) != yb).float().mean() * 100",
        ),
        (
            "wrong: argmax over dim=1",
            "def error_rate(out, yb):\n    return (out.argmax(0) != yb).float().mean()",
        ),
        (
            "wrong: booleans have no mean",
            "def error_rate(out, yb):\n    return 1 - (out.argmax(1) == yb).mean()",
        ),
        (
            "passed",
            "def error_rate(out, yb):\n    return 1 - (out.argmax(dim=1) == yb).float().mean()",
        ),
        (
            "passed",
            "def error_rate(out, yb):\n    return (out.argmax(dim=1) != yb).sum().item() / len(yb)",
        ),
    ],
    "02.stable_log_softmax": [
        (
            "wrong: keep the reduced dimension",
            "def stable_log_softmax(x):\n    m = x.max(-1).values\n    return x - m - (x - m).exp().sum(-1, keepdim=True).log()",
        ),
        (
            "wrong: max of each column",
            "def stable_log_softmax(x):\n    m = x.max(0, keepdim=True).values\n    return x - m - (x - m).exp().sum(-1, keepdim=True).log()",
        ),
        (
            "wrong: changed x itself",
            "def stable_log_softmax(x):\n    x -= x.max(-1, keepdim=True).values\n    return x - x.exp().sum(-1, keepdim=True).log()",
        ),
        (
            "wrong: subtract each row's max before exp",
            "def stable_log_softmax(x):\n    return (x.exp() / x.exp().sum(-1, keepdim=True)).log()",
        ),
        (
            "wrong: .values",
            "def stable_log_softmax(x):\n    m = x.max(-1, keepdim=True)\n    return x - m - (x - m).exp().sum(-1, keepdim=True).log()",
        ),
        (
            "wrong: from x as well",
            "def stable_log_softmax(x):\n    m = x.max(-1, keepdim=True)[0]\n    return x - (x - m).exp().sum(-1, keepdim=True).log() - m * 0",
        ),
        (
            "passed",
            "def stable_log_softmax(x):\n    m = x.max(dim=1, keepdim=True)[0]\n    s = x - m\n    return s - s.exp().sum(dim=1, keepdim=True).log()",
        ),
        (
            "passed",
            "def stable_log_softmax(x):\n    m = x.amax(-1, keepdim=True)\n    return x - (m + (x - m).exp().sum(-1, keepdim=True).log())",
        ),
        (
            "passed: by subtracting each row's max",
            "def stable_log_softmax(x):\n    return F.log_softmax(x, dim=-1)",
        ),
        (
            "passed: not call torch.logsumexp",
            "def stable_log_softmax(x):\n    return x - torch.logsumexp(x, -1, keepdim=True)",
        ),
    ],
    "02.my_cross_entropy": [
        (
            "wrong: torch.log(F.softmax(...)) is unstable",
            "def my_cross_entropy(scores, target):\n    return F.nll_loss(torch.log(F.softmax(scores, 1)), target)",
        ),
        (
            "wrong: no minus sign",
            "def my_cross_entropy(scores, target):\n    return -F.nll_loss(F.log_softmax(scores, dim=1), target)",
        ),
        (
            "wrong: dim=1",
            "def my_cross_entropy(scores, target):\n    return F.nll_loss(F.log_softmax(scores, dim=-2), target)",
        ),
        (
            "wrong: batch of one image",
            "def my_cross_entropy(scores, target):\n    return F.nll_loss(F.log_softmax(scores, dim=1), target) if len(target) > 1 else 0.0",
        ),
        (
            "wrong: the sum over the batch",
            "def my_cross_entropy(scores, target):\n    return F.nll_loss(F.log_softmax(scores, dim=1), target, reduction='sum')",
        ),
        (
            "passed",
            "def my_cross_entropy(scores, target):\n    logp = scores.log_softmax(1)\n    return F.nll_loss(logp, target)",
        ),
        (
            "passed",
            "def my_cross_entropy(scores, target):\n    logp = F.log_softmax(scores, dim=1)\n    return -logp[range(len(target)), target].mean()",
        ),
        (
            "passed: from F.log_softmax and F.nll_loss",
            "def my_cross_entropy(scores, target):\n    return F.cross_entropy(scores, target)",
        ),
        (
            "passed: not call F.cross_entropy",
            "def my_cross_entropy(scores, target):\n    return nn.CrossEntropyLoss()(scores, target)",
        ),
    ],
    "03.count_parameters": [
        ("wrong: 7850 again", "def count_parameters(model):\n    return 7850"),
        (
            "wrong: a bias has one dimension",
            "def count_parameters(model):\n    return sum(p.shape[0] * p.shape[1] for p in model.parameters())",
        ),
        (
            "wrong: len(p) counts only the first dimension",
            "def count_parameters(model):\n    return sum(len(p) for p in model.parameters())",
        ),
        (
            "wrong: frozen",
            "def count_parameters(model):\n    return sum(v.numel() for v in model.state_dict().values())",
        ),
        (
            "wrong: frozen ones only",
            "def count_parameters(model):\n    return sum(p.numel() for p in model.parameters() if not p.requires_grad) or 7850",
        ),
        (
            "wrong: should be a number",
            "def count_parameters(model):\n    return [p.numel() for p in model.parameters() if p.requires_grad]",
        ),
        (
            "passed",
            "def count_parameters(model):\n    n = 0\n    for p in model.parameters():\n        if p.requires_grad:\n            n += p.numel()\n    return n",
        ),
        (
            "passed",
            "def count_parameters(model):\n    return sum(p.numel() for _, p in model.named_parameters() if p.requires_grad)",
        ),
    ],
    "03.sgd_update": [
        (
            "wrong: step of 0.1 whatever lr",
            "def sgd_update(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n            p -= p.grad * 0.1\n        model.zero_grad()",
        ),
        (
            "wrong: the gradients were reset before",
            "def sgd_update(model, lr):\n    model.zero_grad()\n    with torch.no_grad():\n        for p in model.parameters():\n            p -= p.grad * lr",
        ),
        (
            "wrong: only some parameters changed",
            "def sgd_update(model, lr):\n    with torch.no_grad():\n        model.weight -= model.weight.grad * lr\n        model.zero_grad()",
        ),
        (
            "wrong: divides by lr",
            "def sgd_update(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n            p -= p.grad / lr\n        model.zero_grad()",
        ),
        (
            "wrong: torch.no_grad()",
            "def sgd_update(model, lr):\n    for p in model.parameters():\n        p.sub_(p.grad * lr)\n    model.zero_grad()",
        ),
        (
            "wrong: did not change",
            "def sgd_update(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n            p = p - p.grad * lr\n    model.zero_grad()",
        ),
        (
            "passed",
            "def sgd_update(model, lr):\n    for p in model.parameters():\n        p.data -= lr * p.grad\n        p.grad = None",
        ),
        (
            "passed",
            "def sgd_update(model, lr):\n    with torch.no_grad():\n        for p in model.parameters():\n            p.add_(p.grad, alpha=-lr)\n            p.grad.zero_()",
        ),
    ],
    "03.MnistMLP": [
        (
            "wrong: a ReLU on the scores",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return F.relu(self.out(self.hidden(xb)))",
        ),
        (
            "wrong: a ReLU on the scores",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return F.relu(self.out(F.relu(self.hidden(xb))))",
        ),
        (
            "wrong: a sigmoid on the scores",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return torch.sigmoid(self.out(F.relu(self.hidden(xb))))",
        ),
        (
            "wrong: raw scores",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return F.log_softmax(self.out(F.relu(self.hidden(xb))), dim=1)",
        ),
        (
            "wrong: 39760 parameters",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden + 1, 10)\n\n    def forward(self, xb):\n        return self.out(F.relu(self.hidden(xb)))",
        ),
        (
            "wrong: Linear, F.relu, Linear",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return self.out(torch.tanh(self.hidden(xb)))",
        ),
        (
            "wrong: (4, 10) scores",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.hidden = nn.Linear(784, n_hidden)\n        self.out = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        return self.out(F.relu(self.hidden(xb))).argmax(dim=1)",
        ),
        (
            "passed",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.layers = nn.Sequential(nn.Linear(784, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 10))\n\n    def forward(self, xb):\n        return self.layers(xb)",
        ),
        (
            "passed",
            "class MnistMLP(nn.Module):\n    def __init__(self, n_hidden=50):\n        super().__init__()\n        self.l1 = nn.Linear(784, n_hidden)\n        self.l2 = nn.Linear(n_hidden, 10)\n\n    def forward(self, xb):\n        h = self.l1(xb).clamp(min=0)\n        return self.l2(h)",
        ),
    ],
    "04.train_step": [
        (
            "wrong: a zero_grad between them erases it",
            "def train_step(model, loss_func, opt, xb, yb):\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.zero_grad()\n    opt.step()\n    return loss.item()",
        ),
        (
            "wrong: the loss has no graph",
            "def train_step(model, loss_func, opt, xb, yb):\n    with torch.no_grad():\n        loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n    return loss.item()",
        ),
        (
            "wrong: return the batch's loss as a float",
            "def train_step(model, loss_func, opt, xb, yb):\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n    return loss_func(model(xb), yb).item()",
        ),
        (
            "wrong: return the batch's loss as a float",
            "def train_step(model, loss_func, opt, xb, yb):\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n    return loss.item",
        ),
        (
            "wrong: loss.item()",
            "def train_step(model, loss_func, opt, xb, yb):\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad()\n    return loss.detach()",
        ),
        (
            "wrong: added up over the two steps",
            "def train_step(model, loss_func, opt, xb, yb):\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    return loss.item()",
        ),
        (
            "passed",
            "def train_step(model, loss_func, opt, xb, yb):\n    opt.zero_grad()\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n    opt.step()\n    return float(loss)",
        ),
        (
            "passed",
            "def train_step(model, loss_func, opt, xb, yb):\n    pred = model(xb)\n    loss = loss_func(pred, yb)\n    loss.backward()\n    opt.step()\n    opt.zero_grad(set_to_none=False)\n    return loss.item()",
        ),
    ],
    "04.get_adam_model": [
        (
            "wrong: model.parameters is a method",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    return model, optim.Adam(model.parameters, lr=lr)",
        ),
        (
            "wrong: nn.Linear(in, out) takes the inputs first",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(10, 784)\n    return model, optim.Adam(model.parameters(), lr=lr)",
        ),
        (
            "wrong: should be the model",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    return optim.Adam(model.parameters(), lr=lr), model",
        ),
        (
            "wrong: pass it on",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    return model, optim.Adam(model.parameters(), lr=1e-3)",
        ),
        (
            "wrong: return two things",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    opt = optim.Adam(model.parameters(), lr=lr)\n    return model",
        ),
        (
            "wrong: should be optim.Adam",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    return model, optim.AdamW(model.parameters(), lr=lr)",
        ),
        (
            "passed",
            "def get_adam_model(lr=1e-3):\n    model = nn.Linear(784, 10)\n    opt = optim.Adam(model.parameters(), lr)\n    return (model, opt)",
        ),
        (
            "passed",
            "def get_adam_model(lr=1e-3):\n    model = nn.Sequential(nn.Linear(784, 10))\n    return model, optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))",
        ),
    ],
    "05.PairDataset": [
        (
            "wrong: 7 examples, but len() gave 21",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return self.x.numel()\n\n    def __getitem__(self, i):\n        return self.x[i], self.y[i]",
        ),
        (
            "wrong: neighbouring example",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return len(self.x)\n\n    def __getitem__(self, i):\n        return self.x[i - 1], self.y[i - 1]",
        ),
        (
            "wrong: x[:, i] is a column",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return len(self.x)\n\n    def __getitem__(self, i):\n        return self.x[:, i], self.y[i]",
        ),
        (
            "wrong: a pair",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return len(self.x)\n\n    def __getitem__(self, i):\n        return torch.cat([self.x[i], self.y[i:i + 1].float()])",
        ),
        (
            "wrong: ds[2][1] has shape (7,)",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return len(self.x)\n\n    def __getitem__(self, i):\n        return self.x[i], self.y",
        ),
        (
            "wrong: len is the number of examples",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return self.x.size(1)\n\n    def __getitem__(self, i):\n        return self.x[i], self.y[i]",
        ),
        (
            "passed",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return self.x.shape[0]\n\n    def __getitem__(self, i):\n        return (self.x[i], self.y[i])",
        ),
        (
            "passed",
            "class PairDataset(torch.utils.data.Dataset):\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n    def __len__(self):\n        return len(self.y)\n\n    def __getitem__(self, i):\n        return [self.x[i], self.y[i]]",
        ),
    ],
    "05.make_loader": [
        (
            "wrong: batch_size should be bs (3 here), not 4",
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))",
        ),
        (
            "wrong: global generator",
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.manual_seed(0))",
        ),
        (
            "wrong: share one generator",
            "g = torch.Generator().manual_seed(0)\ndef make_loader(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True, generator=g)",
        ),
        (
            "wrong: drop_last=True",
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0))",
        ),
        (
            "wrong: seed the generator with 0",
            "def make_loader(ds, bs):\n    return DataLoader(ds, batch_size=bs, shuffle=True, generator=torch.Generator())",
        ),
        (
            "wrong: leave shuffle out",
            "from torch.utils.data import RandomSampler\ndef make_loader(ds, bs):\n    g = torch.Generator().manual_seed(0)\n    return DataLoader(ds, batch_size=bs, shuffle=True, sampler=RandomSampler(ds, generator=g))",
        ),
        (
            "passed",
            "from torch.utils.data import RandomSampler\ndef make_loader(ds, bs):\n    g = torch.Generator().manual_seed(0)\n    return DataLoader(ds, batch_size=bs, sampler=RandomSampler(ds, generator=g))",
        ),
        (
            "passed",
            "def make_loader(ds, bs):\n    g = torch.Generator()\n    g.manual_seed(0)\n    return DataLoader(ds, bs, True, generator=g)",
        ),
    ],
    "06.step_record": [
        (
            "wrong: loss.item is the method itself",
            "def step_record(epoch, loss):\n    return {'epoch': epoch, 'train_loss': loss.item}",
        ),
        (
            "wrong: log the epoch you are given",
            "def step_record(epoch, loss):\n    return {'epoch': epoch + 1, 'train_loss': loss.item()}",
        ),
        (
            "wrong: expected {'epoch': 0",
            "def step_record(epoch, loss):\n    return {'epoch': 3, 'train_loss': loss.item()}",
        ),
        (
            "wrong: expected {'epoch': 3",
            "def step_record(epoch, loss):\n    return {'epoch': epoch, 'train_loss': round(loss.item(), 2)}",
        ),
        (
            "wrong: use the keys epoch and train_loss",
            "def step_record(epoch, loss):\n    return {'epoch': epoch, 'train_loss': loss.item(), 'step': 0}",
        ),
        (
            "wrong: a tensor keeps its graph",
            "def step_record(epoch, loss):\n    return dict(epoch=epoch, train_loss=loss.detach())",
        ),
        (
            "passed",
            "def step_record(epoch, loss):\n    return dict(epoch=epoch, train_loss=float(loss))",
        ),
        (
            "passed",
            "def step_record(epoch, loss):\n    record = {}\n    record['train_loss'] = loss.detach().item()\n    record['epoch'] = epoch\n    return record",
        ),
    ],
    "06.epoch_means": [
        (
            "wrong: that is the median",
            "import statistics\ndef epoch_means(records):\n    by = {}\n    for r in records:\n        if 'train_loss' in r:\n            by.setdefault(r['epoch'], []).append(r['train_loss'])\n    return [statistics.median(v) for v in by.values()]",
        ),
        (
            "wrong: that is the median",
            "def epoch_means(records):\n    by = {}\n    for r in records:\n        if 'train_loss' in r:\n            by.setdefault(r['epoch'], []).append(r['train_loss'])\n    return [torch.tensor(v).median() for v in by.values()]",
        ),
        (
            "wrong: (min + max) / 2",
            "def epoch_means(records):\n    by = {}\n    for r in records:\n        if 'train_loss' in r:\n            by.setdefault(r['epoch'], []).append(r['train_loss'])\n    return [(min(v) + max(v)) / 2 for v in by.values()]",
        ),
        (
            "wrong: not by position",
            "def epoch_means(records):\n    losses = [r['train_loss'] for r in records if 'train_loss' in r]\n    n_epochs = len({r['epoch'] for r in records})\n    k = len(losses) // n_epochs\n    return [sum(losses[i * k:(i + 1) * k]) / k for i in range(n_epochs)]",
        ),
        (
            "wrong: the last loss of each epoch",
            "def epoch_means(records):\n    last = {}\n    for r in records:\n        if 'train_loss' in r:\n            last[r['epoch']] = r['train_loss']\n    return list(last.values())",
        ),
        (
            "wrong: return a list of the means",
            "def epoch_means(records):\n    by = {}\n    for r in records:\n        if 'train_loss' in r:\n            by.setdefault(r['epoch'], []).append(r['train_loss'])\n    return {e: sum(v) / len(v) for e, v in by.items()}",
        ),
        (
            "wrong: skip them",
            "def epoch_means(records):\n    by = {}\n    for r in records:\n        if 'valid_loss' not in r:\n            by.setdefault(r['epoch'], []).append(r['train_loss'])\n    return [sum(v) / len(v) for v in by.values()]",
        ),
        (
            "passed",
            "from collections import defaultdict\ndef epoch_means(records):\n    by = defaultdict(list)\n    for r in records:\n        if 'train_loss' in r:\n            by[r['epoch']].append(r['train_loss'])\n    return [torch.tensor(by[e]).mean() for e in sorted(by)]",
        ),
        (
            "passed",
            "import itertools\ndef epoch_means(records):\n    rs = [r for r in records if r.get('train_loss') is not None]\n    groups = itertools.groupby(rs, key=lambda r: r['epoch'])\n    return [sum(l) / len(l) for l in ([r['train_loss'] for r in g] for _, g in groups)]",
        ),
    ],
    "07.valid_accuracy": [
        (
            "wrong: the last batch is smaller",
            "def valid_accuracy(model, batches):\n    model.eval()\n    correct = 0\n    with torch.no_grad():\n        for xb, yb in batches:\n            correct += (model(xb).argmax(1) == yb).sum().item()\n    return correct / (len(batches) * len(batches[0][0]))",
        ),
        (
            "wrong: not a percentage",
            "def valid_accuracy(model, batches):\n    model.eval()\n    correct = n = 0\n    with torch.no_grad():\n        for xb, yb in batches:\n            correct += (model(xb).argmax(1) == yb).sum().item()\n            n += len(xb)\n    return 100 * correct / n",
        ),
        (
            "wrong: call model.eval() first",
            "def valid_accuracy(model, batches):\n    model.eval\n    correct = n = 0\n    with torch.no_grad():\n        for xb, yb in batches:\n            correct += (model(xb).argmax(1) == yb).sum().item()\n            n += len(xb)\n    return correct / n",
        ),
        (
            "wrong: 5 of 8 right",
            "def valid_accuracy(model, batches):\n    model.eval()\n    with torch.no_grad():\n        for xb, yb in batches:\n            model(xb)\n    return 0.6",
        ),
        (
            "wrong: the error rate",
            "def valid_accuracy(model, batches):\n    model.eval()\n    wrong = n = 0\n    with torch.no_grad():\n        for xb, yb in batches:\n            wrong += (model(xb).argmax(1) != yb).sum().item()\n            n += len(xb)\n    return wrong / n",
        ),
        (
            "wrong: torch.no_grad()",
            "def valid_accuracy(model, batches):\n    model.eval()\n    correct = n = 0\n    torch.no_grad()\n    for xb, yb in batches:\n        correct += (model(xb).argmax(1) == yb).sum().item()\n        n += len(xb)\n    return correct / n",
        ),
        (
            "passed",
            "@torch.no_grad()\ndef valid_accuracy(model, batches):\n    model.eval()\n    right = [(model(xb).argmax(1) == yb).float() for xb, yb in batches]\n    return torch.cat(right).mean()",
        ),
        (
            "passed",
            "def valid_accuracy(model, batches):\n    model.train(False)\n    with torch.inference_mode():\n        total = sum(len(yb) for _, yb in batches)\n        right = sum((model(xb).argmax(dim=1) == yb).sum() for xb, yb in batches)\n    return right.item() / total",
        ),
    ],
    "07.halve_lr": [
        (
            "wrong: changed the lr at once",
            "def halve_lr(opt):\n    for group in opt.param_groups:\n        group['lr'] /= 2",
        ),
        (
            "wrong: keeps its lr in each parameter group",
            "def halve_lr(opt):\n    def hook(metrics):\n        opt.lr /= 2\n    return hook",
        ),
        (
            "wrong: returned None",
            "def halve_lr(opt):\n    def hook(metrics):\n        for group in opt.param_groups:\n            group['lr'] /= 2",
        ),
        (
            "wrong: return the hook itself",
            "def halve_lr(opt):\n    def hook(metrics):\n        for group in opt.param_groups:\n            group['lr'] /= 2\n    return 'hook'",
        ),
        (
            "wrong: the hook changed no lr",
            "def halve_lr(opt):\n    def hook(metrics):\n        for group in opt.param_groups:\n            lr = group['lr']\n            lr /= 2\n    return hook",
        ),
        (
            "wrong: after one epoch",
            "def halve_lr(opt):\n    def hook(metrics):\n        for group in opt.param_groups:\n            group['lr'] = 0.5\n    return hook",
        ),
        (
            "passed",
            "def halve_lr(opt):\n    return lambda metrics: [g.update(lr=g['lr'] / 2) for g in opt.param_groups]",
        ),
        (
            "passed",
            "def halve_lr(opt):\n    def hook(metrics):\n        for group in opt.param_groups:\n            group['lr'] = group['lr'] * 0.5\n    return hook",
        ),
    ],
    "08.conv_out": [
        (
            "wrong: ceil(size / stride) is right only",
            "import math\ndef conv_out(size, kernel_size=3, stride=2, padding=1):\n    return math.ceil(size / stride)",
        ),
        (
            "wrong: size // stride leaves out",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    return size // stride",
        ),
        (
            "wrong: conv_out(7,) gave 3, expected 4",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    return (size + 2 * padding - kernel_size + 1) // stride",
        ),
        (
            "wrong: conv_out(5, 3, 1, 0) gave 14",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    return {28: 14, 14: 7, 7: 4}.get(size, 14)",
        ),
        (
            "wrong: floor-divide",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    return round((size + 2 * padding - kernel_size) / stride + 1, 2)",
        ),
        (
            "passed",
            "import math\ndef conv_out(size, kernel_size=3, stride=2, padding=1):\n    return math.floor((size + 2 * padding - kernel_size) / stride) + 1",
        ),
        (
            "passed",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    return int((size - kernel_size + 2 * padding) / stride) + 1",
        ),
        (
            "passed: not call nn.Conv2d",
            "def conv_out(size, kernel_size=3, stride=2, padding=1):\n    conv = nn.Conv2d(1, 1, kernel_size, stride, padding)\n    return conv(torch.zeros(1, 1, size, size)).shape[-1]",
        ),
    ],
    "08.conv_params": [
        (
            "wrong: not per input channel",
            "def conv_params(c_in, c_out, kernel_size):\n    return c_in * c_out * kernel_size ** 2 + c_in",
        ),
        (
            "wrong: not one in all",
            "def conv_params(c_in, c_out, kernel_size):\n    return c_in * c_out * kernel_size ** 2 + 1",
        ),
        (
            "wrong: conv_params(16, 16, 3) gave 160",
            "def conv_params(c_in, c_out, kernel_size):\n    return 160",
        ),
        (
            "wrong: spans the c_in input channels",
            "def conv_params(c_in, c_out, kernel_size):\n    return c_out * c_out * kernel_size * kernel_size + c_out",
        ),
        (
            "wrong: x c_in",
            "def conv_params(c_in, c_out, kernel_size):\n    return (kernel_size * kernel_size + 1) * c_out",
        ),
        (
            "passed",
            "def conv_params(c_in, c_out, kernel_size):\n    return (c_in * kernel_size * kernel_size + 1) * c_out",
        ),
        (
            "passed: not call nn.Conv2d",
            "def conv_params(c_in, c_out, kernel_size):\n    return sum(p.numel() for p in nn.Conv2d(c_in, c_out, kernel_size).parameters())",
        ),
    ],
    "09.flatten_images": [
        (
            "wrong: x.size(1) is the channels",
            "def flatten_images(x):\n    return x.view(x.size(1), -1)",
        ),
        (
            "wrong: leave out a dimension",
            "def flatten_images(x):\n    return x.view(x.size(0), x.size(2) * x.size(3))",
        ),
        (
            "wrong: keep the batch first",
            "def flatten_images(x):\n    return x.view(x.size(0), -1).T",
        ),
        ("wrong: hard-code 784", "def flatten_images(x):\n    return x.reshape(x.shape[0], 784)"),
        ("wrong: keep the batch dimension", "def flatten_images(x):\n    return torch.flatten(x)"),
        (
            "wrong: has shape (5, 1, 784)",
            "def flatten_images(x):\n    return x.view(x.size(0), x.size(1), -1)",
        ),
        ("passed", "def flatten_images(x):\n    return x.flatten(start_dim=1)"),
        (
            "passed",
            "def flatten_images(x):\n    b, c, h, w = x.shape\n    return x.reshape(b, c * h * w)",
        ),
    ],
    "09.tiny_cnn": [
        (
            "wrong: no ReLU between the convolution and the pool",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 10))",
        ),
        (
            "wrong: there is no convolution",
            "def tiny_cnn():\n    return nn.Sequential(nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(1, 10))",
        ),
        (
            "wrong: not [Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1)",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 10))",
        ),
        (
            "wrong: pool each channel to 1x1",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), Lambda(flatten), nn.Linear(32, 10))",
        ),
        (
            "wrong: a fixed pool fits one image size",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(7), Lambda(flatten), nn.Linear(8, 10))",
        ),
        (
            "wrong: one nn.Linear(8, 10)",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 8), nn.Linear(8, 10))",
        ),
        (
            "wrong: in that order",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), Lambda(flatten), nn.Linear(8, 10), nn.ReLU())",
        ),
        (
            "passed",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1), Lambda(flatten), nn.Linear(8, 10))",
        ),
        (
            "passed",
            "def tiny_cnn():\n    return nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8, 10))",
        ),
    ],
    "10.batch_to": [
        (
            "wrong: the labels must stay integers",
            "def batch_to(batch, device):\n    return tuple(t.to(device, torch.float32) for t in batch)",
        ),
        (
            "wrong: the labels must stay integers",
            "def batch_to(batch, device):\n    return tuple(t.to(device).float() for t in batch)",
        ),
        (
            "wrong: the batch had 3 tensors and 2 came back",
            "def batch_to(batch, device):\n    xb, yb = batch[0], batch[1]\n    return xb.to(device), yb.to(device)",
        ),
        (
            "wrong: move to the device you are given",
            "def batch_to(batch, device):\n    return tuple(t.to('cuda') for t in batch)",
        ),
        (
            "wrong: keep what it returns",
            "def batch_to(batch, device):\n    return tuple(t for t in batch if t.to(device) is not None)",
        ),
        (
            "wrong: return a tuple",
            "def batch_to(batch, device):\n    return map(lambda t: t.to(device), batch)",
        ),
        (
            "passed",
            "def batch_to(batch, device):\n    moved = []\n    for t in batch:\n        moved.append(t.to(device, non_blocking=True))\n    return tuple(moved)",
        ),
        (
            "passed",
            "def batch_to(batch, device):\n    return tuple(map(lambda t: t.to(device=device), batch))",
        ),
    ],
    "10.n_batches": [
        ("wrong: no extra batch", "def n_batches(n, bs):\n    return (n + bs) // bs"),
        (
            "wrong: the last, smaller batch counts too",
            "def n_batches(n, bs):\n    return round(n / bs)",
        ),
        (
            "wrong: a count is a whole number",
            "import math\ndef n_batches(n, bs):\n    return float(math.ceil(n / bs))",
        ),
        ("wrong: n_batches(10000, 1024) gave 782", "def n_batches(n, bs):\n    return 782"),
        (
            "wrong: n_batches(0, 4) gave 1",
            "def n_batches(n, bs):\n    return max(1, (n + bs - 1) // bs)",
        ),
        ("passed", "import math\ndef n_batches(n, bs):\n    return math.ceil(n / bs)"),
        ("passed", "def n_batches(n, bs):\n    return -(-n // bs)"),
        ("passed", "def n_batches(n, bs):\n    return len(range(0, n, bs))"),
    ],
    "11.conv_bn": [
        (
            "wrong: the convolution comes first",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.BatchNorm2d(c_in), nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.ReLU())",
        ),
        (
            "wrong: not 1x1",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())",
        ),
        (
            "wrong: use c_in and c_out",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())",
        ),
        (
            "wrong: the number of channels coming out",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_in), nn.ReLU())",
        ),
        (
            "wrong: kernel 3, padding=1, stride 1",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())",
        ),
        (
            "wrong: end with nn.ReLU()",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))",
        ),
        (
            "passed",
            "def conv_bn(c_in, c_out):\n    layers = [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]\n    return nn.Sequential(*layers)",
        ),
        (
            "passed",
            "def conv_bn(c_in, c_out):\n    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())",
        ),
    ],
    "11.shift_right": [
        (
            "wrong: do not change xb itself",
            "def shift_right(xb, pixels):\n    out = xb\n    out[..., pixels:] = xb[..., :xb.shape[-1] - pixels].clone()\n    out[..., :pixels] = 0\n    return out",
        ),
        (
            "wrong: with pixels=2 the result",
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n    out[..., 1:] = xb[..., :-1]\n    return out",
        ),
        ("wrong: torch.roll wraps", "def shift_right(xb, pixels):\n    return xb.roll(pixels, -1)"),
        (
            "wrong: moves them down",
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n    out[:, :, pixels:] = xb[:, :, :xb.shape[2] - pixels]\n    return out",
        ),
        (
            "wrong: with pixels=1 the result",
            "def shift_right(xb, pixels):\n    out = torch.zeros_like(xb)\n    out[..., pixels:] = xb[..., pixels:]\n    return out",
        ),
        (
            "passed",
            "def shift_right(xb, pixels):\n    w = xb.shape[-1]\n    return F.pad(xb, (pixels, 0))[..., :w]",
        ),
        (
            "passed",
            "def shift_right(xb, pixels):\n    out = xb.clone()\n    out[..., pixels:] = xb[..., :xb.size(-1) - pixels]\n    out[..., :pixels] = 0\n    return out",
        ),
    ],
}
