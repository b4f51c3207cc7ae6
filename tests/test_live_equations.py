"""One source of truth, even in the browser: the equations the live views run in Chromium
(ui/live/cells.js) give record()'s numbers, for every cell and both activations, over many
random settings, to 1e-9 relative in float64. If either side's equations change alone, this
fails."""


import numpy as np
import pytest
import torch

import rnnviz
from harness.server import chromium, require_chromium
from rnnviz import cliff
from ui import live

require_chromium()

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CASES = 60  # per cell


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        context = browser.new_context()
        tab = context.new_page()
        tab.set_content("<html><body></body></html>")
        tab.add_script_tag(content=(live.SCRIPTS / "cells.js").read_text(encoding="utf-8"))
        yield tab
        context.close()


RUN_IN_BROWSER = """cases => cases.map(c => {
    const bytes = s => new Float64Array(Uint8Array.from(atob(s), ch => ch.charCodeAt(0)).buffer);
    const p = {...c.params};
    for (const name of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "head_weight", "head_bias"]) {
        p[name] = bytes(p[name]);
    }
    const out = RnnvizCells.record(p, bytes(c.x), c.T, bytes(c.y), c.target, c.tbptt);
    const gates = {};
    for (const name of ["i", "f", "g", "o", "c", "r", "z", "n"]) {
        if (out.run[name]) gates[name] = Array.from(out.run[name]);
    }
    return {hidden: Array.from(out.hidden), gradNorms: Array.from(RnnvizCells.norms(out.gradHidden, c.T, p.H)),
            loss: out.loss, outputs: Array.from(out.outputs), weightHh: Array.from(out.paramGrads.weight_hh),
            stepNorms: Array.from(out.weightHhStepNorms), gates};
})"""


def random_case(rng, cell, nonlinearity):
    T, H, I, O = int(rng.integers(1, 13)), int(rng.integers(1, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    target = str(rng.choice(["last", "all"]))
    tbptt = int(rng.integers(1, T + 1)) if rng.random() < 0.3 else None
    model = rnnviz.Model(cell, I, H, O, nonlinearity=nonlinearity, seed=int(rng.integers(1 << 30)),
                         dtype=torch.float64, weight_scale=float(rng.uniform(0.3, 2.5)),
                         forget_bias=float(rng.uniform(-3, 5)) if cell == "lstm" else None)
    x = rng.normal(size=(1, T, I)) * rng.uniform(0.2, 3)
    y = rng.normal(size=(1, O) if target == "last" else (1, T, O))
    trace = rnnviz.record(model, x, y, "mse", target, tbptt=tbptt)
    return ({"params": live.model_data(model), "x": live.encoded(x), "y": live.encoded(y), "T": T,
             "target": target, "tbptt": tbptt}, trace)


def close(browser_values, engine_values, what):
    engine_values = np.asarray(engine_values, dtype=np.float64).ravel()
    scale = max(np.abs(engine_values).max(initial=0.0), 1e-300)
    np.testing.assert_allclose(browser_values, engine_values, rtol=1e-9, atol=1e-12 * scale, err_msg=what)


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=[f"{c}-{n}" for c, n in CELLS])
def test_the_browsers_equations_give_the_engines_numbers(page, cell, nonlinearity):
    rng = np.random.default_rng(sum(map(ord, cell + nonlinearity)))
    cases = [random_case(rng, cell, nonlinearity) for _ in range(CASES)]
    results = page.evaluate(RUN_IN_BROWSER, [case for case, _ in cases])
    for k, ((case, trace), result) in enumerate(zip(cases, results)):
        what = f"case {k}: T={case['T']} H={case['params']['H']} {case['target']} tbptt={case['tbptt']}"
        close(result["hidden"], trace.hidden[0], f"h_t, {what}")
        close(result["gradNorms"], trace.grad_hidden_norm[0], f"||dL/dh_t||, {what}")
        close(result["outputs"], trace.outputs[0], f"y, {what}")
        assert result["loss"] == pytest.approx(trace.loss, rel=1e-9), what
        close(result["weightHh"], trace.param_grads["weight_hh"], f"dL/dW_h, {what}")
        close(result["stepNorms"], np.linalg.norm(trace.weight_hh_grad_steps["weight_hh"], axis=(1, 2)),
              f"step terms, {what}")
        assert set(result["gates"]) == set(trace.gates), what
        for name, values in trace.gates.items():
            close(result["gates"][name], values[0], f"gate {name}, {what}")


def test_a_changed_equation_on_either_side_is_caught(page):
    """The check can fail: the browser's GRU with z_t and 1 - z_t swapped differs from the engine."""
    rng = np.random.default_rng(7)
    case, trace = random_case(rng, "gru", "tanh")
    swapped = (live.SCRIPTS / "cells.js").read_text(encoding="utf-8").replace(
        "h[base + j] = (1.0 - z) * n + z * prev[j];", "h[base + j] = z * n + (1.0 - z) * prev[j];")
    assert swapped != (live.SCRIPTS / "cells.js").read_text(encoding="utf-8")
    page.add_script_tag(content=swapped)
    try:
        result = page.evaluate(RUN_IN_BROWSER, [case])[0]
        with pytest.raises(AssertionError):
            close(result["hidden"], trace.hidden[0], "swapped")
    finally:
        page.add_script_tag(content=(live.SCRIPTS / "cells.js").read_text(encoding="utf-8"))


def test_the_browsers_cliff_is_the_engines_to_the_last_bit(page):
    """The cliff's loss, gradient and both descents: the same bits in Chromium as in numpy (the
    unit's sigmoid is built from + − × ÷ for that: rnnviz/cliff.py), even beside the wall, where a
    last-bit difference would grow until the paths part."""
    page.add_script_tag(content=(live.SCRIPTS / "cliff_engine.js").read_text(encoding="utf-8"))
    rng = np.random.default_rng(5)
    points = rng.uniform((-2, -10), (16, 2), size=(300, 2)).tolist() + [[5.2, -2.6], [4.889, -2.544]]
    browser = page.evaluate("points => points.map(([w, b]) => RnnvizCliff.lossAndGrad(w, b))", points)
    engine = [[float(v) for v in cliff.loss_and_grad(w, b)] for w, b in points]
    assert browser == engine
    descents = [(5.2, -2.6, 0.2, 200, None), (5.2, -2.6, 0.2, 200, 1.0), (5.2, -2.6, 0.2, 500, 0.1)]
    descents += [(float(w), float(b), float(lr), 60, clip) for (w, b), lr, clip in
                 zip(rng.uniform((3, -5), (8, 0), size=(20, 2)), rng.uniform(0.05, 2, 20),
                     [None, 1.0, 0.3, 2.0] * 5)]
    browser = page.evaluate("runs => runs.map(([w, b, lr, n, c]) => RnnvizCliff.descend(w, b, lr, n, c))", descents)
    for (w0, b0, lr, n, clip), drawn in zip(descents, browser):
        w, b, norms = cliff.descend(w0, b0, lr, n, clip=clip)
        assert drawn["w"] == w.tolist() and drawn["b"] == b.tolist() and drawn["norms"] == norms.tolist()
        loss = cliff.loss_and_grad(w, b)[0]
        assert page.evaluate("l => RnnvizCliff.settledFrom(l)", loss.tolist()) == cliff.settled_from(w, b)
    ws, bs = np.linspace(3, 7, 41), np.linspace(-4, -1, 41)
    floor = page.evaluate("([w, b]) => RnnvizCliff.valleyFloor(w, b)", [ws.tolist(), bs.tolist()])
    np.testing.assert_array_equal(np.array(floor, dtype=float), cliff.valley_floor(ws, bs))
    paths = [cliff.descend(*run[:4], clip=run[4])[:2] for run in descents[:2]]
    box = page.evaluate("p => RnnvizCliff.viewBox(p.map(([w, b]) => ({w, b})))",
                        [[w.tolist(), b.tolist()] for w, b in paths])
    assert box == [list(side) for side in cliff.view_box(paths)]


@pytest.mark.parametrize("value,digits,shown", [
    (0.5, 2, "0.50"), (0.000466, 2, "0.00047"), (-0.000466, 3, "-0.00047"), (4.66e-6, 2, "4.7e-06"),
    (0.99993, 2, "0.9999"), (-0.999996, 2, "-0.999996"), (1.0, 2, "1.00"), (0.0, 2, "0.00"), (-0.0001, 2, "-0.00010"),
    (123.456, 2, "123.46"), (0.0049, 3, "0.005"),
])
def test_the_browser_never_prints_a_number_as_what_it_is_not(page, value, digits, shown):
    """A value short of ±1 never reads 1.00 (tanh's h_t at weight scale 3), a small one never 0.00."""
    page.add_script_tag(content=(live.SCRIPTS / "draw.js").read_text(encoding="utf-8"))
    assert page.evaluate("([v, d]) => RnnvizDraw.number(v, d)", [value, digits]) == shown
