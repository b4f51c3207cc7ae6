"""Figure builders plot the data they are given, and every figure serialises for the browser."""


import altair as alt
import numpy as np
import plotly.io as pio
import pytest
import torch

import rnnviz
from rnnviz import analysis, figures
from rnnviz.model import CELL_COLOURS, CELL_LABELS


@pytest.fixture(scope="module")
def lstm_trace():
    task = rnnviz.tasks.get("adding", seq_len=12)
    x, y = task.sample(2, torch.Generator().manual_seed(0))
    return rnnviz.record(rnnviz.Model("lstm", 2, 5, 1, seed=1), x, y, "mse", "last")


def test_gradient_curve_is_the_traces_norms_with_zeros_as_gaps(lstm_trace):
    norms = lstm_trace.grad_hidden_norm[0].copy()
    norms[0] = 0.0  # e.g. a dead ReLU unit: cannot sit on a log axis
    figure = figures.grad_norms({"LSTM": norms}, bound=np.full(len(norms), 2.0))
    curve = np.asarray(figure.data[0].y, dtype=float)
    assert np.isnan(curve[0])
    np.testing.assert_allclose(curve[1:], np.linalg.norm(lstm_trace.grad_hidden[0, 1:], axis=-1), rtol=1e-6)
    assert figure.layout.yaxis.type == "log"
    assert figure.data[1].line.dash == "dash"


def test_tanh_bound_curve_matches_closed_form():
    bound = analysis.tanh_bound(2.0, 0.5, 4)
    np.testing.assert_allclose(bound, [2.0 * 0.5 ** 3, 2.0 * 0.5 ** 2, 2.0 * 0.5, 2.0])


def test_unrolled_graph_colours_compare_across_settings_and_zero_is_not_unreached():
    def nodes(grad_norm, back):
        figure = figures.unrolled_graph(np.zeros(4), np.zeros((4, 2)), np.asarray(grad_norm), back, {4})
        return {trace.name: trace for trace in figure.data}

    weak, strong = nodes([1e-4, 1e-3, 1e-2, 1e-1], 1), nodes([1e-1, 1.0, 10.0, 100.0], 1)
    np.testing.assert_allclose(weak["h_t"].marker.color, strong["h_t"].marker.color)  # same fade
    assert weak["h_t"].marker.cmin == strong["h_t"].marker.cmin
    dead = nodes([0.0, 0.0, 0.5, 1.0], 2)
    assert list(dead["h_t (gradient exactly 0)"].x) == [2]
    assert list(dead["h_t (not reached yet)"].x) == [1]
    assert dead["h_t (gradient exactly 0)"].marker.color != dead["h_t (not reached yet)"].marker.color


@pytest.mark.parametrize("low", [-80, -4, 0])
def test_log_axes_are_labelled_at_powers_of_ten_only(low):
    axis = figures.grad_norms({"RNN": np.logspace(low, 1, 50)}).layout.yaxis
    exponents = np.log10(axis.tickvals)
    np.testing.assert_allclose(exponents, np.round(exponents))
    assert 2 <= len(axis.tickvals) <= 9 and 10.0 ** low <= axis.tickvals[0] < axis.tickvals[-1] <= 10
    assert "1" in axis.ticktext  # 10⁰, written as a reader would


def test_gate_heatmaps_one_panel_per_gate_a_guide_line_per_marked_step_and_fixed_colours(lstm_trace):
    gates = {g: lstm_trace.gates[g][0] for g in "ifgoc"}
    figure = figures.gate_heatmaps(gates, lstm_trace.inputs[0], ["value", "marker"], marked=[3, 9])
    assert len(figure.data) == 1 + 5
    forget = figure.data[2]  # under the input strip and the input gate
    np.testing.assert_array_equal(np.asarray(forget.z), lstm_trace.gates["f"][0].T)
    assert (forget.zmin, forget.zmax) == (0.0, 1.0) and (figure.data[3].zmin, figure.data[3].zmax) == (-1.0, 1.0)
    domains = [figure.layout[f"yaxis{'' if k == 1 else k}"].domain for k in range(1, 7)]
    assert all(lower[1] < upper[0] for upper, lower in zip(domains, domains[1:]))  # no overlap
    assert [(line.x0, line.y0, line.y1) for line in figure.layout.shapes] == [(3, 0, 1), (9, 0, 1)]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_cell_step_table_holds_the_numbers_pytorchs_cell_computes_at_every_step(cell):
    """What the gates page draws on its cell and writes in its equations, at every step and unit:
    PyTorch's LSTMCell / GRUCell stepped by hand agree, and the data flow adds up."""
    task = rnnviz.tasks.get("adding", seq_len=6)
    x, y = task.sample(2, torch.Generator().manual_seed(0))
    model = rnnviz.Model(cell, 2, 4, 1, seed=3, dtype=torch.float64)
    sample = 1
    table = analysis.cell_step_table(rnnviz.record(model, x, y, "mse", "last"), sample)
    torch_cell = (torch.nn.LSTMCell if cell == "lstm" else torch.nn.GRUCell)(2, 4, dtype=torch.float64)
    module, _ = model.to_torch()
    torch_cell.load_state_dict({name.removesuffix("_l0"): value for name, value in module.state_dict().items()})
    state = None
    for step in range(6):
        state = torch_cell(x[sample:sample + 1, step].double(), state)
        h = (state[0] if cell == "lstm" else state)[0].detach().numpy()
        np.testing.assert_allclose(table["h"][step], h, rtol=1e-12, atol=1e-15)
        if cell == "lstm":
            np.testing.assert_allclose(table["c"][step], state[1][0].detach().numpy(), rtol=1e-12, atol=1e-15)
    sigmoid = rnnviz.cells.sigmoid
    if cell == "lstm":
        np.testing.assert_allclose(table["c"], table["forget"] + table["write"], rtol=1e-12)
        np.testing.assert_allclose(table["h"], table["o"] * table["tanh_c"], rtol=1e-12)
        np.testing.assert_allclose(table["i"], sigmoid(table["pre_i"]), rtol=1e-12)
        np.testing.assert_allclose(table["c_prev"][1:], table["c"][:-1])
    else:
        np.testing.assert_allclose(table["h"], table["keep"] + table["write"], rtol=1e-12)
        np.testing.assert_allclose(table["n"], np.tanh(table["pre_xn"] + table["r"] * table["pre_hn"]), rtol=1e-12)
    assert {node[4] for node in analysis.CELL_FLOW[cell]["nodes"].values()} <= set(table)  # each drawn node


def test_clipping_figure_plots_both_norms():
    figure = figures.clipping({"RNN": (np.array([3.0, 0.5]), np.array([1.0, 0.5]))}, 1.0, "norm")
    assert list(figure.data[0].y) == [3.0, 0.5] and list(figure.data[1].y) == [1.0, 0.5]
    assert figure.layout.shapes[0].y0 == 1.0


def test_clipping_figure_draws_every_network_in_its_own_colour():
    figure = figures.clipping({"RNN": (np.array([3.0]), np.array([1.0])),
                               "LSTM": (np.array([0.5]), np.array([0.5]))}, 1.0, "norm")
    names = [trace.name for trace in figure.data]
    assert names == ["RNN: before clipping", "RNN: after clipping", "LSTM: before clipping",
                     "LSTM: after clipping"]
    assert figure.data[0].line.color == figure.data[1].line.color != figure.data[2].line.color


def test_live_loss_spec_is_valid_vega_lite_and_spans_the_whole_run():
    spec = figures.live_loss_spec(1000, ["RNN (tanh)", "LSTM"])
    chart = alt.LayerChart.from_dict({**spec, "data": {"values": [{"step": 1, "network": "LSTM", "loss": 0.2}]}})
    chart.to_dict()  # validates against the Vega-Lite schema
    line, label = spec["layer"]
    assert line["mark"]["type"] == "line" and label["mark"]["type"] == "text"  # each curve named at its end
    assert "data" not in line and "data" not in label  # both draw the rows the page sends
    assert line["encoding"]["x"]["scale"]["domain"] == [1, 1000]
    assert line["encoding"]["y"]["scale"]["type"] == "log"


@pytest.mark.parametrize("order", [("RNN (tanh)", "LSTM", "GRU"), ("GRU", "LSTM", "RNN (tanh)")])
def test_a_cell_has_its_one_colour_on_every_chart_in_any_order(order):
    """The lab's live chart, its finished charts, the gates page's comparison and the lag sweep
    draw each cell in CELL_COLOURS's colour, whatever the order of the networks."""
    colour = {label: CELL_COLOURS[choice] for choice, label in CELL_LABELS.items()}
    curves = {name: np.array([1.0, 0.5]) for name in order}
    scale = figures.live_loss_spec(100, order)["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"])) == {name: colour[name] for name in order}
    for figure in (figures.loss_curves(curves), figures.grad_norms(curves),
                   figures.forecast(np.zeros(2), np.ones(2), curves)):
        named = {t.name.removesuffix(" forecast"): t.line.color for t in figure.data}
        drawn = {name: drawn_colour for name, drawn_colour in named.items() if name in curves}
        assert drawn == {name: colour[name] for name in order}
    points = figures.predicted_against_true(np.ones(2), curves).data[1:]
    assert {t.name: t.marker.color for t in points} == {name: colour[name] for name in order}
    untrained = figures.grad_norms({"trained LSTM": curves["LSTM"], "untrained LSTM": curves["LSTM"]},
                                   dashed=("untrained LSTM",))
    assert {t.line.color for t in untrained.data} == {colour["LSTM"]}


def every_figure(tr):
    """One call of every figure builder in rnnviz.figures, on real numbers: {name: figure}."""
    w, b, loss = rnnviz.cliff.surface(points=11)
    sweep = [{"cell": c, "task": "adding", "lag": lag, "seed": s, "final_metric": 0.1 / lag, "solved": lag < 20,
              "solved_at": 100 if lag < 20 else None} for c in ("rnn", "lstm") for lag in (5, 20) for s in (0, 1)]
    return {
        "predictions": figures.predictions(np.arange(4.0), np.zeros(4), np.arange(1.0, 5.0), chosen_t=2),
        "unrolled_graph": figures.unrolled_graph(tr.inputs[0, :, 0], tr.hidden[0], tr.grad_hidden_norm[0], 5, {12}),
        "grad_norms": figures.grad_norms({"a": tr.grad_hidden_norm[0], "b": tr.grad_hidden_norm[1]},
                                         dashed=("b",)),
        "grad_heatmap": figures.grad_heatmap([0, 5], np.ones((2, 12))),
        "clipping": figures.clipping({"a": (np.array([3.0, 0.5]), np.array([1.0, 0.5]))}, 1.0, "norm"),
        "gate_heatmaps": figures.gate_heatmaps({g: tr.gates[g][0] for g in "ifgoc"}, tr.inputs[0],
                                               ["value", "marker"], marked=[2], label="LSTM"),
        "memory_maps": figures.memory_maps({"LSTM": tr.memory_map(0), "LSTM again": tr.memory_map(1)},
                                           marked=np.array([2, 5])),  # as the page passes them
        "poll_answers": figures.poll_answers(("it grows", "it shrinks"), {"it shrinks": 3}, "it shrinks"),
        "live_loss_spec": {**figures.live_loss_spec(100, ["LSTM"]),
                           "data": {"values": [{"step": 1, "network": "LSTM", "loss": 0.5}]}},
        "loss_curves": figures.loss_curves({"a": np.array([1.0, 0.5])}, threshold=0.1),
        "forecast": figures.forecast(np.zeros(5), np.ones(5), {"LSTM": np.ones(5)}),
        "predicted_against_true": figures.predicted_against_true(np.ones(3), {"LSTM": np.ones(3)}),
        "text_activation": figures.text_activation("The river", np.linspace(-1, 1, 9), 0),
        "loss_surface_3d": figures.loss_surface_3d(w, b, loss),
        "lag_sweep": figures.lag_sweep(sweep, "adding", "mse", 0.01),
    }


# drawn only in what a learner takes home (the live views draw these on the pages)
TAKE_HOME_ONLY = {"predictions", "unrolled_graph", "gate_heatmaps"}


def test_every_chart_a_page_draws_says_what_it_shows_in_words(lstm_trace):
    """ui/charts.py writes the finding under the chart and names the chart by it."""
    for name, figure in every_figure(lstm_trace).items():
        if name not in TAKE_HOME_ONLY and name != "live_loss_spec":
            said = figures.finding(figure)
            assert said and said.endswith(".") and "nan" not in said, (name, said)


def test_every_builder_is_checked(lstm_trace):
    """A new builder in rnnviz.figures must be added to every_figure() to be validated."""
    import inspect

    helpers = {"steps", "colour_of", "finding"}
    public = {name for name, f in inspect.getmembers(figures, inspect.isfunction)
              if f.__module__ == figures.__name__ and not name.startswith("_") and name not in helpers}
    assert public == set(every_figure(lstm_trace))


def test_every_builder_serialises_to_a_valid_figure(lstm_trace):
    """Every plotly figure passes plotly's own validator and every Vega-Lite spec altair's schema."""
    for name, figure in every_figure(lstm_trace).items():
        if isinstance(figure, dict):
            alt.Chart.from_dict(figure).to_dict()  # validates against the Vega-Lite schema
        else:
            pio.from_json(pio.to_json(figure, validate=False))  # plotly's validator accepts it


def test_the_unrolled_graphs_fit_switch_spans_the_values_shown_and_fixed_is_the_same_for_every_setting():
    """The exported unrolled graph: one colour scale for every setting, or fitted to the values shown."""
    norms = np.array([1e-3, 1e-2, 0.5, 1.0])  # relative to the last: 10^-3 .. 1
    graph = {fit: figures.unrolled_graph(np.zeros(4), np.zeros((4, 2)), norms, 1, {4}, fit=fit)
             for fit in (False, True)}
    marker = {fit: next(d for d in g.data if d.name == "h_t").marker for fit, g in graph.items()}
    assert (marker[False].cmin, marker[False].cmax) == figures.UNROLLED_SCALE
    assert (marker[True].cmin, marker[True].cmax) == (-3, 0)
