"""train(): fit a Model to a task, keeping what a learner wants to watch.

Nothing here knows about the app: progress is a plain callback, as in minGPT's
trainer, so a page can drive a progress bar and a notebook can pass nothing.
Training runs PyTorch's fused modules on a copy of the model's parameters and
writes them back; record() (the hand-written BPTT) draws the snapshots.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from . import bptt
from .trace import record

OPTIMIZERS = ("adam", "sgd")
CLIP_KINDS = ("norm", "value")


@dataclass
class History:
    """Per training step (index k is the k-th update, 0-based)."""

    loss: np.ndarray               # (N,) training loss on that step's batch
    grad_norm: np.ndarray          # (N,) global gradient norm before clipping
    clipped_grad_norm: np.ndarray  # (N,) global gradient norm after clipping
    accuracy: np.ndarray | None    # (N,) batch accuracy, classification tasks only
    traces: dict = field(default_factory=dict)  # {updates done: Trace on a fixed batch}
    diverged_at: int | None = None  # the step whose loss or gradient was not finite
    diverged_reason: str | None = None
    stopped_early: bool = False     # the progress callback asked to stop
    checkpoint: dict | None = None  # all it takes to go on training (train's resume=); None if diverged

    @property
    def steps_done(self):
        return len(self.loss)

    def metric(self, task):
        """Per step: the batch MSE for regression, the batch accuracy for classification."""
        return self.accuracy if task.loss == "ce" else self.loss

    def solved_step(self, task, window=10):
        """The first step (1-based) at which the metric, averaged over `window` steps,
        reaches task.solved; None if it never did."""
        values = self.metric(task)
        if values is None or len(values) < window:
            return None
        smooth = np.convolve(values, np.ones(window) / window, mode="valid")
        reached = smooth >= task.solved if task.loss == "ce" else smooth <= task.solved
        hits = np.flatnonzero(reached)
        return int(hits[0]) + window if hits.size else None

    def final_metric(self, task, window=10):
        """The metric averaged over the last `window` steps (NaN before any step)."""
        values = self.metric(task)
        return float(np.mean(values[-window:])) if values is not None and len(values) else float("nan")

    def solved_at_end(self, task, window=10):
        """Whether the last `window` steps' average is at the solved level: a run that touched
        the level once and drifted away does not count."""
        final = self.final_metric(task, window)
        return bool(final >= task.solved if task.loss == "ce" else final <= task.solved)


def _check(optimizer, clip, tbptt, dropout, steps, lr, batch_size, model):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if clip is not None:
        kind, threshold = clip
        if kind not in CLIP_KINDS or not threshold > 0 or not math.isfinite(threshold):
            raise ValueError(f"clip must be None or ('norm' | 'value', c > 0), got {clip!r}")
    if tbptt is not None:
        if int(tbptt) != tbptt or tbptt < 1:
            raise ValueError(f"tbptt must be None or a window of at least 1 step, got {tbptt!r}")
        if model.bidirectional:
            raise ValueError("truncated BPTT needs a one-directional model")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    if not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"learning rate must be a positive number, got {lr!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _head_loss(head, features, y, task, dropout, generator, training):
    if training and dropout > 0:
        keep = torch.bernoulli(torch.full_like(features, 1 - dropout), generator=generator)
        features = features * keep / (1 - dropout)
    outputs = head(features)
    if task.loss == "mse":
        return F.mse_loss(outputs, y.reshape(outputs.shape).to(outputs.dtype)), outputs
    return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), y.reshape(-1)), outputs


def _forward_backward(module, head, x, y, task, tbptt, dropout, generator):
    """Loss (as a float) and accuracy; gradients are left in .grad.

    With truncated BPTT the state is carried between windows but detached, so no
    gradient flows back further than one window.
    """
    T = x.shape[1]
    windows = bptt.windows(T, tbptt, task.target)
    state = None
    first_start = windows[0][0]
    if first_start > 0:
        with torch.no_grad():
            _, state = module(x[:, :first_start])
    total_loss, correct = 0.0, 0.0
    for start, stop in windows:
        out, state = module(x[:, start:stop], state)
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        if task.target == "last":
            features, target = out[:, -1], y
        else:
            features, target = out, y[:, start:stop]
        loss, outputs = _head_loss(head, features, target, task, dropout, generator, True)
        weight = 1.0 if task.target == "last" else (stop - start) / T  # windows average to the full mean
        (loss * weight).backward()
        total_loss += loss.item() * weight
        if task.loss == "ce":
            correct += (outputs.argmax(-1) == target).float().mean().item() * weight
    return total_loss, correct


def clip_gradients(parameters, clip, grad_norm):
    """In place. By norm: g <- g * min(1, c / ||g||), so the direction is kept and the
    norm becomes min(||g||, c) exactly (torch's clip_grad_norm_ adds 1e-6 to ||g||).
    By value: every component clamped to [-c, c], which can turn the direction."""
    kind, threshold = clip
    with torch.no_grad():
        for p in parameters:
            if kind == "norm":
                p.grad.mul_(min(1.0, threshold / grad_norm) if grad_norm > 0 else 1.0)
            else:
                p.grad.clamp_(-threshold, threshold)


def _global_norm(parameters):
    return math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in parameters if p.grad is not None))


def _to_numpy(tensor):
    """A checkpoint's copy of a tensor: numpy (picklable), no torch storage shared."""
    return tensor.detach().cpu().numpy().copy()


def _to_torch(array):
    return torch.from_numpy(array.copy())


def _map_leaves(value, kind, convert):
    """value (an optimizer state: dicts, lists and tuples) with every `kind` leaf converted."""
    if isinstance(value, kind):
        return convert(value)
    if isinstance(value, dict):
        return {k: _map_leaves(v, kind, convert) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_leaves(v, kind, convert) for v in value)
    return value


def train(model, task, steps=200, lr=1e-2, optimizer="adam", clip=None, tbptt=None,
          dropout=0.0, batch_size=32, seed=0, record_every=None, progress=None, resume=None):
    """Train `model` in place on fresh batches of `task`; return its History.

    clip: None, ("norm", c) to rescale the whole gradient to norm <= c, or ("value", c)
    to clamp every component to [-c, c]. tbptt: None or the window k of truncated BPTT.
    dropout: probability of zeroing a hidden feature on its way to the head.
    record_every: keep a Trace on a fixed batch after every k updates (and at 0 and the end).
    progress(step, loss, history) is called after each update; returning False stops.
    A non-finite loss, gradient or parameter stops training without raising: the
    History says where and why, and the model keeps its last finite parameters.
    resume: the History.checkpoint of an earlier call with the same arguments but fewer steps
    (a pause); training goes on from there to `steps` updates in all, exactly as one call
    would have (weights, optimizer moments, the data and dropout draws), and the History
    holds every step's numbers from the first. Snapshots (record_every) before the
    checkpoint are in the earlier History.
    """
    _check(optimizer, clip, tbptt, dropout, steps, lr, batch_size, model)
    start = 0 if resume is None else int(resume["step"])
    if not 0 <= start <= steps:
        raise ValueError(f"the checkpoint is at step {start}, past the {steps} steps asked for")
    if resume is not None:
        model.params = {name: _to_torch(value) for name, value in resume["params"].items()}
    module, head = model.to_torch()
    parameters = list(module.parameters()) + list(head.parameters())
    opt = (torch.optim.Adam(parameters, lr=lr) if optimizer == "adam"
           else torch.optim.SGD(parameters, lr=lr))
    data_generator = torch.Generator().manual_seed(int(seed))
    dropout_generator = torch.Generator().manual_seed(int(seed) + 1)
    trace_x, trace_y = task.sample(min(batch_size, 16), torch.Generator().manual_seed(int(seed) + 2))

    # per-step records, filled in place: the History a progress callback gets holds views of
    # the steps done so far, so a callback on every step costs nothing per step
    losses, norms, clipped_norms, accuracies = (np.empty(int(steps)) for _ in range(4))
    if resume is not None:
        opt.load_state_dict(_map_leaves(resume["optimizer"], np.ndarray, _to_torch))
        data_generator.set_state(_to_torch(resume["data_generator"]))
        dropout_generator.set_state(_to_torch(resume["dropout_generator"]))
        for buffer, name in ((losses, "loss"), (norms, "grad_norm"), (clipped_norms, "clipped_grad_norm"),
                             (accuracies, "accuracy")):
            buffer[:start] = resume[name]
    done = start
    hist = History(losses[:done], norms[:done], clipped_norms[:done], None)

    def snapshot(updates):
        model.load_torch(module, head)
        hist.traces[updates] = record(model, trace_x, trace_y, task.loss, task.target)

    def finish():
        hist.loss, hist.grad_norm = losses[:done], norms[:done]
        hist.clipped_grad_norm = clipped_norms[:done]
        hist.accuracy = accuracies[:done] if task.loss == "ce" else None
        return hist

    if record_every and start == 0:
        snapshot(0)
    for step in range(start, int(steps)):
        x, y = task.sample(batch_size, data_generator)
        opt.zero_grad(set_to_none=False)
        loss, accuracy = _forward_backward(module, head, x.to(model.dtype), y, task, tbptt,
                                           dropout, dropout_generator)
        grad_norm = _global_norm(parameters)
        problem = (f"the loss became {loss}" if not math.isfinite(loss)
                   else f"the gradient norm became {grad_norm}" if not math.isfinite(grad_norm)
                   else None)
        if problem is None:
            if clip is not None:
                clip_gradients(parameters, clip, grad_norm)
            before = [p.detach().clone() for p in parameters]
            opt.step()
            if not all(torch.isfinite(p).all() for p in parameters):
                with torch.no_grad():
                    for p, old in zip(parameters, before):
                        p.copy_(old)
                problem = "a weight overflowed to infinity after the update"
        if problem is not None:
            hist.diverged_at, hist.diverged_reason = step, problem
            break
        losses[done], norms[done] = loss, grad_norm
        clipped_norms[done] = _global_norm(parameters) if clip is not None else grad_norm
        accuracies[done] = accuracy
        done += 1
        if record_every and (step + 1) % record_every == 0:
            snapshot(step + 1)
        if progress is not None and progress(step, loss, finish()) is False:
            hist.stopped_early = True
            break
    model.load_torch(module, head)
    if record_every and done not in hist.traces:
        snapshot(done)
    finish()
    if hist.diverged_at is None:
        hist.checkpoint = {"step": done, "params": model.numpy_params(),
                           "optimizer": _map_leaves(opt.state_dict(), torch.Tensor, _to_numpy),
                           "data_generator": _to_numpy(data_generator.get_state()),
                           "dropout_generator": _to_numpy(dropout_generator.get_state()),
                           "loss": losses[:done].copy(), "grad_norm": norms[:done].copy(),
                           "clipped_grad_norm": clipped_norms[:done].copy(), "accuracy": accuracies[:done].copy()}
    # the finished History owns arrays of its own length, not views of the buffers
    hist.loss, hist.grad_norm, hist.clipped_grad_norm = (a.copy() for a in (hist.loss, hist.grad_norm,
                                                                              hist.clipped_grad_norm))
    hist.accuracy = None if hist.accuracy is None else hist.accuracy.copy()
    return hist
