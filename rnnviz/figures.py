"""Figure builders: numbers in, a plotly or altair figure out. Pure functions, no Streamlit.

    rnnviz.figures.grad_norms({"RNN": tr.grad_hidden_norm[0]}).show()   # in a notebook
"""

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = dict(size=15)
DIVERGING = "RdBu_r"  # blue negative, red positive, white zero
SEQUENTIAL = "Viridis"
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]


def _layout(fig, title=None, height=360, **kwargs):
    fig.update_layout(title=title, height=height, font=FONT, template="plotly_white",
                      margin=dict(l=60, r=20, t=60 if title else 20, b=50), **kwargs)
    return fig


def _positive(values):
    """For a log axis: zeros and non-finite values become gaps, not errors."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def steps(seq_len):
    return np.arange(1, seq_len + 1)


# --- Hidden state ------------------------------------------------------------------------

STEP_COLUMNS = ("W_x x_t", "W_h h_{t-1}", "b", "a_t", "h_t")
STEP_TITLES = ("W<sub>x</sub> x<sub>t</sub>", "+ W<sub>h</sub> h<sub>t−1</sub>", "+ b",
               "= a<sub>t</sub>", "h<sub>t</sub> = f(a<sub>t</sub>)")


def step_vectors(terms, activation="tanh"):
    """The vectors of h_t = f(W_x x_t + W_h h_{t-1} + b) side by side, values printed."""
    H = len(terms["h_t"])
    fig = make_subplots(rows=1, cols=len(STEP_COLUMNS), horizontal_spacing=0.04,
                        subplot_titles=[t.replace("f(", f"{activation}(") for t in STEP_TITLES])
    scale = max(float(np.max(np.abs(np.concatenate([terms[c] for c in STEP_COLUMNS])))), 1e-9)
    units = [f"unit {k + 1}" for k in range(H)]
    for col, name in enumerate(STEP_COLUMNS, start=1):
        values = np.asarray(terms[name], dtype=np.float64)[:, None]
        fig.add_trace(go.Heatmap(
            z=values, y=units, x=[name], text=np.round(values, 2), texttemplate="%{text:.2f}",
            textfont=dict(size=16), colorscale=DIVERGING, zmin=-scale, zmax=scale,
            showscale=col == len(STEP_COLUMNS), hovertemplate="%{y}: %{z:.4f}<extra>" + name + "</extra>",
            xgap=2, ygap=2), row=1, col=col)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(showticklabels=True, row=1, col=1)
    return _layout(fig, height=120 + 42 * H)


def hidden_trajectories(hidden):
    """Every hidden unit's h_t against t (altair: click a unit in the legend to pick it out)."""
    T, H = hidden.shape
    frame = pd.DataFrame({"t": np.repeat(steps(T), H), "unit": np.tile(np.arange(1, H + 1), T),
                          "h": hidden.reshape(-1)})
    frame["unit"] = frame["unit"].map(lambda k: f"unit {k}")
    pick = alt.selection_point(fields=["unit"], bind="legend")
    return (alt.Chart(frame, title="Hidden state h_t, one line per unit")
            .mark_line(point=True, strokeWidth=3)
            .encode(x=alt.X("t:Q", title="time step t", axis=alt.Axis(tickMinStep=1)),
                    y=alt.Y("h:Q", title="h_t"),
                    color=alt.Color("unit:N", scale=alt.Scale(range=PALETTE), title="unit"),
                    opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
                    tooltip=["unit", "t", alt.Tooltip("h:Q", format=".4f")])
            .add_params(pick)
            .properties(height=300)
            .configure_axis(labelFontSize=14, titleFontSize=15)
            .configure_legend(labelFontSize=14, titleFontSize=14)
            .configure_title(fontSize=16))


def predictions(inputs, predicted, wanted, chosen_t=None):
    """The input x_t, the output layer's y_t, and what y_t should be (the next number)."""
    T = len(inputs)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps(T), y=inputs, name="input x_t", mode="lines+markers",
                             line=dict(color=PALETTE[0], width=3)))
    fig.add_trace(go.Scatter(x=steps(T), y=wanted, name="next number (target)", mode="markers",
                             marker=dict(color=PALETTE[2], size=14, symbol="circle-open",
                                         line=dict(width=3))))
    fig.add_trace(go.Scatter(x=steps(T), y=predicted, name="prediction y_t", mode="lines+markers",
                             line=dict(color=PALETTE[1], width=3, dash="dot")))
    if chosen_t is not None:
        fig.add_vline(x=chosen_t, line=dict(color="grey", dash="dash"))
    fig.update_xaxes(title="time step t", dtick=1)
    fig.update_yaxes(title="value")
    return _layout(fig, "What the output layer says at each step", height=320,
                   legend=dict(orientation="h", y=-0.25))


# --- Unrolled network and BPTT -----------------------------------------------------------

def unrolled_graph(inputs, hidden, grad_norm, backward_t, loss_steps, marked=()):
    """x_t -> h_t -> y_t for t = 1..T with h_{t-1} -> h_t edges; h nodes coloured by
    ||dL/dh_t|| for the steps the backward pass has reached (t >= backward_t)."""
    T = len(inputs)
    t = steps(T)
    fig = go.Figure()
    edge = dict(color="#999999", width=1.5)
    for k in range(T):
        fig.add_trace(go.Scatter(x=[t[k], t[k]], y=[0, 1], mode="lines", line=edge, hoverinfo="skip"))
        if k > 0:
            fig.add_trace(go.Scatter(x=[t[k - 1], t[k]], y=[1, 1], mode="lines",
                                     line=dict(color="#555555", width=3), hoverinfo="skip"))
        if t[k] in loss_steps:
            fig.add_trace(go.Scatter(x=[t[k], t[k]], y=[1, 2], mode="lines", line=edge,
                                     hoverinfo="skip"))
    reached = t >= backward_t
    log_grad = np.log10(_positive(grad_norm))
    finite = log_grad[np.isfinite(log_grad)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    fig.add_trace(go.Scatter(
        x=t, y=np.zeros(T), mode="markers+text", name="x_t",
        marker=dict(size=30, color=["#F0E442" if k + 1 in marked else "#E8E8E8" for k in range(T)],
                    line=dict(color="#333333", width=1)),
        text=[f"{v:.2f}" for v in inputs], textfont=dict(size=11),
        hovertemplate="x_%{x} = %{text}<extra></extra>"))
    hover = [f"h_{k + 1} = [{', '.join(f'{v:.3f}' for v in hidden[k][:8])}]"
             + (f"<br>||dL/dh_{k + 1}|| = {grad_norm[k]:.3g}" if reached[k] else "<br>not reached yet")
             for k in range(T)]
    fig.add_trace(go.Scatter(
        x=t[~reached], y=np.ones((~reached).sum()), mode="markers+text", name="h_t (not reached)",
        marker=dict(size=40, color="#DDDDDD", line=dict(color="#333333", width=1)),
        text=[f"h{k}" for k in t[~reached]], textfont=dict(size=11),
        hovertext=[hover[k - 1] for k in t[~reached]], hoverinfo="text"))
    fig.add_trace(go.Scatter(
        x=t[reached], y=np.ones(reached.sum()), mode="markers+text", name="h_t",
        marker=dict(size=40, color=log_grad[reached], colorscale=SEQUENTIAL,
                    cmin=low, cmax=max(high, low + 1e-9), showscale=True,
                    colorbar=dict(title="log₁₀ ‖∂L/∂h<sub>t</sub>‖", len=0.8),
                    line=dict(color=np.where(t[reached] == backward_t, "#D55E00", "#333333"),
                              width=np.where(t[reached] == backward_t, 5, 1))),
        text=[f"h{k}" for k in t[reached]], textfont=dict(size=11, color="white"),
        hovertext=[hover[k - 1] for k in t[reached]], hoverinfo="text"))
    loss_x = [s for s in t if s in loss_steps]
    fig.add_trace(go.Scatter(x=loss_x, y=[2] * len(loss_x), mode="markers+text", name="y_t",
                             marker=dict(size=30, color="#CCE5F6", line=dict(color="#333333", width=1)),
                             text=[f"y{s}" for s in loss_x], textfont=dict(size=11),
                             hoverinfo="skip"))
    fig.update_xaxes(title="time step t", dtick=1 if T <= 30 else None, range=[0.3, T + 0.7])
    fig.update_yaxes(tickvals=[0, 1, 2], ticktext=["input x_t", "hidden h_t", "output y_t"],
                     range=[-0.5, 2.5], showgrid=False, zeroline=False)
    return _layout(fig, height=330, showlegend=False)


def weight_hh_contributions(step_norms, kept):
    """||step t's term of dL/dW_h|| per step; the terms truncated BPTT drops are greyed."""
    T = len(step_norms)
    colors = np.where(kept, PALETTE[0], "#BBBBBB")
    fig = go.Figure(go.Bar(x=steps(T), y=step_norms, marker_color=colors,
                           customdata=np.where(kept, "kept", "dropped by truncation"),
                           hovertemplate="t = %{x}: %{y:.3g} (%{customdata})<extra></extra>"))
    fig.update_xaxes(title="time step t", dtick=1 if T <= 30 else None)
    fig.update_yaxes(title="‖step t's term of ∂L/∂W<sub>h</sub>‖")
    return _layout(fig, "∂L/∂W<sub>h</sub> is a sum over time steps", height=320)


# --- Vanishing and exploding gradients ---------------------------------------------------

def grad_norms(curves, bound=None, title="‖∂L/∂h<sub>t</sub>‖ at every time step"):
    """||dL/dh_t|| against t on a log axis, one line per curve; `bound` dashed beside it."""
    fig = go.Figure()
    for k, (label, values) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=steps(len(values)), y=_positive(values), name=label,
                                 mode="lines+markers", marker=dict(size=5),
                                 line=dict(color=PALETTE[k % len(PALETTE)], width=3)))
    if bound is not None:
        fig.add_trace(go.Scatter(x=steps(len(bound)), y=_positive(bound), name="bound σ<sub>max</sub><sup>T−t</sup> ‖∂L/∂h<sub>T</sub>‖",
                                 mode="lines", line=dict(color="black", width=2, dash="dash")))
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="‖∂L/∂h<sub>t</sub>‖ (log scale)", type="log", exponentformat="power")
    return _layout(fig, title, height=400, legend=dict(orientation="h", y=-0.2))


def eigenvalue_plane(eigenvalues, gamma=1.0):
    """Eigenvalues of W_h (one colour per gate block) with the unit circle and, where the
    derivative of f is bounded by gamma < 1, the circle of radius 1/gamma."""
    fig = go.Figure()
    angle = np.linspace(0, 2 * np.pi, 200)
    circles = [(1.0, "unit circle")] + ([(1 / gamma, f"radius 1/γ = {1 / gamma:g}")] if gamma != 1 else [])
    for radius, label in circles:
        fig.add_trace(go.Scatter(x=radius * np.cos(angle), y=radius * np.sin(angle), mode="lines",
                                 name=label, line=dict(color="black", width=1.5,
                                                       dash="solid" if radius == 1 else "dot")))
    for k, (label, values) in enumerate(eigenvalues.items()):
        values = np.asarray(values)
        fig.add_trace(go.Scatter(x=values.real, y=values.imag, mode="markers", name=label,
                                 marker=dict(size=9, color=PALETTE[k % len(PALETTE)]),
                                 hovertemplate="%{x:.3f} %{y:+.3f}i<extra>" + label + "</extra>"))
    extent = max(1.2, float(np.max([np.abs(v).max() for v in eigenvalues.values()])) * 1.1)
    fig.update_xaxes(title="real", range=[-extent, extent], zeroline=True)
    fig.update_yaxes(title="imaginary", range=[-extent, extent], scaleanchor="x", zeroline=True)
    return _layout(fig, "Eigenvalues of W<sub>h</sub>", height=420, legend=dict(orientation="h", y=-0.2))


def per_step(values, title, y_title, log=False, reference=None):
    """One value per time step (e.g. the Jacobian norms ||dh_t/dh_{t-1}||)."""
    fig = go.Figure(go.Scatter(x=steps(len(values)), y=_positive(values) if log else values,
                               mode="lines+markers", line=dict(color=PALETTE[0], width=3),
                               marker=dict(size=5), name=y_title))
    if reference is not None:
        fig.add_hline(y=reference, line=dict(color="black", dash="dash"),
                      annotation_text=f"{reference:g}")
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title=y_title, type="log" if log else "linear")
    return _layout(fig, title, height=330, showlegend=False)


def grad_heatmap(iterations, norms):
    """log10 ||dL/dh_t|| for every time step (x) and training iteration (y)."""
    norms = np.asarray(norms, dtype=np.float64)
    fig = go.Figure(go.Heatmap(
        z=np.log10(_positive(norms)), x=steps(norms.shape[1]), y=iterations,
        colorscale=SEQUENTIAL, colorbar=dict(title="log₁₀ ‖∂L/∂h<sub>t</sub>‖"),
        hovertemplate="t = %{x}, iteration %{y}: 10^%{z:.2f}<extra></extra>"))
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="training iteration")
    return _layout(fig, "‖∂L/∂h<sub>t</sub>‖ while training", height=380)


def clipping(grad_norm, clipped_grad_norm, threshold=None, kind="none"):
    """The global gradient norm per iteration before and after clipping."""
    iterations = np.arange(1, len(grad_norm) + 1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=iterations, y=_positive(grad_norm), name="before clipping",
                             mode="lines", line=dict(color=PALETTE[1], width=3)))
    fig.add_trace(go.Scatter(x=iterations, y=_positive(clipped_grad_norm), name="after clipping",
                             mode="lines", line=dict(color=PALETTE[0], width=3, dash="dot")))
    if kind == "norm" and threshold is not None:
        fig.add_hline(y=threshold, line=dict(color="black", dash="dash"),
                      annotation_text=f"threshold c = {threshold:g}")
    fig.update_xaxes(title="training iteration")
    fig.update_yaxes(title="global gradient norm (log)", type="log", exponentformat="power")
    return _layout(fig, "Gradient norm before and after clipping", height=380,
                   legend=dict(orientation="h", y=-0.25))


# --- Gates -------------------------------------------------------------------------------

GATE_TITLES = {"i": "input gate i<sub>t</sub>", "f": "forget gate f<sub>t</sub>",
               "g": "candidate g<sub>t</sub>", "o": "output gate o<sub>t</sub>",
               "c": "cell state c<sub>t</sub>", "r": "reset gate r<sub>t</sub>",
               "z": "update gate z<sub>t</sub>", "n": "candidate n<sub>t</sub>"}


def gate_heatmaps(panels, inputs, input_rows, input_label="input"):
    """Gate activations, time x hidden unit, for each panel (e.g. untrained | trained),
    under a strip showing the input sequence (T, rows) so the two line up in time."""
    labels = list(panels)
    gates = list(next(iter(panels.values())))
    T = inputs.shape[0]
    titles = [f"{input_label} ({label})" for label in labels]
    titles += [f"{GATE_TITLES.get(g, g)} — {label}" for g in gates for label in labels]
    fig = make_subplots(rows=len(gates) + 1, cols=len(labels), subplot_titles=titles,
                        shared_xaxes=True, vertical_spacing=0.05, horizontal_spacing=0.06,
                        row_heights=[0.5] + [1.0] * len(gates))
    for col in range(1, len(labels) + 1):
        fig.add_trace(go.Heatmap(z=inputs.T, x=steps(T), y=input_rows, colorscale="Greys",
                                 showscale=False, xgap=1, ygap=1,
                                 hovertemplate="t = %{x}, %{y}: %{z:.2f}<extra></extra>"),
                      row=1, col=col)
    for row, gate in enumerate(gates, start=2):
        symmetric = gate in ("g", "c", "n")
        for col, label in enumerate(labels, start=1):
            values = panels[label][gate]
            bound = max(float(np.abs(values).max()), 1e-9) if symmetric else 1.0
            fig.add_trace(go.Heatmap(
                z=values.T, x=steps(T), y=np.arange(1, values.shape[1] + 1),
                colorscale=DIVERGING if symmetric else SEQUENTIAL,
                zmin=-bound if symmetric else 0.0, zmax=bound,
                showscale=col == len(labels), colorbar=dict(len=0.8 / (len(gates) + 1),
                                                            y=1 - (row - 0.5) / (len(gates) + 1)),
                hovertemplate="t = %{x}, unit %{y}: %{z:.3f}<extra>" + gate + "</extra>"),
                row=row, col=col)
    fig.update_yaxes(autorange="reversed")
    for row in range(2, len(gates) + 2):
        fig.update_yaxes(title="unit", row=row, col=1)
    fig.update_xaxes(title="time step t", row=len(gates) + 1)
    fig.update_annotations(font_size=13)
    return _layout(fig, height=170 * (len(gates) + 1))


def unit_gates(gates, unit, chosen_t=None):
    """One hidden unit's gates over time."""
    fig = go.Figure()
    for k, (name, values) in enumerate(gates.items()):
        fig.add_trace(go.Scatter(x=steps(values.shape[0]), y=values[:, unit], mode="lines+markers",
                                 name=GATE_TITLES.get(name, name),
                                 line=dict(color=PALETTE[k % len(PALETTE)], width=3)))
    if chosen_t is not None:
        fig.add_vline(x=chosen_t, line=dict(color="grey", dash="dash"))
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="activation")
    return _layout(fig, f"The gates of unit {unit + 1}", height=360,
                   legend=dict(orientation="h", y=-0.25))
