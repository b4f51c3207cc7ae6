"""Results known in closed form: the linear RNN, the tanh bound, clipping, the inits."""

import math

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import analysis


def linear_rnn(lam, hidden=3, seq_len=12):
    """A ReLU RNN that never leaves the linear region: W_h = lam*I, positive x and b."""
    m = rnnviz.Model("rnn", 1, hidden, 1, nonlinearity="relu", dtype=torch.float64)
    m.params["weight_hh"] = lam * torch.eye(hidden, dtype=torch.float64)
    m.params["weight_ih"] = torch.ones(hidden, 1, dtype=torch.float64)
    m.params["bias_ih"] = torch.full((hidden,), 0.5, dtype=torch.float64)
    m.params["bias_hh"] = torch.zeros(hidden, dtype=torch.float64)
    x = torch.rand(2, seq_len, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return m, x


@pytest.mark.parametrize("lam", [0.5, 0.9, 1.0, 1.3])
def test_linear_rnn_gradient_scales_as_lambda_power(lam):
    T = 12
    m, x = linear_rnn(lam, seq_len=T)
    tr = rnnviz.record(m, x, torch.zeros(2, 1, dtype=torch.float64), loss="mse", target="last")
    products = analysis.jacobian_products(analysis.step_jacobians(
        "rnn", "relu", tr._directions[0].params, tr._directions[0].caches, sample=0))
    k = np.arange(1, T + 1)
    np.testing.assert_allclose(products, lam ** (T - k), rtol=1e-12)
    np.testing.assert_allclose(tr.jacobian_norms[0, :, 0], lam, rtol=1e-12)
    # the loss reads h_T only, so dL/dh_k = (dh_T/dh_k)^T dL/dh_T = lam^(T-k) dL/dh_T
    norms = tr.grad_hidden_norm[0]
    np.testing.assert_allclose(norms, norms[-1] * lam ** (T - k), rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_tanh_bound_holds_at_every_step(seed):
    T = 40
    m = rnnviz.Model("rnn", 2, 8, 1, seed=seed, spectral_radius=1.5, dtype=torch.float64)
    x = torch.randn(4, T, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    tr = rnnviz.record(m, x, torch.zeros(4, 1, dtype=torch.float64), loss="mse", target="last")
    sigma_max = np.linalg.svd(m.params["weight_hh"].numpy(), compute_uv=False)[0]
    for b in range(4):
        norms = tr.grad_hidden_norm[b]
        bound = analysis.tanh_bound(norms[-1], sigma_max, T)
        assert np.all(norms <= bound * (1 + 1e-12))
        assert bound[0] == pytest.approx(norms[-1] * sigma_max ** (T - 1))


def first_step_gradient(model, task, seed):
    """The unclipped gradient of the first training batch, from torch's autograd."""
    module, head = model.to_torch()
    x, y = task.sample(8, torch.Generator().manual_seed(seed))
    out, _ = module(x.double())
    torch.nn.functional.mse_loss(head(out[:, -1]), y.double()).backward()
    return torch.cat([p.grad.reshape(-1) for p in list(module.parameters()) + list(head.parameters())])


def flat(model):
    return torch.cat([model.params[name].reshape(-1) for name in
                      ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "head.weight", "head.bias")])


@pytest.mark.parametrize("threshold", [1e-3, 0.05, 1e6])
def test_norm_clipping_keeps_direction_and_caps_norm(threshold):
    task = rnnviz.tasks.get("adding", seq_len=10)
    model = rnnviz.Model("rnn", 2, 6, 1, dtype=torch.float64, seed=3)
    gradient = first_step_gradient(model, task, seed=7)
    before = flat(model)
    lr = 0.1
    hist = rnnviz.train(model, task, steps=1, lr=lr, optimizer="sgd", clip=("norm", threshold),
                        batch_size=8, seed=7)
    step = (before - flat(model)) / lr  # SGD: the update is lr times the clipped gradient
    expected_norm = min(gradient.norm().item(), threshold)
    assert step.norm().item() == pytest.approx(expected_norm, rel=1e-9)
    cosine = torch.dot(step, gradient) / (step.norm() * gradient.norm())
    assert cosine.item() == pytest.approx(1.0, abs=1e-12)
    assert hist.grad_norm[0] == pytest.approx(gradient.norm().item(), rel=1e-9)
    assert hist.clipped_grad_norm[0] == pytest.approx(expected_norm, rel=1e-9)


def test_value_clipping_clamps_each_component():
    task = rnnviz.tasks.get("adding", seq_len=10)
    model = rnnviz.Model("rnn", 2, 6, 1, dtype=torch.float64, seed=3)
    gradient = first_step_gradient(model, task, seed=7)
    before = flat(model)
    threshold = 0.01
    rnnviz.train(model, task, steps=1, lr=1.0, optimizer="sgd", clip=("value", threshold),
                 batch_size=8, seed=7)
    np.testing.assert_allclose((before - flat(model)).numpy(),
                               np.clip(gradient.numpy(), -threshold, threshold), rtol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_initialisations(cell):
    H = 6
    m = rnnviz.Model(cell, 1, H, 1, spectral_radius=0.7, seed=2)
    for block in analysis.recurrent_blocks(m.params["weight_hh"]):
        assert analysis.spectral_radius(block) == pytest.approx(0.7, rel=1e-5)
    m = rnnviz.Model(cell, 1, H, 1, init="orthogonal", seed=2, dtype=torch.float64)
    for block in analysis.recurrent_blocks(m.params["weight_hh"]):
        np.testing.assert_allclose(block @ block.T, np.eye(H), atol=1e-12)
    m = rnnviz.Model(cell, 1, H, 1, init="identity")
    for block in analysis.recurrent_blocks(m.params["weight_hh"]):
        np.testing.assert_array_equal(block, np.eye(H))
    bound = 1 / math.sqrt(H)  # PyTorch's default: U(-1/sqrt(H), 1/sqrt(H))
    m = rnnviz.Model(cell, 1, H, 1)
    assert all(m.params[n].abs().max() <= bound for n in ("weight_ih", "weight_hh", "bias_ih"))


def test_lstm_forget_bias():
    m = rnnviz.Model("lstm", 1, 4, 1, forget_bias=2.0)
    b = (m.params["bias_ih"] + m.params["bias_hh"]).numpy()
    np.testing.assert_allclose(b[4:8], 2.0)
    with pytest.raises(ValueError, match="LSTM"):
        rnnviz.Model("gru", 1, 4, 1, forget_bias=2.0)


def test_same_seed_same_model_and_other_seed_differs():
    a, b, c = (rnnviz.Model("gru", 2, 5, 1, seed=s) for s in (4, 4, 5))
    assert all(torch.equal(a.params[n], b.params[n]) for n in a.params)
    assert not torch.equal(a.params["weight_hh"], c.params["weight_hh"])


@pytest.mark.parametrize("kwargs,message", [
    (dict(cell="transformer"), "unknown cell"),
    (dict(nonlinearity="sigmoid"), "nonlinearity"),
    (dict(hidden_size=0), "hidden_size"),
    (dict(init="xavier"), "unknown init"),
])
def test_model_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rnnviz.Model(**kwargs)
