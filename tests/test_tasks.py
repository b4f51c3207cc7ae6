"""Every toy task: shapes, determinism, refusal of bad lengths, and that the target
depends on the steps the task says carry the signal."""

import pytest
import torch

from rnnviz import tasks


def sample(name, seq_len=20, batch=16, seed=0):
    task = tasks.get(name, seq_len=seq_len)
    return task, *task.sample(batch, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", tasks.NAMES)
@pytest.mark.parametrize("seq_len", [1, 2, 20, 1000])
def test_shapes(name, seq_len):
    task, x, y = sample(name, seq_len, batch=3)
    assert x.shape == (3, seq_len, task.input_size) and x.dtype == torch.float32
    classes = task.loss == "ce"
    if task.target == "last":
        assert y.shape == ((3,) if classes else (3, task.output_size))
    else:
        assert y.shape == ((3, seq_len) if classes else (3, seq_len, task.output_size))
    if classes:
        assert y.dtype == torch.long and 0 <= y.min() and y.max() < task.output_size
    assert task.description and task.signal


@pytest.mark.parametrize("name", tasks.NAMES)
def test_same_generator_seed_same_data(name):
    _, x1, y1 = sample(name, seed=5)
    _, x2, y2 = sample(name, seed=5)
    _, x3, _ = sample(name, seed=6)
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, x3)


@pytest.mark.parametrize("name", tasks.NAMES)
@pytest.mark.parametrize("bad", [0, -3, 1001, 2.5, "20", None, float("nan"), True])
def test_bad_sequence_length_is_refused_clearly(name, bad):
    with pytest.raises(ValueError, match="sequence length must be a whole number from 1 to 1000"):
        tasks.get(name, seq_len=bad)


def test_unknown_task_names_the_choices():
    with pytest.raises(ValueError, match="count, sine, adding, copy, text"):
        tasks.get("parity")


def test_count_continues_the_arithmetic_sequence():
    _, x, y = sample("count", seq_len=4)
    steps = x[:, 1:, 0] - x[:, :-1, 0]
    assert torch.all(steps == steps[:, :1])  # constant step: an arithmetic sequence
    assert torch.equal(y[:, 0], x[:, -1, 0] + steps[:, 0])  # the signal: the last two steps


def test_sine_target_is_the_next_clean_value_of_the_wave():
    _, x, y = sample("sine", seq_len=50)
    noise = x[:, 1:, 0] - y[:, :-1, 0]  # input at t+1 = target at t + noise
    assert noise.abs().max() < 0.3 and 0.02 < noise.std() < 0.08
    assert y.abs().max() <= 1.0


def test_adding_target_is_the_sum_of_the_two_marked_values():
    _, x, y = sample("adding", seq_len=30)
    values, markers = x[..., 0], x[..., 1]
    assert torch.all(markers.sum(dim=1) == 2)
    first = markers[:, :15].argmax(dim=1)
    second = 15 + markers[:, 15:].argmax(dim=1)
    rows = torch.arange(len(x))
    torch.testing.assert_close(y[:, 0], values[rows, first] + values[rows, second])
    # the unmarked steps carry nothing: changing them leaves the sum as it was
    assert not torch.allclose(values * (1 - markers), torch.zeros_like(values))


def test_copy_target_is_the_symbol_shown_first_and_nothing_else():
    task, x, y = sample("copy", seq_len=25)
    assert torch.equal(x[:, 0, :tasks.COPY_SYMBOLS].argmax(dim=1), y)
    blanks = x[:, 1:]
    assert torch.all(blanks[..., tasks.COPY_SYMBOLS] == 1)
    assert torch.all(blanks[..., :tasks.COPY_SYMBOLS] == 0)


def test_text_target_is_the_next_character_of_the_corpus():
    task, x, y = sample("text", seq_len=40, batch=4)
    corpus = tasks.corpus()
    assert len(corpus) > 2000
    for b in range(4):
        shown = tasks.decode(x[b].argmax(dim=-1))
        wanted = tasks.decode(y[b])
        assert shown in corpus and shown[1:] == wanted[:-1]
        assert (shown + wanted[-1]) in corpus
