"""A class of students on one server, simulated at the websocket level.

    python -m bench.load                       # 60 students, 5 minutes, a fresh local server
    python -m bench.load --students 10 --seconds 30
    python -m bench.load --url http://127.0.0.1:8080   # through deploy/ (nginx) instead

Each student opens a session on /_stcore/stream (subprotocol "streamlit"), loads a page,
then every few seconds moves one slider (a rerun_script BackMsg with the new widget
state) and reads ForwardMsgs until script_finished. One in ten students is on the
training lab and presses Train now and then. Prints p50/p95/max time from a change to
script_finished (slider reruns, reruns that had to train a page's short run first, and
lab trainings), errors, dropped sessions, /_stcore/health, and the server's memory
before (warmed up), during, and after the class has left. A benchmark, not a test: it
only prints figures.

    python -m bench.load --classes 2 --seconds 120   # a second class: does memory grow?

    python -m bench.load --follow-link --students 60   # the teacher's moment, below
    python -m bench.load --poll --students 60          # a class poll, below

--follow-link: "open this link, now press Train". One student first trains a run alone (the
solo time, the median of three seeds); then the class opens one link to the lab (another seed,
the same settings otherwise) within --window seconds, each pressing Train as soon as the page
is drawn. Prints first-open
p50/p95, the solo run, and the class's Train p50/p95 (one shared run: it should take about as
long as the solo one).

--poll: "open this link and answer the question", on every page with a Predict poll in turn. A
teacher opens a class poll; the class opens its link within --window seconds and each student
answers the page's first poll; then the teacher's page counts them. Prints open and answer
p50/p95 and the answers given, counted and lost (counted must equal given) per page.

    python -m bench.load --follow-link --cold --link vanishing --students 60 --window 10

    python -m bench.load --lecture --students 60    # a lecture, below

--lecture: a teacher presents the shipped deck and moves through its first 11 steps; the class
follows on its own devices and answers each poll and the concept check. Prints, per step and
overall, the time from the teacher's Next to the step drawn on each device (p50/p95/max), and
the answers given, counted and lost.

--cold: the class opens the link within --window seconds of the server answering its first
health check, with nothing warmed up: the first page drawn is the cold-start figure. The server
loads every module a page needs before it answers (app.py); the time from its command to that
answer is printed first.
"""

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ui import lesson

# page url path -> the live view a student moves there (its key) and its settings (values to pick
# from): a move reaches the server as the view's state when it ends, as a browser sends it
PAGES = {
    "vanishing": ("live.vanishing.vanishing", {"T": [20, 50, 80, 120, 200], "radius": [0.8, 0.9, 1.1, 1.5]}),
    "hidden-state": ("live.hidden.hidden", {"t": [1, 2, 3, 4], "scale": [0.5, 1.0, 2.0]}),
    "unrolled": ("live.unrolled.unrolled", {"back": [1, 3, 5, 8], "radius": [0.5, 1.0, 1.5]}),
    "gates": ("live.gates.cellstep", {"t": [1, 5, 10, 20], "unit": [1, 3, 5]}),
    "cliff": ("live.cliff.cliff", {"lr": [0.1, 0.2, 0.3], "c": [0.5, 1.0, 2.0]}),
}
LAB = "lab"
# Pages that train a short run for each new combination of these settings (then cached for
# everyone): a move to a combination no student has asked for yet starts a training.
TRAINS_ON = {"vanishing": ("T", "radius")}
DEFAULTS = {"T": 50, "radius": 0.9}


def combination(page, values):
    """The settings a page trains for (the cache key that matters), from a student's choices."""
    return (page,) + tuple(values.get(k, DEFAULTS[k]) for k in TRAINS_ON.get(page, ()))


def new_results(asked):
    """Where a class's figures are collected; `asked` is shared by every class on a server."""
    return {"rerun": [], "rerun that trained": [], "lab training": [], "errors": [],
            "asked": asked, "by page": {}, "health_ok": 0, "health_failed": 0, "memory": []}


class Student:
    def __init__(self, url, page, seed, results, query=""):
        self.ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
        self.origin = url
        self.page = page
        self.query = query
        self.random = random.Random(seed)
        self.results = results
        self.widgets = {}  # user key -> widget id, learned from the deltas
        self.values = {}  # setting -> the value this student last set
        self.sent = 0  # the live view's sequence number
        self.markdown = []  # the markdown the page drew (and its metrics, as "label: value"), latest last
        self.page_hash = ""  # the page the server last ran for this session (it may switch pages)
        self.fragments = {}  # a fragment that reruns itself: its interval -> its id

    async def run_script(self, ws, widget_states=(), fragment=None):
        """Send a rerun (of the page, or of one of its fragments, as the browser's timer does) and
        read until it has finished: the seconds it took."""
        message = BackMsg()
        message.rerun_script.page_name = self.page
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.query_string = self.query
        if fragment:
            message.rerun_script.fragment_id = fragment
            message.rerun_script.is_auto_rerun = True
        for state in widget_states:
            message.rerun_script.widget_states.widgets.append(state)
        start = time.perf_counter()
        await ws.send(message.SerializeToString())
        await self.read_run(ws)
        return time.perf_counter() - start

    async def read_run(self, ws, wait=300):
        """Read until a script run has finished (one this student asked for, or one the server
        started by itself); TimeoutError if nothing arrives within `wait` seconds."""
        raw = await asyncio.wait_for(ws.recv(), timeout=wait)
        started = False  # a status message can trail the last run: only a new run waits longer
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            started = started or kind == "new_session"
            if kind == "page_info_changed":  # the app changed the address (e.g. a room was opened)
                self.query = forward.page_info_changed.query_string
            if kind == "navigation":  # the app ran (or switched to) this page
                self.page_hash = forward.navigation.page_script_hash
                self.page = next((p.url_pathname for p in forward.navigation.app_pages
                                  if p.page_script_hash == self.page_hash), self.page)
            if kind == "auto_rerun":
                self.fragments[round(forward.auto_rerun.interval, 3)] = forward.auto_rerun.fragment_id
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                if element.WhichOneof("type") == "markdown":
                    self.markdown.append(element.markdown.body)
                if element.WhichOneof("type") == "metric":
                    self.markdown.append(f"{element.metric.label}: {element.metric.body}")
                widget = getattr(element, element.WhichOneof("type"))
                widget_id = getattr(widget, "id", "")
                if widget_id and "-" in widget_id:
                    self.widgets[widget_id.rsplit("-", 1)[-1]] = widget_id
            if kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return
            raw = await asyncio.wait_for(ws.recv(), timeout=300 if started else wait)

    def connect(self):
        """The browser's websocket to the app (a Streamlit session), to use with `async with`."""
        return websockets.connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=None)

    def widget_id(self, key):
        if key not in self.widgets:
            raise RuntimeError(f"the page drew no widget {key!r} (seen: {sorted(self.widgets)})")
        return self.widgets[key]

    def slider_change(self):
        """One move of a live view's control, ended: the view's state (its settings, numbered) as
        the browser sends it, and whether that starts a training."""
        view, choices = PAGES[self.page]
        name = self.random.choice(list(choices))
        self.values[name] = self.random.choice(choices[name])
        self.sent += 1
        state = BackMsg().rerun_script.widget_states.widgets.add()
        state.id = self.widget_id(view)
        state.json_value = json.dumps({"view": {"settings": self.values, "seq": self.sent}})
        asked = combination(self.page, self.values)
        trains = self.page in TRAINS_ON and asked not in self.results["asked"]
        self.results["asked"].add(asked)
        return [state], trains

    def train_click(self):
        return self.click("lab.train")

    def click(self, key):
        state = BackMsg().rerun_script.widget_states.widgets.add()
        state.id = self.widget_id(key)
        state.trigger_value = True
        return state

    def choose(self, key, option):
        state = BackMsg().rerun_script.widget_states.widgets.add()
        state.id = self.widget_id(key)
        state.string_value = option  # a radio sends the option it shows
        return state

    async def attend(self, until):
        try:
            async with self.connect() as ws:
                await self.run_script(ws)
                while time.monotonic() < until:
                    await asyncio.sleep(self.random.uniform(2.0, 5.0))  # a student thinking
                    if self.page == LAB:
                        elapsed = await self.run_script(ws, [self.train_click()])
                        self.results["lab training"].append(elapsed)
                    else:
                        changes, trains = self.slider_change()
                        elapsed = await self.run_script(ws, changes)
                        self.results["rerun that trained" if trains else "rerun"].append(elapsed)
                        self.results["by page"].setdefault(self.page, []).append(elapsed)
        except Exception as error:  # noqa: BLE001 - every failure is a figure to report
            self.results["errors"].append(f"{self.page}: {type(error).__name__}: {error}")


def memory_mb(pid):
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def watch_health(url, until, results, pid):
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                results["health_ok"] += response.status == 200
        except OSError:
            results["health_failed"] += 1
        results["memory"].append(memory_mb(pid))
        await asyncio.sleep(1.0)


async def simulate(url, students, seconds, pid, lab_every, asked):
    results = new_results(asked)
    until = time.monotonic() + seconds
    pages = list(PAGES)
    crowd = [Student(url, LAB if lab_every and k % lab_every == lab_every - 1
                     else pages[k % len(pages)], k, results)
             for k in range(students)]
    tasks = [asyncio.create_task(s.attend(until)) for s in crowd]
    tasks.append(asyncio.create_task(watch_health(url, until, results, pid)))
    await asyncio.gather(*tasks)
    return results


def percentile(values, q):
    """Within the values seen (the default "exclusive" method extrapolates past the largest)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) >= 2 else float("nan")


def report(results, before, after):
    print(f"{'change -> script_finished':<34} {'n':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name in ("rerun", "rerun that trained", "lab training"):
        values = results[name]
        if values:
            print(f"{name:<34} {len(values):>6} "
                  f"{statistics.median(values):>7.2f} {percentile(values, 95):>7.2f} {max(values):>7.2f}")
    for page, values in sorted(results["by page"].items()):
        print(f"{'  slider reruns on ' + page:<34} {len(values):>6} {statistics.median(values):>7.2f} "
              f"{percentile(values, 95):>7.2f} {max(values):>7.2f}")
    print(f"errors / dropped sessions: {len(results['errors'])}")
    for error in results["errors"][:5]:
        print("   ", error)
    print(f"/_stcore/health: {results['health_ok']} answered, {results['health_failed']} failed")
    during = [m for m in results["memory"] if m == m]
    if during:
        print(f"server memory MB: before {before:.0f}, during max {max(during):.0f}, after {after:.0f}")
    else:
        print("server memory: not measured (a server started elsewhere)")


async def follow_link(url, students, window, query, page=LAB):
    """The class opens one link within `window` seconds and, on the lab, presses Train at once."""
    results = {"open": [], "train": [], "errors": []}

    async def student(k):
        pupil = Student(url, page, k, results, query)
        await asyncio.sleep(pupil.random.uniform(0, window))
        try:
            async with pupil.connect() as ws:
                results["open"].append(await pupil.run_script(ws))
                if page == LAB:
                    results["train"].append(await pupil.run_script(ws, [pupil.train_click()]))
        except Exception as error:  # noqa: BLE001 - every failure is a figure to report
            results["errors"].append(f"{type(error).__name__}: {error}")

    await asyncio.gather(*(student(k) for k in range(students)))
    return results


async def solo_run(url, query):
    pupil = Student(url, LAB, 0, new_results(set()), query)
    async with pupil.connect() as ws:
        await pupil.run_script(ws)
        return await pupil.run_script(ws, [pupil.train_click()])


POLL_PAGES = {"hidden-state": "hidden_state", "unrolled": "unrolled", "vanishing": "vanishing",
              "gates": "gates", "lab": "lab", "cliff": "cliff"}  # url path -> its lesson


async def class_poll(url, students, window, page):
    """A teacher opens a class poll on `page`; the class opens its link within `window` s and
    answers the page's first Predict poll; then the teacher's page counts them."""
    poll = lesson.polls(lesson.load(POLL_PAGES[page]))[0]  # its radio's key: poll.answer.<id>
    results = {"open": [], "answer": [], "errors": [], "given": 0}
    teacher = Student(url, page, 0, results)
    async with teacher.connect() as ws:
        await teacher.run_script(ws)
        await teacher.run_script(ws, [teacher.click("poll.start")])
        room = parse_qs(teacher.query)["room"][0]

        async def student(k):
            pupil = Student(url, page, k + 1, results, f"room={room}")
            await asyncio.sleep(pupil.random.uniform(0, window))
            try:
                async with pupil.connect() as pupil_ws:
                    results["open"].append(await pupil.run_script(pupil_ws))
                    answer = pupil.choose(f"poll.answer.{poll.id}", pupil.random.choice(poll.choices))
                    results["answer"].append(await pupil.run_script(pupil_ws, [answer]))
                    results["given"] += 1
            except Exception as error:  # noqa: BLE001 - every failure is a figure to report
                results["errors"].append(f"{type(error).__name__}: {error}")

        await asyncio.gather(*(student(k) for k in range(students)))
        teacher.markdown.clear()
        await teacher.run_script(ws)
    said = next((m for m in teacher.markdown if "answered" in m), "")
    counted = re.search(r"\*\*(\d+)\*\*", said)
    results["counted"] = int(counted.group(1)) if counted else 0
    return results


def run_poll(url, args):
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'page':<13} {'open p50/p95 s':>15} {'answer p50/p95 s':>17} {'given':>6} {'counted':>8} "
          f"{'lost':>5} {'errors':>7}")
    for page in POLL_PAGES:
        results = asyncio.run(class_poll(url, args.students, args.window, page))
        timing = [f"{statistics.median(v):.2f}/{percentile(v, 95):.2f}" if v else "-"
                  for v in (results["open"], results["answer"])]
        print(f"{page:<13} {timing[0]:>15} {timing[1]:>17} {results['given']:>6} {results['counted']:>8} "
              f"{results['given'] - results['counted']:>5} {len(results['errors']):>7}", flush=True)
        for error in results["errors"][:3]:
            print("   ", error)


def run_follow_link(url, args):
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not args.cold:
        asyncio.run(warm_up(url, set()))
    if args.link:  # another page's link: first open only
        page, _, query = args.link.partition("?")
        results = asyncio.run(follow_link(url, args.students, args.window, query, page))
        print(f"first page drawn, {args.link}: n {len(results['open'])}, p50 "
              f"{statistics.median(results['open']):.2f} s, p95 {percentile(results['open'], 95):.2f} s, "
              f"max {max(results['open']):.2f} s; errors {len(results['errors'])}")
        return
    # the solo time varies from run to run on a shared machine (4.9 to 7.2 s seen for the same
    # work): the median of three, each with its own seed so none is served from the cache
    solos = [asyncio.run(solo_run(url, f"seed={seed}")) for seed in (101, 103, 105)]
    solo = statistics.median(solos)
    results = asyncio.run(follow_link(url, args.students, args.window, "seed=102"))
    print(f"{'':<28} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name, values in (("first page drawn", results["open"]), ("Train -> trained", results["train"])):
        if values:
            print(f"{name:<28} {len(values):>4} {statistics.median(values):>7.2f} "
                  f"{percentile(values, 95):>7.2f} {max(values):>7.2f}")
    print(f"solo run (one student, its own seed), median of three: {solo:.2f} s "
          f"({', '.join(f'{v:.2f}' for v in solos)})")
    if results["train"]:
        print(f"class Train p95 / solo run: {percentile(results['train'], 95) / solo:.2f}")
    print(f"errors / dropped sessions: {len(results['errors'])}")
    for error in results["errors"][:5]:
        print("   ", error)


LECTURE_STEPS = 10  # the teacher's moves: steps 1 to 11 of the shipped deck


async def lecture(url, students, pause):
    """A teacher presents the shipped deck to a room and moves LECTURE_STEPS times; the class opens
    the room's link and follows: each device waits for the server to rerun its page, and asks
    itself when the page's slow watch fragment says so (as the browser's timer does). On a poll step every
    student answers the page's first poll, on a check step sends the concept check; the teacher's
    page counts them before moving on, `pause` seconds after the last device arrived."""
    from ui import concept_check, deck
    from ui.lecture_view import WATCH_SECONDS

    steps = deck.parse((deck.DECKS / "one_lecture.deck").read_text()).steps[:LECTURE_STEPS + 1]
    results = {"follow": [], "given": 0, "counted": 0, "errors": [], "by step": {}}
    moved = {}  # step number -> when the teacher pressed Next
    arrived = {number: set() for number in range(1, len(steps) + 1)}
    answered = {number: set() for number in range(1, len(steps) + 1)}
    finished = asyncio.Event()
    teacher = Student(url, "", 0, results)

    async def follower(k, room):
        pupil = Student(url, "", k + 1, results, f"room={room}")
        await asyncio.sleep(pupil.random.uniform(0, 5))
        try:
            async with pupil.connect() as ws:
                await pupil.run_script(ws)
                while not finished.is_set():
                    number = _step_drawn(pupil.markdown)
                    if number and k not in arrived[number]:
                        arrived[number].add(k)
                        if number in moved:
                            delay = time.perf_counter() - moved[number]
                            results["follow"].append(delay)
                            results["by step"].setdefault(number, []).append(delay)
                        await asyncio.sleep(pupil.random.uniform(0.5, 3))  # reading, thinking
                        pupil.markdown.clear()
                        await _answer_step(pupil, ws, steps[number - 1], concept_check)
                        answered[number].add(k)
                        results["given"] += bool(steps[number - 1].polls or steps[number - 1].page == "check")
                    pupil.markdown.clear()
                    try:
                        await pupil.read_run(ws, wait=WATCH_SECONDS)  # the server reruns the page itself
                    except TimeoutError:
                        await pupil.run_script(ws, fragment=pupil.fragments.get(WATCH_SECONDS))
        except Exception as error:  # noqa: BLE001 - every failure is a figure to report
            results["errors"].append(f"student {k}: {type(error).__name__}: {error}")

    async with teacher.connect() as ws:
        await teacher.run_script(ws)
        await teacher.run_script(ws, [teacher.click("poll.start")])
        room = parse_qs(teacher.query)["room"][0]
        await teacher.run_script(ws, [teacher.click("deck.present")])
        class_ = [asyncio.create_task(follower(k, room)) for k in range(students)]
        for number, step in enumerate(steps, start=1):
            deadline = time.monotonic() + 60
            while len(answered[number]) < students and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            if step.polls or step.page == "check":
                teacher.markdown.clear()
                await teacher.run_script(ws)
                results["counted"] += _count_shown(teacher.markdown)
            if number == len(steps):
                break
            await asyncio.sleep(pause)
            teacher.widgets.clear()
            await teacher.run_script(ws)  # the page as it is now: its Next button's id
            moved[number + 1] = time.perf_counter()
            await teacher.run_script(ws, [teacher.click("deck.next")])
        finished.set()
        await asyncio.gather(*class_)
    results["arrived"] = {number: len(devices) for number, devices in arrived.items()}
    return results


def _step_drawn(markdown):
    """The step a page's bar says it shows ("Following your teacher: step 3 of 14: ..."), if any."""
    for text in reversed(markdown):
        found = re.match(r"Following your teacher: step (\d+) of", text)
        if found:
            return int(found.group(1))
    return None


async def _answer_step(pupil, ws, step, concept_check):
    """A poll step: the page's first poll, a random answer; a check step: the ten questions."""
    if step.page == "check" and step.query and dict(step.query).get("phase") in concept_check.PHASES:
        phase = dict(step.query)["phase"]
        states = []
        for number, question in enumerate(concept_check.questions(), start=1):
            states.append(pupil.choose(f"check.{phase}.{number}", pupil.random.choice(question.answers)[0]))
        states.append(pupil.click("check.send"))
        await pupil.run_script(ws, states)
    elif step.polls and not step.polls[0].startswith("quiz"):
        poll = lesson.class_poll(POLL_PAGES[step.page], step.polls[0])
        await pupil.run_script(ws, [pupil.choose(f"poll.answer.{poll.id}", pupil.random.choice(poll.choices))])


def _count_shown(markdown):
    """What the teacher's page counts: a poll's "**N** students have answered", the check's metric."""
    for text in markdown:
        found = re.search(r"\*\*(\d+)\*\* students? ha(?:s|ve) answered|sent their answers: (\d+)", text)
        if found:
            return int(found.group(1) or found.group(2))
    return 0


def run_lecture(url, args):
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    results = asyncio.run(lecture(url, args.students, args.pause))
    follow = results["follow"]
    print(f"{args.students} students, {LECTURE_STEPS} moves of the shipped deck")
    print(f"{'step':>5} {'devices':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for number, delays in sorted(results["by step"].items()):
        print(f"{number:>5} {len(delays):>8} {statistics.median(delays):>7.2f} {percentile(delays, 95):>7.2f} "
              f"{max(delays):>7.2f}")
    if follow:
        print(f"every step on every device, teacher's Next -> the step drawn: n {len(follow)}, p50 "
              f"{statistics.median(follow):.2f} s, p95 {percentile(follow, 95):.2f} s, max {max(follow):.2f} s")
    print(f"answers given {results['given']}, counted by the teacher's page {results['counted']}, "
          f"lost {results['given'] - results['counted']}; errors {len(results['errors'])}")
    for error in results["errors"][:5]:
        print("   ", error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--url", help="an already running server (default: start one here)")
    parser.add_argument("--classes", type=int, default=1,
                        help="classes one after another on the same server (2: does memory keep growing?)")
    parser.add_argument("--settle", type=float, default=150,
                        help="seconds to wait after the class leaves before measuring memory")
    parser.add_argument("--lab-every", type=int, default=10,
                        help="one student in this many is on the training lab (0: none)")
    parser.add_argument("--follow-link", action="store_true",
                        help="the class opens one link and presses Train (see above)")
    parser.add_argument("--window", type=float, default=10, help="--follow-link: seconds to arrive in")
    parser.add_argument("--link", help="--follow-link to another page, e.g. 'vanishing?T=120&radius=1.1'")
    parser.add_argument("--poll", action="store_true", help="the class answers a poll (see above)")
    parser.add_argument("--lecture", action="store_true", help="the class follows a deck (see above)")
    parser.add_argument("--pause", type=float, default=3,
                        help="--lecture: seconds the teacher waits on a step once every device is there")
    parser.add_argument("--cold", action="store_true",
                        help="--follow-link --link: the class arrives as the server has just started")
    args = parser.parse_args()

    def scenario(url, pid):
        if args.poll:
            run_poll(url, args)
        elif args.lecture:
            run_lecture(url, args)
        elif args.follow_link:
            run_follow_link(url, args)
        else:
            run(url, args, pid=pid)

    if args.url:
        scenario(args.url, None)
        return
    from harness.server import streamlit_server

    launched = time.monotonic()
    with streamlit_server(return_process=True) as (url, process):
        # the server loads the pages' modules before it answers (app.py): part of a cold start
        print(f"server answered {time.monotonic() - launched:.2f} s after its command was run")
        scenario(url, process.pid)


async def warm_up(url, asked):
    """One visit to every page and one lab training first, so 'before' is a server that has
    loaded its code (the first training alone imports ~70 MB of torch.optim machinery)."""
    scratch = new_results(asked)
    for page in PAGES:
        await Student(url, page, 0, scratch).attend(until=0)
        if page in TRAINS_ON:  # opening the page trained its default settings
            asked.add(combination(page, {}))
    student = Student(url, LAB, 0, scratch)
    async with student.connect() as ws:
        await student.run_script(ws)
        await student.run_script(ws, [student.train_click()])


def run(url, args, pid):
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    asked = set()  # the combinations the server has trained (and cached) so far
    asyncio.run(warm_up(url, asked))
    before = memory_mb(pid)
    for number in range(args.classes):
        if number:
            print(f"\n--- class {number + 1} on the same server")
        results = asyncio.run(simulate(url, args.students, args.seconds, pid, args.lab_every, asked))
        # Streamlit keeps a closed session for server.disconnectedSessionTTL (120 s) so a
        # student whose wifi drops gets it back; memory is "after" once those have expired.
        time.sleep(args.settle)
        report(results, before, memory_mb(pid))


if __name__ == "__main__":
    main()
