"""The lab's trainings, outside the process that draws the pages and shared by every session
that asks for the same run.

A run is a pure function of its settings (the seed among them), so its Dask key is made from
them: the first session to press Train submits it, and every other session asking for the same
key while it runs, in this server or any Streamlit worker connected to the same scheduler
(RNNVIZ_SCHEDULER, see ui/workers.py), gets the same task and watches the same progress. The task publishes its
progress in the scheduler's metadata under its task's key (which the scheduler forgets with the
task) and reads its watchers' heartbeats from a Dask Queue, closed by every side when it is done
with it: a watcher's Stop detaches that watcher only, and the run stops
once every watcher has detached or none has been heard from for WATCH_TIMEOUT seconds. Different
settings queue for the workers, one single-threaded worker process per spare core. A finished run
is kept server-wide in a small LRU cache, bounded by count and bytes.

What the cache and the workers hand out is shared by every session, so it is frozen
(workers.frozen): a session keeps what is its own (stopped, paused at, its memo) in its
LabSession (ui/lab_session.py).
"""

import hashlib
import json
import logging
import threading
import time

import numpy as np
import streamlit as st

from ui import workers

log = logging.getLogger(__name__)

WATCH_TIMEOUT = 10.0  # seconds without a heartbeat after which nobody is watching
PUBLISH_SECONDS = 0.25
REDRAW_SECONDS = 0.5  # a watcher's bar and live chart: 60 watchers at 4 redraws a second slowed the run itself
WATCHERS_PER_REDRAW = 20  # past this many watchers of one run in a process, each redraws less often
HEARTBEAT_SECONDS = 2.0  # a watcher says it is still there this often, well inside WATCH_TIMEOUT
CACHE_RUNS, CACHE_BYTES = 32, 256 * 2**20
RUN_EVENTS = "rnnviz-runs"  # the scheduler's event log gets one entry per training started
RESUBMITS = 3  # a task cancelled under a watcher (its worker lost) is asked for again, so often
ATTEMPTS = 50  # tasks of one run that ended unfinished before a new one is asked for (see _submit)


def run_key(settings):
    """The run's identity: every setting that changes its numbers, the seed included."""
    text = json.dumps({k: list(v) if isinstance(v, (list, tuple)) else v for k, v in sorted(settings.items())},
                      sort_keys=True, default=str)
    return "lab-" + hashlib.sha256(text.encode()).hexdigest()[:24]


@st.cache_resource
def finished():
    return workers.ResultCache(CACHE_RUNS, CACHE_BYTES)


def _session():
    """This Streamlit session's id, or None outside a session (a test, a benchmark)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    return context.session_id if context else None


def detach(key, session=None):
    """on_click of Stop: this watcher leaves the run; the run goes on while others watch."""
    from distributed import Queue

    watchers = Queue(f"{key}-watchers", client=workers.client())
    try:
        watchers.put({"session": session or _session(), "time": time.time(), "detach": True})
    finally:
        watchers.close()


def part_key(settings, start=None, until=None):
    """A part of a run (the lab's Pause, Step, Resume) is a pure function of its settings and
    the steps it spans, so it is shared and cached like a whole run; the part from the start to
    the last step is the whole run."""
    from ui import training

    first = training.paused_step(start)
    last = settings["steps"] if until is None else min(int(until), settings["steps"])
    whole = run_key(settings)
    return whole if (first, last) == (0, settings["steps"]) else f"{whole}-{first}-{last}"


def join_or_start(settings, on_progress, on_queued, session=None, start=None, until=None):
    """The finished run for these settings (or its part from `start` to `until`, see part_key):
    from the server-wide cache, or by attaching to the run in progress, or by starting it.
    on_progress(progress) is called as it comes (and makes the Streamlit call that lets a
    rerun interrupt this); on_queued() while it waits for a worker.
    Returns the job's result, frozen (see frozen): {"runs": {...}, "finished": bool, "paused": ...}."""
    from distributed import Queue

    key = part_key(settings, start, until)
    cached = finished().get(key)
    if cached is not None:
        return cached
    session = session or _session()
    start = workers.thawed(start)
    try:
        dask = workers.client()
        future = _submit(dask, settings, key, start, until)
    except workers.TrainingFailed:
        raise
    except Exception as error:
        log.exception("could not start the run %s (%s)", key, settings)
        raise workers.TrainingFailed(f"{type(error).__name__}: {error}") from error
    watchers = Queue(f"{key}-watchers", client=dask)
    last_heartbeat, resubmitted, lost = 0.0, 0, {}
    with _reading:
        _watching[key] = _watching.get(key, 0) + 1
    try:  # the callbacks' exceptions (a rerun interrupting the wait) pass through untouched
        while True:
            if session is not None and _session() == session:
                st.session_state["lab.future"] = future  # a rerun mid-run keeps it: Train again re-attaches
            while not future.done():
                workers.check_reachable(dask, lost)
                if time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
                    watchers.put({"session": session, "time": time.time(), "detach": False})
                    last_heartbeat = time.monotonic()
                shown = _progress(dask, future.key)
                if shown is None:
                    on_queued()
                else:
                    on_progress(shown)
                workers.wait_for(future, redraw_seconds(key))
            if future.status not in ("cancelled", "lost") or resubmitted == RESUBMITS:
                break
            resubmitted += 1
            future = _submit(dask, settings, key, start, until)
    finally:
        watchers.close()
        with _reading:
            _watching[key] -= 1
            if not _watching[key]:
                del _watching[key]
    try:
        result = workers.frozen(future.result())
    except Exception as error:
        log.exception("the run %s (%s) failed", key, settings)
        raise workers.TrainingFailed(f"{type(error).__name__}: {error}") from error
    if result["finished"]:
        finished().put(run_key(settings) if result["paused"] is None else key, result)
    return result


def _submit(dask, settings, key, start, until):
    """The task of this run: the one running or done under its key, unless that one ended
    without finishing (stopped when nobody watched, failed, cancelled): then the one named after
    it (its key and a "+"), and so on. Every session that finds the same ended task asks for the
    same next one, so a class restarting a stopped run at once gets one new run; nothing is
    cancelled under another session's feet."""
    task = key
    for _ in range(ATTEMPTS):
        future = dask.submit(training_task, settings, key, start, until, key=task, pure=False, retries=0)
        if not future.done() or (future.status == "finished" and _finished(future)):
            return future
        task += "+"
    raise workers.TrainingFailed(f"the run {key} ended unfinished {ATTEMPTS} times")


_read_progress = {}  # key -> (when read, progress): one scheduler read serves every watcher here
_watching = {}  # key -> how many sessions of this process watch that run now
_reading = threading.Lock()


def redraw_seconds(key):
    """How often each watcher of a run redraws its bar and live chart: REDRAW_SECONDS alone or in
    a small group; in a class, less often, so that the redraws (each one serialises the chart's
    rows and sends them) leave the core to the training: 60 watchers redraw every 1.5 s."""
    return min(2.0, REDRAW_SECONDS * max(1.0, _watching.get(key, 0) / WATCHERS_PER_REDRAW))


def _progress(dask, key):
    """The run's latest progress (None until it starts), read from the scheduler at most twice
    per REDRAW_SECONDS in this process, however many sessions watch it."""
    with _reading:
        read_at, shown = _read_progress.get(key, (-1.0, None))
        if time.monotonic() - read_at >= REDRAW_SECONDS / 2:
            raw = dask.get_metadata([key, "progress"], None)
            shown = None if raw is None else _arrays(raw)
            for old in [k for k, (at, _) in _read_progress.items() if time.monotonic() - at > 60]:
                del _read_progress[old]  # runs no one here has watched for a minute
            _read_progress[key] = (time.monotonic(), shown)
        return shown


def _plain(progress):
    """Progress as msgpack can carry it through the scheduler: arrays as lists."""
    return {**progress, "runs": {name: {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in run.items()}
                                 for name, run in progress["runs"].items()}}


def _arrays(progress):
    """The lists back as arrays (msgpack may hand them back as tuples)."""
    return {**progress, "runs": {name: {k: np.asarray(v) if isinstance(v, (list, tuple)) else v
                                        for k, v in run.items()}
                                 for name, run in progress["runs"].items()}}


def _finished(future):
    """Whether a done task's run reached its end (not stopped); False if it was lost meanwhile."""
    from concurrent.futures import CancelledError

    try:
        return future.result()["finished"]
    except CancelledError:
        return False


def training_task(settings, key, start=None, until=None):
    """Runs on a worker: train every chosen cell with these settings (from `start` to `until`,
    see training.train_all), publishing progress and stopping early when nobody watches any more."""
    import torch
    from distributed import Queue, get_client, get_worker

    from ui import training

    torch.set_num_threads(1)
    get_worker().log_event(RUN_EVENTS, {"key": key, "cells": list(settings["cells"])})  # one per training
    scheduler, task = get_client(), get_worker().get_current_task()
    watchers = Queue(f"{key}-watchers", client=scheduler)
    seen, detached, started = {}, set(), time.time()

    def still_watched():
        for message in watchers.get(batch=True):
            if message["time"] < started - HEARTBEAT_SECONDS:  # left over from an earlier run of this key
                continue
            seen[message["session"]] = max(seen.get(message["session"], 0), message["time"])
            if message["detach"]:
                detached.add(message["session"])
        active = [s for s, last in seen.items() if s not in detached and time.time() - last < WATCH_TIMEOUT]
        return bool(active) or (not seen and time.time() - started < WATCH_TIMEOUT)

    def publish(progress):
        scheduler.set_metadata([task, "progress"], _plain(progress))

    results = {}
    try:
        training.train_all(settings, results, publish=publish, keep_going=still_watched, every=PUBLISH_SECONDS,
                           start=start, until=until)
    finally:  # nothing of the run stays on the scheduler once it has ended, however it ended
        scheduler.set_metadata([task, "progress"], None)  # and the scheduler drops [task] with the task
        watchers.close()
    return results
