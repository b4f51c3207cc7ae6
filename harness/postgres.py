"""A PostgreSQL server of its own for the tests and benchmarks: Debian's postgresql package
(initdb, pg_ctl) in a new temporary directory, listening on a Unix socket in it and nowhere
else, stopped and deleted afterwards. .ci/run installs the package."""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path


class Unavailable(RuntimeError):
    """No PostgreSQL here to start: the reason, in words."""


def _binaries():
    found = shutil.which("pg_ctl")
    candidates = [str(Path(found).resolve().parent)] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    raise Unavailable("PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)")


def _as_server_user():
    """PostgreSQL refuses to run as root: then as the package's postgres user."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no postgres user to run PostgreSQL as") from None
    return ["runuser", "-u", "postgres", "--"], user


@contextlib.contextmanager
def postgres_server():
    """Yield the URL of the new server's `postgres` database (superuser rnnviz, no password)."""
    binaries = _binaries()
    prefix, user = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="rnnviz-pg-"))
    data = folder / "data"
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    run = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        subprocess.run([*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "rnnviz",
                        "--no-sync"], **run)
        subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w",
                        "-o", f"-k {folder} -c listen_addresses='' -c fsync=off", "start"], **run)
        try:
            yield f"postgresql://rnnviz@/postgres?host={folder}"
        finally:
            subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           **run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_database(url):
    """A new, empty database on the server of `url`: its URL."""
    import psycopg

    name = "rnnviz_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return url.replace("/postgres?", f"/{name}?")


def main():
    """`python -m harness.postgres`: a server and a new database for deploy/run.sh --postgres;
    prints the database's URL, then runs until stopped (SIGTERM or Ctrl-C)."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the finally below stops the server
    with postgres_server() as url:
        print(new_database(url), flush=True)
        signal.pause()


if __name__ == "__main__":
    main()
