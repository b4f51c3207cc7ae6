"""Lessons are claims, and claims are tested.

Every sentence a lesson, prompt, quiz answer or caption says about what the learner will see
is listed here with the settings that show it, and run through the same functions the page
calls (ui.compute, ui.training, rnnviz). Where a claim is statistical it is asserted over
several seeds, and at seed 0 (the page's default) too, since that is what a class sees.
The quoted text is the lesson's; the test name says what is asserted.
"""

import re

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import analysis, checkpoints, cliff
from rnnviz.tasks import COUNT_EASY_SEQ_LEN
from ui import compute, training
from ui.settings import defaults

SEEDS = (0, 1, 2)


def orders(norms):
    """log10 ||dL/dh_1|| / ||dL/dh_T||: negative when the gradient vanishes."""
    return float(np.log10(norms[0] / norms[-1]))


# --- 2. Unrolled network & BPTT (defaults: T = 12, H = 3, tanh, k = 4) ------------------------

def unrolled(radius, seed=0, **changes):
    s = defaults("unrolled") | {"radius": radius, "seed": seed} | changes
    return compute.unrolled_traces(s["T"], s["H"], s["act"], s["radius"], s["seed"], s["k"])


def truncation_change(radius, seed=0):
    full, truncated = unrolled(radius, seed)
    exact = full.param_grads["weight_hh"]
    return np.linalg.norm(truncated.param_grads["weight_hh"] - exact) / np.linalg.norm(exact)


def test_unrolled_the_direct_term_at_T_minus_1_is_zero():
    """"The loss reads only y_T. At t = T − 1, what is the direct term from y_t?" """
    full, _ = unrolled(1.0)
    assert np.all(full.grad_hidden_direct[0, -2] == 0) and np.any(full.grad_hidden_direct[0, -1] != 0)


def test_unrolled_colours_fade_faster_at_radius_half_than_at_one_and_a_half():
    """"Set the spectral radius to 0.5 and walk back to t = 1. How quickly do the node colours
    fade? Now try 1.5." Faster at 0.5 by at least an order of magnitude over the 12 steps, at
    seed 0 and at 9 of seeds 0–9 (at seed 4 the units saturate and both fade fast)."""
    def faster(seed):
        small, _ = unrolled(0.5, seed)
        large, _ = unrolled(1.5, seed)
        return orders(small.grad_hidden_norm[0]) < orders(large.grad_hidden_norm[0]) - 1

    assert faster(0) and sum(faster(seed) for seed in range(10)) >= 9


def test_unrolled_truncation_changes_little_at_radius_half_and_a_lot_at_one_and_a_half():
    """"With a small spectral radius (0.5), does truncating to k = 4 change ∂L/∂W_h a lot or a
    little? Check the percentage, then set the radius to 1.5 and check again." At seed 0: 8 %
    and 121 %; over seeds 0–9 the medians are about 1 % and 60 %."""
    assert truncation_change(0.5) < 0.10 and truncation_change(1.5) > 0.5
    small = [truncation_change(0.5, seed) for seed in range(10)]
    large = [truncation_change(1.5, seed) for seed in range(10)]
    assert np.median(small) < 0.05 and np.median(large) > 0.3
    assert sum(a < b for a, b in zip(small, large)) >= 9


def test_unrolled_window_of_T_is_full_bptt():
    """"Set k = T. Which bars are grey now, and what is the difference from full BPTT?" """
    full, truncated = unrolled(1.5, k=defaults("unrolled")["T"])
    np.testing.assert_array_equal(truncated.param_grads["weight_hh"], full.param_grads["weight_hh"])


# --- 3. Vanishing & exploding gradients (defaults: tanh, T = 50, ρ = 0.9, orthogonal) --------

def vanishing(seed=0, **changes):
    s = defaults("vanishing") | {"seed": seed} | changes
    _, trace = compute.vanishing_trace(s["cell"], s["T"], s["H"], s["radius"], s["init"], s["fbias"],
                                       s["seed"])
    return trace


def test_vanishing_default_view_vanishes_under_an_informative_bound():
    """The default curve falls by orders of magnitude, under the dashed σ_max bound, and that
    bound falls too: orthogonal W_h scaled to ρ = 0.9 has σ_max = ρ = 0.9."""
    for seed in SEEDS:
        trace = vanishing(seed)
        norms = trace.grad_hidden_norm[0]
        sigma_max = analysis.singular_values(trace.params["weight_hh"])[0]
        assert sigma_max == pytest.approx(0.9, abs=1e-9)
        bound = analysis.tanh_bound(norms[-1], sigma_max, len(norms))
        assert np.all(norms <= bound * (1 + 1e-9)) and bound[0] < 0.01 * norms[-1]
        assert orders(norms) < -3


def test_vanishing_uniform_draw_has_sigma_max_above_rho_so_its_bound_grows():
    """The lesson: "ρ < 1 alone is not enough for that guarantee ... switch W_h drawn to
    PyTorch's uniform draw to see σ_max move above ρ and the bound stop saying anything"."""
    weight = vanishing(init="default").params["weight_hh"]
    assert analysis.spectral_radius(weight) == pytest.approx(0.9, abs=1e-9)
    assert analysis.singular_values(weight)[0] > 1.2


def test_vanishing_every_step_back_multiplies_by_less_than_one_at_the_defaults():
    """The right chart: "below the line at 1 it shrinks". For a tanh RNN no step can multiply
    by more than σ_max = 0.9."""
    norms = vanishing().grad_hidden_norm[0]
    assert np.all(norms[:-1] / norms[1:] <= 0.9 + 1e-9)


def test_vanishing_lengthening_T_from_50_to_200_loses_many_more_orders():
    """"If you lengthen the sequence from 50 to 200 steps, what happens to ‖∂L/∂h₁‖ ÷ ‖∂L/∂h_T‖?" """
    for seed in SEEDS:
        assert orders(vanishing(seed, T=200).grad_hidden_norm[0]) < 2.5 * orders(vanishing(seed).grad_hidden_norm[0])


def test_vanishing_radius_one_and_a_half_puts_the_eigenvalues_outside_and_the_curve_rises():
    """"Raise the spectral radius from 0.9 to 1.5. Where do the eigenvalues go relative to the
    circle, and does the curve still fall?" It does not: it rises."""
    for seed in range(5):
        trace = vanishing(seed, radius=1.5)
        assert np.all(np.abs(analysis.eigenvalues(trace.params["weight_hh"])) > 1.49)
        assert orders(trace.grad_hidden_norm[0]) > 0


def test_vanishing_lstm_with_open_forget_gate_keeps_its_gradient_and_closed_loses_it():
    """"Switch the cell to LSTM. With the forget gate open (bias 3), how many orders of magnitude
    are lost now? Then set the forget-gate bias to −2 and compare." About 0 against about 24."""
    for seed in range(5):
        assert abs(orders(vanishing(seed, cell="lstm", fbias=3.0).grad_hidden_norm[0])) < 1.5
        assert orders(vanishing(seed, cell="lstm", fbias=-2.0).grad_hidden_norm[0]) < -15


def test_vanishing_quiz_a_bigger_vanilla_rnn_still_vanishes():
    """Quiz: "a bigger vanilla RNN still vanishes. Try it with the hidden size slider." """
    assert orders(vanishing(H=128).grad_hidden_norm[0]) < -2


def test_vanishing_clipping_by_norm_moves_the_after_line_down_to_c():
    """"ReLU with a spectral radius of 1.5 and no clipping: watch the gradient norm before
    clipping. Now choose clipping by norm with c = 1. Which line moves?" The after-clipping line
    drops to c wherever the gradient is bigger."""
    s = defaults("vanishing") | {"cell": "rnn_relu", "radius": 1.5}
    run = {clip: compute.vanishing_training(s["cell"], s["T"], s["H"], s["radius"], s["init"], s["fbias"],
                                            clip, 1.0, s["lr"], 0) for clip in ("none", "norm")}
    np.testing.assert_array_equal(run["none"]["grad_norm"], run["none"]["clipped_grad_norm"])
    assert run["none"]["grad_norm"].max() > 1 and run["norm"]["grad_norm"].max() > 1
    np.testing.assert_allclose(run["norm"]["clipped_grad_norm"],
                               np.minimum(run["norm"]["grad_norm"], 1.0), rtol=1e-6)


# --- 4. Gates (shipped checkpoints, T = 20 by default, any T from 5 to 60) ------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("task_name", ["adding", "copy"])
def test_gates_trained_cells_solve_their_task_at_every_length(cell, task_name):
    """The score above the heatmaps, and "lengthen the sequence to 50. Does the trained cell
    still solve it?" On 512 held-out sequences, against the best constant answer."""
    model = checkpoints.load(cell, task_name)
    for seq_len in (5, 20, 50, 60):
        score, baseline = checkpoints.score(model, task_name, seq_len)
        if task_name == "copy":
            assert score >= 0.99 and baseline == 0.125
        else:
            assert score < 0.01 and baseline > 0.15


def gates_on(cell, task_name, seq_len=20, seed=0):
    return compute.gate_traces(cell, task_name, seq_len, seed)


def test_gates_lstm_input_gate_opens_at_the_marked_steps_after_training():
    """"At which steps should the trained input gate i_t open wide? Follow the dotted lines down
    from the marked steps." """
    runs = gates_on("lstm", "adding")
    marked = runs["trained"].inputs[..., 1] > 0
    for name, wider in (("trained", 0.2), ("untrained", None)):
        gate = runs[name].gates["i"].mean(axis=-1)
        difference = gate[marked].mean() - gate[~marked].mean()
        assert difference > wider if wider else abs(difference) < 0.1


def test_gates_trained_lstm_holds_forget_gates_near_one_and_untrained_does_not():
    """"Switch Weights between trained and before training and watch the forget gate f_t. Which
    one holds values near 1 for long stretches?" Units whose forget gate averages above 0.9 over the sequences."""
    for task_name in ("adding", "copy"):
        runs = gates_on("lstm", task_name)
        held = {name: int((runs[name].gates["f"].mean(axis=(0, 1)) > 0.9).sum())
                for name in ("trained", "untrained")}
        assert held["trained"] >= 1 and held["untrained"] == 0


def test_gates_gru_update_gate_drops_at_the_marked_steps():
    """"Pick the GRU. Its update gate z_t near 1 means keep the old state. Where does it drop?"
    At the marked steps, where something must be written."""
    runs = gates_on("gru", "adding")
    marked = runs["trained"].inputs[..., 1] > 0
    z = runs["trained"].gates["z"].mean(axis=-1)
    assert z[~marked].mean() > 0.85 and z[marked].mean() < z[~marked].mean() - 0.15


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_untrained_gated_cell_keeps_more_gradient_than_the_untrained_rnn(cell):
    """Gradient flow, like with like: "untrained, the gated cell already keeps one or more orders
    of magnitude more of the gradient at the early steps than the vanilla RNN": 1.7 to 3.4 more
    at T = 20, 3.7 to 8.9 at T = 40. Median over the 8 sequences."""
    for task_name in ("adding", "copy"):
        for seq_len in (20, 40):
            runs = gates_on(cell, task_name, seq_len)
            gated = np.median([orders(n) for n in runs["untrained"].grad_hidden_norm])
            vanilla = np.median([orders(n) for n in runs["untrained_rnn"].grad_hidden_norm])
            assert gated > vanilla + 1


def test_gates_a_trained_gru_keeps_its_gradient_almost_flat():
    """Gradient flow: "a trained GRU's stays almost flat": under one order of magnitude lost over
    40 steps, on both tasks."""
    for task_name in ("adding", "copy"):
        runs = gates_on("gru", task_name, 40)
        assert np.median([orders(n) for n in runs["trained"].grad_hidden_norm]) > -1


def bottom_rows(weights, seq_len, seed):
    """The memory maps' bottom rows (||∂h_T/∂x_s|| over s) for every sample of the gates page
    on the adding problem, with each sample's marked steps: {cell: [(row, marked)]}."""
    found = {cell: [] for cell in compute.MEMORY_CELLS}
    for sample in range(8):
        maps = compute.memory_maps("adding", seq_len, seed, weights, sample)
        inputs = compute.gate_traces("lstm", "adding", seq_len, seed)["trained"].inputs[sample]
        for cell, values in maps.items():
            found[cell].append((values[-1], inputs[:, 1] > 0))
    return found


@pytest.mark.parametrize("seq_len", [20, 60])
@pytest.mark.parametrize("seed", [0, 1])
def test_gates_memory_trained_gated_cells_hold_the_marked_inputs_and_the_rnn_does_not(seq_len, seed):
    """Memory made visible: trained on adding, the LSTM's bottom row is bright at the two marked
    columns and dark in between, "at least ten times more strongly than an unmarked one"; the
    RNN "holds them alike". Marked against the median unmarked input before the last step."""
    def ratios(rows):
        return [row[marked].min() / np.median(row[:-1][~marked[:-1]]) for row, marked in rows]

    rows = bottom_rows("trained", seq_len, seed)
    assert min(ratios(rows["lstm"])) > 10
    assert min(ratios(rows["gru"])) > 5
    assert np.median(ratios(rows["rnn"])) < 2


@pytest.mark.parametrize("seq_len", [20, 60])
def test_gates_memory_before_training_the_rnn_forgets_the_marked_steps_fastest(seq_len):
    """"Set Weights to before training. Which of the three forgets the marked steps fastest?"
    The RNN: its h_T depends least on the first marked input, sample by sample."""
    rows = bottom_rows("untrained", seq_len, 0)
    first_marked = {cell: np.array([row[np.flatnonzero(marked)[0]] for row, marked in found])
                    for cell, found in rows.items()}
    assert (first_marked["rnn"] < first_marked["gru"]).all()
    assert (first_marked["rnn"] < first_marked["lstm"]).all()


# --- 5. Training lab (defaults: adding, T = 50, RNN (tanh) and LSTM, 1000 Adam steps) -------

def lab(cell_choice, seed=0, **changes):
    """One network trained exactly as the lab trains it; its history and the trained model."""
    s = defaults("lab") | {"seed": seed} | changes
    task = rnnviz.tasks.get(s["task"], seq_len=s["T"])
    model = training.build(cell_choice, task, s)
    clip = None if s["clip"] == "none" else (s["clip"], s["c"])
    history = rnnviz.train(model, task, steps=s["steps"], lr=s["lr"], optimizer=s["opt"], clip=clip,
                           tbptt=s["k"] or None, dropout=s["drop"], batch_size=training.BATCH_SIZE,
                           seed=s["seed"])
    return task, model, history


def held_out(task, model, seed=0):
    x, y = task.sample(256, torch.Generator().manual_seed(seed + 1000))
    trace = rnnviz.record(model, x, y, task.loss, task.target)
    return float((trace.outputs.argmax(-1) == trace.targets).mean()) if task.loss == "ce" else trace.loss


@pytest.mark.parametrize("seed", SEEDS)
def test_lab_race_the_lstm_reaches_mse_001_and_the_rnn_does_not(seed):
    """"On the adding problem with T = 50, which will reach MSE 0.01 first: the RNN (tanh) or
    the LSTM?" The LSTM, at step 560–940 depending on the seed; the RNN never does."""
    task, lstm, lstm_history = lab("lstm", seed)
    _, rnn, rnn_history = lab("rnn_tanh", seed)
    assert lstm_history.solved_step(task) is not None and lstm_history.solved_at_end(task)
    assert rnn_history.solved_step(task) is None
    assert held_out(task, lstm, seed) < 0.01 < 0.1 < held_out(task, rnn, seed)


def test_lab_relu_with_sgd_lr_1_blows_up_and_clipping_tames_it():
    """"Train an RNN (ReLU) with SGD, learning rate 1 and no clipping. What happens to the loss?
    Now choose clipping by norm with c = 1 and train again." Without clipping seed 0 diverges
    within a few steps (and every seed ends far above the constant answer's 0.17); with
    clipping none diverges."""
    settings = dict(opt="sgd", lr=1.0)
    _, _, blown = lab("rnn_relu", 0, clip="none", **settings)
    assert blown.diverged_at is not None and blown.diverged_at < 10
    for seed in SEEDS:
        _, _, wild = lab("rnn_relu", seed, clip="none", steps=300, **settings)
        assert wild.diverged_at is not None or wild.final_metric(rnnviz.tasks.get("adding", 50)) > 1
        _, _, tamed = lab("rnn_relu", seed, clip="norm", c=1.0, **settings)
        assert tamed.diverged_at is None and np.isfinite(tamed.loss).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_lab_copy_gru_learns_with_full_bptt_and_not_with_a_window_of_10(seed):
    """"On the copy task with T = 30, a GRU learns to name the symbol within a few hundred steps.
    Set the truncated BPTT window to 10 ... Will the GRU still learn the task in 1000 steps?"
    Full BPTT: solved in about 100 steps, 100 % held out. k = 10: under 50 % after 1000 steps."""
    task, full_model, full = lab("gru", seed, task="copy", T=30, k=0)
    assert full.solved_step(task) < 300 and held_out(task, full_model, seed) >= 0.99
    task, cut_model, cut = lab("gru", seed, task="copy", T=30, k=10)
    assert held_out(task, cut_model, seed) < 0.5


def test_lab_quiz_with_a_window_of_10_the_symbol_weights_get_no_gradient_at_all():
    """Quiz: "Which weights get no gradient at all? The input weights of the symbol channels";
    W_h still gets the gradient of the last 10 steps."""
    task = rnnviz.tasks.get("copy", seq_len=30)
    x, y = task.sample(32, torch.Generator().manual_seed(0))
    for cell in ("rnn", "lstm", "gru"):
        model = rnnviz.Model(cell, task.input_size, 16, task.output_size, seed=0)
        trace = rnnviz.record(model, x, y, task.loss, task.target, tbptt=10)
        symbols = trace.param_grads["weight_ih"][:, :rnnviz.tasks.COPY_SYMBOLS]
        assert np.all(symbols == 0) and np.abs(trace.param_grads["weight_hh"]).max() > 1e-6


def test_lab_count_is_learned_up_to_the_easy_length_and_not_without_clipping_at_50():
    """The count notice: "Without clipping it does not learn: choose clipping by norm. ... With
    T ≤ 10 the LSTM and the GRU learn it within a few hundred steps." """
    for cell in ("lstm", "gru"):
        task, model, history = lab(cell, 0, task="count", T=COUNT_EASY_SEQ_LEN, steps=500)
        assert history.solved_at_end(task) and held_out(task, model) < task.solved
    task, _, history = lab("gru", 0, task="count", T=50, clip="none", steps=500)
    assert not history.solved_at_end(task)


# --- 6. Cliff (defaults: w = 5.5, b = −2, lr 0.5, c = 1, 40 steps) ----------------------------

def path_losses(w, b):
    return np.array([cliff.loss_and_grad(wi, bi)[0] for wi, bi in zip(w, b)])


def test_cliff_only_the_clipped_path_reaches_the_valley():
    """"Starting at w = 5.5, b = −2 with learning rate 0.5, which path reaches the bottom of the
    valley?" The clipped one (loss under 0.01 on the way); the unclipped one meets a gradient in
    the hundreds and is thrown off the map."""
    s = defaults("cliff")
    w, b, norms = cliff.descend(s["w0"], s["b0"], s["lr"], s["iters"])
    W, B, _ = compute.cliff_surface()
    assert norms.max() > 100 and not (W.min() <= w[-1] <= W.max() and B.min() <= b[-1] <= B.max())
    w, b, _ = cliff.descend(s["w0"], s["b0"], s["lr"], s["iters"], clip=s["c"])
    assert path_losses(w, b).min() < 0.01


def test_cliff_page_says_how_low_the_clipped_path_got_and_that_it_hops_across_the_valley():
    """The page's own account under the map, at its defaults: the lowest loss and where it ends,
    against a direct loop over the one-unit RNN (tests/test_lab_cliff.direct_loss)."""
    from harness.apptest import open_page, texts
    from tests.test_lab_cliff import direct_loss

    said = " ".join(texts(open_page("cliff"), "markdown"))
    lowest, end = (float(v) for v in re.search(r"\*\*([^*]+)\*\* at its lowest.*\*\*([^*]+)\*\* at the end",
                                                said).groups())
    s = defaults("cliff")
    w, b, _ = cliff.descend(s["w0"], s["b0"], s["lr"], s["iters"], clip=s["c"])
    losses = [direct_loss(wi, bi) for wi, bi in zip(w, b)]
    assert lowest == pytest.approx(min(losses), rel=0.05) and lowest < 0.01
    assert end == pytest.approx(losses[-1], rel=0.05)
    lowest_step = int(np.argmin(losses))
    assert ("hops across it" in said) == (max(losses[lowest_step:]) > losses[0])
    assert "hops across it" in said  # at the defaults it does: lr × c is wider than the valley


def test_cliff_a_tiny_threshold_still_arrives_with_more_steps():
    """"Lower the clipping threshold to 0.1 ... what changes is how many steps it needs. Raise the
    number of gradient steps to see it arrive." """
    s = defaults("cliff")
    w, b, _ = cliff.descend(s["w0"], s["b0"], s["lr"], 200, clip=0.1)
    assert path_losses(w, b)[-1] < 0.01


def test_cliff_where_the_gradient_is_small_clipping_changes_nothing():
    """"Move the start to w = 2, b = −3. Is there a cliff on the way? Does clipping change
    anything when the gradient is small everywhere?" """
    s = defaults("cliff")
    plain = cliff.descend(2.0, -3.0, s["lr"], s["iters"])
    clipped = cliff.descend(2.0, -3.0, s["lr"], s["iters"], clip=s["c"])
    assert plain[2].max() < s["c"]
    np.testing.assert_array_equal(plain[0], clipped[0])
    np.testing.assert_array_equal(plain[1], clipped[1])


def test_cliff_value_clipping_turns_the_real_gradient_and_more_so_for_smaller_c():
    """"Which turns the real gradient more, clipping by value or by norm? Check the angle, then
    lower c." """
    gradient = compute.real_gradient(0)
    at_one, at_tenth = analysis.clipping_effect(gradient, 1.0), analysis.clipping_effect(gradient, 0.1)
    assert at_one["norm_angle"] == pytest.approx(0, abs=1e-6) and at_one["value_angle"] > 1
    assert at_tenth["value_angle"] > at_one["value_angle"]


# --- 1. Hidden state (defaults: 1, 2, 3, 4; H = 3; tanh; scale 1) -----------------------------

def hidden(**changes):
    s = defaults("hidden") | changes
    return compute.hidden_state_trace(s["numbers"], s["H"], s["act"], s["scale"], s["seed"])


def test_hidden_state_at_t_1_the_recurrent_term_is_zero():
    """"At t = 1 the previous state h₀ is all zeros. Which of the three terms must then be zero?" """
    terms = analysis.rnn_step_terms(hidden(), 0, 1)
    assert np.all(terms["W_h h_{t-1}"] == 0) and np.any(terms["W_x x_t"] != 0)


def test_hidden_state_tanh_saturates_towards_one_as_the_weights_grow():
    """"With tanh, can any unit of h_t ever be larger than 1? Raise the weight scale to 3 and
    watch the last column: the values move towards ±1, and the largest stop just short of it." """
    small, large = np.abs(hidden().hidden), np.abs(hidden(scale=3.0).hidden)
    assert large.mean() > small.mean() + 0.1 and 0.999 < large.max() < 1


def test_hidden_state_relu_with_large_weights_grows_past_one_step_after_step():
    """"Switch the activation to ReLU and raise the weight scale ... nothing stops h_t from growing
    step after step." """
    state = np.linalg.norm(hidden(act="relu", scale=3.0).hidden[0], axis=-1)
    assert state[-1] > 1 and np.all(np.diff(state) > 0)
