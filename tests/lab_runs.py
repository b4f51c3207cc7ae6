"""The training lab's runs for tests/test_claims.py, trained exactly as the lab trains them, in a
pool of processes (two cores: two seeds at a time). Each run returns plain numbers, what the
page shows of it: when it reached the task's solved level, where it ended, its held-out score."""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import torch

import rnnviz
from ui import training
from ui.settings import defaults

WORKERS = 2


def pool():
    """New processes, which inherit this one's environment (ATEN_CPU_CAPABILITY included)."""
    return ProcessPoolExecutor(max_workers=WORKERS, mp_context=get_context("spawn"))


def settings(seed, changes):
    return defaults("lab") | {"seed": seed} | dict(changes)


def lab_run(cell_choice, seed, changes=(), until_solved=False):
    """One network of the lab at its defaults changed by `changes` ((name, value) pairs);
    until_solved: stop once it has reached the task's solved level (its solved step is all the
    caller reads, and every step after it would be the same)."""
    torch.set_num_threads(1)
    s = settings(seed, changes)
    task = rnnviz.tasks.get(s["task"], seq_len=s["T"])
    model = training.build(cell_choice, task, s)

    def unsolved(step, loss, history):
        return step % 10 or history.solved_step(task) is None

    history = rnnviz.train(model, task, steps=s["steps"], lr=s["lr"], optimizer=s["opt"],
                           clip=None if s["clip"] == "none" else (s["clip"], s["c"]),
                           tbptt=s["k"] or None, dropout=s["drop"], batch_size=training.BATCH_SIZE,
                           seed=s["seed"], progress=unsolved if until_solved else None)
    return {"solved_step": history.solved_step(task), "solved_at_end": history.solved_at_end(task),
            "final": history.final_metric(task), "diverged_at": history.diverged_at,
            "finite": bool(np.isfinite(history.loss).all()), "held_out": held_out(task, model, seed),
            "steps": s["steps"]}


def held_out(task, model, seed):
    """The page's held-out score: accuracy (classes) or MSE on 256 new sequences."""
    x, y = task.sample(256, torch.Generator().manual_seed(seed + 1000))
    trace = rnnviz.record(model, x, y, task.loss, task.target)
    return float((trace.outputs.argmax(-1) == trace.targets).mean()) if task.loss == "ce" else float(trace.loss)
