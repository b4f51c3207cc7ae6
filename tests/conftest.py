"""The browser tests' server and Chromium, one of each per module; and after the run, how many of
seeds 0-9 each lesson claim held on (tests/test_claims.py records it), so a run under another
CPU level (ATEN_CPU_CAPABILITY) shows its margins, not just a pass."""

import pytest

from harness.server import chromium, streamlit_server, wait_until_warm

HOLDS = "holds on seeds"


@pytest.fixture(scope="module")
def app_url():
    """The real app on a free loopback port (a module may give its own, with other settings)."""
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
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
