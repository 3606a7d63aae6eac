"""The "Look closer" teaching tools driven through AppTest: each shows the engine's own numbers."""
from __future__ import annotations

import base64

import numpy as np
import pytest

import nnviz
from nnviz import diagnostics, figures
from ui import scenes, urlstate
from nnviz.explain import explain, latex
from nnviz.script import export_script
from test_app import block, config, downloaded, healthy, media, open_app, predictions  # noqa: F401
from conftest import chart_spec, charts
from test_text import as_shown
from ui import teaching

TOOLS = ["live_math", "stepping", "sweep", "ab", "hidden", "gradcheck", "health", "scenes"]
TUTORIAL = nnviz.preset("tutorial")


def open_tool(tool: str, **params):
    at = open_app(**params)
    at.segmented_control(key="tool").set_value(tool).run()
    return at


def panel(at, tool: str):
    found = block(at, f"tool_{tool}")
    assert found is not None, f"no tool_{tool} container"
    return found


def decode(value):
    """A Plotly JSON array: a list, or plotly 7's base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return array.reshape(value["shape"]) if "shape" in value else array
    return np.array([np.nan if v is None else v for v in value] if value and not isinstance(value[0], list)
                    else value, dtype=float)


def formulas(at, tool: str) -> list[str]:
    """The st.latex formulas of a panel, without the $$ delimiters st.latex adds."""
    return [f.value.strip().removeprefix("$$").removesuffix("$$").strip() for f in panel(at, tool).get("latex")]


def chart_traces(at, tool: str, index: int = 0) -> list[dict]:
    return chart_spec(charts(panel(at, tool))[index])["data"]


def main_run(**options) -> nnviz.TrainingRun:
    return nnviz.train(*TUTORIAL, **options)


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_renders(tool):
    at = open_tool(tool)
    assert healthy(at)
    shown = panel(at, tool)
    assert charts(shown) or shown.get("latex") or shown.get("selectbox")
    others = [t for t in TOOLS if t != tool]
    assert all(block(at, f"tool_{t}") is None for t in others)  # one panel at a time


def test_no_tool_by_default():
    at = open_app()
    assert healthy(at) and at.segmented_control(key="tool").value is None
    assert all(block(at, f"tool_{t}") is None for t in TOOLS)


def test_live_math_shows_the_engines_numbers():
    at = open_tool("live_math")
    at.selectbox(key="math_row").set_value(1).run()
    at.select_slider(key="math_iteration").set_value(0).run()
    assert healthy(at)
    shown = formulas(at, "live_math")
    expected = latex(explain(main_run(), 0, 1))
    assert shown == [formula for _, formula in expected]
    first_output = explain(main_run(), 0, 1).activations[-1][1, 0]
    assert f"{first_output:.3g}" in shown[1]  # ŷ of row 2 before any update
    at.select_slider(key="math_iteration").set_value(1500).run()
    assert formulas(at, "live_math") == [
        formula for _, formula in latex(explain(main_run(), -1, 1))]


def step_state(at) -> dict:
    return at.session_state["stepping"]


def test_step_1_then_10_reaches_iteration_11():
    at = open_tool("stepping")
    assert step_state(at)["t"] == 0
    panel(at, "stepping").button(key="step_1").click().run()
    assert healthy(at) and step_state(at)["t"] == 1
    panel(at, "stepping").button(key="step_10").click().run()
    assert healthy(at) and step_state(at)["t"] == 11
    assert any("Iteration 11" in m.value for m in panel(at, "stepping").markdown)
    # the change heatmap is the change of the parameters over that step, iterations 1 -> 11
    reference = main_run(iterations=11, snapshot_iterations=[1, 11])
    change = reference.parameters[-1] - reference.parameters[-2]
    maps = [t for t in chart_traces(at, "stepping") if t["type"] == "heatmap"]
    for trace, expected in zip(maps, reference.layout.weights(change)):
        np.testing.assert_array_equal(decode(trace["z"]), expected)
    # the state after 11 steps is the main run's iteration 11, bit for bit
    full = main_run(snapshot_iterations=[11])
    np.testing.assert_array_equal(reference.parameters[-1], full.parameters[list(full.snapshot_iterations).index(11)])
    # and its maths is that state's
    shown = formulas(at, "stepping")
    assert shown == [formula for _, formula in latex(explain(reference, -1, 0))]


def test_step_one_at_a_time_and_reset():
    at = open_tool("stepping")
    for t in (1, 2, 3):
        panel(at, "stepping").button(key="step_1").click().run()
        assert step_state(at)["t"] == t
    reference = main_run(iterations=3, snapshot_iterations=[2, 3])
    first = [t for t in chart_traces(at, "stepping") if t["type"] == "heatmap"][0]
    np.testing.assert_array_equal(decode(first["z"]), reference.layout.weights(
        reference.parameters[-1] - reference.parameters[-2])[0])
    panel(at, "stepping").button(key="step_100").click().run()
    assert step_state(at)["t"] == 103
    panel(at, "stepping").button(key="step_reset").click().run()
    assert healthy(at) and step_state(at)["t"] == 0
    assert not charts(panel(at, "stepping"))  # the starting weights: nothing has changed yet


def test_stepping_starts_over_when_the_config_changes():
    at = open_tool("stepping")
    panel(at, "stepping").button(key="step_10").click().run()
    assert step_state(at)["t"] == 10
    at.sidebar.number_input(key="learning_rate").set_value(0.5).run()
    assert healthy(at) and step_state(at)["t"] == 0


def test_sweep_fraction_is_train_many():
    at = open_tool("sweep")
    assert healthy(at)
    sweep = nnviz.train_many(*TUTORIAL, networks=100, config=main_run().config.replace(seed=0))
    metric = {m.label: m.value for m in panel(at, "sweep").get("metric")}
    assert metric["Learned the table"] == f"{sweep.fraction_learned:.0%}"
    bars = [t for t in chart_traces(at, "sweep") if t["type"] == "bar"]
    assert sum(decode(t["y"]).sum() for t in bars) == 100
    buttons = [b.label for b in panel(at, "sweep").button if b.key.startswith("failed_seed_")]
    assert buttons == [str(s) for s in sweep.failed_seeds]


def test_clicking_a_failed_seed_loads_it():
    at = open_tool("sweep")
    seed = nnviz.train_many(*TUTORIAL, networks=100).failed_seeds[0]
    panel(at, "sweep").button(key=f"failed_seed_{seed}").click().run()
    assert healthy(at)
    assert at.session_state["seed"] == seed and config(at)["seed"] == seed
    assert at.sidebar.number_input(key="seed").value == seed
    assert not main_run(seed=seed).learned and not predictions(at)["right"].all()
    assert at.query_params["seed"] in (str(seed), [str(seed)])


def test_too_big_a_sweep_is_an_error_message():
    at = open_app(iterations="20000")
    at.segmented_control(key="tool").set_value("sweep").run()
    panel(at, "sweep").number_input(key="sweep_networks").set_value(1000).run()
    assert not at.exception
    assert any("networks" in e.value for e in panel(at, "sweep").error)


def test_ab_overlays_two_training_runs():
    at = open_tool("ab")
    panel(at, "ab").selectbox(key="ab_field").set_value("Hidden width").run()
    panel(at, "ab").slider(key="ab_hidden_width").set_value(2).run()
    assert healthy(at)
    a, b = chart_traces(at, "ab")
    run_a, run_b = main_run(), main_run(hidden=[2])
    assert a["name"].startswith("A: hidden 4") and b["name"].startswith("B: hidden 2")
    np.testing.assert_allclose(decode(a["y"]), run_a.loss[decode(a["x"]).astype(int)])
    np.testing.assert_allclose(decode(b["y"]), run_b.loss[decode(b["x"]).astype(int)])
    tables = [d.value for d in panel(at, "ab").get("dataframe")]
    np.testing.assert_allclose(tables[0]["y (output)"], run_a.predictions[:, 0], atol=1e-4)
    np.testing.assert_allclose(tables[1]["y (output)"], run_b.predictions[:, 0], atol=1e-4)


def test_ab_activation_keeps_the_main_run():
    at = open_tool("ab")
    before = config(at)
    panel(at, "ab").selectbox(key="ab_field").set_value("Activation").run()
    panel(at, "ab").selectbox(key="ab_activation").set_value("tanh").run()
    assert healthy(at) and config(at) == before
    _, b = chart_traces(at, "ab")
    np.testing.assert_allclose(decode(b["y"]), main_run(activation="tanh").loss[decode(b["x"]).astype(int)])


def test_hidden_units_heatmap_and_space():
    at = open_tool("hidden")
    heat = chart_traces(at, "hidden", 0)[0]
    np.testing.assert_allclose(decode(heat["z"]), main_run().hidden_activations(-1)[0], atol=5e-5)
    assert {t["type"] for t in chart_traces(at, "hidden", 1)} == {"scatter3d"}
    # not in the page's plotly.js bundle (ui/chart.py): drawn by st.plotly_chart, the full plotly.js
    assert [c.type for c in charts(panel(at, "hidden"))] == ["bidi_component", "plotly_chart"]
    panel(at, "hidden").multiselect(key="hidden_units_0").set_value([0, 1]).run()
    assert {t["type"] for t in chart_traces(at, "hidden", 1)} == {"scatter"}
    panel(at, "hidden").multiselect(key="hidden_units_0").set_value([0]).run()
    assert healthy(at) and len(charts(panel(at, "hidden"))) == 1


def test_hidden_units_of_a_two_unit_layer_plot_without_asking():
    at = open_tool("hidden", hidden_width="2")
    assert healthy(at) and not panel(at, "hidden").multiselect
    assert {t["type"] for t in chart_traces(at, "hidden", 1)} == {"scatter"}


def test_gradient_check_badge_and_heatmap():
    at = open_tool("gradcheck")
    check = diagnostics.gradient_check(main_run())
    assert check.passed
    assert any(f"{check.max_error:.1e}" in s.value and s.value.startswith("Pass")
               for s in panel(at, "gradcheck").success)
    first = [t for t in chart_traces(at, "gradcheck") if t["type"] == "heatmap"][0]
    np.testing.assert_allclose(decode(first["z"]), main_run().layout.weights(
        np.clip(np.log10(check.relative_error), -12, 0))[0])


def test_health_notes_and_chart():
    at = open_tool("health", preset="xor", hidden_width="1")
    run = nnviz.train(*nnviz.preset("xor"), hidden=[1])
    text = " ".join(m.value for m in panel(at, "health").markdown)
    for note in diagnostics.health_notes(run):
        assert note in text
    names = {t["name"] for t in chart_traces(at, "health")}
    assert {"hidden layer 1", "W1", "W2"} <= names


def link(at) -> dict:
    """The page's query parameters, one string each."""
    return {k: (v[0] if isinstance(v, list) else v) for k, v in ((k, at.query_params[k]) for k in at.query_params)}


def link_notice(at) -> str:
    """The link notice as the visitor reads it (the page escapes its markdown)."""
    return " ".join(as_shown(w.value) for w in at.warning if "Parts of the link were ignored" in w.value)


def shows_scene(at, key: str) -> None:
    """The page shows the scene: its table, its configuration, and the Scenes panel open on its texts."""
    assert healthy(at)
    table, expected = scenes.scene(key).load()
    assert config(at) == expected.as_dict()
    shown = predictions(at)
    assert len(shown) == len(table.inputs)
    np.testing.assert_array_equal(shown[list(table.input_names)].to_numpy(), table.inputs)
    assert at.segmented_control(key="tool").value == "scenes"
    assert panel(at, "scenes").selectbox(key="scene_pick").value == key
    texts = block(at, "scene_texts")
    lesson = scenes.SCENES[key]
    assert lesson.title in texts.markdown[0].value and "loaded" in texts.markdown[0].value
    assert lesson.watch in texts.info[0].value
    assert lesson.try_it in texts.markdown[1].value and lesson.shows in texts.markdown[2].value


@pytest.mark.parametrize("scene", list(scenes.SCENES))
def test_scene_loads_table_config_and_seed(scene):
    at = open_tool("scenes", preset="and", learning_rate="0.3", seed="5")
    panel(at, "scenes").selectbox(key="scene_pick").set_value(scene).run()
    panel(at, "scenes").button(key="scene_load").click().run()
    shows_scene(at, scene)
    params = link(at)
    assert params["scene"] == scene and params["tool"] == "scenes"
    # the copied link opens the same scene, the same run
    again = open_app(**params)
    shows_scene(again, scene)
    assert not link_notice(again) and link(again) == params


@pytest.mark.parametrize("scene", list(scenes.SCENES))
def test_scene_link_opens_the_scene(scene):
    at = open_app(scene=scene)
    shows_scene(at, scene)
    assert not link_notice(at)
    assert link(at)["scene"] == scene and link(at)["tool"] == "scenes"


def test_scene_link_with_its_own_settings_keeps_them():
    at = open_app(scene="xor_one_unit", seed="5", tool="sweep")
    assert healthy(at) and not link_notice(at)
    assert config(at) == scenes.scene("xor_one_unit").config.replace(seed=5).as_dict()
    assert at.segmented_control(key="tool").value == "sweep" and block(at, "tool_sweep") is not None


def test_tool_link_opens_the_tool_and_a_click_puts_it_in_the_link():
    at = open_app(tool="sweep")
    assert healthy(at) and not link_notice(at)
    assert at.segmented_control(key="tool").value == "sweep"
    assert charts(panel(at, "sweep"))
    assert link(at)["tool"] == "sweep"
    at.segmented_control(key="tool").set_value("health").run()
    assert healthy(at) and link(at)["tool"] == "health"
    at.segmented_control(key="tool").set_value(None).run()
    assert healthy(at) and "tool" not in link(at)
    assert "scene" not in link(at)  # neither is written when not set


def test_every_tool_has_a_link_name():
    assert list(teaching.TOOLS) == list(urlstate.TOOLS) == TOOLS


@pytest.mark.parametrize("params", [{"scene": "nope"}, {"tool": "<b>x</b>"}, {"scene": "", "tool": "9" * 99},
                                    {"scene": "tutorial", "tool": "nope"}, {"scene": "l1_sparse"}])
def test_bad_scene_or_tool_gives_a_notice(params):
    at = open_app(**params)
    assert healthy(at)
    notice = link_notice(at)
    assert notice
    for name in params:
        if params[name] not in scenes.SCENES and params[name] not in urlstate.TOOLS:
            assert f"{name}=" in notice
    if params.get("scene") == "tutorial":  # a good scene with a bad tool: the scene, its panel open
        shows_scene(at, "tutorial")
    else:
        assert config(at) == nnviz.TrainConfig().as_dict()


def test_presenter_mode_round_trips_through_the_url():
    at = open_app()
    assert at.query_params["presenter"] in ("0", ["0"])
    at.sidebar.toggle(key="presenter").set_value(True).run()
    assert healthy(at)
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in ((k, at.query_params[k]) for k in at.query_params)}
    assert params["presenter"] == "1"
    again = open_app(**params)
    assert healthy(again) and again.session_state["presenter"] is True
    assert again.sidebar.toggle(key="presenter").value is True
    spec = charts(block(again, "training_view"))[0].proto.bytes.decode()
    assert figures.PRESENTER_NEGATIVE in spec and figures.NEGATIVE not in spec
    assert any("font-size" in h.value for h in again.get("html") if "<style>" in h.value)
    assert config(again) == config(at)


def test_presenter_mode_restyles_the_tools():
    at = open_tool("ab", presenter="1")
    assert healthy(at)
    spec = chart_spec(charts(panel(at, "ab"))[0])
    assert spec["layout"]["font"]["size"] >= figures.PRESENTER_TEXT_SCALE * figures.FONT_SIZE


def test_script_download_is_export_script(media):
    at = open_app(preset="xor", hidden_width="3", activation="tanh", seed="4")
    assert healthy(at)
    assert "Script (.py)" in [b.label for b in block(at, "downloads").get("download_button")]
    script = downloaded(at, media, "Script (.py)")
    content, name = bytes(script.content), script.filename
    xor = nnviz.preset("xor")
    assert content.decode() == export_script(xor.inputs, xor.targets, nnviz.make_config(**config(at)))
    assert name == "nnviz_run.py" and "hidden=[3]" in content.decode()
