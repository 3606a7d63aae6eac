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

# key (the panel's container is "tool_<key>"; the link's tool=<key>, nnviz.urlstate.TOOLS) -> (label, panel)
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


# Constant CSS: a wide formula scrolls sideways instead of being cut off at the panel's edge.
MATH_CSS = """<style>
[class*='st-key-tool_'] .katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 4px; }
[class*='st-key-tool_'] .katex { font-size: 1.05em; }
</style>"""


@st.fragment
def look_closer(view: View) -> None:
    st.markdown(MATH_CSS, unsafe_allow_html=True)
    with st.container(key="look_closer"):
        tool = st.segmented_control("Look closer", list(TOOLS), format_func=lambda k: TOOLS[k][0], key="tool",
                                    help="Open one tool on the run above; click it again to close it")
        link_tool(tool)
        if tool is not None:
            with st.container(key=f"tool_{tool}"):
                panel(tool, view)
    if ss.pop("rerun_app", False):
        st.rerun(scope="app")


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
# padding above), no captions (the figure and the lecturer say it).
PRESENTER_CSS = """<style>
html { font-size: 21px; }
[data-testid='stHeader'], [data-testid='stToolbar'], [data-testid='stDecoration'] { display: none; }
[data-testid='stMain'] [data-testid='stCaptionContainer'] { display: none; }
[data-testid='stMetricValue'] { font-size: 1.8rem; }
[data-testid='stMainBlockContainer'] { padding-top: 1rem !important; }
</style>"""


def presenter_css(on: bool) -> None:
    if on:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
