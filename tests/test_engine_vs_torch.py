"""record() against PyTorch: fused modules for outputs, loss and parameter gradients,
a loop over torch's cells with retain_grad() for dL/dh_t and per-step W_h terms."""

import numpy as np
import pytest
import torch

import rnnviz

MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CELL_MODULES = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}
KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
TOLERANCE = {torch.float64: 1e-9, torch.float32: 1e-5}
B, T, I, H, O = 3, 6, 2, 4, 3


def assert_close(actual, expected, rel):
    """Relative to the reference's largest entry, so tiny entries do not dominate."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(np.abs(expected).max(), 1e-30)
    assert np.asarray(actual).shape == expected.shape
    assert np.abs(np.asarray(actual, dtype=np.float64) - expected).max() <= rel * scale


def torch_pair(cell, nonlinearity, bidirectional, dtype, seed=0):
    torch.manual_seed(seed)
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    module = MODULES[cell](I, H, batch_first=True, bidirectional=bidirectional, dtype=dtype, **kwargs)
    head = torch.nn.Linear(H * (2 if bidirectional else 1), O, dtype=dtype)
    model = rnnviz.Model(cell, I, H, O, nonlinearity=nonlinearity, bidirectional=bidirectional,
                         dtype=dtype)
    return module, head, model.load_torch(module, head)


def data(loss, target, dtype, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, I, generator=gen, dtype=dtype)
    shape = (B,) if target == "last" else (B, T)
    if loss == "ce":
        y = torch.randint(0, O, shape, generator=gen)
    else:
        y = torch.randn(shape + (O,), generator=gen, dtype=dtype)
    return x, y


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("loss", ["mse", "ce"])
@pytest.mark.parametrize("target", ["last", "all"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_record_matches_fused_module(cell, nonlinearity, bidirectional, target, loss, dtype):
    module, head, model = torch_pair(cell, nonlinearity, bidirectional, dtype)
    x, y = data(loss, target, dtype)
    tr = rnnviz.record(model, x, y, loss=loss, target=target)

    out, _ = module(x)
    outputs = head(out[:, -1] if target == "last" else out)
    if loss == "mse":
        reference_loss = torch.nn.functional.mse_loss(outputs, y)
    else:
        reference_loss = torch.nn.functional.cross_entropy(outputs.reshape(-1, O), y.reshape(-1))
    reference_loss.backward()

    rel = TOLERANCE[dtype]
    assert_close(tr.hidden, out.detach(), rel)
    assert_close(tr.outputs, outputs.detach(), rel)
    assert abs(tr.loss - reference_loss.item()) <= rel * abs(reference_loss.item())
    for name, parameter in module.named_parameters():
        assert_close(tr.param_grads[name.replace("_l0", "")], parameter.grad, rel)
    assert_close(tr.param_grads["head.weight"], head.weight.grad, rel)
    assert_close(tr.param_grads["head.bias"], head.bias.grad, rel)


def cell_loop(cell_module, x, reverse=False):
    """Run a torch cell step by step, keeping every h_t with retain_grad()."""
    steps = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    state = None
    hidden = [None] * x.shape[1]
    for t in steps:
        state = cell_module(x[:, t], state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        hidden[t] = h
    return hidden


def copy_direction(cell_module, module, suffix):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell_module, name).copy_(getattr(module, f"{name}_l0{suffix}"))


@pytest.mark.parametrize("target", ["last", "all"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_grad_hidden_matches_cell_loop(cell, nonlinearity, bidirectional, target):
    dtype = torch.float64
    module, head, model = torch_pair(cell, nonlinearity, bidirectional, dtype)
    x, y = data("mse", target, dtype)
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    runs = []
    for suffix, reverse in [("", False)] + ([("_reverse", True)] if bidirectional else []):
        cell_module = CELL_MODULES[cell](I, H, dtype=dtype, **kwargs)
        copy_direction(cell_module, module, suffix)
        runs.append(cell_loop(cell_module, x, reverse))
    hidden = [torch.cat([run[t] for run in runs], dim=-1) for t in range(T)]
    outputs = head(hidden[-1]) if target == "last" else head(torch.stack(hidden, dim=1))
    torch.nn.functional.mse_loss(outputs, y).backward()

    def grad(h):  # None: this h_t does not reach the loss (the reverse run, target "last")
        return torch.zeros_like(h) if h.grad is None else h.grad

    expected = np.stack([torch.cat([grad(run[t]) for run in runs], dim=-1).detach().numpy()
                         for t in range(T)], axis=1)
    tr = rnnviz.record(model, x, y, loss="mse", target=target)
    assert_close(tr.grad_hidden, expected, 1e-9)
    assert_close(tr.grad_hidden_norm, np.linalg.norm(expected, axis=-1), 1e-9)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_lstm_gates_and_cell_state_match_torch_cell(bidirectional):
    """The gates page draws i, f, g, o and c_t from record()'s LSTM path: the same numbers as
    nn.LSTMCell stepped by hand (its c_t, and its gates from its own weights)."""
    dtype = torch.float64
    module, head, model = torch_pair("lstm", "tanh", bidirectional, dtype)
    x, y = data("mse", "last", dtype)
    tr = rnnviz.record(model, x, y, loss="mse", target="last")
    expected = {name: [] for name in "ifgoc"}
    for suffix, reverse in [("", False)] + ([("_reverse", True)] if bidirectional else []):
        cell_module = torch.nn.LSTMCell(I, H, dtype=dtype)
        copy_direction(cell_module, module, suffix)
        h = c = torch.zeros(B, H, dtype=dtype)
        steps = {}
        with torch.no_grad():
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                a = (torch.nn.functional.linear(x[:, t], cell_module.weight_ih, cell_module.bias_ih)
                     + torch.nn.functional.linear(h, cell_module.weight_hh, cell_module.bias_hh))
                i, f, g, o = a.chunk(4, dim=-1)
                h, c = cell_module(x[:, t], (h, c))
                steps[t] = {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g),
                            "o": torch.sigmoid(o), "c": c}
        for name in expected:
            expected[name].append(torch.stack([steps[t][name] for t in range(T)], dim=1))
    for name, parts in expected.items():
        assert_close(tr.gates[name], torch.cat(parts, dim=-1).numpy(), 1e-9)


@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_weight_hh_grad_per_step_matches_separate_copies(cell, nonlinearity):
    """Give every step its own leaf copy of W_h: the grad of copy t is step t's term of BPTT."""
    dtype = torch.float64
    module, head, model = torch_pair(cell, nonlinearity, False, dtype)
    x, y = data("mse", "last", dtype)
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    cell_module = CELL_MODULES[cell](I, H, dtype=dtype, **kwargs)
    copy_direction(cell_module, module, "")
    copies = [module.weight_hh_l0.detach().clone().requires_grad_() for _ in range(T)]
    params = {name: getattr(cell_module, name) for name in ("weight_ih", "bias_ih", "bias_hh")}
    state = None
    for t in range(T):
        params["weight_hh"] = copies[t]
        state = torch.func.functional_call(cell_module, params, (x[:, t], state))
    h = state[0] if isinstance(state, tuple) else state
    torch.nn.functional.mse_loss(head(h), y).backward()

    tr = rnnviz.record(model, x, y, loss="mse", target="last")
    per_step = tr.weight_hh_grad_steps["weight_hh"]
    for t in range(T):
        assert_close(per_step[t], copies[t].grad, 1e-9)


@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_step_jacobians_match_autograd(cell, nonlinearity):
    dtype = torch.float64
    module, head, model = torch_pair(cell, nonlinearity, False, dtype)
    x, y = data("mse", "last", dtype)
    tr = rnnviz.record(model, x, y, loss="mse", target="last")
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    cell_module = CELL_MODULES[cell](I, H, dtype=dtype, **kwargs)
    copy_direction(cell_module, module, "")

    sample = 1
    state = (torch.zeros(1, H, dtype=dtype),) * (2 if cell == "lstm" else 1)
    for t in range(T):
        x_t = x[sample:sample + 1, t]

        def step(flat_state):
            parts = flat_state.reshape(len(state), 1, H)
            new = cell_module(x_t, tuple(parts) if cell == "lstm" else parts[0])
            return torch.cat(new, dim=-1).reshape(-1) if cell == "lstm" else new.reshape(-1)

        flat = torch.cat(state, dim=-1).reshape(-1)
        jacobian = torch.autograd.functional.jacobian(step, flat)
        assert abs(tr.jacobian_norms[sample, t, 0] - torch.linalg.matrix_norm(jacobian, 2).item()) \
            <= 1e-9 * max(1.0, torch.linalg.matrix_norm(jacobian, 2).item())
        new_flat = step(flat).detach()
        state = tuple(new_flat.reshape(len(state), 1, H))


@pytest.mark.parametrize("window", [1, 2, 4])
@pytest.mark.parametrize("target", ["last", "all"])
@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_truncated_bptt_matches_detached_torch_windows(cell, nonlinearity, target, window):
    dtype = torch.float64
    module, head, model = torch_pair(cell, nonlinearity, False, dtype)
    x, y = data("mse", target, dtype)
    out, _ = module(x)  # the forward values are the same; only the backward is cut
    state = None
    starts = [T - window] if target == "last" else list(range(0, T, window))
    if starts[0] > 0:
        with torch.no_grad():
            _, state = module(x[:, :starts[0]])
    for start in starts:
        stop = T if target == "last" else min(start + window, T)
        chunk, state = module(x[:, start:stop], state)
        state = tuple(s.detach() for s in state) if cell == "lstm" else state.detach()
        if target == "last":
            loss = torch.nn.functional.mse_loss(head(chunk[:, -1]), y)
        else:
            loss = torch.nn.functional.mse_loss(head(chunk), y[:, start:stop]) * (stop - start) / T
        loss.backward()
    tr = rnnviz.record(model, x, y, loss="mse", target=target, tbptt=window)
    for name, parameter in module.named_parameters():
        assert_close(tr.param_grads[name.replace("_l0", "")], parameter.grad, 1e-9)
    assert_close(tr.outputs, head(out[:, -1] if target == "last" else out).detach(), 1e-9)


@pytest.mark.parametrize("cell,nonlinearity", KINDS)
def test_memory_map_matches_autograd(cell, nonlinearity):
    """The gates page's memory heatmap, ||∂h_t/∂x_s||, against PyTorch's own module
    differentiated by autograd: every (s, t), and NaN exactly where s > t."""
    dtype = torch.float64
    module, head, model = torch_pair(cell, nonlinearity, False, dtype)
    x, y = data("mse", "last", dtype)
    tr = rnnviz.record(model, x, y, loss="mse", target="last")
    sample = 1
    jacobian = torch.autograd.functional.jacobian(lambda inputs: module(inputs)[0][0],
                                                  x[sample:sample + 1])  # (T, H, 1, T, I)
    expected = torch.linalg.vector_norm(jacobian[:, :, 0], dim=(1, 3)).numpy()  # [t, s]
    got = tr.memory_map(sample)
    causal = np.tril(np.ones((T, T), dtype=bool))
    assert np.isnan(got[~causal]).all()
    np.testing.assert_allclose(got[causal], expected[causal], rtol=1e-9, atol=1e-12)
    assert np.abs(expected[~causal]).max() == 0  # the reference agrees the future has no say
