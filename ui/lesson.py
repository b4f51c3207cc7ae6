"""Lesson files: markdown in lessons/, split into sections, with quizzes.

A lesson is markdown with level-2 headings. "## Equations" holds $$...$$ blocks that
are drawn with st.latex; "## Quiz" holds questions:

    ### Why does the gradient shrink?
    - ( ) a wrong answer
      > the feedback shown when it is chosen
    - (x) the right answer
      > feedback

Every other section is plain markdown that a page places where it fits.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import streamlit as st

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple      # (answer, is_right, feedback)


@dataclass(frozen=True)
class Lesson:
    title: str
    sections: dict      # heading -> markdown
    questions: tuple

    def section(self, heading):
        return self.sections.get(heading, "")


def parse(text):
    title_match = re.search(r"^# (.+)$", text, re.M)
    title = title_match.group(1).strip() if title_match else ""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    sections = {"Introduction": re.sub(r"^# .+$", "", parts[0], count=1, flags=re.M).strip()}
    for heading, body in zip(parts[1::2], parts[2::2]):
        sections[heading.strip()] = body.strip()
    return Lesson(title, sections, tuple(_questions(sections.pop("Quiz", ""))))


def _questions(quiz):
    for block in re.split(r"^### ", quiz, flags=re.M)[1:]:
        text, _, rest = block.partition("\n")
        answers = []
        for match in re.finditer(r"^- \((x| )\) (.+)\n((?:  > .*\n?)*)", rest + "\n", re.M):
            feedback = " ".join(line.strip()[2:] for line in match.group(3).splitlines())
            answers.append((match.group(2).strip(), match.group(1) == "x", feedback))
        yield Question(text.strip(), tuple(answers))


@lru_cache(maxsize=None)
def load(name):
    return parse((LESSONS / f"{name}.md").read_text(encoding="utf-8"))


def page_header(name):
    """The page's title and introduction from lessons/<name>.md; the lesson for the rest."""
    text = load(name)
    st.title(text.title)
    show_markdown(text, "Introduction")
    return text


def show_markdown(lesson, heading, container=st):
    body = lesson.section(heading)
    if body:
        container.markdown(body)


def show_equations(lesson, container=st):
    for equation in re.findall(r"\$\$(.+?)\$\$", lesson.section("Equations"), re.S):
        container.latex(equation.strip())


def show_prompts(lesson, container=st):
    """The "predict, then move the slider" prompts, one box each."""
    body = lesson.section("Predict, then try")
    for prompt in re.split(r"^- ", body, flags=re.M):
        if prompt.strip():
            container.info(prompt.strip())


def show_quiz(lesson, page):
    st.subheader("Check yourself")
    for number, question in enumerate(lesson.questions, start=1):
        choice = st.radio(f"**{number}.** {question.text}", [a for a, _, _ in question.answers],
                          index=None, key=f"quiz.{page}.{number}")
        for answer, right, feedback in question.answers:
            if answer == choice:
                (st.success if right else st.error)(
                    ("Right. " if right else "Not quite. ") + feedback)
