"""Toy sequence tasks: a registry of data generators and what their targets are.

    task = tasks.get("adding", seq_len=50)
    x, y = task.sample(batch_size, torch.Generator().manual_seed(0))

Every task is deterministic given the generator. x is (B, T, input_size) float32;
y is (B, output_size) / (B, T, output_size) floats for regression ("mse") and class
indices (B,) / (B, T) for classification ("ce"), at the last step or at every step
as `target` says.
"""

import numbers
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable

import torch

MAX_SEQ_LEN = 1000


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    input_size: int
    output_size: int
    loss: str     # "mse" (regression) or "ce" (classification)
    target: str   # "last" or "all"
    signal: str   # which time steps carry what the target depends on
    solved: float  # the task counts as solved at this MSE (regression) or accuracy (classes)
    seq_len: int
    _sample: Callable

    def sample(self, batch_size, generator=None):
        """x, y for `batch_size` sequences drawn with `generator` (seed 0 if None)."""
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        return self._sample(int(batch_size), self.seq_len, generator)

    @property
    def metric(self):
        return "accuracy" if self.loss == "ce" else "mse"

    @property
    def allows_bidirectional(self):
        """Reading the sequence backwards too is fair only when the answer comes after it all."""
        return self.target == "last"


def _uniform(shape, low, high, gen):
    return low + (high - low) * torch.rand(shape, generator=gen)


def _count(B, T, gen):
    start = torch.randint(0, 5, (B, 1), generator=gen).float()
    step = torch.randint(1, 3, (B, 1), generator=gen).float()
    positions = torch.arange(T + 1, dtype=torch.float32)
    sequence = start + step * positions  # (B, T+1): T shown, the next one asked for
    return sequence[:, :T, None], sequence[:, T:]


def _sine(B, T, gen, noise=0.05):
    period = _uniform((B, 1), 8.0, 24.0, gen)
    phase = _uniform((B, 1), 0.0, 2 * torch.pi, gen)
    positions = torch.arange(T + 1, dtype=torch.float32)
    wave = torch.sin(2 * torch.pi * positions / period + phase)
    noisy = wave + noise * torch.randn((B, T + 1), generator=gen)
    return noisy[:, :T, None], wave[:, 1:, None]  # the clean next value at every step


def _adding(B, T, gen):
    values = torch.rand((B, T), generator=gen)
    half = max(T // 2, 1)
    first = torch.randint(0, half, (B,), generator=gen)
    second = half + torch.randint(0, max(T - half, 1), (B,), generator=gen)
    second = torch.clamp(second, max=T - 1)  # T = 1: both markers on the one step
    markers = torch.zeros((B, T))
    rows = torch.arange(B)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = (values * markers).sum(dim=1, keepdim=True)
    return torch.stack([values, markers], dim=-1), target


def adding_lengths(longest, seed):
    """One adding-problem sequence for every length T = 1 .. `longest`, each the one before it
    with a number added at the end: a learner who drags T sees one sequence grow, not a new draw
    at every length. The two marked steps are where the task puts them for each T, one in each
    half, at the same fraction of each half.

    Returns values (longest,), marked (longest, 2): the marked steps (0-based) of the sequence
    of length T in row T - 1, and targets (longest,): the sum the task asks for at each T."""
    gen = torch.Generator().manual_seed(int(seed))
    values = torch.rand(longest, generator=gen)
    fractions = torch.rand(2, generator=gen, dtype=torch.float64)
    lengths = torch.arange(1, longest + 1)
    half = torch.clamp(lengths // 2, min=1)
    first = (fractions[0] * half).floor().long()
    second = torch.minimum(half + (fractions[1] * torch.clamp(lengths - half, min=1)).floor().long(), lengths - 1)
    targets = values[first] + torch.where(second != first, values[second], 0.0)  # T = 1: one marked step
    return values, torch.stack([first, second], dim=1), targets


def adding_sequence(seq_len, seed, longest):
    """The adding sequence of length `seq_len` of adding_lengths(longest, seed), as x (1, T, 2),
    y (1, 1) like a sampled batch of one."""
    values, marked, targets = adding_lengths(longest, seed)
    x = torch.zeros((1, seq_len, 2))
    x[0, :, 0] = values[:seq_len]
    x[0, marked[seq_len - 1], 1] = 1.0
    return x, targets[seq_len - 1].reshape(1, 1)


COPY_SYMBOLS = 8
# count's numbers grow with T (up to 4 + 2T); up to this length the LSTM and the GRU learn it
# with the lab's settings (tests/test_claims.py), beyond it tanh units saturate
COUNT_EASY_SEQ_LEN = 10


def _copy(B, T, gen):
    symbol = torch.randint(0, COPY_SYMBOLS, (B,), generator=gen)
    x = torch.zeros((B, T, COPY_SYMBOLS + 1))
    x[torch.arange(B), 0, symbol] = 1.0
    x[:, 1:, COPY_SYMBOLS] = 1.0  # the "blank" channel while the network must wait
    return x, symbol


@lru_cache(maxsize=1)
def corpus():
    """The small text that ships with rnnviz (written for it, free to use); read once."""
    return resources.files("rnnviz").joinpath("data/corpus.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def vocabulary():
    return tuple(sorted(set(corpus())))


def encode(text):
    index = {char: k for k, char in enumerate(vocabulary())}
    return torch.tensor([index[char] for char in text], dtype=torch.long)


def decode(indices):
    chars = vocabulary()
    return "".join(chars[int(k)] for k in indices)


def _text(B, T, gen):
    codes = encode(corpus())
    starts = torch.randint(0, len(codes) - T - 1, (B,), generator=gen)
    windows = torch.stack([codes[s:s + T + 1] for s in starts.tolist()])
    x = torch.nn.functional.one_hot(windows[:, :T], len(vocabulary())).float()
    return x, windows[:, 1:]


_REGISTRY = {
    "count": dict(
        description="Continue an arithmetic sequence: see 1, 2, 3, 4 and predict 5.",
        input_size=1, output_size=1, loss="mse", target="last",
        signal="the last two steps (their difference is the step size)", solved=0.25,
        _sample=_count),
    "sine": dict(
        description="Forecast the next value of a noisy sine wave at every step.",
        input_size=1, output_size=1, loss="mse", target="all",
        signal="every step: the target at t is the clean wave at t+1", solved=0.01,
        _sample=_sine),
    "adding": dict(
        description="Add the two marked numbers of a long sequence: values in [0, 1), one marker "
                    "in each half (the form of Le et al. 2015 and Arjovsky et al. 2016).",
        input_size=2, output_size=1, loss="mse", target="last",
        signal="the two marked steps, one in each half of the sequence", solved=0.01,
        _sample=_adding),
    "copy": dict(
        description=f"Remember which of {COPY_SYMBOLS} symbols was shown at the first step "
                    "and name it at the last.",
        input_size=COPY_SYMBOLS + 1, output_size=COPY_SYMBOLS, loss="ce", target="last",
        signal="the first step only", solved=0.99, _sample=_copy),
    "text": dict(
        description="Predict the next character of a short text, one character at a time.",
        input_size=None, output_size=None, loss="ce", target="all",
        signal="every step: the target at t is the character at t+1", solved=0.5,
        _sample=_text),
}

NAMES = tuple(_REGISTRY)


def check_seq_len(seq_len):
    if isinstance(seq_len, bool) or not isinstance(seq_len, numbers.Real) \
            or not 1 <= seq_len <= MAX_SEQ_LEN or seq_len != int(seq_len):
        raise ValueError(f"sequence length must be a whole number from 1 to {MAX_SEQ_LEN}, "
                         f"got {seq_len!r}")
    return int(seq_len)


def get(name, seq_len=20):
    """The task called `name` with sequences of `seq_len` steps."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown task {name!r}: choose one of {', '.join(NAMES)}")
    spec = dict(_REGISTRY[name])
    if name == "text":
        spec["input_size"] = spec["output_size"] = len(vocabulary())
    return Task(name=name, seq_len=check_seq_len(seq_len), **spec)
