"""How long a learner waits, in the browser, between moving a control and seeing the figure change.

    python -m bench.browser                 # every live view, 30 key presses each, a drag on each
    python -m bench.browser --class 60      # ... while 60 simulated students use the same server

Headless Chromium at 1366x768 on a fresh local server. For each live view's slider, key
presses alternate right and left; the time runs from the key's event to the first frame painted
after the view has redrawn (measured in the page: keydown, then the view's redraw, then
requestAnimationFrame). Then the slider's thumb is dragged across its track for two seconds with
the mouse: how many times a second the figure is redrawn, and how many page runs the server
did during the drag and after it ended. With --class, bench.load's students use the same server
throughout. A benchmark, not a test: it prints figures.
"""

import argparse
import statistics
import subprocess
import sys
import time

from harness.server import chromium, streamlit_server, wait_for_app, wait_until_warm

# (page, view index on the page, setting): the controls the issue names, one view at a time
CONTROLS = [
    ("hidden-state", 0, "t"), ("hidden-state", 0, "scale"),
    ("unrolled", 0, "radius"), ("unrolled", 0, "back"), ("unrolled", 1, "k"),
    ("vanishing", 0, "T"), ("vanishing", 0, "radius"), ("vanishing", 0, "fbias"),
    ("gates", 1, "t"),
    ("cliff", 0, "w0"), ("cliff", 0, "lr"), ("cliff", 0, "c"), ("cliff", 0, "step"),
]
LINKS = {"vanishing": "vanishing?cell=lstm", "cliff": "cliff?step=30"}  # where the control is enabled
TABS = {"gates": "One step, one unit"}  # the tab the view is in

WATCH = """() => {
    window.__latency = []; window.__runs = 0;
    document.addEventListener('keydown', () => { window.__pressed = performance.now(); }, true);
    for (const view of document.querySelectorAll('.rv')) {
        new MutationObserver(() => requestAnimationFrame(() => {
            if (window.__pressed === null) return;
            window.__latency.push(performance.now() - window.__pressed);
            window.__pressed = null;
        })).observe(view, { attributes: true, attributeFilter: ['data-redraws'] });
    }
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__runs++; })
        .observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
}"""


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def presses(page, view, setting, count):
    slider = page.locator(".rv").nth(view).locator(f'[data-setting="{setting}"] input[type=range]')
    slider.focus()
    page.evaluate("() => { window.__latency = []; window.__pressed = null; }")
    at_top = slider.evaluate("s => Number(s.value) >= Number(s.max)")  # then down first, not into the end
    for k in range(count):
        before = page.evaluate("() => window.__latency.length")
        slider.press("ArrowRight" if (k % 4 < 2) != at_top else "ArrowLeft")
        page.wait_for_function("n => window.__latency.length > n", arg=before, timeout=10_000)
    return page.evaluate("() => window.__latency")


def drag(page, view, setting, seconds=2.0):
    """The mouse drags the slider's thumb to the far end and back, in small steps: redraws a
    second, and page runs during the drag and after it."""
    slider = page.locator(".rv").nth(view).locator(f'[data-setting="{setting}"] input[type=range]')
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y, left, right = box["y"] + box["height"] / 2, box["x"] + 8, box["x"] + box["width"] - 8

    def count():
        return int(page.evaluate("i => document.querySelectorAll('.rv')[i].dataset.redraws", view))

    redraws, runs = count(), page.evaluate("() => window.__runs")
    page.mouse.move(left, y)
    page.mouse.down()
    start = time.perf_counter()
    steps, k = 60, 0
    while time.perf_counter() - start < seconds:
        fraction = (k % (2 * steps)) / steps
        page.mouse.move(left + (right - left) * (fraction if fraction <= 1 else 2 - fraction), y)
        k += 1
    elapsed = time.perf_counter() - start
    during = page.evaluate("() => window.__runs") - runs
    drawn = count() - redraws
    page.mouse.up()
    page.wait_for_timeout(1500)
    wait_for_app(page)
    return drawn / elapsed, during, page.evaluate("() => window.__runs") - runs - during


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--class", dest="students", type=int, default=0,
                        help="this many simulated students use the server meanwhile (bench.load)")
    args = parser.parse_args()
    with streamlit_server() as url, chromium() as browser:
        wait_until_warm(browser, url)
        crowd = None
        if args.students:
            crowd = subprocess.Popen([sys.executable, "-m", "bench.load", "--url", url, "--students",
                                      str(args.students), "--seconds", "3600"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(20)  # the class arrives before the measurements start
        try:
            print(f"{'view':<24} {'n':>3} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'redraws/s':>10} "
                  f"{'runs in drag':>13} {'runs after':>11}", flush=True)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            for path, view, setting in CONTROLS:
                page.goto(f"{url}/{LINKS.get(path, path)}")
                wait_for_app(page)
                if path in TABS:
                    page.get_by_role("tab", name=TABS[path]).click()
                page.evaluate(WATCH)
                waits = presses(page, view, setting, args.presses)
                rate, during, after = drag(page, view, setting)
                print(f"{path + ' ' + setting:<24} {len(waits):>3} {statistics.median(waits):>7.1f} "
                      f"{quantile(waits, 0.95):>7.1f} {max(waits):>7.1f} {rate:>10.1f} {during:>13} {after:>11}",
                      flush=True)
        finally:
            if crowd is not None:
                crowd.terminate()


if __name__ == "__main__":
    main()
