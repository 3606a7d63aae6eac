"""The "Look closer" tools in the real browser: each panel draws, stepping moves, the sweep loads a seed,
presenter mode enlarges the page and survives a reload. Screenshots go to /tmp/nnviz-shots/ (outside the repo).
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from conftest import wait_idle
from ui.scenes import SCENES
from test_browser import EXCEPTION, PLOT, TIMEOUT, assert_no_exception, open_app, shot, wait_plot

pytestmark = pytest.mark.browser

expect.set_options(timeout=30_000)

TOOLS = {"live_math": "Live math", "stepping": "Step by step", "sweep": "Seed sweep", "ab": "A/B",
         "hidden": "Hidden units", "gradcheck": "Gradient check", "health": "Health", "scenes": "Scenes"}

# A panel's Plotly charts as Plotly decoded them: per chart, its traces' names, types and y values.
CHARTS_JS = """(root) => Array.from(root.querySelectorAll('.js-plotly-plot')).map(gd => (gd._fullData || []).map(
  t => ({name: t.name, type: t.type, y: t.y ? Array.from(t.y) : null})))"""


def choose(page: Page, tool: str):
    """Click a tool in the "Look closer" control; returns its panel once it is there."""
    page.locator(".st-key-look_closer").get_by_role("radio", name=TOOLS[tool], exact=True).click()
    panel = page.locator(f".st-key-tool_{tool}")
    panel.wait_for(timeout=TIMEOUT)
    return panel


def drawn(page: Page, tool: str) -> None:
    """Wait until a tool's panel shows a chart Plotly has drawn (its SVG, with data) or typeset formulas.

    By selector, not element handle: a rerun may replace the panel's element while we wait.
    """
    page.wait_for_function(
        """(sel) => { const root = document.querySelector(sel);
             return !!root && (!!root.querySelector('.katex') || Array.from(root.querySelectorAll('.js-plotly-plot'))
               .some(gd => gd._fullData && gd._fullData.length > 0 && gd.querySelector('.main-svg'))); }""",
        arg=f".st-key-tool_{tool}", timeout=TIMEOUT)


def font_px(page: Page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


def test_each_tool_shows_its_panel(page: Page, app_server):
    open_app(page, app_server)
    for tool in TOOLS:
        panel = choose(page, tool)
        if tool != "scenes":
            drawn(page, tool)
        else:
            expect(panel.locator('[data-testid="stAlert"]').first).to_contain_text("What to watch")
        wait_idle(page, TIMEOUT)
        for other in set(TOOLS) - {tool}:
            expect(page.locator(f".st-key-tool_{other}")).to_have_count(0)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert_no_exception(page)
    shot(page, "teaching_tools")


def test_live_math_typesets_the_tutorials_formulas(page: Page, app_server):
    open_app(page, app_server)
    panel = choose(page, "live_math")
    drawn(page, "live_math")
    expect(panel.locator(".katex-display")).to_have_count(8)
    expect(panel.locator(".katex-display").first).to_contain_text("layer")
    assert_no_exception(page)


def test_step_1_moves_the_iteration(page: Page, app_server):
    open_app(page, app_server)
    panel = choose(page, "stepping")
    status = panel.locator(".st-key-step_status")
    expect(status).to_contain_text("Iteration 0")
    wait_idle(page, TIMEOUT)
    panel.get_by_role("button", name="Step 1", exact=True).click()
    expect(status).to_contain_text("Iteration 1 ")
    panel.locator(".js-plotly-plot .hm, .js-plotly-plot .heatmaplayer").first.wait_for(timeout=TIMEOUT)
    expect(panel).to_contain_text("How much each weight changed in this iteration")
    wait_idle(page, TIMEOUT)
    panel.get_by_role("button", name="Step 10", exact=True).click()
    expect(status).to_contain_text("Iteration 11 ")
    wait_idle(page, TIMEOUT)
    assert_no_exception(page)
    shot(page, "stepping")


def test_seed_sweep_draws_and_loads_a_failed_seed(page: Page, app_server):
    open_app(page, app_server)
    panel = choose(page, "sweep")
    page.wait_for_function(
        """(sel) => { const gd = document.querySelector(sel + ' .js-plotly-plot');
           return !!(gd && gd._fullData && gd._fullData.some(t => t.type === 'bar'));}""",
        arg=".st-key-tool_sweep", timeout=TIMEOUT)
    charts = panel.evaluate(CHARTS_JS)
    bars = [t for t in charts[0] if t["type"] == "bar"]
    assert sum(sum(t["y"]) for t in bars) == 100
    assert {"median", "learned"} <= {t["name"] for t in charts[0]}
    wait_idle(page, TIMEOUT)
    failed = panel.locator(".st-key-failed_seeds button").first
    seed = failed.inner_text().strip()
    failed.click()
    seed_box = page.locator('[data-testid="stSidebar"]').get_by_label("Seed", exact=True)
    expect(seed_box).to_have_value(seed)
    page.wait_for_function("s => window.location.search.includes('seed=' + s)", arg=seed, timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    assert_no_exception(page)
    shot(page, "sweep")


def test_presenter_mode_enlarges_the_page_and_survives_a_reload(page: Page, app_server):
    open_app(page, app_server)
    metric = '[data-testid="stMetricLabel"]'
    before = font_px(page, metric)
    page.locator('[data-testid="stSidebar"]').get_by_text("Presenter mode", exact=True).click()
    page.wait_for_function("() => window.location.search.includes('presenter=1')", timeout=TIMEOUT)
    page.wait_for_function("""([sel, px]) => { const e = document.querySelector(sel);  // absent mid-rerun: wait on
                            return !!e && parseFloat(getComputedStyle(e).fontSize) > px; }""",
                           arg=[metric, before], timeout=TIMEOUT)
    # the figure's palette: vermillion instead of red for negative weights (the edges are line traces)
    page.wait_for_function("""() => { const gd = document.querySelector('.st-key-training_view .js-plotly-plot');
        return !!(gd && gd._fullData && gd._fullData.some(
            t => / edges /.test(t.name) && t.line && t.line.color === '#D55E00')); }""", timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    url = page.url
    page.reload()
    open_app(page, url)
    assert "presenter=1" in page.url
    assert font_px(page, metric) > before
    expect(page.locator('[data-testid="stSidebar"] [role="switch"], [data-testid="stSidebar"] input[type="checkbox"]')
           .first).to_be_checked()
    assert_no_exception(page)
    shot(page, "presenter")


def test_scene_link_opens_the_scene_and_a_tool_click_is_in_the_link(page: Page, app_server):
    lesson = SCENES["saturation"]
    state = open_app(page, app_server.rstrip("/") + "/?scene=saturation")
    texts = page.locator(".st-key-tool_scenes .st-key-scene_texts")
    expect(texts).to_contain_text(lesson.title)
    expect(texts).to_contain_text(lesson.watch)
    # its chart: the scene's own table (10 for every 1) and its run, stalled near loss 2/3
    table = state["traces"]["table"]["text"]
    assert [row[:3] for row in table] == [["0", "0", "10"], ["0", "10", "10"], ["10", "0", "10"], ["10", "10", "10"]]
    loss = state["traces"]["loss"]["y"]
    assert abs(loss[-1] - 0.667) < 0.01, loss[-1]
    expect(page.locator(PLOT).locator(".main-svg").first).to_be_visible()
    assert "scene=saturation" in page.url and "tool=scenes" in page.url
    # another tool: only the "Look closer" fragment reruns, and the link follows
    choose(page, "health")
    page.wait_for_function("() => window.location.search.includes('tool=health')", timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    assert "scene=saturation" in page.url
    assert_no_exception(page)
    choose(page, "scenes")
    expect(page.locator(".st-key-scene_texts")).to_contain_text(lesson.title)
    wait_idle(page, TIMEOUT)
    wait_plot(page)
    shot(page, "scene_link")
    # a hostile link: bad values fall back to the scene's, and the notice quotes them as plain text
    bad = {"tool": "[x](https://evil.example)", "seed": "![i](https://e.example/i.png)", "www.evil.example": "1",
           "iterations": "a@b.example", "learning_rate": ":red[x] $x^2$"}
    open_app(page, app_server.rstrip("/") + "/?scene=saturation&" + urlencode(bad))
    expect(page.locator(".st-key-scene_texts")).to_contain_text(lesson.title)
    notice = page.locator('[data-testid="stAlert"]', has_text="Parts of the link were ignored")
    # as written, but for an invisible word joiner inside "://", "www." and "@" that keeps them from linking
    shown = notice.inner_text().replace("\u2060", "")
    for text in [*bad.values(), "www.evil.example"]:
        assert text in shown, (text, shown)
    outside = page.evaluate("""(origin) => Array.from(document.querySelectorAll('a[href], img[src]'))
        .map(e => e.href || e.src).filter(u => !u.startsWith(origin))""", app_server.rstrip("/"))
    assert outside == []
    assert_no_exception(page)
    shot(page, "scene_link_hostile")
