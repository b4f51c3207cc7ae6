import streamlit as st

from rnnviz import figures
from ui import charts, compute, lesson, live, state, workers

PAGE = "cliff"
text = lesson.page_header("cliff")

state.limit(PAGE, "step", state.value(PAGE, "iters"))  # the scrubber's range follows the steps
if not lesson.withheld(text, "cliff"):
    live.show("cliff", PAGE, {}, owns=("w0", "b0", "lr", "c", "iters", "map", "step"))
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

with st.expander("The whole surface in 3-D"):
    charts.plotly(st, figures.loss_surface_3d(*compute.cliff_surface()))

st.subheader("Clipping a real gradient: by norm or by value")
lesson.show_markdown(text, "Norm or value")
lesson.show_prompts(text, "Norm or value", kind="Predict")
if not lesson.withheld(text, "clipping"):
    live.show("clipping", PAGE, {"gradient": live.encoded(compute.real_gradient(state.value(PAGE, "seed")))},
              owns=(), reads=("c",))

st.subheader("A diverging run, honestly")
if st.button("Train an RNN with learning rate 100 and no clipping"):
    try:
        with st.spinner("Training (in turn, when the server is busy)…"):
            run = compute.diverging_run(state.value(PAGE, "seed"))
    except workers.TrainingFailed as error:
        st.warning(f"This needs a short training, and {error}. Press the button again in a moment.")
    else:
        if run["diverged_at"] is not None:
            st.error(f"Diverged at step {run['diverged_at'] + 1}: {run['diverged_reason']}. "
                     "The weights were kept at their last finite values. What to try: clip the "
                     "gradient by norm, or lower the learning rate.")
        else:
            st.success(f"It survived 50 steps (final loss {run['final_loss']:.3g}); try again "
                       "with another seed.")
lesson.show_quiz(text, PAGE)
