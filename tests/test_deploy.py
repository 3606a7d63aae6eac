"""deploy/serve.sh for real: two app processes behind Debian's nginx on 127.0.0.1, and 10 browsers through it.

Checks that each visitor sees only its own table (as in test_load.py), that every visitor's requests stick to
one app process while the visitors spread over both, and that serve.sh stops everything on SIGTERM.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import REPO_ROOT, free_port
from loaddriver import many_visitors

pytestmark = pytest.mark.browser

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SERVE = REPO_ROOT / "deploy" / "serve.sh"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def proxy():
    if not os.access(NGINX, os.X_OK):
        if _in_ci():
            pytest.fail(f"CI=true but nginx is missing ({NGINX}): .ci/run installs it", pytrace=False)
        pytest.skip("nginx not installed (apt-get install -y nginx); set CI=true to make this a failure")
    workdir = Path(tempfile.mkdtemp(prefix="nnviz-deploy-"))
    listen, first = free_port(), free_port()
    second = first + 1
    log = open(workdir / "serve.log", "wb")
    proc = subprocess.Popen([str(SERVE), "-n", "2", "-p", str(listen), "-b", str(first), "-d", str(workdir)],
                            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve.sh exited {proc.returncode}:\n{(workdir / 'serve.log').read_text()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no answer through nginx:\n{(workdir / 'serve.log').read_text()}", pytrace=False)
            time.sleep(0.3)
        yield {"url": base, "workdir": workdir, "proc": proc, "ports": (first, second)}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group serve.sh leads (started in its own session)
                proc.wait(timeout=10)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def test_ten_visitors_through_nginx_sticky_and_spread(browser, proxy):
    figures = many_visitors(browser, proxy["url"], 10)
    print(f"\nthrough nginx, 2 app processes: 10 sessions loaded in {figures['load_s']:.1f} s; changes answered in "
          f"median {sorted(figures['change_s'])[5]:.2f} s, slowest {max(figures['change_s']):.2f} s")
    # Every route key (one per browser) reached exactly one app process; the keys spread over both.
    # (nginx logs a websocket when it closes: wait a little for the last ones)
    deadline = time.monotonic() + 15
    while True:
        upstreams = defaultdict(set)
        for line in (proxy["workdir"] / "access.log").read_text().splitlines():
            m = re.search(r'"GET /_stcore/stream[^"]*" (\d+) .*route=(\S+) upstream=(\S+)', line)
            if m:
                upstreams[m.group(2)].add(m.group(3))
        if len(upstreams) >= 10 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(upstreams) >= 10, upstreams
    assert all(len(u) == 1 for u in upstreams.values()), upstreams
    used = set().union(*upstreams.values())
    assert {f"127.0.0.1:{p}" for p in proxy["ports"]} == used, used


def test_serve_sh_stops_everything_on_sigterm(proxy):
    proc = proxy["proc"]
    children = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 4, children  # serve.sh, 2 apps, nginx master (+ workers)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not left, f"still running after SIGTERM: {left}"
