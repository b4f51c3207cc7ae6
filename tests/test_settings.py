"""The settings table: every value a link can carry is parsed to a valid one, with a notice
when it had to be changed. Hypothesis throws arbitrary text at every setting."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.settings import PAGES, SEED

ALL = [(page, s) for page, table in PAGES.items() for s in table] + [("all", SEED)]
IDS = [f"{page}.{s.name}" for page, s in ALL]


def valid(setting, value):
    if setting.kind in ("int", "float"):
        ok = setting.low <= value <= setting.high
        return ok and (isinstance(value, int) if setting.kind == "int" else math.isfinite(value))
    if setting.kind == "choice":
        return value in setting.choices
    if setting.kind == "bool":
        return isinstance(value, bool)
    if setting.kind == "multi":
        return len(value) >= 1 and set(value) <= set(setting.choices)
    return 2 <= len(value) <= setting.high and all(abs(v) <= setting.low for v in value)


@pytest.mark.parametrize("page,setting", ALL, ids=IDS)
def test_default_is_valid_and_survives_a_round_trip_through_the_url(page, setting):
    assert valid(setting, setting.default)
    value, notice = setting.parse(setting.encode(setting.default))
    assert value == setting.default and notice is None


@pytest.mark.parametrize("page,setting", ALL, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(raw=st.one_of(st.text(max_size=60), st.floats(allow_nan=True, allow_infinity=True).map(str),
                     st.integers(min_value=-10**30, max_value=10**30).map(str),
                     st.sampled_from(["nan", "NaN", "inf", "-inf", "", " ", "1e999", "0x10", "½",
                                      "lstm", "LSTM", "rnn", "1,2", "1;2;3", "٣"])))
def test_any_text_gives_a_valid_value(page, setting, raw):
    value, notice = setting.parse(raw)
    assert valid(setting, value)
    if notice is not None:
        assert setting.label in notice and len(notice) < 300


@pytest.mark.parametrize("raw,expected,notice", [
    ("120", 120, None), ("9999", 500, "above the maximum"), ("-5", 2, "below the minimum"),
    ("abc", 50, "not a number"), ("nan", 50, "NaN"), ("inf", 500, "above the maximum"),
    ("7.6", 8, "not a whole number"),
])
def test_sequence_length_from_a_link(raw, expected, notice):
    setting = next(s for s in PAGES["vanishing"] if s.name == "T")
    value, message = setting.parse(raw)
    assert value == expected
    assert (message is None) if notice is None else (notice in message)


def test_unknown_cell_falls_back_to_the_default_and_names_the_choices():
    setting = next(s for s in PAGES["vanishing"] if s.name == "cell")
    value, message = setting.parse("transformer")
    assert value == "rnn_tanh" and "rnn_tanh, rnn_relu, lstm, gru" in message
    assert setting.parse("LSTM") == ("lstm", None)


def test_number_list_parsing():
    setting = next(s for s in PAGES["hidden"] if s.name == "numbers")
    assert setting.parse("5, 4, 3") == ((5.0, 4.0, 3.0), None)
    assert setting.parse("1;2;3")[0] == (1.0, 2.0, 3.0)
    assert setting.parse("1")[1] and "between 2 and 12" in setting.parse("1")[1]
    assert setting.parse(",".join(["1"] * 13))[0] == setting.default
    clamped, message = setting.parse("1, 1e9")
    assert clamped == (1.0, 100.0) and "±100" in message
