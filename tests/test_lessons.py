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
    assert lesson.prompts(text, kind="Predict"), "the first figure needs a prediction to commit to"


@pytest.mark.parametrize("name", PAGES + ["lab", "cliff"])
def test_every_prompt_is_a_predict_or_a_try_placed_beside_a_section_the_lesson_has(name):
    text = lesson.load(name)
    places = [h.partition(": ")[2] or None for h in text.sections if h.startswith("Predict, then try")]
    assert places and None in places
    for place in places:
        assert place is None or place in text.sections, place
        found = lesson.prompts(text, place)
        assert found and all(p.startswith(("**Predict:**", "**Try:**")) for p in found), found


@pytest.mark.parametrize("name", PAGES + ["lab", "cliff"])
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


def _normalised(maths):
    """An equation from a docstring or from LaTeX, spelled one way: no spaces, braces or
    alignment marks; sigma and odot as the docstrings write them."""
    maths = maths.replace("\\sigma", "sigmoid").replace("\\odot", "*").replace("\\tanh", "tanh")
    return re.sub(r"[\s{}&\\]", "", maths)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_every_gate_equation_of_the_gates_lesson_is_the_engines(cell):
    """Each line of the cell's docstring (i_t = ..., n_t = ..., h_t = ...) stands in the lesson's
    equations, so a learner reading the code beside the page reads the same maths."""
    from rnnviz import cells

    doc = (cells.lstm_step if cell == "lstm" else cells.gru_step).__doc__
    equations = [line.strip().split("  ")[0] for line in doc.splitlines() if re.match(r"\s+\w_t = ", line)]
    assert len(equations) == (6 if cell == "lstm" else 4)
    lesson_maths = _normalised(lesson.load("gates").section("Equations"))
    for equation in equations:
        for part in equation.split(","):  # "c_t = ..., h_t = ..." is written as two
            assert _normalised(part) in lesson_maths, part


def test_lesson_notation_matches_the_engine_docstrings():
    """The symbols the hidden-state lesson uses are the ones the vanilla cell's docstring defines."""
    from rnnviz import cells

    assert "h_t = f(a_t)" in cells.rnn_step.__doc__ and "W_h h_{t-1}" in cells.rnn_step.__doc__
    assert "W_h h_{t-1}" in (Path(lesson.LESSONS) / "hidden_state.md").read_text()
