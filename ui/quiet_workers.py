"""A plugin for the training workers, apart so that a page's first run need not import Dask."""

from distributed import WorkerPlugin


class QuietStreamlit(WorkerPlugin):
    """A training worker imports the pages' modules (a task names a function there) outside any
    Streamlit server, and each cached function there would warn that it found no runtime."""

    name = "rnnviz-quiet-streamlit"

    def setup(self, worker):
        from streamlit import logger

        logger.set_log_level("error")
