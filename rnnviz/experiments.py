"""Experiments whose results ship with rnnviz, each reproducible from the command line.

    python -m rnnviz.experiments lag-sweep                 # writes rnnviz/data/lag_sweep.json
    python -m rnnviz.experiments lag-sweep --lags 5 10 --steps 200 --out /tmp/sweep.json

lag-sweep: how long can each cell remember? Every cell is trained on the adding and copy
tasks at each sequence length (the lag between the signal and the answer), from the same
seed, and counts as a success when its metric reaches the task's `solved` level.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "lag_sweep.json"
CELLS = ("rnn", "lstm", "gru")
TASKS = ("adding", "copy")
LAGS = (5, 10, 20, 50, 100)
SETTINGS = dict(hidden_size=32, batch_size=32, lr=1e-2, optimizer="adam", clip=("norm", 1.0))


def run_point(cell, task_name, lag, steps, seed=0, progress=None):
    """Train one cell on one task at one lag; the result as a plain dict."""
    import torch

    import rnnviz

    torch.set_num_threads(1)
    task = rnnviz.tasks.get(task_name, seq_len=lag)
    model = rnnviz.Model(cell, task.input_size, SETTINGS["hidden_size"], task.output_size, seed=seed)
    start = time.perf_counter()
    history = rnnviz.train(model, task, steps=steps, lr=SETTINGS["lr"], optimizer=SETTINGS["optimizer"],
                           clip=SETTINGS["clip"], batch_size=SETTINGS["batch_size"], seed=seed,
                           progress=progress)
    solved = history.solved_step(task)
    final = history.metric(task)[-10:].mean() if history.steps_done else float("nan")
    return {"cell": cell, "task": task_name, "lag": lag, "steps": steps, "seed": seed,
            "solved": solved is not None, "solved_at": solved, "final_metric": float(final),
            "metric": task.metric, "threshold": task.solved, "seconds": round(time.perf_counter() - start, 2)}


def lag_sweep(cells=CELLS, tasks=TASKS, lags=LAGS, steps=1500, seed=0, workers=2):
    points = [(c, t, lag, steps, seed) for t in tasks for lag in lags for c in cells]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_point, *zip(*points)))
    return {"experiment": "lag-sweep", "settings": {**SETTINGS, "clip": list(SETTINGS["clip"]),
                                                    "steps": steps, "seed": seed},
            "reference": "Hochreiter & Schmidhuber (1997): LSTM solved the adding problem at "
                         "lags of 100 and more, where BPTT-trained RNNs failed.",
            "results": results}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnviz.experiments", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sweep = commands.add_parser("lag-sweep", help="success against lag for RNN, LSTM and GRU")
    sweep.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    sweep.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    sweep.add_argument("--lags", nargs="+", type=int, default=list(LAGS))
    sweep.add_argument("--steps", type=int, default=1500, help="training steps per point")
    sweep.add_argument("--seed", type=int, default=0)
    sweep.add_argument("--workers", type=int, default=2, help="processes (one torch thread each)")
    sweep.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if any(not 1 <= lag <= 1000 for lag in args.lags) or args.steps < 1:
        parser.error("lags must be from 1 to 1000 and steps at least 1")
    if not args.out.parent.is_dir():
        parser.error(f"cannot write {args.out}: {args.out.parent} is not a folder")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    data = lag_sweep(args.cells, args.tasks, args.lags, args.steps, args.seed, args.workers)
    partial = args.out.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=1))
    partial.replace(args.out)  # nothing half-written if this is interrupted
    print(f"wrote {len(data['results'])} points to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
