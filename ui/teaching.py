"""The "Look closer" selector under the main chart: one teaching tool at a time, in a fragment.

Only the chosen panel is built, and a fragment keeps a tool's widgets from resending the main chart. A panel
that changes the page's run (a failed seed, a scene) sets ``rerun_app`` and the whole page reruns. The open
tool is in the link (``tool=``).
"""
from __future__ import annotations

import logging

import streamlit as st

import nnviz

from . import compare, inside
from .common import View, ss

log = logging.getLogger("nnviz.app")

# key (the panel's container is "tool_<key>"; the link's tool=<key>, ui.urlstate.TOOLS) -> (label, panel)
TOOLS = {
    "live_math": ("Live math", inside.live_math),
    "stepping": ("Step by step", inside.stepping),
    "sweep": ("Seed sweep", compare.seed_sweep),
    "ab": ("A/B", compare.ab_comparison),
    "hidden": ("Hidden units", inside.hidden_units),
    "gradcheck": ("Gradient check", inside.gradient_check),
    "health": ("Health", inside.health),
    "scenes": ("Scenes", compare.scenes),
}


# Constant CSS: a wide formula scrolls sideways instead of being cut off at the panel's edge. Written with
# st.html: style-only HTML renders nothing and loads far less script than markdown with unsafe HTML.
MATH_CSS = """<style>
[class*='st-key-tool_'] .katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 4px; }
[class*='st-key-tool_'] .katex { font-size: 1.05em; }
</style>"""


@st.fragment
def look_closer(view: View) -> None:
    st.html(MATH_CSS)
    with st.container(key="look_closer"):
        tool = st.segmented_control("Look closer", list(TOOLS), format_func=lambda k: TOOLS[k][0], key="tool",
                                    help="Open one tool on the run above; click it again to close it")
        link_tool(tool)
        if tool is not None:
            with st.container(key=f"tool_{tool}"):
                panel(tool, view)
    if ss.pop("rerun_app", False):
        ss.scroll_to_chart = True  # the run changed: show it, not the panel the click came from
        st.rerun(scope="app")


# Constant script, nothing a visitor typed: brings the main chart (with Play and the slider) into view, for
# 2.5 s while the page draws the new run and its layout settles.
SCROLL_TO_CHART = """<script>
(() => {
  const start = Date.now();
  const show = () => {
    const chart = document.querySelector('.st-key-training_view .js-plotly-plot');
    if (chart) { const box = chart.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) chart.scrollIntoView({block: 'center'}); }
    if (Date.now() - start < 2500) setTimeout(show, 100);
  };
  show();
})();
</script>"""


def scroll_to_chart() -> None:
    """After a panel loaded a scene or a seed: scroll the page back to the chart (asked by :func:`look_closer`)."""
    if ss.pop("scroll_to_chart", False):
        st.html(SCROLL_TO_CHART, unsafe_allow_javascript=True)


def link_tool(tool) -> None:
    """Put the open tool in the link: clicking a tool reruns only this fragment, not the page's URL sync."""
    if tool is None:
        if "tool" in st.query_params:
            del st.query_params["tool"]
    elif st.query_params.get("tool") != tool:
        st.query_params["tool"] = tool


def panel(tool: str, view: View) -> None:
    """One tool's panel; an engine error is a message, anything else is logged, never a traceback."""
    try:
        TOOLS[tool][1](view)
    except nnviz.NnvizError as error:
        st.error(str(error))
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("tool %s failed", tool)
        st.error("Something went wrong in this tool; try other settings.")


# Constant CSS, nothing a visitor typed. Presenter mode: larger type everywhere, no Streamlit chrome (so less
# padding above, 3 rem: the page's first line stays below the control that reopens a collapsed sidebar) but
# that control, a sidebar that opens over the page (the chart keeps its width, which its text is laid out
# for), no captions (the figure and the lecturer say it), Plotly's slider grip and rail 1.4x (Plotly draws
# them at a fixed size), and blocks that wrap instead of cutting their text at 1280x720.
PRESENTER_CSS = """<style>
html { font-size: 21px; }
[data-testid='stHeader'] { background: transparent; pointer-events: none; }
[data-testid='stHeader'] * { visibility: hidden; }
[data-testid='stExpandSidebarButton'], [data-testid='stExpandSidebarButton'] * { visibility: visible;
  pointer-events: auto; }
[data-testid='stExpandSidebarButton'] { transform: scale(1.4); background: #ffffffd9; border-radius: 6px; }
[data-testid='stDecoration'] { display: none; }
[data-testid='stMain'] [data-testid='stCaptionContainer'] { display: none; }
[data-testid='stMetricValue'] { font-size: 1.8rem; }
[data-testid='stMainBlockContainer'] { padding: 3rem 2.5rem 2rem 3rem !important; }
[data-testid='stSidebar'] { position: fixed !important; z-index: 999990; box-shadow: 0 0 24px #0004; }
.js-plotly-plot .slider-grip-rect { width: 28px; height: 28px; x: -4px; y: -4px; rx: 14px; ry: 14px; }
.js-plotly-plot .slider-rail-rect { height: 7px; y: -1px; }
.st-key-downloads [data-testid='stHorizontalBlock'] { flex-wrap: wrap; }
.st-key-downloads [data-testid='stColumn'] { min-width: fit-content; flex: 1 1 auto; }
.st-key-look_closer [data-testid='stButtonGroup'] button { font-size: 0.8rem; padding-left: 0.5rem;
  padding-right: 0.5rem; }
</style>"""


def presenter_css(on: bool) -> None:
    if on:
        st.html(PRESENTER_CSS)
