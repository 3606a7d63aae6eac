"""The plumbing both pages share: widgets drawn from the schema, the session's start, the URL, the error guard,
the CSV upload, configurations as cache keys and run ids."""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from typing import Any, Callable, Mapping, Optional

import streamlit as st

import nnviz
from nnviz import limits
from nnviz.text import markdown_text

from .cache import feed
from .schema import Setting

log = logging.getLogger("nnviz.app")
ss = st.session_state


# ---------------------------------------------------------------- widgets

def why_not_further(showing: bool, run: nnviz.TrainingRun, chain: int, unit: str,
                    full: Optional[str] = None) -> Optional[str]:
    """Why "train further" is off for ``run`` (``chain`` continuations long; ``full``: the page's own reason,
    e.g. the most iterations reached), or None when it is on. ``unit``: "iterations" or "epochs"."""
    if not showing:
        return "Fix the settings first: the run shown is the last one that worked."
    if run.diverged_at is not None:
        return "This run diverged: its loss is no longer a number. Lower the learning rate and train again."
    if full:
        return full
    if chain >= limits.MAX_CONTINUATIONS:  # read at each call: one setting for the process
        return f"Trained further {chain} times in a row: set the {unit} in the sidebar to go on."
    return None


def further_button(key: str, extra: int, unit: str, why: Optional[str], on_click: Callable,
                   args: tuple = ()) -> None:
    """"+N iterations/epochs", off with ``why`` as its help."""
    st.button(f"+{int(extra):,} {unit}", key=f"{key}_button", icon=":material/fast_forward:", on_click=on_click,
              args=args, disabled=why is not None,
              help=why or f"Train further: the same run goes on from its last state, as if it had been set to "
                          f"more {unit} from the start")


def further_outcome(key: str) -> None:
    """What the last "+N" click left: its refusal (``<key>_notice``) under the button, or a rerun of the whole
    page with the longer run (``<key>_done``)."""
    if ss.get(f"{key}_notice"):
        st.error(ss.pop(f"{key}_notice"))
    if ss.pop(f"{key}_done", False):
        st.rerun(scope="app")


def draw(setting: Setting, where: Any = st, key: Optional[str] = None, **overrides) -> Any:
    """The setting's widget (its kind, label, help, bounds, step, format and options from the schema; ``key``
    default its name), ``overrides`` replacing any of them; returns the widget's value."""
    kwargs = {**setting.widget_kwargs(), **overrides}
    label = kwargs.pop("label", setting.label)
    return getattr(where, setting.widget)(label, key=key or setting.name, **kwargs)


# ---------------------------------------------------------------- session and URL

def start_session(marker: str, begin: Callable[[dict], None]) -> None:
    """Once per visit (until ``marker`` is in the session): ``begin`` with the link's query parameters."""
    if marker not in ss:
        begin(st.query_params.to_dict())


def sync_url(wanted: Mapping[str, str]) -> None:
    """The address bar shows ``wanted`` (written only when it differs: each write is a message to the browser)."""
    if st.query_params.to_dict() != dict(wanted):
        st.query_params.from_dict(wanted)


# ---------------------------------------------------------------- never a traceback

def show_error(message: str, error: BaseException) -> None:
    st.error(message)


def guarded(work: Callable, *args, show: Callable[[str, BaseException], None] = show_error,
            refusal: Callable[[nnviz.NnvizError], str] = str,
            failure: str = "Something went wrong in this part of the page; try other settings.") -> Any:
    """``work(*args)``, or None after saying why: an NnvizError as ``refusal`` words it, anything else logged and
    ``failure``, each through ``show(message, error)`` (default st.error). The page never shows a traceback."""
    try:
        return work(*args)
    except nnviz.NnvizError as error:
        show(refusal(error), error)
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        log.exception("%s failed", getattr(work, "__name__", "a part of the page"))
        show(failure, error)
    return None


def note_to(key: str) -> Callable[[str, BaseException], None]:
    """A ``show`` for :func:`guarded` from a callback: the message waits in the session under ``key``."""
    return lambda message, error: ss.__setitem__(key, message)


# ---------------------------------------------------------------- CSV upload

def read_upload(key: str, notice: str, read: Callable[[bytes], Any]) -> Optional[tuple[Any, Any]]:
    """(the upload, ``read`` of its bytes) for the file uploader ``key``; None when there is no file or it is
    refused, the refusal waiting under ``notice`` (file name and cells shown as typed)."""
    upload = ss.get(key)
    if upload is None:
        return None
    try:
        return upload, read(upload.getvalue())
    except nnviz.NnvizError as error:
        ss[notice] = markdown_text(f"{upload.name}: {error}")
        return None


@st.fragment
def csv_upload(title: str, label: str, key: str, on_change: Callable, notice: str, loaded: Callable[[], bool],
               more: Optional[Callable[[], None]] = None, help: Optional[str] = None) -> None:
    """An expander with a CSV file uploader, in a fragment: picking a file reruns only this until ``loaded()``
    says a file loaded, then the whole page reruns. ``more`` draws further widgets under the uploader."""
    with st.expander(title):
        st.file_uploader(label, type=["csv"], key=key, on_change=on_change, help=help)
        if more is not None:
            more()
        if ss.get(notice):
            st.error(ss.pop(notice))
    if loaded():
        st.rerun(scope="app")


# ---------------------------------------------------------------- cache keys

def config_json(config: nnviz.TrainConfig) -> str:
    """A configuration as the cached functions' key: hashable text."""
    return json.dumps(config.as_dict())


@functools.lru_cache(maxsize=256)
def config_from(text: str) -> nnviz.TrainConfig:
    """The inverse of :func:`config_json` (validated again: a key is text; frozen, so one object is shared)."""
    return nnviz.make_config(**json.loads(text))


def run_id(*parts: Any) -> str:
    """A short id of a run's ingredients (text, arrays, bytes, tuples): what stepping or an edit starts over on."""
    digest = hashlib.blake2b(digest_size=16)
    feed(digest, parts)
    return digest.hexdigest()


# ---------------------------------------------------------------- a first visit: the chart first

# A visit's first run draws the chart and the figures above it, and this script, which asks for the rest of the
# page (a rerun) once the chart is on the screen, or after CHART_WAIT_MS whatever happened. The sidebar, the table
# editor and the tools load some 60 scripts and keep a 2-core machine's browser busy for about a second: drawn
# in the same run they held the chart back by that much; drawn after it, the whole page is ready as soon.
# Constant script, nothing a visitor typed; ``data`` holds the chart's selector and the wait.
REST_OF_PAGE_JS = """
export default function({ data, setTriggerValue }) {
  const start = Date.now();
  let asked = false;
  const ask = () => { if (!asked) { asked = true; setTriggerValue('chart_drawn', true); } };
  const check = () => {
    if (asked) return;
    const chart = document.querySelector(data.chart);
    if ((chart && chart._fullLayout) || Date.now() - start > data.wait_ms) {
      setTimeout(ask, 0);  // after this task: the chart paints first (no rAF: it waits in a hidden tab)
    } else {
      setTimeout(check, 30);
    }
  };
  check();
  return () => { asked = true; };
}
"""
CHART_WAIT_MS = 5000
REST_OF_PAGE_COMPONENT = "nnviz_rest_of_page"


def first_run(page_name: str) -> bool:
    """True on the first run of a visit to ``page_name`` (draw the chart, then :func:`ask_for_the_rest`), False on
    every later run, whatever started it: the whole page."""
    marker = f"first_run_done_{page_name}"
    first = marker not in ss
    ss[marker] = True
    return first


def ask_for_the_rest(chart_selector: str) -> None:
    """The script that reruns the page once the chart at ``chart_selector`` is drawn (see REST_OF_PAGE_JS)."""
    # Registered where it is mounted, as Streamlit's own examples do: a registry belongs to a runtime.
    rest_of_page = st.components.v2.component(REST_OF_PAGE_COMPONENT, js=REST_OF_PAGE_JS)
    rest_of_page(data={"chart": chart_selector, "wait_ms": CHART_WAIT_MS}, key="rest_of_page",
                 on_chart_drawn_change=lambda: None)
