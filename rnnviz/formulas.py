"""The lesson's equations as LaTeX, filled in with a Trace's actual numbers."""

import numpy as np


def _num(value, digits=2):
    text = f"{value:.{digits}f}"
    return "0." + "0" * digits if text in ("-0." + "0" * digits,) else text


def matrix(values, digits=2):
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    rows = [" & ".join(_num(v, digits) for v in row) for row in values]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def column(values, digits=2):
    return matrix(np.asarray(values)[:, None], digits)


def rnn_step(terms, activation, t, full_matrices=True):
    """h_t = f(W_x x_t + W_h h_{t-1} + b) with the numbers of `terms`
    (analysis.rnn_step_terms), matrices written out when they are small enough to read."""
    f = r"\tanh" if activation == "tanh" else r"\operatorname{ReLU}"
    prev = f"h_{{{t - 1}}}"
    if full_matrices:
        inside = (f"{matrix(terms['W_x'])} {column(terms['x_t'])} + {matrix(terms['W_h'])} "
                  f"{column(terms['h_prev'])} + {column(terms['b'])}")
    else:
        inside = (f"{column(terms['W_x x_t'])} + {column(terms['W_h h_{t-1}'])} "
                  f"+ {column(terms['b'])}")
    return (f"\\begin{{aligned}} h_{{{t}}} &= {f}\\left(W_x x_{{{t}}} + W_h {prev} + b\\right) \\\\"
            f" &= {f}\\left({inside}\\right) \\\\"
            f" &= {f}\\left({column(terms['a_t'])}\\right) = {column(terms['h_t'])} \\end{{aligned}}")


def backward_step(t, seq_len, direct, recurrent, total):
    """dL/dh_t = (direct term from y_t) + J_{t+1}^T dL/dh_{t+1} with numbers."""
    if t == seq_len:
        return (f"\\frac{{\\partial L}}{{\\partial h_{{{t}}}}} = "
                f"\\underbrace{{{column(direct, 3)}}}_{{\\text{{from }} y_{{{t}}}}} = {column(total, 3)}")
    return (f"\\frac{{\\partial L}}{{\\partial h_{{{t}}}}} = "
            f"\\underbrace{{{column(direct, 3)}}}_{{\\text{{from }} y_{{{t}}}}} + "
            f"\\underbrace{{{column(recurrent, 3)}}}_{{J_{{{t + 1}}}^\\top \\, \\partial L / \\partial h_{{{t + 1}}}}}"
            f" = {column(total, 3)}")


def _gate_line(symbol, name, pre, value, squash):
    return f"{symbol}_t &= {squash}({_num(pre)}) = {_num(value, 3)} \\quad \\text{{({name})}}"


def gate_step(trace, sample, t, unit):
    """One unit's gate equations at step t (1-based), as an aligned LaTeX block."""
    p = trace.params
    H = trace.hidden_size
    x_t = trace.inputs[sample, t - 1]
    h_prev = trace.hidden[sample, t - 2, :H] if t > 1 else np.zeros(H)
    pre_x = p["weight_ih"] @ x_t + p["bias_ih"]
    pre_h = p["weight_hh"] @ h_prev + p["bias_hh"]
    g = trace.gates
    if trace.cell == "lstm":
        a = pre_x + pre_h
        c_prev = g["c"][sample, t - 2, unit] if t > 1 else 0.0
        lines = [_gate_line(s, n, a[k * H + unit], g[s][sample, t - 1, unit], q)
                 for k, (s, n, q) in enumerate([("i", "input gate", r"\sigma"), ("f", "forget gate", r"\sigma"),
                                                ("g", "candidate", r"\tanh"), ("o", "output gate", r"\sigma")])]
        f_, i_, g_, o_ = (g[s][sample, t - 1, unit] for s in "figo")
        c = g["c"][sample, t - 1, unit]
        lines.append(f"c_t &= f_t c_{{t-1}} + i_t g_t = {_num(f_, 3)} \\cdot {_num(c_prev, 3)} + "
                     f"{_num(i_, 3)} \\cdot {_num(g_, 3)} = {_num(c, 3)}")
        lines.append(f"h_t &= o_t \\tanh(c_t) = {_num(o_, 3)} \\cdot \\tanh({_num(c, 3)}) = "
                     f"{_num(trace.hidden[sample, t - 1, unit], 3)}")
    else:
        r, z, n = (g[s][sample, t - 1, unit] for s in "rzn")
        lines = [
            _gate_line("r", "reset gate", pre_x[unit] + pre_h[unit], r, r"\sigma"),
            _gate_line("z", "update gate", pre_x[H + unit] + pre_h[H + unit], z, r"\sigma"),
            f"n_t &= \\tanh({_num(pre_x[2 * H + unit])} + r_t \\cdot {_num(pre_h[2 * H + unit])}) = "
            f"{_num(n, 3)}",
            f"h_t &= (1 - z_t) n_t + z_t h_{{t-1}} = {_num(1 - z, 3)} \\cdot {_num(n, 3)} + "
            f"{_num(z, 3)} \\cdot {_num(h_prev[unit], 3)} = {_num(trace.hidden[sample, t - 1, unit], 3)}",
        ]
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"
