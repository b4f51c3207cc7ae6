"""A Streamlit worker killed during a class poll, and the poll's server restarted.

    python -m bench.faults                 # 8 students in Chromium, 2 workers behind nginx
    python -m bench.faults --students 12

Starts deploy/run.sh --postgres (a Dask scheduler and its training workers, 2 Streamlit workers,
nginx on a free loopback port, the polls on a PostgreSQL of its own; needs Debian's nginx and
postgresql). A teacher opens a class poll on the vanishing page and the students, each in their
own Chromium context, open its link and answer. Then one Streamlit worker is killed: every
student whose websocket was on it reconnects through nginx to the other; the benchmark prints how
long until each student's page shows their own answer again, and whether the teacher's count
still holds every answer. Then the other worker is killed and restarted (the app restarted
mid-poll): the answers and the count survive it. A benchmark, not a test: it prints figures.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import time
from pathlib import Path

from harness.server import chromium, free_port, wait_for_app

ROOT = Path(__file__).resolve().parents[1]
MINE = "yours among them"


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


def counted(teacher):
    said = teacher.get_by_text(re.compile(r"answered so far")).first.inner_text()
    return int(re.search(r"(\d+) answered", said).group(1))


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
            room = re.search(r"room=([A-Z0-9]+)", teacher.url).group(1)
            students, sockets = [], {}
            for k in range(args.students):
                student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
                sockets[k] = []
                student.on("websocket", sockets[k].append)
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
                os.kill(worker_pid(port), signal.SIGKILL)
                killed = time.monotonic()
                if what.startswith("the other"):  # started again as deploy/run.sh starts it
                    subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "streamlit", "run", "app.py",
                                      "--server.port", str(port), "--server.address", "127.0.0.1",
                                      "--server.headless", "true"], cwd=ROOT, env=dict(os.environ),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
                time.sleep(3)  # a benchmark: time for each browser to see its socket close
                back, kept, moved = [], 0, 0
                for k, student in enumerate(students):  # each browser reconnects by itself, none reloaded
                    if not sockets[k][-1].is_closed():
                        kept += student.get_by_text(MINE).count() >= 1  # it was on the other worker
                        continue
                    moved += 1
                    before = len(sockets[k])
                    while len(sockets[k]) == before or sockets[k][-1].is_closed():
                        student.wait_for_timeout(100)
                        assert time.monotonic() - killed < 120, "a student never reconnected"
                    wait_for_app(student)
                    student.get_by_text(MINE).first.wait_for(timeout=30_000)
                    back.append(time.monotonic() - killed)
                    kept += 1
                teacher.reload()
                wait_for_app(teacher)
                times = (f"the last {max(back):.1f} s after the kill (median {statistics.median(back):.1f} s)"
                         if back else "none had to")
                print(f"{what}: {moved} students reconnected to a live worker, {times}; {kept} of "
                      f"{len(students)} see their own answer; the teacher's page counts {counted(teacher)}")
    finally:
        os.killpg(deploy.pid, signal.SIGTERM)
        deploy.wait(timeout=30)
        subprocess.run(["pkill", "-f", f"streamlit run app.py --server.port {ports[1]} "])


if __name__ == "__main__":
    main()
