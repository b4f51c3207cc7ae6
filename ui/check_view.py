"""The concept check's page: ten questions before and after the course, and the gain.

In a class session the students' answers go to the room's store (right or wrong per question,
under the browser's random id: nothing personal), and the teacher's screen counts them and shows
the class's gain per question; a learner on their own keeps their answers in the session and
sees their own gain.
"""

import logging

import pandas as pd
import streamlit as st

from ui import concept_check, poll_view, state
from ui.polls import PollError

log = logging.getLogger(__name__)
REFRESH_SECONDS = 2
NAMES = {"before": "Before the course", "after": "After the course"}
HAKE = ("Hake (1998) found a gain of about 0.23 in traditional lectures and 0.48 in courses with "
        "interactive engagement.")


def page():
    st.title("Concept check")
    phase = state.widget("check", "phase")
    code = poll_view.room() if poll_view.in_class() else None
    teacher = code is not None and poll_view.teaching(code)
    if phase == "results":
        _class_results(code, teacher) if code else _own_results()
    elif teacher:
        st.markdown(f"**{NAMES[phase]}.** The students answer ten questions on their own devices; "
                    "the count below rises as they send them.")
        _count(code, phase)
        with st.expander("The questions they see"):
            for number, question in enumerate(concept_check.questions(), start=1):
                st.markdown(f"**{number}.** {question.text}")
    else:
        _questionnaire(code, phase)


def _mine():
    """A learner on their own: {phase: {question: right}} for this session."""
    return st.session_state.setdefault("check.mine", {})


def _questionnaire(code, phase):
    questions = concept_check.questions()
    sent = _class_marks(code, phase) if code else _mine().get(phase)
    if sent is not None:
        st.success(f"Your answers {'before' if phase == 'before' else 'after'} the course are in. "
                   + ("You can change them and send them again." if code else ""))
    st.markdown("Answer on your own, without looking anything up: a wrong answer costs nothing, and "
                "the check is only as useful as it is honest." if phase == "before" else
                "The same ten questions again, answered with what you know now.")
    kept = _kept(phase)
    for number, question in enumerate(questions, start=1):
        choices = [a for a, _, _ in question.answers]
        answer = st.radio(f"**{number}.** {question.text}", choices, key=f"check.{phase}.{number}",
                          index=choices.index(kept[number]) if kept.get(number) in choices else None)
        if answer is not None:
            kept[number] = answer
    if st.button("Send my answers", type="primary", key="check.send"):
        chosen = {n: kept.get(n) for n in range(1, len(questions) + 1)}
        missing = [str(n) for n, answer in chosen.items() if answer is None]
        if missing:
            st.error(f"Answer every question first: {', '.join(missing)} "
                     f"{'is' if len(missing) == 1 else 'are'} still open.")
            return
        marks = concept_check.marks(chosen)
        if code:
            try:
                poll_view.store().check(code, phase, poll_view.student(), marks)
            except PollError as error:
                st.error(str(error))
                return
        else:
            _mine()[phase] = marks
        st.rerun()
    if code and phase == "after" and sent is not None:
        _own_gain(_class_marks(code, "before"), sent)


def _kept(phase):
    """This session's answers so far, {question: answer}, kept apart from the radios: a page the
    session leaves (the teacher moving on before they were sent) takes its radios' state along."""
    return st.session_state.setdefault("check.kept", {}).setdefault(phase, {})


def _class_marks(code, phase):
    """This student's marks in the room's store for `phase`, or None."""
    mine = poll_view.student()
    marks = {q: right for p, s, q, right in poll_view.store().check_rows(code) if p == phase and s == mine}
    return marks or None


def _own_gain(before, after):
    """A learner's scores before and after, and their gain."""
    if before is None or after is None:
        st.info("Answer the check both before and after the course to see your gain.")
        return
    share_before, share_after = (sum(m.values()) / len(m) for m in (before, after))
    value = concept_check.gain(share_before, share_after)
    st.markdown(f"Before: **{sum(before.values())} of {len(before)}** right. After: **{sum(after.values())} "
                f"of {len(after)}**. Your gain ⟨g⟩ = **{concept_check.shown_gain(value)}**: "
                + ("the share of what you did not know before that you know now." if value is not None
                   else "you knew it all before."))


def _own_results():
    mine = _mine()
    _own_gain(mine.get("before"), mine.get("after"))
    if mine.get("before") and mine.get("after"):
        rows = [{"question": f"{n}. {q.text}", "before": "✓" if mine["before"].get(n) else "✗",
                 "after": "✓" if mine["after"].get(n) else "✗"}
                for n, q in enumerate(concept_check.questions(), start=1)]
        st.table(pd.DataFrame(rows).set_index("question"))
    st.caption("Your answers are kept while this tab is open. " + HAKE)


@st.fragment(run_every=REFRESH_SECONDS)
def _count(code, phase):
    try:
        rows = poll_view.store().check_rows(code)
    except Exception:  # noqa: BLE001 - a store that cannot answer must not break the page
        log.exception("the concept check of room %s cannot be read", code)
        st.caption("The answers cannot be read just now.")
        return
    count = concept_check.students(rows, phase)
    st.metric("Students who have sent their answers", count)
    if phase == "after":
        st.caption(f"{concept_check.students(rows, 'before')} answered before the course.")


@st.fragment(run_every=REFRESH_SECONDS)
def _class_results(code, teacher):
    rows = poll_view.store().check_rows(code)
    per_question, whole = concept_check.report(rows)
    n_before, n_after = (concept_check.students(rows, phase) for phase in concept_check.PHASES)
    st.markdown(f"### The class: {concept_check.percent(whole.before)} right before, "
                f"{concept_check.percent(whole.after)} after; ⟨g⟩ = {concept_check.shown_gain(whole.gain)}")
    st.caption(f"{n_before} students answered before the course and {n_after} after. ⟨g⟩ = (after − before) / "
               f"(100 % − before): the share of what was not known before that is known after. {HAKE}")
    table = pd.DataFrame([{
        "question": f"{row.number}. {row.text}",
        "right before": f"{concept_check.percent(row.before)} of {row.answered_before}",
        "right after": f"{concept_check.percent(row.after)} of {row.answered_after}",
        "⟨g⟩": concept_check.shown_gain(row.gain)} for row in per_question]).set_index("question")
    st.table(table)
    if teacher:
        st.download_button("Download as CSV", concept_check.as_csv(rows), file_name="concept-check.csv",
                           mime="text/csv", key="check.csv")
