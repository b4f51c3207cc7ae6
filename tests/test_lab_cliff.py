"""Training lab and cliff: the cliff against a direct computation and autograd, clipping
against closed forms, the lag-sweep script, text generation, and both pages via AppTest."""

import json
import math

import numpy as np
import pytest
import torch

import rnnviz
import rnnviz.experiments
from harness.apptest import assert_no_exception, lab_train, live_views, open_page, plotly_figures, texts
from rnnviz import analysis, cliff, reproducible
from rnnviz.__main__ import main as cli
from rnnviz.experiments import DEFAULT_OUT


def direct_loss(w, b):
    x = 0.5
    for _ in range(50):
        x = w / (1 + math.exp(-x)) + b
    return (1 / (1 + math.exp(-x)) - 0.7) ** 2


def test_cliff_surface_is_the_closed_form_loss():
    w, b, loss = cliff.surface(points=31)
    for i, j in [(0, 0), (5, 17), (15, 15), (30, 3), (22, 29)]:
        assert loss[i, j] == pytest.approx(direct_loss(w[j], b[i]), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("w,b", [(5.5, -2.0), (4.15, -2.1), (1.0, 0.5), (12.0, -6.0)])
def test_cliff_gradient_is_autograds(w, b):
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(0.5, dtype=torch.float64)
    for _ in range(50):
        x = wt * torch.sigmoid(x) + bt
    loss = (torch.sigmoid(x) - 0.7) ** 2
    loss.backward()
    value, gw, gb = cliff.loss_and_grad(w, b)
    assert value == pytest.approx(loss.item(), rel=1e-12)
    assert gw == pytest.approx(wt.grad.item(), rel=1e-9, abs=1e-15)
    assert gb == pytest.approx(bt.grad.item(), rel=1e-9, abs=1e-15)


def test_the_valley_floor_drawn_on_the_map_is_where_the_loss_is_zero():
    w, b, loss = cliff.surface(points=61)
    floor = cliff.valley_floor(w, b)
    drawn = np.flatnonzero(np.isfinite(floor))
    assert len(drawn) > 20
    assert max(direct_loss(w[k], floor[k]) for k in drawn) < 1e-6
    assert all(loss[:, k].min() > 1e-8 for k in drawn[:5])  # the grid alone never finds the floor


def paths(w0=5.2, b0=-2.6, lr=0.2, iterations=200, clip=1.0):  # the page's defaults
    return cliff.descend(w0, b0, lr, iterations), cliff.descend(w0, b0, lr, iterations, clip=clip)


def test_the_map_zooms_to_where_the_paths_move():
    (plain_w, plain_b, _), (w, b, _) = paths()
    (w_low, w_high), (b_low, b_high) = cliff.view_box([(plain_w, plain_b), (w, b)])
    assert (w_high - w_low) * (b_high - b_low) < 0.3 * 18 * 12
    for path_w, path_b in ((w, b), (plain_w, plain_b)):
        assert np.all((w_low <= path_w) & (path_w <= w_high) & (b_low <= path_b) & (path_b <= b_high))


def test_clipped_descent_never_steps_further_than_lr_times_c_and_unclipped_is_thrown():
    (plain_w, plain_b, norms), (w, b, _) = paths()
    assert np.all(np.hypot(np.diff(w), np.diff(b)) <= 0.2 * 1.0 + 1e-12)
    assert norms.max() > 10 and np.hypot(np.diff(plain_w), np.diff(plain_b)).max() > 3


def test_settled_from_is_where_the_loss_stays_under_the_level_to_the_end():
    (plain_w, plain_b, _), (w, b, _) = paths()
    losses = [direct_loss(wi, bi) for wi, bi in zip(w, b)]
    first = cliff.settled_from(w, b)
    assert max(losses[first:]) < 0.01 <= losses[first - 1]
    assert cliff.settled_from(plain_w, plain_b) is None
    assert cliff.settled_from(w[:first + 3], b[:first + 3]) is None  # fewer than 5 points there yet


def test_clipping_effect_matches_a_hand_computed_example():
    effect = analysis.clipping_effect(np.array([3.0, 4.0]), 1.0)
    assert effect["norm"] == 5.0 and effect["norm_clipped_norm"] == pytest.approx(1.0)
    assert effect["norm_angle"] == pytest.approx(0.0, abs=1e-6)
    assert effect["value_clipped_norm"] == pytest.approx(math.sqrt(2))  # (1, 1)
    assert effect["value_angle"] == pytest.approx(math.degrees(math.acos(7 / (5 * math.sqrt(2)))))
    rng = np.random.default_rng(0)
    g = rng.normal(size=500) * np.exp(rng.normal(size=500))
    effect = analysis.clipping_effect(g, 0.1)
    clipped = np.clip(g, -0.1, 0.1)
    cosine = clipped @ g / (np.linalg.norm(clipped) * np.linalg.norm(g))
    assert effect["value_angle"] == pytest.approx(np.degrees(np.arccos(cosine)))


def test_lag_sweep_script_writes_the_format_the_page_reads(tmp_path):
    out = tmp_path / "sweep.json"
    cli(["lag-sweep", "--cells", "rnn", "lstm", "--tasks", "adding", "--lags", "3", "6",
                      "--steps", "15", "--seeds", "0", "1", "--workers", "1", "--out", str(out)])
    made, shipped = json.loads(out.read_text()), json.loads(DEFAULT_OUT.read_text())
    assert set(made) == set(shipped) and set(made["settings"]) == set(shipped["settings"])
    assert len(made["results"]) == 8
    assert all(set(p) == set(shipped["results"][0]) for p in made["results"])
    assert {(p["cell"], p["lag"], p["seed"]) for p in made["results"]} == {
        (c, lag, seed) for c in ("rnn", "lstm") for lag in (3, 6) for seed in (0, 1)}
    again = tmp_path / "again.json"
    cli(["lag-sweep", "--cells", "rnn", "--tasks", "adding", "--lags", "3", "--steps", "15",
                      "--seeds", "1", "--workers", "1", "--out", str(again)])
    first = next(p for p in made["results"] if (p["cell"], p["lag"], p["seed"]) == ("rnn", 3, 1))
    assert json.loads(again.read_text())["results"][0]["final_metric"] == first["final_metric"]
    assert oct(again.stat().st_mode & 0o777) == "0o644"  # readable by others, as the shipped file is


def test_the_shipped_lag_sweep_is_what_todays_code_makes_to_the_last_digit():
    """One cheap shipped point re-run as `rnnviz lag-sweep` and the lab's "Re-run this point live"
    run it (a process with the portable kernels): every number equal, so the file cannot drift
    from the code again."""
    shipped = json.loads(DEFAULT_OUT.read_text())
    point = next(p for p in shipped["results"]
                 if (p["cell"], p["task"], p["lag"], p["seed"]) == ("rnn", "adding", 5, 1))
    with reproducible.process_pool(1) as pool:
        again = pool.submit(rnnviz.experiments.run_point, "rnn", "adding", 5, point["steps"], 1).result()
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in point.items() if k != "seconds"}


def test_the_shipped_checkpoints_are_what_todays_code_makes_to_the_last_digit():
    """One shipped network retrained as `rnnviz checkpoints` trains it: the same weights, bit for bit."""
    with reproducible.process_pool(1) as pool:
        model = pool.submit(rnnviz.checkpoints.train_one, "rnn", "adding").result()
    shipped = rnnviz.checkpoints.load("rnn", "adding")
    for name, value in model.params.items():
        np.testing.assert_array_equal(value.numpy(), shipped.params[name].numpy(), err_msg=name)


def test_shipped_lag_sweep_covers_every_cell_task_lag_and_seed_and_is_honest_about_solved():
    shipped = json.loads(DEFAULT_OUT.read_text())
    keys = {(p["cell"], p["task"], p["lag"], p["seed"]) for p in shipped["results"]}
    assert keys == {(c, t, lag, seed) for c in ("rnn", "lstm", "gru") for t in ("adding", "copy")
                    for lag in (5, 10, 20, 50, 100) for seed in rnnviz.experiments.SEEDS}
    assert shipped["settings"]["lstm_forget_bias"] == rnnviz.model.LSTM_FORGET_BIAS
    for point in shipped["results"]:  # solved means the final window's average is at the level
        at_level = (point["final_metric"] >= point["threshold"] if point["metric"] == "accuracy"
                    else point["final_metric"] <= point["threshold"])
        assert point["solved"] == at_level


def test_shipped_lag_sweep_shows_what_the_lesson_says():
    """The lab's "How long can it remember?": "the LSTM and the GRU solve lag 100 with every seed,
    the plain RNN lag 10 with every seed and nothing at 50 or 100. On copy ... the GRU solves lag
    50 with every seed and lag 100 with most; the LSTM solves lag 20 with some seeds and nothing at
    50 or 100; beyond lag 10 the plain RNN solves some seeds and not others, even at 100." """
    shipped = json.loads(DEFAULT_OUT.read_text())

    def solved(task_name, cell, lag):
        return [p["solved"] for p in shipped["results"] if (p["task"], p["cell"], p["lag"]) == (task_name, cell, lag)]

    for cell in ("lstm", "gru"):
        assert all(solved("adding", cell, 100))
    assert all(solved("adding", "rnn", 10)) and not any(solved("adding", "rnn", 50) + solved("adding", "rnn", 100))
    assert all(solved("copy", "gru", 50)) and 2 * sum(solved("copy", "gru", 100)) > len(solved("copy", "gru", 100))
    assert 0 < sum(solved("copy", "lstm", 20)) < 5 and not any(solved("copy", "lstm", 50) + solved("copy", "lstm", 100))
    assert all(solved("copy", "rnn", 10))
    assert all(0 < sum(solved("copy", "rnn", lag)) < 5 for lag in (20, 50, 100))


def test_lag_sweep_refuses_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli(["lag-sweep", "--lags", "0", "--out", str(tmp_path / "x.json")])
    assert "lags must be from 1 to 1000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli(["lag-sweep", "--out", str(tmp_path / "missing" / "x.json")])
    assert "not a folder" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written


def test_solved_step_reads_the_smoothed_metric():
    task = rnnviz.tasks.get("adding", seq_len=10)
    loss = np.concatenate([np.full(30, 0.2), np.full(30, 0.001)])
    history = rnnviz.History(loss, loss, loss, None)
    assert history.solved_step(task) == 40  # the 10-step average first dips under 0.01 here
    assert rnnviz.History(np.full(50, 0.2), loss, loss, None).solved_step(task) is None


def test_generated_text_is_deterministic_and_prompt_is_checked():
    task = rnnviz.tasks.get("text", seq_len=20)
    model = rnnviz.Model("gru", task.input_size, 8, task.output_size, seed=0)
    first = rnnviz.generate_text(model, "The river", 50, 0.8, seed=3)
    assert len(first) == 50 and set(first) <= set(rnnviz.tasks.vocabulary())
    assert first == rnnviz.generate_text(model, "The river", 50, 0.8, seed=3)
    with pytest.raises(ValueError, match="corpus's characters"):
        rnnviz.generate_text(model, "Ωmega", 10)


def test_lab_first_prediction_comes_out_as_the_lesson_says_at_the_defaults():
    """lessons/lab.md: "on the adding problem with T = 50, which will reach MSE 0.01 first: the
    RNN (tanh) or the LSTM? Press Train (both are chosen)". The page's own answer, as a learner
    sees it: the LSTM gets there, the RNN does not, and the held-out table agrees."""
    at = lab_train(open_page("lab"))
    verdict = " ".join(m for m in texts(at, "markdown") if "reached" in m or "did not" in m)
    assert "**LSTM** reached MSE 0.01" in verdict
    assert "**RNN (tanh)** did not reach MSE 0.01" in verdict
    table = at.table[0].value
    held_out = dict(zip(table.index, table["MSE"].astype(float)))
    assert held_out["LSTM"] < 0.01 < 0.1 < held_out["RNN (tanh)"]


def test_lab_sine_forecast_draws_every_network():
    at = lab_train(open_page("lab", {"task": "sine", "cells": "lstm,gru", "steps": "40"}))
    forecast = next(f for f in plotly_figures(at) if "Forecasts" in str(f["layout"].get("title")))
    assert len(forecast["data"]) == 4  # the input, the truth and one forecast per network


def test_lab_compares_cells_on_the_same_data():
    at = lab_train(open_page("lab", {"task": "adding", "cells": "rnn_tanh,lstm", "T": "10",
                                     "steps": "60"}))
    loss = plotly_figures(at)[0]
    assert [t["name"] for t in loss["data"]] == ["RNN (tanh)", "LSTM"]
    verdict = " ".join(m for m in texts(at, "markdown") if "**RNN (tanh)**" in m)
    assert "**LSTM**" in verdict


def test_lab_step_step_resume_ends_exactly_where_train_does():
    """Step from the start holds both networks at step 1, again at 2, with the Pause note and
    a Resume button; Resume runs to the end; the curves and the verdict are Train's own."""
    link = {"task": "adding", "cells": "rnn_tanh,lstm", "T": "10", "steps": "60"}
    whole = plotly_figures(lab_train(open_page("lab", link)))[0]
    at = open_page("lab", link)
    for held in (1, 2):
        at.button(key="lab.step").click().run()
        assert_no_exception(at)
        assert any(f"Paused at step {held} of 60" in box for box in texts(at, "info"))
        assert [len(t["y"]) for t in plotly_figures(at)[0]["data"]] == [held, held]
        assert at.button(key="lab.train").label == "Resume"
    at.button(key="lab.train").click().run()
    assert_no_exception(at)
    resumed = plotly_figures(at)[0]
    assert at.button(key="lab.train").label == "Train" and not any("Paused" in b for b in texts(at, "info"))
    for a, b in zip(resumed["data"], whole["data"]):
        np.testing.assert_array_equal(a["y"], b["y"])


def test_lab_copy_task_reports_accuracy_and_bad_link_values_get_notices():
    at = open_page("lab", {"task": "copy", "cells": "gru,transformer", "lr": "abc", "steps": "20",
                           "T": "5"})
    warnings = " ".join(texts(at, "warning"))
    assert "transformer" in warnings and "Learning rate" in warnings
    at = lab_train(at)
    assert any("accuracy" in str(f["layout"].get("title", "")).lower() for f in plotly_figures(at))


def test_lab_diverging_run_says_so_in_words_and_its_table_never_says_nan():
    """A diverged run keeps its last finite weights, which can still be too large to compute
    with: the held-out table then says "overflows", explained under it, not "nan"."""
    at = lab_train(open_page("lab", {"cells": "rnn_relu", "opt": "sgd", "lr": "100", "steps": "50",
                                     "task": "adding", "clip": "none"}))
    assert any("diverged at step" in e for e in texts(at, "error"))
    table = at.table[0].value.astype(str)
    assert not table.isin(["nan", "inf"]).any().any() and table["MSE"].iloc[0] == "overflows"
    assert any("overflows:" in caption for caption in texts(at, "caption"))


def test_cliff_page_defaults_and_the_diverging_button():
    at = open_page("cliff")
    assert list(live_views(at)) == ["cliff", "clipping"] and len(at.get("plotly_chart")) == 1  # and the 3-D one
    next(b for b in at.button if b.label.startswith("Train an RNN")).click().run()
    assert_no_exception(at)
    assert any("Diverged at step" in e and "clip" in e for e in texts(at, "error"))


def test_steps_to_solve_table_reads_the_shipped_sweep():
    shipped = json.loads(DEFAULT_OUT.read_text())
    rows = {(r["task"], r["cell"]): r for r in rnnviz.experiments.steps_to_solve(shipped)}
    lstm = [p["solved_at"] for p in shipped["results"]
            if (p["task"], p["cell"], p["lag"]) == ("adding", "lstm", 100)]
    assert rows[("adding", "LSTM")]["lag 100"] == f"{np.median(lstm):.0f} (5/5)"
    assert rows[("adding", "RNN (tanh)")]["lag 100"] == "—"
