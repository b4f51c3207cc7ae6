"""Class polls: a room a teacher opens, students' answers to each Predict prompt, the reveal; the
deck the room follows and its step (ui/lecture_view.py); the concept check's answers, right or wrong.

Storage sits behind one small interface, PollStore, with two implementations of the same SQL
(SQLStore): SQLiteStore, the embedded default, one file in WAL mode, created on first use, shared
by every Streamlit worker on the box and kept across server restarts; and PostgresStore, for a
class spread over several boxes, on one PostgreSQL database they all reach. RNNVIZ_POLLS chooses:
a postgresql:// URL, or the SQLite file's path (open_store).

No accounts and no personal data: a student is a random id of their browser session, a
teacher the holder of the room's random token (only its hash is stored).
"""

import functools
import hashlib
import os
import queue
import secrets
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Protocol

POLLS_ENV = "RNNVIZ_POLLS"
ROOM_SECONDS = 4 * 3600          # a room, its answers with it, is deleted this long after it opened
MOST_ROOMS = 500                 # open at once on one store
MOST_ANSWERS = 5000              # per room: 60 students x every poll of the course, twice over
MOST_CHECK_ANSWERS = 20000       # per room: 300 students x 10 questions, before and after, three times over
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
    def present(self, code: str, teacher_token: str, deck: str) -> None: ...
    def move(self, code: str, teacher_token: str, step: int) -> None: ...
    def stop_presenting(self, code: str, teacher_token: str) -> None: ...
    def lecture(self, code: str) -> tuple | None: ...
    def check(self, code: str, phase: str, student: str, marks: dict) -> None: ...
    def check_rows(self, code: str) -> list: ...


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


def open_store(where=None):
    """The store RNNVIZ_POLLS (or `where`) names: a postgresql:// URL, else an SQLite file."""
    return _store(where or os.environ.get(POLLS_ENV))


@functools.cache  # one per process: its schema checked once, its connections reused by every session
def _store(where):
    if where and where.split(":", 1)[0] in ("postgresql", "postgres"):
        return PostgresStore(where)
    return SQLiteStore(where)


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, teacher TEXT NOT NULL, "
    "expires DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS answers (code TEXT, poll TEXT, student TEXT, answer TEXT, "
    "PRIMARY KEY (code, poll, student))",
    "CREATE TABLE IF NOT EXISTS reveals (code TEXT, poll TEXT, PRIMARY KEY (code, poll))",
    "CREATE TABLE IF NOT EXISTS lectures (code TEXT PRIMARY KEY, deck TEXT NOT NULL, step INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checks (code TEXT, phase TEXT, student TEXT, question INTEGER, "
    "correct INTEGER, PRIMARY KEY (code, phase, student, question))",
)
ROOM_TABLES = ("answers", "reveals", "lectures", "checks")  # what a room's expiry deletes with it


class SQLStore:
    """PollStore in SQL that SQLite and PostgreSQL both speak, with ? for parameters. A subclass
    gives _transaction() (one transaction that writes, with every other writer waiting: two
    boxes never both read a count and then both add past a cap) and _read()."""

    def __init__(self, clock=time.time):
        self.clock = clock
        with self._transaction() as run:
            for statement in SCHEMA:
                run(statement)

    def _write(self, *statements):
        """Each statement(run) in one transaction; run(query, *args) -> rows. The last one's result."""
        with self._transaction() as run:
            results = [statement(run) for statement in statements]
        return results[-1]

    def purge(self):
        """Delete the rooms that expired, and everything in them."""
        def delete(run):
            gone = "SELECT code FROM rooms WHERE expires <= ?"
            now = self.clock()
            for table in ROOM_TABLES:
                run(f"DELETE FROM {table} WHERE code IN ({gone})", now)
            run("DELETE FROM rooms WHERE expires <= ?", now)
        self._write(delete)

    def open_room(self, teacher_token):
        self.purge()

        def insert(run):
            if run("SELECT COUNT(*) FROM rooms")[0][0] >= MOST_ROOMS:
                raise PollError("This server has as many class sessions open as it allows; try again later.")
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            run("INSERT INTO rooms VALUES (?, ?, ?)", code, _hash(teacher_token), self.clock() + ROOM_SECONDS)
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

        def upsert(run):
            if not run("SELECT 1 FROM rooms WHERE code = ? AND expires > ?", code, self.clock()):
                raise PollError("This class session has ended, or its code is unknown.")
            if run("SELECT 1 FROM reveals WHERE code = ? AND poll = ?", code, poll):
                raise PollError("The answers to this question have been revealed: it is closed.")
            fresh = not run("SELECT 1 FROM answers WHERE code = ? AND poll = ? AND student = ?", code, poll, student)
            if fresh and run("SELECT COUNT(*) FROM answers WHERE code = ?", code)[0][0] >= MOST_ANSWERS:
                raise PollError("This class session holds as many answers as it allows.")
            run("INSERT INTO answers VALUES (?, ?, ?, ?) ON CONFLICT (code, poll, student) "
                "DO UPDATE SET answer = excluded.answer", code, poll, student, answer)
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
        self._write(lambda run: run("INSERT INTO reveals VALUES (?, ?) ON CONFLICT DO NOTHING", code, poll))

    def revealed(self, code, poll):
        return bool(self._read("SELECT 1 FROM reveals WHERE code = ? AND poll = ?", code, poll))

    def present(self, code, teacher_token, deck):
        """The room follows `deck` (its text) from its first step."""
        if not self.is_teacher(code, teacher_token):
            raise PollError("Only the session that opened this class session can present a deck to it.")
        self._write(lambda run: run("INSERT INTO lectures VALUES (?, ?, 0) ON CONFLICT (code) "
                                    "DO UPDATE SET deck = excluded.deck, step = 0", code, deck))

    def move(self, code, teacher_token, step):
        """The room's deck at step `step` (counted from 0)."""
        if not self.is_teacher(code, teacher_token):
            raise PollError("Only the session that opened this class session can move its deck.")
        self._write(lambda run: run("UPDATE lectures SET step = ? WHERE code = ?", int(step), code))

    def stop_presenting(self, code, teacher_token):
        if not self.is_teacher(code, teacher_token):
            raise PollError("Only the session that opened this class session can stop its deck.")
        self._write(lambda run: run("DELETE FROM lectures WHERE code = ?", code))

    def lecture(self, code):
        """(the deck's text, its step) that the room follows, or None."""
        rows = self._read("SELECT l.deck, l.step FROM lectures l JOIN rooms r ON r.code = l.code "
                          "WHERE l.code = ? AND r.expires > ?", code, self.clock())
        return (rows[0][0], rows[0][1]) if rows else None

    def check(self, code, phase, student, marks):
        """A student's concept check in `phase`: {question number: answered right}. Sent again,
        it replaces the first."""
        def replace(run):
            if not run("SELECT 1 FROM rooms WHERE code = ? AND expires > ?", code, self.clock()):
                raise PollError("This class session has ended, or its code is unknown.")
            run("DELETE FROM checks WHERE code = ? AND phase = ? AND student = ?", code, phase, student)
            if run("SELECT COUNT(*) FROM checks WHERE code = ?", code)[0][0] + len(marks) > MOST_CHECK_ANSWERS:
                raise PollError("This class session holds as many answers as it allows.")
            for question, right in marks.items():
                run("INSERT INTO checks VALUES (?, ?, ?, ?, ?)", code, phase, student, int(question), int(bool(right)))
        self._write(replace)

    def check_rows(self, code):
        """Every concept-check answer of the room: (phase, student, question, right)."""
        return [(phase, student, question, bool(right)) for phase, student, question, right in self._read(
            "SELECT phase, student, question, correct FROM checks WHERE code = ? ORDER BY phase, student, question",
            code)]


class SQLiteStore(SQLStore):
    """One SQLite file. A connection per call: safe across threads and processes, and SQLite's own
    locking (WAL, a busy timeout, BEGIN IMMEDIATE) orders the writers."""

    def __init__(self, path=None, clock=time.time):
        self.path = Path(path or default_path())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
        super().__init__(clock)

    def _connect(self):
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")
        return closing(db)

    @contextmanager
    def _transaction(self):
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield lambda query, *args: db.execute(query, args).fetchall()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _read(self, query, *args):
        with self._connect() as db:
            return db.execute(query, args).fetchall()


class PostgresStore(SQLStore):
    """One PostgreSQL database that every box of a class reaches (psycopg 3), its URL in
    RNNVIZ_POLLS. Connections are reused from a small pool; a transaction that writes takes one
    advisory lock first, so writers take turns as SQLite's do (a poll's writes are a few a second)."""

    WRITERS = 0x726E6E76  # the advisory lock's number ("rnnv")
    POOLED = 8

    def __init__(self, url, clock=time.time):
        import psycopg

        self.url, self._psycopg = url, psycopg
        self._idle = queue.LifoQueue(maxsize=self.POOLED)
        super().__init__(clock)

    @contextmanager
    def _connection(self):
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            db = self._psycopg.connect(self.url, connect_timeout=10)
        try:
            yield db
        except self._psycopg.OperationalError:
            db.close()  # a connection the server dropped is not reused
            raise
        else:
            try:
                self._idle.put_nowait(db)
            except queue.Full:
                db.close()

    @staticmethod
    def _sql(query):
        return query.replace("?", "%s")

    @contextmanager
    def _transaction(self):
        with self._connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (self.WRITERS,))
            yield lambda query, *args: self._rows(db.execute(self._sql(query), args))

    def _read(self, query, *args):
        with self._connection() as db, db.transaction():
            return self._rows(db.execute(self._sql(query), args))

    @staticmethod
    def _rows(cursor):
        return cursor.fetchall() if cursor.description else []
