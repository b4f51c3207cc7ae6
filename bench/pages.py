"""Server-side time of one script run per page, at default settings, after a setting moved.

    python -m bench.pages

Uses Streamlit's AppTest, so the figure includes its small overhead; caches are warm,
as they are for every learner after the first. Prints medians; not a pass/fail test.
"""

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from harness.apptest import open_page  # noqa: E402

MOVES = {"hidden": ("hidden.t", [2, 3]), "unrolled": ("unrolled.back", [4, 8]),
         "vanishing": ("vanishing.H", [31, 32]), "gates": ("gates.t", [5, 1])}


def main():
    print(f"{'page':<10} {'rerun ms (median of 10)':>24} {'max ms':>8}")
    for name, (key, values) in MOVES.items():
        at = open_page(name)
        times = []
        for k in range(10):
            start = time.perf_counter()
            # the setting as a live view's state sets it when a move ends (its slider is in the browser)
            at.session_state[key] = values[k % 2]
            at.run()
            times.append(1e3 * (time.perf_counter() - start))
        print(f"{name:<10} {statistics.median(times):>24.0f} {max(times):>8.0f}", flush=True)


if __name__ == "__main__":
    main()
