"""A lecture in Chromium: a teacher presents a deck and three students' devices (one a phone)
follow it, answer a poll and the concept check before and after; the class's gain is what the
answers give by hand. And the shipped deck presented end to end. Screenshots of the teacher's
screen and the phone go to artifacts/screenshots/lecture-*.png."""

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from harness.server import require_chromium, streamlit_server, wait_for_app, wait_until_warm
from ui import concept_check, deck
from ui.pages import BY_PATH

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE, LAPTOP, PROJECTOR = (390, 844), (1366, 768), (1920, 1080)
FOLLOW_MS = 15_000  # a test's patience; how fast they follow is bench.load --lecture's figure
DECK = """# Five steps and a check

## Before
view: check?phase=before

Everyone answers.

## The hidden state
view: hidden-state

## Zero at t = 1
view: hidden-state?t=1
poll: hidden_state.main.1

## Unrolled
view: unrolled?back=11

## After
view: check?phase=after

## What we learned
view: check?phase=results
"""
# each student: how many of the ten questions (the first ones) they answer right before and after
RIGHT = {"ana": (5, 9), "ben": (2, 6), "cleo": (8, 10)}

require_chromium()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app with a poll store of its own, and Chromium."""
    from harness.server import chromium

    polls = tmp_path_factory.mktemp("lecture") / "polls.sqlite"
    with streamlit_server(env={"RNNVIZ_POLLS": str(polls)}) as url, chromium() as browser:
        wait_until_warm(browser, url)
        yield url, browser


def _device(browser, url, path, size):
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return page


def _shot(page, name, top=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    wait_for_app(page)
    if top:  # the step's bar, where the page starts
        page.evaluate("() => document.querySelectorAll('*').forEach((box) => { box.scrollTop = 0; })")
    page.screenshot(path=str(SHOTS / f"lecture-{name}.png"))


def _open_room_and_present(teacher, deck_file=None, deck_title=None):
    teacher.get_by_role("button", name="Start a class poll").click()
    teacher.wait_for_url("**room=*")
    room = dict(part.split("=") for part in urlparse(teacher.url).query.split("&"))["room"]
    sidebar = teacher.get_by_test_id("stSidebar")
    if deck_file:
        sidebar.get_by_text("My own deck", exact=True).click()
        sidebar.locator('input[type="file"]').set_input_files(deck_file)
        expect(sidebar.get_by_role("textbox")).to_have_value(deck_file.read_text(), timeout=FOLLOW_MS)
        sidebar.get_by_test_id("stSelectbox").click()
        teacher.get_by_role("option", name="My own deck (below)").click()
    else:
        expect(sidebar.get_by_role("combobox", name="Deck")).to_have_value(deck_title)
    sidebar.get_by_role("button", name="Present this deck").click()
    return room


def _present_mode(teacher):
    teacher.get_by_text("Presenter mode").click()
    teacher.wait_for_url("**present=1*")
    wait_for_app(teacher)


def _next(teacher, key="ArrowRight"):
    teacher.mouse.click(PROJECTOR[0] - 20, PROJECTOR[1] - 20)  # on the slide, as a teacher clicks it
    teacher.keyboard.press(key)


def _at_step(page, number, of):
    """The page's bar says the step, and the step's page has drawn its title."""
    expect(page.get_by_text(f"tep {number} of {of}:").first).to_be_visible(timeout=FOLLOW_MS)
    expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=FOLLOW_MS)


def _answer_check(page, phase, right):
    """The first `right` questions right, the rest wrong, then send."""
    for number, question in enumerate(concept_check.questions(), start=1):
        answers = [is_right for _, is_right, _ in question.answers]
        choice = answers.index(True) if number <= right else answers.index(False)
        page.locator(f".st-key-check-{phase}-{number}").get_by_test_id("stRadioOption").nth(choice).click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Your answers", exact=False).first).to_be_visible(timeout=FOLLOW_MS)


def test_a_teacher_and_three_students_follow_a_deck_through_a_poll_and_a_check_before_and_after(app, tmp_path):
    url, browser = app
    deck_file = tmp_path / "five-steps.deck"
    deck_file.write_text(DECK)
    teacher = _device(browser, url, "", PROJECTOR)
    room = _open_room_and_present(teacher, deck_file)
    _at_step(teacher, 1, 6)
    _present_mode(teacher)
    students = {name: _device(browser, url, f"?room={room}", PHONE if name == "cleo" else LAPTOP)
                for name in RIGHT}
    for name, page in students.items():  # each arrives at the teacher's step, wherever the link pointed
        _at_step(page, 1, 6)
        assert urlparse(page.url).path == "/check"
        _answer_check(page, "before", RIGHT[name][0])
    expect(teacher.get_by_test_id("stMetricValue")).to_have_text("3", timeout=FOLLOW_MS)
    _shot(teacher, "teacher-1-before"), _shot(students["cleo"], "phone-1-before", top=True)

    _next(teacher)
    for page in (teacher, *students.values()):
        _at_step(page, 2, 6)
        assert urlparse(page.url).path == "/hidden-state"
    _next(teacher, "PageDown")  # a clicker's other key
    for page in (teacher, *students.values()):
        _at_step(page, 3, 6)
        assert "t=1" in page.url
    # the step's poll: two right, one wrong
    for name, page in students.items():
        radio = page.get_by_test_id("stRadio").filter(has_text="Your prediction").first  # the step's poll
        radio.get_by_test_id("stRadioOption").nth(2 if name == "ben" else 1).click()
        expect(page.get_by_text("yours among them")).to_be_visible(timeout=FOLLOW_MS)
    expect(teacher.get_by_text("3 students have answered.")).to_be_visible(timeout=FOLLOW_MS)
    _shot(teacher, "teacher-3-poll"), _shot(students["cleo"], "phone-3-poll", top=True)
    teacher.get_by_role("button", name="Reveal the class's answers").first.click()
    expect(students["ana"].get_by_text("that is what the experiment shows")).to_be_visible(timeout=FOLLOW_MS)
    expect(students["ben"].get_by_text("the experiment shows something else")).to_be_visible(timeout=FOLLOW_MS)

    _next(teacher, " ")
    for page in (teacher, *students.values()):
        _at_step(page, 4, 6)
    # ben leaves to explore: the teacher's next step does not take his page, one press brings him back
    ben = students["ben"]
    ben.get_by_role("button", name="Explore on my own").click()
    expect(ben.get_by_role("button", name="Back to the class")).to_be_visible()
    back_slider = ben.get_by_role("slider", name="Backward pass at step t")
    if back_slider.count():
        back_slider.first.focus()
        ben.keyboard.press("Home")
    _next(teacher)
    for name, page in students.items():
        if name != "ben":
            _at_step(page, 5, 6)
    expect(ben.get_by_text("The class is at step 5 of 6: After")).to_be_visible(timeout=FOLLOW_MS)
    assert urlparse(ben.url).path == "/unrolled"
    _at_step(teacher, 5, 6)
    assert urlparse(teacher.url).path == "/check"  # what ben did is his alone
    ben.get_by_role("button", name="Back to the class").click()
    expect(ben.get_by_text("Following your teacher: step 5 of 6: After")).to_be_visible(timeout=FOLLOW_MS)
    wait_for_app(ben)
    assert urlparse(ben.url).path == "/check"

    for name, page in students.items():
        _answer_check(page, "after", RIGHT[name][1])
    expect(students["ana"].get_by_text("Your gain ⟨g⟩ = 0.80")).to_be_visible(timeout=FOLLOW_MS)  # 5 -> 9
    expect(teacher.get_by_test_id("stMetricValue")).to_have_text("3", timeout=FOLLOW_MS)
    _shot(teacher, "teacher-5-after"), _shot(students["cleo"], "phone-5-after", top=True)

    _next(teacher)
    for page in (teacher, *students.values()):
        _at_step(page, 6, 6)
    # by hand: 15 of 30 right before, 25 of 30 after: <g> = (25/30 - 1/2) / (1 - 1/2) = 2/3
    for page in (teacher, students["cleo"]):
        expect(page.get_by_text("The class: 50 % right before, 83 % after; ⟨g⟩ = 0.67")).to_be_visible(
            timeout=FOLLOW_MS)
    expect(teacher.get_by_role("cell", name="67 % of 3").first).to_be_visible()  # question 7: 1 of 3, then 2 of 3
    _shot(teacher, "teacher-6-gain"), _shot(students["cleo"], "phone-6-gain")
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Download as CSV").click()
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[-1] == "class,The whole check,30,0.5000,30,0.8333,0.6667"
    assert lines[7].startswith("7,") and lines[7].endswith(",3,0.3333,3,0.6667,0.5000")
    for page in (teacher, *students.values()):
        assert page.get_by_test_id("stException").count() == 0


def test_the_shipped_deck_is_presented_end_to_end_and_a_student_follows_every_step(app):
    url, browser = app
    lecture = deck.parse((deck.DECKS / "one_lecture.deck").read_text())
    teacher = _device(browser, url, "", PROJECTOR)
    room = _open_room_and_present(teacher, deck_title=lecture.title)
    _present_mode(teacher)
    student = _device(browser, url, f"vanishing?room={room}", PHONE)
    count = len(lecture.steps)
    for number, step in enumerate(lecture.steps, start=1):
        if number > 1:
            started = time.monotonic()
            _next(teacher, ("ArrowRight", "PageDown", " ")[number % 3])
        for page in (teacher, student):
            _at_step(page, number, count)
            assert urlparse(page.url).path == f"/{step.page}", (number, page.url)
            assert page.get_by_test_id("stException").count() == 0
        expect(teacher.get_by_role("heading", level=1)).to_contain_text(
            "Concept check" if step.page == "check" else BY_PATH[step.page].title.split(". ")[-1][:12])
        if number > 1:
            print(f"step {number}: the student's phone followed in {time.monotonic() - started:.2f} s")
    expect(teacher.get_by_role("button", name="Next ▶")).to_be_disabled()
    _next(teacher)  # past the last step: nothing moves
    _at_step(student, count, count)
