"""The engine from the command line (`rnnviz`, or `python -m rnnviz`).

    rnnviz record --cell lstm --task adding --seq-len 50 --out trace.npz
    rnnviz train  --cell gru --task sine --steps 300 --out history.csv
    python -m rnnviz lag-sweep      # remakes the shipped rnnviz/data/lag_sweep.json (~25 min)
    python -m rnnviz checkpoints    # remakes the shipped rnnviz/data/checkpoints.npz (~1 min)

The last two from the clone's folder: `python -m` imports the clone's rnnviz there, so they write
into its rnnviz/data/ (the `rnnviz` command imports the installed copy and would write there).

`record` writes the Trace as .npz plus its settings as .json beside it; `train` writes
the History as CSV (and, with --trace, the trained model's Trace). Nothing is left
half-written if a run fails.
"""

import argparse
import os
import sys
from pathlib import Path

from rnnviz import experiments
from rnnviz.cells import CELLS


def _parser():
    from rnnviz import checkpoints, tasks

    parser = argparse.ArgumentParser(prog="rnnviz", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="{record,train,lag-sweep,checkpoints}")
    for name, help_text in (("record", "one forward and backward pass, every intermediate kept"),
                            ("train", "train a model and keep its history")):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--cell", choices=CELLS, default="rnn", help="recurrent cell (default rnn)")
        sub.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh",
                         help="f of the vanilla RNN (default tanh)")
        sub.add_argument("--bidirectional", action="store_true")
        sub.add_argument("--task", choices=tasks.NAMES, default="adding", help="toy task (default adding)")
        sub.add_argument("--seq-len", type=int, default=50, help="sequence length T, 1..1000 (default 50)")
        sub.add_argument("--hidden-size", type=int, default=16, help="(default 16)")
        sub.add_argument("--spectral-radius", type=float, default=None,
                         help="rescale W_h's blocks to this spectral radius")
        sub.add_argument("--batch-size", type=int, default=8 if name == "record" else 32)
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--out", required=True, help="output file (.npz for record, .csv for train)")
        if name == "train":
            sub.add_argument("--steps", type=int, default=300)
            sub.add_argument("--lr", type=float, default=1e-2)
            sub.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
            sub.add_argument("--clip", choices=("none", "norm", "value"), default="none")
            sub.add_argument("--clip-threshold", type=float, default=1.0)
            sub.add_argument("--tbptt", type=int, default=None, help="truncated BPTT window")
            sub.add_argument("--dropout", type=float, default=0.0)
            sub.add_argument("--trace", help="also write the trained model's Trace to this .npz")
            sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep = commands.add_parser("lag-sweep", help="success against lag for RNN, LSTM and GRU",
                                description=experiments.__doc__.split("\n\n")[-1])
    sweep.add_argument("--cells", nargs="+", default=list(experiments.CELLS), choices=experiments.CELLS)
    sweep.add_argument("--tasks", nargs="+", default=list(experiments.TASKS), choices=experiments.TASKS)
    sweep.add_argument("--lags", nargs="+", type=int, default=list(experiments.LAGS))
    sweep.add_argument("--steps", type=int, default=experiments.STEPS, help="training steps per point")
    sweep.add_argument("--seeds", nargs="+", type=int, default=list(experiments.SEEDS))
    sweep.add_argument("--workers", type=int, default=2, help="processes (one torch thread each)")
    sweep.add_argument("--out", type=Path, default=experiments.DEFAULT_OUT)
    made = commands.add_parser("checkpoints", help="the trained networks the gates page shows")
    made.add_argument("--out", type=Path, default=checkpoints.DEFAULT_PATH)
    return parser


def _progress_bar(total, stream):
    def show(step, loss, history):
        done = (step + 1) / total
        bar = "#" * int(30 * done)
        stream.write(f"\r[{bar:<30}] step {step + 1}/{total}  loss {loss:.4g}")
        if step + 1 == total:
            stream.write("\n")
        stream.flush()
    return show


def run(args, stdout=sys.stdout, stderr=sys.stderr):
    import torch

    import rnnviz
    from rnnviz import export

    torch.set_num_threads(1)
    if args.command in ("lag-sweep", "checkpoints"):
        return _experiment(args, stdout)

    task = rnnviz.tasks.get(args.task, seq_len=args.seq_len)
    model = rnnviz.Model(args.cell, task.input_size, args.hidden_size, task.output_size,
                         nonlinearity=args.nonlinearity, bidirectional=args.bidirectional,
                         seed=args.seed, spectral_radius=args.spectral_radius)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "trace", "quiet")}
    if args.command == "record":
        x, y = task.sample(args.batch_size, torch.Generator().manual_seed(args.seed))
        trace = rnnviz.record(model, x, y, loss=task.loss, target=task.target)
        path = export.save_trace(trace, args.out, settings)
        print(f"wrote {path} and {path.with_suffix('.json')} (loss {trace.loss:.6g})", file=stdout)
        return 0
    clip = None if args.clip == "none" else (args.clip, args.clip_threshold)
    progress = None if args.quiet else _progress_bar(args.steps, stderr)
    history = rnnviz.train(model, task, steps=args.steps, lr=args.lr, optimizer=args.optimizer,
                           clip=clip, tbptt=args.tbptt, dropout=args.dropout,
                           batch_size=args.batch_size, seed=args.seed, progress=progress)
    if history.diverged_at is not None:
        print(f"\ndiverged at step {history.diverged_at + 1}: {history.diverged_reason}; "
              "try a smaller --lr or --clip norm", file=stderr)
    path = export.write_atomic(args.out, export.history_csv(history))
    print(f"wrote {path} ({history.steps_done} steps, final loss "
          f"{history.loss[-1] if history.steps_done else float('nan'):.6g})", file=stdout)
    if args.trace:
        x, y = task.sample(8, torch.Generator().manual_seed(args.seed + 1))
        trace = rnnviz.record(model, x, y, loss=task.loss, target=task.target)
        print(f"wrote {export.save_trace(trace, args.trace, settings)}", file=stdout)
    return 0


def _experiment(args, stdout):
    import json

    from rnnviz import checkpoints, export, reproducible

    if not args.out.parent.is_dir():
        raise ValueError(f"cannot write {args.out}: {args.out.parent} is not a folder")
    if args.command == "checkpoints":
        with reproducible.process_pool(1) as pool:  # the shipped file: the same on every machine
            meta = pool.submit(checkpoints.make, args.out).result()
        print(json.dumps(meta["scores"], indent=1), file=stdout)
        print(f"wrote {args.out}", file=stdout)
        return 0
    if any(not 1 <= lag <= 1000 for lag in args.lags) or args.steps < 1:
        raise ValueError("lags must be from 1 to 1000 and steps at least 1")
    data = experiments.lag_sweep(args.cells, args.tasks, args.lags, args.steps, args.seeds, args.workers)
    export.write_atomic(args.out, json.dumps(data, indent=1))
    print(f"wrote {len(data['results'])} points to {args.out}", file=stdout)
    return 0


def main(argv=None):
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch starts
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ValueError as error:  # the engine's own messages say what was wrong
        parser.exit(2, f"{parser.prog} {args.command}: error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
