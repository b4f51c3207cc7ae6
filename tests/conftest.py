"""The browser tests' server and Chromium, one of each for the whole run; and after the run, how
many of seeds 0-9 each lesson claim held on (tests/test_claims.py records it), so a run under another
CPU level (ATEN_CPU_CAPABILITY) shows its margins, not just a pass."""

import pytest

from harness.server import chromium, streamlit_server, wait_until_warm

HOLDS = "holds on seeds"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The real app on a free loopback port, with a poll store of its own, for every browser test
    (a server's start and warm-up cost ~12 s; its rooms keep one test's class apart from another's)."""
    polls = tmp_path_factory.mktemp("polls") / "polls.sqlite"
    with streamlit_server(env={"RNNVIZ_POLLS": str(polls)}) as url:
        yield url


@pytest.fixture(scope="session")
def browser(app_url):
    """Chromium, once the app has started its training workers (see wait_until_warm)."""
    with chromium() as b:
        wait_until_warm(b, app_url)
        yield b


def pytest_terminal_summary(terminalreporter):
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    rows = [(value, report.nodeid.split("::")[-1]) for report in reports
            for name, value in report.user_properties if name == HOLDS]
    if rows:
        terminalreporter.section("lesson claims: on how many seeds of 0-9 each holds")
        for value, test in sorted(rows, key=lambda row: row[1]):
            terminalreporter.write_line(f"{value:>6}  {test}")
