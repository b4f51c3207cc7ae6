"""Experiments whose results ship with rnnviz, each reproducible from the command line.

    python -m rnnviz.experiments lag-sweep       # writes rnnviz/data/lag_sweep.json (~15 min)
    python -m rnnviz.experiments lag-sweep --lags 5 10 --steps 200 --seeds 0 --out /tmp/s.json
    python -m rnnviz.experiments checkpoints     # writes rnnviz/data/checkpoints.npz (~1 min)

lag-sweep: how long can each cell remember? Every cell is trained on the adding and copy
tasks at each sequence length (the lag between the signal and the answer), from several
seeds, with the lab's settings (the LSTM's forget-gate bias included). A run counts as
solved when its metric, averaged over the last WINDOW steps, is at the task's `solved`
level; its steps-to-solve is the first step at which that average got there.
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
SEEDS = (0, 1, 2)
STEPS = 3000
WINDOW = 50
SETTINGS = dict(hidden_size=32, batch_size=32, lr=1e-2, optimizer="adam", clip=("norm", 1.0))


def run_point(cell, task_name, lag, steps, seed=0, progress=None):
    """Train one cell on one task at one lag; the result as a plain dict."""
    import torch

    import rnnviz

    torch.set_num_threads(1)
    task = rnnviz.tasks.get(task_name, seq_len=lag)
    model = rnnviz.Model(cell, task.input_size, SETTINGS["hidden_size"], task.output_size, seed=seed,
                         forget_bias=rnnviz.model.LSTM_FORGET_BIAS if cell == "lstm" else None)
    start = time.perf_counter()
    history = rnnviz.train(model, task, steps=steps, lr=SETTINGS["lr"], optimizer=SETTINGS["optimizer"],
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
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_point, *zip(*points)))
    results.sort(key=lambda r: (TASKS.index(r["task"]), r["lag"], CELLS.index(r["cell"]), r["seed"]))
    return {"experiment": "lag-sweep",
            "settings": {**SETTINGS, "clip": list(SETTINGS["clip"]), "steps": steps, "seeds": list(seeds),
                         "window": WINDOW, "lstm_forget_bias": _forget_bias()},
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


def _forget_bias():
    from rnnviz.model import LSTM_FORGET_BIAS

    return LSTM_FORGET_BIAS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnviz.experiments", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sweep = commands.add_parser("lag-sweep", help="success against lag for RNN, LSTM and GRU")
    sweep.add_argument("--cells", nargs="+", default=list(CELLS), choices=CELLS)
    sweep.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    sweep.add_argument("--lags", nargs="+", type=int, default=list(LAGS))
    sweep.add_argument("--steps", type=int, default=STEPS, help="training steps per point")
    sweep.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    sweep.add_argument("--workers", type=int, default=2, help="processes (one torch thread each)")
    sweep.add_argument("--out", type=Path, default=DEFAULT_OUT)
    made = commands.add_parser("checkpoints", help="the trained networks the gates page shows")
    from rnnviz import checkpoints

    made.add_argument("--out", type=Path, default=checkpoints.DEFAULT_PATH)
    args = parser.parse_args(argv)
    if not args.out.parent.is_dir():
        parser.error(f"cannot write {args.out}: {args.out.parent} is not a folder")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.command == "checkpoints":
        import torch

        torch.set_num_threads(1)
        meta = checkpoints.make(args.out)
        print(json.dumps(meta["scores"], indent=1), file=sys.stderr)
        print(f"wrote {args.out}", file=sys.stderr)
        return
    if any(not 1 <= lag <= 1000 for lag in args.lags) or args.steps < 1:
        parser.error("lags must be from 1 to 1000 and steps at least 1")
    from rnnviz.export import write_atomic

    data = lag_sweep(args.cells, args.tasks, args.lags, args.steps, args.seeds, args.workers)
    write_atomic(args.out, json.dumps(data, indent=1))
    print(f"wrote {len(data['results'])} points to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
