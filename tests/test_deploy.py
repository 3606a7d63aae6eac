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
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import REPO_ROOT, free_port, wait_whole_page
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


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, b""


def test_static_files_are_compressed_and_cached_for_a_year(proxy):
    status, _, page = _get(proxy["url"] + "/")
    assert status == 200
    scripts = re.findall(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert scripts, page[:500]
    status, headers, body = _get(f"{proxy['url']}/{scripts[0].decode()}", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    plain = _get(f"{proxy['url']}/{scripts[0].decode()}")[2]
    assert len(body) < 0.5 * len(plain)  # JavaScript compresses to about a third
    assert "max-age=31536000" in headers.get("cache-control", "")


def test_the_charts_plotly_js_is_compressed_and_cached_for_a_year(proxy):
    from ui.chart import PLOTLY_BUNDLE

    status, headers, body = _get(f"{proxy['url']}/app/static/{PLOTLY_BUNDLE}", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip", headers
    assert "javascript" in headers.get("content-type", "")
    assert len(body) < 0.5 * (REPO_ROOT / "static" / PLOTLY_BUNDLE).stat().st_size
    assert "max-age=31536000" in headers.get("cache-control", "")
    assert headers.get("x-content-type-options") == "nosniff"  # the server's own headers are kept


def test_no_framing_by_other_sites_and_no_public_metrics(proxy):
    status, headers, _ = _get(proxy["url"] + "/")
    assert "frame-ancestors 'self'" in headers.get("content-security-policy", "")
    assert headers.get("x-frame-options") == "SAMEORIGIN"
    assert _get(proxy["url"] + "/_stcore/metrics")[0] == 404
    assert _get(f"http://127.0.0.1:{proxy['ports'][0]}/_stcore/metrics")[0] == 200  # the app still serves it


def test_a_link_holding_a_1024_row_table_reloads_through_nginx(page, proxy):
    import numpy as np
    from ui import urlstate
    rng = np.random.default_rng(0)
    inputs = rng.integers(0, 10, size=(1024, 3)) / 4  # quarter steps: 3-4 characters a cell, like a real CSV
    targets = rng.integers(0, 2, size=(1024, 1)).astype(float)
    url = proxy["url"] + "/?" + urllib.parse.urlencode({"table": urlstate.format_table(inputs, targets)})
    assert len(url) > 12_000  # nginx's default 8 KB header buffers answered 414 Request-URI Too Large
    response = page.goto(url, timeout=90_000)  # a long link still opens (the template's buffers)
    tables = []
    for _ in range(2):  # the first load, then a reload of the link the page wrote
        assert response.status == 200
        page.wait_for_function("() => !!document.querySelector('.js-plotly-plot .main-svg')", timeout=90_000)
        wait_whole_page(page, 90_000)
        page.wait_for_function("() => location.search.includes('table=')", timeout=30_000)
        assert len(page.url) < 4096  # the page writes a link that fits: the table compressed or held
        tables.append(urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["table"])
        assert "link were ignored" not in page.inner_text("body")
        response = page.reload(timeout=90_000)
    assert tables[0] == tables[1]  # the same table after the reload, not the preset's


def test_serve_sh_stops_everything_on_sigterm(proxy):
    proc = proxy["proc"]
    children = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 4, children  # serve.sh, 2 apps, nginx master (+ workers)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not left, f"still running after SIGTERM: {left}"
