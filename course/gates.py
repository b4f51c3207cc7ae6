import numpy as np
import streamlit as st

import rnnviz
from rnnviz import analysis, export, figures, formulas
from rnnviz.model import CELL_LABELS, cell_label
from ui import charts, compute, exports, lesson, state

PAGE = "gates"
text = lesson.page_header("gates")

(cell, task_name, seq_len, sample, weights), _ = state.widget_row(PAGE, "cell", "task", "T", "sample",
                                                                   "weights")
seed = state.value(PAGE, "seed")

if not rnnviz.checkpoints.available():
    st.error("The trained networks this page shows are missing from this copy of rnnviz: "
             "run `rnnviz checkpoints` (about a minute) and reload.")
    st.stop()
runs = compute.gate_traces(cell, task_name, seq_len, seed)
task = rnnviz.tasks.get(task_name, seq_len=seq_len)
trained, untrained = runs["trained"], runs["untrained"]
label = CELL_LABELS[cell]
weights_shown = state.shown(PAGE, "weights", weights)  # in the charts' labels
inputs = trained.inputs[sample]
if task.name == "adding":
    marked = np.flatnonzero(inputs[:, 1]) + 1
    caption = (f"Sample {sample}: the marked steps are t = {marked[0]} and t = {marked[-1]} (dotted "
               f"lines); the answer is {float(trained.targets[sample][0]):.3f}. Each row of a panel "
               "is one of the 8 hidden units.")
    strip, strip_rows = inputs[:, [1, 0]], ["marker", "value"]
else:
    marked = [1, seq_len]
    caption = (f"Sample {sample}: symbol {int(trained.targets[sample])} is shown at t = 1, then blanks "
               "until the answer at t = T (dotted lines). Each row of a panel is one of the 8 hidden units.")
    strip = inputs
    strip_rows = [f"symbol {k}" for k in range(inputs.shape[1] - 1)] + ["blank"]
gate_names = list(trained.gates)
panels = {"untrained": {g: untrained.gates[g][sample] for g in gate_names},
          "trained": {g: trained.gates[g][sample] for g in gate_names}}
heatmaps = figures.gate_heatmaps(panels[weights], strip, strip_rows, marked=marked,
                                 label=f"{label}, {weights_shown}")
charts.plotly(st, heatmaps)
st.caption(caption)
if task.loss == "ce":
    st.markdown(f"The trained {label} names the right symbol in **{runs['score']:.0%}** of 512 new "
                f"sequences of length {seq_len} (guessing: {runs['baseline']:.1%}).")
else:
    st.markdown(f"The trained {label}'s mean squared error on 512 new sequences of length {seq_len} "
                f"is **{runs['score']:.4f}** (always answering the average sum, 1.0: "
                f"{runs['baseline']:.3f}).")

exports.show(f"gates-{cell}-{task_name}-T{seq_len}", trace=trained, settings=state.values(PAGE),
             figure=heatmaps, snippet=export.reproduce_gates(
                 cell, task_name, seq_len, seed + compute.GATE_SAMPLE_OFFSET))
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)

st.subheader("One step, one unit, with the numbers")
lesson.show_equations(text)
pick_t, pick_unit, _ = st.columns([2, 2, 1])
with pick_t:
    t = state.widget(PAGE, "t", high=seq_len)
with pick_unit:
    unit = state.widget(PAGE, "unit", high=rnnviz.checkpoints.RECIPE["hidden_size"]) - 1
charts.plotly(st, figures.cell_diagram(cell, analysis.cell_step_values(trained, sample, t, unit),
                                       title=f"The trained {label} cell at t = {t}, unit {unit + 1}: "
                                             "every value on its way through"),
              config={"displayModeBar": False})
st.markdown(f"The same step in numbers (sample {sample}, unit {unit + 1}, $t = {t}$):")
st.latex(formulas.gate_step(trained, sample, t, unit))
charts.plotly(st, figures.unit_gates(panels["trained"], unit, chosen_t=t))

st.subheader("Gradient flow: gated cell against a vanilla RNN")
lesson.show_markdown(text, "Gradient flow")
charts.plotly(st, figures.grad_norms(
    {f"trained {label}": trained.grad_hidden_norm[sample],
     "trained RNN (tanh)": runs["trained_rnn"].grad_hidden_norm[sample],
     f"untrained {label}": untrained.grad_hidden_norm[sample],
     "untrained RNN (tanh)": runs["untrained_rnn"].grad_hidden_norm[sample]},
    title="‖∂L/∂h<sub>t</sub>‖ on the same sequence",
    dashed=(f"untrained {label}", "untrained RNN (tanh)")))
st.page_link("course/vanishing.py", label="Explore this on the vanishing-gradient page",
             query_params={"cell": cell, "T": str(seq_len)})

st.subheader("Memory made visible: which inputs does each state still hold?")
lesson.show_markdown(text, "Memory made visible")
lesson.show_prompts(text, "Memory made visible", kind="Predict")
maps = compute.memory_maps(task_name, seq_len, seed, weights, sample)
charts.plotly(st, figures.memory_maps(
    {f"{cell_label(name)}, {weights_shown}": values
     for name, values in maps.items()}, marked=marked))
lesson.show_prompts(text, "Memory made visible", kind="Try")

lesson.show_quiz(text, PAGE)
