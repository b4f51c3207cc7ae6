"""One learner's training lab: Train, Pause, Step, Resume and Stop, as a state machine without
Streamlit (course/lab.py draws it; tests/test_lab_session.py drives it directly).

The runs themselves are shared by every session that asks for the same settings (ui/runs.py) and
frozen; what this learner did to one (stopped it, paused it at a step, its memo of evaluations)
lives here, in a dict of this session's own around the shared result.

    idle --Train--> training --finished--> complete
                       |  \\--Stop--> stopped (what was learned so far stays on screen)
                     Pause --> paused at step k --Step--> paused at k + 1
                                      |--Resume--> training from k --> complete
                                      \\--Stop--> stopped
"""

from ui import training


class LabSession:
    def __init__(self):
        self.results = {}  # run key -> this session's view of that run: {"runs", "finished", "paused", "memo"}
        self.running = None  # the part key being trained, which Pause and Stop detach from
        self.pause_asked = None  # the run key whose Pause was pressed, taken at the next page run

    def on_screen(self, key):
        return self.results.get(key)

    def paused(self, key):
        """{network: checkpoint and snapshots} while the run on screen is paused, else None."""
        return (self.results.get(key) or {}).get("paused")

    def paused_at(self, key):
        return training.paused_step(self.paused(key))

    def complete(self, key):
        run = self.results.get(key)
        return bool(run and run.get("finished") and not run.get("paused"))

    def pause(self, key, detach):
        """Pause pressed: leave the run; the next page run trains it again up to the step reached."""
        detach(self.running or key)
        self.pause_asked = key

    def stop(self, key, detach):
        """Stop pressed: leave the run and keep what was learned; a paused run ends at its pause."""
        detach(self.running or key)
        stopped = self.results.get(key)
        if stopped and stopped.get("paused"):
            self.results[key] = {**stopped, "paused": None, "finished": False}

    def part_to_train(self, key, train, step):
        """Which part of the run this page run trains ({"start", "until"} for runs.join_or_start), or None:
        Train (or Resume) goes on from the pause to the end, Step one step past it, and a Pause
        pressed during a run trains it again up to the step it had reached (deterministic, so
        shared and cached like any run)."""
        paused = self.paused(key)
        if train:
            return {"start": paused, "until": None}
        if step:
            return {"start": paused, "until": self.paused_at(key) + 1}
        asked, self.pause_asked = self.pause_asked, None
        run = self.results.get(key)
        if asked == key and run and not run.get("finished"):
            reached = min((len(r["loss"]) for r in run["runs"].values()), default=0)
            if reached:
                return {"start": None, "until": reached}
        return None

    def begin(self, key, part, running):
        """A part starts training: one run kept per learner (a finished run's arrays, a few hundred
        KB), the pause it goes on from kept on screen until the first progress."""
        earlier = self.results.get(key)
        self.results.clear()
        self.results[key] = earlier if part["start"] else {}
        self.running = running

    def progress(self, key, shown):
        self.results[key] = {"runs": shown["runs"], "finished": False}  # kept if this watcher stops

    def finish(self, key, result):
        """The shared, frozen result, in a dict of this session's own."""
        self.results[key] = dict(result)

    def fail(self, key):
        self.results.pop(key, None)

    def memo(self, key):
        """This session's evaluations of the run on screen, made once, not at every page run."""
        return self.results[key].setdefault("memo", {})
