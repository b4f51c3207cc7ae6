"""Faults a class meets: the training workers' scheduler unreachable from the start, or killed
while a page waits for a training. Every page says so in words, the views that need no training
keep working, and once the scheduler is back the trainings work again."""

import os
import subprocess
import sys
import threading
import time

import pytest

from harness.apptest import ROOT, assert_no_exception, live_views, open_page
from harness.server import free_port
from ui import runs, workers


@pytest.fixture
def fresh_workers(monkeypatch):
    """This process's connection and caches as a server that has just started has them."""
    monkeypatch.setattr(workers, "_client", None)
    monkeypatch.setattr(workers, "_cluster", None)
    monkeypatch.setattr(workers, "_unreachable", None)
    cache = workers.ResultCache(8, 2**20)
    monkeypatch.setattr(workers, "computed", lambda: cache)
    monkeypatch.setattr(runs, "finished", lambda: cache)
    yield monkeypatch
    if workers._client is not None:
        workers._client.close()


def _warnings(at):
    return " ".join(w.value for w in at.warning) + " ".join(e.value for e in at.error)


def test_with_no_scheduler_to_reach_every_page_says_so_and_the_rest_works(fresh_workers):
    fresh_workers.setenv(workers.SCHEDULER_ENV, f"tcp://127.0.0.1:{free_port()}")  # nothing listens there
    at = open_page("vanishing")
    assert "cannot be reached" in _warnings(at)  # where the clipping heatmap would be
    assert "vanishing" in live_views(at)  # the curve, the bound and the circle, drawn in the browser
    for name in ("home", "hidden", "unrolled", "gates", "cliff"):
        at = open_page(name)
        assert "training workers cannot be reached" in _warnings(at), name
        assert "everything else on these pages works" in _warnings(at)
    at = open_page("lab")
    next(b for b in at.button if b.label == "Train").click().run()
    assert_no_exception(at)
    assert "could not run this" in _warnings(at) and "cannot be reached" in _warnings(at)


def _dask(*arguments):
    return subprocess.Popen([sys.executable, "-m", *arguments], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _until(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "it never happened"
        time.sleep(0.1)


def test_a_scheduler_killed_under_a_waiting_page_is_said_and_its_return_is_noticed(fresh_workers):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    fresh_workers.setenv(workers.SCHEDULER_ENV, address)
    started = [_dask("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard")]
    started.append(_dask("distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                         "--host", "127.0.0.1"))
    try:
        _until(lambda: _connected_with_a_worker())
        assert workers.compute(time.sleep, 0) is None  # it trains
        outcome = {}

        def wait_for_a_long_task():
            try:
                workers.compute(time.sleep, 600)
            except workers.TrainingFailed as error:
                outcome["error"] = error

        waiting = threading.Thread(target=wait_for_a_long_task)
        waiting.start()
        _until(lambda: workers._client.processing())  # the task is on the worker
        started[0].kill()
        waiting.join(timeout=60)
        assert not waiting.is_alive(), "the page is still waiting for a scheduler that is gone"
        assert isinstance(outcome.get("error"), workers.WorkersUnreachable)
        assert workers.trouble() is not None  # what every page now says at its top

        # back, with a new worker (a worker closes once it has lost its scheduler; deploy/ restarts both)
        started.append(_dask("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                             "--no-dashboard"))
        started.append(_dask("distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                             "--host", "127.0.0.1"))
        _until(lambda: workers.trouble() is None and _connected_with_a_worker())
        assert workers.compute(time.sleep, 0.01) is None
    finally:
        for process in started:
            process.kill()
            process.wait()


def _connected_with_a_worker():
    try:
        return bool(workers.client().scheduler_info()["workers"])
    except (workers.WorkersUnreachable, OSError):
        return False


def test_a_training_worker_killed_mid_run_is_replaced_and_the_run_still_finishes():
    """The lab's run survives its worker: Dask's nanny starts a new one and the task runs again."""
    from tests.test_runs import settings, started

    dask = workers.client()
    chosen = settings(seed=31, steps=1500, T=60)
    outcome, steps = {}, []

    def learner():
        outcome["run"] = runs.join_or_start(chosen, lambda p: steps.append(p["step"]), lambda: None, session="a")

    watching = threading.Thread(target=learner)
    watching.start()
    _until(lambda: len(steps) >= 2)  # under way on the worker
    for pid in dask.run(os.getpid).values():
        os.kill(pid, 9)
    watching.join(timeout=180)
    assert not watching.is_alive(), "the learner is still waiting"
    assert outcome["run"]["finished"]
    assert len(outcome["run"]["runs"]["RNN (tanh)"]["loss"]) == 1500
    assert started(runs.run_key(chosen)) == 2  # killed once under way, then run again whole
