"""Edges of record() that the audit of the lesson claims found broken: a one-step
bidirectional LSTM, time order in the reverse direction, numbers too small or not finite,
class labels out of range. Each test failed before its fix."""

import numpy as np
import pytest
import torch

import rnnviz
from ui import compute


def test_bidirectional_lstm_reads_a_one_step_sequence_as_pytorch_does():
    model = rnnviz.Model("lstm", 3, 4, 2, bidirectional=True, seed=0, dtype=torch.float64)
    x = torch.randn(5, 1, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.randn(5, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    trace = rnnviz.record(model, x, y)
    module, head = model.to_torch()
    out, _ = module(x)
    np.testing.assert_allclose(trace.hidden, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(trace.outputs, head(out[:, -1]).detach().numpy(), rtol=1e-12)
    task = rnnviz.tasks.get("adding", seq_len=1)
    history = rnnviz.train(rnnviz.Model("lstm", 2, 4, 1, bidirectional=True), task, steps=3,
                           record_every=1)
    assert sorted(history.traces) == [0, 1, 2, 3]


def test_reverse_direction_arrays_run_forward_in_time_like_every_other_array():
    """The reverse direction starts at t = T from h = 0, so its share of dL/dW_h is zero at
    t = T, just as the forward direction's is at t = 1. And a saturating input at one step
    makes both directions' step Jacobians small at that same step."""
    T, saturated = 7, 2
    x = np.zeros((1, T, 1))
    x[0, saturated, 0] = 50.0
    model = rnnviz.Model("rnn", 1, 3, 1, bidirectional=True, seed=0, dtype=torch.float64)
    trace = rnnviz.record(model, x, np.ones((1, T, 1)), "mse", "all")
    forward, reverse = trace.weight_hh_grad_steps["weight_hh"], trace.weight_hh_grad_steps["weight_hh_reverse"]
    assert np.all(forward[0] == 0) and np.all(reverse[-1] == 0) and np.any(reverse[0] != 0)
    norms = trace.jacobian_norms[0]
    assert norms[:, 0].argmin() == saturated and norms[:, 1].argmin() == saturated


def test_a_gradient_below_float32s_range_is_reported_and_the_page_computes_in_float64():
    """GRU, T = 500, radius 0.9: in float32 the curve flattens at ~5e-45 (44.5 orders "lost");
    float64 holds the true ~81 orders, and that is what the vanishing page shows."""
    task = rnnviz.tasks.get("adding", seq_len=500)
    x, y = task.sample(1, torch.Generator().manual_seed(0))
    single = rnnviz.Model.from_choice("gru", 2, 32, 1, seed=0, spectral_radius=0.9)
    trace32 = rnnviz.record(single, x, y)
    assert trace32.underflow is not None
    _, trace64 = compute.vanishing_trace("gru", 500, 32, 0.9, "default", 3.0, 0)
    norms = trace64.grad_hidden_norm[0]
    assert trace64.underflow is None and np.log10(norms[-1] / norms[0]) > 70
    _, dead = compute.vanishing_trace("rnn_relu", 50, 2, 0.1, "default", 3.0, 0)
    assert dead.underflow is None  # exact zeros from a dead ReLU are not an underflow


def test_a_dead_relu_is_not_reported_as_underflow():
    model = rnnviz.Model("rnn", 1, 2, 1, nonlinearity="relu", seed=0, dtype=torch.float64)
    model.params["weight_ih"] = torch.full((2, 1), -1.0, dtype=torch.float64)  # every unit dead at t = 1
    x = np.ones((1, 5, 1))
    x[0, 1:] = -1.0
    trace = rnnviz.record(model, x, np.zeros((1, 1)))
    assert trace.underflow is None


@pytest.mark.parametrize("bad,words", [(float("nan"), "not a finite number at step t = 3"),
                                       (float("inf"), "not a finite number at step t = 3")])
def test_a_non_finite_input_is_named_as_such_not_as_an_overflow(bad, words):
    model = rnnviz.Model("rnn", 2, 4, 1, seed=0)
    x = torch.rand(1, 5, 2)
    x[0, 2, 0] = bad
    assert words in rnnviz.record(model, x, torch.rand(1, 1)).overflow


def test_a_nan_state_is_not_called_infinity():
    model = rnnviz.Model("rnn", 1, 2, 1, seed=0)
    model.params["weight_hh"] = torch.full((2, 2), float("nan"))
    assert "NaN" in rnnviz.record(model, torch.ones(1, 3, 1), torch.zeros(1, 1)).overflow


@pytest.mark.parametrize("label", [-1, 8])
def test_cross_entropy_refuses_a_label_outside_the_classes_as_pytorch_does(label):
    task = rnnviz.tasks.get("copy", seq_len=4)
    x, y = task.sample(3)
    y[0] = label
    model = rnnviz.Model("gru", task.input_size, 4, task.output_size)
    with pytest.raises(IndexError):
        torch.nn.functional.cross_entropy(torch.zeros(3, 8), y)
    with pytest.raises(ValueError, match="from 0 to 7"):
        rnnviz.record(model, x, y, "ce", "last")
