"""The lab's runs: train_all, which ui/runs.py runs on a training worker, so nothing here draws;
and what the page needs to show a finished run (summaries, rebuilt models, the live chart's rows).
"""

import threading
import time

import numpy as np
import pandas as pd
import torch

import rnnviz
from rnnviz.model import CELL_LABELS, LSTM_FORGET_BIAS

BATCH_SIZE = 32


def build(cell_choice, task, settings):
    return rnnviz.Model.from_choice(cell_choice, task.input_size, settings["H"], task.output_size,
                                    forget_bias=LSTM_FORGET_BIAS, seed=settings["seed"],
                                    bidirectional=settings["bi"] and task.allows_bidirectional)


def label(cell_choice, model):
    return CELL_LABELS[cell_choice] + (" bidirectional" if model.bidirectional else "")


def train_all(settings, store, publish=None, keep_going=None, every=0.25, start=None, until=None):
    """Train every chosen cell at once, a race: one thread each, taking turns on the worker's
    core, all on the same data and seed (each run is deterministic whatever the turns). The
    results (plain arrays and numpy weights) go into `store` as they come. Every `every`
    seconds publish(progress) gets every network's losses so far; a keep_going() that returns
    False stops every network, each keeping what it learned (store["finished"] stays False).

    The lab's Pause, Step and Resume: `until` stops every network after that many steps (of the
    settings' steps), and `start` ({network: what store["paused"] held}) goes on from a pause;
    both give exactly the numbers of the whole run (rnnviz.train's resume). A run that ends
    before the settings' last step leaves store["paused"] = {network: checkpoint and snapshots}."""
    task = rnnviz.tasks.get(settings["task"], seq_len=settings["T"])
    result = store.setdefault("runs", {})
    store["finished"] = False
    steps = settings["steps"] if until is None else min(int(until), settings["steps"])
    record_every = max(settings["steps"] // 4, 1)
    clip = None if settings["clip"] == "none" else (settings["clip"], settings["c"])
    models = {}
    for cell_choice in settings["cells"]:
        model = build(cell_choice, task, settings)
        models[label(cell_choice, model)] = model
    racing = {name: None for name in models}  # name -> its History so far (views that grow)
    paused = {}
    lock, stop, failures = threading.Lock(), threading.Event(), []
    last_publish = [0.0]

    def progress(name, step, history):
        racing[name] = history
        now = time.monotonic()
        with lock:
            if now - last_publish[0] >= every or step + 1 == steps:
                last_publish[0] = now
                _publish_race(racing, settings["steps"], result, publish)
                if keep_going is not None and not keep_going():
                    stop.set()
        return not stop.is_set()

    def race(name):
        try:
            earlier = (start or {}).get(name)
            history = rnnviz.train(
                models[name], task, steps=steps, lr=settings["lr"], optimizer=settings["opt"],
                clip=clip, tbptt=settings["k"] or None, dropout=settings["drop"], batch_size=BATCH_SIZE,
                seed=settings["seed"], record_every=record_every,
                progress=lambda step, loss, history: progress(name, step, history),
                resume=None if earlier is None else earlier["checkpoint"])
            with lock:
                result[name] = summary(history, models[name])
                if earlier is not None:  # the snapshots before the pause, where the whole run takes them
                    result[name]["snapshots"] = {
                        **{k: v for k, v in earlier["snapshots"].items() if k % record_every == 0},
                        **result[name]["snapshots"]}
                if history.checkpoint is not None and history.steps_done < settings["steps"]:
                    paused[name] = {"checkpoint": history.checkpoint, "snapshots": result[name]["snapshots"]}
        except BaseException as error:  # noqa: BLE001 - raised again in the task's own thread
            failures.append(error)
            stop.set()

    threads = [threading.Thread(target=race, args=(name,), name=f"rnnviz-race-{name}") for name in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    store["runs"] = {name: result[name] for name in models}  # in the order chosen, whoever finished first
    store["finished"] = not stop.is_set()
    store["paused"] = paused if store["finished"] and len(paused) == len(models) else None
    return store


def paused_step(paused):
    """The step a pause (store["paused"]) holds every network at, or 0 for no pause: the
    networks pause together."""
    return next(iter(paused.values()))["checkpoint"]["step"] if paused else 0


def _publish_race(racing, steps, result, publish):
    for name, history in racing.items():
        if history is not None and "model" not in result.get(name, {}):
            result[name] = summary(history, model=None)
    if publish is not None:
        done = {name: len(history.loss) if history is not None else 0 for name, history in racing.items()}
        leader = max(done, key=done.get)
        publish({"runs": {n: {k: result[n][k] for k in CURVES} for n in racing if n in result},  # in chosen order
                 "done": sum(done.values()) / (len(done) * steps), "step": done[leader], "steps": steps,
                 "networks": list(racing)})


def live_rows(runs, most=400):
    """The live chart's data: every network's loss so far, thinned to at most `most` points
    each (a 2000-step run would otherwise send 2000 rows a redraw); non-finite and zero
    losses left out, as a log axis cannot draw them."""
    frames = []
    for name, run in runs.items():
        loss = run["loss"]
        keep = np.unique(np.linspace(0, len(loss) - 1, min(len(loss), most)).astype(int)) if len(loss) else []
        frame = pd.DataFrame({"step": np.asarray(keep) + 1, "network": name, "loss": loss[keep]})
        frames.append(frame[np.isfinite(frame["loss"]) & (frame["loss"] > 0)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"step": [], "network": [], "loss": []})


CURVES = ("loss", "grad_norm", "clipped_grad_norm", "accuracy", "diverged_at", "diverged_reason")


def summary(history, model):
    """What the page shows of one run: arrays, the weights as numpy, snapshots' weights."""
    out = {"loss": np.array(history.loss), "grad_norm": np.array(history.grad_norm),
           "clipped_grad_norm": np.array(history.clipped_grad_norm),
           "accuracy": None if history.accuracy is None else np.array(history.accuracy),
           "diverged_at": history.diverged_at, "diverged_reason": history.diverged_reason}
    if model is not None:
        out["history"] = history_without_traces(history)
        out["model"] = {"cell": model.cell, "nonlinearity": model.nonlinearity,
                        "bidirectional": model.bidirectional, "hidden_size": model.hidden_size,
                        "params": model.numpy_params()}
        out["snapshots"] = {step: trace.params for step, trace in history.traces.items()}
    return out


def history_without_traces(history):
    return rnnviz.History(history.loss, history.grad_norm, history.clipped_grad_norm,
                          history.accuracy, {}, history.diverged_at, history.diverged_reason,
                          history.stopped_early)


def rebuild(task, saved, params=None):
    """A Model with saved weights (numpy) for evaluation on the page."""
    model = rnnviz.Model(saved["cell"], task.input_size, saved["hidden_size"], task.output_size,
                         nonlinearity=saved["nonlinearity"], bidirectional=saved["bidirectional"])
    # a copy: the saved arrays are shared between sessions and read-only
    model.params = {name: torch.tensor(value) for name, value in (params or saved["params"]).items()}
    return model
