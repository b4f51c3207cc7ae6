import numpy as np
import streamlit as st

from rnnviz import export, figures, formulas
from ui import charts, compute, exports, lesson, state

PAGE = "unrolled"
text = lesson.page_header("unrolled")

controls, view = st.columns([1, 3], gap="large")
with controls:
    seq_len, hidden_size, activation, radius = state.widgets(PAGE, "T", "H", "act", "radius")
    back = state.widget(PAGE, "back", high=seq_len)
    window = state.widget(PAGE, "k", high=seq_len)

full, truncated = compute.unrolled_traces(seq_len, hidden_size, activation, radius,
                                          state.value(PAGE, "seed"), window)
grad_norm = full.grad_hidden_norm[0]

with view:
    chart = st.empty()  # drawn once the switch under it is read
    st.caption("Colour: ‖∂L/∂h_t‖ relative to ‖∂L/∂h_T‖ at the loss, on one scale for every "
               "setting unless fitted to these values. White: the backward pass has not reached "
               "h_t yet; black: its gradient is exactly 0 (a dead ReLU unit passes nothing back).")
    fit = state.widget(PAGE, "fit")
    graph = figures.unrolled_graph(full.inputs[0, :, 0], full.hidden[0], grad_norm, back,
                                   loss_steps={seq_len}, fit=fit)
    charts.plotly(chart, graph, config={"displayModeBar": False})
    direct = full.grad_hidden_direct[0, back - 1]
    total = full.grad_hidden[0, back - 1]
    st.markdown(f"**Backward pass at step $t = {back}$:** $\\|\\partial L/\\partial h_{{{back}}}\\|"
                f" = {np.linalg.norm(total):.3g}$")
    st.latex(formulas.backward_step(back, seq_len, direct, total - direct, total))
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

st.subheader("Truncated BPTT")
lesson.show_markdown(text, "Truncated BPTT")
lesson.show_prompts(text, "Truncated BPTT", kind="Predict")
left, right = st.columns([2, 1], gap="large")
full_steps = np.linalg.norm(full.weight_hh_grad_steps["weight_hh"], axis=(1, 2))
kept = np.arange(1, seq_len + 1) > seq_len - window
charts.plotly(left, figures.weight_hh_contributions(full_steps, kept))
full_grad = full.param_grads["weight_hh"]
difference = np.linalg.norm(truncated.param_grads["weight_hh"] - full_grad)
relative = difference / max(np.linalg.norm(full_grad), 1e-300)
right.metric(f"Steps whose term is kept (k = {window})", f"{int(kept.sum())} of {seq_len}")
right.metric("‖truncated − full‖ ÷ ‖full‖ for ∂L/∂W_h", f"{relative:.2%}")
right.caption("With the loss on the last output only, truncation to k steps keeps exactly the "
              "terms of the last k steps and drops the rest.")
exports.show(f"unrolled-T{seq_len}", trace=full, settings=state.values(PAGE), figure=graph,
             snippet=export.reproduce_unrolled(seq_len, hidden_size, activation, radius,
                                               state.value(PAGE, "seed"), window))
lesson.show_prompts(text, "Truncated BPTT", kind="Try")
lesson.show_quiz(text, PAGE)
