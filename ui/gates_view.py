"""What the gates page's live views draw, assembled from the engine's traces (no Streamlit): the
heatmaps of one network on one sequence, and every number of one step of the trained cell."""

import re

import numpy as np

from rnnviz import analysis, figures
from ui import live


def _markup(title):
    """A figure title's <sub>t</sub> as the live views write it, _{t}."""
    return re.sub(r"<sub>(.*?)</sub>", r"_{\1}", title)


def heatmaps(trace, sample, strip, strip_rows, marked, label):
    """The heatmaps view's data: every gate of `trace` on sample `sample` (T, H) with its title and
    colour range (figures.GATE_RANGES, the cell state ± its largest size), the input strip (T, rows),
    the marked steps, and the finding in words."""
    panels = {name: values[sample] for name, values in trace.gates.items()}
    ranges = {}
    for name, values in panels.items():
        bound = max(float(np.abs(values).max()), 1.0)
        ranges[name] = (-bound, bound) if name == "c" else figures.GATE_RANGES.get(name, (0.0, 1.0))
    if trace.cell == "lstm":
        opening = panels["i"].mean(axis=1)
        widest = sorted(np.argsort(opening)[-2:] + 1)
        finding = f"The input gate i_{{t}} is widest open at t = {widest[0]} and t = {widest[1]}"
    else:
        keeping = panels["z"].mean(axis=1)
        lowest = sorted(np.argsort(keeping)[:2] + 1)
        finding = f"The update gate z_{{t}} drops lowest, rewriting the state, at t = {lowest[0]} and t = {lowest[1]}"
    finding += f"; the dotted lines mark t = {' and t = '.join(str(int(t)) for t in marked)}."
    return {"T": int(trace.seq_len), "H": int(trace.hidden_size), "label": f"The gates of the {label} on this sequence",
            "panels": {name: live.encoded(values) for name, values in panels.items()},
            "titles": {name: _markup(figures.GATE_TITLES.get(name, name)) for name in panels},
            "ranges": ranges, "strip": live.encoded(strip), "stripRows": list(strip_rows),
            "stripLabel": f"input ({label})", "marked": [int(t) for t in marked], "finding": finding}


def cellstep(trace, sample, label):
    """The cell step view's data: analysis.cell_step_table of the trained cell on the sample,
    the cell's data flow to draw it (analysis.CELL_FLOW), and its gates' titles."""
    table = analysis.cell_step_table(trace, sample)
    gate_names = [name for name in trace.gates if name != "c"]
    return {"T": int(trace.seq_len), "H": int(trace.hidden_size), "I": int(trace.inputs.shape[-1]),
            "cell": trace.cell, "label": label, "sample": int(sample),
            "layout": analysis.CELL_FLOW[trace.cell],
            "table": {name: live.encoded(values) for name, values in table.items()},
            "gateNames": gate_names, "titles": {name: _markup(figures.GATE_TITLES[name]) for name in trace.gates}}
