"""Playback in the real app: painted frames per second, blank paints, and the bytes of each page's charts.

    python benchmarks/playback.py [--seconds 4] [--only truth-table,plane]

Starts the app (`streamlit run`, as tests/conftest.py does), opens each page in headless Chromium at 1280x720,
moves its animated chart to the first frame, presses Play and samples every paint (requestAnimationFrame) for
a few seconds. Per page it prints:

- frames/s: distinct animation frames painted per second (Plotly's ``plotly_animatingframe`` names the frame
  each paint shows), between the first and the last change; and the page's main-thread CPU time per frame
  (Chromium's ThreadTime), which other work on a busy machine does not inflate as much as it does frames/s;
- blank: paints in which a subplot that had marks at rest (heatmap images, lines, points, text) had none;
- the bytes of every chart's spec on the page (data, layout and frames as JSON; typed arrays counted as the
  base64 they travel as) and what the websocket delivered while the page loaded.

A page is a URL path and the selector of its animated chart, so every page goes through the same code.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, IDLE_SELECTOR, MARKS_JS, StreamlitServer  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1280, "height": 720}
TARGET_FPS = 20

# label -> (path and query, selector of the animated chart)
TRUTH_TABLE = ".st-key-training_view .js-plotly-plot"
PAGES = {
    "truth-table": ("/", TRUTH_TABLE),
    "truth-table 2x8 tanh": ("/?hidden_layers=2&hidden_width=8&activation=tanh", TRUTH_TABLE),
    "truth-table 3x8": ("/?hidden_layers=3&hidden_width=8", TRUTH_TABLE),
    "plane": ("/Plane", ".st-key-pl_plane .js-plotly-plot"),
}

# JSON of every chart on the page; typed arrays (how Plotly holds decoded base64 arrays) as their base64 size.
SPEC_BYTES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const typed = (k, v) => (ArrayBuffer.isView(v) ? {bdata: 'x'.repeat(Math.ceil(v.byteLength / 3) * 4), dtype: 'f4'}
                          : v);
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  const strip = (o) => JSON.parse(JSON.stringify(o, typed));
  return {frames: frames.length,
          bytes: JSON.stringify({data: strip(gd.data), layout: strip(gd.layout), frames: strip(frames)}).length};
})"""

READY_JS = """(sel) => { const gd = document.querySelector(sel);
  return !!(gd && gd._fullLayout && gd._transitionData && gd._transitionData._frames.length > 1); }"""

FIRST_FRAME_JS = """(sel) => { const gd = document.querySelector(sel);
  return Plotly.animate(gd, [gd._transitionData._frames[0].name],
      {mode: 'immediate', frame: {duration: 0, redraw: true}, transition: {duration: 0}}); }"""

# Marks per subplot now; then, after Play, every paint for `ms`: the frame it shows and whether it is blank.
REST_JS = f"""(sel) => {{ const gd = document.querySelector(sel); window.__rest = ({MARKS_JS})(gd);
  window.__frame = null; gd.on('plotly_animatingframe', e => {{ window.__frame = e.name; }});
  return window.__rest; }}"""
SAMPLE_JS = f"""([sel, ms]) => new Promise(resolve => {{
  const gd = document.querySelector(sel), rest = window.__rest, paints = [], t0 = performance.now();
  const tick = () => {{
    const now = ({MARKS_JS})(gd);
    paints.push([performance.now() - t0, window.__frame, rest.some((n, i) => n > 0 && !(now[i] > 0))]);
    if (performance.now() - t0 < ms) requestAnimationFrame(tick); else resolve(paints);
  }};
  requestAnimationFrame(tick);
}})"""


PLAY_JS = """([sel, ms]) => { const gd = document.querySelector(sel);
  Plotly.animate(gd, null, {frame: {duration: ms, redraw: true}, transition: {duration: 0}, mode: 'immediate',
                            fromcurrent: true}); }"""


# Step/Back inside the chart, if it has them: ms from the click until the chart shows another frame.
STEP_JS = """async ([sel, label]) => {
  const gd = document.querySelector(sel);
  const button = Array.from(gd.querySelectorAll('.updatemenu-button')).find(b => b.textContent === label);
  if (!button) return null;
  // what the chart shows: its text and its heatmap images; a paint with another signature shows another frame
  const signature = () => gd.querySelector('.main-svg').textContent + Array.from(gd.querySelectorAll('image'))
      .map(i => (i.getAttribute('href') || '').slice(-40)).join();
  const before = signature(), t0 = performance.now();
  button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  while (signature() === before && performance.now() - t0 < 5000) await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}"""


def _thread_time(cdp) -> float:
    """CPU seconds the page's main thread has used (Chromium's ThreadTime): what a frame costs, whatever else
    the machine is doing."""
    return next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"] if m["name"] == "ThreadTime")


def measure_page(browser, base_url: str, label: str, path: str, selector: str, seconds: float,
                 frame_ms: int | None = None) -> dict:
    page = browser.new_page(viewport=dict(VIEWPORT))
    received = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    try:
        page.goto(base_url + path, timeout=TIMEOUT_MS)
        page.wait_for_function(READY_JS, arg=selector, timeout=TIMEOUT_MS)
        page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)
        charts = page.evaluate(SPEC_BYTES_JS)
        ws_bytes = sum(received)
        steps = [page.evaluate(STEP_JS, [selector, label]) for label in ["◀ Back", "◀ Back", "Step ▶"] * 3]
        steps = [ms for ms in steps if ms is not None]
        page.evaluate(FIRST_FRAME_JS, selector)
        page.wait_for_timeout(500)
        rest = page.evaluate(REST_JS, selector)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate("""(sel) => { window.__frames = 0;
            document.querySelector(sel).on('plotly_animatingframe', () => { window.__frames++; }); }""", selector)
        cpu0 = _thread_time(cdp)
        if frame_ms is None:
            page.locator(f"{selector} .updatemenu-button", has_text="Play").click()
        else:  # the chart's own animation, at another frame duration (to compare renderings, not settings)
            page.evaluate(PLAY_JS, [selector, frame_ms])
        paints = page.evaluate(SAMPLE_JS, [selector, int(seconds * 1000)])
        cpu_ms = (_thread_time(cdp) - cpu0) * 1000 / max(page.evaluate("window.__frames"), 1)
        shot = Path("/tmp/nnviz-playback") / (label.replace(" ", "_") + ".png")
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot))  # still playing: a frame mid-animation
    finally:
        page.close()
    changes = [paints[i][0] for i in range(1, len(paints)) if paints[i][1] not in (None, paints[i - 1][1])]
    fps = (len(changes) - 1) / ((changes[-1] - changes[0]) / 1000) if len(changes) > 2 else 0.0
    gaps = [b - a for a, b in zip(changes, changes[1:])]
    return dict(label=label, paints=len(paints), blank=sum(p[2] for p in paints), frames_shown=len(changes),
                fps=fps, median_gap_ms=statistics.median(gaps) if gaps else None, rest=rest, charts=charts,
                ws_bytes=ws_bytes, screenshot=str(shot), cpu_ms=cpu_ms, step_ms=statistics.median(steps) if steps else None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="how long to sample paints after Play")
    parser.add_argument("--frame-ms", type=int, default=None,
                        help="play at this frame duration instead of pressing the chart's Play button")
    parser.add_argument("--only", default="", help="comma-separated page labels (default: all): "
                        + ", ".join(PAGES))
    args = parser.parse_args(argv)
    chosen = [p for p in PAGES if not args.only or p in args.only.split(",")]
    server = StreamlitServer()
    ok = True
    try:
        server.wait_healthy()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
            try:
                for label in chosen:
                    path, selector = PAGES[label]
                    r = measure_page(browser, server.base_url, label, path, selector, args.seconds, args.frame_ms)
                    good = r["blank"] == 0 and r["fps"] >= TARGET_FPS
                    ok &= good
                    charts = ", ".join(f"{c['bytes'] / 1e3:.0f} KB ({c['frames']} frames)" for c in r["charts"])
                    print(f"{label:24s} {r['fps']:5.1f} frames/s (median {r['median_gap_ms'] or 0:.0f} ms a frame, "
                          f"{r['frames_shown']} frames in {args.seconds:g} s), blank paints {r['blank']} of "
                          f"{r['paints']}  {'ok' if good else 'BELOW TARGET'}")
                    print(f"{'':24s} main-thread CPU {r['cpu_ms']:.0f} ms a frame: at most {1000 / r['cpu_ms']:.0f}"
                          " frames/s with a core to itself")
                    if r["step_ms"] is not None:
                        print(f"{'':24s} Step/Back in the browser: median {r['step_ms']:.0f} ms to the next frame")
                    print(f"{'':24s} charts: {charts}; websocket while loading: {r['ws_bytes'] / 1e3:.0f} KB; "
                          f"screenshot {r['screenshot']}", flush=True)
            finally:
                browser.close()
    finally:
        server.stop()
    print(f"target: >= {TARGET_FPS} frames/s and no blank paint")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
