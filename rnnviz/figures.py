"""Figure builders: numbers in, a plotly figure or a Vega-Lite spec out. Pure functions, no
Streamlit.

    rnnviz.figures.grad_norms({"RNN": tr.grad_hidden_norm[0]}).show()   # in a notebook

The plotly figures are written as plain specs and wrapped without plotly's per-property
validation, which costs 10-50 ms a figure: a slider move must redraw in well under 150 ms.
"""

from functools import lru_cache
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go

from .cells import CELLS
from .model import CELL_COLOURS, CELL_LABELS, cell_label

FONT = dict(size=15)
# Colour scales spelled out: names like "RdBu_r" are resolved by plotly.py's validation,
# which these figures skip, and plotly.js alone does not know them.
DIVERGING = [[0.0, "#2166AC"], [0.25, "#92C5DE"], [0.5, "#F7F7F7"], [0.75, "#F4A582"],
             [1.0, "#B2182B"]]  # blue negative, white zero, red positive
SEQUENTIAL = "Viridis"
GREYS = [[0.0, "#FFFFFF"], [1.0, "#222222"]]
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


OTHERS = ["#E69F00", "#56B4E9", "#000000", "#999999"]  # Okabe-Ito's, beside the cells' own


def colour_of(name, k=0):
    """A curve's colour: its cell's (model.CELL_COLOURS) when its name holds a cell's label
    ("LSTM", "untrained RNN (tanh)"), so a cell is drawn alike on every chart, live or finished,
    in any order; otherwise the k-th of OTHERS, none of them a cell's."""
    return next((CELL_COLOURS[choice] for choice, label in CELL_LABELS.items() if label in name),
                OTHERS[k % len(OTHERS)])

# On a page Streamlit's theme styles the charts; what it leaves to the template is the
# colour bars, drawn without an outline as in plotly_white. A whole template is 7 kB that
# every chart would carry to the browser and copy on every redraw.
_TEMPLATE = {"data": {kind: [{"colorbar": {"outlinewidth": 0, "ticks": ""}}]
                      for kind in ("heatmap", "contour", "surface")}}


def _figure(data, title=None, height=360, finding=None, **layout):
    """A figure; `finding`, what it shows in one line of words from its numbers, rides in its
    layout's meta: the page writes it under the chart and names the chart by it for a screen
    reader (ui/charts.py, ui/access.js)."""
    layout = {"template": _TEMPLATE, "font": FONT, "height": height,
              "margin": dict(l=60, r=20, t=60 if title else 20, b=50),
              "title": {"text": title} if title else None,
              **({"meta": {"finding": finding}} if finding else {}), **layout}
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def finding(figure):
    """The figure's finding in words (see _figure), or None."""
    meta = figure.layout.meta
    return meta.get("finding") if isinstance(meta, dict) else None


def _g(value, digits=2):
    """A number for a finding: digits significant figures, or what went wrong with it."""
    return f"{value:.{digits}g}" if np.isfinite(value) else "not a number"


def _orders(values):
    """How many orders of magnitude values[0] lies above (positive) or below values[-1]."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log10(values[0] / values[-1]))


def _fall(orders):
    if not np.isfinite(orders):
        return "cannot be compared (a zero or an overflow)"
    return f"{'falls' if orders < 0 else 'rises'} {abs(orders):.1f} orders of magnitude"


def _plain(text):
    """A title's or name's HTML markup as plain words."""
    return (str(text).replace("<sub>", "_").replace("</sub>", "").replace("<sup>", "^")
            .replace("</sup>", ""))


def _positive(values):
    """For a log axis: zeros and non-finite values become gaps, not errors."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _axis(title, **kwargs):
    return {"title": {"text": title}, **kwargs}


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(exponent):
    return {0: "1", 1: "10"}.get(exponent, "10" + str(exponent).translate(_SUPERSCRIPT))


def _log_axis(title, *arrays, **kwargs):
    """A log axis labelled at powers of ten only, at most about eight of them: plotly's own
    labels over a few decades read "5, 10, 2, 5, 100"."""
    values = np.concatenate([_positive(a).ravel() for a in arrays]) if arrays else np.array([])
    values = values[np.isfinite(values)]
    if not values.size:
        return _axis(title, type="log", **kwargs)
    low, high = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
    low, high = (low - 1, high + 1) if low == high else (low, high)
    step = next(n for n in (1, 2, 5, 10, 20, 50, 100, 200, 500) if (high - low) / n <= 8)
    powers = range(-(-low // step) * step, high + 1, step)  # at multiples of the step: 10⁻²⁰, 10⁻¹⁰, 1
    return _axis(title, type="log", tickvals=[10.0 ** k for k in powers],
                 ticktext=[_power_of_ten(k) for k in powers], **kwargs)


def steps(seq_len):
    return np.arange(1, seq_len + 1)


def _grid(rows, cols, row_heights, vertical_gap=0.05, horizontal_gap=0.06):
    """Axis domains for a rows x cols grid (top row first), as make_subplots lays them out."""
    usable = 1 - vertical_gap * (rows - 1)
    heights = np.asarray(row_heights, dtype=float) / sum(row_heights) * usable
    width = (1 - horizontal_gap * (cols - 1)) / cols
    top, cells = 1.0, {}
    for r in range(rows):
        bottom = top - heights[r]
        for c in range(cols):
            left = c * (width + horizontal_gap)
            cells[r, c] = ((left, left + width), (max(bottom, 0.0), top))
        top = bottom - vertical_gap
    return cells


# --- Hidden state ------------------------------------------------------------------------

def predictions(inputs, predicted, wanted, chosen_t=None):
    """The input x_t, the output layer's y_t, and what y_t should be (the next number)."""
    t = steps(len(inputs))
    data = [
        dict(type="scatter", x=t, y=inputs, name="input x_t", mode="lines+markers",
             line=dict(color=PALETTE[0], width=3)),
        dict(type="scatter", x=t, y=wanted, name="next number (target)", mode="markers",
             marker=dict(color=PALETTE[2], size=14, symbol="circle-open", line=dict(width=3))),
        dict(type="scatter", x=t, y=predicted, name="prediction y_t", mode="lines+markers",
             line=dict(color=PALETTE[1], width=3, dash="dot")),
    ]
    shapes = [] if chosen_t is None else [_vline(chosen_t)]
    return _figure(data, "What the output layer says at each step", height=320, shapes=shapes,
                   xaxis=_axis("time step t", dtick=1), yaxis=_axis("value"),
                   legend=dict(orientation="h", y=-0.3))


def _vline(x):
    return dict(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper",
                line=dict(color="grey", dash="dash"))


def _hline(y, label):
    return (dict(type="line", x0=0, x1=1, xref="paper", y0=y, y1=y, line=dict(color="black", dash="dash")),
            dict(x=1, xref="paper", y=y, text=label, showarrow=False, xanchor="right", yanchor="bottom"))


# --- Unrolled network and BPTT -----------------------------------------------------------

UNROLLED_SCALE = (-6, 2)  # log10 of ||dL/dh_t|| / ||dL/dh_T||: one scale for every setting


def unrolled_graph(inputs, hidden, grad_norm, backward_t, loss_steps, fit=False):
    """x_t -> h_t -> y_t for t = 1..T with h_{t-1} -> h_t edges. The h nodes the backward pass
    has reached (t >= backward_t) are coloured by ||dL/dh_t|| relative to the last step's, on
    one fixed log scale (UNROLLED_SCALE, clamped at its ends), so fading compares between
    settings, or with fit=True on whole decades spanning just these values; white: not
    reached yet; black: a gradient of exactly 0 (e.g. dead ReLU units)."""
    T = len(inputs)
    t = steps(T)
    edges_x, edges_y = [], []
    for k in range(T):
        edges_x += [t[k], t[k], None]
        edges_y += [0, 1, None]
        if k > 0:
            edges_x += [t[k - 1], t[k], None]
            edges_y += [1, 1, None]
        if t[k] in loss_steps:
            edges_x += [t[k], t[k], None]
            edges_y += [1, 2, None]
    reached = t >= backward_t
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.log10(np.asarray(grad_norm, dtype=np.float64) / grad_norm[-1])
    relative = np.nan_to_num(relative, nan=UNROLLED_SCALE[1], posinf=UNROLLED_SCALE[1],
                             neginf=UNROLLED_SCALE[0])  # an overflow draws at the top end
    zero = reached & (np.asarray(grad_norm) == 0)
    coloured = reached & ~zero
    low, high = UNROLLED_SCALE
    shown = relative[np.asarray(grad_norm) > 0]
    if fit and shown.size:
        low, high = int(np.floor(shown.min())), int(np.ceil(shown.max()))
        low, high = (low - 1, high + 1) if low == high else (low, high)
    tick_step = max(1, -(-(high - low) // 5))
    hover = [f"h_{k + 1} = [{', '.join(f'{v:.3f}' for v in hidden[k][:8])}]"
             + (f"<br>‖∂L/∂h_{k + 1}‖ = {grad_norm[k]:.3g}" if reached[k] else "<br>not reached yet")
             for k in range(T)]
    loss_x = [s for s in t if s in loss_steps]
    # nodes shrink with T so that neighbours never overlap (at T = 30 a step is ~30 px wide on a
    # laptop); past 16 steps the x_t values and node names move to the hover text only
    fit = min(1.0, 16 / T)
    node_size, small_size, labelled = 40 * fit, 30 * fit, T <= 16

    def nodes(where, name, fill, text_colour, outline="#333333"):
        return dict(type="scatter", x=t[where], y=np.ones(where.sum()), mode="markers+text", name=name,
                    marker=dict(size=node_size, color=fill, line=dict(
                        color=np.where(t[where] == backward_t, "#D55E00", outline),
                        width=np.where(t[where] == backward_t, 5, 1))),
                    text=[f"h{k}" if labelled else "" for k in t[where]],
                    textfont=dict(size=11, color=text_colour),
                    hovertext=[hover[k - 1] for k in t[where]], hoverinfo="text")

    bright = relative[coloured] > low + 0.44 * (high - low)  # dark text on the yellow end
    gradient_nodes = nodes(coloured, "h_t", relative[coloured], np.where(bright, "#222222", "white"))
    gradient_nodes["marker"].update(
        colorscale=SEQUENTIAL, cmin=low, cmax=high, showscale=True,
        colorbar=dict(title=dict(text="‖∂L/∂h<sub>t</sub>‖ ÷ ‖∂L/∂h<sub>T</sub>‖"), len=0.9,
                      tickvals=list(range(low, high + 1, tick_step)),
                      ticktext=[_power_of_ten(k) for k in range(low, high + 1, tick_step)]))
    data = [
        dict(type="scatter", x=edges_x, y=edges_y, mode="lines", name="edges",
             line=dict(color="#888888", width=2), hoverinfo="skip"),
        dict(type="scatter", x=t, y=np.zeros(T), mode="markers+text", name="x_t",
             marker=dict(size=small_size, color="#EEEEEE", line=dict(color="#333333", width=1)),
             text=[f"{v:.2f}" if labelled else "" for v in inputs], textfont=dict(size=11),
             customdata=inputs, hovertemplate="x_%{x} = %{customdata:.3f}<extra></extra>"),
        nodes(~reached, "h_t (not reached yet)", "white", "#999999", outline="#BBBBBB"),
        nodes(zero, "h_t (gradient exactly 0)", "black", "white"),
        gradient_nodes,
        dict(type="scatter", x=loss_x, y=[2] * len(loss_x), mode="markers+text", name="y_t",
             marker=dict(size=small_size, color="#CCE5F6", line=dict(color="#333333", width=1)),
             text=[f"y{s}" if labelled else "" for s in loss_x], textfont=dict(size=11), hoverinfo="skip"),
    ]
    return _figure(data, height=330, showlegend=False,
                   xaxis=_axis("time step t", dtick=1 if T <= 30 else None, range=[0.3, T + 0.7]),
                   yaxis=dict(tickvals=[0, 1, 2], ticktext=["input x_t", "hidden h_t", "output y_t"],
                              range=[-0.5, 2.5], showgrid=False, zeroline=False))


# --- Vanishing and exploding gradients ---------------------------------------------------

def grad_norms(curves, bound=None, title="‖∂L/∂h<sub>t</sub>‖ at every time step", dashed=()):
    """||dL/dh_t|| against t on a log axis, one line per curve; `bound` dashed beside it.
    The curves named in `dashed` are drawn dashed, the k-th of them in the colour of the
    k-th solid curve (an untrained network beside its trained self)."""
    solid = [label for label in curves if label not in dashed]
    colour = {label: colour_of(label, k) for k, label in enumerate(solid)}
    colour.update({label: colour_of(label, k) for k, label in
                   enumerate(label for label in curves if label in dashed)})
    data = [dict(type="scatter", x=steps(len(values)), y=_positive(values), name=label,
                 mode="lines+markers", marker=dict(size=5),
                 line=dict(color=colour[label], width=3, dash="dash" if label in dashed else "solid"))
            for label, values in curves.items()]
    if bound is not None:
        data.append(dict(type="scatter", x=steps(len(bound)), y=_positive(bound), mode="lines",
                         name="bound σ<sub>max</sub><sup>T−t</sup> ‖∂L/∂h<sub>T</sub>‖",
                         line=dict(color="black", width=2, dash="dash")))
    T = len(next(iter(curves.values())))
    falls = {label: _fall(_orders(values)) for label, values in curves.items()}
    said = (next(iter(falls.values())) if len(falls) == 1 else
            "; ".join(f"{_plain(label)} {fall}" for label, fall in falls.items()))
    return _figure(data, title, height=400, legend=dict(orientation="h", y=-0.2),
                   finding=f"From t = {T} back to t = 1, ‖∂L/∂h_t‖: {said}.",
                   xaxis=_axis("time step t"),
                   yaxis=_log_axis("‖∂L/∂h<sub>t</sub>‖ (log scale)", *curves.values(),
                                   *([] if bound is None else [bound])))


def grad_heatmap(iterations, norms):
    """log10 ||dL/dh_t|| for every time step (x) and training iteration (y)."""
    norms = np.asarray(norms, dtype=np.float64)
    heatmap = dict(type="heatmap", z=np.log10(_positive(norms)), x=steps(norms.shape[1]),
                   y=np.asarray(iterations), colorscale=SEQUENTIAL,
                   colorbar=dict(title=dict(text="log₁₀ ‖∂L/∂h<sub>t</sub>‖")),
                   hovertemplate="t = %{x}, iteration %{y}: 10^%{z:.2f}<extra></extra>")
    first, last = _orders(norms[0]), _orders(norms[-1])
    return _figure([heatmap], "‖∂L/∂h<sub>t</sub>‖ while training", height=380,
                   finding=f"From t = {norms.shape[1]} back to t = 1, ‖∂L/∂h_t‖ {_fall(first)} at iteration "
                           f"{iterations[0]} and {_fall(last).replace('orders of magnitude', 'orders')} at "
                           f"iteration {iterations[-1]}.",
                   xaxis=_axis("time step t"), yaxis=_axis("training iteration"))


def clipping(runs, threshold=None, kind="none"):
    """The global gradient norm per iteration before (solid) and after (dotted) clipping, for
    each network in `runs` = {name: (grad_norm, clipped_grad_norm)}, one colour each."""
    data = []
    for k, (name, (grad_norm, clipped_grad_norm)) in enumerate(runs.items()):
        iterations = np.arange(1, len(grad_norm) + 1)
        prefix = f"{name}: " if len(runs) > 1 else ""
        colour = colour_of(name, k) if len(runs) > 1 else None
        mode = "lines" if len(grad_norm) > 1 else "markers"  # a run that diverged at once: one point
        data.append(dict(type="scatter", x=iterations, y=_positive(grad_norm),
                         name=prefix + ("before clipping" if kind != "none" else "not clipped"),
                         mode=mode, marker=dict(size=12), line=dict(color=colour or PALETTE[1], width=3)))
        if kind != "none":  # unclipped, "after" is the same line again
            data.append(dict(type="scatter", x=iterations, y=_positive(clipped_grad_norm),
                             name=prefix + "after clipping", mode=mode, marker=dict(size=12),
                             line=dict(color=colour or PALETTE[0], width=3, dash="dot")))
    shapes, notes = [], []
    if kind == "norm" and threshold is not None:
        line, note = _hline(threshold, f"threshold c = {threshold:g}")
        note["y"] = np.log10(threshold)  # on a log axis annotations take log10 positions, shapes do not
        shapes, notes = [line], [note]
    said = []
    for name, (grad_norm, clipped_grad_norm) in runs.items():
        grad_norm, clipped_grad_norm = (np.asarray(a, dtype=np.float64) for a in (grad_norm, clipped_grad_norm))
        shown = np.where(np.isfinite(grad_norm), grad_norm, -np.inf)
        if not len(grad_norm) or not np.isfinite(shown.max()):
            said.append(f"{name}: no finite gradient")
            continue
        peak = int(shown.argmax())
        words = f"the gradient norm peaks at {_g(grad_norm[peak], 3)} (iteration {peak + 1})"
        if kind != "none":
            words += f", {_g(np.nanmax(clipped_grad_norm), 3)} at most after clipping by {kind}"
        said.append(f"{name}: {words}" if len(runs) > 1 else words[0].upper() + words[1:])
    return _figure(data, "Gradient norm before and after clipping" if kind != "none" else
                   "Gradient norm (no clipping)", height=380, finding="; ".join(said) + ".",
                   legend=dict(orientation="h", y=-0.25), shapes=shapes, annotations=notes,
                   xaxis=_axis("training iteration"),
                   yaxis=_log_axis("gradient norm (log scale)", *[a for pair in runs.values() for a in pair],
                                   [threshold if kind == "norm" and threshold else np.nan]))


# --- Gates -------------------------------------------------------------------------------

GATE_TITLES = {"i": "input gate i<sub>t</sub>", "f": "forget gate f<sub>t</sub>",
               "g": "candidate g<sub>t</sub>", "o": "output gate o<sub>t</sub>",
               "c": "cell state c<sub>t</sub>", "r": "reset gate r<sub>t</sub>",
               "z": "update gate z<sub>t</sub>", "n": "candidate n<sub>t</sub>"}


GATE_RANGES = {"g": (-1.0, 1.0), "n": (-1.0, 1.0)}  # tanh's range; the sigmoid gates: 0 to 1


def gate_heatmaps(gates, inputs, input_rows, input_label="input", marked=(), label=""):
    """One network's gate activations, time x hidden unit, one panel per gate, under a strip
    showing the input sequence (T, rows), all on one time axis, with a dotted guide line down
    through every panel at each `marked` step (where the input says something to remember).
    Fixed colour ranges (gates 0 to 1, candidates −1 to 1, the cell state ±its largest size),
    so trained and untrained panels compare colour for colour."""
    names = list(gates)
    T = inputs.shape[0]
    cells = _grid(len(names) + 1, 1, [0.6] + [1.0] * len(names), vertical_gap=0.045)
    data, layout, notes = [], {}, []
    for r, gate in enumerate([None] + names):
        suffix = "" if r == 0 else str(r + 1)
        (x0, x1), (y0, y1) = cells[r, 0]
        last = r == len(names)
        layout[f"xaxis{suffix}"] = dict(domain=[x0, x1], anchor=f"y{suffix}", matches="x" if r else None,
                                        showticklabels=last, dtick=1 if T <= 30 else None,
                                        title=dict(text="time step t") if last else None)
        layout[f"yaxis{suffix}"] = dict(domain=[y0, y1], anchor=f"x{suffix}", autorange="reversed",
                                        showticklabels=gate is None, fixedrange=True)
        title = input_label if gate is None else GATE_TITLES.get(gate, gate)
        notes.append(dict(text=f"{title}{f' ({label})' if label and gate is None else ''}", x=0,
                          y=y1, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                          showarrow=False, font=dict(size=13)))
        refs = dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        if gate is None:
            data.append(dict(type="heatmap", z=inputs.T, x=steps(T), y=input_rows, colorscale=GREYS,
                             showscale=False, xgap=1, ygap=1,
                             hovertemplate="t = %{x}, %{y}: %{z:.2f}<extra></extra>", **refs))
            continue
        values = gates[gate]
        if gate == "c":
            bound = max(float(np.abs(values).max()), 1.0)
            low, high = -bound, bound
        else:
            low, high = GATE_RANGES.get(gate, (0.0, 1.0))
        data.append(dict(type="heatmap", z=values.T, x=steps(T), y=np.arange(1, values.shape[1] + 1),
                         colorscale=DIVERGING if low < 0 else SEQUENTIAL, zmin=low, zmax=high,
                         colorbar=dict(len=(y1 - y0), y=(y0 + y1) / 2, yanchor="middle", thickness=14,
                                       tickvals=[low, (low + high) / 2, high], tickformat=".2~g"),
                         hovertemplate="t = %{x}, unit %{y}: %{z:.3f}<extra>" + gate + "</extra>",
                         **refs))
    guides = [dict(type="line", x0=t, x1=t, y0=0, y1=1, xref="x", yref="paper", layer="above",
                   line=dict(color="#D55E00", width=2, dash="dot")) for t in marked]
    return _figure(data, height=120 + 84 * len(names), annotations=notes, shapes=guides,
                   margin=dict(l=60, r=20, t=30, b=50), **layout)


MEMORY_SCALE = (-6, 1)  # log10 ||∂h_t/∂x_s||: one scale for every cell, setting and T


def memory_maps(maps, marked=()):
    """||∂h_t/∂x_s|| as heatmaps side by side, one per network {label: (T, T) indexed [t-1, s-1],
    NaN where s > t}: input step s across, state step t down, on one fixed log scale, with a
    dotted line over each `marked` input. A bright column reaching the bottom row
    is an input the final state still holds. The guide lines run in the blank half, down to
    where a marked column starts, so that they point at it without covering it."""
    labels = list(maps)
    T = next(iter(maps.values())).shape[0]
    low, high = MEMORY_SCALE
    cells = _grid(1, len(labels), [1.0], horizontal_gap=0.04)
    data, layout, notes, guides = [], {}, [], []
    for c, label in enumerate(labels):
        suffix = "" if c == 0 else str(c + 1)
        (x0, x1), (y0, y1) = cells[0, c]
        values = np.asarray(maps[label], dtype=np.float64)
        with np.errstate(divide="ignore"):
            exponent = np.clip(np.log10(values), low, high)  # NaN (s > t) stays NaN: left blank
        data.append(dict(type="heatmap", z=exponent, x=steps(T), y=steps(T), customdata=values,
                         coloraxis="coloraxis", xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                         hovertemplate="input x<sub>%{x}</sub> → state h<sub>%{y}</sub>: "
                                       "‖∂h<sub>t</sub>/∂x<sub>s</sub>‖ = %{customdata:.2e}"
                                       f"<extra>{label}</extra>"))
        layout[f"xaxis{suffix}"] = dict(domain=[x0, x1], anchor=f"y{suffix}", title=dict(text="input step s"),
                                        showgrid=False, zeroline=False, constrain="domain")
        layout[f"yaxis{suffix}"] = dict(domain=[y0, y1], anchor=f"x{suffix}", autorange="reversed",
                                        showgrid=False, zeroline=False, showticklabels=c == 0,
                                        title=dict(text="state step t") if c == 0 else None,
                                        scaleanchor=f"x{suffix}", constrain="domain")
        notes.append(dict(text=label, x=(x0 + x1) / 2, y=1.0, xref="paper", yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False))
        guides += [dict(type="line", x0=s, x1=s, y0=0.5, y1=s - 0.5, xref=f"x{suffix}", yref=f"y{suffix}",
                        layer="above", line=dict(color="#D55E00", width=2, dash="dot")) for s in marked]
    ticks = list(range(low, high + 1))
    inputs = [int(s) for s in marked] or [1]
    held = "; ".join(f"{label}: {_g(np.nanmax(np.asarray(maps[label], dtype=np.float64)[-1, [s - 1 for s in inputs]]))}"
                     for label in labels)
    said = (f"How much the last state h_{T} still moves with the marked inputs (s = {', '.join(map(str, inputs))}), "
            if len(marked) else f"How much the last state h_{T} still moves with the first input, ")
    return _figure(data, height=380, annotations=notes, shapes=guides,
                   finding=said + f"‖∂h_{T}/∂x_s‖ at most: {held}.",
                   margin=dict(l=60, r=20, t=30, b=50), plot_bgcolor="#FFFFFF",
                   coloraxis=dict(cmin=low, cmax=high, colorscale=SEQUENTIAL, colorbar=dict(
                       title=dict(text="‖∂h<sub>t</sub>/∂x<sub>s</sub>‖", side="right"), tickvals=ticks,
                       ticktext=["≤ " + _power_of_ten(low)] + [_power_of_ten(k) for k in ticks[1:]])),
                   **layout)


def poll_answers(choices, counts, right):
    """A class's answers to a Predict question: one bar per choice, the right one green and
    ticked."""
    total = max(sum(counts.values()), 1)
    labels = [("✓ " if choice == right else "") + choice for choice in choices]
    bars = dict(type="bar", orientation="h", y=labels, x=[counts.get(c, 0) for c in choices],
                marker=dict(color=[PALETTE[2] if c == right else "#BBBBBB" for c in choices]),
                text=[f"{counts.get(c, 0)} ({counts.get(c, 0) / total:.0%})" for c in choices],
                textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>")
    most = max([counts.get(c, 0) for c in choices] + [1])
    answered = sum(counts.values())
    said = ", ".join(f"“{c}” {counts.get(c, 0)}" for c in choices)
    return _figure([bars], "What the class predicted", height=110 + 50 * len(choices),
                   finding=f"{answered} answered: {said}. The experiment shows “{right}”.",
                   # room right of the longest bar for its count, even on a phone
                   xaxis=_axis("students", dtick=1 if total <= 10 else None, range=[0, most * 1.6]),
                   yaxis=dict(autorange="reversed", automargin=True))


# --- Training lab ------------------------------------------------------------------------

def live_loss_spec(steps, names):
    """The Vega-Lite spec of the lab's live loss chart, with no data in it: the page sends new
    rows under the same spec while training, so the browser updates the drawn chart in place
    instead of mounting a new one (which, redrawn every fraction of a second, never showed).
    x spans the whole run from the start, so the curves grow to the right; each network in its
    cell's colour (as the finished chart draws it) and named at the end of its curve. Built once
    per run: every watcher redraws it twice a second, and building it costs ~2 ms."""
    return dict(_live_loss_chart(max(int(steps), 2), tuple(names)))


@lru_cache(maxsize=16)
def _live_loss_chart(steps, names):
    import altair as alt

    base = alt.Chart().encode(
        x=alt.X("step:Q", title="training step", scale=alt.Scale(domain=[1, steps])),
        y=alt.Y("loss:Q", title="loss (log scale)", scale=alt.Scale(type="log"),
                axis=alt.Axis(values=[10.0 ** k for k in range(-8, 5)], format="~g")),  # powers of ten only
        color=alt.Color("network:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(names), range=[colour_of(n, k) for k, n in enumerate(names)])),
    )
    last = base.transform_joinaggregate(latest="max(step)", groupby=["network"]).transform_filter(
        "datum.step == datum.latest")
    label = last.mark_text(align="left", dx=6, fontWeight="bold").encode(text="network:N")
    spec = alt.layer(base.mark_line(strokeWidth=3), label).properties(
        title="Training loss, live", height=340,
        description="Training loss, live: one curve per network, on a log scale, each named at its end.",
    ).to_dict(validate=False)
    for part in (spec, *spec["layer"]):  # the page supplies the data, to every layer
        for name in ("data", "datasets", "config", "$schema"):
            part.pop(name, None)
    spec["config"] = {"text": {"fontSize": 14}}  # the names at the curves' ends; presenter mode enlarges it
    return MappingProxyType(spec)


def loss_curves(curves, title="Training loss", log=True, threshold=None):
    """One loss (or metric) curve per cell, against the training step."""
    data = [dict(type="scatter", x=np.arange(1, len(values) + 1), y=_positive(values) if log else values,
                 name=label, mode="lines", line=dict(color=colour_of(label, k), width=3))
            for k, (label, values) in enumerate(curves.items())]
    shapes, notes = [], []
    if threshold is not None:
        line, note = _hline(threshold, f"solved: {threshold:g}")
        if log:
            note["y"] = np.log10(threshold)
        shapes, notes = [line], [note]
    said = []
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64)
        ends = f"ends at {_g(values[-1], 3)}" if len(values) else "has no steps"
        if threshold is not None and len(values):
            reached = np.flatnonzero(values <= threshold if log else values >= threshold)
            ends = (f"reaches {threshold:g} at step {reached[0] + 1} and {ends}" if len(reached)
                    else f"never reaches {threshold:g} and {ends}")
        said.append(f"{label} {ends}")
    return _figure(data, title, height=380, legend=dict(orientation="h", y=-0.25), finding="; ".join(said) + ".",
                   shapes=shapes, annotations=notes, xaxis=_axis("training step"),
                   yaxis=_log_axis("loss (log scale)", *curves.values(), [threshold or np.nan])
                   if log else _axis("value"))


def forecast(inputs, targets, predictions):
    """A sequence model's next-value forecasts drawn over the true (clean) wave."""
    t = steps(len(inputs))
    data = [dict(type="scatter", x=t, y=inputs, name="noisy input x_t", mode="markers",
                 marker=dict(color="#999999", size=6)),
            dict(type="scatter", x=t + 1, y=targets, name="true next value", mode="lines",
                 line=dict(color="#222222", width=4))]
    data += [dict(type="scatter", x=t + 1, y=values, name=f"{label} forecast", mode="lines",
                  line=dict(color=colour_of(label, k), width=2.5, dash="dot"))
             for k, (label, values) in enumerate(predictions.items())]
    targets = np.asarray(targets, dtype=np.float64)
    said = ", ".join(f"{label} {_g(np.sqrt(np.mean((np.asarray(values) - targets) ** 2)))}"
                     for label, values in predictions.items())
    return _figure(data, "Forecasts of the next value", height=360,
                   finding=f"Root mean square distance from the true next value: {said}.",
                   legend=dict(orientation="h", y=-0.3), xaxis=_axis("time step"),
                   yaxis=_axis("value"))


def predicted_against_true(true, predictions, label="target"):
    """Each sequence's prediction against its true answer; perfect answers sit on the diagonal."""
    true = np.asarray(true, dtype=np.float64)
    low, high = float(true.min()), float(true.max())
    data = [dict(type="scatter", x=[low, high], y=[low, high], mode="lines", name="perfect",
                 line=dict(color="black", dash="dash", width=1.5))]
    data += [dict(type="scatter", x=true, y=values, name=name, mode="markers",
                  marker=dict(color=colour_of(name, k), size=8, opacity=0.8))
             for k, (name, values) in enumerate(predictions.items())]
    said = ", ".join(f"{name} {_g(np.sqrt(np.mean((np.asarray(values) - true) ** 2)))}"
                     for name, values in predictions.items())
    return _figure(data, "Predictions against the true answers", height=380,
                   finding=f"Root mean square distance from the diagonal (a perfect answer): {said}.",
                   legend=dict(orientation="h", y=-0.3), xaxis=_axis(f"true {label}"),
                   yaxis=_axis("prediction"))


def text_activation(text, values, unit, per_line=64):
    """Characters coloured by one hidden unit's activation as the network reads them
    (after Karpathy, Johnson & Fei-Fei 2015)."""
    rows = int(np.ceil(len(text) / per_line))
    grid = np.full((rows, per_line), np.nan)
    chars = np.full((rows, per_line), "", dtype=object)
    for k, char in enumerate(text):
        grid[k // per_line, k % per_line] = values[k]
        chars[k // per_line, k % per_line] = "␣" if char == " " else ("↵" if char == "\n" else char)
    bound = max(float(np.nanmax(np.abs(grid))), 1e-9)
    heatmap = dict(type="heatmap", z=grid, text=chars, texttemplate="%{text}",
                   textfont=dict(size=14, family="monospace"), colorscale=DIVERGING,
                   zmin=-bound, zmax=bound, xgap=1, ygap=2,
                   hovertemplate="“%{text}”: %{z:.3f}<extra></extra>",
                   colorbar=dict(title=dict(text=f"h of unit {unit + 1}")))
    values = np.asarray(values[:len(text)], dtype=np.float64)
    high, low = int(np.nanargmax(values)), int(np.nanargmin(values))
    shown = {" ": "a space", "\n": "a line break"}
    said = (f"Unit {unit + 1} is highest ({values[high]:.2f}) at {shown.get(text[high], '“' + text[high] + '”')} "
            f"and lowest ({values[low]:.2f}) at {shown.get(text[low], '“' + text[low] + '”')}.")
    return _figure([heatmap], f"The text as unit {unit + 1} sees it", height=80 + 28 * rows, finding=said,
                   xaxis=dict(visible=False), yaxis=dict(visible=False, autorange="reversed"))


# --- Exploding gradients: Pascanu's cliff -------------------------------------------------

def loss_surface_3d(w, b, loss):
    """The same loss as a 3-D surface (log10), to see the wall of the cliff."""
    surface = dict(type="surface", x=w, y=b, z=np.log10(np.maximum(loss, 1e-12)),
                   colorscale=SEQUENTIAL, showscale=False)
    loss = np.asarray(loss, dtype=np.float64)
    return _figure([surface], "The cliff in 3-D (log₁₀ loss)", height=640,
                   finding=f"The loss runs from {_g(loss.min())} to {_g(loss.max())} over the plane: flat almost "
                           "everywhere, with a narrow valley beside a steep wall.",
                   scene=dict(xaxis=dict(title=dict(text="w")), yaxis=dict(title=dict(text="b")),
                              zaxis=dict(title=dict(text="log₁₀ loss")),
                              camera=dict(eye=dict(x=1.6, y=-1.6, z=0.9))))


def lag_sweep(points, task_name, metric, threshold):
    """The metric at the end of training against the lag, per cell: every seed as a small dot,
    their median as a line, a big circle where most seeds solved it (a cross where most did
    not); the 'solved' level, and the lag at which Hochreiter & Schmidhuber (1997) reported
    the LSTM succeeding."""
    order = list(CELLS)
    names = {cell: cell_label(cell) for cell in order}
    cells = sorted({p["cell"] for p in points}, key=order.index)
    lags = sorted({p["lag"] for p in points})
    data = []
    for k, cell in enumerate(cells):
        mine = [p for p in points if p["cell"] == cell]
        runs = [[p for p in mine if p["lag"] == lag] for lag in lags]
        solved = [sum(p["solved"] for p in at) for at in runs]
        steps_to_solve = [np.median([p["solved_at"] for p in at if p["solved"]]) if n else None
                          for n, at in zip(solved, runs)]
        colour = colour_of(names[cell], k)
        data.append(dict(type="scatter", x=[p["lag"] for p in mine], y=[p["final_metric"] for p in mine],
                         mode="markers", marker=dict(color=colour, size=6, opacity=0.45),
                         showlegend=False, name=names[cell] + " seeds",
                         hovertemplate="lag %{x}, one seed: %{y:.3g}<extra>" + names[cell] + "</extra>"))
        text = [f"{n} of {len(at)} seeds solved" + (f", median {s:.0f} steps to solve" if s else "")
                for n, at, s in zip(solved, runs, steps_to_solve)]
        most = [2 * n > len(at) for n, at in zip(solved, runs)]
        data.append(dict(type="scatter", x=lags, y=[float(np.median([p["final_metric"] for p in at])) for at in runs],
                         name=names[cell], mode="lines+markers", text=text,
                         line=dict(color=colour, width=3),
                         marker=dict(size=[14 if m else 10 for m in most],
                                     symbol=["circle" if m else "x" for m in most]),
                         hovertemplate="lag %{x}: median %{y:.3g}, %{text}<extra>" + names[cell] + "</extra>"))
    line, note = _hline(threshold, f"solved: {metric} {'≥' if metric == 'accuracy' else '≤'} {threshold:g}")
    if metric != "accuracy":
        note["y"] = np.log10(threshold)
    shapes = [line, dict(type="line", x0=100, x1=100, y0=0, y1=1, yref="paper",
                         line=dict(color="grey", dash="dot"))]
    notes = [note, dict(x=np.log10(100), y=1, yref="paper", text="lag 100: H&S 1997",
                        showarrow=False, xanchor="right", yanchor="bottom", font=dict(size=12))]
    def longest(cell):
        solved = [lag for lag in lags if 2 * sum(p["solved"] for p in points if p["cell"] == cell and p["lag"] == lag)
                  > sum(1 for p in points if p["cell"] == cell and p["lag"] == lag)]
        return f"lag {max(solved)}" if solved else "no lag"
    said = ", ".join(f"{names[cell]} {longest(cell)}" for cell in cells)
    return _figure(data, f"How long can it remember? ({task_name})", height=380,
                   finding=f"Longest lag solved by most seeds: {said}.",
                   legend=dict(orientation="h", y=-0.3), shapes=shapes, annotations=notes,
                   xaxis=_axis("lag T (steps between the signal and the answer)", type="log",
                               tickvals=lags, ticktext=[str(lag) for lag in lags]),
                   # short enough to fit beside the chart in presenter mode's larger type
                   yaxis=_axis(f"final {metric}") if metric == "accuracy" else
                   _log_axis(f"final {metric} (log scale)",
                             [p["final_metric"] for p in points], [threshold]))
