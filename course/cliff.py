import numpy as np
import streamlit as st

from rnnviz import analysis, cliff, figures
from ui import charts, compute, lesson, state

PAGE = "cliff"


def step_summary(label, path_w, path_b, step, lr, clip):
    """Where one path is at the scrubber's step, in words: the point, its loss and gradient, and
    how far the next step moves it."""
    loss, grad_w, grad_b = (float(v) for v in cliff.loss_and_grad(path_w[step], path_b[step]))
    norm = float(np.hypot(grad_w, grad_b))
    moved = lr * (min(norm, clip) if clip is not None else norm)
    return (f"**{label.capitalize()}**, step {step}: (w, b) = ({path_w[step]:.2f}, {path_b[step]:.2f}), "
            f"loss {loss:.2g}, ‖gradient‖ {norm:.3g}, so the next step is {moved:.3g} long.")


text = lesson.page_header("cliff")

controls, view = st.columns([1, 3], gap="large")
with controls:
    w0, b0, lr, threshold, iterations, map_view = state.widgets(PAGE, "w0", "b0", "lr", "c", "iters", "map")

plain = cliff.descend(w0, b0, lr, iterations)
clipped = cliff.descend(w0, b0, lr, iterations, clip=threshold)
paths = {"gradient descent": plain[:2], f"clipped to norm {threshold:g}": clipped[:2]}
if map_view == "whole":
    w, b, loss = compute.cliff_surface()
else:  # rounded, so that nearby settings share a cached surface
    box = [tuple(round(v, 1) for v in side) for side in cliff.view_box(list(paths.values()))]
    w, b, loss = compute.cliff_surface(*box)
with view:
    map_slot = st.empty()  # drawn after the scrubber under it is read
    step = state.widget(PAGE, "step", high=iterations)
    charts.plotly(map_slot, figures.loss_surface(
        w, b, loss, paths, valley=cliff.valley_floor(w, b), at=step,
        title="The loss over (w, b): a cliff" + (" (around the paths)" if map_view != "whole" else "")))
    st.markdown("  \n".join(step_summary(label, path_w, path_b, step, lr, threshold if k else None)
                         for k, (label, (path_w, path_b)) in enumerate(paths.items())))
    biggest = int(np.argmax(plain[2]))
    jump = float(np.hypot(np.diff(plain[0]), np.diff(plain[1])).max())
    st.markdown(f"Largest gradient on the way: **{plain[2][biggest]:.3g}** at step {biggest + 1}. "
                f"The longest unclipped step moved (w, b) by **{jump:.3g}**; clipped, no step "
                f"is longer than lr × c = **{lr * threshold:.3g}**.")
    clipped_loss = cliff.loss_and_grad(clipped[0], clipped[1])[0]
    lowest = int(np.argmin(clipped_loss))
    hops = clipped_loss[lowest:].max() > clipped_loss[0]  # after its lowest, back up the wall
    st.markdown(f"The clipped path's loss: **{clipped_loss[0]:.2g}** at the start, **{clipped_loss[lowest]:.2g}** "
                f"at its lowest (step {lowest}), **{clipped_loss[-1]:.2g}** at the end"
                + (". Next to the cliff the valley is narrower than one clipped step, so with this "
                   "learning rate the path hops across it instead of settling; a smaller learning "
                   "rate or threshold takes smaller hops." if hops else "."))
    end = (plain[0][-1], plain[1][-1])
    (w_low, w_high), (b_low, b_high) = cliff.W_RANGE, cliff.B_RANGE
    if not (w_low <= end[0] <= w_high and b_low <= end[1] <= b_high):
        st.warning(f"The unclipped descent was thrown off the whole map, to (w, b) = "
                   f"({end[0]:.3g}, {end[1]:.3g}).")
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_equations(text)

with st.expander("The whole surface in 3-D"):
    charts.plotly(st, figures.loss_surface_3d(*compute.cliff_surface()))

st.subheader("Clipping a real gradient: by norm or by value")
lesson.show_markdown(text, "Norm or value")
lesson.show_prompts(text, "Norm or value", kind="Predict")
gradient = compute.real_gradient(state.value(PAGE, "seed"))
effect = analysis.clipping_effect(gradient, threshold)
columns = st.columns(4)
columns[0].metric("‖g‖ before clipping", f"{effect['norm']:.3g}")
columns[1].metric("‖g‖ clipped by norm", f"{effect['norm_clipped_norm']:.3g}",
                  help="g × min(1, c / ‖g‖)")
columns[2].metric("‖g‖ clipped by value", f"{effect['value_clipped_norm']:.3g}",
                  help="every component clamped to [−c, c]")
columns[3].metric("Angle turned by value clipping", f"{effect['value_angle']:.1f}°",
                  help=f"Norm clipping turns it by {effect['norm_angle']:.1f}°.")
st.caption(f"The gradient of all {gradient.size} weights of a tanh RNN (hidden size 16) on one "
           "batch of the adding problem (T = 50, spectral radius 1.5), at threshold c set above.")

st.subheader("A diverging run, honestly")
if st.button("Train an RNN with learning rate 100 and no clipping"):
    with st.spinner("Training (in turn, when the server is busy)…"):
        run = compute.diverging_run(state.value(PAGE, "seed"))
    if run["diverged_at"] is not None:
        st.error(f"Diverged at step {run['diverged_at'] + 1}: {run['diverged_reason']}. "
                 "The weights were kept at their last finite values. What to try: clip the "
                 "gradient by norm, or lower the learning rate.")
    else:
        st.success(f"It survived 50 steps (final loss {run['final_loss']:.3g}); try again "
                   "with another seed.")
lesson.show_quiz(text, PAGE)
