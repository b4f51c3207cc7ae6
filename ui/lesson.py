"""Lesson files: markdown in lessons/, split into sections, with quizzes.

A lesson is markdown with level-2 headings. "## Equations" holds $$...$$ blocks that
are drawn with st.latex; "## Quiz" holds questions:

    ### Why does the gradient shrink?
    - ( ) a wrong answer
      > the feedback shown when it is chosen
    - (x) the right answer
      > feedback

"## Predict, then try" lists the prompts for the page's first figure, and "## Predict, then
try: <section>" those for a later section's figure; each prompt starts with **Predict:** or
**Try:**. A page shows the Predict prompts above their figure, so the learner commits to an
answer before seeing it, and the Try prompts below it.

Every other section is plain markdown that a page places where it fits. The introduction's
first paragraph is the page's lead, above the first figure; the rest follows the figure.
"""

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

import streamlit as st

from ui import poll_view

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
    name: str = ""      # its file's name: where its polls' ids start

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
    return replace(parse((LESSONS / f"{name}.md").read_text(encoding="utf-8")), name=name)


def page_header(name):
    """The page's title and lead (the introduction's first paragraph), then the Predict prompts
    of its first figure; show_more places the rest of the introduction below that figure."""
    text = load(name)
    st.title(text.title)
    st.markdown(_introduction(text)[0])
    show_prompts(text, kind="Predict")
    return text


def course_map(lesson):
    """The home lesson's "The course at a glance": (title, minutes, what it teaches) per page,
    from lines "- **title** · minutes min · what it teaches"."""
    return [(m.group(1), int(m.group(2)), m.group(3).strip()) for m in
            re.finditer(r"^- \*\*(.+?)\*\* · (\d+) min · (.+)$", lesson.section("The course at a glance"), re.M)]


def show_more(lesson, container=st):
    """The introduction after its lead."""
    rest = _introduction(lesson)[1]
    if rest:
        container.markdown(rest)


def _introduction(lesson):
    lead, _, rest = lesson.section("Introduction").partition("\n\n")
    return lead, rest.strip()


def show_markdown(lesson, heading, container=st):
    body = lesson.section(heading)
    if body:
        container.markdown(body)


def show_equations(lesson, container=st):
    for equation in re.findall(r"\$\$(.+?)\$\$", lesson.section("Equations"), re.S):
        container.latex(equation.strip())


@dataclass(frozen=True)
class Poll:
    """A Predict prompt with its answers (the lesson marks the one the page's experiment shows),
    which a class can answer together (ui/poll_view.py)."""
    id: str
    text: str
    choices: tuple
    right: str
    experiment: dict    # the page's settings that show the answer, {name: as in a link}
    hides: tuple = ()   # the page's figures that show the answer at once: kept from students until the reveal


def prompts(lesson, section=None, kind=None):
    """The prompts for the page's first figure, or for `section`'s; only Predict or Try ones
    if `kind` says so. A prompt's answers, if it has any, are not part of its text (see polls)."""
    return [text for text, _ in _prompts(lesson, section) if kind is None or text.startswith(f"**{kind}:**")]


def polls(lesson, section=None):
    """The Predict prompts with answers to choose from, written under the prompt as

        - **Predict:** the question
          - ( ) a wrong answer
          - (x) what the experiment shows
          - experiment: T=200
          - hides: heatmaps

    where the experiment, if the page's defaults do not show it already, is the settings (as in a
    link) that do, and `hides` names the page's figures (live views or charts, as the page calls
    them in withheld()) that show the answer as the page opens."""
    found = []
    for number, (text, parts) in enumerate(_prompts(lesson, section), start=1):
        answers = [(part[4:].strip(), part.startswith("(x)")) for part in parts if part.startswith("(")]
        field = {name: next((part.partition(":")[2].strip() for part in parts if part.startswith(f"{name}:")), "")
                 for name in ("experiment", "hides")}
        if answers:
            found.append(Poll(f"{lesson.name}.{section or 'main'}.{number}", text, tuple(a for a, _ in answers),
                              next(a for a, right in answers if right), dict(parse_qsl(field["experiment"])),
                              tuple(name.strip() for name in field["hides"].split(",") if name.strip())))
    return found


def every_poll(lesson):
    """The polls of every section of the lesson."""
    return [poll for heading in lesson.sections if heading.startswith("Predict, then try")
            for poll in polls(lesson, heading.partition(": ")[2] or None)]


def class_poll(name, poll):
    """What a deck's `poll:` field names on the page of lesson `name`: a Predict prompt by its id,
    or `quiz N`, question N of the lesson's quiz asked as a class poll. None if it has no such."""
    text = load(name)
    quiz = re.fullmatch(r"quiz\s+(\d+)", poll)
    if quiz is None:
        return next((found for found in every_poll(text) if found.id == poll), None)
    number = int(quiz.group(1))
    if not 1 <= number <= len(text.questions):
        return None
    question = text.questions[number - 1]
    return Poll(f"{name}.quiz.{number}", question.text, tuple(answer for answer, _, _ in question.answers),
                next(answer for answer, right, _ in question.answers if right), {})


def withheld(lesson, figure):
    """Whether this page holds `figure` back from a student because it shows the answer to one
    of the lesson's polls before the teacher has revealed it (it then says so where the figure
    would be)."""
    return poll_view.withheld([poll for poll in every_poll(lesson) if figure in poll.hides])


def _prompts(lesson, section):
    body = lesson.section("Predict, then try" + (f": {section}" if section else ""))
    for block in re.split(r"^- ", body, flags=re.M):
        text, *parts = re.split(r"^  - ", block, flags=re.M)
        if text.strip():
            yield text.strip(), [part.strip() for part in parts]


def show_prompts(lesson, section=None, kind=None, container=st):
    """The prompts (see `prompts`) in boxes, a paragraph each. A Predict prompt with answers is
    a poll: in a class session the polls follow the prompts; a learner on their own gets a
    guess button beside each such prompt instead."""
    found = prompts(lesson, section, kind)
    asked = {poll.text: poll for poll in polls(lesson, section)} if kind in (None, "Predict") else {}
    if asked and poll_view.in_class():
        if found:
            container.info("\n\n".join(found))
        for poll in asked.values():
            with container.container():
                poll_view.show(poll)
        return
    plain = []
    for text in found + [None]:  # consecutive prompts without a poll share one box
        if text in asked or text is None:
            if plain:
                container.info("\n\n".join(plain))
                plain = []
            if text is not None:
                prompt, button = container.columns([5, 1], vertical_alignment="center")
                prompt.info(text)
                poll_view.guess(asked[text], button)
        else:
            plain.append(text)


def show_quiz(lesson, page):
    st.subheader("Check yourself")
    for number, question in enumerate(lesson.questions, start=1):
        choice = st.radio(f"**{number}.** {question.text}", [a for a, _, _ in question.answers],
                          index=None, key=f"quiz.{page}.{number}")
        for answer, right, feedback in question.answers:
            if answer == choice:
                (st.success if right else st.error)(
                    ("Right. " if right else "Not quite. ") + feedback)
