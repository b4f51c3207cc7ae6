"""Shared trainings (ui/runs.py): a class asking for one run gets one run.

Two watchers here are two threads, as two Streamlit sessions are two threads of one server;
the run itself goes to the Dask worker process, and the scheduler's event log counts how many
trainings were started for a key."""

import threading

import numpy as np
import pytest

from rnnviz import reproducible
from ui import runs, training, workers
from ui.settings import defaults

BASE = {name: value for name, value in defaults("lab").items() if not name.startswith("sweep_")}


def settings(**changes):
    return BASE | {"task": "adding", "T": 20, "cells": ["rnn_tanh"], "steps": 400} | changes


def started(key):
    return sum(1 for _, event in workers.client().get_events(runs.RUN_EVENTS) if event["key"] == key)


def watch_in_threads(*plans):
    """Each plan (settings, session, detach_after_progress) watched by its own thread; the results."""
    results = [None] * len(plans)

    def watcher(index, chosen, session, detach_after):
        seen = []

        def progress(p):
            seen.append(p["step"])
            if detach_after is not None and len(seen) == detach_after:
                runs.detach(runs.run_key(chosen), session)
                raise StopWatching

        try:
            results[index] = runs.join_or_start(chosen, progress, lambda: None, session=session)
        except StopWatching:
            results[index] = "detached"

    threads = [threading.Thread(target=watcher, args=(k, *plan)) for k, plan in enumerate(plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


class StopWatching(Exception):
    pass


def test_two_watchers_of_the_same_run_get_one_training_and_the_same_numbers():
    chosen = settings(seed=11)
    first, second = watch_in_threads((chosen, "a", None), (chosen, "b", None))
    assert first["finished"] and second["finished"]
    loss = first["runs"]["RNN (tanh)"]["loss"]
    np.testing.assert_array_equal(loss, second["runs"]["RNN (tanh)"]["loss"])
    assert len(loss) == 400
    assert started(runs.run_key(chosen)) == 1
    # asked again once finished: served from the server's cache, not trained again
    assert runs.join_or_start(chosen, lambda p: None, lambda: None, session="c") is not None
    assert started(runs.run_key(chosen)) == 1


def test_a_different_seed_is_a_different_run():
    one, other = settings(seed=12), settings(seed=13)
    assert runs.run_key(one) != runs.run_key(other)
    first, second = watch_in_threads((one, "a", None), (other, "b", None))
    assert started(runs.run_key(one)) == 1 and started(runs.run_key(other)) == 1
    assert not np.array_equal(first["runs"]["RNN (tanh)"]["loss"], second["runs"]["RNN (tanh)"]["loss"])


def test_one_watchers_stop_leaves_the_run_going_for_the_other():
    chosen = settings(seed=14, steps=1500)
    stopper, keeper = watch_in_threads((chosen, "a", 2), (chosen, "b", None))
    assert stopper == "detached"
    assert keeper["finished"] and len(keeper["runs"]["RNN (tanh)"]["loss"]) == 1500


def test_a_run_nobody_watches_any_more_stops_and_keeps_what_it_learned():
    chosen = settings(seed=15, steps=2000, T=100)
    (only,) = watch_in_threads((chosen, "a", 2))
    assert only == "detached"
    key = runs.run_key(chosen)
    future = workers.client().submit(runs.training_task, chosen, key, key=key, pure=False)
    result = future.result(timeout=120)  # the run for this key ends early: nobody watches it
    assert not result["finished"] and 0 < len(result["runs"]["RNN (tanh)"]["loss"]) < 2000


def test_the_finished_run_cache_keeps_within_its_bounds():
    cache = workers.ResultCache(most_runs=3, most_bytes=10_000)
    for k in range(5):
        cache.put(k, {"loss": np.zeros(100)})  # 800 bytes each
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) is not None
    cache.get(2)  # used: kept ahead of 3
    cache.put(5, {"loss": np.zeros(1000)})  # 8,000 bytes: over the byte bound with two others
    assert cache.nbytes <= 10_000 and cache.get(5) is not None and cache.get(3) is None


@pytest.mark.parametrize("changed", [dict(seed=1), dict(lr=0.003), dict(cells=["lstm"]), dict(T=21)])
def test_every_setting_that_changes_the_numbers_changes_the_key(changed):
    assert runs.run_key(settings()) != runs.run_key(settings(**changed))


def test_the_pages_short_trainings_run_in_a_worker_process_not_the_server():
    import os

    from ui import compute

    assert workers.compute(os.getpid) != os.getpid()
    run = compute.diverging_run(0)  # the cliff page's button, through the page's own function
    assert run["diverged_at"] is not None


def _threads_of_a_spawned_process(names):
    names.put(sorted(thread.name for thread in threading.enumerate()))


def test_the_training_workers_run_the_portable_kernels():
    """So a run gives the same numbers on every box of a class, and a sweep point re-run live
    equals the shipped one (rnnviz/reproducible.py)."""
    import os

    from rnnviz import reproducible

    before = {name: os.environ.get(name) for name in reproducible.ENV}
    assert set(workers.client().run(reproducible.active).values()) == {True}
    assert {name: os.environ.get(name) for name in reproducible.ENV} == before  # only theirs


def test_a_training_worker_runs_none_of_the_page_and_starts_no_cluster_of_its_own(monkeypatch):
    """Spawn, as Dask starts its workers, runs the parent's main script in the child; in a
    Streamlit server that is app.py, installed as __main__ while a script runs. The child
    must not run the page: the page's warm-up started a cluster inside each worker."""
    import multiprocessing
    import sys
    import types

    from harness.apptest import ROOT

    streamlit_main = types.ModuleType("__main__")  # what Streamlit's script runner installs
    streamlit_main.__file__ = str(ROOT / "app.py")
    monkeypatch.setitem(sys.modules, "__main__", streamlit_main)
    spawn = multiprocessing.get_context("spawn")
    names = spawn.Queue()
    child = spawn.Process(target=_threads_of_a_spawned_process, args=(names,))
    child.start()
    threads = names.get(timeout=120)
    child.join(timeout=60)
    assert child.exitcode == 0
    started_by_the_page = [name for name in threads if name.startswith("rnnviz-") or "Dask" in name]
    assert not started_by_the_page, threads


def test_a_watcher_sees_the_losses_grow_as_arrays_the_page_can_draw():
    chosen = settings(seed=16, steps=1500, T=50)
    seen = []
    result = runs.join_or_start(chosen, seen.append, lambda: None, session="a")
    assert result["finished"] and len(seen) >= 2
    lengths = [len(p["runs"]["RNN (tanh)"]["loss"]) for p in seen]
    assert all(isinstance(p["runs"]["RNN (tanh)"]["loss"], np.ndarray) for p in seen)
    assert lengths == sorted(lengths) and 0 < lengths[0] < 1500


def test_the_pages_default_views_are_computed_before_the_first_student_opens_them(monkeypatch):
    from harness.apptest import open_page, plotly_figures
    from ui import compute

    compute.warm_default_views()  # what app.py has the server do when it starts

    class NoWorkers:
        def submit(self, *args, **kwargs):
            raise AssertionError("a default view trained when it was opened")

    monkeypatch.setattr(workers, "client", NoWorkers)
    at = open_page("vanishing")
    assert len(plotly_figures(at)) == 2  # the training's heatmap and clipping chart
    open_page("gates")


def test_the_lab_races_its_networks_side_by_side_with_the_numbers_each_gets_alone():
    chosen = settings(cells=["rnn_tanh", "lstm"], steps=300, T=20, seed=3)
    seen = []
    store = training.train_all(chosen, {}, publish=seen.append, every=0.0)
    racing = [p for p in seen if len(p["runs"]) == 2
              and all(0 < len(r["loss"]) < 300 for r in p["runs"].values())]
    assert racing, "both curves should grow during the run, not one after the other"
    assert store["finished"] and seen[-1]["done"] == 1.0
    for cell, name in (("rnn_tanh", "RNN (tanh)"), ("lstm", "LSTM")):
        alone = training.train_all(settings(cells=[cell], steps=300, T=20, seed=3), {})
        np.testing.assert_array_equal(store["runs"][name]["loss"], alone["runs"][name]["loss"])


def test_stopping_a_race_stops_every_network_and_keeps_what_each_learned():
    calls = []
    store = training.train_all(settings(cells=["rnn_tanh", "gru"], steps=2000), {},
                               keep_going=lambda: calls.append(1) or len(calls) < 5, every=0.0)
    assert not store["finished"]
    assert all(0 < len(run["loss"]) < 2000 and "model" in run for run in store["runs"].values())


def test_a_class_of_watchers_redraws_less_often_and_the_count_goes_back_to_zero(monkeypatch):
    """Alone a watcher redraws twice a second; 60 in one server each every 1.5 s, so that their
    redraws leave the core to the training; the count is of watchers still watching."""
    monkeypatch.setattr(runs, "_watching", {"run": 1})
    assert runs.redraw_seconds("run") == runs.REDRAW_SECONDS == 0.5
    monkeypatch.setattr(runs, "_watching", {"run": 60})
    assert runs.redraw_seconds("run") == 1.5
    monkeypatch.setattr(runs, "_watching", {})
    chosen = settings(seed=15)
    counts = []
    runs.join_or_start(chosen, lambda p: counts.append(runs._watching.get(runs.run_key(chosen))), lambda: None,
               session="a")
    assert counts and set(counts) == {1} and runs._watching == {}


def test_a_paused_part_is_shared_and_resuming_it_is_the_whole_run_cached_as_such():
    """Pause at step 150 from two sessions: one training; Resume from it: the whole run's
    numbers, and asking for the whole run afterwards trains nothing."""
    chosen = settings(seed=16)
    pauses = [runs.join_or_start(chosen, lambda p: None, lambda: None, session=s, until=150) for s in ("a", "b")]
    part = runs.part_key(chosen, until=150)
    assert started(part) == 1 and pauses[0] is pauses[1]
    assert pauses[0]["paused"]["RNN (tanh)"]["checkpoint"]["step"] == 150
    resumed = runs.join_or_start(chosen, lambda p: None, lambda: None, session="a", start=pauses[0]["paused"])
    assert resumed["paused"] is None and len(resumed["runs"]["RNN (tanh)"]["loss"]) == 400
    whole = runs.join_or_start(chosen, lambda p: None, lambda: None, session="c")
    assert whole is resumed and started(runs.run_key(chosen)) == 0
    with reproducible.process_pool(1) as pool:  # as the workers train: with the portable kernels
        alone = pool.submit(training.train_all, chosen, {}).result()
    np.testing.assert_array_equal(resumed["runs"]["RNN (tanh)"]["loss"], alone["runs"]["RNN (tanh)"]["loss"])


def _fail():
    raise RuntimeError("a worker that fell over")


def test_a_run_that_failed_once_trains_when_train_is_pressed_again():
    """A session still holding the failed task must not make every later Train fail too."""
    chosen = settings(seed=21, steps=50)
    key = runs.run_key(chosen)
    held = workers.client().submit(_fail, key=key, pure=False)  # a classmate's session keeps it
    with pytest.raises(RuntimeError):
        held.result(timeout=60)
    again = runs.join_or_start(chosen, lambda p: None, lambda: None, session="a")
    assert again["finished"] and len(again["runs"]["RNN (tanh)"]["loss"]) == 50


def test_two_sessions_restarting_the_same_stopped_run_at_once_both_get_it_finished():
    chosen = settings(seed=22, steps=600)
    key = runs.run_key(chosen)
    stopped = workers.client().submit(runs.training_task, chosen, key, key=key, pure=False)
    while workers.client().get_metadata([key, "progress"], None) is None and not stopped.done():
        workers.wait_for(stopped, 0.1)  # until it has started
    runs.detach(key, "nobody")  # its only watcher left: it stops at its next check
    assert not stopped.result(timeout=120)["finished"]
    first, second = watch_in_threads((chosen, "a", None), (chosen, "b", None))
    assert first["finished"] and second["finished"]
    np.testing.assert_array_equal(first["runs"]["RNN (tanh)"]["loss"], second["runs"]["RNN (tanh)"]["loss"])


def _scheduler_objects(dask_scheduler):
    return {"queues": len(dask_scheduler.extensions["queues"].queues),
            "metadata": len(dask_scheduler.task_metadata), "tasks": len(dask_scheduler.tasks)}


def test_three_hundred_runs_leave_nothing_behind_on_the_scheduler():
    """Each run's channels (its watchers' queue, its progress) are gone once it ends, and its
    task once nobody holds it: the scheduler's objects do not grow with the runs it has seen."""
    dask = workers.client()
    before = dask.run_on_scheduler(_scheduler_objects)
    for seed in range(300):
        tiny = settings(seed=1000 + seed, steps=2, T=2, H=2)
        assert runs.join_or_start(tiny, lambda p: None, lambda: None, session="a")["finished"]
    after = dask.run_on_scheduler(_scheduler_objects)
    assert after["queues"] <= before["queues"] and after["metadata"] <= before["metadata"] + 2, (before, after)
    assert after["tasks"] <= before["tasks"] + 2, (before, after)
