"""The lecture hall at 1280x720, in the real browser, normal and presenter mode, both pages: the chart with Play and
its slider fits the screen on load, with a warning showing and after a scene is loaded; no text is cut or broken
mid-word; presenter mode's chart text and controls are at least 1.4x; its sidebar closes and opens again.
Screenshots of every "Look closer" panel in presenter mode go to /tmp/nnviz-shots/ (outside the repo).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import wait_idle, wait_whole_page
from test_browser import EXCEPTION, SHOTS, TIMEOUT, assert_no_exception
from test_browser_teaching import TOOLS

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 720}
CHART = ".js-plotly-plot"  # the page's first chart: the animated one

# Bounding boxes of the animated chart's Play button, slider and slider grip, and the main area's scroll.
CONTROLS_JS = """() => { const gd = document.querySelector('.js-plotly-plot');
  const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
  const play = Array.from(gd.querySelectorAll('.updatemenu-button')).find(b => b.textContent.trim() === 'Play');
  const text = play && play.querySelector('text');
  return {play: box(play), play_text: text ? parseFloat(getComputedStyle(text).fontSize) : null,
          slider: box(gd.querySelector('.slider-container')),
          grip: box(gd.querySelector('.slider-grip-rect')), rail: box(gd.querySelector('.slider-rail-rect'))}; }"""

# Text a person cannot read whole: an element that cuts its text (overflow hidden/clip or an ellipsis) and is
# narrower than it, a data grid that hides columns, and a one-word text broken over two lines.
CUT_TEXT_JS = r"""(root) => { const bad = [];
  const shown = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && r.right > 0 && r.left < innerWidth; };
  for (const e of root.querySelectorAll('*')) {
    if (e.closest('svg, .katex, [data-testid="stSidebar"][data-collapsed="true"], [data-testid="stIconMaterial"]')
        || !shown(e)) continue;
    const s = getComputedStyle(e);
    const cuts = ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
    const text = (e.innerText || '').trim();
    if (cuts && text && e.scrollWidth > e.clientWidth + 1) bad.push('cut: ' + text.slice(0, 40));
    if (e.matches('.dvn-scroller') && e.scrollWidth > e.clientWidth + 1)
      bad.push('grid hides columns: ' + ((e.closest('[class*="st-key-"]') || {}).className || '').match(/st-key-\S+/)
               + ' ' + e.scrollWidth + '>' + e.clientWidth);
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const word = n.textContent.trim(), parent = n.parentElement;
    // (a link in a code block wraps where it must: it is one long word)
    if (word.length < 2 || /\s/.test(word) || !parent || parent.closest('svg, .katex, pre') || !shown(parent)
        || parent.closest('[data-testid="stSidebar"][data-collapsed="true"]')) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size > 1) bad.push('broken word: ' + word);
  }
  return bad; }"""

# Every font size in the chart's spec (data and layout, not frames), by its path: comparable between two modes.
FONTS_JS = """() => { const gd = document.querySelector('.js-plotly-plot'), sizes = {};
  const walk = (node, path, font) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, path + '.' + i, false));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) {
      if (font && k === 'size' && typeof v === 'number') sizes[path + '.size'] = v;
      else walk(v, path + '.' + k, /font$/.test(k));
    } };
  walk(gd.data, 'data', false); walk(gd.layout, 'layout', false);
  return sizes; }"""


@pytest.fixture(scope="module")
def screen(browser):
    """One 1280x720 tab for the module (a projector's screen)."""
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def open_page(page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_function("""() => { const gd = document.querySelector('.js-plotly-plot');
        return !!(gd && gd._fullLayout && gd.querySelector('.slider-grip-rect')); }""", timeout=TIMEOUT)
    wait_whole_page(page, TIMEOUT)
    page.wait_for_timeout(300)  # the last layout pass after the chart's first draw


def controls(page) -> dict:
    return page.evaluate(CONTROLS_JS)


def assert_fits(page, when: str) -> dict:
    """Play and the slider lie inside the 1280x720 screen."""
    boxes = controls(page)
    for name in ("play", "slider"):
        box = boxes[name]
        assert box and box["top"] >= 0 and box["bottom"] <= SCREEN["height"] and box["left"] >= 0 \
            and box["right"] <= SCREEN["width"], (when, name, box)
    return boxes


# Tick labels of the main chart that reach past its sides (Plotly draws them clipped there)
LABELS_PAST_EDGE_JS = """(gd) => { const r = gd.getBoundingClientRect();
  return Array.from(gd.querySelectorAll('.xaxislayer-above text, .yaxislayer-above text')).filter(t => {
    const b = t.getBoundingClientRect(); return b.width > 0 && (b.left < r.left - 0.5 || b.right > r.right + 0.5);
  }).map(t => t.textContent); }"""


def assert_labels_inside(page, when: str) -> None:
    outside = page.locator(".st-key-training_view .js-plotly-plot").evaluate(LABELS_PAST_EDGE_JS)
    assert outside == [], (when, outside)


def assert_nothing_cut(page, root: str, when: str) -> None:
    bad = page.locator(root).first.evaluate(CUT_TEXT_JS)
    assert bad == [], (when, bad)


def url(base: str, path: str = "/", presenter: bool = False, **params) -> str:
    query = dict(params, **({"presenter": "1"} if presenter else {}))
    return base.rstrip("/") + path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_truth_table_page_fits_the_screen(screen, app_server, presenter):
    page = screen
    open_page(page, url(app_server, presenter=presenter))
    assert_fits(page, "on load")
    assert_nothing_cut(page, '[data-testid="stAppViewContainer"]', "on load")
    assert_labels_inside(page, "on load")
    # a run that diverges: its warning sits beside the headline figures, the chart stays in view
    open_page(page, url(app_server, presenter=presenter, activation="tanh", output_activation="linear",
                         learning_rate=0.5, tool="scenes"))
    expect(page.locator(".st-key-summary_notes")).to_contain_text("diverged")
    assert_fits(page, "with a warning")
    assert_nothing_cut(page, '[data-testid="stAppViewContainer"]', "with a warning")
    assert_labels_inside(page, "with a warning")  # a loss axis up to 1e+300
    # a scene loaded from the bottom of the page: the chart comes back into view
    panel = page.locator(".st-key-tool_scenes")
    panel.get_by_role("button", name="Load this scene").scroll_into_view_if_needed()
    panel.get_by_role("button", name="Load this scene").click()
    expect(panel.locator(".st-key-scene_texts")).to_contain_text("loaded")
    wait_idle(page, TIMEOUT)
    page.wait_for_timeout(2600)  # the page keeps the chart in view while the new run is drawn
    assert_fits(page, "after loading a scene")
    assert_no_exception(page)


def test_loading_a_failed_seed_brings_the_chart_back_into_view(screen, app_server):
    """The seed sweep sits under the chart; clicking one of its failed seeds trains that seed, and the page
    scrolls back up to the chart that now shows it."""
    page = screen
    open_page(page, url(app_server, tool="sweep"))
    button = page.locator(".st-key-failed_seeds button").first
    seed = button.inner_text().strip()
    button.scroll_into_view_if_needed()
    assert controls(page)["play"]["bottom"] < 0, "the chart should be scrolled out of view before the click"
    button.click()
    page.wait_for_function("(seed) => new URLSearchParams(location.search).get('seed') === seed", arg=seed,
                           timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    page.wait_for_timeout(2600)  # the page keeps the chart in view while the new run is drawn
    assert_fits(page, f"after loading failed seed {seed}")
    assert_no_exception(page)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_plane_page_fits_the_screen(screen, app_server, presenter):
    page = screen
    open_page(page, url(app_server, "/Plane", presenter=presenter))
    assert_fits(page, "on load")
    assert_nothing_cut(page, '[data-testid="stAppViewContainer"]', "on load")
    # a learning rate that diverges: the warning is under the chart, which stays in view
    open_page(page, url(app_server, "/Plane", presenter=presenter, dataset="plane", learning_rate=10,
                         activation="relu"))
    expect(page.locator(".st-key-pl_stepper")).to_contain_text("diverged")
    assert_fits(page, "with a warning")
    assert_no_exception(page)


@pytest.mark.parametrize("path", ["/", "/Plane"])
def test_presenter_mode_enlarges_the_chart_text_and_controls(screen, app_server, path):
    page = screen
    open_page(page, url(app_server, path))
    normal, normal_controls = page.evaluate(FONTS_JS), controls(page)
    open_page(page, url(app_server, path, presenter=True))
    large, large_controls = page.evaluate(FONTS_JS), controls(page)
    assert normal.keys() == large.keys() and len(normal) > 10
    small = {k: (normal[k], large[k]) for k in normal if large[k] < 1.4 * normal[k]}
    assert small == {}, small
    # Play's label (its box keeps Plotly's 33 px minimum height and widens); the slider's grip and rail
    assert large_controls["play_text"] >= 1.4 * normal_controls["play_text"]
    assert large_controls["play"]["width"] > normal_controls["play"]["width"]
    for control in ("grip", "rail"):
        assert large_controls[control]["height"] >= 1.4 * normal_controls[control]["height"], control


def test_every_look_closer_panel_in_presenter_mode(screen, app_server):
    """Each panel at 1280x720 in presenter mode: nothing cut or broken mid-word; a screenshot to look at."""
    page = screen
    open_page(page, url(app_server, presenter=True))
    SHOTS.mkdir(parents=True, exist_ok=True)
    picker = page.locator(".st-key-look_closer")
    buttons = picker.get_by_role("radio")
    tops = {round(b["y"]) for b in (buttons.nth(i).bounding_box() for i in range(buttons.count()))}
    assert len(tops) == 1, "the tool buttons wrap onto more than one row"
    for tool, label in TOOLS.items():
        picker.get_by_role("radio", name=label, exact=True).click()
        panel = page.locator(f".st-key-tool_{tool}")
        panel.wait_for(timeout=TIMEOUT)
        page.wait_for_function("""(sel) => { const root = document.querySelector(sel);
            return !!root && (root.querySelectorAll('.js-plotly-plot').length === 0
              || Array.from(root.querySelectorAll('.js-plotly-plot')).every(gd => gd.querySelector('.main-svg'))); }""",
                               arg=f".st-key-tool_{tool}", timeout=TIMEOUT)
        wait_idle(page, TIMEOUT)
        page.wait_for_timeout(300)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert_nothing_cut(page, f".st-key-tool_{tool}", tool)
        panel.screenshot(path=str(SHOTS / f"presenter_panel_{tool}.png"))
    assert_nothing_cut(page, '[data-testid="stMainBlockContainer"]', "the whole page")


def test_presenter_sidebar_closes_and_opens_again(screen, app_server):
    page = screen
    open_page(page, url(app_server, presenter=True))
    sidebar = page.locator('[data-testid="stSidebar"]')
    reopen = page.locator('[data-testid="stExpandSidebarButton"]')
    expect(sidebar).to_have_attribute("data-collapsed", "true")  # opens closed: the chart gets the width
    expect(reopen).to_be_visible()
    reopen.click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    expect(sidebar.get_by_text("Presenter mode", exact=True)).to_be_in_viewport()
    sidebar.hover()
    page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    expect(reopen).to_be_visible()
    reopen.click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    assert_fits(page, "sidebar open")  # it opens over the page: the chart keeps its place
