import numpy as np
import streamlit as st

from rnnviz import export, figures, formulas
from ui import charts, compute, exports, lesson, state

PAGE = "gates"
text = lesson.page_header("gates")

(cell, task_name, seq_len, sample), _ = state.widget_row(PAGE, "cell", "task", "T", "sample")
seed = state.value(PAGE, "seed")

with st.spinner(f"Training a {cell.upper()} on this task ({compute.GATE_STEPS} steps, in turn when "
                "the server is busy; then cached)…"):
    runs = compute.gate_traces(cell, task_name, seq_len, seed)
task, trained, untrained = runs["task"], runs["trained"], runs["untrained"]
if task.loss == "ce":
    st.markdown(f"The trained {cell.upper()} names the right symbol **{runs['score']:.0%}** of the time "
                f"after {compute.GATE_STEPS} steps (guessing: {1 / task.output_size:.0%}).")
else:
    st.markdown(f"The trained {cell.upper()}'s mean squared error is **{runs['score']:.4f}** after "
                f"{compute.GATE_STEPS} steps (always answering 1.0 scores 0.167).")

inputs = trained.inputs[sample]
if task.name == "adding":
    marked = np.flatnonzero(inputs[:, 1]) + 1
    st.caption(f"Sample {sample}: the marked steps are t = {marked[0]} and t = {marked[-1]}; "
               f"the answer is {float(trained.targets[sample][0]):.3f}.")
    strip, strip_rows, input_label = inputs[:, [1, 0]], ["marker", "value"], "input"
else:
    st.caption(f"Sample {sample}: symbol {int(trained.targets[sample])} is shown at t = 1, "
               "then blanks until the answer at t = T.")
    strip = inputs
    strip_rows = [f"symbol {k}" for k in range(inputs.shape[1] - 1)] + ["blank"]
    input_label = "input"
gate_names = list(trained.gates)
panels = {"untrained": {g: untrained.gates[g][sample] for g in gate_names},
          "trained": {g: trained.gates[g][sample] for g in gate_names}}
heatmaps = figures.gate_heatmaps(panels, strip, strip_rows, input_label)
charts.plotly(st, heatmaps)
exports.show(f"gates-{cell}-{task_name}-T{seq_len}", trace=trained, settings=state.values(PAGE),
             figure=heatmaps, snippet=export.reproduce_gates(
                 cell, task_name, seq_len, seed, compute.GATE_HIDDEN, compute.GATE_STEPS,
                 seed + compute.GATE_SAMPLE_OFFSET))
lesson.show_prompts(text)

st.subheader("One step, one unit, with the numbers")
lesson.show_equations(text)
left, right = st.columns([3, 2], gap="large")
with left:
    pick_t, pick_unit = st.columns(2)
    with pick_t:
        t = state.widget(PAGE, "t", high=seq_len)
    with pick_unit:
        unit = state.widget(PAGE, "unit", high=compute.GATE_HIDDEN) - 1
    st.markdown(f"The trained {cell.upper()}, sample {sample}, unit {unit + 1} at step $t = {t}$:")
    st.latex(formulas.gate_step(trained, sample, t, unit))
charts.plotly(right, figures.unit_gates(panels["trained"], unit, chosen_t=t))

st.subheader("Gradient flow: gated cell against a vanilla RNN")
lesson.show_markdown(text, "Gradient flow")
charts.plotly(st, figures.grad_norms({f"trained {cell.upper()}": trained.grad_hidden_norm[sample],
                                      "untrained vanilla RNN (tanh)": runs["vanilla"].grad_hidden_norm[sample]},
                                     title="‖dL/dh_t‖ on the same sequence"))
st.page_link("course/vanishing.py", label="Explore this on the vanishing-gradient page",
             query_params={"cell": cell, "T": str(seq_len)})

lesson.show_quiz(text, PAGE)
