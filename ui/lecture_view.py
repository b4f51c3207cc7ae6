"""A lecture from one room: the teacher presents a deck (ui/deck.py) to the class session, and
every student's device follows the teacher's step.

The room's deck and its current step live in the poll store (ui/polls.py), so every box of a class
sees them. The teacher moves with buttons or the keys a presentation clicker sends (Right, Left,
Page Down, Page Up, Space: ui/deck_keys.js); each session remembers the step it last followed,
and a page run that finds the room at another step takes the step's view exactly as its link holds
it (follow()); a page run reads the room once (room()) and passes what it read along. A student's
page is rerun by the server the moment its room moves (ui/followers.py), and asks for itself every
few seconds should that have been missed. A student can leave to explore and come back with one
press; their own settings are theirs, and the teacher's view never reads them.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui import compute, lesson, links, poll_view, presenter, state
from ui import deck as decks
from ui.followers import Followers
from ui.pages import BY_PATH
from ui.polls import PollError
from ui.settings import link_values, quoted

log = logging.getLogger(__name__)
WATCH_SECONDS = 5      # how often a student's page asks itself, should a push have been missed
FOLLOWED = "deck.followed"   # the (deck, step) this session last took the view of
SHOWN = "deck.shown"         # the (deck, step) its bar last showed
EXPLORING = "deck.exploring"
DRAFT = "deck.draft"         # the teacher's own deck, as text
OWN_DECK = "My own deck (below)"


@dataclass(frozen=True)
class Room:
    """What a page run knows of its class session: read once, as the run starts."""
    code: str
    teacher: bool
    lecture: tuple | None   # (Deck, step, its key) the room follows, or None


def room():
    """This browser's open class session, its role there and the lecture it follows; None outside one."""
    code = poll_view.room()
    if code is None or not poll_view.in_class():
        return None
    return Room(code, poll_view.teaching(code), _lecture(code))


@lru_cache(maxsize=64)
def _parsed(text):
    return decks.parse(text)


def _lecture(code):
    """(Deck, step, its key) that the room follows, or None."""
    found = poll_view.store().lecture(code)
    if found is None:
        return None
    text, step = found
    try:
        deck = _parsed(text)
    except decks.DeckError:  # checked when presented: only a deck stored by another version of rnnviz
        log.exception("room %s follows a deck that does not parse", code)
        return None
    step = min(max(step, 0), len(deck.steps) - 1)
    return deck, step, (hashlib.sha1(text.encode()).hexdigest()[:12], step)


def follow(here, room):
    """Before the page's settings are read: if the room has moved to a step this session has not
    followed yet (and it is not exploring), show that step's view."""
    if room is None or room.lecture is None or st.session_state.get(FOLLOWED) == room.lecture[2]:
        return
    if st.session_state.get(EXPLORING) and not room.teacher:
        return
    deck, step, key = room.lecture
    st.session_state[FOLLOWED] = key
    _show(deck.steps[step], here)


def _show(step, here):
    """Take the step's view as its link holds it: every setting it names, the rest at its default."""
    page = BY_PATH[step.page]
    query = dict(step.query)
    if page.settings:
        state.take_link(page.settings, query)
    flags = {name: st.query_params[name] for name in ("present", "room") if name in st.query_params}
    if step.page != here:
        st.switch_page(page.script, query_params=query | flags)
    if "show" in query:
        st.query_params["show"] = query["show"]
    else:
        st.query_params.pop("show", None)


def bar(here, room):
    """At the top of every page in a room that follows a deck: the teacher's step, notes and
    moves; a student's place in the lecture, and the way out of it and back."""
    if room is None or room.lecture is None:
        return
    deck, step, key = room.lecture
    st.session_state[SHOWN] = key
    current = deck.steps[step]
    where = f"Step {step + 1} of {len(deck.steps)}: {quoted(current.title, limit=80)}"
    if room.teacher:
        _teacher_bar(room.code, deck, step, where)
    else:
        _student_bar(where, on_step=here == current.page and st.session_state.get(FOLLOWED) == key)
        _followers().showing(get_script_run_ctx().session_id, room.code, key)
        _watch(room.code)
    for poll in _quiz_polls(current):
        poll_view.show(poll)


def _teacher_bar(code, deck, step, where):
    _keys()(key="deck.keys", on_move_change=lambda: _move(code, (st.session_state.get("deck.keys") or {}).get("move")))
    text, back, forward = st.columns([6, 1, 1], vertical_alignment="center")
    text.markdown(f"**{where}**")
    back.button("◀ Back", key="deck.back", on_click=_move, args=(code, -1), disabled=step == 0, width="stretch",
                help="Or press Left or Page Up (a presentation clicker's keys).")
    forward.button("Next ▶", key="deck.next", on_click=_move, args=(code, 1), type="primary",
                   disabled=step == len(deck.steps) - 1, width="stretch",
                   help="Or press Right, Page Down or Space (a presentation clicker's keys).")
    current = deck.steps[step]
    # closed while presenting: the projector shows the room what the teacher's screen shows
    with st.expander("Your notes for this step", expanded=not presenter.active()):
        if current.notes:  # Markdown, but no image: a deck from a link must not make the page fetch anything
            st.markdown(current.notes.replace("![", "!\\["))
        asked = [_poll_text(current, name) for name in current.polls]
        if asked:
            st.markdown("Poll on this step: " + "; ".join(asked))
        if step + 1 < len(deck.steps):
            st.caption(f"Next: {quoted(deck.steps[step + 1].title, limit=80)}")
    notice = st.session_state.pop("deck.notice", None)
    if notice:
        st.error(notice)


def _student_bar(where, on_step):
    text, button = st.columns([5, 2], vertical_alignment="center")
    if st.session_state.get(EXPLORING):
        text.markdown(f"You are exploring on your own. The class is at {where[0].lower()}{where[1:]}")
        button.button("Back to the class", key="deck.back_to_class", type="primary", on_click=_rejoin,
                      width="stretch")
    else:
        text.markdown(f"Following your teacher: {where[0].lower()}{where[1:]}" if on_step else
                      f"Following your teacher, who is at {where[0].lower()}{where[1:]}")
        button.button("Explore on my own", key="deck.explore", on_click=st.session_state.__setitem__,
                      args=(EXPLORING, True), width="stretch",
                      help="Your page stops following the teacher until you press “Back to the class”.")


def _rejoin():
    st.session_state[EXPLORING] = False
    st.session_state.pop(FOLLOWED, None)  # so that follow() takes the class's step again


@lru_cache(maxsize=None)
def _followers():
    """This server process's one watcher of the rooms its students follow (ui/followers.py)."""
    def read_step(code):
        now = _lecture(code)
        return None if now is None else now[2]
    return Followers(read_step)


@st.fragment(run_every=WATCH_SECONDS)
def _watch(code):
    """The slow safety net under the push of ui/followers.py: has the room moved since this page
    was drawn? Then draw it again."""
    try:
        now = _lecture(code)
    except Exception:  # noqa: BLE001 - a store that cannot answer must not break the page
        log.exception("the lecture of room %s cannot be read", code)
        return
    if now is not None and now[2] != st.session_state.get(SHOWN) or now is None and SHOWN in st.session_state:
        st.rerun()


def _move(code, delta):
    if delta not in (-1, 1):
        return
    now = _lecture(code)
    if now is None:
        return
    deck, step, _ = now
    step = min(max(step + delta, 0), len(deck.steps) - 1)
    try:
        poll_view.store().move(code, poll_view.teacher_token(), step)
    except PollError as error:
        st.session_state["deck.notice"] = str(error)
        return
    if step + 1 < len(deck.steps):
        _warm(deck.steps[step + 1])


def _warm(step):
    """Compute the step's view in the background (compute.warm_view), so that the class finds it
    ready when the teacher moves to it."""
    page = BY_PATH[step.page].settings
    if page is None:
        return

    def warm():
        try:
            compute.warm_view(page, link_values(page, dict(step.query)))
        except Exception:  # noqa: BLE001 - the step will compute (and say) it when it is shown
            log.exception("warming the deck's next step %s failed", step.link)

    threading.Thread(target=warm, name="rnnviz-next-step", daemon=True).start()


@lru_cache(maxsize=None)
def _keys():
    script = (Path(__file__).resolve().parent / "deck_keys.js").read_text(encoding="utf-8")
    return st.components.v2.component("rnnviz_deck_keys", js=script, isolate_styles=False)


def _quiz_polls(step):
    """The step's quiz questions, asked as class polls here (a Predict prompt is asked by its page)."""
    return [lesson.class_poll(BY_PATH[step.page].lesson, name) for name in step.polls if name.startswith("quiz ")]


def _poll_text(step, name):
    if name.startswith("quiz "):
        return f"question {name.split()[1]} of the page's quiz (below the step bar)"
    return lesson.class_poll(BY_PATH[step.page].lesson, name).text.replace("**Predict:** ", "")


def take_deck_link():
    """A link with ?deck=... (a teacher's shared deck): its text becomes this session's own deck,
    and the address loses it (the link would otherwise grow with every page)."""
    value = st.query_params.get("deck")
    if value is None:
        return
    del st.query_params["deck"]
    try:
        text = decks.from_link(value)
        lecture = decks.parse(text)
    except decks.DeckError as error:
        st.error(f"This link's deck cannot be presented:\n\n{error}")
        return
    st.session_state[DRAFT] = text
    st.session_state["deck.choice"] = OWN_DECK
    st.info(f"This link brought the deck “{quoted(lecture.title)}” ({len(lecture.steps)} steps): it is "
            "*My own deck* in the sidebar. Start a class poll there, then press *Present this deck*.")


def sidebar(url_path, room):
    """For the teacher of a class session: present a deck, stop it, make one of their own."""
    if room is None or not room.teacher:
        return
    code = room.code
    st.markdown("**Present a deck**")
    if room.lecture is not None:
        st.caption(f"Presenting “{quoted(room.lecture[0].title)}”: the class follows your steps.")
        st.button("Stop presenting", key="deck.stop", on_click=_stop, args=(code,), width="stretch")
    choices = list(decks.shipped()) + [OWN_DECK]
    chosen = st.selectbox("Deck", choices, key="deck.choice")
    if chosen in decks.shipped():
        lecture = _parsed(decks.shipped()[chosen])
        st.caption(f"{len(lecture.steps)} steps, about {lecture.minutes} minutes. {quoted(lecture.about, limit=300)}")
    st.button("Present this deck", key="deck.present", on_click=_present, args=(code, chosen), type="primary",
              width="stretch", help="The class's devices follow from its first step; move with the "
                                    "buttons at the top, or the keys a presentation clicker sends.")
    with st.expander("My own deck"):
        upload = st.file_uploader("Open a deck file", type=["deck", "txt", "md"], key="deck.file")
        if upload is not None and st.session_state.get("deck.file_seen") != upload.file_id:
            st.session_state["deck.file_seen"] = upload.file_id
            st.session_state[DRAFT] = upload.getvalue().decode("utf-8", errors="replace")
        st.session_state.setdefault(DRAFT, "# My lecture\n")
        st.button("Add this view as a step", key="deck.add", on_click=_add_view, args=(url_path,),
                  width="stretch")
        st.text_area("The deck's text (its format: the README's “Decks”)", key=DRAFT, height=220)
        st.download_button("Download this deck", st.session_state[DRAFT], file_name="my-lecture.deck",
                           mime="text/plain", key="deck.download", width="stretch")
        base, _ = links.for_class(st.context.url)
        st.caption("A link to this deck, for another teacher:")
        st.code(f"{base}/?deck={decks.to_link(st.session_state[DRAFT])}", language=None, wrap_lines=True)
    notice = st.session_state.pop("deck.sidebar_notice", None)
    if notice:
        st.error(notice)


def _add_view(url_path):
    """on_click: the view on screen (as the address bar holds it) as the draft's last step."""
    link = f"{url_path}?{urlencode(dict(st.query_params.items()))}"
    draft = st.session_state.get(DRAFT, "# My lecture\n").rstrip("\n")
    st.session_state[DRAFT] = draft + "\n\n" + decks.step_text(BY_PATH[url_path].title, link)


def _present(code, chosen):
    text = decks.shipped().get(chosen, st.session_state.get(DRAFT, ""))
    try:
        decks.parse(text)  # says what is wrong before the class sees anything
        poll_view.store().present(code, poll_view.teacher_token(), text)
        st.session_state.pop(FOLLOWED, None)  # from its first step, even if it is the deck that ran before
        for step in decks.parse(text).steps[:2]:
            _warm(step)
    except (decks.DeckError, PollError) as error:
        st.session_state["deck.sidebar_notice"] = f"This deck cannot be presented:\n\n{error}"


def _stop(code):
    try:
        poll_view.store().stop_presenting(code, poll_view.teacher_token())
    except PollError as error:
        st.session_state["deck.sidebar_notice"] = str(error)
