"""The cell equations: one time step of each recurrent cell, forward and backward.

Every function here works on numpy arrays and does one step for a whole batch.
Shapes: x_t is (B, I), every state is (B, H). Parameters are a dict in PyTorch's
layout and names, so weights copied from torch.nn.RNN / LSTM / GRU give the same
numbers:

    weight_ih  (G*H, I)   W_x in the lessons, the G gate blocks stacked
    weight_hh  (G*H, H)   W_h in the lessons
    bias_ih    (G*H,)     b = bias_ih + bias_hh
    bias_hh    (G*H,)

with G = 1 (vanilla), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n).

A state is a tuple: (h,) for the vanilla and GRU cells, (h, c) for the LSTM.
Each forward step returns the new state and a cache of named intermediates
(pre-activations and gates); the matching backward step takes dL/d(state_t) and
the cache and returns dL/d(state_{t-1}) and the gradients of the two
pre-activations x_t W_x^T + b_ih ("ih") and h_{t-1} W_h^T + b_hh ("hh"), from
which the parameter gradients follow by one sum over time. The backward steps
broadcast over extra leading axes of the gradient, which is how a Jacobian is
read off them (see analysis.step_jacobians).
"""

import numpy as np


def sigmoid(a):
    """1 / (1 + e^-a), written with tanh so that it never overflows."""
    s = np.tanh(0.5 * a)
    s += 1.0
    s *= 0.5
    return s


def _split(a, n):
    size = a.shape[-1] // n
    return [a[..., k * size:(k + 1) * size] for k in range(n)]


def rnn_step(x_t, state, p, nonlinearity="tanh"):
    """Vanilla RNN step.

        a_t = W_x x_t + W_h h_{t-1} + b
        h_t = f(a_t),    f = tanh or ReLU
    """
    (h_prev,) = state
    a = x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
    return (h,), {"a": a, "h": h}


def rnn_step_backward(grad_state, cache, p, nonlinearity="tanh"):
    """dL/dh_{t-1} = W_h^T (f'(a_t) * dL/dh_t)."""
    (grad_h,) = grad_state
    if nonlinearity == "tanh":
        grad_a = grad_h * (1.0 - cache["h"] ** 2)  # tanh'(a) = 1 - tanh(a)^2
    else:
        grad_a = grad_h * (cache["a"] > 0)  # ReLU'(a) = 1 if a > 0
    return (grad_a @ p["weight_hh"],), {"ih": grad_a, "hh": grad_a}


def lstm_step(x_t, state, p, nonlinearity=None):
    """LSTM step (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000), PyTorch's gate order.

        i_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)    input gate
        f_t = sigmoid(W_xf x_t + W_hf h_{t-1} + b_f)    forget gate
        g_t = tanh(W_xg x_t + W_hg h_{t-1} + b_g)       candidate cell value
        o_t = sigmoid(W_xo x_t + W_ho h_{t-1} + b_o)    output gate
        c_t = f_t * c_{t-1} + i_t * g_t                 cell state
        h_t = o_t * tanh(c_t)
    """
    h_prev, c_prev = state
    a = x_t @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    i, f, _, o = _split(sigmoid(a), 4)  # one call for the three sigmoid gates
    g = np.tanh(_split(a, 4)[2])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return (h, c), {"a": a, "i": i, "f": f, "g": g, "o": o, "c": c,
                    "c_prev": c_prev, "tanh_c": tanh_c}


def lstm_step_backward(grad_state, cache, p, nonlinearity=None):
    grad_h, grad_c_next = grad_state
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    grad_o = grad_h * cache["tanh_c"]
    # c_t reaches the loss directly through h_t and through c_{t+1}
    grad_c = grad_c_next + grad_h * o * (1.0 - cache["tanh_c"] ** 2)
    grad_a = np.concatenate([
        grad_c * g * i * (1.0 - i),          # through i_t
        grad_c * cache["c_prev"] * f * (1.0 - f),  # through f_t
        grad_c * i * (1.0 - g ** 2),         # through g_t
        grad_o * o * (1.0 - o),              # through o_t
    ], axis=-1)
    return (grad_a @ p["weight_hh"], grad_c * f), {"ih": grad_a, "hh": grad_a}


def gru_step(x_t, state, p, nonlinearity=None):
    """GRU step (Cho et al. 2014), PyTorch's gate order and placement of r.

        r_t = sigmoid(W_xr x_t + W_hr h_{t-1} + b_r)                reset gate
        z_t = sigmoid(W_xz x_t + W_hz h_{t-1} + b_z)                update gate
        n_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn))   candidate state
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    """
    (h_prev,) = state
    a_x = x_t @ p["weight_ih"].T + p["bias_ih"]
    a_h = h_prev @ p["weight_hh"].T + p["bias_hh"]
    ax_r, ax_z, ax_n = _split(a_x, 3)
    ah_r, ah_z, ah_n = _split(a_h, 3)
    r = sigmoid(ax_r + ah_r)
    z = sigmoid(ax_z + ah_z)
    n = np.tanh(ax_n + r * ah_n)
    h = (1.0 - z) * n + z * h_prev
    return (h,), {"r": r, "z": z, "n": n, "ah_n": ah_n, "h_prev": h_prev}


def gru_step_backward(grad_state, cache, p, nonlinearity=None):
    (grad_h,) = grad_state
    r, z, n = cache["r"], cache["z"], cache["n"]
    grad_an = grad_h * (1.0 - z) * (1.0 - n ** 2)  # through n_t's tanh
    grad_ar = grad_an * cache["ah_n"] * r * (1.0 - r)
    grad_az = grad_h * (cache["h_prev"] - n) * z * (1.0 - z)
    grad_ax = np.concatenate([grad_ar, grad_az, grad_an], axis=-1)
    grad_ah = np.concatenate([grad_ar, grad_az, grad_an * r], axis=-1)  # r_t scales W_hn h
    grad_h_prev = grad_h * z + grad_ah @ p["weight_hh"]
    return (grad_h_prev,), {"ih": grad_ax, "hh": grad_ah}


class CellSpec:
    """What the BPTT loop needs to know about a cell kind."""

    def __init__(self, step, step_backward, n_gates, state_size, gate_names):
        self.step = step
        self.step_backward = step_backward
        self.n_gates = n_gates
        self.state_size = state_size  # arrays in the state tuple
        self.gate_names = gate_names  # intermediates a Trace keeps, besides h


CELLS = {
    "rnn": CellSpec(rnn_step, rnn_step_backward, 1, 1, ()),
    "lstm": CellSpec(lstm_step, lstm_step_backward, 4, 2, ("i", "f", "g", "o", "c")),
    "gru": CellSpec(gru_step, gru_step_backward, 3, 1, ("r", "z", "n")),
}
