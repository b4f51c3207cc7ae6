import numpy as np
import streamlit as st

import rnnviz
from rnnviz import export, figures
from rnnviz.model import CELL_LABELS, cell_label
from ui import charts, compute, exports, gates_view, lesson, live, state

PAGE = "gates"
text = lesson.page_header("gates")

(cell, task_name, seq_len, sample, weights), _ = state.widget_row(PAGE, "cell", "task", "T", "sample",
                                                                   "weights")
seed = state.value(PAGE, "seed")

if not rnnviz.checkpoints.available():
    st.error("The trained networks this page shows are missing from this copy of rnnviz: "
             "run `python -m rnnviz checkpoints` in the clone (about a minute) and reload.")
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
state.limit(PAGE, "t", seq_len)  # the step's range follows T
state.limit(PAGE, "unit", rnnviz.checkpoints.RECIPE["hidden_size"])
# Four views of one network, one at a time, so the page stays within three laptop screens
over_time, one_step, flow, memory, check = st.tabs(
    ["Gates over time", "One step, one unit", "Gradient flow", "Memory made visible", "Check yourself"])

with over_time:
    if not lesson.withheld(text, "heatmaps"):
        live.show("heatmaps", PAGE, gates_view.heatmaps(runs[weights], sample, strip, strip_rows, marked,
                                                        f"{label}, {weights_shown}"),
                  owns=(), reads=("t",))
    st.caption(caption)
    score = runs[f"{weights}_score"]
    network = f"the trained {label}" if weights == "trained" else f"the {label} {weights_shown}"
    if task.loss == "ce":
        st.markdown(f"On 512 new sequences of length {seq_len}, {network} names the right symbol in "
                    f"**{score:.0%}** of them (guessing: {runs['baseline']:.1%}).")
    else:
        st.markdown(f"On 512 new sequences of length {seq_len}, {network} has a mean squared error of "
                    f"**{score:.4f}** (always answering the average sum, 1.0: {runs['baseline']:.3f}).")
    exports.show(f"gates-{cell}-{task_name}-T{seq_len}", trace=trained, settings=state.values(PAGE),
                 figure=figures.gate_heatmaps({g: values[sample] for g, values in runs[weights].gates.items()},
                                              strip, strip_rows, marked=marked, label=f"{label}, {weights_shown}"),
                 snippet=export.reproduce_gates(cell, task_name, seq_len, seed + compute.GATE_SAMPLE_OFFSET))
    lesson.show_prompts(text, kind="Try")
    lesson.show_more(text)

with one_step:
    lesson.show_equations(text)
    live.show("cellstep", PAGE, gates_view.cellstep(trained, sample, f"trained {label}"), owns=("t", "unit"))

with flow:
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

with memory:
    lesson.show_markdown(text, "Memory made visible")
    lesson.show_prompts(text, "Memory made visible", kind="Predict")
    maps = compute.memory_maps(task_name, seq_len, seed, weights, sample)
    if not lesson.withheld(text, "memory"):
        charts.plotly(st, figures.memory_maps(
            {f"{cell_label(name)}, {weights_shown}": values
             for name, values in maps.items()}, marked=marked))
    rnn_row = maps["rnn"][-1]  # what h_T still holds of each input
    if weights == "trained" and np.median(rnn_row) > 0.1 * rnn_row.max():
        st.caption(f"The trained RNN's last state still moves with inputs from far back: ‖∂h_T/∂x_s‖ is "
                   f"{np.median(rnn_row):.2g} across its bottom row (typically), {rnn_row.max():.2g} at its "
                   "largest. Its gradient no longer vanishes, yet it holds every input alike, marked or not, "
                   "so it cannot pick out the two numbers it must add: holding everything is not "
                   "remembering what matters. Set Weights to before training to see a plain RNN forget.")
    lesson.show_prompts(text, "Memory made visible", kind="Try")

with check:
    lesson.show_quiz(text, PAGE)
