"""Taking the numbers home: a Trace as .npz (+ JSON settings), a History as CSV, a figure
as standalone HTML, and the Python that reproduces a view.

Files are written to a temporary name and renamed into place, so a failure never leaves
a half-written file behind.
"""

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio


def trace_arrays(trace):
    """Everything a Trace recorded, as flat named arrays."""
    arrays = {"inputs": trace.inputs, "targets": trace.targets, "outputs": trace.outputs,
              "loss": np.array(trace.loss), "hidden": trace.hidden, "grad_hidden": trace.grad_hidden,
              "grad_hidden_norm": trace.grad_hidden_norm}
    arrays.update({f"gate_{name}": value for name, value in trace.gates.items()})
    arrays.update({f"grad_{name}": value for name, value in trace.param_grads.items()})
    arrays.update({f"param_{name}": value for name, value in trace.params.items()})
    return arrays


def trace_npz_bytes(trace):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **trace_arrays(trace))
    return buffer.getvalue()


def settings_json(settings):
    return json.dumps(settings, indent=1, sort_keys=True, default=str)


def history_csv(history):
    """One row per training step: loss, gradient norm before and after clipping, accuracy."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "loss", "grad_norm", "clipped_grad_norm", "accuracy"])
    accuracy = history.accuracy if history.accuracy is not None else [None] * len(history.loss)
    for step, row in enumerate(zip(history.loss, history.grad_norm, history.clipped_grad_norm,
                                   accuracy), start=1):
        writer.writerow([step] + ["" if v is None else repr(float(v)) for v in row])
    return out.getvalue()


def figure_html(figure):
    """A standalone interactive page: plotly.js is inlined, nothing is fetched from outside.
    Outside Streamlit's theme, plotly_white gives the page's look."""
    styled = go.Figure(figure).update_layout(template="plotly_white")
    return pio.to_html(styled, include_plotlyjs=True, full_html=True)


def write_atomic(path, data):
    """Write bytes or text to `path` via a temporary file in the same folder."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"cannot write {path}: the folder {path.parent} does not exist")
    mode = "wb" if isinstance(data, bytes) else "w"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, mode) as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from other users
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def save_trace(trace, path, settings):
    """path.npz with the arrays and path.json with the settings that made them."""
    path = Path(path).with_suffix(".npz")
    write_atomic(path, trace_npz_bytes(trace))
    write_atomic(path.with_suffix(".json"), settings_json(settings))
    return path


def reproduce_vanishing(cell, seq_len, hidden_size, radius, init, forget_bias, seed, longest):
    """The rnnviz calls that compute the vanishing-gradient page's curve."""
    extra = f", forget_bias={forget_bias!r}" if cell == "lstm" else ""
    return f'''import torch
import rnnviz

# the page's adding sequence of {seq_len} steps: its sequences of every length up to {longest} grow one
# from another (rnnviz.tasks.adding_lengths)
x, y = rnnviz.tasks.adding_sequence(seq_len={seq_len}, seed={seed}, longest={longest})
# float64, so that a gradient of 1e-60 is a number and not a flush to 0
model = rnnviz.Model.from_choice("{cell}", input_size=2, hidden_size={hidden_size}, output_size=1,
                                 seed={seed}, init="{init}", spectral_radius={radius!r},
                                 dtype=torch.float64{extra})
trace = rnnviz.record(model, x, y, loss="mse", target="last")
curve = trace.grad_hidden_norm[0]   # ||dL/dh_t|| for t = 1..{seq_len}
print(curve)
figure = rnnviz.figures.grad_norms({{"{cell}": curve}})   # figure.show() draws it
'''


def reproduce_hidden_state(numbers, hidden_size, activation, scale, seed):
    """The rnnviz calls behind the hidden-state page: a random RNN reading `numbers`."""
    listed = ", ".join(f"{v:g}" for v in numbers)
    return f'''import numpy as np
import torch
import rnnviz

numbers = np.array([{listed}])
following = np.append(numbers[1:], 2 * numbers[-1] - numbers[-2])   # the pattern continued
model = rnnviz.Model("rnn", input_size=1, hidden_size={hidden_size}, output_size=1,
                     nonlinearity="{activation}", weight_scale={scale!r}, seed={seed}, dtype=torch.float64)
trace = rnnviz.record(model, numbers[None, :, None], following[None, :, None], loss="mse",
                      target="all")
print(trace.hidden[0])   # h_t: one row per step t, one column per unit
'''


def reproduce_unrolled(seq_len, hidden_size, activation, radius, seed, window):
    """The rnnviz calls behind the unrolled-network page: full and truncated BPTT."""
    return f'''import torch
import rnnviz

task = rnnviz.tasks.get("sine", seq_len={seq_len})
x, y = task.sample(1, torch.Generator().manual_seed({seed}))
model = rnnviz.Model("rnn", input_size=1, hidden_size={hidden_size}, output_size=1,
                     nonlinearity="{activation}", spectral_radius={radius!r}, seed={seed},
                     dtype=torch.float64)
full = rnnviz.record(model, x, y[:, -1], loss="mse", target="last")
truncated = rnnviz.record(model, x, y[:, -1], loss="mse", target="last", tbptt={window})
print(full.grad_hidden_norm[0])   # ||dL/dh_t|| for t = 1..{seq_len}
print(truncated.param_grads["weight_hh"] - full.param_grads["weight_hh"])
'''


def reproduce_gates(cell, task_name, seq_len, sequences_seed):
    """The rnnviz calls behind the gates page: a shipped trained cell on 8 sequences."""
    return f'''import torch
import rnnviz

task = rnnviz.tasks.get("{task_name}", seq_len={seq_len})
model = rnnviz.checkpoints.load("{cell}", "{task_name}")   # trained by rnnviz.checkpoints.make()
x, y = task.sample(8, torch.Generator().manual_seed({sequences_seed}))
trace = rnnviz.record(model, x, y, loss=task.loss, target=task.target)
print(trace.gates.keys())   # each (8 sequences, {seq_len} steps, hidden units)
print(rnnviz.checkpoints.score(model, "{task_name}", {seq_len}))   # held-out score, constant answer's
'''
