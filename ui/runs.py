"""The lab's trainings, outside the process that draws the pages and shared by every session
that asks for the same run.

A run is a pure function of its settings (the seed among them), so its Dask key is made from
them: the first session to press Train submits it, and every other session asking for the same
key while it runs, in this server or any Streamlit worker connected to the same scheduler
(RNNVIZ_SCHEDULER), gets the same task and watches the same progress. The task publishes its
progress in the scheduler's metadata under its task's key (which the scheduler forgets with the
task) and reads its watchers' heartbeats from a Dask Queue, closed by every side when it is done
with it: a watcher's Stop detaches that watcher only, and the run stops
once every watcher has detached or none has been heard from for WATCH_TIMEOUT seconds. Different
settings queue for the workers, one single-threaded worker process per spare core. A finished run
is kept server-wide in a small LRU cache, bounded by count and bytes.

What the cache and the workers hand out is shared by every session, so it is frozen (read-only
mappings, tuples and arrays): a session keeps what is its own (stopped, paused at, its memo) in a
dict of its own around it.
"""

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from types import MappingProxyType

import numpy as np
import streamlit as st
from distributed import WorkerPlugin

log = logging.getLogger(__name__)

SCHEDULER_ENV = "RNNVIZ_SCHEDULER"  # e.g. tcp://10.0.0.5:8786: several boxes share one scheduler
WATCH_TIMEOUT = 10.0  # seconds without a heartbeat after which nobody is watching
PUBLISH_SECONDS = 0.25
REDRAW_SECONDS = 0.5  # a watcher's bar and live chart: 60 watchers at 4 redraws a second slowed the run itself
WATCHERS_PER_REDRAW = 20  # past this many watchers of one run in a process, each redraws less often
HEARTBEAT_SECONDS = 2.0  # a watcher says it is still there this often, well inside WATCH_TIMEOUT
CACHE_RUNS, CACHE_BYTES = 32, 256 * 2**20
RUN_EVENTS = "rnnviz-runs"  # the scheduler's event log gets one entry per training started
RESUBMITS = 3  # a task cancelled under a watcher (its worker lost) is asked for again, so often
ATTEMPTS = 50  # tasks of one run that ended unfinished before a new one is asked for (see _submit)
CONNECT_SECONDS = 5  # a scheduler that does not answer in this time is taken as unreachable
RECONNECT_SECONDS = 10  # after a failed attempt, pages say so at once for this long, then try again
UNREACHABLE_SECONDS = 5  # a client without its scheduler this long: a waiting page stops waiting


def client():
    """The Dask client of this server: to RNNVIZ_SCHEDULER if set, else a local cluster of one
    single-threaded worker process per spare core, listening on loopback only, whose trainings
    run the portable kernels (rnnviz/reproducible.py: the same numbers on every x86-64 box).
    Raises WorkersUnreachable, at once while a recent attempt has failed, not after a wait."""
    global _client, _cluster, _unreachable
    with _connecting:
        if _client is not None and _client.status in ("closing", "closed"):
            _client = None  # it gave up on a scheduler that went away: ask again
        if _client is None:
            if _unreachable is not None and time.monotonic() - _unreachable[0] < RECONNECT_SECONDS:
                raise WorkersUnreachable(_unreachable[1])
            try:
                _client, _cluster = _connect()
            except (OSError, TimeoutError) as error:
                _unreachable = (time.monotonic(), f"{os.environ.get(SCHEDULER_ENV)}: {error}")
                log.error("cannot reach the training workers' scheduler %s", _unreachable[1])
                raise WorkersUnreachable(_unreachable[1]) from error
            _unreachable = None
        return _client


def _connect():
    from distributed import Client, LocalCluster

    from rnnviz import reproducible

    address = os.environ.get(SCHEDULER_ENV)
    if address:
        cluster, dask = None, Client(address, timeout=CONNECT_SECONDS)
    else:
        # env: set in each worker process before it imports torch (see app.py), not in this one;
        # the scheduler's HTTP routes on a free loopback port, not on 8787 (often taken)
        cluster = LocalCluster(n_workers=max(1, (os.cpu_count() or 2) - 1), threads_per_worker=1,
                               processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               memory_limit=0, silence_logs=40, env=reproducible.ENV)
        dask = Client(cluster)
    dask.register_plugin(_QuietStreamlit())
    return dask, cluster


class _QuietStreamlit(WorkerPlugin):
    """A training worker imports the pages' modules (a task names a function there) outside any
    Streamlit server, and each cached function there would warn that it found no runtime."""

    name = "rnnviz-quiet-streamlit"

    def setup(self, worker):
        from streamlit import logger

        logger.set_log_level("error")


_connecting = threading.Lock()
_client = _cluster = None
_unreachable = None  # (when, why) the last attempt to connect failed


def trouble():
    """None while the training workers answer; else what is wrong, in words, for every page to
    say. Never waits: it reads what the last attempt and the client know."""
    if _unreachable is not None:
        if time.monotonic() - _unreachable[0] >= RECONNECT_SECONDS:
            _reconnect()
        return (f"The training workers cannot be reached ({_unreachable[1]}). Trainings (the lab, the "
                "clipping heatmap, the diverging run) wait for them; everything else on these pages works.")
    if _client is not None and _client.status not in ("newly-created", "running"):
        if _client.status == "closed":
            _reconnect()
        return ("The training workers' scheduler has stopped answering; this server is trying to reach it "
                "again. Trainings wait for it; everything else on these pages works.")
    return None


_reconnecting = threading.Lock()


def _reconnect():
    """One attempt at a time, in the background, so the next page to ask finds it connected."""
    if not _reconnecting.acquire(blocking=False):
        return

    def attempt():
        try:
            client()
        except WorkersUnreachable:
            pass  # client() has logged it and trouble() says it
        finally:
            _reconnecting.release()

    threading.Thread(target=attempt, name="rnnviz-reconnect", daemon=True).start()


class TrainingFailed(RuntimeError):
    """The training workers or their scheduler could not run a training."""


class WorkersUnreachable(TrainingFailed):
    """The scheduler did not answer: the reason, in words."""

    def __str__(self):
        return f"the training workers cannot be reached ({self.args[0]})"


def _check_reachable(dask, since):
    """Raise WorkersUnreachable once the client has been without its scheduler for
    UNREACHABLE_SECONDS; `since` holds when it was first seen without it."""
    if dask.status == "running":
        since.clear()
        return
    since.setdefault("at", time.monotonic())
    if time.monotonic() - since["at"] > UNREACHABLE_SECONDS:
        raise WorkersUnreachable(f"lost the scheduler: the client is {dask.status}")


_warming = threading.Lock()


def warm_up(then=None):
    """Once per process, in the background: start the training workers and have them import
    torch, so the first student to need a training does not wait for either (~3 s here); then
    call then(), e.g. to compute the pages' default views."""
    if not _warming.acquire(blocking=False):
        return

    def warm():
        try:
            client().submit(_import_torch, key="rnnviz-warm-up", pure=False).result(timeout=120)
            if then is not None:
                then()
        except WorkersUnreachable:
            pass  # client() has logged it and every page says it (trouble())
        except Exception:  # noqa: BLE001 - logged; the first real training or page will say it too
            log.exception("warming up the training workers and the default views failed")

    threading.Thread(target=warm, name="rnnviz-warm-up", daemon=True).start()


def _import_torch():
    import torch

    return torch.__version__


def run_key(settings):
    """The run's identity: every setting that changes its numbers, the seed included."""
    text = json.dumps({k: list(v) if isinstance(v, (list, tuple)) else v for k, v in sorted(settings.items())},
                      sort_keys=True, default=str)
    return "lab-" + hashlib.sha256(text.encode()).hexdigest()[:24]


class _Finished:
    """Finished runs, server-wide, least recently used dropped first."""

    def __init__(self, most_runs=CACHE_RUNS, most_bytes=CACHE_BYTES):
        self.most_runs, self.most_bytes = most_runs, most_bytes
        self._runs, self._lock = OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._runs:
                self._runs.move_to_end(key)
                return self._runs[key][0]
        return None

    def put(self, key, result):
        with self._lock:
            self._runs[key] = (result, _nbytes(result))
            self._runs.move_to_end(key)
            while len(self._runs) > self.most_runs or (len(self._runs) > 1 and self.nbytes > self.most_bytes):
                self._runs.popitem(last=False)

    @property
    def nbytes(self):
        return sum(size for _, size in self._runs.values())

    def __len__(self):
        return len(self._runs)


def frozen(value):
    """A result as every session may share it: mappings read-only, lists tuples, arrays read-only
    views (no copy). A session that tries to change it gets an error, not a classmate's run."""
    if isinstance(value, (dict, MappingProxyType)):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    return value


def thawed(value):
    """A frozen result as plain dicts and lists again, to send to a worker (pickle cannot carry a
    read-only mapping); arrays are sent as they are."""
    if isinstance(value, (dict, MappingProxyType)):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value


def _nbytes(value):
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (dict, MappingProxyType)):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 64


@st.cache_resource
def finished():
    return _Finished()


def _session():
    """This Streamlit session's id, or None outside a session (a test, a benchmark)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    return context.session_id if context else None


def detach(key, session=None):
    """on_click of Stop: this watcher leaves the run; the run goes on while others watch."""
    from distributed import Queue

    watchers = Queue(f"{key}-watchers", client=client())
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


def watch(settings, on_progress, on_queued, session=None, start=None, until=None):
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
    start = thawed(start)
    try:
        dask = client()
        future = _submit(dask, settings, key, start, until)
    except TrainingFailed:
        raise
    except Exception as error:
        log.exception("could not start the run %s (%s)", key, settings)
        raise TrainingFailed(f"{type(error).__name__}: {error}") from error
    watchers = Queue(f"{key}-watchers", client=dask)
    last_heartbeat, resubmitted, lost = 0.0, 0, {}
    with _reading:
        _watching[key] = _watching.get(key, 0) + 1
    try:  # the callbacks' exceptions (a rerun interrupting the wait) pass through untouched
        while True:
            if session is not None and _session() == session:
                st.session_state["lab.future"] = future  # a rerun mid-run keeps it: Train again re-attaches
            while not future.done():
                _check_reachable(dask, lost)
                if time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
                    watchers.put({"session": session, "time": time.time(), "detach": False})
                    last_heartbeat = time.monotonic()
                shown = _progress(dask, future.key)
                if shown is None:
                    on_queued()
                else:
                    on_progress(shown)
                _wait(future, redraw_seconds(key))
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
        result = frozen(future.result())
    except Exception as error:
        log.exception("the run %s (%s) failed", key, settings)
        raise TrainingFailed(f"{type(error).__name__}: {error}") from error
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
        future = dask.submit(job, settings, key, start, until, key=task, pure=False, retries=0)
        if not future.done() or (future.status == "finished" and _finished(future)):
            return future
        task += "+"
    raise TrainingFailed(f"the run {key} ended unfinished {ATTEMPTS} times")


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


@st.cache_resource
def computed():
    return _Finished(most_runs=64, most_bytes=64 * 2**20)


def compute(function, *args, waiting=None):
    """function(*args) on a worker, for the course pages' short trainings, its result kept in a
    server-wide LRU cache; identical calls from any session share one task (the key is the
    function and its arguments). waiting(seconds) is called several times a second until it is
    done: a Streamlit call there lets a newer rerun (a slider moved on) interrupt the wait.
    Raises WorkersUnreachable when the scheduler cannot be reached."""
    text = json.dumps([function.__module__, function.__qualname__, *args], default=str)
    key = f"{function.__name__}-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    cached = computed().get(key)
    if cached is not None:
        return cached
    dask = client()
    future = dask.submit(function, *args, key=key, pure=False, retries=0)
    started, lost = time.monotonic(), {}
    while not future.done():
        _check_reachable(dask, lost)
        if waiting is not None:
            waiting(time.monotonic() - started)
        _wait(future, 0.2)
    try:
        result = future.result()
    except Exception as error:
        log.exception("the task %s%s failed", function.__qualname__, args)
        if dask.status != "running":
            raise WorkersUnreachable(f"lost the scheduler: the client is {dask.status}") from error
        raise TrainingFailed(f"{type(error).__name__}: {error}") from error
    computed().put(key, result)
    return result


def _finished(future):
    """Whether a done task's run reached its end (not stopped); False if it was lost meanwhile."""
    from concurrent.futures import CancelledError

    try:
        return future.result()["finished"]
    except CancelledError:
        return False


def _wait(future, seconds):
    """Until the future is done (or cancelled: the caller looks at its status), at most `seconds`."""
    from concurrent.futures import CancelledError

    from distributed import wait

    try:
        wait(future, timeout=seconds)
    except (TimeoutError, CancelledError):
        pass


def job(settings, key, start=None, until=None):
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

    store = {}
    try:
        training.train_all(settings, store, publish=publish, keep_going=still_watched, every=PUBLISH_SECONDS,
                           start=start, until=until)
    finally:  # nothing of the run stays on the scheduler once it has ended, however it ended
        scheduler.set_metadata([task, "progress"], None)  # and the scheduler drops [task] with the task
        watchers.close()
    return store
