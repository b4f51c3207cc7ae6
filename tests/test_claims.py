"""Lessons are claims, and claims are tested.

Every sentence a lesson, prompt, quiz answer or caption says about what the learner will see
is listed here with the settings that show it, and run through the same functions the page
calls (ui.compute, ui.training, rnnviz). The seed sits in the sidebar and learners change it,
so a claim that depends on the draw is asserted over seeds 0-9 and must hold on at least 9 of
them (on all 10 where the lesson says it always does). Trainings are chaotic: a run differs in
its last bits on another kind of processor (rnnviz/reproducible.py) and a seed can land the
other way, so a training claim must hold on all 10 here to leave that margin; run this file under
ATEN_CPU_CAPABILITY=default, avx2 and avx512 to see it hold on each. After the run, pytest
prints on how many seeds each claim held (tests/conftest.py).
The quoted text is the lesson's; the test name says what is asserted.
"""

import numpy as np
import pytest
import torch

import rnnviz
from rnnviz import analysis, checkpoints, cliff
from rnnviz.tasks import COUNT_EASY_SEQ_LEN
from tests import lab_runs
from tests.conftest import HOLDS
from ui import compute, verdicts
from ui.settings import defaults

SEEDS = range(10)
ALMOST_ALWAYS = 9  # of seeds 0-9


def orders(norms):
    """log10 ||dL/dh_1|| / ||dL/dh_T||: negative when the gradient vanishes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log10(norms[0] / norms[-1]))


@pytest.fixture
def holds(record_property):
    """holds(results, at_least): the claim held on `results[seed]`, for at least that many seeds."""
    def check(results, at_least=ALMOST_ALWAYS):
        held = [bool(result) for result in results]
        record_property(HOLDS, f"{sum(held)}/{len(held)}")
        failing = [seed for seed, ok in enumerate(held) if not ok]
        assert sum(held) >= at_least, f"holds on {sum(held)} of {len(held)} seeds; not on {failing}"
    return check


@pytest.fixture(scope="module")
def pool():
    with lab_runs.pool() as workers:
        yield workers


def lab(pool, cell_choice, seeds=SEEDS, until_solved=False, **changes):
    """The lab's run of one network for each seed, trained two at a time."""
    return list(pool.map(lab_runs.lab_run, [cell_choice] * len(seeds), seeds,
                         [tuple(changes.items())] * len(seeds), [until_solved] * len(seeds)))


# --- 1. Hidden state (defaults: 1, 2, 3, 4; H = 3; tanh; scale 1) -----------------------------

def hidden(seed=0, **changes):
    s = defaults("hidden") | {"seed": seed} | changes
    return compute.hidden_state_trace(s["numbers"], s["H"], s["act"], s["scale"], s["seed"])


def test_hidden_state_at_t_1_the_recurrent_term_is_zero(holds):
    """"At t = 1 the previous state h₀ is all zeros. Which of the three terms must then be zero?"
    Always: h₀ = 0."""
    def zero_recurrent(seed):
        terms = analysis.rnn_step_terms(hidden(seed), 0, 1)
        return np.all(terms["W_h h_{t-1}"] == 0) and np.any(terms["W_x x_t"] != 0)

    holds([zero_recurrent(seed) for seed in SEEDS], at_least=10)


def test_hidden_state_tanh_saturates_towards_one_as_the_weights_grow(holds):
    """"With tanh, can any unit of h_t ever be larger than 1? Raise the weight scale to 3 and
    watch the last column": "the values of h_t crowd towards ±1 and the largest stop just short
    of it"."""
    def saturates(seed):
        small, large = np.abs(hidden(seed).hidden), np.abs(hidden(seed, scale=3.0).hidden)
        return large.mean() > small.mean() + 0.1 and 0.999 < large.max() < 1

    holds([saturates(seed) for seed in SEEDS])


def test_hidden_state_relu_at_scale_3_passes_one_at_most_seeds_and_a_few_are_dead(holds):
    """"Now switch the activation to ReLU, still at scale 3 ... nothing keeps h_t below 1: at most
    seeds some unit passes 1 within the four steps. (At a few seeds every sum is negative and the
    whole state stays 0 ...; the page says so when it happens.)" The page's note at the dead
    seed (1): tests/test_live_views.py."""
    states = [hidden(seed, act="relu", scale=3.0).hidden for seed in SEEDS]
    holds([state.max() > 1 for state in states])
    assert [seed for seed, state in zip(SEEDS, states) if not state.any()] == [1]


# --- 2. Unrolled network & BPTT (defaults: T = 12, H = 3, tanh, k = 4) ------------------------

def unrolled(radius, seed=0, **changes):
    s = defaults("unrolled") | {"radius": radius, "seed": seed} | changes
    return compute.unrolled_traces(s["T"], s["H"], s["act"], s["radius"], s["seed"], s["k"])


def test_unrolled_the_direct_term_at_T_minus_1_is_zero():
    """"The loss reads only y_T. At t = T − 1, what is the direct term from y_t?" """
    full, _ = unrolled(1.0)
    assert np.all(full.grad_hidden_direct[0, -2] == 0) and np.any(full.grad_hidden_direct[0, -1] != 0)


def test_unrolled_colours_fade_faster_at_radius_half_than_at_one_and_a_half(holds):
    """"Set the spectral radius to 0.5 and walk back to t = 1. How quickly do the nodes turn
    dark? Now try 1.5": faster at 0.5 by at least an order of magnitude over the 12 steps."""
    def faster(seed):
        small, _ = unrolled(0.5, seed)
        large, _ = unrolled(1.5, seed)
        return orders(small.grad_hidden_norm[0]) < orders(large.grad_hidden_norm[0]) - 1

    holds([faster(seed) for seed in SEEDS])


def test_unrolled_the_exception_is_a_saturated_state():
    """The exception (seed 4 at radius 1.5: the state sits near ±1 and fades as fast as at 0.5)
    is the one seed of 0-9 whose mean tanh′ falls under the page's threshold, which is what its
    note tests for (the note itself: tests/test_live_views.py)."""
    slopes = [float((1 - unrolled(1.5, seed)[0].hidden[0] ** 2).mean()) for seed in SEEDS]
    assert [seed for seed, slope in zip(SEEDS, slopes) if slope < compute.SATURATED] == [4]


def test_unrolled_truncation_changes_little_at_radius_half_and_a_lot_more_at_one_and_a_half(holds):
    """"With a small spectral radius (0.5), does truncating to k = 4 change ∂L/∂W_h a lot or a
    little? ... then set the radius to 1.5": a little at 0.5, a lot more (three times more and
    more) at 1.5, as the guess check computes it (ui/verdicts.py)."""
    s = defaults("unrolled")
    shown = [verdicts._truncation_at_half_and_one_and_a_half(s | {"seed": seed}, None) for seed in SEEDS]
    holds([choice == 0 for choice in shown])
    small = [verdicts.truncation_change(s | {"seed": seed}, 0.5) for seed in SEEDS]
    assert np.median(small) < 0.05


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


def test_vanishing_default_view_vanishes_under_an_informative_bound(holds):
    """The default curve falls by orders of magnitude, under the dashed σ_max bound, and that
    bound falls too: orthogonal W_h scaled to ρ = 0.9 has σ_max = ρ = 0.9."""
    def vanishes(seed):
        trace = vanishing(seed)
        norms = trace.grad_hidden_norm[0]
        sigma_max = analysis.singular_values(trace.params["weight_hh"])[0]
        bound = analysis.tanh_bound(norms[-1], sigma_max, len(norms))
        return (sigma_max == pytest.approx(0.9, abs=1e-9) and np.all(norms <= bound * (1 + 1e-9))
                and bound[0] < 0.01 * norms[-1] and orders(norms) < -2)

    holds([vanishes(seed) for seed in SEEDS], at_least=10)


def test_vanishing_uniform_draw_has_sigma_max_above_rho_so_its_bound_grows(holds):
    """The lesson: "switch W_h drawn to PyTorch's uniform draw to see σ_max move outside every
    eigenvalue and the bound stop saying anything"."""
    def above(seed):
        weight = vanishing(seed, init="default").params["weight_hh"]
        return (analysis.spectral_radius(weight) == pytest.approx(0.9, abs=1e-9)
                and analysis.singular_values(weight)[0] > 1.2)

    holds([above(seed) for seed in SEEDS], at_least=10)


def test_vanishing_every_step_back_multiplies_by_less_than_one_at_the_defaults(holds):
    """The right chart: "below the line at 1 it shrinks". For a tanh RNN no step can multiply
    by more than σ_max = 0.9."""
    def shrinks(seed):
        norms = vanishing(seed).grad_hidden_norm[0]
        return np.all(norms[:-1] / norms[1:] <= 0.9 + 1e-9)

    holds([shrinks(seed) for seed in SEEDS], at_least=10)


def test_vanishing_lengthening_T_from_50_to_200_loses_many_more_orders(holds):
    """"If you lengthen the sequence from 50 to 200 steps, what happens to ‖∂L/∂h₁‖ ÷ ‖∂L/∂h_T‖?"
    It shrinks by many more orders, as the guess check computes it."""
    s = defaults("vanishing")
    holds([verdicts._lengthening_to_200(s | {"seed": seed}, None) == 2 for seed in SEEDS], at_least=10)


def test_vanishing_radius_one_and_a_half_puts_the_eigenvalues_outside_and_the_curve_rises(holds):
    """"Raise the spectral radius from 0.9 to 1.5. Where do the eigenvalues go relative to the
    circle, and does the curve still fall?" It does not: it rises."""
    def rises(seed):
        trace = vanishing(seed, radius=1.5)
        return (np.all(np.abs(analysis.eigenvalues(trace.params["weight_hh"])) > 1.49)
                and orders(trace.grad_hidden_norm[0]) > 0)

    holds([rises(seed) for seed in SEEDS])


def test_vanishing_lstm_with_open_forget_gate_keeps_its_gradient_and_closed_loses_it(holds):
    """"Switch the cell to LSTM. With the forget gate open (bias 3), how many orders of magnitude
    are lost (or gained) now, against the 3 to 4.5 the tanh RNN lost? Then set the forget-gate
    bias to −2 and compare." Under an order and a half either way, against 3 to 4.5 for the
    tanh RNN and more than 15 with the gate closed."""
    def keeps(seed):
        return (abs(orders(vanishing(seed, cell="lstm", fbias=3.0).grad_hidden_norm[0])) < 1.5
                and -4.5 < orders(vanishing(seed).grad_hidden_norm[0]) < -2.9
                and orders(vanishing(seed, cell="lstm", fbias=-2.0).grad_hidden_norm[0]) < -15)

    holds([keeps(seed) for seed in SEEDS], at_least=10)


def test_vanishing_quiz_a_bigger_vanilla_rnn_still_vanishes(holds):
    """Quiz: "a bigger vanilla RNN still vanishes. Try it with the hidden size slider." """
    holds([orders(vanishing(seed, H=128).grad_hidden_norm[0]) < -2 for seed in SEEDS], at_least=10)


def vanishing_run(seed, **changes):
    s = defaults("vanishing") | {"seed": seed} | changes
    return compute._vanishing_run(s["cell"], s["T"], s["H"], s["radius"], s["init"], s["fbias"], s["clip"],
                                  s["c"], s["lr"], s["seed"], 60, 3)


def test_vanishing_clipping_by_norm_moves_the_after_line_down_to_c(holds):
    """"ReLU with a spectral radius of 1.5 and no clipping: watch the gradient norm before
    clipping. Now choose clipping by norm with c = 1. Which line moves?" The after-clipping line
    drops to c wherever the gradient is bigger, and it is bigger somewhere."""
    def moves(seed):
        run = vanishing_run(seed, cell="rnn_relu", radius=1.5, clip="norm", c=1.0)
        return (run["grad_norm"].max() > 1
                and np.allclose(run["clipped_grad_norm"], np.minimum(run["grad_norm"], 1.0), rtol=1e-6))

    holds([moves(seed) for seed in SEEDS], at_least=10)


def test_vanishing_relu_without_clipping_blows_up_and_its_chart_still_shows_the_point():
    """Without clipping the ReLU run diverges within a few iterations; the chart then has a
    point or two, drawn as markers, not as an invisible one-point line."""
    from harness.apptest import figure_titled, open_page, texts

    at = open_page("vanishing", {"cell": "rnn_relu", "radius": "1.5", "clip": "none"})
    assert any("diverged at iteration" in error for error in texts(at, "error"))
    curve = figure_titled(at, "Gradient norm (no clipping)")["data"][0]
    assert len(curve["x"]) >= 1 and (len(curve["x"]) > 1 or "markers" in curve["mode"])


# --- 4. Gates (shipped checkpoints, T = 20 by default, any T from 5 to 60) ------------------
# The networks are fixed (trained once from seed 0); the seed draws the 8 sequences shown.

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


def test_gates_lstm_input_gate_opens_at_the_marked_steps_after_training(holds):
    """"At which steps should the trained input gate i_t open wide? Follow the dotted lines down
    from the marked steps." Wider there after training, alike before."""
    def opens(seed):
        runs = gates_on("lstm", "adding", seed=seed)
        marked = runs["trained"].inputs[..., 1] > 0
        trained, untrained = (runs[name].gates["i"].mean(axis=-1) for name in ("trained", "untrained"))
        return (trained[marked].mean() - trained[~marked].mean() > 0.2
                and abs(untrained[marked].mean() - untrained[~marked].mean()) < 0.1)

    holds([opens(seed) for seed in SEEDS], at_least=10)


def test_gates_trained_lstm_holds_forget_gates_near_one_and_untrained_does_not(holds):
    """"Switch Weights between trained and before training and watch the forget gate f_t. Which
    one holds values near 1 for long stretches?" Units whose forget gate averages above 0.9."""
    def held(seed):
        for task_name in ("adding", "copy"):
            runs = gates_on("lstm", task_name, seed=seed)
            near_one = {name: int((runs[name].gates["f"].mean(axis=(0, 1)) > 0.9).sum())
                        for name in ("trained", "untrained")}
            if not (near_one["trained"] >= 1 and near_one["untrained"] == 0):
                return False
        return True

    holds([held(seed) for seed in SEEDS], at_least=10)


def test_gates_gru_update_gate_drops_at_the_marked_steps(holds):
    """"Pick the GRU. Its update gate z_t near 1 means keep the old state. Where does it drop?"
    At the marked steps, where something must be written."""
    def drops(seed):
        runs = gates_on("gru", "adding", seed=seed)
        marked = runs["trained"].inputs[..., 1] > 0
        z = runs["trained"].gates["z"].mean(axis=-1)
        return z[~marked].mean() > 0.85 and z[marked].mean() < z[~marked].mean() - 0.15

    holds([drops(seed) for seed in SEEDS], at_least=10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_untrained_gated_cell_keeps_more_gradient_than_the_untrained_rnn(cell, holds):
    """Gradient flow, like with like: "untrained, on sequences of 20 steps and longer, the gated
    cell already keeps one or more orders of magnitude more of the gradient at the early steps
    than the vanilla RNN". On every sequence shown, at T = 20, 40 and 60."""
    def keeps(seed):
        for task_name in ("adding", "copy"):
            for seq_len in (20, 40, 60):
                runs = gates_on(cell, task_name, seq_len, seed)
                gated, vanilla = ([orders(n) for n in runs[name].grad_hidden_norm]
                                  for name in ("untrained", "untrained_rnn"))
                if not all(g > v + 1 for g, v in zip(gated, vanilla)):
                    return False
        return True

    holds([keeps(seed) for seed in SEEDS], at_least=10)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gates_on_copy_a_trained_gated_cell_passes_far_more_gradient_to_t_1(cell, holds):
    """Gradient flow: "On copy, whose answer depends on step 1 alone, the trained gated cell still
    passes the gradient back to t = 1, at least a hundred times more of it than the trained
    vanilla RNN." On every sequence shown, at T = 20, 40 and 60."""
    def passes(seed):
        for seq_len in (20, 40, 60):
            runs = gates_on(cell, "copy", seq_len, seed)
            gated, vanilla = ([orders(n) for n in runs[name].grad_hidden_norm] for name in ("trained", "trained_rnn"))
            if not all(g > v + 2 for g, v in zip(gated, vanilla)):
                return False
        return True

    holds([passes(seed) for seed in SEEDS], at_least=10)


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
def test_gates_memory_trained_gated_cells_hold_the_marked_inputs_and_the_rnn_does_not(seq_len, holds):
    """Memory made visible: trained on adding, the LSTM's bottom row is bright at the two marked
    columns and dark in between, "at least ten times more strongly than an unmarked one"; the
    RNN "holds them alike". Marked against the median unmarked input before the last step."""
    def ratios(rows):
        return [row[marked].min() / np.median(row[:-1][~marked[:-1]]) for row, marked in rows]

    def selective(seed):
        rows = bottom_rows("trained", seq_len, seed)
        return min(ratios(rows["lstm"])) > 10 and min(ratios(rows["gru"])) > 5 and np.median(ratios(rows["rnn"])) < 2

    holds([selective(seed) for seed in SEEDS], at_least=10)


@pytest.mark.parametrize("seq_len", [20, 60])
def test_gates_memory_before_training_the_rnn_forgets_the_marked_steps_fastest(seq_len, holds):
    """"Set Weights to before training. Which of the three forgets the marked steps fastest?"
    The RNN: its h_T depends least on the first marked input, sample by sample."""
    def fastest(seed):
        rows = bottom_rows("untrained", seq_len, seed)
        first = {cell: np.array([row[np.flatnonzero(marked)[0]] for row, marked in found])
                 for cell, found in rows.items()}
        return (first["rnn"] < first["gru"]).all() and (first["rnn"] < first["lstm"]).all()

    holds([fastest(seed) for seed in SEEDS], at_least=10)


@pytest.mark.parametrize("seq_len", [20, 60])
def test_gates_memory_the_trained_rnn_holds_everything_alike_and_the_page_says_so(seq_len):
    """The trained RNN's map is bright across its bottom row (its gradient no longer vanishes):
    the page says it holds every input alike, rather than leave "a plain RNN forgets" standing
    beside a map that shows none of it."""
    from harness.apptest import open_page, texts

    row = compute.memory_maps("adding", seq_len, 0, "trained", 0)["rnn"][-1]
    assert np.median(row) > 0.1 * row.max()
    captions = " ".join(texts(open_page("gates", {"T": str(seq_len)}), "caption"))
    assert "holds every input alike" in captions


# --- 5. Training lab (defaults: adding, T = 50, RNN (tanh) and LSTM, 1200 Adam steps at 0.03) --

RACE_MARGIN = 0.6  # the LSTM gets there within this share of the steps: room to spare in class


def test_lab_race_the_lstm_reaches_mse_001_with_room_to_spare_and_the_rnn_does_not(pool, holds):
    """"On the adding problem with T = 50, which will reach MSE 0.01 first: the RNN (tanh) or the
    LSTM?" The LSTM, within 60 % of the steps (a teacher's demo must not hang on the last
    step); the RNN never does; held out, the same."""
    lstm, rnn = lab(pool, "lstm"), lab(pool, "rnn_tanh")
    holds([a["solved_step"] is not None and a["solved_step"] <= RACE_MARGIN * a["steps"] and a["solved_at_end"]
           and a["held_out"] < 0.01 and b["solved_step"] is None and b["held_out"] > 0.1
           for a, b in zip(lstm, rnn)])


@pytest.mark.parametrize("notch", [{"lr": 0.01}, {"lr": 0.1}, {"H": 16}, {"H": 64}, {"T": 40}, {"T": 60}],
                         ids=lambda notch: ",".join(f"{k}={v}" for k, v in notch.items()))
def test_lab_race_survives_a_notch_of_learning_rate_hidden_size_and_length_either_way(pool, holds, notch):
    """A teacher nudging one control in front of the class keeps the demo: the learning rate to
    its neighbouring choice, the hidden size halved or doubled, T 10 shorter or longer. The
    LSTM still reaches MSE 0.01 within the steps. (The RNN's part, never reaching it, is the
    robust one: at every notch it ends above 0.15, measured for the README.)"""
    holds([run["solved_step"] is not None for run in lab(pool, "lstm", until_solved=True, **notch)])


def test_lab_relu_with_sgd_lr_1_blows_up_and_clipping_stops_that_but_does_not_teach_it(pool, holds):
    """"Train an RNN (ReLU) with SGD, learning rate 1 and no clipping. What happens to the loss?
    Now choose clipping by norm with c = 1 ... The loss stays finite now, but has the network
    learned the task? Compare its MSE with 0.17": without clipping it diverges or ends far above
    0.17; with clipping it never diverges and ends no better than the constant answer."""
    sgd = dict(opt="sgd", lr=1.0)
    wild, tamed = lab(pool, "rnn_relu", clip="none", **sgd), lab(pool, "rnn_relu", clip="norm", c=1.0, **sgd)
    holds([(a["diverged_at"] is not None or a["final"] > 1) and b["diverged_at"] is None and b["finite"]
           and b["held_out"] > 0.15 for a, b in zip(wild, tamed)])


def test_lab_copy_gru_learns_with_full_bptt_and_stays_far_from_it_with_a_window_of_5(pool, holds):
    """"On the copy task with T = 30, a GRU learns to name the symbol within about a hundred
    steps. Set the truncated BPTT window to 5 ... Will the GRU still learn the task?" Full
    BPTT: solved within 150 steps (56-118 on 39 of seeds 0-9 at the three CPU levels, portable or
    not; 154 on one), 100 % held out. k = 5: under 90 % after all its steps (the
    guess check's line). (With k = 10 one or two seeds in ten learn it after all, from what
    the untrained input weights happen to write: too close a call for a class.)"""
    copy = dict(task="copy", T=30)
    full, cut = lab(pool, "gru", k=0, **copy), lab(pool, "gru", k=5, **copy)
    holds([a["solved_step"] is not None and a["solved_step"] <= 150 and a["held_out"] >= 0.99
           and b["held_out"] < 0.9 and b["final"] < 0.9 for a, b in zip(full, cut)])


def test_lab_quiz_with_a_window_of_5_the_symbol_weights_get_no_gradient_at_all():
    """Quiz: "Which weights get no gradient at all? The input weights of the symbol channels";
    W_h still gets the gradient of the last 5 steps."""
    task = rnnviz.tasks.get("copy", seq_len=30)
    x, y = task.sample(32, torch.Generator().manual_seed(0))
    for cell in ("rnn", "lstm", "gru"):
        model = rnnviz.Model(cell, task.input_size, 16, task.output_size, seed=0)
        trace = rnnviz.record(model, x, y, task.loss, task.target, tbptt=5)
        symbols = trace.param_grads["weight_ih"][:, :rnnviz.tasks.COPY_SYMBOLS]
        assert np.all(symbols == 0) and np.abs(trace.param_grads["weight_hh"]).max() > 1e-6


def test_lab_count_is_learned_up_to_the_easy_length_and_not_without_clipping_at_50(pool, holds):
    """The count notice: "Without clipping it does not learn: choose clipping by norm. ... With
    T ≤ 10 the LSTM and the GRU learn it within a few hundred steps." """
    easy = dict(task="count", T=COUNT_EASY_SEQ_LEN, steps=500)
    lstm, gru = lab(pool, "lstm", **easy), lab(pool, "gru", **easy)
    unclipped = lab(pool, "gru", task="count", T=50, clip="none", steps=500)
    holds([a["solved_at_end"] and b["solved_at_end"] and not c["solved_at_end"]
           for a, b, c in zip(lstm, gru, unclipped)])


# --- 6. Cliff (defaults: w = 5.2, b = −2.6, lr 0.2, c = 1, 200 steps; no seed) ------------------

def cliff_settings(**changes):
    return defaults("cliff") | changes


def test_cliff_the_clipped_path_settles_in_the_valley_and_the_unclipped_is_thrown_off_the_wall():
    """"Starting at w = 5.2, b = −2.6 with learning rate 0.2 ... Which one ends up settled at the
    bottom of the valley?" The clipped one; the unclipped one lands on the wall, where one step
    throws it onto the plateau, higher than it started."""
    s = cliff_settings()
    (w, b, norms), (cw, cb, _) = verdicts.cliff_paths(s)
    assert cliff.settled_from(cw, cb) is not None and cliff.settled_from(w, b) is None
    loss = cliff.loss_and_grad(w, b)[0]
    jump = int(np.argmax(np.hypot(np.diff(w), np.diff(b))))
    assert np.hypot(w[jump + 1] - w[jump], b[jump + 1] - b[jump]) > 3 and loss[-1] > loss[0]
    assert verdicts._which_path_settles(s, None) == 1


def answers_near(learning_rates, moves):
    """The Predict's answer (the judge's choice index) at the cliff's defaults with each learning
    rate and the start moved by each (dw, db): all the descents at once (descend takes arrays)."""
    base = cliff_settings()
    grid = np.array([(lr, round(base["w0"] + dw, 1), round(base["b0"] + db, 1))
                     for lr in learning_rates for dw in moves for db in moves])
    lr, w0, b0 = grid.T
    paths = [cliff.descend(w0, b0, lr, base["iters"], clip=clip) for clip in (None, base["c"])]
    settles = [[cliff.settled_from(w[:, k], b[:, k]) is not None for k in range(len(grid))] for w, b, _ in paths]
    answers = [{(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[pair]
               for pair in zip(*settles)]
    for k in (0, len(grid) // 2):  # the judge says the same
        assert answers[k] == verdicts._which_path_settles(base | dict(zip(("lr", "w0", "b0"), grid[k])), None)
    return answers


def test_cliff_the_predict_has_one_right_answer_near_the_defaults():
    """Not a knife-edge: a notch of the learning rate (±0.01) and of the start (±0.1 in w and b)
    gives the same answer on all 27 settings; further out, ±25 % of the learning rate and ±0.3
    in w and b, on at least three quarters of them (the README gives the fractions)."""
    assert answers_near((0.19, 0.2, 0.21), (-0.1, 0, 0.1)) == [1] * 27
    wide = answers_near((0.15, 0.18, 0.2, 0.22, 0.25), (-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3))
    assert np.mean([answer == 1 for answer in wide]) >= 0.75


def test_cliff_the_predict_answers_both_and_neither_where_the_numbers_say_so():
    """The guess check is the engine's, not the lesson's mark: where neither path settles, or
    both do, it says so."""
    assert verdicts._which_path_settles(cliff_settings(w0=2.0, b0=-3.0), None) == 2  # both settle
    assert verdicts._which_path_settles(cliff_settings(iters=20), None) == 3  # too few steps


def test_cliff_the_step_before_the_wall_and_its_two_next_steps():
    """"Drag Step along the paths to 28, the last step before the wall. How long is the unclipped
    path's next step, and the clipped path's?" 3.56 against lr × c = 0.2; the largest gradient
    on the unclipped path is at that step."""
    (w, b, norms), (cw, cb, _) = verdicts.cliff_paths(cliff_settings())
    assert int(np.argmax(norms)) == 28 and norms[28] > 10 * norms[27]
    assert np.hypot(w[29] - w[28], b[29] - b[28]) == pytest.approx(3.56, abs=0.01)
    assert np.hypot(cw[29] - cw[28], cb[29] - cb[28]) == pytest.approx(0.2)


def test_cliff_a_tiny_threshold_still_settles_with_more_steps():
    """"Lower the clipping threshold to 0.1. The clipped path still goes the right way, in steps
    ten times shorter, so it needs more of them: raise Gradient steps to 500 to see it settle." """
    s = cliff_settings(c=0.1)
    assert verdicts._which_path_settles(s, None) == 3  # 200 steps: not yet
    w, b, _ = verdicts.cliff_paths(s | {"iters": 500})[1]
    assert cliff.settled_from(w, b) is not None


def test_cliff_where_the_gradient_is_small_clipping_changes_nothing():
    """"Move the start to w = 2, b = −3. Is there a cliff on the way? Does clipping change
    anything when the gradient is small everywhere?" """
    (plain_w, plain_b, norms), (clipped_w, clipped_b, _) = verdicts.cliff_paths(cliff_settings(w0=2.0, b0=-3.0))
    assert norms.max() < cliff_settings()["c"]
    np.testing.assert_array_equal(plain_w, clipped_w)
    np.testing.assert_array_equal(plain_b, clipped_b)


def test_cliff_value_clipping_turns_the_real_gradient_and_more_so_for_smaller_c(holds):
    """"Which turns the real gradient more, clipping by value or by norm? Check the angle, then
    lower c." """
    def turns(seed):
        gradient = compute.real_gradient(seed)
        at_one, at_tenth = analysis.clipping_effect(gradient, 1.0), analysis.clipping_effect(gradient, 0.1)
        return (at_one["norm_angle"] < 1e-3 and at_one["value_angle"] > 1  # arccos near 1: ~1e-6° of rounding
                and at_tenth["value_angle"] > at_one["value_angle"])

    holds([turns(seed) for seed in SEEDS], at_least=10)
