"""The training lab's results and its lag sweep, drawn from stored runs (no training here
except a single sweep point re-run on request)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import streamlit as st
import torch

import rnnviz
import rnnviz.experiments
from rnnviz import figures
from rnnviz.model import cell_label
from ui import charts, compute, exports, state, training, workers


def show_progress(progress, progress_bar, live_chart):
    """A run in progress: its bar and its live loss curves, redrawn in place."""
    networks = progress["networks"]
    racing = " and ".join([", ".join(networks[:-1]), networks[-1]] if len(networks) > 1 else networks)
    progress_bar.progress(min(progress["done"], 1.0),
                          text=f"Training {racing}{' side by side' if len(networks) > 1 else ''}: "
                               f"step {progress['step']} of {progress['steps']}")
    charts.vega_lite(live_chart, figures.live_loss_spec(progress["steps"], networks),
                     training.live_rows(progress["runs"]))


def show_results(lab, key, settings):
    """Verdicts, curves and what the trained networks do, for the run on screen of this learner's
    lab (ui/lab_session.py), finished or stopped."""
    store = lab.on_screen(key)
    task_name = settings["task"]
    runs = store["runs"]
    if store.get("paused"):
        st.info(f"Paused at step {training.paused_step(store['paused'])} of {settings['steps']}: press "
                "**Step** for one more step of every network, **Resume** to go on, **Stop** to end here.")
    elif not store["finished"]:
        st.warning("Training was stopped: below is what was learned up to that point.")
    for name, run in runs.items():
        if run["diverged_at"] is not None:
            st.error(f"{name} diverged at step {run['diverged_at'] + 1}: {run['diverged_reason']}. "
                     "Training stopped there and kept the last finite weights. Try a smaller learning "
                     "rate or clipping by norm.")

    full_task = rnnviz.tasks.get(task_name, seq_len=settings["T"])
    verdicts = []
    for name, run in runs.items():
        if "history" not in run:
            continue
        history = run["history"]
        solved = history.solved_step(full_task)
        measure = "accuracy" if full_task.loss == "ce" else "MSE"
        if solved:
            verdicts.append(f"**{name}** reached {measure} {full_task.solved:g} at step {solved}.")
        elif history.diverged_at is not None:
            verdicts.append(f"**{name}** diverged before reaching {measure} {full_task.solved:g}.")
        else:
            verdicts.append(f"**{name}** did not reach {measure} {full_task.solved:g} within "
                            f"{history.steps_done} steps.")
    if verdicts:
        st.markdown(" ".join(verdicts))

    one, two = st.columns(2, gap="large")
    charts.plotly(one, figures.loss_curves({n: r["loss"] for n, r in runs.items()}), key="lab.loss")
    if full_task.loss == "ce":
        charts.plotly(two, figures.loss_curves({n: r["accuracy"] for n, r in runs.items()},
                                               title="Accuracy on each training batch", log=False,
                                               threshold=full_task.solved))
    else:
        charts.plotly(two, figures.clipping(
            {n: (r["grad_norm"], r["clipped_grad_norm"]) for n, r in runs.items()},
            settings["c"], settings["clip"]))

    finished = {n: r for n, r in runs.items() if "model" in r}
    if finished:
        st.subheader("What the trained networks do")
        memo = lab.memo(key)

        def once(what, compute):
            if what not in memo:
                memo[what] = compute()
            return memo[what]

        first_input, y, traces = once("held out", lambda: _held_out(full_task, finished, settings["seed"]))
        rows = []
        for n, tr in traces.items():
            if not np.isfinite(tr.loss):  # finite weights so large that new sequences overflow
                rows.append({"cell": n, **{column: "overflows" for column in (
                    ("accuracy", "loss") if full_task.loss == "ce" else ("MSE", "RMSE"))}})
            elif full_task.loss == "ce":
                predicted = tr.outputs.argmax(-1)
                rows.append({"cell": n, "accuracy": f"{(predicted == tr.targets).mean():.1%}",
                             "loss": f"{tr.loss:.4f}"})
            else:
                rows.append({"cell": n, "MSE": f"{tr.loss:.4f}", "RMSE": f"{np.sqrt(tr.loss):.4f}"})
        st.table(pd.DataFrame(rows).set_index("cell"))  # HTML, so presenter mode can enlarge it
        if any(not np.isfinite(tr.loss) for tr in traces.values()):
            st.caption("overflows: the last finite weights of a diverged run are so large that the "
                       "network's numbers grow past what a computer holds on new sequences.")
        if task_name == "sine":
            charts.plotly(st, figures.forecast(first_input, y[0, :, 0].numpy(),
                                               {n: tr.outputs[0, :, 0] for n, tr in traces.items()}))
        elif task_name in ("count", "adding"):
            charts.plotly(st, figures.predicted_against_true(
                  y[:, 0].numpy(), {n: tr.outputs[:, 0] for n, tr in traces.items()},
                  "next number" if task_name == "count" else "sum"))
        elif task_name == "text":
            name = st.selectbox("Network", list(finished))
            for step, sample in once(("samples", name), lambda: _samples(full_task, finished[name], settings)):
                st.markdown(f"After **{step}** steps:")
                st.text(sample)
            unit = st.slider("Hidden unit to colour the text by", 1, settings["H"], 1) - 1
            passage, hidden = once(("reading", name), lambda: _reading(full_task, finished[name]))
            charts.plotly(st, figures.text_activation(passage, hidden[:, unit], unit))
        exports.histories(f"lab-{task_name}", {name: run["history"] for name, run in finished.items()})
        gated = [n for n, r in finished.items() if r["model"]["cell"] in ("lstm", "gru")]
        if task_name in ("adding", "copy") and gated:
            st.page_link("course/gates.py", label="See the gates of an LSTM or GRU trained on this task",
                         query_params={"task": task_name, "cell": finished[gated[0]]["model"]["cell"],
                                       "T": str(min(settings["T"], 60))})


def _held_out(task, finished, seed):
    """64 new sequences through every trained network: the first sequence's input, the targets,
    and each network's outputs, targets and loss. Only what the page draws is kept: the memo
    lives in the finished run, which the server-wide cache shares, and a whole Trace (every
    step's gates and caches) would be many times the run's own size."""
    x, y = task.sample(64, torch.Generator().manual_seed(seed + 1000))
    kept = {}
    for name, run in finished.items():
        trace = rnnviz.record(training.rebuild(task, run["model"]), x, y, task.loss, task.target)
        kept[name] = SimpleNamespace(outputs=trace.outputs, targets=trace.targets, loss=trace.loss)
    return x[0, :, 0].numpy(), y, kept


def _samples(task, run, settings):
    """(step, generated text) at each snapshot of a text run (one-directional networks only)."""
    samples = []
    for step, params in sorted(run["snapshots"].items()):
        model = training.rebuild(task, run["model"], params)
        if step == 0 or model.bidirectional:
            continue
        samples.append((step, rnnviz.generate_text(model, "The ", 160, 0.8, settings["seed"])))
    return samples


def _reading(task, run):
    """The trained network's hidden states while it reads the start of the corpus."""
    passage = rnnviz.tasks.corpus()[:320]
    codes = rnnviz.tasks.encode(passage)
    one_hot = torch.nn.functional.one_hot(codes, task.input_size).float()[None]
    reading = rnnviz.record(training.rebuild(task, run["model"]), one_hot[:, :-1], codes[None, 1:], "ce", "all")
    return passage[:-1], reading.hidden[0]


def show_sweep(page):
    """The shipped lag sweep, and one point re-run live on request."""
    sweep = compute.lag_sweep_data()
    if sweep is None:
        st.info("No sweep results are shipped yet: run `python -m rnnviz lag-sweep` in the clone.")
        return
    columns = st.columns(2, gap="large")
    for column, name in zip(columns, ("adding", "copy")):
        points = [p for p in sweep["results"] if p["task"] == name]
        if points:
            charts.plotly(column, figures.lag_sweep(points, name, points[0]["metric"], points[0]["threshold"]))
    settings = sweep["settings"]
    def longest(task_name, cell):
        return rnnviz.experiments.longest_solved(sweep, task_name, cell) or "none"

    reach = "; ".join(f"{name}: " + ", ".join(f"{cell_label(cell)} {longest(name, cell)}"
                                               for cell in rnnviz.experiments.CELLS)
                      for name in rnnviz.experiments.TASKS)
    st.markdown(f"**Longest lag solved by most seeds** — {reach}.")
    with st.expander("Steps to solve, per lag (median over the seeds that solved it)"):
        st.table(pd.DataFrame(rnnviz.experiments.steps_to_solve(sweep)).set_index(["task", "cell"]))
    st.caption(f"Each point: {len(settings['seeds'])} seeds ({', '.join(map(str, settings['seeds']))}), "
               f"{settings['steps']} Adam steps each, hidden size {settings['hidden_size']}, clipping by "
               f"norm at {settings['clip'][1]:g}, LSTM forget-gate bias {settings['lstm_forget_bias']:+g}; "
               f"the line is the median over seeds of the metric averaged over the last "
               f"{settings['window']} steps, the small dots each seed's. A run counts as solved when that "
               "average is at the solved level; big circles where most seeds solved it. Made by "
               "`python -m rnnviz lag-sweep`. Hochreiter & Schmidhuber trained on up to "
               "millions of sequences; with this budget a failure at a long lag means not learned "
               "yet, not cannot be learned.")
    (sweep_cell, sweep_task, sweep_lag), (button_column,) = state.widget_row(
        page, "sweep_cell", "sweep_task", "sweep_lag", spare=1)
    seed = state.value(page, "seed")
    shipped = next((p for p in sweep["results"] if (p["cell"], p["task"], p["lag"], p["seed"])
                    == (sweep_cell, sweep_task, sweep_lag, seed)), None)
    if button_column.button("Re-run this point live"):
        note = st.empty()
        steps = sweep["settings"]["steps"]
        try:
            live = workers.compute(rnnviz.experiments.run_point, sweep_cell, sweep_task, sweep_lag, steps, seed,
                                waiting=lambda seconds: note.info(f"Training {steps} steps on the server's "
                                                                  f"training workers: {seconds:.0f} s so far…"))
        except workers.TrainingFailed as error:
            note.warning(f"This point could not be re-run: {error}. Press the button again in a moment.")
            return
        note.empty()
        verdict = "solved" if live["solved"] else "did not solve"
        st.success(f"Live (seed {seed}): {verdict} it, final {live['metric']} {live['final_metric']:.4g} "
                   f"in {live['seconds']:.0f} s. The shipped result for this seed: "
                   + (f"final {shipped['metric']} {shipped['final_metric']:.4g}." if shipped else
                      f"none (the sweep ran seeds {', '.join(map(str, settings['seeds']))})."))
