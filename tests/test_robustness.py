"""Whatever a learner or a hand-edited link does, every page answers with a notice or a
clamped value and keeps drawing: never a traceback, never a setting out of its range."""

import math
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from harness.apptest import ROOT, assert_no_exception, lab_train, live_views, open_page, texts
from ui.settings import PAGES, SEED

CHARTED = [page for page in PAGES if page not in ("lab", "check")]  # the lab draws once it has trained; the check asks

NASTY = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e999", "-0", "0x10",
                     "", " ", "1,2", "一, 二, 三", "![x](http://203.0.113.9/x.png)",
                     ":material/home:", "$x^2$", "<b>bold</b>", "x" * 5000]),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def link_names(page):
    return [s.name for s in (SEED,) + PAGES[page]] + ["present", "show", "room", "zzz", "Т"]


def assert_every_setting_valid(at, page):
    """Each setting holds a value its own widget accepts."""
    for setting in (SEED,) + PAGES[page]:
        key = "seed" if setting is SEED else f"{page}.{setting.name}"
        value = at.session_state[key]
        if setting.kind in ("int", "float"):
            assert math.isfinite(value) and setting.low <= value <= setting.high, (key, value)
        elif setting.kind == "choice":
            assert value in setting.choices, (key, value)
        elif setting.kind == "multi":
            assert value and set(value) <= set(setting.choices), (key, value)
        elif setting.kind == "numbers":
            assert 2 <= len(value) <= setting.high and all(abs(v) <= setting.low for v in value)


@pytest.mark.parametrize("page", list(PAGES))
@hypothesis_settings(max_examples=4, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_link_opens_the_page_with_notices_and_never_a_traceback(page, data):
    query = data.draw(st.dictionaries(st.sampled_from(link_names(page)), NASTY, max_size=4))
    at = open_page(page, query)  # asserts no exception
    assert_every_setting_valid(at, page)
    if page in CHARTED:
        assert at.get("plotly_chart") or live_views(at), "the page stopped drawing"
    notices = texts(at, "warning")
    for name in query:
        if name in ("zzz", "Т"):
            assert any("not a setting of this page" in n for n in notices)


def test_a_link_cannot_put_markdown_on_the_page():
    at = open_page("vanishing", {"T": "![x](http://203.0.113.9/x.png)", "cell": ":material/home:"})
    notices = " ".join(texts(at, "warning"))
    assert "![x](" not in notices and r"\!\[x\]" in notices
    assert ":material/home:" not in notices


def test_an_unknown_control_in_a_presenter_link_is_named():
    at = open_page("vanishing", {"present": "1", "show": "T,depth"})
    assert any("depth" in n and "not a control" in n for n in texts(at, "warning"))
    assert live_views(at)["vanishing"]["shown"] == ["T", "depth"]  # the named control that exists stays


def slider_settings(page):
    return [s for s in PAGES[page] if s.kind in ("int", "float")]


@pytest.mark.parametrize("page", CHARTED)
@pytest.mark.parametrize("end", ["low", "high"])
def test_every_slider_at_its_end_together(page, end):
    """The corner of the settings space a curious student reaches first (the server's part: what
    the live views compute there is drawn in tests/test_live_views.py)."""
    at = open_page(page, {s.name: s.encode(getattr(s, end)) for s in slider_settings(page)})
    assert_every_setting_valid(at, page)
    assert at.get("plotly_chart") or live_views(at)
    for view in live_views(at).values():  # what each view draws: every setting within its range
        for name, value in view["settings"].items():
            held = at.session_state[f"{page}.{name}"]
            assert (list(held) if isinstance(held, tuple) else held) == value


@pytest.mark.parametrize("text,shown", [
    ("", "give between 2 and 12 numbers"),
    ("7", "give between 2 and 12 numbers"),
    (", ".join(["1"] * 500), "give between 2 and 12 numbers"),
    ("一, 二, 三", "not a number"),
    ("1, nan, 2", "not a number"),
    ("1, 1e400", "not a number"),
    ("![x](http://203.0.113.9/x.png)", "not a number"),
])
def test_a_sequence_the_browser_sends_is_read_as_a_links_would_be(text, shown):
    """The hidden-state view sends what was typed once it can use it; a hand-made link with the
    same text gets the same reading, a notice, and the default sequence drawn."""
    at = open_page("hidden", {"numbers": text})
    notices = " ".join(texts(at, "warning"))
    assert shown in notices and "![x](" not in notices
    assert live_views(at)["hidden"]["settings"]["numbers"] == [1.0, 2.0, 3.0, 4.0]


def test_the_sequence_is_clamped_and_takes_non_ascii_digits():
    at = open_page("hidden", {"numbers": "1e9, -2"})
    assert at.session_state["hidden.numbers"] == (100.0, -2.0)
    at = open_page("hidden", {"numbers": "١, ٢, ٣"})  # Arabic-Indic digits
    assert_no_exception(at)
    assert at.session_state["hidden.numbers"] == (1.0, 2.0, 3.0)


@pytest.mark.parametrize("task,end", [("count", "low"), ("sine", "low"), ("adding", "low"),
                                      ("copy", "low"), ("text", "low"), ("sine", "high"), ("adding", "high"),
                                      ("text", "high")])
def test_the_lab_trains_every_cell_with_every_slider_at_its_end(task, end):
    query = {s.name: s.encode(getattr(s, end)) for s in slider_settings("lab")}
    query.update(task=task, cells="rnn_tanh,rnn_relu,lstm,gru", steps="10", bi=str(int(end == "high")))
    at = open_page("lab", query)
    assert_every_setting_valid(at, "lab")
    lab_train(at)
    said = " ".join(texts(at, "markdown") + texts(at, "error"))
    for label in ("RNN (tanh)", "RNN (ReLU)", "LSTM", "GRU"):
        assert label in said  # each cell's result is reported, in words
    assert at.get("plotly_chart")
    downloads = [b.label for b in at.get("download_button")]  # a history for each network
    assert [d.removesuffix(" bidirectional") for d in downloads] == ["RNN (tanh)", "RNN (ReLU)", "LSTM", "GRU"]


def test_the_server_tidies_its_memory_with_one_thread_however_many_reruns():
    """In a fresh process, as a server starts: asked on every rerun, start_tidying() starts one
    thread, and that thread runs the garbage collector and hands free memory back to the
    system (malloc_trim) again and again."""
    probe = textwrap.dedent("""
        import threading
        from ui import memory

        calls = {"collect": 0, "trim": 0}
        done = threading.Event()

        class LibC:
            def malloc_trim(self, pad):
                calls["trim"] += 1
                if calls["trim"] >= 3:
                    done.set()

        def collect():
            calls["collect"] += 1

        memory._libc = LibC()
        memory.gc.collect = collect
        for _ in range(5):  # app.py asks on every rerun
            memory.start_tidying(every_seconds=0.01)
        assert done.wait(timeout=30), calls
        threads = [t.name for t in threading.enumerate()].count("rnnviz-tidy")
        print(threads, calls["collect"] >= 3)
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True"]
