"""A Predict's right answer is what the engine shows at the settings on screen (ui/verdicts.py):
each judge agrees with its lesson's mark where the lesson asks, follows the settings where they
show something else, and the guess check and the class poll's tick use it."""

import pytest

from harness.apptest import assert_no_exception, lab_train, open_page, plotly_figures, texts
from ui import lesson, poll_view, polls, verdicts
from ui.settings import PAGES, defaults

LESSONS = ("hidden_state", "unrolled", "vanishing", "gates", "lab", "cliff")


def every_poll():
    for name in LESSONS:
        text = lesson.load(name)
        for section in [None] + [h.split(": ", 1)[1] for h in text.sections if h.startswith("Predict, then try: ")]:
            yield from lesson.polls(text, section)


def page_of(poll):
    return poll_view.SETTINGS_OF.get(poll.id.split(".")[0], poll.id.split(".")[0])


def with_experiment(poll):
    """The page's defaults with the poll's experiment applied, as its button would."""
    page = page_of(poll)
    values = defaults(page)
    for name, raw in poll.experiment.items():
        values[name] = next(s for s in PAGES[page] if s.name == name).parse(raw)[0]
    return values


def test_every_predict_with_answers_has_a_judge():
    assert {poll.id for poll in every_poll()} == set(verdicts.JUDGES)


@pytest.mark.parametrize("poll", [p for p in every_poll() if not p.id.startswith("lab.")], ids=lambda p: p.id)
def test_each_judge_shows_its_lessons_mark_where_the_lesson_asks(poll):
    assert verdicts.right_answer(poll, with_experiment(poll)) == poll.right


def poll_named(poll_id):
    return next(p for p in every_poll() if p.id == poll_id)


@pytest.mark.parametrize("poll_id,changes,shown", [
    ("cliff.main.1", {"w0": 2.0, "b0": -3.0}, "Both"),  # no cliff on the way: both settle
    ("cliff.main.1", {"iters": 20}, "Neither"),  # too few steps to settle
    ("unrolled.Truncated BPTT.1", {"seed": 4}, "The same at both"),  # saturated at 1.5 too
    ("vanishing.main.1", {"cell": "lstm", "fbias": 3.0}, "It stays about the same"),  # the gate holds it
    ("cliff.Norm or value.1", {"c": 20.0}, "Neither: both keep its direction"),  # nothing to clip
])
def test_the_right_answer_follows_the_settings_on_screen(poll_id, changes, shown):
    poll = poll_named(poll_id)
    assert shown != poll.right
    assert verdicts.right_answer(poll, with_experiment(poll) | changes) == shown


def test_the_labs_predicts_are_judged_by_the_finished_run_on_screen():
    """Before a run the lesson's mark stands; after it, what the run shows."""
    poll = poll_named("lab.main.1")
    assert verdicts.right_answer(poll, defaults("lab"), run=None) == poll.right
    at = lab_train(open_page("lab", {"task": "adding", "T": "10", "steps": "60"}))  # neither gets there
    run = at.session_state["lab"].on_screen(at.session_state["lab.key"])
    assert verdicts.right_answer(poll, defaults("lab") | {"T": 10, "steps": 60}, run) == "Neither, within the steps set"


@pytest.fixture
def class_store(tmp_path, monkeypatch):
    monkeypatch.setenv(polls.POLLS_ENV, str(tmp_path / "class.sqlite"))


def test_a_guess_is_checked_against_the_experiment_on_screen(class_store):
    """The lesson marks "The clipped one"; with 20 steps neither path has settled, and the check
    says so: the guess of the lesson's answer is not right here."""
    poll = poll_named("cliff.main.1")
    at = open_page("cliff", {"iters": "20"})
    at.radio(key=f"guess.choice.{poll.id}").set_value(poll.right).run()
    next(b for b in at.button if b.key == f"guess.lock.{poll.id}").click().run()
    next(b for b in at.button if b.key == f"guess.check.{poll.id}").click().run()
    assert_no_exception(at)
    assert any("The experiment shows: **Neither**" in box.value for box in at.info)
    assert not at.success


def test_the_class_polls_tick_is_the_engines_at_the_settings_on_screen(class_store):
    teacher = open_page("cliff", {"iters": "20"})
    next(b for b in teacher.button if b.label == "Start a class poll").click().run()
    poll = poll_named("cliff.main.1")
    next(b for b in teacher.button if b.label == "Reveal the class's answers").click().run()
    assert_no_exception(teacher)
    chart = next(f for f in plotly_figures(teacher) if f["layout"]["title"]["text"] == "What the class predicted")
    assert "✓ Neither" in chart["data"][0]["y"] and "✓ " + poll.right not in chart["data"][0]["y"]
    assert texts(teacher, "caption")
