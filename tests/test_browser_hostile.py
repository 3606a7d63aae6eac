"""Hostile links in a real browser: text from a link never becomes a link, an image or markup on the page.

After opening a link with markdown or HTML in a parameter name, a value, ``hide=`` or the column names, every
``a[href]``, ``img[src]`` and SVG ``a`` / ``image`` on the page points into the app (or is inline data), no
request leaves for another origin, and the link's text is shown as text (the notice, the chart's labels).
"""
from __future__ import annotations

from urllib.parse import urlencode, urlparse

import pytest
from playwright.sync_api import Page

from conftest import wait_whole_page
from test_browser import TIMEOUT, assert_no_exception

pytestmark = pytest.mark.browser

EVIL = "evil.example"
CHART_DRAWN_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .some(gd => gd._fullData && gd._fullData.length > 0 && gd.querySelector('.main-svg'))"""

# Every address an element of the page points to: links, images, SVG links and images (href or xlink:href).
POINTERS_JS = """() => {
  const XLINK = 'http://www.w3.org/1999/xlink';
  const found = [];
  const add = (el, kind, raw) => { if (raw != null && raw !== '') found.push({kind, raw,
      url: new URL(raw, document.baseURI).href, html: el.outerHTML.slice(0, 200)}); };
  for (const el of document.querySelectorAll('a[href]')) add(el, 'a', el.getAttribute('href'));
  for (const el of document.querySelectorAll('img[src]')) add(el, 'img', el.getAttribute('src'));
  for (const el of document.querySelectorAll('img[srcset], source[srcset]')) add(el, 'srcset', el.getAttribute('srcset'));
  for (const el of document.querySelectorAll('svg a, svg image, svg use')) {
    add(el, 'svg ' + el.localName, el.getAttribute('href'));
    add(el, 'svg ' + el.localName, el.getAttributeNS(XLINK, 'href'));
  }
  return found;
}"""

MAIN_LINKS = [
    {"[Session expired, log in](http://evil.example/login)": "1"},
    {"[log in](http://evil.example)": "1"},  # short enough to survive the 30-character cap
    {"seed": "[x](http://evil.example)"},
    {"![x](http://evil.example/t.png)": "1"},
    {"seed": "http://evil.example www.evil.example a@evil.example", "loss": "<img src=//evil.example/t.png>"},
    {"table": "0,0:0;0,1:1;1,0:1;1,1:0", "names": "[log in](http://evil.example),![i](http://evil.example/t.png):y"},
    {"table": "0,0:0;0,1:1;1,0:1;1,1:0", "names": '<a href="//evil.example/">x1</a>,x2:y'},
]
PLANE_LINKS = [
    {"hide": "[log in](http://evil.example)"},
    {"[Session expired, log in](http://evil.example/login)": "1"},
    {"[log in](http://evil.example)": "1"},
    {"![x](http://evil.example/t.png)": "1"},
    {"noise": "[x](http://evil.example)", "dataset": "<img src=//evil.example/t.png>"},
]
CASES = [("/", p) for p in MAIN_LINKS] + [("/Plane", p) for p in PLANE_LINKS]


def open_hostile(page: Page, server: str, path: str, params: dict) -> list[str]:
    """Open the link; returns the URLs of every request the page made."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}{path}?{urlencode(params)}", timeout=TIMEOUT)
    page.wait_for_function(CHART_DRAWN_JS, timeout=TIMEOUT)
    wait_whole_page(page, TIMEOUT)
    page.wait_for_timeout(1000)  # late requests: images, favicon, fonts
    return requests


def outside(url: str, own: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob"):  # inline (Plotly paints heatmaps as data: images)
        return False
    return parsed.scheme not in ("http", "https") or parsed.netloc != own


@pytest.mark.parametrize("path,params", CASES, ids=[f"{p}:{','.join(q)[:24]}" for p, q in CASES])
def test_hostile_link_puts_no_link_or_image_on_the_page(page: Page, app_server, path, params):
    requests = open_hostile(page, app_server, path, params)
    own = urlparse(app_server).netloc
    pointers = page.evaluate(POINTERS_JS)
    away = [p for p in pointers if outside(p["url"], own) and p["kind"] != "srcset"]
    away += [p for p in pointers if p["kind"] == "srcset" and EVIL in p["raw"]]
    # Streamlit's own chrome may link to its documentation; nothing may point to the link's host.
    assert not [p for p in away if EVIL in p["url"] or EVIL in p["raw"]], away
    assert not [p for p in away if not urlparse(p["url"]).netloc.endswith(("streamlit.io", "streamlit.app"))], away
    assert not [url for url in requests if EVIL in urlparse(url).netloc], "a request went to the link's host"
    assert_no_exception(page)
    if "names" not in params:  # the notice says what was ignored, as plain text
        notice = page.get_by_text("Parts of the link were ignored")
        assert notice.count() >= 1
        assert "evil" in notice.first.inner_text() or "hide=" in notice.first.inner_text() or any(
            k.startswith(("[", "!")) for k in params)


def test_hostile_column_names_show_as_text_in_the_chart(page: Page, app_server):
    open_hostile(page, app_server, "/", MAIN_LINKS[-1])
    labels = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot svg text'))
                                .map(t => t.textContent)""")
    assert any('‹a href="//evil.example/"›x1‹/a›' in label for label in labels), labels
    assert page.locator(".js-plotly-plot svg a").count() == 0
