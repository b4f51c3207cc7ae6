"""train(): it learns, it is reproducible, and divergence is reported, never raised."""

import math

import numpy as np
import pytest
import torch

import rnnviz


def test_loss_falls_on_sine_within_a_few_hundred_steps():
    task = rnnviz.tasks.get("sine", seq_len=30)
    model = rnnviz.Model("lstm", 1, 16, 1, seed=0)
    hist = rnnviz.train(model, task, steps=200, lr=1e-2, batch_size=16, seed=0)
    assert hist.diverged_at is None and hist.steps_done == 200
    first, last = hist.loss[:10].mean(), hist.loss[-10:].mean()
    assert last < 0.2 * first
    # the trained weights were written back: a fresh batch scores as well
    x, y = task.sample(64, torch.Generator().manual_seed(99))
    assert rnnviz.record(model, x, y, "mse", "all").loss < 0.3 * first


def test_huge_learning_rate_reports_divergence_instead_of_raising():
    task = rnnviz.tasks.get("adding", seq_len=20)
    model = rnnviz.Model("rnn", 2, 16, 1, seed=0)
    hist = rnnviz.train(model, task, steps=100, lr=1e6, optimizer="sgd", seed=0)
    assert hist.diverged_at is not None and hist.diverged_at < 100
    assert "inf" in hist.diverged_reason or "nan" in hist.diverged_reason
    assert hist.steps_done == hist.diverged_at
    assert np.all(np.isfinite(hist.loss))
    assert all(torch.isfinite(p).all() for p in model.params.values())


def test_identical_arguments_give_identical_histories():
    def run():
        task = rnnviz.tasks.get("copy", seq_len=8)
        model = rnnviz.Model("gru", task.input_size, 8, task.output_size, seed=3)
        return rnnviz.train(model, task, steps=15, lr=1e-2, dropout=0.3, clip=("norm", 0.5),
                            batch_size=8, seed=11, record_every=5)
    a, b = run(), run()
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert sorted(a.traces) == [0, 5, 10, 15]
    np.testing.assert_array_equal(a.traces[15].grad_hidden, b.traces[15].grad_hidden)


def test_progress_callback_sees_every_step_and_can_stop():
    seen = []

    def progress(step, loss, history):
        seen.append((step, loss, history.steps_done))
        return step < 4  # False at step 4: stop

    task = rnnviz.tasks.get("sine", seq_len=10)
    hist = rnnviz.train(rnnviz.Model("rnn", 1, 4, 1), task, steps=50, progress=progress)
    assert hist.stopped_early and hist.steps_done == 5
    assert [s for s, _, _ in seen] == [0, 1, 2, 3, 4]
    assert all(done == s + 1 and math.isfinite(loss) for s, loss, done in seen)


@pytest.mark.parametrize("window", [1, 5])
def test_truncated_bptt_lets_only_the_last_k_inputs_move_W_x(window):
    """With the loss at the last step, TBPTT(k) computes each step's share of dL/dW_x only for
    the last k steps: a batch whose last k inputs are all zero leaves W_x without gradient,
    though full BPTT gives it one. And train()'s update (one SGD step, lr 1, through PyTorch's
    fused module) is exactly minus the hand-written truncated BPTT's gradient."""
    from dataclasses import replace

    T = 12
    x = torch.rand(4, T, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x[:, T - window:] = 0.0
    y = torch.rand(4, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    model = rnnviz.Model("rnn", 2, 4, 1, seed=1, dtype=torch.float64)
    truncated = rnnviz.record(model, x, y, tbptt=window)
    full = rnnviz.record(model, x, y)
    assert np.all(truncated.param_grads["weight_ih"] == 0) and np.abs(full.param_grads["weight_ih"]).max() > 1e-6
    task = replace(rnnviz.tasks.get("adding", seq_len=T), _sample=lambda B, T, generator: (x, y))
    before = {name: value.clone() for name, value in model.params.items()}
    rnnviz.train(model, task, steps=1, lr=1.0, optimizer="sgd", tbptt=window, batch_size=4)
    for name in ("weight_ih", "weight_hh", "bias_hh"):
        np.testing.assert_allclose((model.params[name] - before[name]).numpy(), -truncated.param_grads[name],
                                   rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("kwargs,message", [
    (dict(optimizer="rmsprop"), "optimizer"),
    (dict(clip=("norm", -1.0)), "clip"),
    (dict(clip=("angle", 1.0)), "clip"),
    (dict(tbptt=0), "tbptt"),
    (dict(dropout=1.0), "dropout"),
    (dict(lr=float("nan")), "learning rate"),
])
def test_bad_arguments_are_refused_clearly(kwargs, message):
    task = rnnviz.tasks.get("sine", seq_len=5)
    with pytest.raises(ValueError, match=message):
        rnnviz.train(rnnviz.Model("rnn", 1, 2, 1), task, steps=1, **kwargs)


@pytest.mark.parametrize("cell,task_name,kwargs", [
    ("lstm", "adding", dict(optimizer="adam", clip=("norm", 1.0))),
    ("gru", "copy", dict(optimizer="adam", dropout=0.3)),
    ("rnn", "sine", dict(optimizer="sgd", lr=0.05, clip=("value", 0.5), tbptt=4)),
])
def test_a_paused_run_resumed_is_the_uninterrupted_run_to_the_last_bit(cell, task_name, kwargs):
    """The lab's Pause / Step / Resume: 12 steps, then 1, then the rest, from checkpoints,
    give exactly the weights and per-step numbers of one run of 30 steps."""
    task = rnnviz.tasks.get(task_name, seq_len=12)

    def model():
        return rnnviz.Model(cell, task.input_size, 8, task.output_size, seed=3)

    settings = dict(lr=kwargs.pop("lr", 0.01), batch_size=8, seed=5, record_every=10, **kwargs)
    whole_model = model()
    whole = rnnviz.train(whole_model, task, steps=30, **settings)
    paused = rnnviz.train(model(), task, steps=12, **settings)
    stepped = rnnviz.train(model(), task, steps=13, resume=paused.checkpoint, **settings)
    resumed_model = model()
    resumed = rnnviz.train(resumed_model, task, steps=30, resume=stepped.checkpoint, **settings)
    assert paused.steps_done == 12 and stepped.steps_done == 13 and resumed.steps_done == 30
    for name in ("loss", "grad_norm", "clipped_grad_norm"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(whole, name))
    for name, value in whole_model.numpy_params().items():
        np.testing.assert_array_equal(resumed_model.numpy_params()[name], value)
    assert set(whole.traces) == {0, 10, 20, 30} and {0, 10, 20, 30} <= set(paused.traces) | set(resumed.traces)


def test_a_checkpoint_past_the_steps_asked_for_is_refused():
    task = rnnviz.tasks.get("sine", seq_len=5)
    run = rnnviz.train(rnnviz.Model("rnn", 1, 4, 1, seed=0), task, steps=6, batch_size=4)
    with pytest.raises(ValueError, match="past the 3 steps"):
        rnnviz.train(rnnviz.Model("rnn", 1, 4, 1, seed=0), task, steps=3, batch_size=4, resume=run.checkpoint)
