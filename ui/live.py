"""The live views: the controls a learner scrubs and the figures that answer them, computed in the
browser within a frame (ui/live/*.js), as a Streamlit custom component (v2: inline HTML, CSS and
JavaScript in the page, no iframe).

Python stays the truth. It sends ahead what the browser needs: the engine's weights and inputs
for the settings that draw a new network (seed, hidden size, W_h drawn), everything the small
equations of ui/live/cells.js need for the rest; tests/test_live_equations.py holds those
equations to record() in Chromium. While the learner drags, nothing reaches the server; when
the drag ends the view sends its settings back once (the component's state), Python parses
them by the settings table like a link (clamped, with a notice), and the page runs once: the
address bar, the Predict check, the exports and the server's trainings follow.

The sequence numbers keep the two sides from undoing each other: the browser numbers each
set of settings it sends; the page echoes the last number it has taken in. A page run that
echoes an older number than the browser's newest was started before the newest arrived, and
the browser keeps its own settings over that run's; a run that echoes the newest (a button,
a link, Reset) is the truth, and the browser takes its settings.
"""

import base64
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import streamlit as st

from ui import presenter, state
from ui.settings import PAGES

SCRIPTS = Path(__file__).resolve().parent / "live"


def encoded(array):
    """A float array as base64 of its little-endian float64 bytes: exact, and a third of JSON's size."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f8").tobytes()).decode("ascii")


def model_data(model):
    """A model's parameters as cells.js reads them (see its header)."""
    params = model.numpy_params()
    return {"cell": model.cell, "nonlinearity": model.nonlinearity, "H": model.hidden_size,
            "I": model.input_size, "O": params["head.bias"].shape[0],
            **{name.replace(".", "_"): encoded(value) for name, value in params.items()}}


@lru_cache(maxsize=None)
def _source(*names):
    return "\n".join((SCRIPTS / name).read_text(encoding="utf-8") for name in names)


SHARED = ("cells.js", "draw.js", "view.js")  # every view's: the equations, the charts, the controls
OWN = {"unrolled": ("unrolled_run.js", "unrolled.js"), "truncation": ("unrolled_run.js", "truncation.js"),
       "cliff": ("cliff_engine.js", "cliff.js")}  # otherwise <view>.js alone


@lru_cache(maxsize=None)
def _component(view):
    """The component of one view: the shared scripts, then the view's own, which exports the
    function Streamlit calls with each page run's data."""
    return st.components.v2.component(
        f"rnnviz_{view}", css=_source("live.css"), js=_source(*SHARED, *OWN.get(view, (f"{view}.js",))),
        isolate_styles=False)


def _take(key, page):
    """on_change of a view's state: the settings the browser sent, parsed by the table like a
    link's (a bad value clamped, with a notice), unless this page run has taken them already."""
    view = (st.session_state.get(key) or {}).get("view")
    if not isinstance(view, dict) or not isinstance(view.get("seq"), int) \
            or view["seq"] <= st.session_state.get(f"{key}.seq", 0):
        return
    notices = []
    names = {s.name for s in PAGES[page]}
    for name, raw in (view.get("settings") or {}).items():
        if name not in names:
            continue
        setting = state.row(page, name)
        value, notice = setting.parse(raw if isinstance(raw, str) else setting.encode(raw))
        st.session_state[state.key(page, setting)] = list(value) if setting.kind == "multi" else value
        if notice:
            notices.append(notice)
    st.session_state[f"{key}.seq"] = view["seq"]
    st.session_state[f"{key}.notices"] = notices


def show(view, page, data, owns, reads=()):
    """Mount the live view `view` (ui/live/<view>.js) on `page`: it shows the controls of the
    settings `owns` and draws from those and `reads` (owned by another view of the page), with
    `data`, what its script needs besides them. The settings it sends back land in session state
    (by the settings table) before the page reads them."""
    key = f"live.{page}.{view}"
    shown = presenter.shown()
    payload = {"page": page, "settings": {name: _plain(state.value(page, name)) for name in (*owns, *reads)},
               "seq": st.session_state.get(f"{key}.seq", 0),
               "controls": {name: _control(state.row(page, name)) for name in owns},
               "shown": None if shown is None else sorted(shown), "presenting": presenter.active(), **data}
    for notice in st.session_state.pop(f"{key}.notices", []):
        st.warning(notice)
    _component(view)(key=key, data=json.loads(json.dumps(payload, default=_plain)), default={"view": None},
                     on_view_change=lambda: _take(key, page))


def _control(setting):
    """What a control in the browser needs to know of its setting's row."""
    control = {"label": setting.label, "kind": setting.kind, "help": setting.help}
    if setting.kind in ("int", "float", "numbers"):
        control.update(low=setting.low, high=setting.high, step=setting.step)
    elif setting.kind == "choice":
        control.update(choices=[setting.encode(c) for c in setting.choices],
                       labels=[setting.show(c) for c in setting.choices])
    return control


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value
