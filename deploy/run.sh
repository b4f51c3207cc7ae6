#!/usr/bin/env bash
# Start one Dask scheduler with its training workers, N Streamlit workers connected to it
# (RNNVIZ_SCHEDULER), and nginx in front of them, all on loopback; then (with --load) run
# bench/load.py through nginx. Needs Debian's nginx (apt-get install nginx). One scheduler
# is what makes a run shared by the whole class: every Streamlit worker asking for the same
# settings gets the same task.
#
#   deploy/run.sh                 # 2 workers + nginx on http://127.0.0.1:8080, until Ctrl-C
#   deploy/run.sh --load 60 300   # ... and 60 simulated students for 300 s through it
#   deploy/run.sh --poll 60       # ... and a class poll of 60 students through it
#   deploy/run.sh --lecture 60    # ... and 60 students following a deck through it
#   deploy/run.sh --postgres ...  # the polls on a PostgreSQL of its own (python -m harness.postgres),
#                                 # as several boxes share one; else RNNVIZ_POLLS as set, or SQLite
set -euo pipefail
cd "$(dirname "$0")/.."

postgres=
if [ "${1:-}" = "--postgres" ]; then
    postgres=1
    shift
fi

WORKERS=${WORKERS:-2}
PORT=${PORT:-8080}
FIRST_WORKER_PORT=${FIRST_WORKER_PORT:-8601}
RUNDIR=$(mktemp -d)
pids=()

cleanup() {
    [ -f "$RUNDIR/nginx.pid" ] && kill "$(cat "$RUNDIR/nginx.pid")" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap "exit 143" INT TERM  # so that Ctrl-C or a kill also runs cleanup

if [ -n "$postgres" ]; then
    mkfifo "$RUNDIR/postgres-url"
    python -m harness.postgres > "$RUNDIR/postgres-url" 2> "$RUNDIR/postgres.log" &
    pids+=($!)
    read -r RNNVIZ_POLLS < "$RUNDIR/postgres-url"
    export RNNVIZ_POLLS
    echo "polls on PostgreSQL: $RNNVIZ_POLLS"
fi

SCHEDULER_PORT=${SCHEDULER_PORT:-8786}
TRAINING_WORKERS=${TRAINING_WORKERS:-$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))}
export RNNVIZ_SCHEDULER="tcp://127.0.0.1:$SCHEDULER_PORT"
# the scheduler and the training workers import ui/ and rnnviz/ from here (the tasks name
# functions there); the workers run one thread each and the portable kernels
# (rnnviz/reproducible.py), like the app's own local cluster, so every box trains alike
PYTHONPATH=$PWD dask scheduler --host 127.0.0.1 --port "$SCHEDULER_PORT" --no-dashboard \
    > "$RUNDIR/scheduler.log" 2>&1 &
pids+=($!)
PORTABLE=$(python -c 'from rnnviz.reproducible import ENV; print(*(f"{k}={v}" for k, v in ENV.items()))')
env $PORTABLE PYTHONPATH=$PWD OMP_NUM_THREADS=1 dask worker "$RNNVIZ_SCHEDULER" --nworkers "$TRAINING_WORKERS" \
    --nthreads 1 --host 127.0.0.1 --no-dashboard --memory-limit 0 > "$RUNDIR/workers.log" 2>&1 &
pids+=($!)

upstreams=""
for ((i = 0; i < WORKERS; i++)); do
    port=$((FIRST_WORKER_PORT + i))
    OMP_NUM_THREADS=1 python -m streamlit run app.py --server.port "$port" \
        --server.address 127.0.0.1 --server.headless true > "$RUNDIR/worker-$port.log" 2>&1 &
    pids+=($!)
    upstreams+="        server 127.0.0.1:$port;"$'\n'
done
for ((i = 0; i < WORKERS; i++)); do
    port=$((FIRST_WORKER_PORT + i))
    for _ in $(seq 120); do
        curl -sf "http://127.0.0.1:$port/_stcore/health" > /dev/null && break
        sleep 0.5
    done
done

mkdir -p "$RUNDIR"/{body,proxy,fastcgi,uwsgi,scgi}
python - "$RUNDIR" "$PORT" "$upstreams" <<'PY'
import sys
from pathlib import Path
rundir, port, upstreams = sys.argv[1:]
conf = Path("deploy/nginx.conf").read_text()
conf = conf.replace("__RUNDIR__", rundir).replace("__PORT__", port).replace("__UPSTREAMS__\n", upstreams)
Path(rundir, "nginx.conf").write_text(conf)
PY
nginx -c "$RUNDIR/nginx.conf"
curl -sf "http://127.0.0.1:$PORT/_stcore/health" > /dev/null
echo "rnnviz on http://127.0.0.1:$PORT ($WORKERS workers)"

if [ "${1:-}" = "--load" ]; then
    python -m bench.load --url "http://127.0.0.1:$PORT" --students "${2:-60}" --seconds "${3:-300}"
elif [ "${1:-}" = "--poll" ]; then
    python -m bench.load --url "http://127.0.0.1:$PORT" --poll --students "${2:-60}"
elif [ "${1:-}" = "--lecture" ]; then
    python -m bench.load --url "http://127.0.0.1:$PORT" --lecture --students "${2:-60}"
else
    wait "${pids[0]}"
fi
