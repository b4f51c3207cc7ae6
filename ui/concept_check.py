"""The concept check: ten questions on the six pages (lessons/concept_check.md), answered before
and after the course, and Hake's normalised gain <g> = (post − pre) / (100 % − pre), per question
and for the class (Hake 1998). It draws nothing: tested without a page."""

import csv
import io
from dataclasses import dataclass

from ui import lesson

PHASES = ("before", "after")


def questions():
    """The check's questions (lesson.Question), in order."""
    return lesson.load("concept_check").questions


def marks(chosen):
    """{question number: whether the answer chosen is right}, for {question number: answer}."""
    found = {}
    for number, question in enumerate(questions(), start=1):
        right = next(text for text, is_right, _ in question.answers if is_right)
        if number in chosen:
            found[number] = chosen[number] == right
    return found


def gain(before, after):
    """Hake's <g> from two shares correct (0 to 1); None where nothing was left to learn or a
    share is missing."""
    if before is None or after is None or before >= 1:
        return None
    return (after - before) / (1 - before)


@dataclass(frozen=True)
class Row:
    """One question's results (number 0: the whole check)."""
    number: int
    text: str
    answered_before: int
    right_before: int
    answered_after: int
    right_after: int

    @property
    def before(self):
        return self.right_before / self.answered_before if self.answered_before else None

    @property
    def after(self):
        return self.right_after / self.answered_after if self.answered_after else None

    @property
    def gain(self):
        return gain(self.before, self.after)


def report(rows):
    """(a Row per question, the class's Row) from the store's rows (phase, student, question,
    right). The class's shares are over every answer given in each phase, which is the class's
    average score when everyone answered every question."""
    tally = {}
    for phase, _, number, right in rows:
        counts = tally.setdefault((phase, number), [0, 0])
        counts[0] += 1
        counts[1] += bool(right)
    per_question = []
    for number, question in enumerate(questions(), start=1):
        before, after = tally.get(("before", number), [0, 0]), tally.get(("after", number), [0, 0])
        per_question.append(Row(number, question.text, before[0], before[1], after[0], after[1]))
    whole = Row(0, "The whole check", *(sum(getattr(r, f) for r in per_question) for f in
                                        ("answered_before", "right_before", "answered_after", "right_after")))
    return per_question, whole


def students(rows, phase):
    """How many students answered in `phase`."""
    return len({student for row_phase, student, _, _ in rows if row_phase == phase})


def percent(share):
    return "—" if share is None else f"{100 * share:.0f} %"


def shown_gain(value):
    return "—" if value is None else f"{value:.2f}"


def as_csv(rows):
    """The report as CSV: a line per question and one for the class; shares as fractions."""
    per_question, whole = report(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "text", "answered_before", "correct_before", "answered_after",
                     "correct_after", "gain"])
    for row in per_question + [whole]:
        writer.writerow([row.number or "class", row.text, row.answered_before, _fraction(row.before),
                         row.answered_after, _fraction(row.after), _fraction(row.gain)])
    return out.getvalue()


def _fraction(value):
    return "" if value is None else f"{value:.4f}"
