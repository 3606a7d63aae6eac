"""Plotly charts drawn by plotly.js's cartesian bundle, served from static/ (enableStaticServing), not by
st.plotly_chart.

Why: st.plotly_chart loads Streamlit's Plotly chunk, the full plotly.js (4.7 MB of JavaScript to fetch, parse and
compile). nnviz draws scatter, heatmap and bar traces, which the cartesian bundle (1.5 MB) holds, so a first
visit's chart is drawn sooner than a bare Streamlit page's one Plotly chart (benchmarks/app.py --first-visit).
A figure with a trace the bundle lacks (the 3-D view of three hidden units: scatter3d) goes to st.plotly_chart.
The bundle is the one plotly.py's schema describes (same plotly.js version: tests/test_chart.py checks both),
so the figures the tests validate are the figures drawn.

The component (no iframe, no shadow root) draws with Plotly.react into one element it keeps across reruns: new
data updates the chart in place, unchanged data is not sent again (Streamlit sends an element it already sent
by its hash). The figure travels as JSON bytes: Streamlit hashes bytes as they are, where a dict would be
written out as JSON twice per rerun by the standard library.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import streamlit as st

from nnviz.figures.spec import figure_json

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PLOTLY_VERSION = "4.1.1"  # plotly.py 7.1.0's plotly.js
PLOTLY_BUNDLE = f"plotly-cartesian-{PLOTLY_VERSION}.min.js"  # versioned: a proxy may cache it for good

# Constant script, nothing a visitor typed. The bundle is fetched once per page (window.__nnvizPlotly), the
# first time a chart needs it, relative to the page like Streamlit's own files (so under any base URL path).
# The element holds the figure's height before Plotly is there, so nothing below it moves when it draws. A
# ResizeObserver redraws at a new width (the sidebar opened or closed: the window did not resize).
CHART_JS = """
function plotly(bundle) {
  if (!window.__nnvizPlotly) {
    window.__nnvizPlotly = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('./app/static/' + bundle, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__nnvizPlotly = null;  // the next chart tries again
        script.remove();
        reject(new Error('plotly.js did not load'));
      };
      document.head.appendChild(script);
    });
  }
  return window.__nnvizPlotly;
}

export default function({ parentElement, data }) {
  const spec = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  let gd = parentElement.querySelector(':scope > .nnviz-chart');
  if (!gd) {
    gd = document.createElement('div');
    gd.className = 'nnviz-chart';
    gd.style.width = '100%';
    parentElement.appendChild(gd);
  }
  gd.style.minHeight = (spec.figure.layout.height || 450) + 'px';
  let drawnWidth = null;
  const observer = new ResizeObserver(() => {
    const width = gd.clientWidth;
    if (gd._fullLayout && drawnWidth !== null && width !== drawnWidth) {
      drawnWidth = width;
      window.Plotly.Plots.resize(gd);
    }
  });
  plotly(spec.bundle).then((Plotly) => {
    if (!gd.isConnected) return;
    gd.querySelector(':scope > .nnviz-chart-error')?.remove();
    return Plotly.react(gd, {data: spec.figure.data, layout: spec.figure.layout,
                             frames: spec.figure.frames || [], config: spec.config}).then(() => {
      drawnWidth = gd.clientWidth;
      observer.observe(gd);
    });
  }).catch(() => {
    if (gd._fullLayout || gd.querySelector('.nnviz-chart-error')) return;
    const note = document.createElement('p');
    note.className = 'nnviz-chart-error';
    note.textContent = 'This chart could not be drawn: its script (plotly.js) did not arrive. Reload the page.';
    gd.appendChild(note);
  });
  return () => {
    observer.disconnect();
    // Streamlit calls this before drawing new data too: the chart stays for Plotly.react unless it left the page.
    setTimeout(() => { if (!gd.isConnected && window.Plotly) window.Plotly.purge(gd); }, 0);
  };
}
"""

# The bundle's trace modules, as its README lists them (tests/test_figures_schema.py reads them off the file).
BUNDLE_TRACES = frozenset(("bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                           "image", "pie", "scatter", "scatterternary", "violin"))
COMPONENT_NAME = "nnviz_plotly_chart"
DEFAULT_CONFIG = {"displaylogo": False, "scrollZoom": False}
STATIC_CONFIG = {**DEFAULT_CONFIG, "displayModeBar": False}  # charts with nothing to zoom or save


def chart_bytes(figure: Any, config: Optional[dict] = None) -> bytes:
    """What the chart's element carries: the figure (a go.Figure or its dict) and Plotly's config, as JSON."""
    return ('{"figure":%s,"config":%s,"bundle":%s}' % (
        figure_json(figure), json.dumps(config or DEFAULT_CONFIG), json.dumps(PLOTLY_BUNDLE))).encode()


def plotly_chart(figure: Any, key: str, config: Optional[dict] = None) -> None:
    """Draw ``figure`` (a go.Figure or its dict) across the container's width, its own colours and height."""
    spec = figure if isinstance(figure, dict) else figure.to_dict()  # a SpecFigure's own dict: no copy
    config = config or DEFAULT_CONFIG
    if any(trace.get("type", "scatter") not in BUNDLE_TRACES for trace in spec.get("data", ())):
        st.plotly_chart(figure, width="stretch", theme=None, key=key, config=config)  # the full plotly.js
        return
    # Registered where it is mounted, as Streamlit's own examples do: a registry belongs to a runtime.
    chart = st.components.v2.component(COMPONENT_NAME, js=CHART_JS, isolate_styles=False)
    chart(data=chart_bytes(spec, config), key=key)
