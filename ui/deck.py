"""Decks: a lecture as an ordered list of steps, each a view of the course (a page with its
settings, exactly as a link holds them), with the teacher's notes and the polls to ask there.

A deck is a small text file:

    # Recurrent networks in one lecture
    What the deck is for (optional).

    ## The hidden state at t = 1
    view: hidden-state?t=1
    poll: hidden_state.main.1
    minutes: 4

    Notes for the teacher: every line after the step's first blank line.

Each "## " heading is a step. The lines right under it, up to the first blank line, are its
fields: `view:` (required) is a page's address with its settings, as "Link to this view" gives
it (a whole copied link works too; its room and presenter flags are left out); `poll:` names the
page's Predict prompts to ask (their ids, e.g. vanishing.main.1) or a question of its quiz
(`quiz 2`), comma-separated; `minutes:` is the time the step takes. Parsing checks every step
against the course (the page exists, each setting is in range, each poll is the page's) and
says what is wrong with which step, all at once. It draws nothing: tested without a page.
"""

import base64
import binascii
import functools
import logging
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from ui import lesson
from ui.pages import BY_PATH
from ui.settings import PAGES, SEED, quoted

log = logging.getLogger(__name__)
DECKS = Path(__file__).resolve().parent.parent / "lessons" / "decks"
FIELDS = ("view", "poll", "minutes")
MOST_STEPS = 100
MOST_CHARACTERS = 100_000
DROPPED = ("room", "present")  # a copied link's class session and presenter mode: not the view's


class DeckError(ValueError):
    """What is wrong with a deck, in words, naming the step."""


@dataclass(frozen=True)
class Step:
    title: str
    page: str        # the page's url_path ("" for the start page)
    query: tuple     # ((name, value as in a link), ...)
    polls: tuple     # poll ids, and "quiz N"
    minutes: int | None
    notes: str

    @property
    def link(self):
        """The step's view as a link's path and query: "vanishing?T=200"."""
        return self.page + (f"?{urlencode(self.query)}" if self.query else "")


@dataclass(frozen=True)
class Deck:
    title: str
    about: str
    steps: tuple

    @property
    def minutes(self):
        return sum(step.minutes or 0 for step in self.steps)


@functools.cache
def shipped():
    """The decks in lessons/decks/: {title: text}. One that does not parse is left out, with the
    reason in the server's log."""
    decks = {}
    for path in sorted(DECKS.glob("*.deck")):
        text = path.read_text(encoding="utf-8")
        try:
            decks[parse(text).title] = text
        except DeckError as error:
            log.warning("%s is not offered: %s", path, error)
    return decks


def parse(text):
    """The Deck that `text` describes, or DeckError saying what is wrong and in which step."""
    if len(text) > MOST_CHARACTERS:
        raise DeckError(f"This deck is {len(text):,} characters long; a deck may have at most {MOST_CHARACTERS:,}.")
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    head, *blocks = re.split(r"^## ", text, flags=re.M)
    title_match = re.search(r"^# (.+)$", head, re.M)
    if not title_match:
        raise DeckError("A deck starts with its title on a line of its own, as “# Recurrent networks in one lecture”.")
    about = head[title_match.end():].strip()
    if not blocks:
        raise DeckError("This deck has no steps: each step starts with a line “## its title”.")
    if len(blocks) > MOST_STEPS:
        raise DeckError(f"This deck has {len(blocks)} steps; a deck may have at most {MOST_STEPS}.")
    steps, problems = [], []
    for number, block in enumerate(blocks, start=1):
        try:
            steps.append(_step(block))
        except DeckError as error:
            title = block.partition("\n")[0].strip()
            problems.append(f"Step {number} (“{quoted(title)}”): {error}")
    if problems:
        raise DeckError("\n".join(problems))
    return Deck(title_match.group(1).strip(), about, tuple(steps))


def _step(block):
    title, _, body = block.partition("\n")
    fields_text, _, notes = body.lstrip("\n").partition("\n\n")
    fields = {}
    for line in fields_text.splitlines():
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or name not in FIELDS:
            raise DeckError(f"“{quoted(line)}” is not one of its fields ({', '.join(f + ':' for f in FIELDS)}); "
                            "leave a blank line before the notes.")
        if name in fields and name != "poll":
            raise DeckError(f"it gives {name}: twice.")
        fields[name] = (fields.get(name, "") + "," + value.strip()).strip(",") if name == "poll" else value.strip()
    if "view" not in fields:
        raise DeckError("it has no “view:” line naming the page to show, as “view: vanishing?T=200”.")
    page, query = _view(fields["view"])
    polls = tuple(_poll(page, name.strip()) for name in fields.get("poll", "").split(",") if name.strip())
    return Step(title.strip(), page, query, polls, _minutes(fields.get("minutes")), notes.strip())


def _view(text):
    address = urlsplit(text.strip())
    path = address.path.strip("/")
    if path not in BY_PATH:
        pages = ", ".join(p.url_path or "/" for p in BY_PATH.values())
        raise DeckError(f"there is no page “{quoted(path or '/')}”; the pages are {pages}.")
    settings_key = BY_PATH[path].settings
    rows = {s.name: s for s in (SEED,) + PAGES[settings_key]} if settings_key else {}
    query = []
    for name, raw in parse_qsl(address.query, keep_blank_values=True):
        if name in DROPPED:
            continue
        if name == "show":
            query.append((name, raw))
            continue
        if name not in rows:
            raise DeckError(f"“{quoted(name)}” is not a setting of the page {quoted(path or '/')}.")
        value, notice = rows[name].parse(raw)
        if notice:  # a step shows exactly what it says, or the deck does not open
            raise DeckError(notice.split(";")[0] + ".")
        query.append((name, rows[name].encode(value)))
    return path, tuple(query)


def _poll(page, name):
    """The poll's name as the deck keeps it (`quiz  3` is `quiz 3`), if the page has it."""
    name_of_lesson = BY_PATH[page].lesson
    if not name_of_lesson:
        raise DeckError(f"“{quoted(name)}” is not a poll of this page; this page has none.")
    poll = lesson.class_poll(name_of_lesson, name)
    if poll is not None:
        return name if poll.id == name else f"quiz {int(name.split()[1])}"
    text = lesson.load(name_of_lesson)
    offered = sorted(found.id for found in lesson.every_poll(text))
    offered += [f"quiz 1 to quiz {len(text.questions)}"] if text.questions else []
    raise DeckError(f"“{quoted(name)}” is not a poll of this page"
                    + (f"; it has {', '.join(offered)}." if offered else "; this page has none."))


def _minutes(text):
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 180:
        raise DeckError(f"minutes: “{quoted(text)}” is not a whole number of minutes between 1 and 180.")
    return int(text)


def to_link(text):
    """The deck's text as a link's value (?deck=...): compressed, URL-safe."""
    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def from_link(value):
    """The deck's text from a link's value, or DeckError if the link was cut short or altered."""
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        unpacked = zlib.decompressobj()
        text = unpacked.decompress(packed, MOST_CHARACTERS + 1)
        if unpacked.unconsumed_tail or not unpacked.eof:
            raise ValueError("cut short, or longer than a deck may be")
        return text.decode("utf-8")
    except (ValueError, binascii.Error, zlib.error, UnicodeDecodeError) as error:
        raise DeckError(f"The deck in this link cannot be read ({error}); ask for the link again, "
                        "or for the deck as a file.") from None


def step_text(title, link, notes=""):
    """A step for a deck file, from a view's link: what "Add this view" appends."""
    address = urlsplit(link)
    query = urlencode([(k, v) for k, v in parse_qsl(address.query) if k not in DROPPED])
    view = address.path.strip("/") + (f"?{query}" if query else "")
    return f"## {title}\nview: {view}\n" + (f"\n{notes.strip()}\n" if notes.strip() else "")
