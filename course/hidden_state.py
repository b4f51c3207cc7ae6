import inspect

import streamlit as st

import rnnviz
from rnnviz import export, figures
from ui import compute, exports, lesson, live, state

PAGE = "hidden"
text = lesson.page_header("hidden_state")

state.limit(PAGE, "t", len(state.value(PAGE, "numbers")))  # t's range follows the sequence
lesson.show_equations(text)
live.show("hidden", PAGE, compute.hidden_live(state.value(PAGE, "seed")),
          owns=("numbers", "H", "act", "scale", "t", "fit"))
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
st.caption("These weights are random: the network has not learned to count, so its predictions "
           "are not the next number yet. What matters here is how each h_t is made.")

numbers, hidden_size, activation, scale, t, seed = (state.value(PAGE, name)
                                                    for name in ("numbers", "H", "act", "scale", "t", "seed"))
trace = compute.hidden_state_trace(numbers, hidden_size, activation, scale, seed)
exports.show(f"hidden-state-H{hidden_size}", trace=trace, settings=state.values(PAGE),
             figure=figures.predictions(trace.inputs[0, :, 0], trace.outputs[0, :, 0], trace.targets[0, :, 0],
                                        chosen_t=t),
             snippet=export.reproduce_hidden_state(numbers, hidden_size, activation, scale, seed))

with st.expander("The engine's code that computed h_t", expanded=False):
    st.code(inspect.getsource(rnnviz.cells.rnn_step), language="python")
lesson.show_quiz(text, PAGE)
