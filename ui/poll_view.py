"""Predict together: a teacher opens a class session, students who follow its link answer each
page's Predict prompts, and the projected page counts the answers live and shows them on reveal.

The room travels in the link (?room=ABCD-EFGH) and in the session; the teacher is the session
holding the room's token, which this browser also keeps in its own storage with the student's random
id (ui/class_keys.js), so that neither is ever in an address a room can see or copy. Answers are
stored in ui/polls.py.
"""

import html
import logging
import secrets
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz import figures
from ui import charts, links, presenter, state, verdicts
from ui.polls import PollError, normal_code, open_store, shown_code

log = logging.getLogger(__name__)
REFRESH_SECONDS = 3  # how often a poll box re-reads the count: a fragment rerun, not a page rerun
ROOM = "poll.room"
SETTINGS_OF = {"hidden_state": "hidden"}  # a lesson's settings in ui/settings.py, where the names differ


def store():
    """The store RNNVIZ_POLLS names, one per process (open_store keeps it)."""
    return open_store()


def room():
    """The class session this browser is in: from the link, else from earlier in the session."""
    linked = st.query_params.get("room")
    if linked is not None:
        code = normal_code(linked)
        if code is None:
            st.session_state.pop(ROOM, None)
            return None
        st.session_state[ROOM] = code
    return st.session_state.get(ROOM)


def link_flags():
    """What the link carries of the class session, so that a copied link joins it."""
    code = room()
    if code is None:
        return {}
    return {"room": shown_code(code)}


def student():
    """This browser's random id for its answers (kept in its storage: see _keep_in_browser)."""
    return st.session_state.setdefault("poll.student", secrets.token_hex(8))


def teacher_token():
    return st.session_state.get("poll.teacher")


def teaching(code):
    """Whether this browser opened class session `code` (holds its teacher's token)."""
    return store().is_teacher(code, teacher_token())


def _open_room():
    token = secrets.token_urlsafe(16)
    try:
        code = store().open_room(token)
    except PollError as error:
        st.session_state["poll.notice"] = str(error)
        return
    st.session_state.update({"poll.teacher": token, ROOM: code})
    st.query_params["room"] = shown_code(code)


def _leave_room():
    for name in (ROOM, "poll.teacher"):
        st.session_state.pop(name, None)
    st.query_params.pop("room", None)


@lru_cache(maxsize=None)
def _class_keys():
    script = (Path(__file__).resolve().parent / "class_keys.js").read_text(encoding="utf-8")
    return st.components.v2.component("rnnviz_class_keys", js=script, isolate_styles=False)


def _keep_in_browser(code):
    """This browser keeps the teacher's token of the room and the student's id in its storage,
    and gives them back to a new session (a reload, another tab): see ui/class_keys.js."""
    session = get_script_run_ctx().session_id
    _class_keys()(key="poll.keys", data={"room": code, "token": teacher_token(), "student": student(),
                                         "session": session},
                  default={"token": None, "student": None},
                  on_token_change=partial(_take_kept, code), on_student_change=partial(_take_kept, code))


def _take_kept(code):
    kept = st.session_state.get("poll.keys") or {}
    token, student = ((kept.get(name) or "").split("|")[0] for name in ("token", "student"))
    if token and store().is_teacher(code, token):
        st.session_state["poll.teacher"] = token
    if len(student) == 16 and all(c in "0123456789abcdef" for c in student):
        st.session_state["poll.student"] = student


def sidebar():
    """Start a class poll, or say which one this browser is in."""
    st.markdown("**Predict together**")
    code = room()
    if code is not None:
        _keep_in_browser(code)
    if code is None:
        st.button("Start a class poll", key="poll.start", on_click=_open_room, width="stretch",
                  help="Opens a class session: students who open this page's link answer each "
                       "Predict question on their own device, and this page counts the answers.")
    else:
        teacher = teaching(code)
        st.caption(f"{'Your' if teacher else 'In'} class session {shown_code(code)}"
                   + (": share the link below" if teacher else ""))
        st.button("Leave the class session", on_click=_leave_room, width="stretch")
    notice = st.session_state.pop("poll.notice", None)
    if notice:
        st.error(notice)


def banner():
    """On every page in a class session: the room, large for the teacher's projector; a clear
    message instead when the link's room has ended or never was."""
    if st.query_params.get("room") is not None and normal_code(st.query_params["room"]) is None:
        st.warning("This link's class-session code is not one rnnviz makes; ask your teacher for the link again.")
        return
    code = room()
    if code is None:
        return
    if not store().room_open(code):
        st.warning(f"Class session {shown_code(code)} has ended (a session lasts four hours) or is "
                   "unknown here. Ask your teacher for a new link; everything else works as usual.")
        return
    if teaching(code):
        base, warning = links.for_class(st.context.url)
        link = f"{base}{urlsplit(st.context.url or '').path}?room={shown_code(code)}"
        if warning:
            st.warning(warning)
        size = 44 if presenter.active() else 28
        st.html(f'<div style="font-size:{size}px;font-weight:700">Class poll: room {shown_code(code)}'
                f'</div><div style="font-size:{size * 0.6:.0f}px">Students open <b>{html.escape(link)}</b> '
                'and answer each Predict question on their own device.</div>')


def in_class():
    """Whether this browser is in an open class session (its Predict prompts are polls)."""
    code = room()
    return code is not None and store().room_open(code)


def withheld(polls):
    """For a student in an open class session: whether any of `polls` (whose answer a figure
    shows) is still unrevealed; then the figure is held back and a note says why. The poll box
    reruns the page once its poll is revealed."""
    code = room()
    if code is None or not polls or not store().room_open(code) or teaching(code):
        return False
    waiting = [poll.id for poll in polls if not store().revealed(code, poll.id)]
    if not waiting:
        return False
    st.session_state.setdefault("poll.withheld", set()).update(waiting)
    st.info("This figure shows the answer to the class's Predict question, so it stays hidden until "
            "your teacher reveals the class's answers. Answer the question first.")
    return True


def show(poll):
    """The poll under its Predict prompt, for a browser in an open class session (in_class())."""
    _poll_box(poll, room())


def _page(poll):
    """The key of the poll's page in ui/settings.py."""
    lesson = poll.id.split(".")[0]
    return SETTINGS_OF.get(lesson, lesson)


def _right(poll):
    """What the poll's experiment shows at the settings on screen (ui/verdicts.py)."""
    page = _page(poll)
    lab = st.session_state.get("lab")
    run = lab.on_screen(st.session_state.get("lab.key")) if page == "lab" and lab is not None else None
    return verdicts.right_answer(poll, state.values(page), run)


def _experiment_button(poll, key):
    """The button that sets the page to what shows the answer, if the page's defaults do not."""
    if poll.experiment:
        page = _page(poll)
        shown = ", ".join(f"{name} = {value}" for name, value in poll.experiment.items())
        st.button(f"Run the experiment ({shown})", key=key, on_click=state.apply, args=(page, poll.experiment))


def guess(poll, container=st):
    """A learner on their own commits to a guess before looking, then checks it against what
    the page shows: a small button beside the prompt, so the figure stays on the first screen.
    The guess is kept for the session (not in the link)."""
    locked, checked = f"guess.locked.{poll.id}", f"guess.checked.{poll.id}"
    mine = st.session_state.get(locked)
    right = _right(poll) if st.session_state.get(checked) else None
    if mine not in poll.choices:
        label = "Make a guess"
    elif right is not None:
        label = "✓ Right" if mine == right else "✗ Not quite"
    else:
        label = "Guess locked in"
    with container.popover(label, width="stretch"):
        if mine not in poll.choices:
            choice = st.radio("Commit to a guess before you look:", poll.choices, index=None,
                              key=f"guess.choice.{poll.id}")
            st.button("Lock in my guess", key=f"guess.lock.{poll.id}", type="primary",
                      disabled=choice is None, on_click=_lock, args=(poll,))
            return
        st.markdown(f"You guessed: **{mine}**")
        if not st.session_state.get(checked):
            st.caption("Now look at the figure (or run the experiment), then check.")
            _experiment_button(poll, f"guess.experiment.{poll.id}")
            st.button("Check my guess", key=f"guess.check.{poll.id}", type="primary",
                      on_click=st.session_state.__setitem__, args=(checked, True))
        elif mine == right:
            st.success(f"Right. The experiment shows: **{right}**.")
        else:
            st.info(f"The experiment shows: **{right}**. Look at the figure again: where "
                    "does it show that?")
            _experiment_button(poll, f"guess.experiment.{poll.id}")
        st.button("Guess again", key=f"guess.again.{poll.id}", on_click=_unlock, args=(poll,))


def _lock(poll):
    st.session_state[f"guess.locked.{poll.id}"] = st.session_state.get(f"guess.choice.{poll.id}")


def _unlock(poll):
    for name in ("locked", "checked", "choice"):
        st.session_state.pop(f"guess.{name}.{poll.id}", None)


@st.fragment(run_every=REFRESH_SECONDS)
def _poll_box(poll, code):
    polls = store()
    try:
        revealed = polls.revealed(code, poll.id)
        counts = polls.counts(code, poll.id)
    except Exception as error:  # noqa: BLE001 - a store that cannot answer must not break the page
        log.exception("the class poll %s of room %s cannot be read", poll.id, code)
        st.caption(f"The class poll cannot be read just now ({type(error).__name__}).")
        return
    answered = sum(counts.values())
    if revealed and poll.id in st.session_state.get("poll.withheld", set()):
        st.session_state["poll.withheld"].discard(poll.id)
        st.rerun()  # the whole page: the figure held back for this poll can show now
    if revealed:
        right = _right(poll)
        charts.plotly(st, figures.poll_answers(poll.choices, counts, right),
                      config={"displayModeBar": False}, key=f"poll.chart.{poll.id}")
        mine = polls.my_answer(code, poll.id, student())
        if mine in poll.choices:
            st.markdown(f"You predicted **{mine}**: " + ("✓ that is what the experiment shows." if mine == right
                                                         else "✗ the experiment shows something else."))
        st.caption(f"{answered} answered. ✓ marks what the experiment shows: now try it and see.")
        _experiment_button(poll, f"poll.experiment.{poll.id}")
        return
    if teaching(code):
        st.markdown(f"**{answered}** {'student has' if answered == 1 else 'students have'} answered.")
        st.button("Reveal the class's answers", key=f"poll.reveal.{poll.id}", on_click=_reveal,
                  args=(poll, code))
        return
    mine = polls.my_answer(code, poll.id, student())
    st.radio("Your prediction (you can change it until the answers are revealed):", poll.choices,
             index=poll.choices.index(mine) if mine in poll.choices else None,
             key=f"poll.answer.{poll.id}", on_change=_answer, args=(poll, code))
    st.caption(f"{answered} answered so far" + (", yours among them." if mine else "."))


def _answer(poll, code):
    chosen = st.session_state.get(f"poll.answer.{poll.id}")
    try:
        store().answer(code, poll.id, student(), chosen, poll.choices)
    except PollError as error:
        st.session_state["poll.notice"] = str(error)


def _reveal(poll, code):
    try:
        store().reveal(code, poll.id, teacher_token())
    except PollError as error:
        st.session_state["poll.notice"] = str(error)
