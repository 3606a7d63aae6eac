"""Load helpers shared by tests/test_load.py, tests/test_deploy.py and benchmarks/app.py.

* :class:`WsVisitor`: a visitor without a browser. It speaks Streamlit's own websocket protocol
  (``/_stcore/stream``, protobuf ``BackMsg``/``ForwardMsg``) as the page's JavaScript does: opens a session,
  runs the script with a query string, then sends a rerun with every widget's state, one of them changed, and
  times it until the server says the script finished (the main chart included). Cheap enough for hundreds of
  reruns on 2 cores, and the server does exactly the work a browser would cause.
* :func:`many_visitors`: N real browser sessions (contexts of one chromium), each with its own table and
  seed, driven at the same time; checks each sees only its own results.
* :func:`rss_mb`: a process's resident memory from /proc.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PLOT = ".st-key-training_view .js-plotly-plot"
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (VmRSS from /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------------------------------------------------------
# websocket visitors
# ---------------------------------------------------------------------------------------------------------------
# The page's widgets by key, as the browser reports them: (kind of value, value). Sliders send a list.
DEFAULT_WIDGETS = {
    "presenter": ("bool_value", False), "hidden_layers": ("double_array_value", [1]),
    "hidden_width": ("double_array_value", [4]), "bias": ("bool_value", False),
    "activation": ("string_value", "sigmoid"), "output_activation": ("string_value", "sigmoid"),
    "loss": ("string_value", "sse"), "optimizer": ("string_value", "sgd"), "preset": ("string_value", "tutorial"),
    "learning_rate": ("double_value", 1.0), "iterations": ("int_value", 1500), "batch_size": ("int_value", 0),
    "seed": ("int_value", 0), "n_inputs": ("int_value", 3), "n_outputs": ("int_value", 1),
    "csv_targets": ("int_value", 1),
}


@dataclass
class Rerun:
    seconds: float  # change sent -> script finished (every delta, the main chart's included, received)
    chart_seconds: float | None  # change sent -> the main chart's delta received
    received: int  # bytes
    exceptions: list = field(default_factory=list)
    errors: list = field(default_factory=list)


class WsVisitor:
    """One browser-less visitor: ``async with WsVisitor(base_url, query) as v: await v.change(seed=3)``."""

    def __init__(self, base_url: str, query: dict | None = None, timeout: float = 120.0):
        self.url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.query = urlencode(query or {})
        self.timeout = timeout
        self.ids: dict[str, str] = {}  # widget key -> widget id
        self.widgets = {k: (kind, list(v) if isinstance(v, list) else v) for k, (kind, v) in DEFAULT_WIDGETS.items()}
        self.ws = None
        self.first: Rerun | None = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=self.timeout, ping_interval=None)
        self.first = await self._run(with_widgets=False)  # the chart alone
        await self._run(with_widgets=False)  # the rest of the page, asked for as the page's script does
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def change(self, **values) -> Rerun:
        """Rerun with these widget values changed (keys as in DEFAULT_WIDGETS), the others as they are."""
        for key, value in values.items():
            kind, _ = self.widgets[key]
            self.widgets[key] = (kind, [value] if kind == "double_array_value" else value)
        return await self._run(with_widgets=True)

    async def _run(self, with_widgets: bool) -> Rerun:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        if with_widgets:
            for key, (kind, value) in self.widgets.items():
                if key not in self.ids:
                    continue
                w = msg.rerun_script.widget_states.widgets.add()
                w.id = self.ids[key]
                if kind == "double_array_value":
                    w.double_array_value.data.extend(value)
                else:
                    setattr(w, kind, value)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        received, chart_at, exceptions, errors = 0, None, [], []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
            received += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                element = fm.delta.new_element
                name = element.WhichOneof("type")
                inner = getattr(element, name)
                if name == "exception":
                    exceptions.append(inner.message)
                elif name == "alert" and inner.format == inner.ERROR:
                    errors.append(inner.body)
                elif name == "bidi_component" and chart_at is None and inner.id.endswith("training_chart"):
                    chart_at = time.perf_counter()
                widget_id = getattr(inner, "id", "")
                if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                    self.ids[widget_id.rsplit("-", 1)[-1]] = widget_id
            elif kind == "script_finished":
                t1 = time.perf_counter()
                return Rerun(t1 - t0, None if chart_at is None else chart_at - t0, received, exceptions, errors)


def run_async(coro):
    """asyncio.run in a thread of its own: Playwright's sync API keeps an event loop in the main thread."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def soak(base_url: str, reruns: int, sessions: int = 4, on_progress=None, distinct: int = 24) -> list[Rerun]:
    """``reruns`` reruns spread over ``sessions`` concurrent visitors, each changing seed and hidden width.

    The visitors cycle through ``distinct`` (seed, width) settings between them: the first pass trains and
    draws, later ones are the page's cached reruns (cheap, so hundreds fit in a test). ``on_progress(done)`` is
    called after every rerun (e.g. to sample memory).
    """
    results: list[Rerun] = []
    per = -(-reruns // sessions)

    async def one(s: int):
        async with WsVisitor(base_url, {"seed": s}) as v:
            for i in range(per):
                if len(results) >= reruns:
                    return
                k = (s + i * sessions) % distinct
                r = await v.change(seed=k // 8, hidden_width=1 + k % 8)
                results.append(r)
                if on_progress:
                    on_progress(len(results))

    await asyncio.gather(*(one(s) for s in range(sessions)))
    return results


async def concurrent_changes(base_url: str, sessions: int, changes: int) -> list[list[Rerun]]:
    """``sessions`` visitors at once, each making ``changes`` changes (seed and width) as fast as answered."""
    async def one(s: int):
        out = []
        async with WsVisitor(base_url, {"seed": s}) as v:
            for i in range(changes):
                out.append(await v.change(seed=10_000 + s * 100 + i, hidden_width=1 + (s + i) % 8))
        return out

    return list(await asyncio.gather(*(one(s) for s in range(sessions))))


# ---------------------------------------------------------------------------------------------------------------
# browser visitors
# ---------------------------------------------------------------------------------------------------------------
W1_SHAPE_JS = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd._fullData) return null;
  const t = gd._fullData.find(t => t.name === 'W1');  // a grid of cells: x column, y row
  if (!t || !t._length) return null;
  return [Math.max(...t.y) + 1, Math.max(...t.x) + 1];
}"""
PREDICTION_ROWS_JS = """() => Array.from(document.querySelectorAll(
    '.st-key-predictions [data-testid="stDataFrame"] table tr')).map(
    tr => Array.from(tr.querySelectorAll('th,td')).map(c => c.innerText))"""


def visitor_table(i: int) -> tuple[list[list[int]], list[int]]:
    """A table only visitor ``i`` has: 2 or 3 inputs, targets spelling i in binary over the rows."""
    n_in = 2 + i % 2
    rows = [[(r >> b) & 1 for b in range(n_in)] for r in range(2 ** n_in)]
    targets = [((i + 1) >> (r % 5)) & 1 if r < 5 else (r + i) % 2 for r in range(len(rows))]
    return rows, targets


def visitor_url(base_url: str, i: int) -> str:
    rows, targets = visitor_table(i)
    table = ";".join(",".join(map(str, x)) + ":" + str(y) for x, y in zip(rows, targets))
    return f"{base_url}/?" + urlencode({"table": table, "seed": 100 + i, "iterations": 300 + 10 * i,
                                         "learning_rate": 2})


def many_visitors(browser, base_url: str, n: int = 10, timeout_ms: int = 120_000) -> dict:
    """``n`` browser sessions at once, each opening its own table and then changing its own hidden width.

    All pages load together and all changes are made before any answer is awaited, so the server serves them
    concurrently. Returns timings; raises AssertionError naming the visitor that saw something wrong.
    """
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1600}) for _ in range(n)]
    try:
        pages = [c.new_page() for c in contexts]
        for page in pages:
            page.set_default_timeout(timeout_ms)
        t0 = time.perf_counter()
        for i, page in enumerate(pages):
            page.goto(visitor_url(base_url, i), wait_until="commit", timeout=timeout_ms)
        for i, page in enumerate(pages):
            n_in = len(visitor_table(i)[0][0])
            page.wait_for_function(f"() => JSON.stringify(({W1_SHAPE_JS})({PLOT!r})) === '[{n_in},4]'",
                                   timeout=timeout_ms)
        loaded = time.perf_counter() - t0
        for page in pages:
            page.wait_for_selector(IDLE, state="attached", timeout=timeout_ms)
        # every visitor changes its hidden width to its own value, all at once
        widths = [1 + (i * 3) % 9 if (1 + (i * 3) % 9) != 4 else 9 for i in range(n)]
        t1 = time.perf_counter()
        for i, page in enumerate(pages):
            slider = page.locator('[data-testid="stSidebar"]').get_by_role("slider", name="Hidden width")
            slider.focus()
            key = "ArrowRight" if widths[i] > 4 else "ArrowLeft"
            for _ in range(abs(widths[i] - 4)):
                page.keyboard.press(key)
        answered = []
        for i, page in enumerate(pages):
            n_in = len(visitor_table(i)[0][0])
            page.wait_for_function(f"() => JSON.stringify(({W1_SHAPE_JS})({PLOT!r})) === '[{n_in},{widths[i]}]'",
                                   timeout=timeout_ms)
            answered.append(time.perf_counter() - t1)
        for i, page in enumerate(pages):
            page.wait_for_selector(IDLE, state="attached", timeout=timeout_ms)
            assert page.locator(EXCEPTION).count() == 0, f"visitor {i}: " + " | ".join(
                page.locator(EXCEPTION).all_inner_texts())
            errors = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
            assert not errors, f"visitor {i} sees errors: {errors}"
            # its own table, trained: the targets column of the prediction table is its own
            rows, targets = visitor_table(i)
            shown = page.evaluate(PREDICTION_ROWS_JS)
            header, body = shown[0], [r for r in shown[1:] if r]
            col = next(j for j, h in enumerate(header) if h.startswith("→"))
            seen = [int(float(r[col])) for r in body]
            assert seen == targets, f"visitor {i} sees targets {seen}, its own are {targets}"
            assert f"seed={100 + i}" in page.url and f"hidden_width={widths[i]}" in page.url, page.url
        return {"sessions": n, "load_s": loaded, "change_s": answered}
    finally:
        for c in contexts:
            c.close()
