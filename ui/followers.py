"""Telling a room's devices at once that the teacher has moved, without each of them asking.

Every page run of a student in a room says which step it shows (showing()); one thread per server
process asks the store five times a second where each of those rooms is (one query per room, however
many students), and reruns at once every session whose page shows another step, the way Streamlit
reruns a session whose script file changed (AppSession.request_rerun with the session's own last
client state: its page, its address, its widgets' values). A session whose script is running is
left for the next tick: its run reads the step itself, and a rerun forced over it could replay
widget values older than the ones that run has taken in.

Streamlit has no public API for a server-side rerun; this uses AppSession's (Streamlit is pinned in
pyproject.toml, and tests/test_lecture_browser.py follows a deck through it). Without a Streamlit
runtime (AppTest) nothing is pushed, and the page's slow watch (ui/lecture_view.py) still catches up.
"""

import logging
import threading
import time

log = logging.getLogger(__name__)
TICK_SECONDS = 0.2
MOST_AT_ONCE = 2


class Followers:
    def __init__(self, read_step, tick=TICK_SECONDS):
        self._read_step = read_step  # room code -> the key of the step it is at, or None
        self._tick = tick
        self._shown = {}             # session id -> (room code, key of the step its page shows)
        self._pushed = {}            # session id -> the step key it was last rerun for
        self._lock = threading.Lock()
        self._thread = None

    def showing(self, session_id, code, key):
        """A page run of `session_id`, in room `code`, has drawn the step `key`."""
        with self._lock:
            self._shown[session_id] = (code, key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="rnnviz-followers", daemon=True)
                self._thread.start()

    def _watch(self):
        while True:
            time.sleep(self._tick)
            try:
                self.nudge()
            except Exception:  # noqa: BLE001 - the thread must outlive a store that cannot answer once
                log.exception("could not tell the class that its room moved")

    def nudge(self):
        """Rerun each session whose page shows another step than its room is at, MOST_AT_ONCE at a
        time: one core draws thirty pages sooner one after another than all at once, and the first
        students see the step at once instead of all of them at the end."""
        with self._lock:
            shown = dict(self._shown)
        now = {code: self._read_step(code) for code in {code for code, _ in shown.values()}}
        running = []
        for session_id, (code, key) in shown.items():
            if now[code] == key:
                continue
            session = _session(session_id)
            if session is None or self._pushed.get(session_id) == now[code] and not _running(session):
                self._forget(session_id, (code, key))  # gone, or its page no longer follows the room
                continue
            deadline = time.monotonic() + 5
            while len(running) >= MOST_AT_ONCE and time.monotonic() < deadline:
                time.sleep(0.01)
                running = [(other, s) for other, s in running if _running(s) or self._due(other, now)]
            if _rerun(session):
                self._pushed[session_id] = now[code]
                running.append((session_id, session))

    def _due(self, session_id, now):
        """Whether the session's page has not yet drawn its room's step."""
        code, key = self._shown.get(session_id, (None, None))
        return code is not None and now.get(code) != key

    def _forget(self, session_id, was):
        with self._lock:
            if self._shown.get(session_id) == was:
                del self._shown[session_id]
                self._pushed.pop(session_id, None)


def _session(session_id):
    from streamlit.runtime import Runtime

    return Runtime.instance().get_app_session(session_id) if Runtime.exists() else None


def _running(session):
    from streamlit.runtime.app_session import AppSessionState

    return session._state != AppSessionState.APP_NOT_RUNNING


def _rerun(session):
    if _running(session):
        return False
    session.request_rerun(session._client_state)
    return True
