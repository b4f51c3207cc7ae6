"""Class polls: a room a teacher opens, students' answers to each Predict prompt, the reveal.

Storage sits behind one small interface, PollStore; SQLiteStore is the embedded default: one
file in WAL mode, created on first use, shared by every Streamlit worker on the box and kept
across server restarts (RNNVIZ_POLLS names the file). For several boxes, another class with
the same methods over a server database replaces it (see the README).

No accounts and no personal data: a student is a random id of their browser session, a
teacher the holder of the room's random token (only its hash is stored).
"""

import hashlib
import os
import secrets
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Protocol

POLLS_ENV = "RNNVIZ_POLLS"
ROOM_SECONDS = 4 * 3600          # a room, its answers with it, is deleted this long after it opened
MOST_ROOMS = 500                 # open at once on one store
MOST_ANSWERS = 5000              # per room: 60 students x every poll of the course, twice over
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CODE_LENGTH = 8                  # 32^8 ~ 1e12 codes: not guessable in practice


class PollError(Exception):
    """Something a user should be told in words (an unknown room, a closed poll, a full store)."""


class PollStore(Protocol):
    def open_room(self, teacher_token: str) -> str: ...
    def room_open(self, code: str) -> bool: ...
    def answer(self, code: str, poll: str, student: str, answer: str, choices: tuple) -> None: ...
    def my_answer(self, code: str, poll: str, student: str) -> str | None: ...
    def counts(self, code: str, poll: str) -> dict: ...
    def reveal(self, code: str, poll: str, teacher_token: str) -> None: ...
    def revealed(self, code: str, poll: str) -> bool: ...
    def is_teacher(self, code: str, teacher_token: str) -> bool: ...


def normal_code(text):
    """A code as typed or linked ("abcd-efgh") in the stored form, or None if it cannot be one."""
    code = "".join(str(text or "").upper().split()).replace("-", "")
    return code if len(code) == CODE_LENGTH and set(code) <= set(CODE_LETTERS) else None


def shown_code(code):
    return f"{code[:4]}-{code[4:]}"


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def default_path():
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return Path(os.environ.get(POLLS_ENV) or state / "rnnviz" / "polls.sqlite")


class SQLiteStore:
    """PollStore in one SQLite file. A connection per call: safe across threads and processes,
    and SQLite's own locking (WAL, a busy timeout) orders the writers."""

    def __init__(self, path=None, clock=time.time):
        self.path = Path(path or default_path())
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript("""
                CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, teacher TEXT NOT NULL,
                                                  expires REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS answers (code TEXT, poll TEXT, student TEXT, answer TEXT,
                                                    PRIMARY KEY (code, poll, student));
                CREATE TABLE IF NOT EXISTS reveals (code TEXT, poll TEXT, PRIMARY KEY (code, poll));
            """)

    def _connect(self):
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")
        return closing(db)

    def _write(self, *statements):
        """The statements as one transaction, taken for writing at once (BEGIN IMMEDIATE), so two
        processes never both read a count and then both add past a cap."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                results = [statement(db) for statement in statements]
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return results[-1]

    def _read(self, query, *args):
        with self._connect() as db:
            return db.execute(query, args).fetchall()

    def purge(self):
        """Delete the rooms that expired, and everything in them."""
        def delete(db):
            gone = "SELECT code FROM rooms WHERE expires <= ?"
            now = self.clock()
            for table in ("answers", "reveals"):
                db.execute(f"DELETE FROM {table} WHERE code IN ({gone})", (now,))
            db.execute("DELETE FROM rooms WHERE expires <= ?", (now,))
        self._write(delete)

    def open_room(self, teacher_token):
        self.purge()

        def insert(db):
            if db.execute("SELECT COUNT(*) FROM rooms").fetchone()[0] >= MOST_ROOMS:
                raise PollError("This server has as many class sessions open as it allows; try again later.")
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            db.execute("INSERT INTO rooms VALUES (?, ?, ?)", (code, _hash(teacher_token),
                                                              self.clock() + ROOM_SECONDS))
            return code
        return self._write(insert)

    def room_open(self, code):
        return bool(self._read("SELECT 1 FROM rooms WHERE code = ? AND expires > ?", code, self.clock()))

    def is_teacher(self, code, teacher_token):
        return bool(teacher_token) and bool(self._read(
            "SELECT 1 FROM rooms WHERE code = ? AND teacher = ? AND expires > ?",
            code, _hash(teacher_token), self.clock()))

    def answer(self, code, poll, student, answer, choices):
        """One answer per student per poll, one of the poll's `choices`, changeable until the reveal."""
        if answer not in choices:
            raise PollError("That is not one of this question's answers.")

        def upsert(db):
            if not db.execute("SELECT 1 FROM rooms WHERE code = ? AND expires > ?", (code, self.clock())).fetchone():
                raise PollError("This class session has ended, or its code is unknown.")
            if db.execute("SELECT 1 FROM reveals WHERE code = ? AND poll = ?", (code, poll)).fetchone():
                raise PollError("The answers to this question have been revealed: it is closed.")
            fresh = not db.execute("SELECT 1 FROM answers WHERE code = ? AND poll = ? AND student = ?",
                                   (code, poll, student)).fetchone()
            held = db.execute("SELECT COUNT(*) FROM answers WHERE code = ?", (code,)).fetchone()[0]
            if fresh and held >= MOST_ANSWERS:
                raise PollError("This class session holds as many answers as it allows.")
            db.execute("INSERT INTO answers VALUES (?, ?, ?, ?) ON CONFLICT (code, poll, student) "
                       "DO UPDATE SET answer = excluded.answer", (code, poll, student, answer))
        self._write(upsert)

    def my_answer(self, code, poll, student):
        rows = self._read("SELECT answer FROM answers WHERE code = ? AND poll = ? AND student = ?",
                          code, poll, student)
        return rows[0][0] if rows else None

    def counts(self, code, poll):
        return dict(self._read("SELECT answer, COUNT(*) FROM answers WHERE code = ? AND poll = ? "
                               "GROUP BY answer", code, poll))

    def reveal(self, code, poll, teacher_token):
        if not self.is_teacher(code, teacher_token):
            raise PollError("Only the session that opened this class session can reveal the answers.")
        self._write(lambda db: db.execute("INSERT OR IGNORE INTO reveals VALUES (?, ?)", (code, poll)))

    def revealed(self, code, poll):
        return bool(self._read("SELECT 1 FROM reveals WHERE code = ? AND poll = ?", code, poll))
