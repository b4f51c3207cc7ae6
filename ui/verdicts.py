"""What each Predict's experiment shows at the settings on screen, computed by the engine.

A lesson marks the answer its page's defaults show; a learner who moves the controls (another
seed, another start point) may be looking at an experiment that shows another. The guess check
and the class poll's tick use `right_answer`, which runs the experiment at the settings on
screen. A judge returns the index of the choice the numbers show, or None where the settings
on screen do not pose the question (the lab before its run is trained): then the lesson's
mark stands. No Streamlit here: judges take settings (and the lab's finished run) and are
tested directly; tests/test_verdicts.py holds each judge to its lesson's mark at the defaults.
"""

import numpy as np

from rnnviz import analysis, cliff
from ui import compute

# "A lot more" is this many times the other, and a change of at least NOTICEABLE (5 %); two
# changes closer than that, or both smaller, are "the same".
CLEARLY, NOTICEABLE = 3.0, 0.05

JUDGES = {}


def judges(poll_id):
    def register(function):
        JUDGES[poll_id] = function
        return function
    return register


def right_answer(poll, settings, run=None):
    """The choice the experiment shows at `settings` (a page's values, seed included), or the
    lesson's mark where the settings on screen do not pose the question."""
    judge = JUDGES.get(poll.id)
    found = judge(settings, run) if judge is not None else None
    return poll.right if found is None else poll.choices[found]


def _compared(first, second):
    """0: second clearly larger; 1: first clearly larger; 2: about the same."""
    if second > max(CLEARLY * first, NOTICEABLE):
        return 0
    if first > max(CLEARLY * second, NOTICEABLE):
        return 1
    return 2


# --- 1. Hidden state -------------------------------------------------------------------------

def _hidden_trace(settings, **changes):
    s = settings | changes
    return compute.hidden_state_trace(s["numbers"], s["H"], s["act"], s["scale"], s["seed"])


@judges("hidden_state.main.1")
def _zero_term_at_t_1(settings, run):
    """Which of W_x x_1, W_h h_0, b is all zeros (h_0 = 0 makes it the recurrent term)."""
    terms = analysis.rnn_step_terms(_hidden_trace(settings), 0, 1)
    zero = [not np.any(terms[name]) for name in ("W_x x_t", "W_h h_{t-1}", "b")]
    return zero.index(True) if any(zero) else None


@judges("hidden_state.main.2")
def _tanh_stays_below_one(settings, run):
    """Whether any unit of a tanh network's h_t passes 1, at the scale on screen or 3."""
    trace = _hidden_trace(settings, act="tanh", scale=max(settings["scale"], 3.0))
    return 0 if np.abs(trace.hidden).max() > 1 else 1


# --- 2. Unrolled network ---------------------------------------------------------------------

def _unrolled(settings, **changes):
    s = settings | changes
    return compute.unrolled_traces(s["T"], s["H"], s["act"], s["radius"], s["seed"], s["k"])


@judges("unrolled.main.1")
def _direct_term_before_the_last_step(settings, run):
    if settings["T"] < 2:
        return None
    full, _ = _unrolled(settings)
    direct, last = full.grad_hidden_direct[0, -2], full.grad_hidden_direct[0, -1]
    if not np.any(direct):
        return 0
    return 1 if np.allclose(direct, last) else 2


def truncation_change(settings, radius):
    """‖truncated − full‖ ÷ ‖full‖ of ∂L/∂W_h at this spectral radius, the page's other settings."""
    full, truncated = _unrolled(settings, radius=radius)
    exact = full.param_grads["weight_hh"]
    return float(np.linalg.norm(truncated.param_grads["weight_hh"] - exact) / max(np.linalg.norm(exact), 1e-300))


@judges("unrolled.Truncated BPTT.1")
def _truncation_at_half_and_one_and_a_half(settings, run):
    """Choices: a little at 0.5 and a lot more at 1.5; a lot at 0.5, little at 1.5; the same."""
    return _compared(truncation_change(settings, 0.5), truncation_change(settings, 1.5))


# --- 3. Vanishing gradients ------------------------------------------------------------------

def orders_over(settings, seq_len):
    """log10 ‖∂L/∂h_1‖ ÷ ‖∂L/∂h_T‖ at this length, the page's other settings."""
    s = settings
    _, trace = compute.vanishing_trace(s["cell"], seq_len, s["H"], s["radius"], s["init"], s["fbias"], s["seed"])
    norms = trace.grad_hidden_norm[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log10(norms[0] / norms[-1]))


@judges("vanishing.main.1")
def _lengthening_to_200(settings, run):
    """Choices: about the same; grows; shrinks by many more orders. One order either way is
    'about the same'."""
    at_50, at_200 = orders_over(settings, 50), orders_over(settings, 200)
    if not (np.isfinite(at_50) and np.isfinite(at_200)):
        return None
    return 2 if at_200 < at_50 - 1 else 1 if at_200 > at_50 + 1 else 0


# --- 4. Gates --------------------------------------------------------------------------------

@judges("gates.main.1")
def _where_the_input_gate_opens(settings, run):
    """Choices: at the two marked steps; at every step alike; only at the last step. Read off
    the trained LSTM on the adding problem, on the sample on screen."""
    trace = compute.gate_traces("lstm", "adding", settings["T"], settings["seed"])["trained"]
    gate = trace.gates["i"][settings["sample"]].mean(axis=-1)
    marked = trace.inputs[settings["sample"], :, 1] > 0
    if gate[marked].mean() > gate[~marked].mean() + 0.2:
        return 0
    if gate[-1] > np.delete(gate, -1).mean() + 0.2:
        return 2
    return 1


@judges("gates.Memory made visible.1")
def _where_the_lstm_holds_its_inputs(settings, run):
    """Choices: at the two marked columns, dark between; only near the last steps; evenly.
    The trained LSTM's bottom row of the memory map, on the sample on screen."""
    row = compute.memory_maps("adding", settings["T"], settings["seed"], "trained", settings["sample"])["lstm"][-1]
    trace = compute.gate_traces("lstm", "adding", settings["T"], settings["seed"])["trained"]
    marked = trace.inputs[settings["sample"], :, 1] > 0
    unmarked = np.median(row[:-1][~marked[:-1]])
    if row[marked].min() > 10 * unmarked:
        return 0
    recent = row[-3:].mean()
    return 1 if recent > 10 * np.median(row) else 2


# --- 5. Training lab ---------------------------------------------------------------------------

def _finished(run, settings, task_name):
    """The lab's finished run on screen, if it is of `task_name`; else None."""
    if run is None or settings["task"] != task_name or not run.get("finished") or run.get("paused"):
        return None
    return run


def _lab_task(settings):
    import rnnviz

    return rnnviz.tasks.get(settings["task"], seq_len=settings["T"])


@judges("lab.main.1")
def _first_to_mse_001(settings, run):
    """Choices: the RNN (tanh); the LSTM; both at about the same step; neither. From the
    finished race on screen (adding, both cells trained), else None."""
    run = _finished(run, settings, "adding")
    if run is None or not all("history" in run["runs"].get(name, {}) for name in ("RNN (tanh)", "LSTM")):
        return None
    rnn, lstm = (run["runs"][name]["history"].solved_step(_lab_task(settings)) for name in ("RNN (tanh)", "LSTM"))
    if rnn is None and lstm is None:
        return 3
    near = 0.1 * settings["steps"]
    if rnn is not None and lstm is not None and abs(rnn - lstm) <= near:
        return 2
    return 1 if rnn is None or (lstm is not None and lstm < rnn) else 0


@judges("lab.main.3")
def _gru_with_a_truncated_window(settings, run):
    """Choices: yes, as well as without the window; no, still far from 100 %. From the finished
    GRU run on copy on screen: its accuracy over its last steps."""
    run = _finished(run, settings, "copy")
    gru = next((r for name, r in (run or {"runs": {}})["runs"].items() if name.startswith("GRU")), {})
    if "history" not in gru:
        return None
    return 0 if gru["history"].final_metric(_lab_task(settings)) >= 0.9 else 1


# --- 6. Cliff ---------------------------------------------------------------------------------

def cliff_paths(settings):
    """The unclipped and the clipped descent at the page's settings: (w, b, gradient norms) each."""
    s = settings
    return (cliff.descend(s["w0"], s["b0"], s["lr"], s["iters"]),
            cliff.descend(s["w0"], s["b0"], s["lr"], s["iters"], clip=s["c"]))


@judges("cliff.main.1")
def _which_path_settles(settings, run):
    """Choices: plain gradient descent; the clipped one; both; neither."""
    plain, clipped = (cliff.settled_from(w, b) is not None for w, b, _ in cliff_paths(settings))
    return {(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[plain, clipped]


@judges("cliff.Norm or value.1")
def _which_clipping_turns_more(settings, run):
    """Choices: by value; by norm; neither. The angles at the threshold on screen."""
    effect = analysis.clipping_effect(compute.real_gradient(settings["seed"]), settings["c"])
    if effect["value_angle"] > effect["norm_angle"] + 0.5:
        return 0
    if effect["norm_angle"] > effect["value_angle"] + 0.5:
        return 1
    return 2
