"""rnnviz: an interactive course on recurrent neural networks. Run: streamlit run app.py"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch starts: one core per learner


def main():
    import streamlit as st
    import torch

    from ui import access, compute, lecture_view, memory, poll_view, presenter, state, workers
    from ui.pages import BY_PATH, COURSE
    from ui.settings import SEED

    torch.set_num_threads(1)
    memory.fewer_malloc_arenas()
    memory.start_tidying()
    workers.warm_up(then=compute.warm_default_views)

    presenting = presenter.active()
    st.set_page_config(page_title="rnnviz — recurrent networks, live", layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")

    # The pages live in course/, not pages/: Streamlit 1.67 treats a pages/ folder as its legacy
    # multipage app until this file's st.navigation has run once, so a shared link opened first
    # on a fresh server would show a bare page without the shared sidebar or the link handling.
    page = st.navigation([st.Page(p.script, title=p.title, url_path=p.url_path or None, default=not p.url_path)
                          for p in COURSE])
    lecture_view.take_deck_link()
    lecture_view.follow(page.url_path)  # a class following a deck: the teacher's step first
    settings_key = BY_PATH[page.url_path].settings
    if settings_key:
        state.page_settings(settings_key)  # before any widget, so a link can set them all

    presenter.style()
    with st.sidebar:
        st.markdown("**Shared settings**")
        st.number_input(SEED.label, int(SEED.low), int(SEED.high), step=1, key="seed", help=SEED.help)
        st.button("Reset to defaults", on_click=state.reset_all, width="stretch",
                  help="Every setting on every page back to where the course starts.")
        presenter.switch()
        poll_view.sidebar()
        lecture_view.sidebar(page.url_path)
        link = st.container()

    poll_view.banner()
    lecture_view.bar(page.url_path)
    problem = workers.trouble()  # never waits: what the last attempt to reach the workers found
    if problem:
        st.warning(problem)
    if settings_key:  # now, not only after the page: a page may train for seconds before it ends
        state.publish(settings_key, flags=poll_view.link_flags())
    page.run()
    if settings_key:  # again: the page may have clamped a setting (t <= T)
        state.publish(settings_key, flags=poll_view.link_flags())
    with link:
        presenter.link_box(page.url_path)
        access.mend()


# Dask's training workers are spawned processes, and spawn runs the parent's main script again
# in each, under this name: in a Streamlit server the main script is this file. A worker needs
# none of the page, must not start a cluster of its own, and must not import torch before the
# worker sets the portable kernels' environment (rnnviz/reproducible.py): hence the imports
# inside main().
if __name__ != "__mp_main__":
    main()
