"""record() against PyTorch's fused modules, and the default training run.

    python -m bench.engine            # the full table (a few minutes)
    python -m bench.engine --quick    # T=100 and 500 at H=32, B=32 only

Prints medians of repeated runs (the two sides of a comparison called in turn), one torch
thread, as a table; not a pass/fail test.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

import rnnviz  # noqa: E402

torch.set_num_threads(1)
INPUT_SIZE = 4


def median_ms(*fns, repeats):
    """Each function's median time in ms, called in turn, so that a drift in the machine's
    speed (this one's is large) falls on all of them alike."""
    times = [[] for _ in fns]
    for fn in fns:
        fn()  # warm up
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times):
            start = time.perf_counter()
            fn()
            fn_times.append(time.perf_counter() - start)
    return [1e3 * statistics.median(fn_times) for fn_times in times]


def compare(cell, seq_len, hidden, batch, repeats):
    model = rnnviz.Model(cell, INPUT_SIZE, hidden, 1, seed=0)
    module, head = model.to_torch()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, seq_len, INPUT_SIZE, generator=gen)
    y = torch.randn(batch, 1, generator=gen)

    def fused():
        inputs = x.clone().requires_grad_()
        out, _ = module(inputs)
        torch.nn.functional.mse_loss(head(out[:, -1]), y).backward()

    def recorded():
        rnnviz.record(model, x, y, "mse", "last")

    return median_ms(fused, recorded, repeats=repeats)


def default_training_run():
    task = rnnviz.tasks.get("sine", seq_len=50)

    def run():
        rnnviz.train(rnnviz.Model("lstm", 1, 32, 1, seed=0), task, steps=300, lr=1e-2,
                     batch_size=32, seed=0, record_every=20)

    return median_ms(run, repeats=3)[0] / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the targets' sizes")
    args = parser.parse_args()
    if args.quick:
        grid = [(T, 32, 32) for T in (100, 500)]
    else:
        grid = [(T, H, B) for T in (20, 100, 500) for H in (16, 64) for B in (1, 32)] \
            + [(T, 32, 32) for T in (100, 500)]
    print(f"{'cell':<5} {'T':>4} {'H':>3} {'B':>3} {'fused ms':>9} {'record ms':>10} {'ratio':>6}")
    for cell in rnnviz.cells.CELLS:
        for T, H, B in grid:
            fused, recorded = compare(cell, T, H, B, repeats=21 if T < 500 else 11)
            print(f"{cell:<5} {T:>4} {H:>3} {B:>3} {fused:>9.2f} {recorded:>10.2f} "
                  f"{recorded / fused:>6.2f}", flush=True)
    print(f"\ndefault training run (sine, LSTM, H=32, T=50, batch 32, 300 steps, "
          f"a Trace every 20): {default_training_run():.2f} s")


if __name__ == "__main__":
    main()
