"""A faster route to the LSTM's BPTT numbers, with PyTorch's fused nn.LSTM for the forward pass.

A Python loop over time steps costs ~10 numpy calls a step each way, and oneDNN's fused
LSTM is several times faster than that. So the forward pass runs fused (no autograd),
and what it does not return is rebuilt from h_t in batched array operations: the gates
from one matrix product over all steps, and c_t by a cheap elementwise recurrence.
The backward loop is then lean: every factor that does not depend on the gradient is
computed for all steps at once beforehand, leaving a few operations per step.

Arrays are time-major (T, B, ...), so each step's slice is contiguous, and filled in
place: at these sizes a fresh array costs more in page faults than the arithmetic.
The result is held to the same PyTorch references as the step-by-step route (tests/).
"""

import numpy as np
import torch


class LSTMRun:
    """One direction of an LSTM over x (B, T, I): forward now, backward when dL/dh_t through
    the outputs is known."""

    def __init__(self, params, x):
        W_ih, W_hh = params["weight_ih"], params["weight_hh"]
        B, T, I = x.shape
        H = W_hh.shape[1]
        dtype = torch.float64 if x.dtype == np.float64 else torch.float32
        module = torch.nn.LSTM(I, H, batch_first=True, dtype=dtype).requires_grad_(False)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(module, name + "_l0").copy_(torch.from_numpy(params[name]))
            out, _ = module(torch.from_numpy(np.ascontiguousarray(x)))
        self.hidden = out.numpy()  # (B, T, H)

        # a_t = W_x x_t + W_h h_{t-1} + b_ih + b_hh for all steps in one matrix product
        inputs = np.zeros((T, B, I + H), dtype=x.dtype)  # [x_t, h_{t-1}], h_0 = 0
        inputs[:, :, :I] = x.transpose(1, 0, 2)
        inputs[1:, :, I:] = self.hidden.transpose(1, 0, 2)[:-1]
        gates = inputs.reshape(T * B, I + H) @ np.concatenate([W_ih, W_hh], axis=1).T
        gates += params["bias_ih"] + params["bias_hh"]
        # i, f, o = sigmoid(a) = (1 + tanh(a / 2)) / 2 and g = tanh(a), with one tanh
        half = np.full(4 * H, 0.5, dtype=x.dtype)
        half[2 * H:3 * H] = 1.0
        gates *= half
        np.tanh(gates, out=gates)
        gates *= half
        gates += 1.0 - half
        gates = gates.reshape(T, B, 4 * H)
        i, f, g, o = (gates[..., k * H:(k + 1) * H] for k in range(4))
        cells = np.zeros((T + 1, B, H), dtype=x.dtype)  # c_0 .. c_T
        c, c_prev = cells[1:], cells[:-1]
        np.multiply(i, g, out=c)
        for t in range(1, T):  # c_t = f_t c_{t-1} + i_t g_t: the one recurrence the module keeps
            c[t] += f[t] * c[t - 1]
        tanh_c = np.tanh(c)
        self._weight_hh = W_hh
        self._gates, self._time_major = gates, {"i": i, "f": f, "g": g, "o": o,
                                                "c_prev": c_prev, "tanh_c": tanh_c}

        def batch_first(array):
            return array.transpose(1, 0, 2)

        self.caches = {name: batch_first(value) for name, value in
                       {"i": i, "f": f, "g": g, "o": o, "c": c, "c_prev": c_prev,
                        "tanh_c": tanh_c}.items()}

    def backward(self, grad_h_direct):
        """grad_hidden (B, T, H) = total dL/dh_t, and dL/da_t (B, T, 4H) twice: the LSTM's
        two pre-activations W_x x_t + b_ih and W_h h_{t-1} + b_hh share one gradient.

        Per step, as lstm_step_backward in cells.py, but with the gradient-free factors
        of dL/da_t = [dc * g i(1-i), dc * c_{t-1} f(1-f), dc * i (1-g^2), dh * tanh(c) o(1-o)]
        computed for all t at once."""
        k = self._time_major
        i, f, g, o, c_prev, tanh_c = (k[name] for name in ("i", "f", "g", "o", "c_prev", "tanh_c"))
        B, T, H = grad_h_direct.shape
        # what dL/dc_t multiplies in the first three blocks, dL/dh_t in the last
        factors = np.empty_like(self._gates)
        for block, gate, times in ((0, i, g), (1, f, c_prev), (3, o, tanh_c)):
            part = factors[..., block * H:(block + 1) * H]
            np.subtract(1.0, gate, out=part)   # sigmoid' = s (1 - s)
            part *= gate
            part *= times
        part = factors[..., 2 * H:3 * H]
        np.multiply(g, g, out=part)            # tanh' = 1 - tanh^2
        np.subtract(1.0, part, out=part)
        part *= i
        h_to_c = tanh_c * tanh_c               # dc_t/dh_t's factor: o (1 - tanh(c)^2)
        np.subtract(1.0, h_to_c, out=h_to_c)
        h_to_c *= o
        factors = factors.reshape(T, B, 4, H)

        grad_hidden = np.ascontiguousarray(grad_h_direct.transpose(1, 0, 2))  # direct, then total
        grad_a = np.empty((T, B, 4, H), dtype=grad_hidden.dtype)
        grad_c = np.zeros((B, H), dtype=grad_hidden.dtype)
        through_h = np.empty_like(grad_c)
        for t in reversed(range(T)):
            grad_h = grad_hidden[t]                  # direct term + step t+1's, added below
            if t + 1 < T:
                grad_c *= f[t + 1]
            np.multiply(grad_h, h_to_c[t], out=through_h)
            grad_c += through_h                      # dL/dc_t
            np.multiply(factors[t, :, :3], grad_c[:, None, :], out=grad_a[t, :, :3])
            np.multiply(factors[t, :, 3], grad_h, out=grad_a[t, :, 3])
            if t:
                grad_hidden[t - 1] += grad_a[t].reshape(B, 4 * H) @ self._weight_hh
        grad_hidden = grad_hidden.transpose(1, 0, 2)
        grad_a = grad_a.reshape(T, B, 4 * H).transpose(1, 0, 2)
        return grad_hidden, grad_a, grad_a
