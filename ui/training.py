"""The lab's runs: train_all, which ui/runs.py runs on a training worker, so nothing here draws;
and what the page needs to show a finished run (summaries, rebuilt models, the live chart's rows).
"""

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
