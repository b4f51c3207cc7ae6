"""The engine calls behind each page, with the slow ones cached.

Caches are bounded (max_entries, ttl) because one server serves a whole class, and
they hold plain arrays, never models or autograd graphs.
"""

import json

import numpy as np
import streamlit as st
import torch

import rnnviz
import rnnviz.experiments
from ui import state, workers
from ui.settings import defaults

CACHE = dict(max_entries=64, ttl=3600, show_spinner=False)
LONGEST_VANISHING = int(state.row("vanishing", "T").high)  # the page's longest T


def hidden_state_trace(numbers, hidden_size, activation, scale, seed):
    """A random vanilla RNN reading `numbers`; the target at each step is the next number. In
    float64, the live view's precision (ui/live/hidden.js)."""
    sequence = np.asarray(numbers, dtype=np.float64)
    following = np.append(sequence[1:], 2 * sequence[-1] - sequence[-2])  # continue the pattern
    model = rnnviz.Model("rnn", 1, hidden_size, 1, nonlinearity=activation,
                         weight_scale=scale, seed=seed, dtype=torch.float64)
    return rnnviz.record(model, sequence[None, :, None], following[None, :, None], "mse", "all")


@st.cache_data(**CACHE)
def hidden_live(seed):
    """What the hidden-state page's live view needs to compute every setting in the browser: the
    network of every hidden size as drawn at weight scale 1 (Model multiplies W_x and W_h by the
    scale after drawing)."""
    from ui import live

    sizes = state.row("hidden", "H")
    return {"draw": f"hidden|{seed}",
            "models": [live.model_data(rnnviz.Model("rnn", 1, hidden_size, 1, seed=seed, dtype=torch.float64))
                       for hidden_size in range(int(sizes.low), int(sizes.high) + 1)]}


SATURATED = 0.25  # a mean tanh′ below this: the units sit near ±1 (the unrolled page says so)


def unrolled_sequence(seq_len, seed):
    """The unrolled page's noisy sine wave of `seq_len` steps and the next value, its target."""
    x, y = rnnviz.tasks.get("sine", seq_len=seq_len).sample(1, torch.Generator().manual_seed(seed))
    return x, y[:, -1]


def unrolled_traces(seq_len, hidden_size, activation, radius, seed, window):
    """Full and truncated BPTT on one noisy sine wave, the loss on the last prediction; float64,
    the live view's precision (ui/live/unrolled_run.js)."""
    x, y = unrolled_sequence(seq_len, seed)
    model = rnnviz.Model("rnn", 1, hidden_size, 1, nonlinearity=activation,
                         spectral_radius=radius, seed=seed, dtype=torch.float64)
    full = rnnviz.record(model, x, y, "mse", "last")
    truncated = rnnviz.record(model, x, y, "mse", "last", tbptt=window)
    return full, truncated


@st.cache_data(**CACHE)
def unrolled_live(seed):
    """What the unrolled page's live views need to compute every setting in the browser: the
    network of every hidden size as drawn (W_h before the page rescales it to the spectral radius,
    with the radius it was drawn with, as Model rescales it) and the sine wave of every length."""
    from ui import live

    sizes, lengths = state.row("unrolled", "H"), state.row("unrolled", "T")
    models = []
    for hidden_size in range(1, int(sizes.high) + 1):
        model = rnnviz.Model("rnn", 1, hidden_size, 1, seed=seed, dtype=torch.float64)
        models.append({**live.model_data(model),
                       "rho": float(torch.linalg.eigvals(model.params["weight_hh"]).abs().max())})
    sequences = [unrolled_sequence(seq_len, seed) for seq_len in range(int(lengths.low), int(lengths.high) + 1)]
    return {"draw": f"unrolled|{seed}", "models": models,
            "inputs": [live.encoded(x.numpy()) for x, _ in sequences],
            "targets": [float(y) for _, y in sequences]}


def vanishing_model(cell, hidden_size, radius, init, forget_bias, seed, dtype=torch.float32):
    return rnnviz.Model.from_choice(cell, 2, hidden_size, 1, forget_bias=forget_bias, seed=seed,
                                    init=init, spectral_radius=radius, dtype=dtype)


def vanishing_trace(cell, seq_len, hidden_size, radius, init, forget_bias, seed):
    """One adding-problem sequence through an untrained cell: the loss reads h_T only. The
    sequence of each length is the one before it lengthened (tasks.adding_lengths), so dragging
    T grows one sequence. In float64: in float32 a gradient below 1e-38 flattens and then flushes
    to 0 (a GRU at T = 500 would show 44 orders lost where there are 81)."""
    x, y = rnnviz.tasks.adding_sequence(seq_len, seed, LONGEST_VANISHING)
    model = vanishing_model(cell, hidden_size, radius, init, forget_bias, seed, dtype=torch.float64)
    return model, rnnviz.record(model, x, y, "mse", "last")


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def vanishing_live(hidden_size, seed):
    """What the vanishing page's live view needs to compute, in the browser, every cell, length,
    spectral radius, forget-gate bias and W_h drawn for one hidden size and seed: for each way of
    drawing W_h and each cell, the weights as drawn, before the page rescales W_h's blocks and
    sets b_f (as Model does after drawing); each block's spectral radius, eigenvalues and largest
    singular value as drawn (the rescaling multiplies each by radius / ρ); and the adding
    sequence of every length."""
    from rnnviz.model import CELL_COLOURS, CELL_LABELS
    from ui import live

    draws = {}
    for init in ("orthogonal", "default"):
        cells = draws[init] = {}
        for choice in CELL_LABELS:
            model = vanishing_model(choice, hidden_size, None, init, None, seed, dtype=torch.float64)
            blocks = model.params["weight_hh"].split(hidden_size)
            eigen = [np.linalg.eigvals(block.numpy()) for block in blocks]
            cells[choice] = {**live.model_data(model),
                             # as Model's _with_spectral_radius computes it, so the rescaled W_h is bit-identical
                             "rho": [float(torch.linalg.eigvals(block).abs().max()) for block in blocks],
                             "eigen": [[values.real.tolist(), values.imag.tolist()] for values in eigen],
                             "sigma": [float(rnnviz.analysis.singular_values(block)[0]) for block in blocks]}
    values, marked, targets = rnnviz.tasks.adding_lengths(LONGEST_VANISHING, seed)
    return {"draw": {"H": hidden_size, "seed": seed, "key": f"{hidden_size}|{seed}"},
            "draws": draws, "labels": CELL_LABELS, "colours": CELL_COLOURS,
            "sequence": {"values": live.encoded(values.numpy()), "marked": marked.tolist(),
                         "targets": live.encoded(targets.numpy())}}


def vanishing_training(cell, seq_len, hidden_size, radius, init, forget_bias, clip, threshold, lr,
                       seed, steps=60, every=3, waiting=None, only_cached=False):
    """A short SGD run on the adding problem, on a training worker (and cached server-wide by
    workers.compute): ||dL/dh_t|| per snapshot and the gradient norm before and after clipping per
    iteration. waiting(seconds) while it trains: see workers.compute. only_cached: None unless it
    is in the cache already, without waiting."""
    args = (cell, seq_len, hidden_size, radius, init, forget_bias, clip, threshold, lr, seed, steps, every)
    if only_cached:
        return workers.computed_already(_vanishing_run, *args)
    return workers.compute(_vanishing_run, *args, waiting=waiting)


def _vanishing_run(cell, seq_len, hidden_size, radius, init, forget_bias, clip, threshold, lr, seed,
                   steps, every):
    task = rnnviz.tasks.get("adding", seq_len=seq_len)
    model = vanishing_model(cell, hidden_size, radius, init, forget_bias, seed)
    hist = rnnviz.train(model, task, steps=steps, lr=lr, optimizer="sgd",
                        clip=None if clip == "none" else (clip, threshold),
                        batch_size=16, seed=seed, record_every=every)
    iterations = sorted(hist.traces)
    return {
        "iterations": np.array(iterations),
        "grad_hidden_norm": np.stack([np.median(hist.traces[k].grad_hidden_norm, axis=0)
                                      for k in iterations]),
        "grad_norm": hist.grad_norm, "clipped_grad_norm": hist.clipped_grad_norm,
        "loss": hist.loss, "diverged_at": hist.diverged_at, "diverged_reason": hist.diverged_reason,
    }


GATE_SAMPLE_OFFSET = 100  # the 8 sequences shown are drawn with seed + this, apart from training


@st.cache_data(**CACHE)
def gate_traces(cell, task_name, seq_len, seed):
    """The shipped trained cell and the same cell before training, on the same 8 sequences;
    a vanilla RNN trained and untrained the same way, for the gradient-flow comparison; and
    the cell's held-out score, trained and untrained, against the best constant answer."""
    task = rnnviz.tasks.get(task_name, seq_len=seq_len)
    x, y = task.sample(8, torch.Generator().manual_seed(seed + GATE_SAMPLE_OFFSET))
    models = {"trained": rnnviz.checkpoints.load(cell, task_name),
              "untrained": rnnviz.checkpoints.untrained(cell, task_name),
              "trained_rnn": rnnviz.checkpoints.load("rnn", task_name),
              "untrained_rnn": rnnviz.checkpoints.untrained("rnn", task_name)}
    runs = {name: rnnviz.record(model, x, y, task.loss, task.target) for name, model in models.items()}
    for weights in ("trained", "untrained"):
        runs[f"{weights}_score"], runs["baseline"] = rnnviz.checkpoints.score(models[weights], task_name, seq_len)
    return runs


MEMORY_CELLS = rnnviz.checkpoints.CELLS  # every cell kind with a shipped checkpoint: rnn, lstm, gru


@st.cache_data(**CACHE)
def memory_maps(task_name, seq_len, seed, weights, sample):
    """||∂h_t/∂x_s|| of the shipped RNN, LSTM and GRU (trained, or as they started) on the
    gates page's sample: {cell: (T, T)}."""
    task = rnnviz.tasks.get(task_name, seq_len=seq_len)
    x, y = task.sample(8, torch.Generator().manual_seed(seed + GATE_SAMPLE_OFFSET))
    pick = rnnviz.checkpoints.load if weights == "trained" else rnnviz.checkpoints.untrained
    return {cell: rnnviz.record(pick(cell, task_name), x[sample:sample + 1], y[sample:sample + 1],
                                task.loss, task.target).memory_map(0)
            for cell in MEMORY_CELLS}


@st.cache_data(max_entries=64, show_spinner=False)
def cliff_surface(w_range=rnnviz.cliff.W_RANGE, b_range=rnnviz.cliff.B_RANGE):
    """The one-unit RNN's loss over a (w, b) grid, by default the whole map."""
    return rnnviz.cliff.surface(w_range, b_range)


@st.cache_data(**CACHE)
def real_gradient(seed):
    """Every weight's gradient of a tanh RNN on one adding-problem batch, as one vector."""
    task = rnnviz.tasks.get("adding", seq_len=50)
    x, y = task.sample(32, torch.Generator().manual_seed(seed))
    model = rnnviz.Model("rnn", 2, 16, 1, seed=seed, spectral_radius=1.5)
    trace = rnnviz.record(model, x, y, task.loss, task.target)
    return np.concatenate([g.reshape(-1) for g in trace.param_grads.values()])


def diverging_run(seed):
    """The cliff page's cautionary run, on a training worker (cached server-wide)."""
    return workers.compute(_diverging_run, seed)


def _diverging_run(seed):
    """A tanh RNN on the adding problem, SGD at learning rate 100, no clipping, 50 steps."""
    task = rnnviz.tasks.get("adding", seq_len=50)
    model = rnnviz.Model("rnn", 2, 16, 1, seed=seed, spectral_radius=1.5)
    history = rnnviz.train(model, task, steps=50, lr=100.0, optimizer="sgd", seed=seed)
    return {"diverged_at": history.diverged_at, "diverged_reason": history.diverged_reason,
            "final_loss": float(history.loss[-1]) if history.steps_done else float("nan")}


@st.cache_data(max_entries=1, show_spinner=False)
def lag_sweep_data():
    """The shipped results of `rnnviz lag-sweep`, or None."""
    path = rnnviz.experiments.DEFAULT_OUT
    return json.loads(path.read_text()) if path.exists() else None


def warm_view(page, values):
    """What the view of `page` at `values` (every setting of the page, the seed among them) takes
    time to compute, computed now: a class arriving at it finds it cached. A deck warms its next
    step while the teacher is on this one (ui/lecture_view.py)."""
    if page == "vanishing":
        vanishing_training(values["cell"], values["T"], values["H"], values["radius"], values["init"],
                           values["fbias"], values["clip"], values["c"], values["lr"], values["seed"])
    elif page == "gates":
        gate_traces(values["cell"], values["task"], values["T"], values["seed"])
        memory_maps(values["task"], values["T"], values["seed"], values["weights"], values["sample"])


def warm_default_views():
    """What every page's default view computes, once when the server starts, so that a class
    opening the course on a fresh server finds it cached (the short trainings on the workers,
    the rest in this process's caches)."""
    warm_view("vanishing", defaults("vanishing"))
    warm_view("gates", defaults("gates"))
    seed = defaults("vanishing")["seed"]  # one seed, shared by every page
    diverging_run(seed)
    cliff_surface()
    real_gradient(seed)
    lag_sweep_data()
