import streamlit as st

from rnnviz import export, figures
from rnnviz.model import CELL_LABELS
from ui import charts, compute, exports, lesson, live, state, workers

PAGE = "vanishing"
text = lesson.page_header("vanishing")

LIVE = ("cell", "T", "radius", "init", "H", "fbias")  # computed in the browser as the learner drags
cell, seq_len, radius, init, hidden_size, forget_bias = (state.value(PAGE, name) for name in LIVE)
seed = state.value(PAGE, "seed")
live.show("vanishing", PAGE, compute.vanishing_live(hidden_size, seed), LIVE)

lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

st.subheader("Inside $W_h$: eigenvalues and what each step multiplies")
lesson.show_markdown(text, "Eigenvalues")
lesson.show_prompts(text, "Eigenvalues")

_, trace = compute.vanishing_trace(cell, seq_len, hidden_size, radius, init, forget_bias, seed)
exports.show(f"vanishing-{cell}-T{seq_len}", trace=trace, settings=state.values(PAGE),
             figure=figures.grad_norms({CELL_LABELS[cell]: trace.grad_hidden_norm[0]}),
             snippet=export.reproduce_vanishing(cell, seq_len, hidden_size, radius, init, forget_bias, seed,
                                                compute.LONGEST_VANISHING))

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
try:
    run = compute.vanishing_training(
        cell, seq_len, hidden_size, radius, init, forget_bias, clip, threshold, lr, seed,
        only_cached=workers.starting(),  # a class arriving as the server starts is not kept waiting
        waiting=lambda seconds: waiting.caption(f"Training 60 SGD steps with these settings on the server's "
                                                f"training workers… {seconds:.1f} s"))
except workers.TrainingFailed as error:
    run = None
    waiting.warning(f"These two charts need a short training, and {error}. Everything above works; "
                    "move a slider here again in a moment to retry.")
else:
    waiting.empty()
    if run is None:
        waiting.info("The server has just started and its training workers are getting ready: these two "
                     "charts appear here by themselves in a few seconds.")
        workers.rerun_once_started()
if run is not None and run["diverged_at"] is not None:
    st.error(f"Training diverged at iteration {run['diverged_at'] + 1}: {run['diverged_reason']}. "
             "Try clipping by norm, a smaller learning rate, or a smaller spectral radius.")
if run is not None and len(run["grad_norm"]):
    left, right = st.columns(2, gap="large")
    charts.plotly(left, figures.grad_heatmap(run["iterations"], run["grad_hidden_norm"]))
    charts.plotly(right, figures.clipping({CELL_LABELS[cell]: (run["grad_norm"], run["clipped_grad_norm"])},
                                          threshold, clip))

lesson.show_quiz(text, PAGE)
