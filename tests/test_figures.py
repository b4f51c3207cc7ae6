"""Figure builders plot the data they are given, and every figure serialises for the browser."""

import json

import altair as alt
import numpy as np
import plotly.io as pio
import pytest
import torch

import rnnviz
from rnnviz import analysis, figures


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


def test_step_vectors_lay_out_each_term_as_a_column():
    terms = {"W_x x_t": np.array([1.0, 2.0]), "W_h h_{t-1}": np.array([0.5, -1.0]),
             "b": np.array([0.1, 0.2]), "a_t": np.array([1.6, 1.2]), "h_t": np.tanh([1.6, 1.2])}
    heatmap = figures.step_vectors(terms).data[0]
    np.testing.assert_array_equal(np.asarray(heatmap.z)[:, 3], terms["a_t"])
    assert list(heatmap.customdata[0]) == list(figures.STEP_COLUMNS)
    assert heatmap.zmin == -heatmap.zmax == -2.0  # one symmetric colour scale for all columns


def test_gate_heatmaps_one_panel_per_gate_and_model(lstm_trace):
    panels = {label: {g: lstm_trace.gates[g][0] for g in "ifgoc"} for label in ("untrained", "trained")}
    figure = figures.gate_heatmaps(panels, lstm_trace.inputs[0], ["value", "marker"])
    assert len(figure.data) == 2 * (5 + 1)
    forget = figure.data[2 * 2 + 1]  # row of f, trained column
    np.testing.assert_array_equal(np.asarray(forget.z), lstm_trace.gates["f"][0].T)
    domains = [figure.layout[f"yaxis{'' if k == 1 else k}"].domain for k in range(1, 13, 2)]
    assert all(lower[1] < upper[0] for upper, lower in zip(domains, domains[1:]))  # no overlap


def test_eigenvalue_plane_draws_the_unit_circle_and_every_eigenvalue():
    eigenvalues = np.array([0.5 + 0.5j, 0.5 - 0.5j, -1.5])
    figure = figures.eigenvalue_plane({"W_h": eigenvalues})
    circle = figure.data[0]
    np.testing.assert_allclose(np.hypot(circle.x, circle.y), 1.0)
    np.testing.assert_array_equal(figure.data[1].x, eigenvalues.real)
    assert figure.layout.xaxis.range[1] >= 1.5


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
    spec = figures.live_loss_spec(1000)
    chart = alt.Chart.from_dict({**spec, "data": {"values": [{"step": 1, "network": "LSTM", "loss": 0.2}]}})
    chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 1000]
    assert spec["encoding"]["y"]["scale"]["type"] == "log"


def test_every_builder_serialises_to_valid_plotly_json(lstm_trace):
    tr = lstm_trace
    built = [
        figures.grad_norms({"a": tr.grad_hidden_norm[0]}),
        figures.unrolled_graph(tr.inputs[0, :, 0], tr.hidden[0], tr.grad_hidden_norm[0], 5, {12}),
        figures.weight_hh_contributions(np.ones(12), np.arange(12) > 6),
        figures.per_step(tr.jacobian_norms[0, :, 0], "J", "norm", reference=1.0),
        figures.grad_heatmap([0, 5], np.ones((2, 12))),
        figures.unit_gates({g: tr.gates[g][0] for g in "ifgoc"}, 2, chosen_t=3),
        figures.predictions(np.arange(4.0), np.zeros(4), np.arange(1.0, 5.0), chosen_t=2),
    ]
    for figure in built:
        spec = json.loads(pio.to_json(figure, validate=False))
        pio.from_json(json.dumps(spec))  # plotly's own validator accepts it
    trajectories = figures.hidden_trajectories(tr.hidden[0])
    alt.Chart.from_dict(trajectories)  # altair validates it against the Vega-Lite schema
    points = {(v["t"], v["unit"]): v["h"] for v in trajectories["data"]["values"]}
    T, H = tr.hidden[0].shape
    assert len(points) == T * H and points[(T, f"unit {H}")] == pytest.approx(tr.hidden[0, -1, -1])
