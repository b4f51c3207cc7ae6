"""The home page's course at a glance: for each page a small picture drawn from the numbers that
page shows at its defaults (the engine's, as everywhere), as an inline SVG of a few hundred bytes.
Each picture is a pure function of its numbers; glance() computes them once per seed."""

import html

import numpy as np
import streamlit as st
from plotly.colors import sample_colorscale

import rnnviz
from rnnviz.figures import colour_of
from rnnviz.model import CELL_LABELS
from ui import compute
from ui.settings import defaults

WIDTH, HEIGHT, PAD = 240, 110, 8


def _svg(label, body):
    return (f'<div><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
            f'aria-label="{html.escape(label)}" style="display:block;max-width:{WIDTH * 1.5}px">{body}</svg></div>')


def _scale(values, low, high, lo_px, hi_px):
    values = np.asarray(values, dtype=np.float64)
    return lo_px + (values - low) / ((high - low) or 1) * (hi_px - lo_px)


def lines(label, curves, log=False):
    """curves: [(values, colour)] over their index, on one y scale."""
    arrays = [np.log10(np.maximum(np.asarray(v, dtype=np.float64), 1e-300)) if log else np.asarray(v, dtype=np.float64)
              for v, _ in curves]
    shown = np.concatenate([a[np.isfinite(a)] for a in arrays])
    low, high = float(shown.min()), float(shown.max())
    body = []
    for values, (_, colour) in zip(arrays, curves):
        x = _scale(np.arange(len(values)), 0, len(values) - 1, PAD, WIDTH - PAD)
        y = _scale(values, low, high, HEIGHT - PAD, PAD)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y) if np.isfinite(b))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"/>')
    return _svg(label, "".join(body))


def cells(label, grid, colorscale="Viridis", low=None, high=None):
    """A small heatmap of grid (rows, columns)."""
    grid = np.asarray(grid, dtype=np.float64)
    low = np.nanmin(grid) if low is None else low
    high = np.nanmax(grid) if high is None else high
    rows, cols = grid.shape
    w, h = (WIDTH - 2 * PAD) / cols, (HEIGHT - 2 * PAD) / rows
    colours = sample_colorscale(colorscale, np.clip((np.nan_to_num(grid, nan=low) - low) / ((high - low) or 1), 0, 1)
                                .ravel().tolist())
    body = [f'<rect x="{PAD + c * w:.1f}" y="{PAD + r * h:.1f}" width="{w + 0.3:.1f}" height="{h + 0.3:.1f}" '
            f'fill="{colours[r * cols + c]}"/>' for r in range(rows) for c in range(cols)]
    return _svg(label, "".join(body))


def chain(label, relative):
    """The unrolled network: one node per step, coloured by log10 ||dL/dh_t|| / ||dL/dh_T||."""
    T = len(relative)
    x = _scale(np.arange(T), 0, T - 1, PAD + 9, WIDTH - PAD - 9)
    relative = np.asarray(relative, dtype=np.float64)
    low = min(float(np.nanmin(relative[np.isfinite(relative)], initial=-1.0)), -1.0)
    colours = sample_colorscale("Viridis", np.clip(1 - np.nan_to_num(relative, nan=low) / low, 0, 1).tolist())
    middle = HEIGHT / 2
    body = [f'<line x1="{x[0]:.1f}" x2="{x[-1]:.1f}" y1="{middle}" y2="{middle}" stroke="#888" stroke-width="2"/>']
    body += [f'<circle cx="{a:.1f}" cy="{middle}" r="8" fill="{c}" stroke="#333"/>' for a, c in zip(x, colours)]
    return _svg(label, "".join(body))


@st.cache_data(max_entries=16, show_spinner=False)
def pictures(seed):
    """One picture per course page (in order), from what that page draws at its defaults."""
    h, u, v, g = defaults("hidden"), defaults("unrolled"), defaults("vanishing"), defaults("gates")
    hidden = compute.hidden_state_trace(h["numbers"], h["H"], h["act"], h["scale"], seed).hidden[0]
    full, _ = compute.unrolled_traces(u["T"], u["H"], u["act"], u["radius"], seed, u["k"])
    norms = full.grad_hidden_norm[0]
    with np.errstate(divide="ignore"):
        relative = np.log10(norms / norms[-1])
    curves = {cell: compute.vanishing_trace(cell, v["T"], v["H"], v["radius"], v["init"], v["fbias"], seed)[1]
              .grad_hidden_norm[0] for cell in ("rnn_tanh", "lstm")}
    gates = compute.gate_traces(g["cell"], g["task"], g["T"], seed)["trained"].gates["i"][g["sample"]]
    sweep = compute.lag_sweep_data()
    lag_curves = []
    for cell in ("rnn", "lstm", "gru"):
        points = [p for p in (sweep or {}).get("results", []) if p["cell"] == cell and p["task"] == "adding"]
        lags = sorted({p["lag"] for p in points})
        medians = [np.median([p["final_metric"] for p in points if p["lag"] == lag]) for lag in lags]
        if medians:
            lag_curves.append((medians, colour_of(rnnviz.model.cell_label(cell))))
    w, b, loss = compute.cliff_surface()
    rows, columns = np.linspace(len(b) - 1, 0, 14).astype(int), np.linspace(0, len(w) - 1, 30).astype(int)
    return [
        lines("The hidden state's units over four steps",
              [(hidden[:, j], colour) for j, colour in enumerate(("#0072B2", "#D55E00", "#009E73"))]),
        chain("The unrolled network, each step coloured by how much gradient reaches it", relative),
        lines("The gradient over fifty steps back: the tanh RNN's falls, the LSTM's holds",
              [(curves[c], colour_of(CELL_LABELS[c])) for c in curves], log=True),
        cells("A trained LSTM's input gates opening at the two marked steps", gates.T, low=0, high=1),
        lines("How long each cell remembers: the error at the end against the lag", lag_curves, log=True)
        if lag_curves else "",
        cells("Pascanu's cliff: the loss over (w, b)", np.log10(np.maximum(loss[np.ix_(rows, columns)], 1e-6)),
              low=-6, high=0),
    ]
