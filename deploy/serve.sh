#!/usr/bin/env bash
# Serve nnviz to a large class from one machine: N `streamlit run` processes behind nginx.
#
#   deploy/serve.sh [-n PROCESSES] [-p PUBLIC_PORT] [-b FIRST_APP_PORT] [-d WORKDIR]
#
# Defaults: one process per core, public port 8080, app ports 8501, 8502, ... on 127.0.0.1, a temporary
# working directory. Runs in the foreground; Ctrl-C or SIGTERM stops nginx and every app process.
# Needs nginx (Debian: apt-get install -y nginx) and the Python requirements (pip install -r requirements.txt).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PROCESSES="$(nproc 2>/dev/null || echo 2)"
LISTEN=8080
FIRST=8501
WORKDIR=""
while getopts "n:p:b:d:h" opt; do
    case "$opt" in
        n) PROCESSES="$OPTARG" ;;
        p) LISTEN="$OPTARG" ;;
        b) FIRST="$OPTARG" ;;
        d) WORKDIR="$OPTARG" ;;
        *) sed -n '2,9p' "$0"; exit 2 ;;
    esac
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx" >&2; exit 1; }
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
if [ -z "$WORKDIR" ]; then WORKDIR="$(mktemp -d -t nnviz-serve.XXXXXX)"; fi
mkdir -p "$WORKDIR"
chmod 755 "$WORKDIR"  # nginx workers (user nobody when started as root) write their temp files here

PIDS=()
NGINX_PID=""
stop() {
    trap - INT TERM EXIT
    echo "serve.sh: stopping" >&2
    if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}" $NGINX_PID; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# One BLAS thread per app process (one process per core already): a second thread only adds spikes.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
SERVERS=""
for ((i = 0; i < PROCESSES; i++)); do
    port=$((FIRST + i))
    (cd "$REPO" && exec "$PYTHON" -m streamlit run streamlit_app.py --server.headless true \
        --server.address 127.0.0.1 --server.port "$port" --browser.gatherUsageStats false \
        --server.fileWatcherType none) >"$WORKDIR/app-$port.log" 2>&1 &
    PIDS+=("$!")
    SERVERS+="        server 127.0.0.1:$port;"$'\n'
done

sed -e "s|@PREFIX@|$WORKDIR|g" -e "s|@LISTEN@|$LISTEN|g" "$HERE/nginx.conf.template" |
    awk -v servers="$SERVERS" '{ if ($0 == "@SERVERS@") printf "%s", servers; else print }' >"$WORKDIR/nginx.conf"

# Wait until every app process answers its health check.
for ((i = 0; i < PROCESSES; i++)); do
    port=$((FIRST + i))
    for _ in $(seq 1 300); do
        if "$PYTHON" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=2) as r:
    sys.exit(0 if r.read().strip() == b"ok" else 1)
PY
        kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "app on port $port exited:" >&2; cat "$WORKDIR/app-$port.log" >&2; exit 1; }
        sleep 0.2
    done
done

"$NGINX" -t -q -p "$WORKDIR" -e "$WORKDIR/error.log" -c "$WORKDIR/nginx.conf"
"$NGINX" -p "$WORKDIR" -e "$WORKDIR/error.log" -c "$WORKDIR/nginx.conf" -g "daemon off;" &
NGINX_PID=$!
echo "serve.sh: nnviz on http://0.0.0.0:$LISTEN/ ($PROCESSES app processes on ports $FIRST-$((FIRST + PROCESSES - 1)), logs in $WORKDIR)"
# Stop everything as soon as nginx or any app process ends.
wait -n "$NGINX_PID" "${PIDS[@]}" || true
echo "serve.sh: a process ended" >&2
exit 1
