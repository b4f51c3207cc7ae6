"""After the run, how many of seeds 0-9 each lesson claim held on (tests/test_claims.py records
it), so a run under another CPU level (ATEN_CPU_CAPABILITY) shows its margins, not just a pass."""

HOLDS = "holds on seeds"


def pytest_terminal_summary(terminalreporter):
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    rows = [(value, report.nodeid.split("::")[-1]) for report in reports
            for name, value in report.user_properties if name == HOLDS]
    if rows:
        terminalreporter.section("lesson claims: on how many seeds of 0-9 each holds")
        for value, test in sorted(rows, key=lambda row: row[1]):
            terminalreporter.write_line(f"{value:>6}  {test}")
