"""Accessibility the page needs beyond Streamlit's own elements (see access.js), mounted once
per page run."""

from functools import lru_cache
from pathlib import Path

import streamlit as st

NAME = "rnnviz_access"


@lru_cache(maxsize=None)
def _component():
    script = (Path(__file__).resolve().parent / "access.js").read_text(encoding="utf-8")
    return st.components.v2.component(NAME, js=script, isolate_styles=False)


def mend():
    _component()(key="rnnviz-access")
