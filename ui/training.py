"""Training for the pages: the lab's runs (train_all, which ui/runs.py runs on a Dask worker,
so nothing here draws), and the server-wide slots that the course pages' short trainings take.
"""

import os
import threading
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd
import torch

import rnnviz
from rnnviz.model import CELL_LABELS, LSTM_FORGET_BIAS

# Trainings at once on this server; the rest wait their turn. One core stays free for the
# slider reruns of everyone else (measured with bench/load.py: two trainings on a 2-core
# box pushed the p95 of a slider rerun from ~3 s to ~5 s).
MAX_CONCURRENT = max(1, (os.cpu_count() or 2) - 1)
BATCH_SIZE = 32
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_waiting = [0]
_waiting_lock = threading.Lock()


@contextmanager
def training_slot(status):
    """Wait (visibly, and interruptibly) for one of the server's training slots."""
    with _waiting_lock:
        _waiting[0] += 1
    try:
        while not _slots.acquire(timeout=0.25):
            status.info(f"Queued: the server trains {MAX_CONCURRENT} models at a time and "
                        f"{_waiting[0]} {'is' if _waiting[0] == 1 else 'are'} waiting. "
                        "This starts by itself.")
    finally:
        with _waiting_lock:
            _waiting[0] -= 1
    try:
        status.empty()
        yield
    finally:
        _slots.release()


@contextmanager
def short_training():
    """The slot for the short trainings the course pages run under a spinner (cache misses
    only): they share the limit with the lab, so a class moving sliders never trains more
    than MAX_CONCURRENT models at once and the rest of the server stays responsive."""
    with _slots:
        yield


def build(cell_choice, task, settings):
    return rnnviz.Model.from_choice(cell_choice, task.input_size, settings["H"], task.output_size,
                                    forget_bias=LSTM_FORGET_BIAS, seed=settings["seed"],
                                    bidirectional=settings["bi"] and task.allows_bidirectional)


def label(cell_choice, model):
    return CELL_LABELS[cell_choice] + (" bidirectional" if model.bidirectional else "")


def train_all(settings, store, publish=None, keep_going=None, every=0.25):
    """Train every chosen cell in turn on the same data and seed; keep the results (plain
    arrays and numpy weights) in `store` as they come. Every `every` seconds publish(progress)
    gets the losses so far, and a keep_going() that returns False stops the run, which then
    keeps what was learned (store["finished"] stays False)."""
    task = rnnviz.tasks.get(settings["task"], seq_len=settings["T"])
    cells = settings["cells"]
    result = store.setdefault("runs", {})
    store["finished"] = False
    clip = None if settings["clip"] == "none" else (settings["clip"], settings["c"])
    stopped = False
    for index, cell_choice in enumerate(cells):
        model = build(cell_choice, task, settings)
        name = label(cell_choice, model)
        last_publish = [0.0]

        def progress(step, loss, history, index=index, name=name):
            now = time.monotonic()
            if now - last_publish[0] < every and step + 1 != settings["steps"]:
                return True
            last_publish[0] = now
            result[name] = summary(history, model=None)
            if publish is not None:
                publish({"runs": {n: {k: r[k] for k in CURVES} for n, r in result.items()}, "network": name,
                         "index": index, "cells": len(cells), "step": step + 1, "steps": settings["steps"],
                         "loss": loss})
            return keep_going is None or keep_going()

        hist = rnnviz.train(model, task, steps=settings["steps"], lr=settings["lr"],
                            optimizer=settings["opt"], clip=clip, tbptt=settings["k"] or None,
                            dropout=settings["drop"], batch_size=BATCH_SIZE, seed=settings["seed"],
                            record_every=max(settings["steps"] // 4, 1), progress=progress)
        result[name] = summary(hist, model)
        if hist.stopped_early:
            stopped = True
            break
    store["finished"] = not stopped
    return store


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
    model.params = {name: torch.from_numpy(value) for name, value in (params or saved["params"]).items()}
    return model
