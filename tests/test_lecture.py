"""A lecture from one room (ui/deck.py, ui/concept_check.py, ui/lecture_view.py, ui/check_view.py):
decks parsed and checked against the course, Hake's gain against hand-computed figures, and a
teacher with students following a deck through the app. (In Chromium: tests/test_lecture_browser.py.)"""

import re

import pytest

from harness.apptest import assert_no_exception, open_page, texts
from ui import concept_check, deck, lesson, polls
from ui.pages import BY_PATH, LESSON_PAGES

SHIPPED = deck.DECKS / "one_lecture.deck"


def test_the_shipped_deck_walks_the_six_pages_in_about_fifty_minutes_with_a_check_before_and_after():
    lecture = deck.parse(SHIPPED.read_text(encoding="utf-8"))
    assert lecture.title == "Recurrent networks in one lecture" and 45 <= lecture.minutes <= 55
    assert {step.page for step in lecture.steps} >= {page.url_path for page in LESSON_PAGES}
    assert [step.link for step in lecture.steps][0] == "check?phase=before"
    assert [step.link for step in lecture.steps][-2:] == ["check?phase=after", "check?phase=results"]
    asked = {poll for step in lecture.steps for poll in step.polls}
    assert len(asked) >= 8 and all(step.notes for step in lecture.steps)
    assert set(deck.shipped()) == {lecture.title}


@pytest.mark.parametrize("text, said", [
    ("# L\n\n## Start\nview: vanishin?T=200\n", "Step 1 (“Start”): there is no page “vanishin”"),
    ("# L\n\n## A\nview: vanishing\n\n## Long\nview: vanishing?T=900\n",
     "Step 2 (“Long”): Sequence length T: 900 is above the maximum."),
    ("# L\n\n## A\nview: gates\nvew: x\n", "Step 1 (“A”): “vew\\: x” is not one of its fields"),
    ("# L\n\n## A\npoll: vanishing.main.1\n", "Step 1 (“A”): it has no “view:” line"),
    ("# L\n\n## A\nview: gates\npoll: vanishing.main.1\n",
     "Step 1 (“A”): “vanishing.main.1” is not a poll of this page"),
    ("# L\n\n## A\nview: cliff?zoom=2\n", "Step 1 (“A”): “zoom” is not a setting of the page cliff"),
    ("# L\n\n## A\nview: cliff\nminutes: ten\n", "Step 1 (“A”): minutes: “ten” is not a whole number"),
    ("## A\nview: cliff\n", "A deck starts with its title"),
    ("# L\nno steps here\n", "This deck has no steps"),
])
def test_a_bad_deck_says_what_is_wrong_and_in_which_step(text, said):
    with pytest.raises(deck.DeckError) as error:
        deck.parse(text)
    assert said in str(error.value)


def test_every_bad_step_is_named_at_once_and_a_copied_link_is_a_view():
    with pytest.raises(deck.DeckError) as error:
        deck.parse("# L\n\n## A\nview: nowhere\n\n## B\nview: vanishing\n\n## C\nview: lab?T=1\n")
    assert re.findall(r"Step (\d)", str(error.value)) == ["1", "3"]
    copied = "http://10.0.0.5:8501/vanishing?T=120&radius=1.1&room=ABCD-EFGH&present=1"
    lecture = deck.parse("# L\n\n" + deck.step_text("Explode", copied, "Say why."))
    step = lecture.steps[0]
    assert (step.title, step.link, step.notes) == ("Explode", "vanishing?T=120&radius=1.1", "Say why.")


def test_a_step_can_ask_a_quiz_question_of_its_page():
    lecture = deck.parse("# L\n\n## Q\nview: hidden-state\npoll: quiz 2, hidden_state.main.1\n")
    assert lecture.steps[0].polls == ("quiz 2", "hidden_state.main.1")
    with pytest.raises(deck.DeckError, match="quiz 1 to quiz 3"):
        deck.parse("# L\n\n## Q\nview: hidden-state\npoll: quiz 9\n")


def test_the_concept_check_has_ten_questions_on_the_six_pages_each_with_one_right_answer():
    questions = concept_check.questions()
    assert len(questions) == 10
    assert all(sum(right for _, right, _ in q.answers) == 1 and len(q.answers) >= 3 for q in questions)


def _right(number):
    return next(a for a, right, _ in concept_check.questions()[number - 1].answers if right)


def _wrong(number):
    return next(a for a, right, _ in concept_check.questions()[number - 1].answers if not right)


def test_hakes_gain_per_question_and_for_the_class_as_computed_by_hand():
    # three students; "before" right on the first 5, 2 and 8 questions, "after" on the first 9, 6 and 10
    rows = []
    for student, (before, after) in {"a": (5, 9), "b": (2, 6), "c": (8, 10)}.items():
        for phase, right in (("before", before), ("after", after)):
            chosen = {n: _right(n) if n <= right else _wrong(n) for n in range(1, 11)}
            rows += [(phase, student, n, ok) for n, ok in concept_check.marks(chosen).items()]
    per_question, whole = concept_check.report(rows)
    assert (whole.answered_before, whole.right_before, whole.right_after) == (30, 15, 25)
    assert whole.gain == pytest.approx((25 / 30 - 15 / 30) / (1 - 15 / 30))  # 2/3
    q3, q7, q9 = per_question[2], per_question[6], per_question[8]
    assert (q3.before, q3.after, q3.gain) == (pytest.approx(2 / 3), 1, pytest.approx(1))
    assert (q7.before, q7.after) == (pytest.approx(1 / 3), pytest.approx(2 / 3)) and q7.gain == pytest.approx(0.5)
    assert (q9.before, q9.after) == (0, pytest.approx(2 / 3)) and q9.gain == pytest.approx(2 / 3)
    assert per_question[0].gain is None  # everyone knew it before: nothing left to gain
    assert concept_check.students(rows, "before") == 3
    csv_lines = concept_check.as_csv(rows).splitlines()
    assert csv_lines[0].startswith("question,text,answered_before") and len(csv_lines) == 12
    assert csv_lines[-1].endswith(",30,0.5000,30,0.8333,0.6667")
    assert concept_check.gain(0.5, 0.25) == -0.5  # a class can lose ground, and the figure says so


@pytest.fixture
def class_store(tmp_path, monkeypatch):
    monkeypatch.setenv(polls.POLLS_ENV, str(tmp_path / "polls.sqlite"))


MY_DECK = """# Vanishing in three steps

## Short
view: vanishing?T=20

Start short.

## Long
view: vanishing?T=200
poll: vanishing.main.1

## Exploding
view: vanishing?T=200&radius=1.5
"""


def _bar(at):
    return [text for text in texts(at, "markdown") if re.search(r"[Ss]tep \d+ of \d+", text)]


def test_a_teachers_own_deck_moves_a_following_student_and_leaves_one_exploring_alone(class_store):
    teacher = open_page("vanishing")
    teacher.button(key="poll.start").click().run()
    room = teacher.query_params["room"]
    teacher.text_area(key="deck.draft").input(MY_DECK).run()
    teacher.selectbox(key="deck.choice").select("My own deck (below)").run()
    teacher.button(key="deck.present").click().run()
    assert_no_exception(teacher)
    assert teacher.session_state["vanishing.T"] == 20 and _bar(teacher) == ["**Step 1 of 3: Short**"]
    following, exploring = (open_page("vanishing", {"room": room}) for _ in range(2))
    exploring.button(key="deck.explore").click().run()
    exploring.session_state["vanishing.radius"] = 0.5  # what a student changes while exploring
    exploring.run()
    teacher.button(key="deck.next").click().run()
    assert teacher.session_state["vanishing.T"] == 200 and _bar(teacher) == ["**Step 2 of 3: Long**"]
    assert any("Long" in text for text in texts(teacher, "markdown")) and not teacher.error
    following.run()
    assert following.session_state["vanishing.T"] == 200
    assert _bar(following) == ["Following your teacher: step 2 of 3: Long"]
    assert any(r.label.startswith("Your prediction") for r in following.radio)  # the step's poll
    exploring.run()
    assert exploring.session_state["vanishing.T"] == 20 and exploring.session_state["vanishing.radius"] == 0.5
    assert _bar(exploring) == ["You are exploring on your own. The class is at step 2 of 3: Long"]
    assert teacher.session_state["vanishing.radius"] == 0.9  # the teacher's view is the deck's, not a student's
    exploring.button(key="deck.back_to_class").click().run()
    assert exploring.session_state["vanishing.T"] == 200 and exploring.session_state["vanishing.radius"] == 0.9
    for at in (teacher, following, exploring):
        assert_no_exception(at)


def test_a_deck_with_a_bad_step_is_not_presented_and_the_teacher_reads_why(class_store):
    teacher = open_page("vanishing")
    teacher.button(key="poll.start").click().run()
    teacher.text_area(key="deck.draft").input(MY_DECK.replace("T=200&", "T=2000&")).run()
    teacher.selectbox(key="deck.choice").select("My own deck (below)").run()
    teacher.button(key="deck.present").click().run()
    assert_no_exception(teacher)
    said = " ".join(e.value for e in teacher.error)
    assert "Step 3 (“Exploding”): Sequence length T: 2000 is above the maximum." in said
    assert not _bar(teacher)


def test_a_deck_travels_in_a_link_and_a_damaged_link_says_so(class_store):
    text = SHIPPED.read_text(encoding="utf-8")
    assert deck.from_link(deck.to_link(text)) == text and len(deck.to_link(text)) < 3000
    for damaged in (deck.to_link(text)[:-40], "not a deck", deck.to_link("x" * (deck.MOST_CHARACTERS + 10))):
        with pytest.raises(deck.DeckError, match="cannot be read"):
            deck.from_link(damaged)
    at = open_page("vanishing", {"deck": deck.to_link(MY_DECK)})
    assert "deck" not in at.query_params and at.session_state["deck.draft"] == MY_DECK
    assert any("Vanishing in three steps" in info.value for info in at.info)
    at.button(key="poll.start").click().run()
    at.button(key="deck.present").click().run()  # "My own deck (below)" is chosen already
    assert _bar(at) == ["**Step 1 of 3: Short**"] and at.session_state["vanishing.T"] == 20
    bad = open_page("home", {"deck": deck.to_link(MY_DECK)[:30]})
    assert any("cannot be read" in error.value for error in bad.error)


def test_a_learner_alone_takes_the_check_before_and_after_and_sees_their_gain(class_store):
    at = open_page("check")
    for phase, right in (("before", 4), ("after", 7)):
        at.radio(key="check.phase").set_value(phase).run()
        for n in range(1, 11):
            at.radio(key=f"check.{phase}.{n}").set_value(_right(n) if n <= right else _wrong(n))
        _send(at)
        assert_no_exception(at)
    at.radio(key="check.phase").set_value("results").run()
    said = " ".join(texts(at, "markdown"))
    assert "Before: **4 of 10** right. After: **7 of 10**. Your gain ⟨g⟩ = **0.50**" in said


def _send(at):
    next(b for b in at.button if b.label == "Send my answers").click().run()


def test_the_check_asks_for_every_answer_before_it_sends(class_store):
    at = open_page("check")
    for n in range(1, 10):
        at.radio(key=f"check.before.{n}").set_value(_right(n))
    _send(at)
    assert "Answer every question first: 10 is still open." in [e.value for e in at.error]


def test_a_half_answered_check_waits_for_the_student_when_the_teacher_moves_on_and_back(class_store):
    """Nothing a student did is lost: the answers they chose but had not sent are there again when
    the class comes back to the check, and send with the rest."""
    teacher = open_page("home")
    teacher.button(key="poll.start").click().run()
    room = teacher.query_params["room"]
    two_steps = "# Check\n\n## Before\nview: check?phase=before\n\n## On\nview: vanishing\n"
    teacher.text_area(key="deck.draft").input(two_steps).run()
    teacher.selectbox(key="deck.choice").select("My own deck (below)").run()
    teacher.button(key="deck.present").click().run()
    student = open_page("check", {"room": room})
    for n in range(1, 7):
        student.radio(key=f"check.before.{n}").set_value(_right(n)).run()
    teacher.button(key="deck.next").click().run()
    student.run()
    assert _bar(student) == ["Following your teacher: step 2 of 2: On"]
    teacher.button(key="deck.back").click().run()
    student.run()
    assert [student.radio(key=f"check.before.{n}").value for n in range(1, 7)] == [_right(n) for n in range(1, 7)]
    for n in range(7, 11):
        student.radio(key=f"check.before.{n}").set_value(_wrong(n))
    _send(student)
    assert_no_exception(student)
    rows = polls.open_store().check_rows(polls.normal_code(room))
    assert concept_check.students(rows, "before") == 1 and sum(right for *_, right in rows) == 6


def test_every_page_of_the_course_is_in_the_one_table():
    assert set(BY_PATH) == {"", "hidden-state", "unrolled", "vanishing", "gates", "lab", "cliff", "check"}
    assert all(lesson.load(page.lesson) for page in LESSON_PAGES)


class _Session:
    """A stand-in for Streamlit's AppSession: a page run takes `runs` polls of the watcher to end."""

    def __init__(self, followers, name, code, draws=True):
        self.followers, self.name, self.code, self.draws = followers, name, code, draws
        self.left, self.reruns = 0, 0

    def rerun(self, step_key):
        self.reruns += 1
        self.left = 2
        if self.draws:  # its page draws the bar, which says the step it shows
            self.followers.showing(self.name, self.code, step_key)


def test_a_moved_room_reruns_each_of_its_sessions_a_few_at_a_time_and_forgets_those_gone(monkeypatch):
    from ui import followers as pushing

    room = {"R": "step 1"}
    class_ = pushing.Followers(lambda code: room[code], tick=3600)  # nudged by hand, not by its thread
    sessions = {name: _Session(class_, name, "R", draws=name != "left-the-room") for name in
                ("ana", "ben", "cleo", "dev", "left-the-room")}
    most_running = []

    def running(session):
        session.left = max(session.left - 1, 0)  # each look at it, a little later
        most_running.append(sum(s.left > 0 for s in sessions.values()))
        return session.left > 0

    def rerun(session):
        if session.left:
            return False
        session.rerun(room["R"])
        return True

    monkeypatch.setattr(pushing, "_session", lambda name: sessions.get(name))
    monkeypatch.setattr(pushing, "_running", running)
    monkeypatch.setattr(pushing, "_rerun", rerun)
    for name in sessions:
        class_.showing(name, "R", "step 1")
    class_.showing("closed-tab", "R", "step 1")
    class_.nudge()
    assert all(s.reruns == 0 for s in sessions.values())  # nothing moved
    room["R"] = "step 2"
    class_.nudge()
    assert {name: s.reruns for name, s in sessions.items()} == {
        "ana": 1, "ben": 1, "cleo": 1, "dev": 1, "left-the-room": 1}
    assert max(most_running) <= pushing.MOST_AT_ONCE
    for s in sessions.values():
        s.left = 0
    class_.nudge()  # those that drew step 2 are left alone; the one whose page left the room is forgotten
    assert sessions["left-the-room"].reruns == 1 and set(class_._shown) == {"ana", "ben", "cleo", "dev"}


def test_a_step_that_asks_a_quiz_question_polls_the_class_on_it(class_store):
    teacher = open_page("hidden")
    teacher.button(key="poll.start").click().run()
    room = teacher.query_params["room"]
    teacher.text_area(key="deck.draft").input("# Q\n\n## Ask\nview: hidden-state\npoll: quiz 1\n").run()
    teacher.selectbox(key="deck.choice").select("My own deck (below)").run()
    teacher.button(key="deck.present").click().run()
    student = open_page("hidden", {"room": room})
    question = lesson.load("hidden_state").questions[0]
    asked = student.radio(key="poll.answer.hidden_state.quiz.1")
    assert list(asked.options) == [answer for answer, _, _ in question.answers]
    asked.set_value(asked.options[1]).run()
    teacher.run()
    assert any("**1** student has answered." in text for text in texts(teacher, "markdown"))
    assert_no_exception(student), assert_no_exception(teacher)
