"""Shared test infrastructure: headless Chromium for pytest-playwright and a live `streamlit run` server.

Browser tests carry ``@pytest.mark.browser``.  They are skipped only when no Chromium is installed AND the
environment variable ``CI`` is not ``"true"``; under ``CI=true`` a missing Chromium is an error, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_FILE = REPO_ROOT / "streamlit_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SERVER_START_TIMEOUT_S = 60.0
# A tall viewport: Streamlit scrolls inside its main area, so full-page screenshots miss what is below the fold.
VIEWPORT = {"width": 1400, "height": 2400}

# Selector for "the script has finished and the websocket is up".
IDLE_SELECTOR = (
    '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


# --------------------------------------------------------------------------------------------------------------
# Skip / fail policy for browser tests
# --------------------------------------------------------------------------------------------------------------
def pytest_collection_modifyitems(config, items):
    if chromium_available() or _in_ci():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (set CI=true to make this a failure)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Runs before any fixture (the session-scoped browser launch included), so the message is clear.
    if item.get_closest_marker("browser") and not chromium_available() and _in_ci():
        pytest.fail(f"CI=true but {CHROMIUM} is missing: browser tests must run in CI", pytrace=False)


# --------------------------------------------------------------------------------------------------------------
# pytest-playwright overrides
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium instead of a Playwright-downloaded browser (`playwright install` cannot download)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": dict(VIEWPORT)}


# --------------------------------------------------------------------------------------------------------------
# The live app
# --------------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, script: str = APP_FILE.name) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]


def _health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().decode("utf-8", "replace").strip() == "ok"
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


class StreamlitServer:
    """A `streamlit run` subprocess; output goes to a temp file (a pipe could fill up and block the server)."""

    def __init__(self, port: int | None = None, script: str = APP_FILE.name):
        """``script``: the page to serve, relative to the repo root (its .streamlit/config.toml applies)."""
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="nnviz-streamlit-", suffix=".log", delete=False)
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc = subprocess.Popen(
            streamlit_command(self.port, script), cwd=REPO_ROOT, env=env,
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        try:
            return Path(self._log.name).read_text(errors="replace")
        except OSError:
            return "<no output>"

    def wait_healthy(self, timeout: float = SERVER_START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.proc.returncode} before becoming healthy:\n{self.output()}"
                )
            if _health_ok(self.base_url):
                return
            time.sleep(0.2)
        raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s at {self.base_url}:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()
        try:
            os.unlink(self._log.name)
        except OSError:
            pass


def live_server():
    """A started, healthy StreamlitServer for a fixture to yield (fails the test with its output otherwise);
    the caller stops it."""
    if not APP_FILE.exists():
        pytest.fail(f"{APP_FILE} does not exist", pytrace=False)
    server = StreamlitServer()
    try:
        server.wait_healthy()
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def app_server():
    """Base URL of a live `streamlit run streamlit_app.py` started from the repo root."""
    server = live_server()
    try:
        yield server.base_url
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------------------
# Waiting helpers (import from tests: `from conftest import wait_idle`)
# --------------------------------------------------------------------------------------------------------------
# A page's first run draws its chart alone, with a script (key "rest_of_page") that asks for the rest of the page
# once the chart is drawn (ui.page.first_run); the run that draws the rest removes it.
WHOLE_PAGE_JS = "() => !document.querySelector('.st-key-rest_of_page')"


def wait_whole_page(page, timeout: float = 60_000) -> None:
    """After the first chart is drawn: wait until the rest of the page is drawn too and the script idle."""
    page.wait_for_function(WHOLE_PAGE_JS, timeout=timeout)
    wait_idle(page, timeout)


def first_visit_js(chart: str, control: str) -> str:
    """A script to install before a page loads (``page.add_init_script``): it notes when (performance.now()) the
    chart at ``chart`` was first drawn, and its element then, and when ``control`` first appeared, looking at
    every change to the page; and counts, on every element, each time Plotly computes its data (it assigns
    ``gd.calcdata``). Read with :func:`first_visit_seen`."""
    return f"""(() => {{
      Object.defineProperty(HTMLElement.prototype, 'calcdata', {{configurable: true,
        get() {{ return this.__nnvizCalcdata; }},
        set(value) {{
          this.__nnvizCalcdata = value;
          if (value) this.__nnvizComputed = (this.__nnvizComputed || 0) + 1;
        }}}});
      const seen = window.__nnvizSeen = {{}};
      new MutationObserver(() => {{
        const gd = document.querySelector({chart!r});
        if (!seen.chart && gd && gd._fullLayout) {{ seen.chart = performance.now(); seen.gd = gd; }}
        if (!seen.controls && document.querySelector({control!r})) seen.controls = performance.now();
      }}).observe(document, {{childList: true, subtree: true}});
    }})();"""


def first_visit_seen(page, chart: str) -> dict:
    """{chart, controls: ms after navigation, or None; same: the chart's element is still the one first drawn;
    computed: how many times Plotly computed its data}."""
    return page.evaluate(f"""() => ({{chart: __nnvizSeen.chart, controls: __nnvizSeen.controls,
        same: __nnvizSeen.gd === document.querySelector({chart!r}),
        computed: document.querySelector({chart!r}).__nnvizComputed}})""")


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script has finished running and the websocket is connected.

    Call it AFTER waiting for the content an interaction should produce: right after an interaction the state can
    still read ``notRunning`` for a moment.
    """
    page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout)


# Blank paints during playback. Plotly's two-pass `animate` once redrew only a frame's scatter traces and
# dropped the layers of every other subplot until the full redraw came back 40-240 ms later: heatmaps went
# white on every frame. `paint_sampler` samples every requestAnimationFrame of a figure: in each paint,
# every subplot that had marks at rest must still have them. Call `mark_rest(page, selector)` while the
# figure is still, start playback, then `sample_paints(page, selector, ms)`.
MARKS_JS = """(gd) => Array.from(gd.querySelectorAll('.cartesianlayer > .subplot')).map(
  s => s.querySelectorAll('image, path.point, path.js-line, path.js-fill, g.bars path, text').length)"""


def mark_rest(page, selector: str) -> list[int]:
    """Marks per subplot of the figure at ``selector`` now (call it while the figure is at rest)."""
    return page.evaluate(f"""(sel) => {{ const gd = document.querySelector(sel);
        window.__nnvizRest = ({MARKS_JS})(gd); return window.__nnvizRest; }}""", selector)


def sample_paints(page, selector: str, ms: int = 4000) -> dict:
    """Sample every paint for ``ms``: paints, blank paints (a subplot with marks at rest has none), and the
    slider's active step at each paint."""
    return page.evaluate(f"""([sel, ms]) => new Promise(resolve => {{
        const rest = window.__nnvizRest, t0 = performance.now(), blank = [], active = [];
        const tick = () => {{
          const gd = document.querySelector(sel);
          const now = gd ? ({MARKS_JS})(gd) : [];
          if (rest.some((n, i) => n > 0 && !(now[i] > 0))) blank.push(Math.round(performance.now() - t0));
          const slider = gd && gd._fullLayout && (gd._fullLayout.sliders || [])[0];
          active.push(slider ? slider.active : null);
          if (performance.now() - t0 < ms) requestAnimationFrame(tick);
          else resolve({{paints: active.length, blank, active, rest, now}});
        }};
        requestAnimationFrame(tick);
    }})""", [selector, ms])


# ---------------------------------------------------------------- the page's charts in AppTest (ui/chart.py)

def charts(node) -> list:
    """The Plotly charts under an AppTest node (ui/chart.py's elements, then any st.plotly_chart)."""
    from ui.chart import COMPONENT_NAME

    return [e for e in node.get("bidi_component") if e.proto.component_name == COMPONENT_NAME] + list(
        node.get("plotly_chart"))


def chart_spec(element) -> dict:
    """The figure a chart element carries, as JSON (typed arrays as plotly.js takes them)."""
    import json

    if element.type == "plotly_chart":  # the full plotly.js: a trace the bundle lacks (ui/chart.py)
        return json.loads(element.proto.spec)
    return json.loads(element.proto.bytes)["figure"]


def chart_key(element) -> str:
    return element.proto.id.rsplit("-", 1)[-1]


def askers(node) -> list:
    """The scripts a first run leaves to ask for the rest of the page (ui/page.py's ask_for_the_rest)."""
    from ui.page import REST_OF_PAGE_COMPONENT

    return [e for e in node.get("bidi_component") if e.proto.component_name == REST_OF_PAGE_COMPONENT]
