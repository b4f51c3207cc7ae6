"""The real app in headless Chromium: every page loads and draws, nothing is fetched from any
other host, no exception is shown, the first chart is on a laptop's first screen, and the lab
trains, pauses and stops as it says. (The live views, moved by keyboard and pointer and reopened
from a link: tests/test_live_views.py.)"""

from pathlib import Path
from urllib.parse import quote, urlparse

import numpy as np
import pytest
from playwright.sync_api import expect

from harness.server import PAGES, ROOT, require_chromium, streamlit_server, wait_for_app
from rnnviz.model import CELL_COLOURS

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"

require_chromium()


def open_page(browser, url, path, size=(1400, 900)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    hosts = set()
    # data: and blob: addresses (a chart's picture, a live view's script) are made in the page, not fetched
    page.on("request", lambda request: urlparse(request.url).scheme in ("data", "blob")
            or hosts.add(urlparse(request.url).netloc))
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return context, page, hosts


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_draws_and_stays_on_this_server(app_url, browser, name):
    context, page, hosts = open_page(browser, app_url, PAGES[name])
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        if name not in ("home", "lab", "check"):
            assert page.locator(".js-plotly-plot, .rv svg").count() >= 2
        assert hosts == {urlparse(app_url).netloc}, hosts
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"browser-{name}.png"))
    finally:
        context.close()


FIRST_CHART = """() => {
    const chart = document.querySelector('[data-testid="stMain"] .js-plotly-plot, '
                                        + '[data-testid="stMain"] [data-testid="stVegaLiteChart"], '
                                        + '[data-testid="stMain"] .rv svg');
    if (!chart) return null;
    const box = chart.getBoundingClientRect();
    const seen = Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
    return {top: box.top, height: box.height, seen: Math.max(seen, 0) / box.height};
}"""


@pytest.mark.parametrize("name", [n for n in PAGES if n not in ("home", "lab", "check")])
def test_the_first_chart_is_on_the_first_screen_of_a_laptop(app_url, browser, name):
    """At 1366x768, before any scrolling, at least two thirds of the page's first chart shows."""
    context, page, _ = open_page(browser, app_url, PAGES[name], size=(1366, 768))
    try:
        first = page.evaluate(FIRST_CHART)
        assert first is not None and first["height"] > 100, first
        assert first["seen"] >= 2 / 3, first
    finally:
        context.close()


def test_the_labs_train_button_is_on_the_first_screen_of_a_laptop(app_url, browser):
    """The lab has no chart until a run: its main control, Train, is what must show at once."""
    context, page, _ = open_page(browser, app_url, PAGES["lab"], size=(1366, 768))
    try:
        box = page.get_by_role("button", name="Train").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768, box
    finally:
        context.close()


def test_a_bad_link_shows_a_notice_not_a_traceback(app_url, browser):
    image = quote("![x](http://203.0.113.9/x.png)")  # a link trying to draw from another host
    context, page, hosts = open_page(browser, app_url, PAGES["vanishing"]
                                     + f"?T={image}&cell=transformer&H=1e99&depth=3")
    try:
        notices = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
        assert any("![x](http://203.0.113.9/x.png)" in n and "not a number" in n for n in notices)
        assert any("not one of" in n for n in notices)
        assert any("“depth” is not a setting" in n for n in notices)
        assert page.locator('[data-testid="stAlertContainer"] img').count() == 0
        assert hosts == {urlparse(app_url).netloc}, hosts
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator(".js-plotly-plot").count() >= 2
    finally:
        context.close()


def _train_until_the_bar_shows(page, steps):
    page.get_by_role("button", name="Train").click()
    page.wait_for_function(f"() => /step [0-9]+ of {steps}/.test(document.body.innerText)", timeout=60_000)


def _press(page, button, then_shows):
    """Press a button and wait until the page says `then_shows` and has finished drawing."""
    page.get_by_role("button", name=button).click()
    page.get_by_text(then_shows).wait_for(timeout=60_000)
    wait_for_app(page)


def _step_in(text):
    """The k of "step k of N" in a text."""
    return int(text.split("step ")[1].split(" ")[0])


def _first_curve_length(page):
    """How many steps the first chart's first line (the first network's loss) has."""
    return page.evaluate("() => document.querySelectorAll('.js-plotly-plot')[0]._fullData[0]._length")


def test_training_shows_progress_and_stop_keeps_what_was_learned(app_url, browser):
    """Stop is pressed while the progress bar is up, in a run far longer than the test (three
    cells, 2000 steps each at T = 200: about a minute), and the page keeps what was learned."""
    context, page, _ = open_page(browser, app_url, PAGES["lab"] + "?steps=2000&T=200&cells=rnn_tanh,lstm,gru")
    try:
        _train_until_the_bar_shows(page, 2000)
        _press(page, "Stop", then_shows="Training was stopped")
        assert page.locator('[data-testid="stProgress"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator(".js-plotly-plot").count() >= 2  # the curves so far
        assert 0 < _first_curve_length(page) < 2000  # the first cell's loss curve, cut short by Stop
    finally:
        context.close()


def test_while_a_run_trains_the_page_no_longer_asks_to_press_train(app_url, browser):
    """"Press Train to train the chosen cells" is the page before a run; while one trains, the
    progress bar is there and that line is not."""
    context, page, _ = open_page(browser, app_url, PAGES["lab"] + "?steps=2000&T=100&cells=rnn_tanh")
    try:
        assert page.get_by_text("Press Train to train").count() == 1
        _train_until_the_bar_shows(page, 2000)
        assert page.get_by_text("Press Train to train").count() == 0
        _press(page, "Stop", then_shows="Training was stopped")
    finally:
        context.close()


def test_pause_holds_the_race_step_moves_it_one_step_and_resume_goes_on(app_url, browser):
    """Pause while the bar is up: the page holds at a step k it says, with Step and Resume;
    Step makes it k + 1; Resume trains on to the end."""
    context, page, _ = open_page(browser, app_url, PAGES["lab"] + "?steps=400&T=20&cells=rnn_tanh,lstm")
    try:
        _train_until_the_bar_shows(page, 400)
        _press(page, "Pause", then_shows="Paused at step")
        held = _step_in(page.get_by_text("Paused at step").inner_text())
        assert 0 < held < 400
        _press(page, "Step", then_shows=f"Paused at step {held + 1} of 400")
        page.get_by_role("button", name="Resume").click()
        page.get_by_text("Paused at step").wait_for(state="detached", timeout=120_000)
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
        wait_for_app(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert _first_curve_length(page) == 400
    finally:
        context.close()


def _step_shown(page):
    text = page.locator('[data-testid="stProgress"]').inner_text()
    return _step_in(text) if "step " in text else 0


def _line_pixels(png, cell="rnn_tanh"):
    """How many pixels of the picture are the cell's line colour."""
    import io

    from PIL import Image

    colour = tuple(int(CELL_COLOURS[cell][k:k + 2], 16) for k in (1, 3, 5))
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    return int((np.abs(pixels - colour).sum(axis=1) < 60).sum())


def test_the_live_loss_curve_is_drawn_and_grows_while_training(app_url, browser):
    """The lab's live chart is drawn during the run, not only when it ends: two screenshots taken
    while the progress bar is up show a curve, and the later one more of it."""
    context, page, _ = open_page(browser, app_url, PAGES["lab"] + "?cells=rnn_tanh&T=100&steps=2000")
    try:
        page.get_by_role("button", name="Train").click()
        chart = page.locator('[data-testid="stVegaLiteChart"]')
        chart.wait_for(timeout=120_000)  # a ceiling: the worker may still be ending an earlier test's run
        page.wait_for_function("() => /step [2-9][0-9]{2} of/.test(document.body.innerText)",
                               timeout=60_000)
        early_step, early = _step_shown(page), _line_pixels(chart.screenshot())
        page.wait_for_function(
            f"() => {{ const m = document.body.innerText.match(/step (\\d+) of 2000/);"
            f" return m && Number(m[1]) > {early_step} + 300; }}", timeout=120_000)
        late = _line_pixels(chart.screenshot())
        assert page.locator('[data-testid="stProgress"]').count() == 1  # still training
        assert early > 50 and late > early
        _press(page, "Stop", then_shows="Training was stopped")
    finally:
        context.close()


def test_an_unexpected_error_shows_a_plain_notice_and_no_stack_trace(tmp_path, browser):
    """With the app's own .streamlit/config.toml, a page that fails in a way nobody foresaw
    shows the learner a short notice: no traceback, no exception text, no file paths."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    (tmp_path / "broken.py").write_text('import streamlit as st\nst.title("Broken")\n'
                                        'raise RuntimeError("secret detail /srv/app/weights.pt")\n')
    with streamlit_server(script="broken.py", cwd=tmp_path) as url:
        context, page, _ = open_page(browser, url, "")
        try:
            page.locator('[data-testid="stException"], [data-testid="stAlert"]').first.wait_for(timeout=30_000)
            shown = page.locator('[data-testid="stMain"]').inner_text()
            assert "error" in shown.lower()
            assert "secret detail" not in shown and "Traceback" not in shown and "weights.pt" not in shown
        finally:
            context.close()


def test_the_gates_page_fits_three_laptop_screens_whichever_view_is_open(app_url, browser):
    context, page, _ = open_page(browser, app_url, "gates", size=(1366, 768))
    try:
        tabs = page.get_by_role("tab")
        assert tabs.count() == 5
        for k in range(tabs.count()):
            tabs.nth(k).click()
            expect(tabs.nth(k)).to_have_attribute("aria-selected", "true")
            tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            assert tall <= 3 * 768, (tabs.nth(k).inner_text(), tall)
    finally:
        context.close()


def test_a_class_arriving_as_the_server_starts_gets_the_page_at_once_and_its_training_charts_by_themselves(
        browser):
    """A server answers only once it has loaded what the pages import (torch alone takes a second),
    so the first students are not queued behind one page's imports; then the vanishing page does
    not wait for the training workers: it says they are getting ready, and its two training charts
    appear without a reload."""
    with streamlit_server(return_process=True) as (url, server):
        assert "libtorch_cpu" in Path(f"/proc/{server.pid}/maps").read_text()
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        try:
            page = context.new_page()
            page.goto(f"{url}/vanishing")
            wait_for_app(page)
            expect(page.get_by_text("appear here by themselves")).to_be_visible()
            assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
            page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=120_000)
            expect(page.get_by_text("appear here by themselves")).to_have_count(0)
        finally:
            context.close()
