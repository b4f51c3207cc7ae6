import streamlit as st

from ui import lesson

text = lesson.page_header("home")
lesson.show_more(text)
st.page_link("course/hidden_state.py", label="Start with 1. The hidden state")
lesson.show_markdown(text, "How to use it")
