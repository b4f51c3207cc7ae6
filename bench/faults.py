"""A Streamlit worker killed during a class poll, and the poll's server restarted.

    python -m bench.faults                 # 8 students in Chromium, 2 workers behind nginx
    python -m bench.faults --students 12

Starts deploy/run.sh --postgres (a Dask scheduler and its training workers, 2 Streamlit workers,
nginx on a free loopback port, the polls on a PostgreSQL of its own; needs Debian's nginx and
postgresql). A teacher opens a class poll on the vanishing page and the students, each in their
own Chromium context, open its link and answer. Then one Streamlit worker is killed: every
student whose websocket was on it reconnects through nginx to the other, without a reload; the
benchmark prints how many moved and how long after the kill their pages connected again, how many
pages still mark the student's own answer as theirs, and whether the teacher's count still holds
every answer. Then the other worker is killed and started again (the app restarted mid-poll), and
the same is printed. A benchmark, not a test: it prints figures.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from harness.server import chromium, free_port, wait_for_app

ROOT = Path(__file__).resolve().parents[1]
MINE = "yours among them"
COUNT = re.compile(r"^\d+ (answered so far|students? ha(s|ve) answered)")


def start_deploy():
    """deploy/run.sh --postgres on free ports: (the process, nginx's URL, the workers' ports)."""
    ports = {"PORT": free_port(), "SCHEDULER_PORT": free_port()}
    first = free_port()
    ports["FIRST_WORKER_PORT"] = first
    env = dict(os.environ, **{k: str(v) for k, v in ports.items()},
               PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
    process = subprocess.Popen(["bash", "deploy/run.sh", "--postgres"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    for line in process.stdout:
        print("   ", line.rstrip(), flush=True)
        if line.startswith("rnnviz on "):
            return process, line.split()[2], [first, first + 1]
    raise RuntimeError("deploy/run.sh did not start")


def worker_pid(port):
    found = subprocess.run(["pgrep", "-f", f"streamlit run app.py --server.port {port} "],
                           capture_output=True, text=True).stdout.split()
    return int(found[0])


def _stamped(socket):
    socket.opened_at = time.monotonic()  # when this browser's page connected (again)
    return socket


def counted(teacher):
    """The teacher's count (or, in the moment before the browser has handed back the teacher's
    right, the count any page shows)."""
    said = teacher.get_by_text(COUNT).first.inner_text()
    return int(re.search(r"\d+", said).group())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=8)
    args = parser.parse_args()
    deploy, url, ports = start_deploy()
    try:
        with chromium() as browser:
            teacher = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            teacher.goto(f"{url}/vanishing")
            wait_for_app(teacher)
            teacher.get_by_role("button", name="Start a class poll").click()
            teacher.wait_for_url("**room=*")
            wait_for_app(teacher)
            room = re.search(r"room=([^&]+)", teacher.url).group(1)
            students, sockets = [], {}
            for k in range(args.students):
                student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
                sockets[k] = []
                student.on("websocket", lambda socket, seen=sockets[k]: seen.append(_stamped(socket)))
                student.goto(f"{url}/vanishing?room={room}")
                wait_for_app(student)
                student.get_by_role("radiogroup").first.get_by_role("radio").first.check(force=True)
                student.get_by_text(MINE).first.wait_for(timeout=30_000)
                students.append(student)
            teacher.reload()
            wait_for_app(teacher)
            print(f"{len(students)} students answered; the teacher's page counts {counted(teacher)}")

            for what, port in (("one of the two Streamlit workers killed", ports[0]),
                               ("the other killed and the app restarted mid-poll", ports[1])):
                pid = worker_pid(port)
                environment = dict(v.split("=", 1) for v in Path(f"/proc/{pid}/environ").read_text().split("\0") if v)
                opened = [len(sockets[k]) for k in range(len(students))]
                os.kill(pid, signal.SIGKILL)
                killed = time.monotonic()
                if what.startswith("the other"):  # started again as deploy/run.sh started it
                    subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "streamlit", "run", "app.py",
                                      "--server.port", str(port), "--server.address", "127.0.0.1",
                                      "--server.headless", "true"], cwd=ROOT, env=environment,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
                teacher.wait_for_timeout(3000)  # each browser sees its socket close (and Playwright hears it)
                back, marked, moved = [], 0, 0
                for k, student in enumerate(students):  # each browser reconnects by itself, none reloaded
                    if len(sockets[k]) == opened[k] and not sockets[k][-1].is_closed():
                        marked += student.get_by_text(MINE).count() >= 1  # it was on the other worker
                        continue
                    moved += 1
                    while len(sockets[k]) == opened[k] or sockets[k][-1].is_closed():
                        student.wait_for_timeout(100)
                        assert time.monotonic() - killed < 120, "a student never reconnected"
                    wait_for_app(student)
                    back.append(sockets[k][-1].opened_at - killed)
                    try:
                        student.get_by_text(MINE).first.wait_for(timeout=30_000)
                        marked += 1
                    except PlaywrightTimeout:
                        pass  # reported below: the answer is counted, the page does not mark it as theirs
                teacher.reload()
                wait_for_app(teacher)
                times = (f"the last {max(back):.1f} s after the kill (median {statistics.median(back):.1f} s)"
                         if back else "none had to")
                print(f"{what}: {moved} students reconnected to a live worker, {times}; {marked} of "
                      f"{len(students)} see their own answer marked as theirs; the teacher's page counts "
                      f"{counted(teacher)}")
    finally:
        os.killpg(deploy.pid, signal.SIGTERM)
        deploy.wait(timeout=30)
        subprocess.run(["pkill", "-f", f"streamlit run app.py --server.port {ports[1]} "])


if __name__ == "__main__":
    main()
