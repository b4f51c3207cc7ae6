"""rnnviz: an interactive course on recurrent neural networks. Run: streamlit run app.py"""

import contextlib
import importlib
import os
import pkgutil
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch starts: one core per learner


def prepare():
    """What the server needs once, however many students: one thread for torch, the training
    workers started and the pages' default views computed in the background."""
    import torch

    from ui import compute, memory, workers

    torch.set_num_threads(1)
    memory.fewer_malloc_arenas()
    memory.start_tidying()
    workers.warm_up(then=compute.warm_default_views)


def main():
    import streamlit as st

    from ui import access, lecture_view, poll_view, presenter, state, workers
    from ui.pages import BY_PATH, COURSE
    from ui.settings import SEED

    prepare()  # once per process; here too for a server started without the lifespan (AppTest)
    presenting = presenter.active()
    st.set_page_config(page_title="rnnviz — recurrent networks, live", layout="wide",
                       initial_sidebar_state="collapsed" if presenting else "auto")

    # The pages live in course/, not pages/: Streamlit 1.67 treats a pages/ folder as its legacy
    # multipage app until this file's st.navigation has run once, so a shared link opened first
    # on a fresh server would show a bare page without the shared sidebar or the link handling.
    page = st.navigation([st.Page(p.script, title=p.title, url_path=p.url_path or None, default=not p.url_path)
                          for p in COURSE])
    lecture_view.take_deck_link()
    room = lecture_view.room()  # the class session and its lecture, read once for this run
    lecture_view.follow(page.url_path, room)  # a class following a deck: the teacher's step first
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
        lecture_view.sidebar(page.url_path, room)
        link = st.container()

    poll_view.banner()
    lecture_view.bar(page.url_path, room)
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


@contextlib.asynccontextmanager
async def _ready(_app):
    """Before the server takes its first connection (they wait in the socket's queue meanwhile):
    every module a page imports (torch alone takes a second) and prepare(), so that a class
    opening the link in the server's first seconds is not queued behind one student's imports."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent / "ui")]):
        importlib.import_module(f"ui.{module.name}")
    prepare()
    yield


# `streamlit run app.py` imports this file once as the server (it finds `app` below) and runs it
# as `__main__` for each page view. Dask's training workers are spawned processes, and spawn runs
# the parent's main script again in each as `__mp_main__`: a worker needs none of the page, must
# not start a cluster of its own, and must not import torch before the worker sets the portable
# kernels' environment (rnnviz/reproducible.py): hence the imports inside the functions.
if __name__ == "__main__":
    main()
elif __name__ != "__mp_main__":
    import streamlit as st

    app = st.App(__file__, lifespan=_ready)
