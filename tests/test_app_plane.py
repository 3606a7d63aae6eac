"""The plane page (views/plane.py) driven through streamlit.testing.v1.AppTest: each control changes what it
should, CSV points load or are refused with a message, the link round-trips and hides controls, an edited weight
moves the boundary, the header and the network are in the one animated figure, Back and Step are in it (no
server round trip), the neuron chosen is drawn large in it."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz import playground
from ui import planeurl
from nnviz.figures.plane import png_levels

from conftest import askers, chart_key, chart_spec, charts
from test_text import as_shown

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "plane.py")


def open_page(**params) -> AppTest:
    """A visit: the first run (the chart alone) and the rerun the chart's page asks for (the whole page)."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run().run()


def chart(at: AppTest, key: str) -> dict:
    found = [c for c in charts(at) if chart_key(c) == key]
    assert found, f"no chart {key}"
    return chart_spec(found[0])


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def grid(typed) -> np.ndarray:
    """A heatmap's typed z, or an image trace's PNG source, as its uint8 grid (row 0 at the bottom)."""
    if isinstance(typed, str):
        return png_levels(typed)[0]
    shape = [int(s) for s in str(typed["shape"]).split(",")]
    return np.frombuffer(base64.b64decode(typed["bdata"]), dtype=np.dtype(typed["dtype"])).reshape(shape)


def boundary(spec: dict) -> np.ndarray:
    return grid(spec["layout"]["images"][0]["source"])


def config(at: AppTest) -> dict:
    return json.loads(at.session_state["pl_last_good"][0][3])


def settings(at: AppTest) -> dict:
    return at.session_state["pl_settings"]


def healthy(at: AppTest) -> bool:
    return not at.exception and not at.error


def points(at: AppTest, which: str = "training points") -> list:
    """(x1, x2, colour) of the points drawn (one trace per colour), sorted."""
    found = []
    for t in chart(at, "pl_plane_chart")["data"]:
        if t.get("name") == which:
            found += [(x, y, t["marker"]["color"]) for x, y in zip(t["x"], t["y"])]
    return sorted(found)


def status(at: AppTest) -> str:
    """The figure's header: epoch, losses, accuracy (each frame has its own)."""
    return chart(at, "pl_plane_chart")["layout"]["annotations"][0]["text"]


def shown(spec: dict) -> str:
    """The name of the frame the slider shows."""
    slider = spec["layout"]["sliders"][0]
    return slider["steps"][slider["active"]]["args"][0][0]


def network_maps(spec: dict) -> list[str]:
    """The neurons drawn in the figure's network, by name."""
    return trace(spec, "neurons")["text"]


@pytest.fixture(scope="module")
def default_page():
    return open_page()


def test_default_page_trains_the_circle(default_page):
    at = default_page
    assert healthy(at) and not at.warning
    spec = chart(at, "pl_plane_chart")
    assert len(spec["frames"]) == 101 and shown(spec) == spec["frames"][-1]["name"]
    assert boundary(spec).shape == (100, 100)
    assert len(points(at)) == 200  # 400 points, half for training
    assert config(at)["hidden"] == [4, 2] and config(at)["activation"] == "tanh"
    assert config(at)["learning_rate"] == 0.03 and config(at)["iterations"] == 100 * 20
    assert status(at).startswith("<b>Epoch 100</b>/100 · training loss 0.0") and "test loss 0.0" in status(at)
    assert int(re.search(r"test accuracy (\d+)%", status(at)).group(1)) >= 90
    assert not [m for m in at.markdown if "Epoch" in m.value]  # one clock: the figure's header
    assert at.query_params["dataset"] == "circle" and at.query_params["hidden"] == "4,2"
    # one chart holds the boundary, the losses, the network and the large neuron: one timeline
    assert [chart_key(c) for c in charts(at)] == ["pl_plane_chart"]
    assert network_maps(spec) == ["x₁", "x₂", "h1.1", "h1.2", "h1.3", "h1.4", "h2.1", "h2.2", "output"]


def test_dataset_noise_ratio_points_and_regenerate_change_the_data(default_page):
    at = default_page
    before = points(at)
    at.selectbox(key="pl_dataset").set_value("xor").run()
    assert healthy(at) and settings(at)["dataset"] == "xor" and points(at) != before
    assert at.query_params["dataset"] == "xor"
    xor = points(at)
    at.slider(key="pl_noise").set_value(30).run()
    assert healthy(at) and points(at) != xor and at.query_params["noise"] == "30"
    at.slider(key="pl_ratio").set_value(70).run()
    assert healthy(at) and len(points(at)) == 280 and len(points(at, "test points")) == 120
    at.slider(key="pl_points").set_value(200).run()
    assert healthy(at) and len(points(at)) + len(points(at, "test points")) == 200
    seed, shown = settings(at)["data_seed"], points(at)
    at.button(key="pl_regenerate").click().run()
    assert healthy(at) and settings(at)["data_seed"] != seed and points(at) != shown
    assert at.query_params["data_seed"] == str(settings(at)["data_seed"])
    assert config(at)["seed"] == 0  # the weights' seed is another one: new data, same starting weights


def test_features_change_the_input_width():
    at = open_page()
    at.button_group(key="pl_features").set_value(["x1", "x2", "x1^2", "sin_x2"]).run()
    assert healthy(at) and settings(at)["features"] == ("x1", "x2", "x1^2", "sin_x2")
    maps = network_maps(chart(at, "pl_plane_chart"))
    assert maps[:4] == ["x₁", "x₂", "x₁²", "sin x₂"] and len(maps) == 4 + 4 + 2 + 1
    assert at.query_params["features"] == "x1,x2,x1^2,sin_x2"
    at.button_group(key="pl_features").set_value([]).run()  # no feature: a message, the last run stays
    assert not at.exception and at.error and "features" in at.error[0].value
    assert len(network_maps(chart(at, "pl_plane_chart"))) == 11


def test_layers_and_neurons_are_added_and_removed():
    at = open_page()
    at.button(key="pl_layer_plus").click().run()
    assert healthy(at) and settings(at)["hidden"] == (4, 2, 2) and config(at)["hidden"] == [4, 2, 2]
    at.button(key="pl_neuron_plus_0").click().run()
    at.button(key="pl_neuron_minus_2").click().run()
    assert healthy(at) and config(at)["hidden"] == [5, 2, 1]
    layers = [t for t in chart(at, "pl_plane_chart")["layout"]["xaxis3"]["ticktext"] if "Layer" in t]
    assert layers == ["<b>Layer 1</b>", "<b>Layer 2</b>", "<b>Layer 3</b>"]
    assert at.button(key="pl_neuron_minus_2").disabled  # one neuron is the least
    for _ in range(3):
        at.button(key="pl_layer_minus").click().run()
    assert healthy(at) and config(at)["hidden"] == [] and at.query_params["hidden"] == "none"
    assert at.button(key="pl_layer_minus").disabled


def test_network_and_training_controls_reach_the_config():
    at = open_page()
    at.selectbox(key="pl_activation").set_value("relu").run()
    at.select_slider(key="pl_learning_rate").set_value(0.3).run()
    at.button_group(key="pl_regularization").set_value("l2").run()
    at.select_slider(key="pl_reg_rate").set_value(0.01).run()
    at.slider(key="pl_batch_size").set_value(20).run()
    at.number_input(key="pl_epochs").set_value(30).run()
    at.number_input(key="pl_seed").set_value(5).run()
    assert healthy(at)
    c = config(at)
    assert (c["activation"], c["learning_rate"], c["regularization"], c["reg_rate"]) == ("relu", 0.3, "l2", 0.01)
    assert c["batch_size"] == 20 and c["iterations"] == 30 * 10 and c["seed"] == 5
    assert len(chart(at, "pl_plane_chart")["frames"]) == 31
    assert at.query_params["learning_rate"] == "0.3" and at.query_params["reg_rate"] == "0.01"


def test_problem_switches_to_regression_datasets():
    at = open_page()
    at.button_group(key="pl_problem_choice").set_value("regression").run()
    assert healthy(at) and settings(at)["dataset"] == "plane"
    assert at.selectbox(key="pl_dataset").options == ["Plane", "Multi-Gaussian"]
    assert config(at)["loss"] == "mse" and config(at)["output_activation"] == "linear"
    assert len({c for _, _, c in points(at)}) > 3  # colour steps of each point's value
    at.selectbox(key="pl_dataset").set_value("multigauss").run()
    assert healthy(at) and at.query_params["dataset"] == "multigauss"


def test_classes_give_a_softmax_output():
    at = open_page(dataset="spiral")
    at.slider(key="pl_classes").set_value(4).run()
    assert healthy(at) and config(at)["output_activation"] == "softmax" and config(at)["loss"] == "ce"
    spec = chart(at, "pl_plane_chart")
    assert set(np.unique(boundary(spec))) <= {0, 1, 2, 3}
    assert at.toggle(key="pl_discretize").disabled


def test_discretize_and_show_test_toggles():
    at = open_page()
    assert trace(chart(at, "pl_plane_chart"), "test points")["visible"] == "legendonly"
    at.toggle(key="pl_show_test").set_value(True).run()
    at.toggle(key="pl_discretize").set_value(True).run()
    spec = chart(at, "pl_plane_chart")
    assert trace(spec, "test points")["visible"] is True
    assert len({tuple(c) for c in png_levels(spec["layout"]["images"][0]["source"])[1]}) == 2
    assert at.query_params["discretize"] == "1" and at.query_params["show_test"] == "1"


CSV = "x1,x2,label\n" + "\n".join(f"{x:.2f},{y:.2f},{int(x * y > 0)}" for x, y in
                                    np.random.default_rng(3).uniform(-5, 5, (60, 2)))


def test_csv_points_load_and_bad_files_are_refused():
    at = open_page()
    at.file_uploader(key="pl_csv_file").set_value(("mine.csv", b"x1,x2,label\n1,2,0\n3,oops,1\n", "text/csv")).run()
    assert not at.exception and settings(at)["dataset"] == "circle"
    assert any("mine.csv" in as_shown(e.value) and "line 3" in e.value for e in at.error)
    at.file_uploader(key="pl_csv_file").set_value(("mine.csv", CSV.encode(), "text/csv")).run()
    assert healthy(at) and settings(at)["dataset"] == "csv"
    assert len(points(at)) + len(points(at, "test points")) == 60
    assert "dataset" not in at.query_params  # uploaded points do not travel in a link
    at.selectbox(key="pl_dataset").set_value("circle").run()
    assert healthy(at) and len(points(at)) == 200


def test_link_reproduces_the_run():
    wanted = {**planeurl.DEFAULTS, "dataset": "gauss", "classes": 3, "points": 300, "noise": 20, "ratio": 60,
              "data_seed": 7, "features": ("x1", "x2", "x1x2"), "hidden": (3, 3), "activation": "sigmoid",
              "learning_rate": 0.1, "regularization": "l1", "reg_rate": 0.003, "batch_size": 12, "epochs": 15,
              "seed": 4, "discretize": False, "show_test": True}
    at = open_page(**planeurl.serialize(wanted))
    assert healthy(at) and not at.warning and settings(at) == wanted
    assert at.selectbox(key="pl_dataset").value == "gauss" and at.slider(key="pl_classes").value == 3
    assert at.number_input(key="pl_epochs").value == 15
    again = open_page(**{k: at.query_params[k] for k in at.query_params})
    assert settings(again) == wanted
    a, b = chart(at, "pl_plane_chart"), chart(again, "pl_plane_chart")
    assert a["frames"][-1]["layout"]["images"] == b["frames"][-1]["layout"]["images"]
    assert points(at) == points(again)


def test_bad_link_values_fall_back_with_a_visible_notice():
    at = open_page(noise="80", dataset="moons", hidden="4,2")
    assert not at.exception and not at.error
    assert at.warning and "noise=80" in as_shown(at.warning[0].value)
    assert "dataset=moons" in as_shown(at.warning[0].value)
    assert settings(at)["noise"] == 0 and settings(at)["dataset"] == "circle"


def test_hide_flags_leave_out_chosen_controls():
    at = open_page(hide="dataset,features,layers,neurons,step,edit")
    assert healthy(at)
    keys = {w.key for w in at.sidebar.selectbox} | {w.key for w in at.sidebar.button_group} | {
        w.key for w in at.button}
    assert "pl_dataset" not in keys and "pl_features" not in keys and "pl_layer_plus" not in keys
    assert "pl_neuron_plus_0" not in keys and "pl_step_one" not in keys and "pl_edit_index" not in {
        w.key for w in at.selectbox}
    assert at.slider(key="pl_noise") is not None and at.selectbox(key="pl_activation") is not None
    assert status(at).startswith("<b>Epoch 100</b>")  # the numbers stay without the buttons
    menus = chart(at, "pl_plane_chart")["layout"]["updatemenus"]
    assert menus[1]["visible"] is menus[3]["visible"] is False  # no Back / Step
    assert at.query_params["hide"] == "dataset,features,layers,neurons,step,edit"


def test_editing_a_weight_moves_the_boundary():
    at = open_page()
    main = boundary(chart(at, "pl_plane_chart"))
    names = at.selectbox(key="pl_edit_index").options
    bias = names.index("bias → output")
    at.selectbox(key="pl_edit_index").set_value(bias).run()
    assert healthy(at) and "pl_edit_chart" not in [chart_key(c) for c in charts(at)]
    at.number_input(key="pl_edit_value").set_value(4.0).run()
    assert healthy(at)
    edited = grid(chart(at, "pl_edit_chart")["data"][0]["z"])
    assert np.mean(edited > 127) > np.mean(main > 127)  # a larger output bias: more of the plane is class 1
    assert [m.label for m in at.metric] == ["Training loss", "Test loss"]
    assert "trained network (epoch 100)" in " ".join(c.value for c in at.caption)
    at.button(key="pl_edit_undo").click().run()
    assert healthy(at) and "pl_edit_chart" not in [chart_key(c) for c in charts(at)]


def test_back_and_step_are_in_the_figure_not_the_server():
    """Stepping is Plotly's: Back and Step buttons in the figure, their frames named by each frame's layout;
    the server draws no Step/Reset/End buttons and keeps no epoch of its own."""
    at = open_page(epochs="150")
    assert healthy(at)
    spec = chart(at, "pl_plane_chart")
    assert len(spec["frames"]) == 101 and shown(spec) == spec["frames"][-1]["name"]
    names = [f["name"] for f in spec["frames"]]
    back, step = spec["layout"]["updatemenus"][1]["buttons"]
    assert (back["label"], back["args"][0], step["label"], step["args"][0]) == ("◀ Back", [names[99]], "Step ▶",
                                                                                  [names[100]])
    # once a frame is shown, the same buttons step from it (Plotly's fromcurrent; tests/test_figures_plane.py)
    relative = spec["layout"]["updatemenus"][3]
    assert [b["label"] for b in relative["buttons"]] == ["◀ Back", "Step ▶"]
    assert all(b["args"][1]["fromcurrent"] for b in relative["buttons"])
    assert spec["frames"][3]["layout"]["updatemenus"] == [{}, {"visible": False}, {}, {"visible": True}]
    epoch = playground.epoch_schedule(150)[3]  # frames every 1.5 epochs, rounded
    assert spec["frames"][3]["layout"]["annotations"][0]["text"].startswith(f"<b>Epoch {epoch}</b>/150")
    keys = {b.key for b in at.button}
    assert not keys & {"pl_step_one", "pl_reset", "pl_end"} and "pl_step" not in at.session_state


def test_the_neuron_chosen_is_drawn_large_in_the_figure():
    at = open_page()
    spec = chart(at, "pl_plane_chart")
    assert spec["layout"]["xaxis4"]["title"]["text"] == "<b>output</b> over the plane"
    at.selectbox(key="pl_node").set_value((1, 2)).run()
    assert healthy(at)
    spec = chart(at, "pl_plane_chart")
    assert spec["layout"]["xaxis4"]["title"]["text"] == "<b>h1.3</b> over the plane"
    assert all(len(f["layout"]["images"][1]["source"]) > 100 for f in spec["frames"])  # it follows the frames
    outline = spec["layout"]["shapes"][-1]
    assert outline["type"] == "rect" and outline["x0"] < 16 < outline["x1"]  # layer 1 is 16 units right


def test_a_diverged_run_says_so_and_stays_readable():
    at = open_page(dataset="plane", learning_rate="10", activation="relu", hidden="8,8", epochs="20")
    assert not at.exception and any("diverged" in w.value for w in at.warning)
    title = status(at)
    assert len(title) < 120 and "e+" not in title


def test_too_many_epochs_shows_the_engines_message_and_keeps_the_settings():
    at = open_page()
    at.slider(key="pl_batch_size").set_value(1).run()
    at.number_input(key="pl_epochs").set_value(500).run()
    assert not at.exception and at.error and "epochs: 500 is not allowed" in at.error[0].value
    assert at.number_input(key="pl_epochs").value == 500  # kept for the user to fix
    assert any("last run that worked" in i.value for i in at.info)
    at.number_input(key="pl_epochs").set_value(20).run()
    assert healthy(at) and config(at)["iterations"] == 20 * 200


def test_a_failing_part_shows_a_message_not_a_traceback(monkeypatch):
    import ui.plane

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(ui.plane.playground, "parameter_names", broken)  # the weight editor fails
    at = open_page()
    assert not at.exception
    assert [e.value for e in at.error] == ["Something went wrong in this part of the page; try other settings."]
    assert chart(at, "pl_plane_chart")  # the rest of the page is there


def test_classroom_link_builder_writes_a_link_with_hide_flags():
    at = open_page(dataset="xor")
    at.multiselect(key="pl_link_hide").set_value(["dataset", "features"]).run()
    assert healthy(at)
    link = at.code[0].value
    assert "dataset=xor" in link and "hide=dataset%2Cfeatures" in link
    assert "hide" not in at.query_params  # the teacher's own page keeps every control
    from urllib.parse import parse_qsl
    params = dict(parse_qsl(link.split("?", 1)[1]))
    lesson = open_page(**params)
    assert healthy(lesson) and lesson.session_state["pl_settings"]["hide"] == ("dataset", "features")
    assert not [w for w in lesson.sidebar.selectbox if w.key == "pl_dataset"]


def test_presenter_mode_enlarges_the_type_of_the_page_and_the_figure_and_is_in_the_link():
    at = open_page()
    before = chart(at, "pl_plane_chart")
    at.sidebar.toggle(key="pl_presenter").set_value(True).run()
    assert healthy(at)
    assert any("font-size: 21px" in h.value for h in at.get("html"))  # the page's large type
    after = chart(at, "pl_plane_chart")
    assert after["layout"]["font"]["size"] >= 1.4 * before["layout"]["font"]["size"]  # and the figure's
    assert at.query_params["presenter"] in ("1", ["1"])


def test_hide_network_leaves_the_network_out_of_the_figure():
    at = open_page(hide="network")
    assert healthy(at)
    spec = chart(at, "pl_plane_chart")
    images = spec["layout"]["images"]  # the boundary and the points only
    assert len(images) == 2 and images[1]["name"] == "points" and "xaxis3" not in spec["layout"]
    assert not [w for w in at.selectbox if w.key == "pl_node"]
    assert len(spec["frames"]) == 101 and all(len(f["layout"]["images"]) == 1 for f in spec["frames"])


def test_the_page_says_what_it_is_and_what_to_do_first():
    at = open_page()
    line = " ".join(m.value for m in at.markdown)
    assert "Watch a network learn to separate points" in line and "First press **Play**" in line


def test_a_first_visit_draws_the_chart_first_then_the_whole_page():
    """The first run sends the chart alone, with the script that asks for the rest once it is drawn; the rerun
    it asks for draws the sidebar and the tools around the same chart, the neuron shown the same."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update(dataset="spiral", hidden="8,8", activation="tanh")
    at.run()
    assert not at.exception and not at.error
    first = chart(at, "pl_plane_chart")
    assert not at.sidebar.selectbox and not at.selectbox  # no settings yet, nor the neuron picker
    (asker,) = askers(at)
    assert json.loads(asker.proto.json)["chart"] == ".st-key-pl_plane .js-plotly-plot"

    at.run()  # what the script's trigger causes; any rerun does the same
    assert not at.exception and not at.error and not askers(at)
    assert at.sidebar.selectbox(key="pl_dataset").value == "spiral"
    assert at.selectbox(key="pl_node").value == (3, 0)  # the output neuron, as in the first run's chart
    assert chart(at, "pl_plane_chart") == first
