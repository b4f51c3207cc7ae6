"""What the recurrent weights say about gradient flow: spectra, Jacobians, the tanh bound."""

import numpy as np

from .cells import CELLS, rnn_step


def _as_array(matrix):
    return matrix.detach().cpu().numpy() if hasattr(matrix, "detach") else np.asarray(matrix)


def recurrent_blocks(weight_hh):
    """The H x H blocks of W_h, one per gate (a vanilla RNN has one)."""
    weight_hh = _as_array(weight_hh)
    H = weight_hh.shape[1]
    return [weight_hh[k:k + H] for k in range(0, weight_hh.shape[0], H)]


def singular_values(matrix):
    return np.linalg.svd(_as_array(matrix), compute_uv=False)


def eigenvalues(matrix):
    return np.linalg.eigvals(_as_array(matrix))


def spectral_radius(matrix):
    return float(np.abs(eigenvalues(matrix)).max())


def tanh_bound(grad_last_norm, sigma_max, seq_len):
    """Upper bound on ||dL/dh_t|| for a tanh RNN whose loss reads h_T only.

    dh_t/dh_{t-1} = diag(tanh'(a_t)) W_h and |tanh'| <= 1, so each step back
    multiplies the gradient's norm by at most sigma_max(W_h):
        ||dL/dh_t|| <= sigma_max^(T-t) ||dL/dh_T||,   t = 1 .. T.
    Returns the bound for t = 1 .. T as an array of length T.
    """
    steps_back = np.arange(seq_len - 1, -1, -1, dtype=np.float64)
    with np.errstate(over="ignore"):
        return grad_last_norm * np.power(float(sigma_max), steps_back)


def _jacobians(cell, nonlinearity, params, caches, sample):
    """d state_t / d state_{t-1} (T, S, S) and d state_t / d x_t (T, S, I) at every step of one
    sample, from the stacked caches {name: (B, T, ...)} of a run. The state is h (S = H), or
    (h, c) for the LSTM (S = 2H).

    Row k of a Jacobian is e_k^T J, which is exactly what the cell's backward step computes
    from the unit vector e_k, so the Jacobians are read off the same code that does BPTT (the
    input's: the gradient of the pre-activation W_x x_t + b, times W_x)."""
    spec = CELLS[cell]
    H = params["weight_hh"].shape[1]
    basis = np.eye(H * spec.state_size, dtype=params["weight_hh"].dtype)
    # (T, 1, X) caches broadcast against the (S, H) basis rows
    cache = {name: values[sample][:, None, :] for name, values in caches.items()}
    unit_grads = tuple(basis[:, k * H:(k + 1) * H] for k in range(spec.state_size))
    grad_prev, grad_pre = spec.step_backward(unit_grads, cache, params, nonlinearity)
    return np.concatenate(np.broadcast_arrays(*grad_prev), axis=-1), grad_pre["ih"] @ params["weight_ih"]


def step_jacobians(cell, nonlinearity, params, caches, sample=0):
    """d state_t / d state_{t-1} at every step of one sample: (T, S, S); see _jacobians."""
    return _jacobians(cell, nonlinearity, params, caches, sample)[0]


def memory_map(cell, nonlinearity, params, caches, sample=0):
    """||∂h_t/∂x_s|| (Frobenius) for s, t = 1 .. T as a (T, T) array indexed [t-1, s-1],
    NaN where s > t: how strongly the state at step t still depends on the input at step s.

    ∂state_t/∂x_s = J_t J_{t-1} ... J_{s+1} ∂state_s/∂x_s, with J_t = ∂state_t/∂state_{t-1}
    (the LSTM's state is (h, c)); h_t is the state's first H rows."""
    jacobians, own_input = _jacobians(cell, nonlinearity, params, caches, sample)
    T, S, I = own_input.shape
    H = params["weight_hh"].shape[1]
    norms = np.full((T, T), np.nan)
    reach = np.empty((0, S, I), dtype=own_input.dtype)  # ∂state_t/∂x_s for s = 1 .. t
    for t in range(T):
        reach = np.concatenate([jacobians[t] @ reach, own_input[t][None]])
        norms[t, :t + 1] = np.linalg.norm(reach[:, :H, :], axis=(1, 2))
    return norms


def jacobian_products(jacobians):
    """||d state_T / d state_t|| for t = 1 .. T: how much of a change at step t survives to T."""
    T, S, _ = jacobians.shape
    product = np.eye(S, dtype=jacobians.dtype)
    norms = np.empty(T)
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(product, ord=2)
        product = product @ jacobians[t]
    return norms


def rnn_step_terms(trace, sample, t):
    """The parts of h_t = f(W_x x_t + W_h h_{t-1} + b) for one sample at step t (1-based),
    computed by the engine's own step function from the recorded h_{t-1}."""
    p = trace.params
    x_t = trace.inputs[sample, t - 1]
    h_prev = trace.hidden[sample, t - 2] if t > 1 else np.zeros_like(trace.hidden[sample, 0])
    (h_t,), cache = rnn_step(x_t[None], (h_prev[None],), p, trace.nonlinearity)
    return {
        "W_x": p["weight_ih"], "x_t": x_t, "W_h": p["weight_hh"], "h_prev": h_prev,
        "b": p["bias_ih"] + p["bias_hh"],
        "W_x x_t": p["weight_ih"] @ x_t, "W_h h_{t-1}": p["weight_hh"] @ h_prev,
        "a_t": cache["a"][0], "h_t": h_t[0],
    }


def clipping_effect(gradient, threshold):
    """What clipping by norm and by value do to one gradient vector: the norms after each
    and the angle (degrees) each turns it by. Norm clipping never turns it."""
    g = np.asarray(gradient, dtype=np.float64).reshape(-1)
    norm = float(np.linalg.norm(g))
    by_norm = g * min(1.0, threshold / norm) if norm > 0 else g
    by_value = np.clip(g, -threshold, threshold)

    def angle(v):
        length = np.linalg.norm(v) * norm
        cosine = float(np.dot(v, g) / length) if length > 0 else 1.0
        return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))

    return {"norm": norm,
            "norm_clipped_norm": float(np.linalg.norm(by_norm)), "norm_angle": angle(by_norm),
            "value_clipped_norm": float(np.linalg.norm(by_value)), "value_angle": angle(by_value)}


# A cell's data flow, left to right, for a diagram: each node's place (x, y), what it is, its
# label and the name of its number in cell_step_table; and the arrows between nodes. Kinds:
# "state" (carried between steps), "gate" (σ of a weighted sum, 0 to 1), "squash" (tanh, −1 to
# 1), "op" (elementwise × or +), "input". Labels write h_{t−1} for a subscript.
CELL_FLOW = {
    "lstm": {
        "nodes": {"c_prev": (0, 3, "state", "c_{t−1}", "c_prev"), "h_prev": (0, 0, "state", "h_{t−1}", "h_prev"),
                  "x": (2.5, -1.2, "input", "x_{t}", "x"),
                  "f": (1.5, 1.2, "gate", "f_{t} σ", "f"), "i": (2.5, 1.2, "gate", "i_{t} σ", "i"),
                  "g": (3.5, 1.2, "squash", "g_{t} tanh", "g"), "o": (4.5, 1.2, "gate", "o_{t} σ", "o"),
                  "forget": (1.5, 3, "op", "×", "forget"), "write": (3, 2.1, "op", "×", "write"),
                  "add": (3, 3, "op", "+", "c"), "tanh_c": (5.5, 2.35, "squash", "tanh", "tanh_c"),
                  "show": (5.5, 1.2, "op", "×", "h"), "c": (6.8, 3, "state", "c_{t}", "c"),
                  "h": (6.8, 0, "state", "h_{t}", "h")},
        "edges": [("c_prev", "forget"), ("forget", "add"), ("add", "c"), ("f", "forget"), ("i", "write"),
                  ("g", "write"), ("write", "add"), ("add", "tanh_c"), ("tanh_c", "show"), ("o", "show"),
                  ("show", "h"), ("h_prev", "f"), ("h_prev", "i"), ("h_prev", "g"), ("h_prev", "o"),
                  ("x", "f"), ("x", "i"), ("x", "g"), ("x", "o")],
    },
    "gru": {
        "nodes": {"h_prev": (0, 3, "state", "h_{t−1}", "h_prev"), "h_in": (0, 0, "state", "h_{t−1}", "h_prev"),
                  "x": (2.5, -1.2, "input", "x_{t}", "x"),
                  "r": (1.3, 0.6, "gate", "r_{t} σ", "r"), "z": (2.5, 1.6, "gate", "z_{t} σ", "z"),
                  "n": (3.8, 1.2, "squash", "n_{t} tanh", "n"), "keep": (2.5, 3, "op", "×", "keep"),
                  "write": (3.8, 2.1, "op", "×", "write"), "add": (5, 3, "op", "+", "h"),
                  "h": (6.8, 3, "state", "h_{t}", "h")},
        "edges": [("h_prev", "keep"), ("keep", "add"), ("add", "h"), ("z", "keep"), ("z", "write"),
                  ("n", "write"), ("write", "add"), ("r", "n"), ("h_in", "r"), ("h_in", "z"), ("h_in", "n"),
                  ("x", "r"), ("x", "z"), ("x", "n")],
    },
}


def cell_step_table(trace, sample):
    """Every number the cell diagram and the gate equations show, at every step and unit of one
    sample of an LSTM or GRU trace: {name: (T, H) array}, with x_t's numbers as "x" (T, I).

    The gates (LSTM i f g o, c; GRU r z n), the states coming in (h_prev, and c_prev), each gate's
    pre-activation (pre_i .. pre_o, pre_r, pre_z; for n its two parts, pre_xn = W_xn x_t + b_xn
    and pre_hn = W_hn h_{t-1} + b_hn) and the elementwise products of the data flow (LSTM:
    forget = f c_{t-1}, write = i g, tanh_c, h; GRU: keep = z h_{t-1}, write = (1 - z) n, h)."""
    H = trace.hidden_size
    p = trace.params
    x = trace.inputs[sample].astype(np.float64)
    h = trace.hidden[sample, :, :H].astype(np.float64)
    h_prev = np.concatenate([np.zeros((1, H)), h[:-1]])
    pre_x = x @ p["weight_ih"].T + p["bias_ih"]
    pre_h = h_prev @ p["weight_hh"].T + p["bias_hh"]
    gates = {name: values[sample, :, :H].astype(np.float64) for name, values in trace.gates.items()}
    table = {"x": x, "h_prev": h_prev, "h": h, **gates}
    if trace.cell == "lstm":
        c_prev = np.concatenate([np.zeros((1, H)), gates["c"][:-1]])
        table.update({f"pre_{name}": (pre_x + pre_h)[:, k * H:(k + 1) * H] for k, name in enumerate("ifgo")})
        table.update(c_prev=c_prev, forget=gates["f"] * c_prev, write=gates["i"] * gates["g"],
                     tanh_c=np.tanh(gates["c"]))
    else:
        table.update(pre_r=(pre_x + pre_h)[:, :H], pre_z=(pre_x + pre_h)[:, H:2 * H],
                     pre_xn=pre_x[:, 2 * H:], pre_hn=pre_h[:, 2 * H:],
                     keep=gates["z"] * h_prev, write=(1 - gates["z"]) * gates["n"])
    return table

