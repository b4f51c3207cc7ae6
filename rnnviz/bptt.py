"""Backpropagation through time, written out by hand over the step functions of cells.py.

Like min-char-rnn: the forward loop keeps each step's cache, the backward loop runs
over reversed(range(T)) carrying dL/d(state), and every per-step quantity a page
draws (h_t, the gates, dL/dh_t, each step's share of dL/dW_h) falls out of it.
One direction at a time; trace.py runs the reverse direction on a flipped sequence.
"""

from functools import cached_property

import numpy as np

from .cells import CELLS


def forward(cell, params, x, nonlinearity="tanh"):
    """Run one direction over x (B, T, I) from a zero state.

    Returns hidden (B, T, H) = h_1 .. h_T and the list of per-step caches.
    """
    spec = CELLS[cell]
    B, T, _ = x.shape
    H = params["weight_hh"].shape[1]
    state = tuple(np.zeros((B, H), dtype=x.dtype) for _ in range(spec.state_size))
    hidden = np.empty((B, T, H), dtype=x.dtype)
    caches = []
    for t in range(T):
        state, cache = spec.step(x[:, t], state, params, nonlinearity)
        hidden[:, t] = state[0]
        caches.append(cache)
    return hidden, caches


def windows(seq_len, tbptt, target):
    """Truncated BPTT's windows as (start, stop) index pairs; earlier steps only carry state.

    With the loss at the last step only the last k steps get a backward pass; with a
    loss at every step the sequence is cut into consecutive windows of k steps.
    """
    if tbptt is None or tbptt >= seq_len:
        return [(0, seq_len)]
    if target == "last":
        return [(seq_len - tbptt, seq_len)]
    return [(start, min(start + tbptt, seq_len)) for start in range(0, seq_len, tbptt)]


def backward(cell, params, caches, grad_h_direct, nonlinearity="tanh", cuts=()):
    """Carry the gradient from t = T back to t = 1.

    grad_h_direct (B, T, H) is dL/dh_t through the output y_t alone. At each index in
    `cuts` (truncated BPTT's window starts) the carried gradient stops. Returns
    grad_hidden (B, T, H), the total dL/dh_t through y_t and every later step,
    and the per-step gradients of the two pre-activations, each (B, T, G*H).
    """
    spec = CELLS[cell]
    B, T, H = grad_h_direct.shape
    G = params["weight_hh"].shape[0]
    dtype = grad_h_direct.dtype
    grad_state = tuple(np.zeros((B, H), dtype=dtype) for _ in range(spec.state_size))
    grad_hidden = np.empty((B, T, H), dtype=dtype)
    grad_ih = np.empty((B, T, G), dtype=dtype)
    grad_hh = np.empty((B, T, G), dtype=dtype)
    for t in reversed(range(T)):
        # dL/dh_t = direct term from y_t + what flowed back from step t+1
        grad_state = (grad_state[0] + grad_h_direct[:, t],) + grad_state[1:]
        grad_hidden[:, t] = grad_state[0]
        grad_state, grad_pre = spec.step_backward(grad_state, caches[t], params, nonlinearity)
        grad_ih[:, t] = grad_pre["ih"]
        grad_hh[:, t] = grad_pre["hh"]
        if t in cuts:  # truncated BPTT: nothing flows back past a window's first step
            grad_state = tuple(np.zeros_like(g) for g in grad_state)
    return grad_hidden, grad_ih, grad_hh


def previous_hidden(hidden):
    """h_0 .. h_{T-1}: the state each step received (h_0 = 0)."""
    return np.concatenate([np.zeros_like(hidden[:, :1]), hidden[:, :-1]], axis=1)


def param_grads(x, hidden, grad_ih, grad_hh):
    """The parameter gradients: BPTT's sums over time of each step's contribution."""
    def summed_outer(grad, values):  # sum over b and t of grad[b, t] values[b, t]^T
        return grad.reshape(-1, grad.shape[-1]).T @ values.reshape(-1, values.shape[-1])

    return {
        "weight_ih": summed_outer(grad_ih, x),
        "weight_hh": summed_outer(grad_hh, previous_hidden(hidden)),
        "bias_ih": grad_ih.sum(axis=(0, 1)),
        "bias_hh": grad_hh.sum(axis=(0, 1)),
    }


class LoopRun:
    """One direction, step by step through the cell's own step functions: forward now,
    backward when dL/dh_t through the outputs is known."""

    def __init__(self, cell, params, x, nonlinearity="tanh", cuts=()):
        self._args = (cell, params, nonlinearity)
        self._cuts = cuts
        self._x = x
        self.hidden, self._caches = forward(cell, params, x, nonlinearity)

    def backward(self, grad_h_direct):
        cell, params, nonlinearity = self._args
        grad_hidden, *self._grad_pre = backward(cell, params, self._caches, grad_h_direct,
                                                nonlinearity, self._cuts)
        return (grad_hidden, *self._grad_pre)

    def param_grads(self):
        """The parameter gradients from the last backward()."""
        return param_grads(self._x, self.hidden, *self._grad_pre)

    @cached_property
    def caches(self):
        """{name: (B, T, ...)}: every step's intermediates, stacked along time."""
        return {name: np.stack([cache[name] for cache in self._caches], axis=1)
                for name in self._caches[0]}
