"""Download buttons: the numbers behind a view, its figure, and the Python that remakes it.
Files are built only when a button is clicked (callables), so a rerun stays fast."""

import re

import streamlit as st

from rnnviz import export


def show(name, trace=None, settings=None, figure=None, snippet=None):
    with st.expander("Take it home: data, figure, and the Python that reproduces it"):
        columns = st.columns(4)
        if trace is not None:
            columns[0].download_button("Trace (.npz)", lambda: export.trace_npz_bytes(trace),
                                       file_name=f"{name}.npz", mime="application/octet-stream")
            columns[1].download_button("Settings (.json)", export.settings_json(settings),
                                       file_name=f"{name}.json", mime="application/json")
        if figure is not None:
            columns[2].download_button("Figure (.html)", lambda: export.figure_html(figure),
                                       file_name=f"{name}.html", mime="text/html",
                                       help="Interactive, and works offline: plotly.js is inside.")
        if snippet is not None:
            st.markdown("The same numbers in a notebook or script:")
            st.code(snippet, language="python")


def histories(name, runs):
    """One expander with each trained network's history as CSV; `runs` maps what the
    learner reads ("RNN (ReLU)") to its History."""
    with st.expander("Take it home: each network's training history (.csv)"):
        for column, (label, history) in zip(st.columns(max(len(runs), 1)), runs.items()):
            slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            column.download_button(label, lambda history=history: export.history_csv(history),
                                   file_name=f"{name}-{slug}.csv", mime="text/csv",
                                   key=f"history-{slug}")
