"""Every page through app.py, as a learner reaches it: at default settings, after changing
each control, with bad links, and reproduced from a copied link."""

import re

import numpy as np
import pytest
import torch

from harness.apptest import (
    assert_no_exception,
    chart_specs,
    figure_titled,
    open_page,
    plotly_figures,
    texts,
    trace_named,
)
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


@pytest.mark.parametrize("name,charts", [("home", 0), ("hidden", 2), ("unrolled", 2),
                                         ("vanishing", 5), ("gates", 5)])
def test_page_renders_at_defaults_with_a_clean_url(name, charts):
    at = open_page(name)
    assert len(at.get("plotly_chart")) == charts
    assert at.title and at.title[0].value
    assert dict(at.query_params) == {}  # defaults are left out of the link
    assert not at.warning and not at.error
    if name != "home":
        assert len([r for r in at.radio if r.key and r.key.startswith("quiz.")]) >= 2


# --- 1. hidden state ----------------------------------------------------------------------

def step_columns(at):
    """{term: column of values} from the step-arithmetic heatmap."""
    heatmap = plotly_figures(at)[0]["data"][0]
    z = np.asarray(heatmap["z"], dtype=float)
    return {name: z[:, k] for k, name in enumerate(heatmap["customdata"][0])}


def test_hidden_state_columns_add_up_and_f_is_applied():
    at = open_page("hidden")
    columns = step_columns(at)
    np.testing.assert_allclose(columns["W_x x_t"] + columns["W_h h_{t-1}"] + columns["b"],
                               columns["a_t"], atol=1e-6)
    np.testing.assert_allclose(np.tanh(columns["a_t"]), columns["h_t"], atol=1e-6)
    at.radio(key="hidden.act").set_value("relu").run()
    assert_no_exception(at)
    columns = step_columns(at)
    np.testing.assert_allclose(np.maximum(columns["a_t"], 0), columns["h_t"], atol=1e-6)
    assert at.query_params["act"] == "relu"


def test_hidden_state_first_step_has_no_recurrent_term():
    at = open_page("hidden", {"t": "1"})
    np.testing.assert_array_equal(step_columns(at)["W_h h_{t-1}"], 0.0)


@pytest.mark.parametrize("key,value,param", [("hidden.H", 7, "H"), ("hidden.scale", 2.5, "scale"),
                                             ("hidden.t", 2, "t")])
def test_hidden_state_each_control_redraws_and_enters_the_link(key, value, param):
    at = open_page("hidden")
    before = step_columns(at)
    at.slider(key=key).set_value(value).run()
    assert_no_exception(at)
    after = step_columns(at)
    assert any(len(before[k]) != len(after[k]) or not np.allclose(before[k], after[k]) for k in before)
    assert at.query_params[param] == str(value)
    if key == "hidden.H":
        assert len(after["h_t"]) == 7


def test_hidden_state_own_sequence_and_bad_text_keeps_what_was_typed():
    at = open_page("hidden")
    at.text_input(key="hidden.numbers.text").input("5, 4, 3, 2, 1").run()
    assert_no_exception(at)
    assert at.query_params["numbers"] == "5,4,3,2,1"
    inputs = trace_named(figure_titled(at, "output layer"), "input x_t")["y"]
    np.testing.assert_array_equal(inputs, [5, 4, 3, 2, 1])
    at.text_input(key="hidden.numbers.text").input("5, four, 3").run()
    assert_no_exception(at)
    assert "not a number" in at.error[0].value
    assert at.text_input(key="hidden.numbers.text").value == "5, four, 3"
    assert len(at.get("plotly_chart")) == 2  # the last valid sequence is still shown


def test_hidden_state_shorter_sequence_pulls_the_time_step_in():
    at = open_page("hidden", {"numbers": "1,2,3,4,5,6", "t": "6"})
    at.text_input(key="hidden.numbers.text").input("1, 2").run()
    assert_no_exception(at)
    assert at.slider(key="hidden.t").value == 2


# --- 2. unrolled --------------------------------------------------------------------------

def test_unrolled_graph_and_backward_walk():
    at = open_page("unrolled")
    graph = plotly_figures(at)[0]
    reached = trace_named(graph, "h_t")
    assert list(reached["x"]) == [12]  # the backward pass starts at t = T
    at.slider(key="unrolled.back").set_value(3).run()
    assert_no_exception(at)
    graph = plotly_figures(at)[0]
    assert list(trace_named(graph, "h_t")["x"]) == list(range(3, 13))
    assert any("\\partial h_{3}" in latex.value for latex in at.latex)
    at.slider(key="unrolled.T").set_value(20).run()
    assert_no_exception(at)
    inputs = trace_named(plotly_figures(at)[0], "x_t")
    assert len(inputs["x"]) == 20


def test_unrolled_truncation_keeps_the_last_k_terms():
    at = open_page("unrolled", {"k": "3"})
    bars = figure_titled(at, "sum over time steps")["data"][0]
    kept = np.array(bars["customdata"]) == "kept"
    assert kept.tolist() == [False] * 9 + [True] * 3
    assert at.metric[0].value == "3 of 12"
    at.slider(key="unrolled.k").set_value(12).run()
    assert at.metric[1].value == "0.00%"  # k = T: truncation changes nothing


# --- 3. vanishing -------------------------------------------------------------------------

def torch_grad_hidden_norms(cell, seq_len, hidden, radius, init, forget_bias, seed):
    """||dL/dh_t|| by torch autograd: the same model run step by step with retain_grad()."""
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


@pytest.mark.parametrize("query", [{}, {"cell": "lstm", "T": "30"}, {"cell": "gru", "H": "8"}])
def test_vanishing_curve_is_pytorchs_gradient(query):
    at = open_page("vanishing", query)
    figure = figure_titled(at, "at every time step")
    curve = np.asarray(figure["data"][0]["y"], dtype=float)
    settings = {"cell": "rnn_tanh", "T": 50, "H": 32} | {k: (int(v) if k in "TH" else v)
                                                          for k, v in query.items()}
    expected = torch_grad_hidden_norms(settings["cell"], settings["T"], settings["H"], 0.9,
                                       "orthogonal", 3.0, 0)
    np.testing.assert_allclose(curve, expected, rtol=1e-9)  # float64 on the page
    if settings["cell"] == "rnn_tanh":
        bound = np.asarray(figure["data"][1]["y"], dtype=float)
        assert np.all(curve <= bound * (1 + 1e-6))
        assert curve[0] / curve[-1] < 1e-3  # the default view already shows the vanishing


def test_vanishing_one_click_to_lstm_keeps_more_gradient():
    at = open_page("vanishing")
    rnn_orders = float(at.metric[1].value)
    at.radio(key="vanishing.cell").set_value("lstm").run()
    assert_no_exception(at)
    assert float(at.metric[1].value) < rnn_orders - 1.5
    assert at.query_params["cell"] == "lstm"


@pytest.mark.parametrize("key,value", [("vanishing.T", 200), ("vanishing.radius", 1.5),
                                       ("vanishing.H", 8), ("vanishing.lr", 0.05)])
def test_vanishing_each_slider_redraws(key, value):
    at = open_page("vanishing")
    before = plotly_figures(at)
    at.slider(key=key).set_value(value).run()
    assert_no_exception(at)
    after = plotly_figures(at)
    assert any(str(a["data"]) != str(b["data"]) for a, b in zip(before, after))


@pytest.mark.parametrize("init", ["orthogonal", "default"])
def test_the_eigenvalue_plane_draws_sigma_max_as_a_circle_beside_the_decay_curve(init):
    at = open_page("vanishing", {"init": init})
    figures_drawn = plotly_figures(at)
    assert figures_drawn[1]["layout"]["title"]["text"].startswith("Eigenvalues")  # next after the curve
    plane = figures_drawn[1]
    eigen = trace_named(plane, "W_h")
    moduli = np.hypot(np.asarray(eigen["x"], dtype=float), np.asarray(eigen["y"], dtype=float))
    circle = next(t for t in plane["data"] if t["name"].startswith("σ"))
    radius = float(np.hypot(np.asarray(circle["x"], dtype=float), np.asarray(circle["y"], dtype=float)).max())
    module, _ = compute.vanishing_model("rnn_tanh", 32, 0.9, init, 3.0, 0, dtype=torch.float64).to_torch()
    weight_hh = module.weight_hh_l0.detach()
    assert radius == pytest.approx(torch.linalg.matrix_norm(weight_hh, ord=2).item(), rel=1e-5)
    if init == "orthogonal":
        np.testing.assert_allclose(moduli, radius, rtol=1e-5)  # the circle passes through every one
    else:
        assert moduli.max() < 0.8 * radius


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
    assert len(at.get("plotly_chart")) == 5


def test_a_copied_link_reproduces_the_view():
    at = open_page("vanishing")
    at.radio(key="vanishing.cell").set_value("gru").run()
    at.slider(key="vanishing.T").set_value(80).run()
    at.slider(key="vanishing.radius").set_value(1.3).run()
    at.number_input(key="seed").set_value(7).run()
    link = dict(at.query_params)
    assert link == {"cell": "gru", "T": "80", "radius": "1.3", "seed": "7"}
    again = open_page("vanishing", link)
    assert chart_specs(again) == chart_specs(at)  # every chart, to the last digit


def test_a_rerun_carrying_an_older_address_does_not_undo_the_slider():
    # Keys pressed fast on a slider: a rerun can still carry the address written two runs ago.
    at = open_page("vanishing")
    at.slider(key="vanishing.T").set_value(51).run()
    stale = dict(at.query_params)
    at.slider(key="vanishing.T").set_value(52).run()
    at.query_params.clear()
    at.query_params.update(stale)
    at.slider(key="vanishing.T").set_value(53).run()
    assert at.slider(key="vanishing.T").value == 53
    assert dict(at.query_params) == {"T": "53"}


def test_reset_to_defaults_clears_the_link():
    at = open_page("vanishing", {"T": "80", "cell": "lstm"})
    next(b for b in at.button if b.label == "Reset to defaults").click().run()
    assert_no_exception(at)
    assert at.slider(key="vanishing.T").value == 50
    assert dict(at.query_params) == {}


# --- 4. gates -----------------------------------------------------------------------------

def test_gates_page_shows_every_gate_with_the_marked_steps_and_switches_to_the_untrained_weights():
    at = open_page("gates")
    heatmaps = plotly_figures(at)[0]
    titles = " ".join(a["text"] for a in heatmaps["layout"]["annotations"])
    for gate in ("input gate", "forget gate", "candidate", "output gate", "cell state"):
        assert gate in titles
    assert "trained" in titles and "before training" not in titles
    marker = next(d for d in heatmaps["data"] if "marker" in list(d["y"]))["z"][0]
    assert sorted(line["x0"] for line in heatmaps["layout"]["shapes"]) == list(np.flatnonzero(marker) + 1)
    assert "mean squared error" in " ".join(texts(at, "markdown"))
    trained_forget = heatmaps["data"][2]["z"]
    at.radio(key="gates.weights").set_value("untrained").run()
    assert_no_exception(at)
    untrained = plotly_figures(at)[0]
    assert "before training" in " ".join(a["text"] for a in untrained["layout"]["annotations"])
    assert not np.allclose(untrained["data"][2]["z"], trained_forget)


def test_gates_memory_maps_show_all_three_cells_on_the_page_sample_and_follow_weights():
    """The memory heatmaps: RNN, LSTM and GRU side by side, the guide lines over the sample's
    marked steps, blank above the diagonal, and other numbers before training."""
    at = open_page("gates")
    at.slider(key="gates.sample").set_value(3).run()
    figure = plotly_figures(at)[-1]
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "RNN (tanh), trained", "LSTM, trained", "GRU, trained"]
    marker = next(d for d in plotly_figures(at)[0]["data"] if "marker" in list(d["y"]))["z"][0]
    marked = list(np.flatnonzero(marker) + 1)
    assert sorted({line["x0"] for line in figure["layout"]["shapes"]}) == marked
    trained = np.array(figure["data"][1]["customdata"], dtype=float)
    assert np.isnan(trained[np.triu_indices(len(trained), 1)]).all()
    at.radio(key="gates.weights").set_value("untrained").run()
    untrained = np.array(plotly_figures(at)[-1]["data"][1]["customdata"], dtype=float)
    assert "before training" in plotly_figures(at)[-1]["layout"]["annotations"][0]["text"]
    assert not np.allclose(untrained[np.tril_indices(len(untrained))], trained[np.tril_indices(len(trained))])


@pytest.mark.parametrize("change", [("radio", "gates.cell", "gru"), ("radio", "gates.task", "copy"),
                                    ("slider", "gates.sample", 3), ("slider", "gates.t", 9),
                                    ("slider", "gates.unit", 5)])
def test_gates_controls(change):
    kind, key, value = change
    at = open_page("gates")
    getattr(at, kind)(key=key).set_value(value).run()
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 5
    if key == "gates.cell":
        titles = " ".join(a["text"] for a in plotly_figures(at)[0]["layout"]["annotations"])
        assert "update gate" in titles and "forget gate" not in titles
    if key == "gates.t":
        assert any("\\sigma" in latex.value for latex in at.latex)


def test_presenter_link_keeps_only_the_named_controls_and_their_values():
    at = open_page("vanishing", {"present": "1", "show": "T", "cell": "lstm", "T": "70"})
    assert [s.label for s in at.slider] == ["Sequence length T"]
    assert not [r for r in at.radio if r.key == "vanishing.cell"]  # hidden, but still LSTM:
    assert "LSTM" in str(figure_titled(at, "at every time step")["data"][0]["name"])
    at.slider(key="vanishing.T").set_value(75).run()
    assert dict(at.query_params) == {"present": "1", "show": "T", "cell": "lstm", "T": "75"}
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
    normal_figures = {f["layout"]["title"]["text"]: f for f in plotly_figures(normal) if f["layout"].get("title")}
    assert normal_figures["‖∂L/∂h<sub>t</sub>‖ at every time step"]["layout"]["legend"]["y"] == -0.2
    gates = plotly_figures(open_page("gates", {"present": "1"}))[0]  # panel titles are annotations
    assert all(note["font"]["size"] >= 18 for note in gates["layout"]["annotations"])


def test_every_page_offers_a_link_to_this_view():
    at = open_page("unrolled", {"T": "15"})
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert links and links[0].endswith("/unrolled?T=15")
