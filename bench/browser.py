"""How long a learner waits, in the browser, between moving a slider and seeing the chart change.

    python -m bench.browser            # hidden-state, unrolled and vanishing pages, 15 moves each

Headless Chromium on a fresh local server: the first slider of each page is moved with the
keyboard, and the time runs until the page's first chart holds new data (the server's rerun,
the websocket, the figure's size on the wire, and the browser's redraw, all included). Prints
p50/p95/max per page and the size of the page's charts as sent. A benchmark, not a test.
"""

import argparse
import statistics
import time

from harness.server import chromium, streamlit_server, wait_for_app

PAGES = ("hidden-state", "unrolled", "vanishing")


def chart_data(page):
    return page.evaluate("() => { const p = document.querySelector('.js-plotly-plot');"
                         " return p ? JSON.stringify(p.data) : ''; }")


def measure(page, moves):
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    waits = []
    for k in range(moves):
        before = chart_data(page)
        start = time.perf_counter()
        thumb.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
        page.wait_for_function("old => { const p = document.querySelector('.js-plotly-plot');"
                               " return p && JSON.stringify(p.data) !== old; }", arg=before, timeout=60_000)
        waits.append(time.perf_counter() - start)
        wait_for_app(page)
    return waits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=15)
    args = parser.parse_args()
    print(f"{'page':<14} {'n':>3} {'p50 s':>6} {'p95 s':>6} {'max s':>6} {'charts kB':>10}")
    with streamlit_server() as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for name in PAGES:
            page.goto(f"{url}/{name}")
            wait_for_app(page)
            size = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                                 ".reduce((n, p) => n + JSON.stringify(p.data).length"
                                 " + JSON.stringify(p.layout).length, 0)")
            waits = measure(page, args.moves)
            p95 = statistics.quantiles(waits, n=20, method="inclusive")[-1] if len(waits) > 1 else waits[0]
            print(f"{name:<14} {len(waits):>3} {statistics.median(waits):>6.2f} {p95:>6.2f} "
                  f"{max(waits):>6.2f} {size / 1024:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
