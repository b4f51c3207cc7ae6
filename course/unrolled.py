import streamlit as st

from rnnviz import export, figures
from ui import compute, exports, lesson, live, state

PAGE = "unrolled"
NETWORK = ("T", "H", "act", "radius")
text = lesson.page_header("unrolled")

seq_len = state.value(PAGE, "T")
for name in ("back", "k"):  # their ranges follow T
    state.limit(PAGE, name, seq_len)
network = compute.unrolled_live(state.value(PAGE, "seed")) | {"saturated": compute.SATURATED}
live.show("unrolled", PAGE, network, owns=(*NETWORK, "back", "fit"), reads=())
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

st.subheader("Truncated BPTT")
lesson.show_markdown(text, "Truncated BPTT")
lesson.show_prompts(text, "Truncated BPTT", kind="Predict")
live.show("truncation", PAGE, network, owns=("k",), reads=NETWORK)

seq_len, hidden_size, activation, radius, back, window, seed = (
    state.value(PAGE, name) for name in (*NETWORK, "back", "k", "seed"))
full, _ = compute.unrolled_traces(seq_len, hidden_size, activation, radius, seed, window)
exports.show(f"unrolled-T{seq_len}", trace=full, settings=state.values(PAGE),
             figure=figures.unrolled_graph(full.inputs[0, :, 0], full.hidden[0], full.grad_hidden_norm[0], back,
                                           loss_steps={seq_len}, fit=state.value(PAGE, "fit")),
             snippet=export.reproduce_unrolled(seq_len, hidden_size, activation, radius, seed, window))
lesson.show_prompts(text, "Truncated BPTT", kind="Try")
lesson.show_quiz(text, PAGE)
