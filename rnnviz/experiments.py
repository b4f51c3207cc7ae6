"""Experiments whose results ship with rnnviz, each reproducible from the command line.

    python -m rnnviz lag-sweep       # writes rnnviz/data/lag_sweep.json (~25 min on 2 cores)
    python -m rnnviz lag-sweep --lags 5 10 --steps 200 --seeds 0 --out /tmp/s.json
    python -m rnnviz checkpoints     # writes rnnviz/data/checkpoints.npz (~1 min): see checkpoints.py

lag-sweep: how long can each cell remember? Every cell is trained on the adding and copy
tasks at each sequence length (the lag between the signal and the answer), from several
seeds, with the settings below (the LSTM's forget-gate bias as in the lab), in processes that
run the portable kernels (rnnviz/reproducible.py), so re-running a point on any x86-64
machine, or live from the lab page, gives the shipped numbers to the last digit. A run counts as
solved when its metric, averaged over the last WINDOW steps, is at the task's `solved`
level; its steps-to-solve is the first step at which that average got there.
"""

import statistics
import time
from pathlib import Path

import torch

from . import reproducible
from .cells import CELLS as CELL_SPECS
from .model import LSTM_FORGET_BIAS, Model, cell_label
from .tasks import get as get_task
from .train import train

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "lag_sweep.json"
CELLS = tuple(CELL_SPECS)
TASKS = ("adding", "copy")
LAGS = (5, 10, 20, 50, 100)
SEEDS = (0, 1, 2, 3, 4)
STEPS = 3000
WINDOW = 50
SETTINGS = dict(hidden_size=32, batch_size=32, lr=1e-2, optimizer="adam", clip=("norm", 1.0))


def run_point(cell, task_name, lag, steps, seed=0, progress=None):
    """Train one cell on one task at one lag; the result as a plain dict."""
    torch.set_num_threads(1)  # one core per worker process
    task = get_task(task_name, seq_len=lag)
    model = Model(cell, task.input_size, SETTINGS["hidden_size"], task.output_size, seed=seed,
                  forget_bias=LSTM_FORGET_BIAS if cell == "lstm" else None)
    start = time.perf_counter()
    history = train(model, task, steps=steps, lr=SETTINGS["lr"], optimizer=SETTINGS["optimizer"],
                           clip=SETTINGS["clip"], batch_size=SETTINGS["batch_size"], seed=seed,
                           progress=progress)
    final = history.final_metric(task, WINDOW)
    return {"cell": cell, "task": task_name, "lag": lag, "steps": steps, "seed": seed,
            "solved": history.solved_at_end(task, WINDOW), "solved_at": history.solved_step(task, WINDOW),
            "final_metric": final, "metric": task.metric, "threshold": task.solved,
            "seconds": round(time.perf_counter() - start, 2)}


def lag_sweep(cells=CELLS, tasks=TASKS, lags=LAGS, steps=STEPS, seeds=SEEDS, workers=2):
    # longest first, so the pool is not left waiting on one slow point at the end
    points = sorted(((c, t, lag, steps, s) for t in tasks for lag in lags for c in cells for s in seeds),
                    key=lambda p: -p[2])
    with reproducible.process_pool(workers) as pool:
        results = list(pool.map(run_point, *zip(*points)))
    results.sort(key=lambda r: (TASKS.index(r["task"]), r["lag"], CELLS.index(r["cell"]), r["seed"]))
    return {"experiment": "lag-sweep",
            "settings": {**SETTINGS, "clip": list(SETTINGS["clip"]), "steps": steps, "seeds": list(seeds),
                         "window": WINDOW, "lstm_forget_bias": LSTM_FORGET_BIAS},
            "reference": "Hochreiter & Schmidhuber (1997) report the LSTM solving the adding problem "
                         "at lags of 100 and more, after far more training than this.",
            "results": results}


def longest_solved(sweep, task_name, cell):
    """The longest lag at which most seeds of `cell` solved `task_name`, or None."""
    by_lag = {}
    for point in sweep["results"]:
        if (point["task"], point["cell"]) == (task_name, cell):
            by_lag.setdefault(point["lag"], []).append(point["solved"])
    return max((lag for lag, solved in by_lag.items() if 2 * sum(solved) > len(solved)), default=None)


def steps_to_solve(sweep):
    """One row per task and cell: at each lag, the median steps to solve over the seeds that
    solved it, with how many did ("640 (3/3)"), or "—" where none did."""
    rows = []
    for task_name in TASKS:
        for cell in CELLS:
            row = {"task": task_name, "cell": cell_label(cell)}
            for lag in sorted({p["lag"] for p in sweep["results"]}):
                points = [p for p in sweep["results"] if (p["task"], p["cell"], p["lag"]) == (task_name, cell, lag)]
                solved = [p["solved_at"] for p in points if p["solved"]]
                row[f"lag {lag}"] = (f"{statistics.median(solved):.0f} ({len(solved)}/{len(points)})"
                                     if solved else "—")
            rows.append(row)
    return rows
