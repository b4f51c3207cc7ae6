"""Predict together (ui/polls.py, ui/poll_view.py): the store against a real SQLite file and a real
PostgreSQL server (started for the tests in a temporary directory), and a teacher with students
through the app."""

import multiprocessing
import os
import time

import pytest

from harness import postgres
from harness.apptest import ROOT, assert_no_exception, live_views, open_page, plotly_figures, texts
from ui import lesson, poll_view, polls
from ui.settings import PAGES

CHOICES = ("it grows", "it shrinks")


@pytest.fixture(scope="module")
def postgres_url():
    try:
        with postgres.postgres_server() as url:
            yield url
    except postgres.Unavailable as reason:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL to test against: {reason}")


@pytest.fixture(params=["sqlite", "postgres"])
def where(request, tmp_path):
    """Where a new, empty store lives: an SQLite file, or a PostgreSQL database (RNNVIZ_POLLS's forms)."""
    if request.param == "sqlite":
        return str(tmp_path / "polls.sqlite")
    return postgres.new_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(where):
    return polls.open_store(where)


def _answer_many(where, code, first, count):
    writer = polls.open_store(where)
    for student in range(first, first + count):
        writer.answer(code, "vanishing.main.1", f"student-{student}", CHOICES[student % 2], CHOICES)


def test_sixty_students_answering_from_four_processes_at_once_lose_no_answer(store, where):
    code = store.open_room("teacher")
    workers = [multiprocessing.get_context("spawn").Process(
        target=_answer_many, args=(where, code, 15 * k, 15)) for k in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert all(worker.exitcode == 0 for worker in workers)
    assert store.counts(code, "vanishing.main.1") == {"it grows": 30, "it shrinks": 30}


def test_one_answer_per_student_changeable_until_the_reveal_and_kept_across_a_restart(store, where):
    code = store.open_room("teacher")
    store.answer(code, "p", "ana", "it grows", CHOICES)
    store.answer(code, "p", "ana", "it shrinks", CHOICES)
    store.answer(code, "p", "ben", "it shrinks", CHOICES)
    assert store.counts(code, "p") == {"it shrinks": 2}
    with pytest.raises(polls.PollError, match="not one of"):
        store.answer(code, "p", "ana", "it explodes", CHOICES)
    with pytest.raises(polls.PollError, match="Only the session"):
        store.reveal(code, "p", "a student")
    store.reveal(code, "p", "teacher")
    with pytest.raises(polls.PollError, match="closed"):
        store.answer(code, "p", "cleo", "it grows", CHOICES)
    restarted = type(store)(where)  # a server restart: a new store on the same file or database
    assert restarted.revealed(code, "p") and restarted.counts(code, "p") == {"it shrinks": 2}
    assert restarted.my_answer(code, "p", "ana") == "it shrinks"


def test_a_room_expires_and_its_answers_are_deleted(where):
    now = [time.time()]
    store = type(polls.open_store(where))(where, clock=lambda: now[0])
    code = store.open_room("teacher")
    store.answer(code, "p", "ana", "it grows", CHOICES)
    now[0] += polls.ROOM_SECONDS + 1
    assert not store.room_open(code) and not store.is_teacher(code, "teacher")
    with pytest.raises(polls.PollError, match="ended"):
        store.answer(code, "p", "ben", "it grows", CHOICES)
    store.purge()
    assert store.counts(code, "p") == {}


def test_a_rooms_deck_and_step_are_the_teachers_to_set_and_every_box_reads_them(store, where):
    code = store.open_room("teacher")
    assert store.lecture(code) is None
    with pytest.raises(polls.PollError, match="Only the session"):
        store.present(code, "a student", "# deck")
    store.present(code, "teacher", "# deck")
    store.move(code, "teacher", 3)
    with pytest.raises(polls.PollError, match="Only the session"):
        store.move(code, "a student", 0)
    assert type(store)(where).lecture(code) == ("# deck", 3)  # another box (or process) on the same store
    store.present(code, "teacher", "# another deck")  # a new deck starts at its first step
    assert store.lecture(code) == ("# another deck", 0)
    store.stop_presenting(code, "teacher")
    assert store.lecture(code) is None


def test_concept_check_answers_are_one_set_per_student_and_phase_and_go_with_the_room(where):
    now = [time.time()]
    store = type(polls.open_store(where))(where, clock=lambda: now[0])
    code = store.open_room("teacher")
    store.present(code, "teacher", "# deck")
    store.check(code, "before", "ana", {1: True, 2: False})
    store.check(code, "before", "ana", {1: False, 2: False})  # sent again: replaces the first
    store.check(code, "after", "ana", {1: True, 2: True})
    assert store.check_rows(code) == [("after", "ana", 1, True), ("after", "ana", 2, True),
                                      ("before", "ana", 1, False), ("before", "ana", 2, False)]
    now[0] += polls.ROOM_SECONDS + 1
    with pytest.raises(polls.PollError, match="ended"):
        store.check(code, "after", "ben", {1: True})
    assert store.lecture(code) is None
    store.purge()
    assert store.check_rows(code) == []


def test_rooms_and_answers_are_capped_and_codes_cannot_be_guessed(store, monkeypatch):
    monkeypatch.setattr(polls, "MOST_ROOMS", 2)
    monkeypatch.setattr(polls, "MOST_ANSWERS", 3)
    codes = {store.open_room("t1"), store.open_room("t2")}
    with pytest.raises(polls.PollError, match="as many class sessions"):
        store.open_room("t3")
    code = codes.pop()
    for student in ("a", "b", "c"):
        store.answer(code, "p", student, "it grows", CHOICES)
    store.answer(code, "p", "a", "it shrinks", CHOICES)  # changing an answer is not a new one
    with pytest.raises(polls.PollError, match="as many answers"):
        store.answer(code, "p", "d", "it grows", CHOICES)
    assert len(code) == polls.CODE_LENGTH and len(polls.CODE_LETTERS) ** polls.CODE_LENGTH > 10 ** 12
    assert polls.normal_code(f" {code[:4].lower()}-{code[4:]} ") == code
    assert polls.normal_code("ABCD-EFG0") is None and polls.normal_code("<script>") is None


def test_every_predict_question_of_the_course_is_a_poll_with_one_right_answer():
    found = []
    for name in ("hidden_state", "unrolled", "vanishing", "gates", "lab", "cliff"):
        text = lesson.load(name)
        places = [None] + [h.partition(": ")[2] for h in text.sections if h.startswith("Predict, then try:")]
        for place in places:
            predicts = lesson.prompts(text, place, kind="Predict")
            made = lesson.polls(text, place)
            assert len(made) == len(predicts), (name, place)
            found += made
    assert len({poll.id for poll in found}) == len(found) == 11
    assert all(2 <= len(poll.choices) <= 4 and poll.right in poll.choices for poll in found)
    for poll in found:  # the experiment's settings exist on that page and are valid as written
        page = poll_view.SETTINGS_OF.get(poll.id.split(".")[0], poll.id.split(".")[0])
        for name, raw in poll.experiment.items():
            setting = next(s for s in PAGES[page] if s.name == name)
            assert setting.parse(raw)[1] is None, (poll.id, name, raw)
    for name in ("gates", "cliff"):
        assert {p.id for p in lesson.every_poll(lesson.load(name))} == {p.id for p in found if p.id.startswith(name)}
    hiding = {(poll.id.split(".")[0], figure) for poll in found for figure in poll.hides}
    assert hiding == {("gates", "heatmaps"), ("gates", "memory"), ("cliff", "cliff"), ("cliff", "clipping")}
    for page, figure in hiding:  # each is a figure its page holds back
        assert f'withheld(text, "{figure}")' in (ROOT / "course" / f"{page}.py").read_text()


def test_a_figure_that_shows_the_answer_waits_for_the_reveal_on_a_students_screen(class_store):
    """The gates page's heatmaps show where the input gate opens: a student in the class sees
    them once the teacher has revealed the class's answers, the teacher all along."""
    teacher = open_page("gates")
    next(b for b in teacher.button if b.label == "Start a class poll").click().run()
    student = open_page("gates", {"room": teacher.query_params["room"]})
    def held_back(at):
        return sum("stays hidden until your teacher reveals" in box.value for box in at.info)

    assert "heatmaps" not in live_views(student) and "cellstep" in live_views(student)
    assert held_back(student) == 2  # the heatmaps and the memory maps, each for its own poll
    assert "heatmaps" in live_views(teacher) and held_back(teacher) == 0
    poll = lesson.polls(lesson.load("gates"))[0]
    next(b for b in teacher.button if b.key == f"poll.reveal.{poll.id}").click().run()
    student.run()
    assert "heatmaps" in live_views(student) and held_back(student) == 1


@pytest.fixture
def class_store(where, monkeypatch):
    """The app's store, on SQLite and on PostgreSQL in turn."""
    monkeypatch.setenv(polls.POLLS_ENV, where)


def test_a_teacher_and_three_students_complete_a_poll_on_the_vanishing_page(class_store):
    teacher = open_page("vanishing")
    next(b for b in teacher.button if b.label == "Start a class poll").click().run()
    assert_no_exception(teacher)
    room = teacher.query_params["room"]
    token = teacher.session_state["poll.teacher"]
    shown = " ".join([*dict(teacher.query_params).values(), *(c.value for c in teacher.code),
                      *(h.proto.body for h in teacher.get("html"))])
    assert token not in shown  # the teacher's right is in no address, link or text on screen
    assert "room " + room in " ".join(h.proto.body for h in teacher.get("html"))
    poll = lesson.polls(lesson.load("vanishing"))[0]
    students = [open_page("vanishing", {"room": room}) for _ in range(3)]
    for student, answer in zip(students, (poll.right, poll.right, poll.choices[0])):
        student.radio(key=f"poll.answer.{poll.id}").set_value(answer).run()
        assert_no_exception(student)
    again = open_page("vanishing", dict(students[0].query_params))  # a student reloads the page:
    again.session_state["poll.student"] = students[0].session_state["poll.student"]  # their browser's id
    again.radio(key=f"poll.answer.{poll.id}").set_value(poll.choices[0]).run()  # and changes their mind
    assert students[0].session_state["poll.student"] not in " ".join(c.value for c in again.code)
    teacher.run()
    assert "**3** students have answered." in texts(teacher, "markdown")
    assert not any(b.label == "Reveal the class's answers" for b in students[0].button)  # teacher only
    next(b for b in teacher.button if b.label == "Reveal the class's answers").click().run()
    students[0].run()
    chart = next(f for f in plotly_figures(students[0]) if f["layout"]["title"]["text"] == "What the class predicted")
    drawn = dict(zip(chart["data"][0]["y"], chart["data"][0]["x"]))
    assert drawn["✓ " + poll.right] == 1 and drawn[poll.choices[0]] == 2
    # each student's own answer, marked: the first changed their mind after a reload
    assert f"You predicted **{poll.choices[0]}**: ✗" in " ".join(texts(students[0], "markdown"))
    students[1].run()
    assert f"You predicted **{poll.right}**: ✓" in " ".join(texts(students[1], "markdown"))
    next(b for b in students[0].button if b.label.startswith("Run the experiment")).click().run()
    assert live_views(students[0])["vanishing"]["settings"]["T"] == 200  # what the question asked about


def test_an_unknown_or_malformed_room_in_a_link_says_so_and_the_page_still_works(class_store):
    for room, said in (("ABCD-EFGH", "has ended"), ("not a room", "not one rnnviz makes")):
        at = open_page("vanishing", {"room": room})
        assert any(said in w.value for w in at.warning), [w.value for w in at.warning]
        assert len(plotly_figures(at)) == 2 and at.get("bidi_component")  # the training charts, the live view


def test_a_learner_alone_locks_in_a_guess_runs_the_experiment_and_checks_it(class_store):
    """Predict before reveal, without a class: pick, lock in, run the experiment, check. The
    guess outlives a slider move and is not in the link; in a class the poll replaces it."""
    poll = lesson.polls(lesson.load("vanishing"))[0]
    at = open_page("vanishing")
    lock = next(b for b in at.button if b.key == f"guess.lock.{poll.id}")
    assert lock.disabled  # nothing to lock in before a choice
    wrong = next(c for c in poll.choices if c != poll.right)
    at.radio(key=f"guess.choice.{poll.id}").set_value(wrong).run()
    next(b for b in at.button if b.key == f"guess.lock.{poll.id}").click().run()
    assert_no_exception(at)
    assert f"You guessed: **{wrong}**" in texts(at, "markdown")
    assert not any(r.key == f"guess.choice.{poll.id}" for r in at.radio)  # locked: no changing it now
    next(b for b in at.button if b.key == f"guess.experiment.{poll.id}").click().run()
    assert live_views(at)["vanishing"]["settings"]["T"] == 200
    assert f"You guessed: **{wrong}**" in texts(at, "markdown")  # kept across the page's rerun
    assert not any(k.startswith("guess") for k in at.query_params)
    next(b for b in at.button if b.key == f"guess.check.{poll.id}").click().run()
    assert any(poll.right in box.value for box in at.info)
    assert not at.success
    next(b for b in at.button if b.key == f"guess.again.{poll.id}").click().run()
    at.radio(key=f"guess.choice.{poll.id}").set_value(poll.right).run()
    next(b for b in at.button if b.key == f"guess.lock.{poll.id}").click().run()
    next(b for b in at.button if b.key == f"guess.check.{poll.id}").click().run()
    assert any(poll.right in box.value for box in at.success)

    teacher = open_page("vanishing")
    next(b for b in teacher.button if b.label == "Start a class poll").click().run()
    assert not any(b.key and b.key.startswith("guess.") for b in teacher.button)
