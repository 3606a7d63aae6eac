"""The app works offline (a lecture room without internet): every request a page makes goes to the app's own
server, on both pages and in presenter mode. The page icon once came from a font CDN and broke offline.

The same page loads check what a first visit fetches: the charts' plotly.js bundle (ui/chart.py), never
Streamlit's full plotly.js (4.7 MB), the bundle before the table editor's grid scripts, and no
markdown-with-HTML script (184 KB) for the pages' CSS."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page

from conftest import wait_whole_page
from ui.chart import PLOTLY_BUNDLE
from test_browser import TIMEOUT, assert_no_exception

pytestmark = pytest.mark.browser

CHART_DRAWN_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .some(gd => gd._fullData && gd._fullData.length > 0 && gd.querySelector('.main-svg'))"""


@pytest.mark.parametrize("path", ["/", "/?presenter=1", "/Plane", "/Plane?presenter=1"])
def test_every_request_goes_to_the_app_itself(page: Page, app_server, path):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app_server + path, timeout=TIMEOUT)
    page.wait_for_function(CHART_DRAWN_JS, timeout=TIMEOUT)
    wait_whole_page(page, TIMEOUT)
    page.wait_for_timeout(1500)  # late requests: favicon, fonts, icons
    own = urlparse(app_server).netloc
    assert requests, "the page made no request at all: the recorder saw nothing"
    elsewhere = sorted({url for url in requests if urlparse(url).scheme in ("http", "https", "ws", "wss")
                        and urlparse(url).netloc != own})
    assert not elsewhere, f"requests to other origins: {elsewhere}"
    scripts = [urlparse(url).path.rsplit("/", 1)[-1] for url in requests if urlparse(url).path.endswith(".js")]
    assert not [s for s in scripts if s.startswith("rehype-raw")], "markdown with HTML loaded rehype-raw"
    assert PLOTLY_BUNDLE in scripts, f"scripts requested: {scripts}"
    assert not [s for s in scripts if s.startswith("PlotlyChart.")], "Streamlit's full plotly.js was loaded"
    if not path.startswith("/Plane"):
        grid = next((i for i, s in enumerate(scripts) if s.startswith("DataFrame.")), None)
        assert grid is not None, f"scripts requested: {scripts}"
        assert scripts.index(PLOTLY_BUNDLE) < grid, "the table's grid script came before the chart's"
    assert_no_exception(page)
