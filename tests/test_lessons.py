"""Lesson files: each page's lesson parses, has its equations, prompts and a fair quiz."""

import re
from pathlib import Path

import pytest

from ui import lesson

PAGES = ["hidden_state", "unrolled", "vanishing", "gates"]


@pytest.mark.parametrize("name", PAGES)
def test_lesson_has_every_part_a_page_shows(name):
    text = lesson.load(name)
    assert text.title and len(text.section("Introduction")) > 200
    assert re.search(r"\$\$.+?\$\$", text.section("Equations"), re.S)
    prompts = [p for p in text.section("Predict, then try").split("\n- ") if p.strip()]
    assert len(prompts) >= 3 and any("Predict" in p for p in prompts)


@pytest.mark.parametrize("name", PAGES)
def test_quiz_has_two_to_four_questions_each_with_one_right_answer_and_feedback(name):
    questions = lesson.load(name).questions
    assert 2 <= len(questions) <= 4
    for question in questions:
        assert question.text.strip()
        assert len(question.answers) >= 2
        assert sum(right for _, right, _ in question.answers) == 1
        assert all(feedback for _, _, feedback in question.answers)


def test_parse_reads_the_quiz_format():
    text = lesson.parse("# Title\nIntro.\n\n## Quiz\n\n### Two plus two?\n- ( ) three\n  > No.\n"
                        "- (x) four\n  > Yes,\n  > of course.\n")
    assert text.title == "Title" and text.section("Introduction") == "Intro."
    assert text.questions[0].answers == (("three", False, "No."), ("four", True, "Yes, of course."))


def test_lesson_notation_matches_the_engine_docstrings():
    """The symbols the lessons use are the ones the cell docstrings define."""
    from rnnviz import cells

    assert "h_t = f(a_t)" in cells.rnn_step.__doc__ and "W_h h_{t-1}" in cells.rnn_step.__doc__
    assert "c_t = f_t * c_{t-1} + i_t * g_t" in cells.lstm_step.__doc__
    assert "h_t = (1 - z_t) * n_t + z_t * h_{t-1}" in cells.gru_step.__doc__
    lessons = Path(lesson.LESSONS)
    assert "W_h h_{t-1}" in (lessons / "hidden_state.md").read_text()
    assert r"c_t = f_t \odot c_{t-1} + i_t \odot g_t" in (lessons / "gates.md").read_text()
    assert r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}" in (lessons / "gates.md").read_text()
