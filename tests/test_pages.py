"""Every page through app.py, as a learner reaches it: at default settings, after changing
each control, with bad links, and reproduced from a copied link."""

import base64
import itertools
import re

import numpy as np
import pytest
import torch

import rnnviz
from harness.apptest import (
    assert_no_exception,
    chart_specs,
    figure_titled,
    live_views,
    open_page,
    plotly_figures,
    texts,
    trace_named,
)
from rnnviz.model import CELL_LABELS
from ui import compute


def _in_page_order(node):
    found = []
    for child in getattr(node, "children", {}).values():
        found += [child, *_in_page_order(child)]
    return found


@pytest.mark.parametrize("name", ["hidden", "unrolled", "vanishing", "gates", "cliff"])
def test_the_learner_is_asked_to_predict_before_the_first_chart_shows_the_answer(name):
    kinds = []
    for element in _in_page_order(open_page(name).main):
        kind = type(element).__name__
        kinds += re.findall(r"\*\*(Predict|Try):\*\*", element.value) if kind == "Info" else [kind]
    first_chart = next(k for k, kind in enumerate(kinds)
                       if kind == "UnknownElement")  # plotly and Vega-Lite charts
    assert "Predict" in kinds[:first_chart], kinds[:first_chart]
    assert "Try" not in kinds[:first_chart]


@pytest.mark.parametrize("name,charts,views", [("home", 0, []), ("hidden", 0, ["hidden"]),
                                               ("unrolled", 0, ["unrolled", "truncation"]),
                                               ("vanishing", 2, ["vanishing"]), ("gates", 2, ["heatmaps", "cellstep"]),
                                               ("cliff", 1, ["cliff", "clipping"])])
def test_page_renders_at_defaults_with_a_clean_url(name, charts, views):
    at = open_page(name)
    assert len(at.get("plotly_chart")) == charts
    assert list(live_views(at)) == views
    assert at.title and at.title[0].value
    assert dict(at.query_params) == {}  # defaults are left out of the link
    assert not at.warning and not at.error
    if name != "home":
        assert len([r for r in at.radio if r.key and r.key.startswith("quiz.")]) >= 2


def decoded(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f8")


def same_network(sent, model):
    """The weights a live view was sent are the engine's model's, to the last bit."""
    for name, value in model.numpy_params().items():
        np.testing.assert_array_equal(decoded(sent[name.replace(".", "_")]), value.ravel(), err_msg=name)


# --- what the live views are sent: the engine's networks and sequences, the settings of the link -

def test_the_hidden_state_view_is_sent_the_engines_network_of_every_size_and_the_links_settings():
    at = open_page("hidden", {"H": "5", "act": "relu", "numbers": "5,4", "t": "9"})
    sent = live_views(at)["hidden"]
    assert sent["settings"] == {"numbers": [5.0, 4.0], "H": 5, "act": "relu", "scale": 1.0, "t": 2, "fit": False}
    for hidden_size, model in zip(range(2, 9), sent["models"]):
        same_network(model, rnnviz.Model("rnn", 1, hidden_size, 1, seed=0, dtype=torch.float64))
    assert dict(at.query_params)["t"] == "2"  # t within the sequence, in the link too


def test_the_unrolled_views_are_sent_the_engines_networks_and_sine_waves():
    at = open_page("unrolled", {"T": "20", "back": "25", "k": "30"})
    views = live_views(at)
    sent = views["unrolled"]
    assert sent["settings"]["back"] == 20 and views["truncation"]["settings"]["k"] == 20  # both within T
    for hidden_size, model in zip(range(1, 9), sent["models"]):
        drawn = rnnviz.Model("rnn", 1, hidden_size, 1, seed=0, dtype=torch.float64)
        same_network(model, drawn)
        assert model["rho"] == float(torch.linalg.eigvals(drawn.params["weight_hh"]).abs().max())
    x, y = compute.unrolled_sequence(20, 0)
    np.testing.assert_array_equal(decoded(sent["inputs"][20 - 2]), x.numpy().ravel())
    assert sent["targets"][20 - 2] == float(y)


def test_the_vanishing_view_is_sent_each_cells_network_and_what_rescaling_does_to_its_spectrum():
    """Both ways of drawing W_h are sent ahead, so switching needs no server. The browser rescales
    W_h's blocks by radius / ρ as Model does: the ρ it is sent is Model's own, and σ_max and the
    eigenvalues scale with it (so the eigenvalue plane's dashed circle is σ_max of the page's W_h)."""
    sent = live_views(open_page("vanishing", {"radius": "1.3"}))["vanishing"]
    assert set(sent["draws"]) == {"orthogonal", "default"}
    for init, choice in itertools.product(sent["draws"], CELL_LABELS):
        drawn = sent["draws"][init][choice]
        base = compute.vanishing_model(choice, 32, None, init, None, 0, dtype=torch.float64)
        same_network(drawn, base)
        scaled = compute.vanishing_model(choice, 32, 1.3, init, None, 0, dtype=torch.float64)
        for k, block in enumerate(scaled.params["weight_hh"].split(32)):
            assert drawn["sigma"][k] * 1.3 / drawn["rho"][k] == pytest.approx(
                torch.linalg.matrix_norm(block, ord=2).item(), rel=1e-9)
    x, y = rnnviz.tasks.adding_sequence(50, 0, compute.LONGEST_VANISHING)
    values = decoded(sent["sequence"]["values"])
    np.testing.assert_array_equal(values[:50], x[0, :, 0].numpy())
    assert sent["sequence"]["marked"][49] == np.flatnonzero(x[0, :, 1].numpy()).tolist()
    assert decoded(sent["sequence"]["targets"])[49] == float(y)


def test_a_longer_adding_sequence_is_the_shorter_one_lengthened():
    """Dragging T grows one sequence: every length's numbers start with the shorter one's."""
    short, _ = rnnviz.tasks.adding_sequence(40, 3, 500)
    long, _ = rnnviz.tasks.adding_sequence(41, 3, 500)
    np.testing.assert_array_equal(short[0, :, 0], long[0, :40, 0])
    for seq_len in (2, 3, 50, 499, 500):
        x, y = rnnviz.tasks.adding_sequence(seq_len, 3, 500)
        marked = np.flatnonzero(x[0, :, 1].numpy())
        assert len(marked) == 2 and marked[0] < max(seq_len // 2, 1) <= marked[1] < seq_len
        assert float(y) == pytest.approx(float(x[0, marked, 0].sum()))


@pytest.mark.parametrize("key,value", [("vanishing.lr", 0.05), ("vanishing.c", 0.5)])
def test_vanishing_each_training_slider_redraws(key, value):
    at = open_page("vanishing")
    before = plotly_figures(at)
    at.slider(key=key).set_value(value).run()
    assert_no_exception(at)
    after = plotly_figures(at)
    assert any(str(a["data"]) != str(b["data"]) for a, b in zip(before, after))


def test_clipping_caps_the_gradient_norm_at_the_threshold():
    at = open_page("vanishing", {"cell": "rnn_relu", "radius": "1.2", "clip": "norm", "c": "0.5",
                                 "lr": "0.2"})
    clip = figure_titled(at, "before and after clipping")
    before = np.asarray(trace_named(clip, "before clipping")["y"], dtype=float)
    after = np.asarray(trace_named(clip, "after clipping")["y"], dtype=float)
    np.testing.assert_allclose(after, np.minimum(before, 0.5), rtol=1e-6)  # float32 weights
    at.radio(key="vanishing.clip").set_value("none").run()
    unclipped = figure_titled(at, "no clipping")
    assert [trace["name"] for trace in unclipped["data"]] == ["not clipped"]  # one line, drawn
    assert np.isfinite(np.asarray(unclipped["data"][0]["y"], dtype=float)).any()


def test_a_diverging_run_says_so_in_words():
    at = open_page("vanishing", {"cell": "rnn_relu", "radius": "3", "T": "300", "clip": "none",
                                 "lr": "5"})
    messages = " ".join(texts(at, "error"))
    assert "overflowed to infinity" in messages or "diverged" in messages
    assert "Try" in messages or "Lower" in messages


@pytest.mark.parametrize("query,notice,expected", [
    ({"T": "abc"}, "not a number", ("vanishing.T", 50)),
    ({"T": "100000"}, "above the maximum", ("vanishing.T", 500)),
    ({"radius": "nan"}, "NaN", ("vanishing.radius", 0.9)),
    ({"H": "-4"}, "below the minimum", ("vanishing.H", 2)),
    ({"cell": "transformer"}, "not one of", ("vanishing.cell", "rnn_tanh")),
    ({"seed": "1e12"}, "above the maximum", ("seed", 9999)),
])
def test_bad_link_values_are_clamped_with_a_notice(query, notice, expected):
    at = open_page("vanishing", query)
    assert any(notice in w for w in texts(at, "warning"))
    key, value = expected
    assert at.session_state[key] == value
    name = key.removeprefix("vanishing.")
    if name != "seed":
        assert live_views(at)["vanishing"]["settings"][name] == value  # the view draws the clamped value
    assert len(at.get("plotly_chart")) == 2


def test_a_copied_link_reproduces_the_view():
    link = {"cell": "gru", "T": "80", "radius": "1.3", "seed": "7", "lr": "0.05"}
    at = open_page("vanishing", link)
    assert dict(at.query_params) == link
    again = open_page("vanishing", dict(at.query_params))
    assert live_views(again) == live_views(at)  # what the browser computes from, to the last digit
    assert chart_specs(again) == chart_specs(at)  # and every chart the server draws


def test_a_rerun_carrying_an_older_address_does_not_undo_the_slider():
    # Keys pressed fast on a slider: a rerun can still carry the address written two runs ago.
    at = open_page("vanishing")
    at.slider(key="vanishing.c").set_value(1.01).run()
    stale = dict(at.query_params)
    at.slider(key="vanishing.c").set_value(1.02).run()
    at.query_params.clear()
    at.query_params.update(stale)
    at.slider(key="vanishing.c").set_value(1.03).run()
    assert at.slider(key="vanishing.c").value == 1.03
    assert dict(at.query_params) == {"c": "1.03"}


def test_reset_to_defaults_clears_the_link():
    at = open_page("vanishing", {"T": "80", "cell": "lstm"})
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert_no_exception(at)
    assert at.session_state["vanishing.T"] == 50
    assert live_views(at)["vanishing"]["settings"]["T"] == 50
    assert dict(at.query_params) == {}


# --- 4. gates -----------------------------------------------------------------------------

def test_gates_page_shows_every_gate_with_the_marked_steps_and_switches_to_the_untrained_weights():
    at = open_page("gates")
    heatmaps = live_views(at)["heatmaps"]
    titles = " ".join(heatmaps["titles"].values())
    for gate in ("input gate", "forget gate", "candidate", "output gate", "cell state"):
        assert gate in titles
    assert "trained" in heatmaps["stripLabel"] and "before training" not in heatmaps["stripLabel"]
    runs = compute.gate_traces("lstm", "adding", 20, 0)
    assert heatmaps["marked"] == list(np.flatnonzero(runs["trained"].inputs[0, :, 1]) + 1)
    np.testing.assert_array_equal(decoded(heatmaps["panels"]["f"]), runs["trained"].gates["f"][0].ravel())
    assert "mean squared error" in " ".join(texts(at, "markdown"))
    at.radio(key="gates.weights").set_value("untrained").run()
    assert_no_exception(at)
    untrained = live_views(at)["heatmaps"]
    assert "before training" in untrained["stripLabel"]
    np.testing.assert_array_equal(decoded(untrained["panels"]["f"]), runs["untrained"].gates["f"][0].ravel())


def test_gates_memory_maps_show_all_three_cells_on_the_page_sample_and_follow_weights():
    """The memory heatmaps: RNN, LSTM and GRU side by side, the guide lines over the sample's
    marked steps, blank above the diagonal, and other numbers before training."""
    at = open_page("gates")
    at.slider(key="gates.sample").set_value(3).run()
    figure = plotly_figures(at)[-1]
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "RNN (tanh), trained", "LSTM, trained", "GRU, trained"]
    marked = live_views(at)["heatmaps"]["marked"]
    assert sorted({line["x0"] for line in figure["layout"]["shapes"]}) == marked
    trained = np.array(figure["data"][1]["customdata"], dtype=float)
    assert np.isnan(trained[np.triu_indices(len(trained), 1)]).all()
    at.radio(key="gates.weights").set_value("untrained").run()
    untrained = np.array(plotly_figures(at)[-1]["data"][1]["customdata"], dtype=float)
    assert "before training" in plotly_figures(at)[-1]["layout"]["annotations"][0]["text"]
    assert not np.allclose(untrained[np.tril_indices(len(untrained))], trained[np.tril_indices(len(trained))])


@pytest.mark.parametrize("change", [("radio", "gates.cell", "gru"), ("radio", "gates.task", "copy"),
                                    ("slider", "gates.sample", 3), ("slider", "gates.T", 9)])
def test_gates_controls(change):
    kind, key, value = change
    at = open_page("gates", {"t": "15"})
    getattr(at, kind)(key=key).set_value(value).run()
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 2
    views = live_views(at)
    if key == "gates.cell":
        assert "update gate" in " ".join(views["heatmaps"]["titles"].values())
        assert views["cellstep"]["cell"] == "gru"
    if key == "gates.T":
        assert views["cellstep"]["settings"]["t"] == 9 == views["heatmaps"]["settings"]["t"]  # t within T


def test_presenter_link_keeps_only_the_named_controls_and_their_values():
    at = open_page("vanishing", {"present": "1", "show": "T", "cell": "lstm", "T": "70"})
    sent = live_views(at)["vanishing"]
    assert sent["shown"] == ["T"] and sent["presenting"] is True
    assert sent["settings"]["cell"] == "lstm" and sent["settings"]["T"] == 70  # hidden, but still LSTM
    assert [s.label for s in at.slider] == []  # the training section's controls are not named either
    at.run()
    assert dict(at.query_params) == {"present": "1", "show": "T", "cell": "lstm", "T": "70"}
    assert at.toggle(key="presenter").value is True


def test_presenter_mode_draws_every_chart_with_projector_sized_type():
    normal = open_page("vanishing")
    presenting = open_page("vanishing", {"present": "1"})
    for chart, figure in zip(presenting.get("plotly_chart"), plotly_figures(presenting)):
        assert chart.proto.theme == ""  # Streamlit's chart theme would set its own sizes
        assert figure["layout"]["font"]["size"] >= 20
        legend = figure["layout"].get("legend", {})
        if legend.get("orientation") == "h":  # clear of the bigger x-axis title
            assert legend["y"] <= -0.45 and figure["layout"]["margin"]["b"] >= 150
    assert all(chart.proto.theme == "streamlit" for chart in normal.get("plotly_chart"))
    memory = plotly_figures(open_page("gates", {"present": "1"}))[-1]  # panel titles are annotations
    assert all(note["font"]["size"] >= 18 for note in memory["layout"]["annotations"])


def test_every_page_offers_a_link_to_this_view():
    at = open_page("unrolled", {"T": "15"})
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert links and links[0].endswith("/unrolled?T=15")


# --- what the pages print, read as a learner reads it ---------------------------------------

def test_the_lesson_names_the_column_of_the_recurrent_term_where_the_view_draws_it():
    from ui import lesson
    from ui.live import SCRIPTS

    predict = lesson.prompts(lesson.load("hidden_state"), kind="Predict")[0]
    columns = (SCRIPTS / "hidden.js").read_text(encoding="utf-8").split("const COLUMNS = [")[1].split("]")[0]
    assert "the second column, $+\\,W_h h_{t-1}$" in predict
    assert columns.split(", ")[1] == '"+ W_{h} h_{t−1}"'


def test_the_gates_score_is_the_networks_on_screen_trained_or_before_training():
    trained = " ".join(texts(open_page("gates"), "markdown"))
    before = " ".join(texts(open_page("gates", {"weights": "untrained"}), "markdown"))
    runs = compute.gate_traces("lstm", "adding", 20, 0)
    assert f"the trained LSTM has a mean squared error of **{runs['trained_score']:.4f}**" in trained
    assert f"the LSTM before training has a mean squared error of **{runs['untrained_score']:.4f}**" in before
    assert runs["untrained_score"] > 10 * runs["trained_score"]


def test_the_home_page_shows_the_course_at_a_glance():
    """Six cards, one per page in order: a link, the page's own figure in small (an image named
    by what it shows), what it teaches and how long it takes."""
    at = open_page("home")
    links = [link.proto.label for link in at.get("page_link")]
    assert links[1:] == ["**1. The hidden state**", "**2. Unrolled network & BPTT**",
                         "**3. Vanishing & exploding gradients**", "**4. LSTM & GRU gates**",
                         "**5. Training lab**", "**6. Exploding gradients & clipping**"]
    pictures = [m for m in texts(at, "markdown") if m.startswith("<div><svg")]
    assert len(pictures) == 6
    assert all('role="img" aria-label="' in p and any(mark in p for mark in ("<rect", "<polyline", "<circle"))
               for p in pictures)
    assert [c for c in texts(at, "caption") if c.startswith("About ")] == [
        "About 10 minutes", "About 10 minutes", "About 15 minutes", "About 15 minutes", "About 20 minutes",
        "About 10 minutes"]
