"""The live views in headless Chromium, as a learner uses them: every number they draw is the
engine's (or PyTorch's) at the settings on screen; a key press or a drag redraws at once, with
no page run on the server until the move ends; then the address bar holds the new settings, and
opening that link draws the same numbers."""

from urllib.parse import parse_qsl, urlparse

import numpy as np
import pytest
import torch
from playwright.sync_api import expect

from harness.server import PAGES, require_chromium, wait_for_app
from rnnviz import analysis, cliff
from ui import compute, gates_view
from ui.settings import defaults

require_chromium()


@pytest.fixture
def open_view(app_url, browser):
    contexts = []

    def opened(path, size=(1366, 900)):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        return page

    yield opened
    for context in contexts:
        context.close()


NUMBERS = """i => { const n = document.querySelectorAll('.rv')[i].numbers, out = {};
    for (const [k, v] of Object.entries(n)) out[k] = ArrayBuffer.isView(v) ? Array.from(v) : v;
    return out; }"""


def numbers(page, view=0):
    return page.evaluate(NUMBERS, view)


def redraws(page, view=0):
    return int(page.evaluate("i => document.querySelectorAll('.rv')[i].dataset.redraws", view))


def press(page, setting, key="ArrowRight", times=1, view=0):
    """Keys on a view's slider; each press redrawn before the next."""
    slider = page.locator(".rv").nth(view).locator(f'[data-setting="{setting}"] input[type=range]')
    slider.focus()
    for _ in range(times):
        before = redraws(page, view)
        slider.press(key)
        page.wait_for_function("([i, n]) => Number(document.querySelectorAll('.rv')[i].dataset.redraws) > n",
                               arg=[view, before], timeout=10_000)


def choose(page, setting, value, view=0):
    page.locator(".rv").nth(view).locator(f'[data-setting="{setting}"] input[value="{value}"]').check(force=True)


def count_page_runs(page):
    """From now on, count the page's script runs on the server (Streamlit marks each in the DOM)."""
    page.evaluate("""() => { window.__runs = 0; const app = document.querySelector('[data-testid="stApp"]');
        new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__runs++; })
            .observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] }); }""")


def page_runs(page):
    return page.evaluate("() => window.__runs")


def settled_link(page, **expected):
    """The address once the page has taken in the move: the settings as a link holds them."""
    page.wait_for_function("want => want.every(([k, v]) => new URLSearchParams(location.search).get(k) === v)",
                           arg=[[k, str(v)] for k, v in expected.items()], timeout=30_000)
    wait_for_app(page)
    return dict(parse_qsl(urlparse(page.url).query))


def close(browser_values, engine_values, rtol=1e-9):
    np.testing.assert_allclose(np.asarray(browser_values, dtype=float), np.asarray(engine_values, dtype=float).ravel(),
                               rtol=rtol, atol=0)


# --- 3. vanishing ---------------------------------------------------------------------------------

def torch_grad_hidden_norms(cell, seq_len, hidden, radius, init, forget_bias, seed):
    """||dL/dh_t|| by torch autograd: the page's model and sequence, stepped with retain_grad()."""
    model, trace = compute.vanishing_trace(cell, seq_len, hidden, radius, init, forget_bias, seed)
    module, head = model.to_torch()
    step = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[model.cell]
    kwargs = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
    cell_module = step(model.input_size, hidden, dtype=model.dtype, **kwargs)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell_module, name).copy_(getattr(module, f"{name}_l0"))
    x = torch.as_tensor(trace.inputs)
    state, hs = None, []
    for t in range(seq_len):
        state = cell_module(x[:, t], state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        hs.append(h)
    torch.nn.functional.mse_loss(head(hs[-1]), torch.as_tensor(trace.targets)).backward()
    return np.array([h.grad.norm().item() for h in hs])


@pytest.mark.parametrize("path,settings", [
    ("vanishing", {}),
    ("vanishing?cell=lstm&T=30&fbias=-1", {"cell": "lstm", "T": 30, "fbias": -1.0}),
    ("vanishing?cell=gru&H=8&radius=1.3&init=default", {"cell": "gru", "H": 8, "radius": 1.3, "init": "default"}),
    ("vanishing?cell=rnn_relu&T=120&radius=0.7", {"cell": "rnn_relu", "T": 120, "radius": 0.7}),
])
def test_the_vanishing_curve_drawn_in_the_browser_is_pytorchs_gradient(open_view, path, settings):
    s = defaults("vanishing") | settings
    drawn = numbers(open_view(path))
    expected = torch_grad_hidden_norms(s["cell"], s["T"], s["H"], s["radius"], s["init"], s["fbias"], 0)
    close(drawn["norms"], expected)


def test_dragging_the_radius_bends_the_curve_at_every_step_without_the_server_and_the_link_follows(open_view):
    """The issue's picture: the spectral radius from 0.5 to 1.5 by the keyboard, one notch at a time.
    The browser redraws as the keys go while no page run starts; the orders of magnitude count
    up along the way, from lost to gained; then the address says radius=1.5, and the link draws
    the same curve in a fresh browser."""
    page = open_view("vanishing?radius=0.5")
    count_page_runs(page)
    page.evaluate("""() => { const view = document.querySelector('.rv'); window.__orders = [view.numbers.orders];
        new MutationObserver(() => window.__orders.push(view.numbers.orders))
            .observe(view, { attributes: true, attributeFilter: ['data-redraws'] }); }""")
    slider = page.locator('.rv [data-setting="radius"] input[type=range]')
    slider.focus()
    for _ in range(20):  # an arrow key held down: one press after another, as the keyboard repeats it
        slider.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.rv').numbers.orders > 0.5")
    assert page_runs(page) == 0  # nothing reached the server while the keys moved it
    orders = page.evaluate("() => window.__orders")
    assert orders[0] < -3 and orders[-1] > 0.5  # from lost to gained
    assert len(set(orders)) >= 5 and orders == sorted(orders)  # counting along on the way
    link = settled_link(page, radius="1.5")
    assert page_runs(page) >= 1
    again = open_view(f"vanishing?{'&'.join(f'{k}={v}' for k, v in link.items())}")
    close(numbers(again)["norms"], numbers(page)["norms"], rtol=0)


def test_a_new_draw_of_the_weights_comes_from_the_server_and_then_matches_the_engine(open_view):
    page = open_view("vanishing")
    press(page, "H", key="ArrowLeft", times=4)  # 32 -> 28: a different network, drawn by the server
    settled_link(page, H="28")
    page.wait_for_function("() => !document.querySelector('.rv .rv-waiting')", timeout=30_000)
    close(numbers(page)["norms"], torch_grad_hidden_norms("rnn_tanh", 50, 28, 0.9, "orthogonal", 3.0, 0))


def test_switching_how_w_h_is_drawn_redraws_at_once_and_matches_the_engine(open_view):
    """Both draws are sent ahead: the choice redraws in the browser, with no page run and no
    waiting note; the uniform draw's σ_max is well above its spectral radius, so its bound is
    higher."""
    page = open_view("vanishing")
    count_page_runs(page)
    before = redraws(page)
    choose(page, "init", "default")
    page.wait_for_function("n => Number(document.querySelector('.rv').dataset.redraws) > n", arg=before)
    assert page_runs(page) == 0
    assert page.locator(".rv .rv-waiting").count() == 0
    close(numbers(page)["norms"], torch_grad_hidden_norms("rnn_tanh", 50, 32, 0.9, "default", 3.0, 0))
    assert settled_link(page, init="default")["init"] == "default"


def test_a_pinned_curve_stays_as_a_ghost_to_compare_while_the_settings_change(open_view):
    """Pin the tanh RNN's curve, switch to the LSTM: both on one chart, the pinned one grey and
    named by its settings, and the finding compares the two; Clear removes it."""
    page = open_view("vanishing")
    rnn = numbers(page)["orders"]
    page.get_by_role("button", name="Pin this, to compare").click()
    choose(page, "cell", "lstm")
    page.wait_for_function("o => document.querySelector('.rv').numbers.orders !== o", arg=rnn)
    figure = page.locator(".rv figure").first
    said = figure.inner_text()
    assert "pinned: RNN (tanh), T = 50, ρ = 0.9" in said
    assert f"Pinned (RNN (tanh), T = 50, ρ = 0.9, H = 32, orthogonal): falls {abs(rnn):.1f} orders" in said
    assert figure.locator('path[stroke="#8a8c96"]').count() == 1
    page.get_by_role("button", name="Clear the pin").click()
    expect(figure.locator('path[stroke="#8a8c96"]')).to_have_count(0)


def test_switching_to_the_lstm_keeps_more_gradient_at_once(open_view):
    page = open_view("vanishing")
    rnn = numbers(page)["orders"]
    choose(page, "cell", "lstm")
    page.wait_for_function("o => document.querySelector('.rv').numbers.orders !== o", arg=rnn)
    assert numbers(page)["orders"] > rnn + 1.5
    assert settled_link(page, cell="lstm")["cell"] == "lstm"


def test_an_overflowing_relu_network_says_so_and_stops_the_curve(open_view):
    page = open_view("vanishing?cell=rnn_relu&radius=3&T=500&init=default")
    note = page.locator(".rv .rv-note.rv-error").inner_text()
    _, trace = compute.vanishing_trace("rnn_relu", 500, 32, 3.0, "default", 3.0, 0)
    assert f"With these settings {trace.overflow}:" in note and "Lower the spectral radius" in note


# --- 1. hidden state -----------------------------------------------------------------------------

def test_the_hidden_state_columns_add_up_and_f_is_applied_at_every_step(open_view):
    page = open_view("hidden-state?t=4")
    for act, key in (("tanh", "ArrowLeft"), ("relu", "ArrowRight")):
        if act == "relu":
            choose(page, "act", act)
            page.wait_for_function("() => document.querySelector('.rv').textContent.includes('ReLU(')")
        for step in range(4):
            rows = np.array(numbers(page)["rows"])
            np.testing.assert_allclose(rows[:, 0] + rows[:, 1] + rows[:, 2], rows[:, 3], rtol=1e-12)
            np.testing.assert_allclose(rows[:, 4], np.tanh(rows[:, 3]) if act == "tanh" else np.maximum(rows[:, 3], 0))
            if act == "tanh" and step == 3:
                assert (rows[:, 1] == 0).all()  # t = 1: h_0 = 0, so no recurrent term
            if step < 3:
                press(page, "t", key=key)


def test_a_typed_sequence_is_read_at_once_and_the_numbers_are_the_engines(open_view):
    page = open_view("hidden-state")
    box = page.locator('.rv [data-setting="numbers"] input')
    box.fill("5, 4, 3, 2, 1")
    page.wait_for_function("() => document.querySelector('.rv').numbers.outputs.length === 5")
    settled_link(page, numbers="5,4,3,2,1")
    trace = compute.hidden_state_trace((5, 4, 3, 2, 1), 3, "tanh", 1.0, 0)
    drawn = numbers(page)
    close(drawn["hidden"], trace.hidden[0])
    close(drawn["outputs"], trace.outputs[0])
    box.fill("5, four, 3")  # what cannot be used stays in the box, and the last good sequence stays drawn
    hint = page.locator('.rv [data-setting="numbers"] .rv-hint')
    assert "not a number" in hint.inner_text() and box.input_value() == "5, four, 3"
    assert len(numbers(page)["outputs"]) == 5


def test_a_shorter_sequence_pulls_the_time_step_in_and_a_longer_one_keeps_it(open_view):
    page = open_view("hidden-state?t=4")
    slider = page.locator('.rv [data-setting="t"] input[type=range]')
    box = page.locator('.rv [data-setting="numbers"] input')
    box.fill("1, 2")
    page.wait_for_function("() => document.querySelector('.rv [data-setting=\"t\"] input').max === '2'")
    assert slider.input_value() == "2"
    box.fill("1, 2, 3, 4, 5, 6")
    page.wait_for_function("() => document.querySelector('.rv [data-setting=\"t\"] input').max === '6'")
    assert slider.input_value() == "2"


def test_at_scale_3_a_dead_relu_network_is_named_at_the_seed_that_has_one(open_view):
    """"At a few seeds every sum is negative and the whole state stays 0 ...; the page says so." """
    dead = open_view("hidden-state?act=relu&scale=3&seed=1")
    assert "every unit's sum is negative" in dead.locator(".rv .rv-note").inner_text()
    alive = open_view("hidden-state?act=relu&scale=3")
    assert alive.locator(".rv .rv-note").count() == 0


# --- 2. unrolled ----------------------------------------------------------------------------------

def test_the_backward_walk_reaches_the_nodes_it_says_with_the_engines_gradients(open_view):
    page = open_view("unrolled")
    reached = ("() => [...document.querySelectorAll('.rv [data-t] circle')]"
               ".filter(c => c.getAttribute('fill') !== '#fff').length")
    assert page.evaluate(reached) == 1  # the backward pass starts at t = T
    press(page, "back", key="ArrowLeft", times=9)
    assert page.evaluate(reached) == 10
    full, _ = compute.unrolled_traces(12, 3, "tanh", 1.0, 0, 4)
    drawn = numbers(page)
    close(drawn["norms"], full.grad_hidden_norm[0])
    close(drawn["total"], full.grad_hidden[0, 2])
    close(drawn["direct"], full.grad_hidden_direct[0, 2], rtol=0)
    settled_link(page, back="3")


def test_truncation_keeps_the_last_k_terms_and_says_how_much_it_changes(open_view):
    page = open_view("unrolled?k=3")
    kept = page.evaluate("() => [...document.querySelectorAll('.rv')[1].querySelectorAll('rect[fill]')]"
                         ".filter(r => r.querySelector('title')).map(r => r.getAttribute('fill') === '#0072B2')")
    assert kept == [False] * 9 + [True] * 3
    assert page.locator('.rv [data-metric="kept"]').inner_text() == "3 of 12"
    full, truncated = compute.unrolled_traces(12, 3, "tanh", 1.0, 0, 3)
    exact = full.param_grads["weight_hh"]
    expected = np.linalg.norm(truncated.param_grads["weight_hh"] - exact) / np.linalg.norm(exact)
    assert numbers(page, view=1)["relative"] == pytest.approx(expected, rel=1e-9)
    press(page, "k", times=9, view=1)
    assert page.locator('.rv [data-metric="change"]').inner_text() == "0.00%"  # k = T: nothing dropped


def test_a_saturated_seed_is_named_and_one_that_is_not_is_left_alone(open_view):
    assert "saturated" in open_view("unrolled?radius=1.5&seed=4").locator(".rv .rv-note").first.inner_text()
    assert open_view("unrolled?radius=1.5").locator(".rv .rv-note").count() == 0


# --- 6. cliff -------------------------------------------------------------------------------------

def test_the_browsers_descents_are_the_engines_to_the_last_bit_and_follow_a_drag_on_the_map(open_view):
    page = open_view("cliff")
    s = defaults("cliff")

    def same_as_engine(w0, b0):
        drawn = numbers(page)
        for name, clip in (("plain", None), ("clipped", s["c"])):
            w, b, norms = cliff.descend(w0, b0, s["lr"], s["iters"], clip=clip)
            assert drawn[name]["w"] == w.tolist() and drawn[name]["b"] == b.tolist()
            assert drawn[name]["norms"] == norms.tolist()
        return drawn

    assert same_as_engine(5.2, -2.6)["settles"] == [False, True]
    box = page.locator(".rv svg").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    for k in range(5):
        page.mouse.move(box["x"] + box["width"] * (0.2 + 0.04 * k), box["y"] + box["height"] * 0.3)
    page.mouse.up()
    page.wait_for_function("() => location.search.includes('w0=')", timeout=30_000)
    link = settled_link(page)
    assert {"w0", "b0"} <= set(link)
    same_as_engine(float(link["w0"]), float(link["b0"]))


def test_the_step_scrubber_rings_both_paths_where_the_words_say(open_view):
    page = open_view("cliff?step=28")
    said = page.locator(".rv").first.inner_text()
    assert "Gradient descent, step 28" in said and "‖gradient‖ 17.8" in said
    assert "the next step is 3.56 long" in said and "the next step is 0.2 long" in said
    assert "thrown off the wall at step 28" in said and "settles at the bottom of the valley" in said


def test_clipping_a_real_gradient_follows_the_threshold_above(open_view):
    page = open_view("cliff")
    gradient = compute.real_gradient(0)
    for c in (1.0, 0.95):
        effect = analysis.clipping_effect(gradient, c)
        drawn = numbers(page, view=1)
        assert drawn["valueAngle"] == pytest.approx(effect["value_angle"], rel=1e-9)
        assert drawn["byValue"] == pytest.approx(effect["value_clipped_norm"], rel=1e-9)
        press(page, "c", key="ArrowLeft")


# --- 4. gates -------------------------------------------------------------------------------------

def test_the_time_step_moves_through_the_cell_and_the_heatmaps_together(open_view):
    page = open_view("gates")
    outline = "() => document.querySelectorAll('.rv')[0].querySelector('rect[stroke=\"#000\"]').getAttribute('x')"
    at_one = float(page.evaluate(outline))
    page.get_by_role("tab", name="One step, one unit").click()
    press(page, "t", times=7, view=1)
    assert float(page.evaluate(outline)) > at_one  # the heatmaps' outline followed
    runs = compute.gate_traces("lstm", "adding", 20, 0)
    table = analysis.cell_step_table(runs["trained"], 0)
    said = page.locator(".rv").nth(1).inner_text()
    assert f"i_t = σ({table['pre_i'][7, 0]:.2f}) = {table['i'][7, 0]:.3f}".replace("_t", "t") in said.replace("\n", " ")
    assert settled_link(page, t="8")["t"] == "8"
    data = gates_view.cellstep(runs["trained"], 0, "trained LSTM")
    assert data["T"] == 20 and set(data["table"]) >= {"pre_i", "pre_f", "pre_g", "pre_o", "c_prev"}


# --- presenter mode -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hidden", "unrolled", "vanishing", "gates", "lab", "cliff"])
def test_in_presenter_mode_every_number_a_figure_draws_is_at_least_22_px(open_view, name):
    """The live views and the plotly charts (the lab's: its lag sweeps) alike."""
    page = open_view(f"{PAGES[name]}?present=1", size=(1920, 1080))
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.rv svg text, .rv .rv-heading, .rv .rv-eq span, .rv .rv-metric-value, .rv label, .rv legend, .rv p, ' +
        '[data-testid="stPlotlyChart"] svg text, .rv-chart-finding')]
        .filter(e => e.textContent.trim() && /[0-9]/.test(e.textContent))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 22
