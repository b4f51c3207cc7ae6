import numpy as np
import streamlit as st

from rnnviz import analysis, export, figures
from rnnviz.model import CELL_LABELS
from ui import charts, compute, exports, lesson, state

PAGE = "vanishing"
text = lesson.page_header("vanishing")

controls, view = st.columns([1, 3], gap="large")
with controls:
    cell, seq_len, radius, init, hidden_size = state.widgets(PAGE, "cell", "T", "radius", "init", "H")
    forget_bias = state.widget(PAGE, "fbias", disabled=cell != "lstm")
seed = state.value(PAGE, "seed")
model, trace = compute.vanishing_trace(cell, seq_len, hidden_size, radius, init, forget_bias, seed)
norms = trace.grad_hidden_norm[0]
if trace.overflow:
    st.error(f"With these settings {trace.overflow}: the numbers grew past what a computer "
             "can hold, so the curve stops there. Lower the spectral radius or pick tanh, "
             "which keeps h_t between −1 and 1.")
elif trace.underflow:
    st.warning(f"From step t = {trace.underflow} back, ∂L/∂h_t is smaller than 1e-308, the smallest "
               "number a computer's float64 holds: there the curve stops, although the true "
               "gradient keeps shrinking.")
blocks = analysis.recurrent_blocks(trace.params["weight_hh"])

with view:
    bound = None
    if cell == "rnn_tanh":
        sigma_max = analysis.singular_values(blocks[0])[0]
        bound = analysis.tanh_bound(norms[-1], sigma_max, seq_len)
    curve = figures.grad_norms({CELL_LABELS[cell]: norms}, bound=bound)
    charts.plotly(st, curve)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = norms[0] / norms[-1]
    first, last = st.columns(2)
    first.metric("‖∂L/∂h₁‖ ÷ ‖∂L/∂h_T‖", f"{ratio:.1e}" if np.isfinite(ratio) and ratio > 0 else "not a number",
                 help="How much of the gradient at the last step is left at the first.")
    if np.isfinite(ratio) and ratio > 0:
        orders = np.log10(ratio)
        last.metric(f"Orders of magnitude {'lost' if orders < 0 else 'gained'} over T steps",
                    f"{abs(orders):.1f}")
    else:
        last.metric("Orders of magnitude over T steps", "—")
    if bound is not None:
        verdict = ("below 1, so the bound falls and the curve must fall with it" if sigma_max < 1 else
                   "above 1, so the bound grows and says nothing here: the curve can still fall, "
                   "through saturated units (tanh′ < 1) and directions W_h shrinks")
        st.caption(f"Dashed: the bound σ_max^(T−t)‖∂L/∂h_T‖. σ_max(W_h) = {sigma_max:.3f} (spectral "
                   f"radius ρ = {analysis.spectral_radius(blocks[0]):.3f}) is {verdict}. The measured "
                   "curve can never rise above it.")
    else:
        st.caption("The σ_max bound holds for tanh RNNs (|tanh′| ≤ 1); pick RNN (tanh) to see it.")

lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

st.subheader("Inside $W_h$: eigenvalues and what each step multiplies")
left, right = st.columns(2, gap="large")
gate_names = {"lstm": "ifgo", "gru": "rzn"}.get(cell)
labels = [f"W_h{name}" for name in gate_names] if gate_names else ["W_h"]
charts.plotly(left, figures.eigenvalue_plane(
    {label: analysis.eigenvalues(block) for label, block in zip(labels, blocks)},
    sigma_max={label: analysis.singular_values(block)[0] for label, block in zip(labels, blocks)}))
with np.errstate(invalid="ignore", divide="ignore"):
    step_ratio = np.r_[np.nan, norms[:-1] / norms[1:]]  # at t: what the step from t back to t − 1 did
charts.plotly(right, figures.per_step(
    step_ratio, "What each step back multiplies the gradient by",
    "‖∂L/∂h<sub>t−1</sub>‖ ÷ ‖∂L/∂h<sub>t</sub>‖", log=True, reference=1.0))
lesson.show_markdown(text, "Eigenvalues")
lesson.show_prompts(text, "Eigenvalues")

exports.show(f"vanishing-{cell}-T{seq_len}", trace=trace, settings=state.values(PAGE),
             figure=curve, snippet=export.reproduce_vanishing(cell, seq_len, hidden_size, radius,
                                                              init, forget_bias, seed))

st.subheader("While training: clipping the exploding gradient")
lesson.show_markdown(text, "Clipping")
st.page_link("course/cliff.py", label="Page 6: why clipping works, on Pascanu's cliff")
lesson.show_prompts(text, "Clipping")
clip_controls = st.columns(3)
with clip_controls[0]:
    clip = state.widget(PAGE, "clip")
with clip_controls[1]:
    threshold = state.widget(PAGE, "c", disabled=clip == "none")
with clip_controls[2]:
    lr = state.widget(PAGE, "lr")
waiting = st.empty()  # redrawn while it trains, so a slider moved on interrupts the wait
run = compute.vanishing_training(cell, seq_len, hidden_size, radius, init, forget_bias, clip, threshold, lr,
                                 seed, waiting=lambda seconds: waiting.caption(
                                     f"Training 60 SGD steps with these settings on the server's training "
                                     f"workers… {seconds:.1f} s"))
waiting.empty()
if run["diverged_at"] is not None:
    st.error(f"Training diverged at iteration {run['diverged_at'] + 1}: {run['diverged_reason']}. "
             "Try clipping by norm, a smaller learning rate, or a smaller spectral radius.")
if len(run["grad_norm"]):
    left, right = st.columns(2, gap="large")
    charts.plotly(left, figures.grad_heatmap(run["iterations"], run["grad_hidden_norm"]))
    charts.plotly(right, figures.clipping({CELL_LABELS[cell]: (run["grad_norm"], run["clipped_grad_norm"])},
                                          threshold, clip))

lesson.show_quiz(text, PAGE)
