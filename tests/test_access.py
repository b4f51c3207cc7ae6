"""WCAG 2.1 A and AA, checked by axe-core (bundled by axe-playwright-python) in Chromium on every
page: at a laptop's size, on a phone, in presenter mode, with a guess open and in a class poll
(the student's page before and after the reveal). Then what a screen reader is given: every chart
is one image named by its finding, not its tick labels."""

import pytest

from harness.server import PAGES, require_chromium, streamlit_server, wait_for_app

require_chromium()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402  (after the skip: it needs playwright)
from playwright.sync_api import expect  # noqa: E402

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
              "resultTypes": ["violations"]}
AXE = Axe()
PHONE, LAPTOP, PROJECTOR = (390, 844), (1366, 768), (1920, 1080)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    polls = tmp_path_factory.mktemp("polls") / "polls.sqlite"
    with streamlit_server(env={"RNNVIZ_POLLS": str(polls)}) as url:
        yield url


@pytest.fixture
def open_page(app_url, browser):
    contexts = []

    def opened(path, size=LAPTOP):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                      has_touch=size == PHONE, is_mobile=size == PHONE)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        return page

    yield opened
    for context in contexts:
        context.close()


def violations(page):
    """axe's WCAG 2.1 A/AA violations, each with the first few places it was found."""
    found = AXE.run(page, options=WCAG_21_AA).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in found]


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_meets_wcag_21_aa_on_a_laptop(open_page, name):
    assert violations(open_page(PAGES[name])) == []


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_meets_wcag_21_aa_on_a_phone_and_in_presenter_mode(open_page, name):
    assert violations(open_page(PAGES[name], PHONE)) == []
    assert violations(open_page(f"{PAGES[name]}?present=1", PROJECTOR)) == []


def test_a_class_poll_meets_wcag_21_aa_for_the_student_before_and_after_the_reveal(open_page):
    """On a phone, on the gates page, whose heatmaps show the answer: held back until the
    teacher reveals, then drawn on the student's screen without a reload."""
    teacher = open_page("gates")
    teacher.get_by_role("button", name="Start a class poll").click()
    teacher.wait_for_url("**room=*")
    wait_for_app(teacher)
    room = dict(part.split("=") for part in teacher.url.split("?")[1].split("&"))["room"]
    student = open_page(f"gates?room={room}", PHONE)
    assert student.get_by_text("Your prediction").count() >= 1
    assert violations(student) == []
    views = student.locator(".rv").count()
    student.get_by_role("radiogroup").first.get_by_role("radio").first.check(force=True)
    student.get_by_text("yours among them").first.wait_for()
    teacher.get_by_role("button", name="Reveal the class's answers").first.click()
    student.get_by_text("What the class predicted").first.wait_for(timeout=30_000)
    student.wait_for_function("n => document.querySelectorAll('.rv').length > n", arg=views, timeout=30_000)
    wait_for_app(student)
    assert student.get_by_text("You predicted").count() == 1
    assert violations(student) == []


def test_a_guess_works_from_the_keyboard_alone_and_meets_wcag_21_aa(open_page):
    """Enter opens it with the focus inside, on its first choice; the arrow keys pick a choice
    there (not the slider behind it); Tab reaches "Lock in my guess"; Escape closes it and the
    focus goes back to the button that opened it."""
    page = open_page("vanishing")
    button = page.get_by_role("button", name="Make a guess").first
    button.focus()
    page.keyboard.press("Enter")
    body = page.locator('[data-testid="stPopoverBody"]')
    body.get_by_role("radio").first.wait_for()
    assert violations(page) == []
    inside = "() => !!document.activeElement.closest('[data-testid=\"stPopoverBody\"]')"
    page.wait_for_function(inside)
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stPopoverBody\"] input:checked').length")
    lock = body.get_by_role("button", name="Lock in my guess")
    expect(lock).to_be_enabled()  # the page has taken in the choice
    page.keyboard.press("Tab")
    page.wait_for_function(inside)
    assert page.evaluate("() => document.activeElement.innerText.trim()") == "Lock in my guess"
    page.keyboard.press("Escape")
    body.wait_for(state="hidden")
    page.wait_for_function("() => document.activeElement.innerText.includes('Make a guess')")


def test_a_locked_in_guess_closes_its_popover_so_the_controls_under_it_are_free(open_page):
    """On the lab the guess opens over the Train button: once locked in it closes by itself."""
    page = open_page("lab")
    page.get_by_role("button", name="Make a guess").first.click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.get_by_role("radio").first.check(force=True)
    lock = body.get_by_role("button", name="Lock in my guess")
    expect(lock).to_be_enabled()
    lock.click()
    body.wait_for(state="hidden")
    expect(page.get_by_role("button", name="Guess locked in").first).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click(trial=True)  # nothing covers it


@pytest.mark.parametrize("name", ["hidden", "unrolled", "vanishing", "gates", "lab", "cliff"])
def test_a_screen_reader_meets_every_chart_as_one_figure_named_by_what_it_shows(open_page, name):
    """In the accessibility tree every chart is one image or figure whose name is its finding in
    words (the sentence written under it), not its tick labels run together."""
    page = open_page(PAGES[name])
    charted = 0
    for tab in page.get_by_role("tab").all() or [None]:  # a tab's charts are in the tree once shown
        if tab is not None:
            tab.click()
            expect(tab).to_have_attribute("aria-selected", "true")
        findings = page.locator(".rv-chart-finding:visible, .rv figcaption:visible").all_inner_texts()
        charts = page.locator('[data-testid="stPlotlyChart"]:visible, .rv figure svg[role="img"]:visible')
        assert len(findings) == charts.count()
        for said in findings:
            named = page.get_by_role("figure", name=said).or_(page.get_by_role("img", name=said))
            assert named.count() >= 1, said
        charted += len(findings)
    assert charted >= 1
    for chart in page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').all():
        assert chart.get_attribute("role") == "figure"
        assert all(svg.get_attribute("aria-hidden") == "true" for svg in chart.locator("svg.main-svg").all())


FINGER = """() => {
  // what a finger hits: each control's own box, or the widget box around a composite's input
  const boxes = [
    ...document.querySelectorAll('[data-testid^="stBaseButton"], [data-testid="stPopoverButton"], ' +
      '[data-testid="stSidebarNavLink"], [data-testid="stPageLink-NavLink"], [data-testid="stExpander"] summary, ' +
      '[data-testid="stRadio"] label, [data-testid="stCheckbox"] label, [data-baseweb="slider"], ' +
      '[data-baseweb="select"] > div, [data-testid="stNumberInputContainer"], ' +
      '[data-testid="stTextInputRootElement"], .rv-choice span, .rv input[type=range], .rv input[type=text]')];
  const name = (e) => (e.innerText || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 40);
  return boxes.map(e => [e.getBoundingClientRect(), name(e)])
    .filter(([r]) => r.width > 0 && r.height > 0 && r.height < 44).map(([r, n]) => `${n}: ${Math.round(r.height)} px`);
}"""


@pytest.mark.parametrize("name", ["hidden", "vanishing", "lab", "cliff"])
def test_on_a_phone_every_control_is_at_least_a_fingertip_tall(open_page, name):
    """44 px (WCAG 2.5.5's size): buttons, choices, sliders, boxes, links to pages, in the page's
    own controls and in the live views."""
    assert open_page(PAGES[name], PHONE).evaluate(FINGER) == []


def test_the_teachers_right_to_reveal_is_in_no_address_and_outlives_a_reload(open_page, app_url):
    """A student who types the projected address gets the poll, not the Reveal button; the
    teacher's own browser keeps it across a reload (in its storage, not its address), as a
    student's browser keeps its answer."""
    teacher = open_page("vanishing")
    teacher.get_by_role("button", name="Start a class poll").click()
    teacher.wait_for_url("**room=*")
    wait_for_app(teacher)
    reveal = teacher.get_by_role("button", name="Reveal the class's answers")
    expect(reveal.first).to_be_visible()
    assert "teach" not in teacher.url
    teacher.reload()
    wait_for_app(teacher)
    expect(reveal.first).to_be_visible()
    student = open_page(teacher.url.removeprefix(app_url + "/"))  # the projected address, typed
    student.get_by_text("Your prediction").first.wait_for()
    assert student.get_by_role("button", name="Reveal the class's answers").count() == 0
    student.get_by_role("radiogroup").first.get_by_role("radio").first.check(force=True)
    student.get_by_text("1 answered so far, yours among them").first.wait_for()
    student.reload()
    wait_for_app(student)
    student.get_by_text("1 answered so far, yours among them").first.wait_for()  # the same student
