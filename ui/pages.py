"""The course's pages, in order: one table that the navigation (app.py), the home page's map and
the decks (ui/deck.py) all read. No Streamlit here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str          # in course/
    title: str
    url_path: str        # its address: "" for the start page
    settings: str | None  # the key of its settings in ui/settings.py
    lesson: str | None   # its lesson in lessons/, where its polls and quiz come from


COURSE = (
    Page("course/home.py", "Start here", "", None, "home"),
    Page("course/hidden_state.py", "1. The hidden state", "hidden-state", "hidden", "hidden_state"),
    Page("course/unrolled.py", "2. Unrolled network & BPTT", "unrolled", "unrolled", "unrolled"),
    Page("course/vanishing.py", "3. Vanishing & exploding gradients", "vanishing", "vanishing", "vanishing"),
    Page("course/gates.py", "4. LSTM & GRU gates", "gates", "gates", "gates"),
    Page("course/lab.py", "5. Training lab", "lab", "lab", "lab"),
    Page("course/cliff.py", "6. Exploding gradients & clipping", "cliff", "cliff", "cliff"),
    Page("course/check.py", "Concept check", "check", "check", None),
)
LESSON_PAGES = COURSE[1:7]  # the six lessons, as the home page maps them
BY_PATH = {page.url_path: page for page in COURSE}
