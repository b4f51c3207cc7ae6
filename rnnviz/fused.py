"""A faster route to the LSTM's BPTT numbers, with PyTorch's fused nn.LSTM for the forward pass.

A Python loop over time steps costs ~10 numpy calls a step each way, and oneDNN's fused
LSTM is several times faster than that. So the forward pass runs fused (no autograd),
and what it does not return is rebuilt from h_t in batched array operations: the gates
from one matrix product over all steps, and c_t by a cheap elementwise recurrence.
The backward loop is then lean: every factor that does not depend on the gradient is
computed for all steps at once beforehand, leaving a few operations per step. The
result is held to the same PyTorch references as the step-by-step route (tests/).
"""

import numpy as np
import torch


def _time_major(array):
    return np.ascontiguousarray(array.transpose(1, 0, 2))


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
            module.weight_ih_l0.copy_(torch.from_numpy(W_ih))
            module.weight_hh_l0.copy_(torch.from_numpy(W_hh))
            module.bias_ih_l0.copy_(torch.from_numpy(params["bias_ih"]))
            module.bias_hh_l0.copy_(torch.from_numpy(params["bias_hh"]))
            out, _ = module(torch.from_numpy(np.ascontiguousarray(x)))
            # gates for all steps at once; torch's vectorised tanh/sigmoid are ~10x numpy's
            h_prev = torch.cat([torch.zeros_like(out[:, :1]), out[:, :-1]], dim=1)
            a = (torch.from_numpy(np.ascontiguousarray(x)) @ torch.from_numpy(W_ih).T
                 + h_prev @ torch.from_numpy(W_hh).T
                 + torch.from_numpy(params["bias_ih"] + params["bias_hh"]))
            i, f, o = (torch.sigmoid(a[..., k * H:(k + 1) * H]) for k in (0, 1, 3))
            g = torch.tanh(a[..., 2 * H:3 * H])
            written = (i * g).transpose(0, 1).contiguous()  # c_t = f_t c_{t-1} + i_t g_t
            forget = f.transpose(0, 1).contiguous()
        self.hidden = out.numpy()  # (B, T, H)
        self._weight_hh = W_hh
        written, forget_steps = written.numpy(), forget.numpy()
        c = np.empty_like(written)
        c[0] = written[0]
        for t in range(1, T):  # the one recurrence the fused module keeps to itself
            np.multiply(forget_steps[t], c[t - 1], out=c[t])
            c[t] += written[t]
        c = torch.from_numpy(c).transpose(0, 1)
        c_prev = torch.cat([torch.zeros_like(c[:, :1]), c[:, :-1]], dim=1)
        self._forget_steps = forget_steps
        self._torch = {"i": i, "f": f, "g": g, "o": o, "c_prev": c_prev, "tanh_c": torch.tanh(c)}
        self.caches = {"a": a.numpy(), "i": i.numpy(), "f": f.numpy(), "g": g.numpy(),
                       "o": o.numpy(), "c": c.numpy(), "c_prev": c_prev.numpy(),
                       "tanh_c": self._torch["tanh_c"].numpy()}

    def backward(self, grad_h_direct):
        """grad_hidden (B, T, H) = total dL/dh_t, and dL/da_t (B, T, 4H) twice: the LSTM's
        two pre-activations W_x x_t + b_ih and W_h h_{t-1} + b_hh share one gradient.

        Per step, as lstm_step_backward in cells.py, but with the gradient-free factors
        of dL/da_t = [dc * g i(1-i), dc * c_{t-1} f(1-f), dc * i (1-g^2), dh * tanh(c) o(1-o)]
        computed for all t at once."""
        k = self._torch
        i, f, g, o, tanh_c = k["i"], k["f"], k["g"], k["o"], k["tanh_c"]
        B, T, H = grad_h_direct.shape

        def time_major(tensor):
            return tensor.transpose(0, 1).contiguous().numpy()

        by_cell = time_major(torch.cat(  # (T, B, 3H): what dL/dc_t multiplies
            [g * i * (1 - i), k["c_prev"] * f * (1 - f), i * (1 - g ** 2)], dim=-1))
        by_hidden = time_major(tanh_c * o * (1 - o))               # what dL/dh_t multiplies
        h_to_c = time_major(o * (1 - tanh_c ** 2))                  # dc_t/dh_t's factor
        forget = self._forget_steps
        direct = _time_major(grad_h_direct)
        grad_hidden = np.empty_like(direct)
        grad_a = np.empty((T, B, 4 * H), dtype=direct.dtype)
        grad_h = np.zeros((B, H), dtype=direct.dtype)
        grad_c = np.zeros((B, H), dtype=direct.dtype)
        for t in reversed(range(T)):
            grad_h += direct[t]                      # plus what came back from step t+1
            grad_hidden[t] = grad_h
            grad_c *= forget[t + 1] if t + 1 < T else 0.0
            grad_c += grad_h * h_to_c[t]             # dL/dc_t
            np.multiply(by_cell[t].reshape(B, 3, H), grad_c[:, None, :],
                        out=grad_a[t, :, :3 * H].reshape(B, 3, H))
            np.multiply(by_hidden[t], grad_h, out=grad_a[t, :, 3 * H:])
            grad_h = grad_a[t] @ self._weight_hh     # dL/dh_{t-1} through step t
        grad_hidden = grad_hidden.transpose(1, 0, 2)
        grad_a = grad_a.transpose(1, 0, 2)
        return grad_hidden, grad_a, grad_a
