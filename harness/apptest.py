"""Helpers for driving the app with Streamlit's AppTest, as a user would: through app.py."""

import base64
import json
import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui import access, workers
from ui.pages import COURSE

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = {page.settings or "home": page.script for page in COURSE}


def open_page(name, query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()  # the landing page first, as a learner arrives
    while workers.starting():  # past the server's first seconds (tests/test_faults.py has those)
        time.sleep(0.05)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(PAGE_FILES[name])
    at.run()
    assert_no_exception(at)
    return at


def lab_train(at):
    """Press the training lab's Train button, as a learner would."""
    next(b for b in at.button if b.label == "Train").click().run()
    assert_no_exception(at)
    return at


def assert_no_exception(at):
    assert not at.exception, [e.message for e in at.exception]


def _decode(value):
    """plotly stores numeric arrays as {"dtype", "bdata"} (base64); give numpy arrays back."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:  # "3, 1" in plotly's JSON
            shape = value["shape"]
            shape = [int(n) for n in shape.split(",")] if isinstance(shape, str) else shape
            array = array.reshape(shape)
        return array
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def plotly_figures(at):
    return [_decode(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]


def chart_specs(at):
    return [chart.proto.spec for chart in at.get("plotly_chart")]


def figure_titled(at, words):
    for figure in plotly_figures(at):
        title = figure["layout"].get("title", {})
        if words in (title.get("text", "") if isinstance(title, dict) else str(title)):
            return figure
    raise AssertionError(f"no chart titled with {words!r}")


def trace_named(figure, name):
    return next(t for t in figure["data"] if t.get("name") == name)


def live_views(at):
    """{view: the data the page sent to that live view (ui/live.py)}: its settings, its controls and
    what its script computes from."""
    return {element.proto.component_name.removeprefix("rnnviz_"): json.loads(element.proto.json)
            for element in at.get("bidi_component") if element.proto.component_name != access.NAME}


def texts(at, kind):
    return [element.value for element in getattr(at, kind)]
