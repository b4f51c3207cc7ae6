import streamlit as st

from ui import glance, lesson
from ui.pages import LESSON_PAGES
from ui.settings import SEED

PAGES = [page.script for page in LESSON_PAGES]

text = lesson.page_header("home")
lesson.show_more(text)
st.page_link(PAGES[0], label="Start with 1. The hidden state")
pages = list(zip(lesson.course_map(text), PAGES, glance.pictures(st.session_state.get("seed", SEED.default))))
for row in (pages[:3], pages[3:]):
    for column, ((title, minutes, what), page, picture) in zip(st.columns(3), row):
        with column.container(border=True):
            st.page_link(page, label=f"**{title}**")
            if picture:
                st.markdown(picture, unsafe_allow_html=True)  # st.html drops SVG
            st.markdown(what)
            st.caption(f"About {minutes} minutes")
lesson.show_markdown(text, "How to use it")
