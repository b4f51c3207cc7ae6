"""Start the real app (`streamlit run app.py`) on a free loopback port, and a headless
Chromium driven by Playwright, for the browser tests and for looking at pages."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from ui.pages import COURSE

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {page.settings or "home": page.url_path for page in COURSE}  # name -> its address


def require_chromium():
    """At the top of a browser-test module: skip it, with the reason, where Chromium is missing;
    in CI (where .ci/run installs it) that is a failure instead."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs it with apt")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(timeout=60.0, return_process=False, script="app.py", cwd=ROOT, env=None):
    """Yield the base URL of a running server (and its process); stop it afterwards.
    `script` and `cwd` run another script with another .streamlit/config.toml (tests only);
    `env`: more environment variables for the server."""
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env or {}))
    log = tempfile.TemporaryFile()  # not a pipe: a long run's log must never block the server
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:  # poll the health endpoint until the server answers
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("streamlit did not start:\n" + log.read().decode(errors="replace"))
                time.sleep(0.2)
        yield (url, process) if return_process else url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_warm(browser, url):
    """Until the server has started its training workers and computed the pages' default views:
    before that the vanishing page draws its two training charts later, by itself (a class
    arriving in the server's first seconds is not kept waiting), which a test would race."""
    page = browser.new_page()
    try:
        page.goto(f"{url}/vanishing")
        page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=120_000)
    finally:
        page.close()


def wait_for_app(page, timeout=90_000):
    """Until the script run has finished and every chart and live view on the page has drawn.
    Every page opens with its title, so a page whose first run has not yet started is not taken
    for done."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (!document.querySelector('[data-testid="stMain"] h1')) return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            const plotly = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            const drawn = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg');
            const vega = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
            const vegaDrawn = document.querySelectorAll(
                '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg');
            const live = [...document.querySelectorAll('[data-testid="stMain"] [data-testid^="stBidiComponent"]')]
                .filter((element) => !element.closest('.st-key-deck-keys'));  // the clicker's keys draw nothing
            const liveDrawn = document.querySelectorAll('.rv[data-redraws]');
            return drawn.length >= plotly.length && vegaDrawn.length >= vega.length && liveDrawn.length >= live.length;
        }""", timeout=timeout)
