"""The training workers: the Dask client of this server (a local cluster, or the scheduler
RNNVIZ_SCHEDULER names, shared by several Streamlit workers and boxes), whether it can be reached,
the pages' short trainings on it (compute) and the server-wide caches of what it hands back.

What the caches hand out is shared by every session, so it is frozen (read-only mappings, tuples
and arrays): a session keeps what is its own in a dict of its own around it.
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

log = logging.getLogger(__name__)

SCHEDULER_ENV = "RNNVIZ_SCHEDULER"  # e.g. tcp://10.0.0.5:8786: several boxes share one scheduler
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
            if _cluster is not None:
                _cluster.close()
            _client = _cluster = None  # it gave up on a scheduler that went away: ask again
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
    from ui.quiet_workers import QuietStreamlit

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
    dask.register_plugin(QuietStreamlit())
    return dask, cluster


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


def check_reachable(dask, since):
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
    _starting.set()

    def warm():
        try:
            client().submit(_import_torch, key="rnnviz-warm-up", pure=False).result(timeout=120)
            if then is not None:
                then()
        except WorkersUnreachable:
            pass  # client() has logged it and every page says it (trouble())
        except Exception:  # noqa: BLE001 - logged; the first real training or page will say it too
            log.exception("warming up the training workers and the default views failed")
        finally:
            _starting.clear()

    threading.Thread(target=warm, name="rnnviz-warm-up", daemon=True).start()


_starting = threading.Event()


def starting():
    """Whether the server is still starting its training workers and computing the pages' default
    views (its first seconds): a class arriving then is not kept waiting for them (see
    rerun_once_started)."""
    return _starting.is_set()


def rerun_once_started():
    """On a page drawn while starting(): rerun it once the workers are up, so what it could not
    wait for appears by itself."""

    @st.fragment(run_every=1.0)
    def poll():
        if not starting():
            st.rerun()

    poll()


def _import_torch():
    import torch

    return torch.__version__


class ResultCache:
    """Results kept server-wide, the least recently used dropped first, bounded by count and bytes."""

    def __init__(self, most_runs, most_bytes):
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


@st.cache_resource(show_spinner=False)  # also called from the warm-up thread, which has no page
def computed():
    return ResultCache(most_runs=64, most_bytes=64 * 2**20)


def _task_key(function, args):
    text = json.dumps([function.__module__, function.__qualname__, *args], default=str)
    return f"{function.__name__}-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def computed_already(function, *args):
    """What compute(function, *args) would return if it is in the cache, else None: never waits."""
    return computed().get(_task_key(function, args))


def compute(function, *args, waiting=None):
    """function(*args) on a worker, for the course pages' short trainings, its result frozen and
    kept in a server-wide LRU cache; identical calls from any session share one task (the key is the
    function and its arguments). waiting(seconds) is called several times a second until it is
    done: a Streamlit call there lets a newer rerun (a slider moved on) interrupt the wait.
    Raises WorkersUnreachable when the scheduler cannot be reached."""
    key = _task_key(function, args)
    cached = computed().get(key)
    if cached is not None:
        return cached
    dask = client()
    future = dask.submit(function, *args, key=key, pure=False, retries=0)
    started, lost = time.monotonic(), {}
    while not future.done():
        check_reachable(dask, lost)
        if waiting is not None:
            waiting(time.monotonic() - started)
        wait_for(future, 0.2)
    try:
        result = frozen(future.result())
    except Exception as error:
        log.exception("the task %s%s failed", function.__qualname__, args)
        if dask.status != "running":
            raise WorkersUnreachable(f"lost the scheduler: the client is {dask.status}") from error
        raise TrainingFailed(f"{type(error).__name__}: {error}") from error
    computed().put(key, result)
    return result


def wait_for(future, seconds):
    """Until the future is done (or cancelled: the caller looks at its status), at most `seconds`."""
    from concurrent.futures import CancelledError

    from distributed import wait

    try:
        wait(future, timeout=seconds)
    except (TimeoutError, CancelledError):
        pass
