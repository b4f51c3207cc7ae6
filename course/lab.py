import streamlit as st

import rnnviz
from rnnviz.tasks import COUNT_EASY_SEQ_LEN
from ui import lab_view, lesson, runs, state, workers
from ui.lab_session import LabSession
from ui.settings import quoted

PAGE = "lab"
text = lesson.page_header("lab")

# the main controls and Train first, on the first screen; the run's progress right under them
pick_task, pick_cells, train_column, pause_column, step_column, stop_column = st.columns(
    [3, 4, 1.3, 1.3, 1.3, 1.3], vertical_alignment="bottom")
with pick_task:
    task_name = state.widget(PAGE, "task")
    task = rnnviz.tasks.get(task_name, seq_len=2)
with pick_cells:
    cells = state.widget(PAGE, "cells")
st.caption(task.description)
status, progress_bar, live_chart, outcome = st.empty(), st.empty(), st.empty(), st.empty()

left, middle, right = st.columns(3, gap="large")
with left:
    state.widget(PAGE, "bi", disabled=not task.allows_bidirectional)
    state.widget(PAGE, "H")
    state.widget(PAGE, "T")
with middle:
    state.widget(PAGE, "lr")
    state.widget(PAGE, "opt")
    state.widget(PAGE, "steps")
    state.widget(PAGE, "drop")
with right:
    clip = state.widget(PAGE, "clip")
    state.widget(PAGE, "c", disabled=clip == "none")
    state.widget(PAGE, "k")

settings = {k: v for k, v in state.values(PAGE).items() if not k.startswith("sweep_")}
settings["cells"] = list(settings["cells"])
if not cells:
    st.warning("Pick at least one cell to train.")
    settings["cells"] = []
if settings["bi"] and not task.allows_bidirectional:
    st.info(f"The {task_name} task asks for the next value at every step, so a bidirectional "
            "network would read the answer; it is trained one-directional.")
if task_name == "count" and (settings["T"] > COUNT_EASY_SEQ_LEN or settings["clip"] == "none"):
    st.warning(f"Count's numbers grow with T: at T = {settings['T']} the network reads numbers up to "
               f"{4 + 2 * settings['T']}, which saturate its tanh units and give huge gradients. "
               + ("Without clipping it does not learn: choose clipping by norm. " if settings["clip"] == "none"
                  else "Learning is slow and shaky at this length. ")
               + f"With T ≤ {COUNT_EASY_SEQ_LEN} the LSTM and the GRU learn it within a few hundred steps.")
if settings["k"] and settings["bi"] and task.allows_bidirectional:
    st.warning("Truncated BPTT and a bidirectional network do not mix; the window is ignored.")
    settings["k"] = 0

lab = st.session_state.setdefault("lab", LabSession())  # this learner's runs and what they did to them
key = runs.run_key(settings)
st.session_state["lab.key"] = key  # the run on screen, whose numbers its Predicts are judged by
paused = lab.paused(key)

start = train_column.button("Resume" if paused else "Train", type="primary", width="stretch",
                            disabled=not cells, key="lab.train",
                            help="Go on from the pause to the last step." if paused else None)
pause_column.button("Pause", on_click=lab.pause, args=(key, runs.detach), width="stretch",
                    disabled=not cells or bool(paused),
                    help="Hold the race at the step it has reached; then Step through it or Resume.")
step = step_column.button("Step", width="stretch", disabled=not cells or lab.complete(key), key="lab.step",
                          help="One training step of every network, then hold.")
stop_column.button("Stop", on_click=lab.stop, args=(key, runs.detach), width="stretch",
                   help="Stop watching and keep what has been learned so far. Classmates training "
                        "the same run keep theirs; a run nobody watches stops.")

part = lab.part_to_train(key, start, step)
if part is not None:
    outcome.empty()  # the last run's results, or "Press Train", are not what is training now
    lab.begin(key, part, runs.part_key(settings, **part))

    def show(progress):
        lab.progress(key, progress)
        status.empty()
        lab_view.show_progress(progress, progress_bar, live_chart)

    def queued():
        status.info("Waiting for a training worker (busy with other runs, or starting up). "
                    "This starts by itself.")

    try:
        lab.finish(key, runs.join_or_start(settings, show, queued, **part))
    except workers.TrainingFailed as error:
        lab.fail(key)
        status.error(f"The training workers could not run this ({quoted(str(error))}). Press Train "
                     "to try again; if it keeps failing, the server's training workers need a look "
                     f"(see the README, {workers.SCHEDULER_ENV}).")
    else:
        status.empty()
        if bool(lab.paused(key)) != bool(paused):
            st.rerun()  # the buttons above were drawn for before: Train / Resume, Pause, Step
    progress_bar.empty()
    live_chart.empty()

with outcome.container():
    if lab.on_screen(key):
        lab_view.show_results(lab, key, settings)
    else:
        st.info("Press **Train** to train the chosen cells with these settings. A run is kept "
                "until you change a setting.")
lesson.show_prompts(text, kind="Try")
lesson.show_more(text)
lesson.show_quiz(text, PAGE)

st.subheader("How long can it remember?")
lesson.show_markdown(text, "How long can it remember?")
lab_view.show_sweep(PAGE)
