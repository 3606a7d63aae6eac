"""The plane page (pages/2_Plane.py, served at /Plane) in headless Chromium: it loads with the boundary chart,
a feature toggle reshapes the network, Play advances the boundary, a copied link reproduces the run, and a hide
flag hides a control. Screenshots of each test's end state go to /tmp/nnviz-shots/ (outside the repo)."""
from __future__ import annotations

import json

import pytest
from conftest import wait_idle
from test_browser import assert_no_exception
from test_browser import shot as screenshot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT = 90_000  # ms; 2 cores shared with other work
PLANE = ".st-key-pl_plane .js-plotly-plot"
NETWORK = ".st-key-pl_network .js-plotly-plot"
SIDEBAR = '[data-testid="stSidebar"]'

expect.set_options(timeout=30_000)

# The boundary chart as Plotly decoded it: the boundary grid's checksum and shape, the points, the timeline.
STATE_JS = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd._fullData || !gd._fullLayout || !gd._fullData.length) return null;
  const z = gd._fullData[0].z;
  if (!z || !z.length || !gd._fullLayout.sliders || !gd._transitionData) return null;  // mid-redraw
  let sum = 0; for (const row of z) for (const v of row) sum += v;
  const byName = Object.fromEntries(gd._fullData.map(t => [t.name, t]));
  const pts = byName['training points'];
  return {rows: z.length, cols: z[0].length, sum, names: gd._fullData.map(t => t.name),
          points: pts ? Array.from(pts.x).map((x, i) => [x, pts.y[i], pts.marker.color[i]]) : [],
          active: gd._fullLayout.sliders[0].active, frames: gd._transitionData._frames.length};
}"""
NETWORK_MAPS_JS = """(sel) => { const gd = document.querySelector(sel);
  return gd && gd._fullData ? gd._fullData.filter(t => t.type === 'heatmap').map(t => t.name) : null; }"""


def state(page: Page) -> dict | None:
    return page.evaluate(STATE_JS, PLANE)


def wait_state(page: Page, condition_js: str = "s => true", arg=None) -> dict:
    page.wait_for_function(f"([sel, arg]) => {{ const s = ({STATE_JS})(sel); return !!s && ({condition_js})(s, arg); }}",
                           arg=[PLANE, arg], timeout=TIMEOUT)
    return state(page)


def open_plane(page: Page, url: str) -> dict:
    page.set_default_timeout(TIMEOUT)
    page.goto(url, timeout=TIMEOUT)
    result = wait_state(page)
    page.locator(NETWORK).first.wait_for(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    return result


def shot(page: Page, name: str) -> None:
    screenshot(page, f"plane_{name}")


def test_page_loads_with_the_boundary_chart(page: Page, app_server):
    s = open_plane(page, app_server + "/Plane")
    assert (s["rows"], s["cols"]) == (100, 100)
    assert s["names"][:3] == ["boundary", "training points", "test points"]
    assert s["frames"] == 101 and s["active"] == 100 and len(s["points"]) == 200
    expect(page.locator(f"{PLANE} .updatemenu-button", has_text="Play")).to_have_count(1)
    assert page.locator(f"{PLANE} .hm image, {PLANE} .heatmaplayer image").count() >= 1  # really drawn
    assert len(page.evaluate(NETWORK_MAPS_JS, NETWORK)) == 2 + 4 + 2 + 1
    expect(page.locator(".st-key-pl_stepper", has_text="Epoch 100")).to_be_visible()
    expect(page.locator(".st-key-pl_neuron .js-plotly-plot")).to_be_visible()
    assert "dataset=circle" in page.url  # the state is in the link
    assert_no_exception(page)
    shot(page, "loads")


def test_a_feature_toggle_reshapes_the_network_and_the_boundary(page: Page, app_server):
    before = open_plane(page, app_server + "/Plane")
    page.locator(SIDEBAR).get_by_role("button", name="x₁²").click()
    page.wait_for_function(f"() => (({NETWORK_MAPS_JS})({NETWORK!r}) || []).length === 3 + 4 + 2 + 1", timeout=TIMEOUT)
    after = wait_state(page, "(s, old) => s.sum !== old", before["sum"])
    wait_idle(page, TIMEOUT)
    assert page.evaluate(NETWORK_MAPS_JS, NETWORK)[:3] == ["x₁", "x₂", "x₁²"]
    assert after["points"] == before["points"]  # the same data, another network
    page.wait_for_function("() => window.location.search.includes('features=x1%2Cx2%2Cx1%5E2')", timeout=TIMEOUT)
    assert_no_exception(page)
    shot(page, "feature")


def test_play_advances_the_boundary_frame(page: Page, app_server):
    before = open_plane(page, app_server + "/Plane")
    page.locator(f"{PLANE} .updatemenu-button", has_text="Play").click()
    # From the last frame Play starts over at the first, then moves on: the grid changes with the frame.
    first = wait_state(page, "(s, old) => s.active !== old[0] && s.sum !== old[1]", [before["active"], before["sum"]])
    later = wait_state(page, "(s, old) => s.active > old[0] && s.sum !== old[1]", [first["active"], first["sum"]])
    assert later["active"] > first["active"]
    page.locator(f"{PLANE} .updatemenu-button", has_text="Pause").click()
    expect(page.locator(f"{PLANE} .slider-container text", has_text="Epoch").first).to_be_visible()
    assert_no_exception(page)
    shot(page, "play")


def test_a_copied_link_reproduces_the_run(page: Page, app_server):
    before = open_plane(page, app_server + "/Plane")
    url0 = page.url
    noise = page.locator(SIDEBAR).get_by_role("slider", name="Noise")
    noise.focus()
    page.keyboard.press("ArrowRight")  # 0 -> 5 %
    page.wait_for_function("old => window.location.href !== old && window.location.search.includes('noise=5')",
                           arg=url0, timeout=TIMEOUT)
    wait_state(page, "(s, old) => JSON.stringify(s.points) !== old", json.dumps(before["points"]))
    wait_idle(page, TIMEOUT)
    expect(noise).to_have_value("5")
    page.wait_for_timeout(500)  # let a late rerun land before reading what the page shows
    wait_idle(page, TIMEOUT)
    url, changed = page.url, state(page)
    other = page.context.new_page()
    try:
        copy = open_plane(other, url)
        expect(other.locator(SIDEBAR).get_by_role("slider", name="Noise")).to_have_value("5")
        assert copy["points"] == changed["points"] and copy["sum"] == changed["sum"]
        assert not other.locator('[data-testid="stAlert"]').count()  # no "ignored" notice
        assert_no_exception(other)
        shot(other, "copied_link")
    finally:
        other.close()


def test_a_hide_flag_hides_a_control(page: Page, app_server):
    open_plane(page, app_server + "/Plane?hide=dataset,noise&dataset=xor")
    bar = page.locator(SIDEBAR)
    expect(bar.get_by_role("slider", name="Points")).to_be_visible()
    assert bar.get_by_text("Dataset", exact=True).count() == 0
    assert bar.get_by_role("slider", name="Noise").count() == 0
    assert "hide=dataset%2Cnoise" in page.url and "dataset=xor" in page.url
    assert_no_exception(page)
    shot(page, "hide")


SLIDER_LABELS_JS = """(sel) => { const gd = document.querySelector(sel);
  return gd && gd._fullLayout && gd._fullLayout.sliders ? gd._fullLayout.sliders[0].steps.map(t => t.label) : []; }"""


def test_plus_epochs_extends_the_timeline(page: Page, app_server):
    open_plane(page, app_server + "/Plane")
    assert page.evaluate(SLIDER_LABELS_JS, PLANE)[-1].startswith("Epoch 100")
    page.locator(".st-key-pl_further").get_by_role("button", name="+100 epochs").click()
    page.wait_for_function(f"sel => {{ const l = ({SLIDER_LABELS_JS})(sel); return l.length > 0 && "
                           "l[l.length - 1].startsWith('Epoch 200'); }", arg=PLANE, timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    expect(page.locator(".st-key-pl_stepper", has_text="Epoch 200")).to_be_visible()
    page.wait_for_function("() => window.location.search.includes('epochs=200')", timeout=TIMEOUT)
    assert_no_exception(page)
    shot(page, "plus_epochs")
