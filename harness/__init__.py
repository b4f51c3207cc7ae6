"""Driving the real app, for the tests and the benchmarks alike: a Streamlit server and a
headless Chromium (server.py), AppTest sessions opened as a learner opens a page (apptest.py),
and screenshots of every page to look at (python -m harness.look)."""
