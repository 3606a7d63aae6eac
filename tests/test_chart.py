"""ui/chart.py: the plotly.js the page loads is the one plotly.py's schema describes, served by the app."""
from __future__ import annotations

import json
import re
import tomllib

import plotly.offline

from conftest import REPO_ROOT
from ui.chart import PLOTLY_BUNDLE, PLOTLY_VERSION, STATIC_DIR, chart_bytes


def test_the_bundle_is_the_plotly_js_of_plotly_py():
    """The tests validate figures against plotly.py's schema: the browser must draw them with that plotly.js."""
    header = (STATIC_DIR / PLOTLY_BUNDLE).read_text(encoding="utf-8")[:300]
    found = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", header)
    assert found, header
    assert found.group(1) == PLOTLY_VERSION == plotly.offline.get_plotlyjs_version()
    assert (STATIC_DIR / "plotly.js-LICENSE.txt").read_text().startswith("MIT License")


def test_the_app_serves_its_static_folder():
    """ui/chart.py fetches the bundle from ./app/static/, which Streamlit serves only when told to."""
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    assert STATIC_DIR == REPO_ROOT / "static"  # Streamlit serves the folder beside the main script


def test_chart_bytes_carry_the_figure_its_config_and_the_bundle():
    spec = {"data": [{"type": "scatter", "x": [0, 1], "y": [1, 0]}], "layout": {"height": 300}}
    sent = json.loads(chart_bytes(spec, {"displayModeBar": False}))
    assert sent == {"figure": spec, "config": {"displayModeBar": False}, "bundle": PLOTLY_BUNDLE}
