"""The lab's Train, Pause, Step, Resume and Stop for one learner (ui/lab_session.py), without
Streamlit, and what one learner's buttons may not do to the classmates sharing a run: the run and
its pause are shared, frozen results (ui/runs.py); each learner's stopping and memo are their own."""

import numpy as np
import pytest

from ui import runs, workers
from ui.lab_session import LabSession


def shared_pause():
    """A paused race as runs.join_or_start hands it to every session asking for it: frozen."""
    checkpoint = {"step": 150, "weights": np.zeros(3)}
    return workers.frozen({"runs": {"LSTM": {"loss": np.ones(150)}}, "finished": True,
                        "paused": {"LSTM": {"checkpoint": checkpoint, "snapshots": {}}}})


def test_one_learner_stopping_a_shared_pause_leaves_the_classmates_pause_and_the_cache_alone():
    shared, detached = shared_pause(), []
    cache = workers.ResultCache(runs.CACHE_RUNS, runs.CACHE_BYTES)
    cache.put("run", shared)
    me, classmate = LabSession(), LabSession()
    for lab in (me, classmate):
        lab.finish("run", cache.get("run"))
    me.stop("run", detached.append)
    assert detached == ["run"]
    assert me.paused("run") is None and not me.on_screen("run")["finished"]  # ended here, learned kept
    assert classmate.paused_at("run") == 150 and classmate.on_screen("run")["finished"]
    assert cache.get("run")["paused"]["LSTM"]["checkpoint"]["step"] == 150
    me.memo("run")["held out"] = "mine"
    assert "memo" not in classmate.on_screen("run") and "memo" not in cache.get("run")


def test_a_shared_result_cannot_be_changed_by_a_session():
    shared = shared_pause()
    with pytest.raises(TypeError):
        shared["finished"] = False
    with pytest.raises(TypeError):
        shared["runs"]["LSTM"]["loss"] = None
    with pytest.raises(ValueError):
        shared["runs"]["LSTM"]["loss"][0] = 5.0
    sendable = workers.thawed(shared["paused"])  # what Resume sends to a worker: plain again
    assert isinstance(sendable, dict) and sendable["LSTM"]["checkpoint"]["step"] == 150


def test_train_pause_step_resume_and_stop_choose_the_part_of_the_run_to_train():
    lab, detached = LabSession(), []
    assert lab.part_to_train("run", train=False, step=False) is None  # nothing pressed
    assert lab.part_to_train("run", train=True, step=False) == {"start": None, "until": None}
    lab.begin("run", {"start": None, "until": None}, running="run")
    lab.progress("run", {"runs": {"LSTM": {"loss": np.ones(40)}}})
    lab.pause("run", detached.append)  # during the run: train it again up to the step reached
    assert detached == ["run"] and lab.part_to_train("run", False, False) == {"start": None, "until": 40}
    assert lab.part_to_train("run", False, False) is None  # asked once
    lab.finish("run", workers.frozen({"runs": {"LSTM": {"loss": np.ones(40)}}, "finished": True,
                                   "paused": {"LSTM": {"checkpoint": {"step": 40}, "snapshots": {}}}}))
    assert lab.paused_at("run") == 40 and not lab.complete("run")
    step = lab.part_to_train("run", train=False, step=True)
    assert step["until"] == 41 and step["start"]["LSTM"]["checkpoint"]["step"] == 40
    resume = lab.part_to_train("run", train=True, step=False)
    assert resume["until"] is None and resume["start"] is lab.paused("run")
    lab.begin("run", resume, running="run-40-1200")
    assert lab.paused_at("run") == 40  # still on screen until the first progress
    lab.stop("run", detached.append)
    assert detached[-1] == "run-40-1200" and lab.paused("run") is None
    lab.begin("other", {"start": None, "until": None}, running="other")
    assert lab.on_screen("run") is None  # one run kept per learner
    lab.fail("other")
    assert lab.on_screen("other") is None
