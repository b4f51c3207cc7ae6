import inspect

import streamlit as st

import rnnviz
from rnnviz import analysis, export, figures, formulas
from ui import charts, compute, exports, lesson, state

PAGE = "hidden"
text = lesson.page_header("hidden_state")

controls, view = st.columns([1, 3], gap="large")
with controls:
    numbers = state.numbers_input(PAGE, "numbers")
    hidden_size, activation, scale = state.widgets(PAGE, "H", "act", "scale")
    t = state.widget(PAGE, "t", high=len(numbers))

trace = compute.hidden_state_trace(numbers, hidden_size, activation, scale, state.value(PAGE, "seed"))
terms = analysis.rnn_step_terms(trace, 0, t)

with view:
    lesson.show_equations(text)
    st.markdown(f"**Step $t = {t}$**, reading $x_{{{t}}} = {numbers[t - 1]:g}$. "
                "Each column is one vector of the sum; each row is one hidden unit.")
    chart = st.empty()  # drawn once the switch under it is read
    fit = state.widget(PAGE, "fit")
    charts.plotly(chart, figures.step_vectors(terms, activation, fit), config={"displayModeBar": False})
st.latex(formulas.rnn_step(terms, activation, t, full_matrices=hidden_size <= 4))
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)

left, right = st.columns(2, gap="large")
charts.vega_lite(left, figures.hidden_trajectories(trace.hidden[0]))
predictions = figures.predictions(trace.inputs[0, :, 0], trace.outputs[0, :, 0],
                                  trace.targets[0, :, 0], chosen_t=t)
charts.plotly(right, predictions)
st.caption("These weights are random: the network has not learned to count, so its predictions "
           "are not the next number yet. What matters here is how each h_t is made.")
exports.show(f"hidden-state-H{hidden_size}", trace=trace, settings=state.values(PAGE),
             figure=predictions, snippet=export.reproduce_hidden_state(
                 numbers, hidden_size, activation, scale, state.value(PAGE, "seed")))

with st.expander("The engine's code that computed h_t", expanded=False):
    st.code(inspect.getsource(rnnviz.cells.rnn_step), language="python")
lesson.show_quiz(text, PAGE)
