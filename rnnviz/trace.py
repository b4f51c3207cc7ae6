"""record(): one instrumented forward and backward pass, kept as a Trace of numpy arrays."""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from . import bptt
from .cells import CELLS
from .lstm_fast import LSTMRun

LOSSES = ("mse", "ce")
TARGETS = ("last", "all")


@dataclass
class Trace:
    """Everything one pass computed. Arrays are numpy, batch first; t runs 1..T as index 0..T-1.

    outputs      (B, O) for target "last", (B, T, O) for "all"
    loss         float
    hidden       (B, T, H*dirs)  h_1 .. h_T (forward direction first, then reverse)
    grad_hidden  (B, T, H*dirs)  dL/dh_t, the total derivative through all later steps
    grad_hidden_direct (B, T, H*dirs) the part of dL/dh_t that comes through y_t alone;
                 the rest, grad_hidden - grad_hidden_direct, is J_{t+1}^T dL/dh_{t+1}
    gates        {name: (B, T, H*dirs)}: lstm i, f, g, o, c; gru r, z, n; rnn none
    param_grads  {PyTorch name: array}
    jacobian_norms   (B, T, dirs): ||d state_t / d state_{t-1}|| (spectral norm; the
                     LSTM's state is (h, c)), computed when first read; for the reverse
                     direction ||d state_t / d state_{t+1}||, its own step back; in time order
    weight_hh_grad_steps  {"weight_hh"[, "weight_hh_reverse"]: (T, G*H, H)}: step t's
                     term of dL/dW_h, in time order for both directions; summed over t they
                     give param_grads["weight_hh"]
    """

    cell: str
    nonlinearity: str
    bidirectional: bool
    loss_kind: str
    target: str
    inputs: np.ndarray
    targets: np.ndarray
    params: dict
    outputs: np.ndarray
    loss: float
    hidden: np.ndarray
    grad_hidden: np.ndarray
    grad_hidden_direct: np.ndarray
    gates: dict
    param_grads: dict
    _directions: list = field(repr=False, default_factory=list)

    @property
    def seq_len(self):
        return self.hidden.shape[1]

    @property
    def hidden_size(self):
        return self.params["weight_hh"].shape[1]

    @property
    def overflow(self):
        """None, or in words where the numbers stopped being finite: an input that was not
        finite to begin with, or a state or gradient that grew past what floating point can
        hold (e.g. a ReLU RNN with a large spectral radius)."""
        bad_input = ~np.isfinite(self.inputs).all(axis=(0, 2))
        if bad_input.any():
            return f"the input x_t is not a finite number at step t = {np.flatnonzero(bad_input)[0] + 1}"
        for name, array, first in (("the hidden state h_t", self.hidden, True),
                                   ("∂L/∂h_t", self.grad_hidden, False)):
            bad = ~np.isfinite(array).all(axis=(0, 2))
            if bad.any():
                steps = np.flatnonzero(bad) + 1
                where = steps[0] if first else steps[-1]
                what = "overflowed to infinity" if np.isinf(array).any() else "became NaN (not a number)"
                return f"{name} {what} at step t = {where}"
        if not np.isfinite(self.loss):
            return "the loss overflowed to infinity"
        return None

    @property
    def underflow(self):
        """None, or the last step t at which ∂L/∂h_t has shrunk below the smallest normal
        number of the dtype (float32: 1.2e-38), having been tiny already at t + 1: from there
        back the numbers lose precision and then flush to 0, so a curve flattens or stops where
        the true gradient keeps shrinking. A dead ReLU, which zeroes a sizeable gradient in
        one step, is not this."""
        if self.overflow:
            return None
        norms = self.grad_hidden_norm
        tiny = np.finfo(self.grad_hidden.dtype).tiny
        steps = []
        for row in norms:
            below = np.flatnonzero(row < tiny)
            if below.size and below[-1] + 1 < len(row) and 0 < row[below[-1] + 1] < tiny * 1e8:
                steps.append(below[-1] + 1)
        return int(max(steps)) if steps else None

    @property
    def grad_hidden_norm(self):
        """(B, T): ||dL/dh_t||, the curve of the vanishing-gradient page, scaled by its largest
        entry before squaring, so a finite gradient past 1e154 (whose square would not fit in a
        float64) keeps a finite norm; steps that overflowed (see `overflow`) stay non-finite."""
        return scaled_norms(self.grad_hidden)

    @cached_property
    def jacobian_norms(self):
        from .analysis import step_jacobians

        norms = [d.in_time_order(_spectral_norms(step_jacobians(self.cell, self.nonlinearity,
                                                                d.params, d.caches, b)), axis=0)
                 for d in self._directions for b in range(self.hidden.shape[0])]
        B = self.hidden.shape[0]
        return np.stack([np.stack(norms[k * B:(k + 1) * B]) for k in range(len(self._directions))],
                        axis=-1)

    def memory_map(self, sample=0):
        """(T, T): ||∂h_t/∂x_s|| at [t-1, s-1] for one sample, NaN where s > t; the forward
        direction's state. See analysis.memory_map."""
        from .analysis import memory_map

        d = self._directions[0]
        return memory_map(self.cell, self.nonlinearity, d.params, d.caches, sample)

    @cached_property
    def weight_hh_grad_steps(self):
        # (T, G*H, B) @ (T, B, H): each step's outer products summed over the batch
        return {f"weight_hh{d.suffix}": d.in_time_order(
                    d.grad_hh.transpose(1, 2, 0) @ bptt.previous_hidden(d.hidden).transpose(1, 0, 2),
                    axis=0)
                for d in self._directions}


def scaled_norms(values):
    """The Euclidean norm along the last axis, in float64, as max|v| * ||v / max|v|||: no square
    overflows; a row of zeros is 0, a row with an infinite (NaN) entry inf (NaN)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        largest = np.abs(values).max(axis=-1, keepdims=True)
        scale = np.where(np.isfinite(largest) & (largest > 0), largest, 1.0)
        norms = (scale * np.linalg.norm(values / scale, axis=-1, keepdims=True))[..., 0]
    return np.where(np.isfinite(largest[..., 0]), norms, largest[..., 0])  # inf stays inf, NaN NaN


def _spectral_norms(matrices):
    """Largest singular value of each matrix; NaN where an overflow left non-finite entries."""
    finite = np.isfinite(matrices).all(axis=(-2, -1))
    norms = np.full(matrices.shape[0], np.nan)
    if finite.any():
        norms[finite] = np.linalg.norm(matrices[finite], ord=2, axis=(-2, -1))
    return norms


@dataclass
class _Direction:
    """One direction's run, kept in its own time order for lazy analyses."""

    suffix: str
    params: dict
    hidden: np.ndarray
    caches: dict      # {name: (B, T, ...)} the step functions' intermediates
    grad_hh: np.ndarray

    def in_time_order(self, array, axis):
        """An array along this direction's steps, put in the order t = 1 .. T."""
        return np.flip(array, axis=axis) if self.suffix else array


def _as_numpy(value, dtype):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value).astype(dtype, copy=False)


def _head_loss(features, weight, bias, y, loss):
    """Linear head and loss; returns outputs, loss, dL/doutputs."""
    outputs = features @ weight.T + bias
    if loss == "mse":
        diff = outputs - y.reshape(outputs.shape)
        return outputs, float(np.mean(diff ** 2)), 2.0 * diff / diff.size
    logits = outputs.reshape(-1, outputs.shape[-1])
    labels = y.reshape(-1).astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[-1]):
        raise ValueError(f"class labels must be from 0 to {logits.shape[-1] - 1}, "
                         f"got {labels.min()} .. {labels.max()}")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    rows = np.arange(len(labels))
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    grad /= len(labels)
    return outputs, float(-log_probs[rows, labels].mean()), grad.reshape(outputs.shape)


def record(model, x, y, loss="mse", target="last", tbptt=None):
    """One forward and backward pass of `model` on x (B, T, I) against y, every
    intermediate kept. y is (B, O) / (B, T, O) for "mse", class indices (B,) / (B, T) for "ce".
    tbptt=k gives the gradients truncated BPTT with window k computes (as train() does).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    params = model.numpy_params()
    dtype = params["weight_hh"].dtype
    x = _as_numpy(x, dtype)
    y = _as_numpy(y, np.int64 if loss == "ce" else dtype)
    if x.ndim != 3 or x.shape[2] != model.input_size or x.shape[1] < 1:
        raise ValueError(f"x must be (batch, time, {model.input_size}), got {x.shape}")

    if tbptt is not None and model.bidirectional:
        raise ValueError("truncated BPTT needs a one-directional model")
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by Trace.overflow
        return _record(model, params, x, y, loss, target, tbptt)


def _record(model, params, x, y, loss, target, tbptt):
    spec = CELLS[model.cell]
    windows = bptt.windows(x.shape[1], tbptt, target)
    cuts = {start for start, _ in windows if start > 0}
    runs = []
    for suffix in model.directions:
        direction_params = {name: params[name + suffix]
                            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        x_dir = x[:, ::-1].copy() if suffix else x  # the reverse direction reads time backwards
        if model.cell == "lstm" and not cuts:
            run = LSTMRun(direction_params, x_dir)
        else:
            run = bptt.LoopRun(model.cell, direction_params, x_dir, model.nonlinearity, cuts)
        runs.append((suffix, direction_params, x_dir, run))

    def in_time_order(array, suffix):
        return array[:, ::-1] if suffix else array

    hidden = _join([in_time_order(run.hidden, s) for s, _, _, run in runs])
    features = hidden[:, -1] if target == "last" else hidden
    outputs, loss_value, grad_outputs = _head_loss(
        features, params["head.weight"], params["head.bias"], y, loss)
    grad_features = grad_outputs @ params["head.weight"]
    grad_h_direct = np.zeros_like(hidden)
    if target == "last":
        grad_h_direct[:, -1] = grad_features
    else:
        grad_h_direct[:] = grad_features
    for start, stop in zip([0] + [w[1] for w in windows], [w[0] for w in windows]):
        grad_h_direct[:, start:stop] = 0.0  # steps between windows get no backward pass

    H = model.hidden_size
    grads = {
        "head.weight": (grad_outputs.reshape(-1, grad_outputs.shape[-1]).T
                        @ features.reshape(-1, features.shape[-1])),
        "head.bias": grad_outputs.reshape(-1, grad_outputs.shape[-1]).sum(axis=0),
    }
    grad_hidden, gates, directions = [], {n: [] for n in spec.gate_names}, []
    for k, (suffix, direction_params, x_dir, run) in enumerate(runs):
        direct = in_time_order(grad_h_direct[..., k * H:(k + 1) * H], suffix)
        g_hidden, _, grad_hh = run.backward(direct)
        for name, value in run.param_grads().items():
            grads[name + suffix] = value
        grad_hidden.append(in_time_order(g_hidden, suffix))
        for name in spec.gate_names:
            gates[name].append(in_time_order(run.caches[name], suffix))
        directions.append(_Direction(suffix, direction_params, run.hidden, run.caches, grad_hh))

    return Trace(
        cell=model.cell, nonlinearity=model.nonlinearity, bidirectional=model.bidirectional,
        loss_kind=loss, target=target, inputs=x, targets=y, params=params,
        outputs=outputs, loss=loss_value, hidden=hidden,
        grad_hidden=_join(grad_hidden), grad_hidden_direct=grad_h_direct,
        gates={name: _join(parts) for name, parts in gates.items()},
        param_grads=grads, _directions=directions,
    )


def _join(parts):
    """Both directions side by side on the feature axis."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)
