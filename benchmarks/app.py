"""Browser benchmark of the Streamlit app (a script, not a test).

    python benchmarks/app.py [--changes 15] [--sessions 1]

Spawns `streamlit run streamlit_app.py` on a free port, drives Debian's headless chromium with Playwright and
prints:
  * cold start: server spawn -> first training_view chart drawn (W1 heatmap present);
  * reruns: "Hidden width" slider change -> training_view chart redrawn with the new shape (median, p95), and
    -> script idle again;
  * bytes: websocket payload received for the default page, per rerun, and the size of the main chart's spec.
Targets: rerun median <= 0.5 s; default page charts <= 300 KB.

`--load` measures many visitors instead (tests/loaddriver.py's websocket visitors, which speak Streamlit's own
protocol, so 20 sessions do not need 20 browsers on 2 cores): with 1, 10 and 20 sessions at once, each changing
seed and hidden width as fast as it is answered, the time from a change to the updated main chart received
(median, p95), and to the script finished, and the server's CPU time per change (every thread, from /proc).
Targets (one 2-core server process): median <= 0.5 s alone, <= 0.75 s with 10 sessions, <= 1.5 s with 20.

`--reruns` (also part of the default run, first) measures the server's side of a rerun in this process, with
Streamlit's AppTest, interleaved with the tutorial's own training loop (tests/tutorial_reference.py) so the
figures are ratios: a rerun that trains a new run (a new seed) and one where nothing changed (the same
settings), both the whole AppTest run and the script's own run within it (what a server spends; AppTest adds
its own parsing of the page). Targets: a new run at most 3x the tutorial's loop, nothing new at most 1x.

`--first-visit` (also part of the default run) times a fresh visitor's page side by side with a bare Streamlit page
holding one small Plotly chart (benchmarks/bare_page.py, served the same way): both servers up, visits
alternating, each in a new browser context (empty cache), from navigation to the first chart drawn and the script
idle; the app's first run draws its chart alone and the rest of the page follows (ui/page.py), so the app's
whole page is timed too; the 2-D page's first visit is timed the same way, in turn with the other two. Also: the
JavaScript fetched before that chart was drawn (files, KB). Target: the truth-table page's chart at most 1.15x
the bare page's.

`measure_reruns(base_url, sessions=N)` runs N browser sessions at once (one thread, one Playwright and one
chromium each) so the same numbers can be taken under concurrent load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, IDLE_SELECTOR, StreamlitServer  # noqa: E402
from loaddriver import W1_SHAPE_JS  # noqa: E402  the shape of the main chart's W1 heatmap, or null
from playwright.sync_api import sync_playwright  # noqa: E402

RERUN_TARGET_S = 0.5
PAGE_BYTES_TARGET = 300 * 1024
PLOT = ".st-key-training_view .js-plotly-plot"
TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 2400}

# Size of the main chart's figure as JSON (typed arrays as plain lists), data + layout + frames.
SPEC_SIZE_JS = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd) return null;
  const plain = (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v);
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  return {
    data: JSON.stringify(gd.data, plain).length,
    layout: JSON.stringify(gd.layout, plain).length,
    frames: JSON.stringify(frames, plain).length,
    n_frames: frames.length,
  };
}"""


def percentile(values, q):
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class WsMeter:
    """Counts websocket payload bytes received by a page (Streamlit sends protobuf frames)."""

    def __init__(self, page):
        self.received = 0
        self.frames = 0
        page.on("websocket", self._on_ws)

    def _on_ws(self, ws):
        ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload):
        self.received += len(payload.encode() if isinstance(payload, str) else payload)
        self.frames += 1


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_charts(page, shape=None, timeout=TIMEOUT_MS):
    """Wait until the main chart shows a W1 heatmap (of `shape`, if given)."""
    if shape is None:
        page.wait_for_function(f"() => ({W1_SHAPE_JS})({PLOT!r}) !== null", timeout=timeout)
    else:
        page.wait_for_function(
            f"() => JSON.stringify(({W1_SHAPE_JS})({PLOT!r})) === {repr(str(list(shape)).replace(' ', ''))}",
            timeout=timeout,
        )


def wait_idle(page, timeout=TIMEOUT_MS):
    page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout)


def w1_shape(page):
    return page.evaluate(f"() => ({W1_SHAPE_JS})({PLOT!r})")


# ----------------------------------------------------------------------------------------------------------------
def measure_cold_start():
    """Spawn a server and time spawn -> first chart drawn. Returns (server, seconds, page bytes, spec sizes).

    The browser is launched before the clock starts: only the server's start and the first page load count.
    The caller owns the returned server and must stop it.
    """
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            meter = WsMeter(page)
            t0 = time.perf_counter()
            server = StreamlitServer()
            try:
                server.wait_healthy()
                t_healthy = time.perf_counter()
                page.goto(server.base_url, timeout=TIMEOUT_MS)
                wait_charts(page)
                t_chart = time.perf_counter()
                wait_idle(page)
                t_idle = time.perf_counter()
                # Let trailing frames (e.g. forward messages after the script finished) arrive.
                page.wait_for_timeout(500)
                spec = page.evaluate(f"(sel) => ({SPEC_SIZE_JS})(sel)", PLOT)
                # A rerun with nothing new (Streamlit's R key): what it sends.
                before = meter.received
                page.evaluate("document.activeElement && document.activeElement.blur()")
                page.keyboard.press("r")
                page.wait_for_timeout(300)
                wait_idle(page)
                page.wait_for_timeout(300)
                unchanged_bytes = meter.received - before
            except BaseException:
                server.stop()
                raise
            return server, {
                "healthy_s": t_healthy - t0,
                "chart_s": t_chart - t0,
                "idle_s": t_idle - t0,
                "ws_bytes": meter.received,
                "ws_frames": meter.frames,
                "spec": spec,
                "unchanged_bytes": unchanged_bytes,
            }
        finally:
            browser.close()


@dataclass
class SessionResult:
    chart_s: list = field(default_factory=list)   # key press -> new chart shape drawn
    idle_s: list = field(default_factory=list)    # key press -> script idle
    ws_bytes: list = field(default_factory=list)  # bytes received per rerun
    widths: list = field(default_factory=list)    # hidden width after each change
    error: str | None = None


def _slider_bounds(slider):
    """(min, max, value) of a slider: an <input type=range> in Streamlit 1.67, role=slider with aria-* before."""
    def attr(*names):
        for n in names:
            v = slider.get_attribute(n)
            if v not in (None, ""):
                return int(float(v))
        raise ValueError(f"slider has none of {names}")
    try:
        now = int(float(slider.input_value()))
    except Exception:
        now = attr("aria-valuenow")
    return attr("min", "aria-valuemin"), attr("max", "aria-valuemax"), now


def _session(base_url, changes, result: SessionResult, start: threading.Barrier | None):
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                meter = WsMeter(page)
                page.goto(base_url, timeout=TIMEOUT_MS)
                wait_charts(page)
                wait_idle(page)
                slider = page.get_by_role("slider", name="Hidden width")
                lo, hi, width = _slider_bounds(slider)
                if start is not None:
                    start.wait(timeout=300)
                # Sweep up to the maximum first (new widths: uncached training), then back down.
                direction = 1
                for _ in range(changes):
                    if width + direction > hi or width + direction < lo:
                        direction = -direction
                    width += direction
                    inputs = w1_shape(page)[0]
                    before = meter.received
                    slider.focus()
                    t0 = time.perf_counter()
                    page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
                    wait_charts(page, (inputs, width))
                    t1 = time.perf_counter()
                    wait_idle(page)
                    t2 = time.perf_counter()
                    result.chart_s.append(t1 - t0)
                    result.idle_s.append(t2 - t0)
                    result.ws_bytes.append(meter.received - before)
                    result.widths.append(width)
            finally:
                browser.close()
    except Exception as exc:  # reported, not raised: other sessions keep going
        result.error = f"{type(exc).__name__}: {exc}"


def measure_reruns(base_url, sessions=1, changes=15):
    """Time `changes` slider changes in each of `sessions` concurrent browser sessions. Returns SessionResults."""
    results = [SessionResult() for _ in range(sessions)]
    barrier = threading.Barrier(sessions) if sessions > 1 else None
    threads = [
        threading.Thread(target=_session, args=(base_url, changes, r, barrier), daemon=True) for r in results
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# ----------------------------------------------------------------------------------------------------------------
FIRST_VISIT_TARGET = 1.15  # x the bare page
BARE_PLOT = ".js-plotly-plot"
APP_COMPLETE = ".st-key-predictions [data-testid='stDataFrame']"  # drawn after the sidebar and the table
PLANE_PLOT = ".st-key-pl_plane .js-plotly-plot"
PLANE_COMPLETE = ".st-key-pl_node"  # the neuron picker under the chart: drawn with the rest of the page
# Scripts fetched so far: (files, bytes over the wire, bytes decoded), from the page's resource timings.
SCRIPTS_JS = """() => performance.getEntriesByType('resource').filter(e => e.initiatorType === 'script'
  || e.name.endsWith('.js')).reduce((a, e) => [a[0] + 1, a[1] + e.transferSize, a[2] + e.decodedBodySize],
  [0, 0, 0])"""


def _visit(browser, url, ready_js, complete_selector=None):
    """One fresh visit: seconds from navigation to ``ready_js`` true (the first chart drawn), to the whole page
    drawn (``complete_selector`` present, if given) and the script idle, and the scripts fetched by the time the
    first chart was drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_MS)
        page.wait_for_function(ready_js, timeout=TIMEOUT_MS)
        t_chart = time.perf_counter()
        scripts = page.evaluate(SCRIPTS_JS)
        if complete_selector:
            page.wait_for_selector(complete_selector, timeout=TIMEOUT_MS)
        wait_idle(page)
        return t_chart - t0, time.perf_counter() - t0, scripts
    finally:
        context.close()


def measure_first_visit(rounds=7):
    """{"app"|"plane"|"bare": [(chart s, ready s, scripts), ...]}, visits taking turns: the truth-table page,
    the 2-D page (its own first visit, from its link) and the bare page."""
    app, bare = StreamlitServer(), StreamlitServer(script="benchmarks/bare_page.py")
    out = {"app": [], "plane": [], "bare": []}
    try:
        app.wait_healthy()
        bare.wait_healthy()
        app_ready = f"() => ({W1_SHAPE_JS})({PLOT!r}) !== null"
        bare_ready = f"() => {{ const gd = document.querySelector({BARE_PLOT!r}); return !!(gd && gd._fullData); }}"
        plane_ready = f"() => {{ const gd = document.querySelector({PLANE_PLOT!r}); return !!(gd && gd._fullData); }}"
        with sync_playwright() as p:
            browser = launch(p)
            try:
                _visit(browser, app.base_url, app_ready), _visit(browser, bare.base_url, bare_ready)  # warm up
                for _ in range(rounds):
                    out["app"].append(_visit(browser, app.base_url, app_ready, APP_COMPLETE))
                    out["plane"].append(_visit(browser, app.base_url + "/Plane", plane_ready, PLANE_COMPLETE))
                    out["bare"].append(_visit(browser, bare.base_url, bare_ready))
            finally:
                browser.close()
    finally:
        app.stop()
        bare.stop()
    return out


def print_first_visit(out):
    med = {k: (statistics.median(v[0] for v in visits), statistics.median(v[1] for v in visits))
           for k, visits in out.items()}
    ratio = med["app"][0] / med["bare"][0]
    print(f"  first visit, fresh browser context ({len(out['app'])} each, alternating): the first chart drawn, "
          f"Play ready: median {med['app'][0]:.2f} s vs a bare page with one Plotly chart {med['bare'][0]:.2f} s"
          f" = {ratio:.2f}x [{verdict(ratio <= FIRST_VISIT_TARGET)} target <= {FIRST_VISIT_TARGET}x]; the whole "
          f"page (every control, script idle) {med['app'][1]:.2f} s vs {med['bare'][1]:.2f} s = "
          f"{med['app'][1] / med['bare'][1]:.2f}x")
    if out.get("plane"):
        print(f"  the 2-D page, the same way (no target): its chart {med['plane'][0]:.2f} s = "
              f"{med['plane'][0] / med['bare'][0]:.2f}x the bare page's, the whole page {med['plane'][1]:.2f} s = "
              f"{med['plane'][1] / med['bare'][1]:.2f}x")
    for name, visits in out.items():
        files, wire, decoded = visits[-1][2]
        print(f"    {name}: scripts fetched before its first chart: {files} files, {wire / 1024:.0f} KB over the "
              f"wire, {decoded / 1024:.0f} KB decoded")


RERUN_NEW_TARGET, RERUN_SAME_TARGET = 3.0, 1.0  # x the tutorial's loop


def measure_apptest_reruns(repeats=15):
    """Medians (s) of the tutorial's loop and of AppTest reruns with a new run and with nothing new, interleaved.

    Returns {name: (median whole rerun, median script run)}; the tutorial's loop has no script time.
    The script is compiled once, as a server does (AppTest alone would compile it on every run).
    """
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner
    from tutorial_reference import tutorial_run

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    script_seconds = []
    run_script = script_runner.ScriptRunner._run_script

    def timed_script(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return run_script(self, *args, **kwargs)
        finally:
            script_seconds.append(time.perf_counter() - t0)

    script_runner.ScriptRunner._run_script = timed_script
    try:
        # The first run draws the chart alone; the second, the whole page (as the chart's script asks).
        at = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=120).run().run()
        seeds = iter(range(1, 10_000))

        def new_run():
            at.sidebar.number_input(key="seed").set_value(next(seeds)).run()

        jobs = {"tutorial": lambda: tutorial_run(0), "new run": new_run, "nothing new": at.run}
        for job in jobs.values():  # warm up: imports, first runs, caches
            job(), job()
        times = {name: ([], []) for name in jobs}
        for _ in range(repeats):
            for name, job in jobs.items():
                script_seconds.clear()
                t0 = time.perf_counter()
                job()
                times[name][0].append(time.perf_counter() - t0)
                times[name][1].append(sum(script_seconds))
        assert not at.exception, at.exception
    finally:
        script_runner.ScriptRunner._run_script = run_script
    return {name: (statistics.median(whole), statistics.median(script)) for name, (whole, script) in times.items()}


def print_apptest_reruns(out):
    base = out["tutorial"][0]
    print(f"  reruns in this process (AppTest), against the tutorial's loop {base * 1e3:.1f} ms:")
    for name, target in (("new run", RERUN_NEW_TARGET), ("nothing new", RERUN_SAME_TARGET)):
        whole, script = out[name]
        print(f"    {name:12s}: whole rerun {whole * 1e3:6.1f} ms = {whole / base:4.2f}x, the script's run "
              f"{script * 1e3:6.1f} ms = {script / base:4.2f}x [{verdict(whole / base <= target)} target "
              f"<= {target:g}x]")


def verdict(ok):
    return "OK " if ok else "OVER"


LOAD_TARGETS = {1: 0.5, 10: 0.75, 20: 1.5}


def measure_load(levels=(1, 10, 20), changes=6):
    """Websocket visitors on one fresh server: {sessions: (chart times, finished times, errors)}."""
    from loaddriver import concurrent_changes, rss_mb, run_async
    server = StreamlitServer()
    out = {}
    try:
        server.wait_healthy()
        run_async(concurrent_changes(server.base_url, 1, 2))  # warm up: imports, first run
        for n in levels:
            cpu_before = cpu_seconds(server.proc.pid)
            results = run_async(concurrent_changes(server.base_url, n, changes))
            flat = [r for session in results for r in session]
            out[n] = ([r.chart_seconds for r in flat if r.chart_seconds is not None], [r.seconds for r in flat],
                      sum(len(r.exceptions) + len(r.errors) for r in flat),
                      (cpu_seconds(server.proc.pid) - cpu_before) / len(flat))
        out["rss_mb"] = rss_mb(server.proc.pid)
    finally:
        server.stop()
    return out


def cpu_seconds(pid):
    """CPU time (user + system, every thread) a process has used so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def print_load(out, changes):
    print("nnviz load benchmark (one streamlit server, websocket visitors changing seed and hidden width)")
    for n, (chart, finished, errors, cpu) in ((k, v) for k, v in out.items() if isinstance(k, int)):
        target = LOAD_TARGETS.get(n)
        verdict_text = (f" [{verdict(statistics.median(chart) <= target)} target median <= {target} s]"
                        if target else "")
        print(f"  {n:2d} session(s) x {changes} changes: change -> chart received median "
              f"{statistics.median(chart):.2f} s, p95 {percentile(chart, 0.95):.2f} s; -> script finished "
              f"median {statistics.median(finished):.2f} s, p95 {percentile(finished, 0.95):.2f} s; "
              f"errors {errors}; server CPU per change {cpu * 1e3:.0f} ms{verdict_text}")
    print(f"  server RSS after the load: {out['rss_mb']:.0f} MB")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--load", action="store_true", help="latency with 1, 10 and 20 concurrent sessions")
    ap.add_argument("--changes", type=int, default=15, help="slider changes per session (default 15)")
    ap.add_argument("--sessions", type=int, default=1, help="concurrent browser sessions (default 1)")
    ap.add_argument("--verbose", action="store_true", help="print every slider change")
    ap.add_argument("--reruns", action="store_true", help="only the in-process AppTest reruns")
    ap.add_argument("--first-visit", action="store_true", help="only the first visit against a bare page")
    args = ap.parse_args(argv)
    if args.first_visit:
        print("nnviz first visit (two streamlit servers + headless chromium)")
        print_first_visit(measure_first_visit())
        return 0
    if args.reruns:
        print("nnviz reruns (AppTest, in process)")
        print_apptest_reruns(measure_apptest_reruns())
        return 0
    if args.load:
        changes = min(args.changes, 6)
        print_load(measure_load(changes=changes), changes)
        return 0

    print("nnviz reruns (AppTest, in process)")
    print_apptest_reruns(measure_apptest_reruns())
    server, cold = measure_cold_start()
    try:
        results = measure_reruns(server.base_url, sessions=args.sessions, changes=args.changes)
    finally:
        server.stop()

    kb = cold["ws_bytes"] / 1024
    spec = cold["spec"] or {}
    spec_kb = sum(spec.get(k, 0) for k in ("data", "layout", "frames")) / 1024
    print("nnviz app benchmark (streamlit run + headless chromium)")
    print(f"  cold start: spawn -> healthy {cold['healthy_s']:.2f} s, -> first chart {cold['chart_s']:.2f} s, "
          f"-> idle {cold['idle_s']:.2f} s")
    print(f"  default page: websocket received {kb:.1f} KB in {cold['ws_frames']} frames "
          f"[{verdict(cold['ws_bytes'] <= PAGE_BYTES_TARGET)} target <= {PAGE_BYTES_TARGET // 1024} KB]")
    print(f"  a rerun with nothing new (R key): received {cold['unchanged_bytes'] / 1024:.1f} KB (the chart "
          "comes by reference when unchanged)")
    if spec:
        print(f"  main chart spec as JSON: {spec_kb:.1f} KB (data {spec['data'] / 1024:.1f}, layout "
              f"{spec['layout'] / 1024:.1f}, frames {spec['frames'] / 1024:.1f} KB, {spec['n_frames']} frames)")
    failed = False
    for i, r in enumerate(results):
        tag = f"session {i + 1}/{len(results)}" if len(results) > 1 else "reruns"
        if r.error:
            print(f"  {tag}: ERROR {r.error}")
            failed = True
        if not r.chart_s:
            continue
        med, p95 = statistics.median(r.chart_s), percentile(r.chart_s, 0.95)
        print(f"  {tag}: {len(r.chart_s)} slider changes -> chart redrawn: median {med:.3f} s, p95 {p95:.3f} s "
              f"[{verdict(med <= RERUN_TARGET_S)} target median <= {RERUN_TARGET_S} s]")
        print(f"  {' ' * len(tag)}  -> script idle: median {statistics.median(r.idle_s):.3f} s, "
              f"p95 {percentile(r.idle_s, 0.95):.3f} s; received per rerun: median "
              f"{statistics.median(r.ws_bytes) / 1024:.1f} KB; hidden widths {min(r.widths)}..{max(r.widths)}"
              " (a width not seen before trains afresh)")
        if args.verbose:
            for w, c, i_, b in zip(r.widths, r.chart_s, r.idle_s, r.ws_bytes):
                print(f"      width {w:3d}: chart {c:.3f} s, idle {i_:.3f} s, {b / 1024:.1f} KB")
    all_chart = [x for r in results for x in r.chart_s]
    if len(results) > 1 and all_chart:
        print(f"  all sessions: median {statistics.median(all_chart):.3f} s, p95 {percentile(all_chart, 0.95):.3f} s")
    print_first_visit(measure_first_visit())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
