"""Presenter mode for a projector, and the link that reopens the current view.

?present=1 collapses the sidebar and enlarges text and charts; ?show=T,cell keeps only
those controls on screen (the others keep their values), like TensorFlow Playground's
hide flags, so a teacher can open a lesson with just the slider being demonstrated.
"""

from urllib.parse import urlencode

import streamlit as st

from . import links

# Static CSS only (never anything a user typed). Every page: less empty space above the title,
# so the first figure is on screen at 1366x768.
_PAGE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
/* Streamlit fades captions to 60 % opacity, 2.7:1 on white; WCAG AA asks 4.5:1 */
[data-testid="stCaptionContainer"] { color: #5c5e68; opacity: 1; }
.rv-chart-finding { font-weight: 600; font-size: 15px; margin: -0.5rem 0 0; }
/* a keyboard's place on a slider, plain to see (Streamlit's own ring is faint) */
[data-testid="stSlider"] [role="slider"]:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 3px; }
/* on a phone every control is at least 44 px tall, a fingertip's size */
@media (max-width: 640px) {
  /* below the phone's fixed header (3.75rem), so the page's first line (a lecture's step) is not under it */
  [data-testid="stMainBlockContainer"] { padding-top: 4.5rem; }
  [data-testid^="stBaseButton"], [data-testid="stPopoverButton"], [data-testid="stSidebarNavLink"],
  [data-testid="stPageLink-NavLink"], [data-testid="stExpandSidebarButton"],
  [data-testid="stExpander"] summary { min-height: 44px; align-items: center; }
  [data-testid="stRadio"] label, [data-testid="stCheckbox"] label { min-height: 44px; align-items: center; }
  [data-testid="stSlider"] [role="slider"] { width: 28px; height: 28px; }
  [data-testid="stSlider"] [data-baseweb="slider"] > div:first-child { padding-top: 14px; padding-bottom: 14px; }
  [data-baseweb="select"] > div, [data-testid="stNumberInputContainer"],
  [data-testid="stTextInputRootElement"] { min-height: 44px; }
  [data-testid="stTooltipIcon"] button, [data-testid="stTooltipHoverTarget"] { min-width: 44px; min-height: 44px; }
  [data-baseweb="tag"] [role="presentation"] { padding: 12px; margin: -12px -12px -12px 0; box-sizing: content-box; }
  /* a heading's link icon needs a hover a phone does not have; the toolbar of plotly covers the title */
  [data-testid="stHeaderActionElements"], .modebar-container { display: none; }
}
</style>
"""
# Presenter mode: bigger type for the back of the room.
_CSS = """
<style>
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p, [data-testid="stCaptionContainer"], .rv-chart-finding { font-size: 22px !important; }
[data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p { font-size: 56px !important; }
.katex { font-size: 1.35em !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
[data-baseweb="select"] *, [data-testid="stSelectbox"] input, [data-testid="stMultiSelect"] span,
[data-testid="stTextInput"] input,
[data-testid="stNumberInput"] input, [data-testid="stTable"] td, [data-testid="stTable"] th,
[data-testid="stRadio"] label p, [data-testid="stExpander"] summary p,
[data-baseweb="tab"] p { font-size: 22px !important; }
[data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"],
[data-testid="stSliderTickBarMax"] { font-size: 22px !important; }
[data-testid="stSlider"] [data-baseweb="slider"] { padding-top: 1.7em; }
</style>
"""
_ON = ("1", "true", "yes", "on")


def active():
    return st.query_params.get("present", "").lower() in _ON


def shown():
    """The controls a presenter link keeps on screen, or None for all of them."""
    names = [n.strip() for n in st.query_params.get("show", "").split(",") if n.strip()]
    return set(names) if active() and names else None


def style():
    """The pages' CSS, in presenter mode with the type enlarged."""
    st.html(_PAGE_CSS + (_CSS if active() else ""))


def _toggle():
    if st.session_state["presenter"]:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)
        st.query_params.pop("show", None)


def switch():
    st.session_state["presenter"] = active()
    st.toggle("Presenter mode", key="presenter", on_change=_toggle,
              help="Bigger text and charts for a projector; the sidebar folds away. Add "
                   "&show=T,cell to the link to keep only those controls.")


def link_box(url_path):
    """The address of exactly this view, as a class can open it, in a box with a copy button."""
    base, warning = links.for_class(st.context.url)
    query = urlencode(dict(st.query_params.items()))
    link = f"{base}/{url_path}" + (f"?{query}" if query else "")
    st.caption("Link to this view (copy it to share exactly what you see):")
    st.code(link, language=None, wrap_lines=True)
    if warning:
        st.warning(warning)
