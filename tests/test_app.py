"""The page driven through streamlit.testing.v1.AppTest: what a user sees after each action."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test

import nnviz
from nnviz.figures.training import grid
from ui import urlstate

from conftest import askers, chart_spec, charts
from test_text import as_shown

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PLOT_SELECTOR = ".st-key-training_view .js-plotly-plot"


def open_app(**params) -> AppTest:
    """A visit: the first run (the chart alone) and the rerun the chart's page asks for (the whole page)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run().run()


def spec(at: AppTest) -> dict:
    return chart_spec(charts(at)[0])


def heatmap(at: AppTest, name: str) -> np.ndarray:
    """The weight grid ``name`` (W1, W2, ...) of the main chart as it opens, (fan_in, fan_out)."""
    return grid(spec(at), name)


def config(at: AppTest) -> dict:
    """The configuration of the run on the page."""
    return json.loads(at.session_state["last_good"][0][0])


def block(at: AppTest, key: str):
    """The st.container(key=...) block."""
    def walk(node):
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "Block" and child.proto.id.endswith("-" + key):
                return child
            found = walk(child)
            if found is not None:
                return found
    return walk(at.main)


def predictions(at: AppTest):
    return block(at, "predictions").get("dataframe")[0].value


def editor_key(at: AppTest) -> str:
    return f"table_editor_{at.session_state['editor_version']}"


def edit_table(at: AppTest, edited_rows=None, added_rows=(), deleted_rows=()) -> AppTest:
    at.session_state[editor_key(at)] = {"edited_rows": edited_rows or {}, "added_rows": list(added_rows),
                                        "deleted_rows": list(deleted_rows)}
    return at.run()


def healthy(at: AppTest) -> bool:
    return not at.exception and not at.error


@pytest.fixture
def media(monkeypatch) -> list:
    """The media file managers of AppTest's runs, newest last: what the download buttons are served by."""
    managers = []

    class Recorded(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recorded)
    return managers


def downloaded(at: AppTest, media: list, label: str):
    """The file the download button ``label`` gives when clicked (``.content``, ``.filename``): it is built
    then, by a callable the page registered, not on the page's runs."""
    button = next(b for b in at.get("download_button") if b.label == label)
    assert not button.proto.url and button.proto.deferred_file_id  # nothing built before the click
    url = media[-1].execute_deferred(button.proto.deferred_file_id)
    return media[-1]._storage.get_file(url.rsplit("/", 1)[-1])


@pytest.fixture(scope="module")
def default_page():
    return open_app()


def test_default_page_shows_the_trained_tutorial(default_page):
    at = default_page
    assert healthy(at)
    engine = nnviz.train(*nnviz.preset("tutorial")).predictions
    shown = predictions(at)
    np.testing.assert_allclose(shown["y (output)"].to_numpy(), engine[:, 0], atol=1e-4)
    assert shown["right"].all()
    assert config(at)["seed"] == nnviz.LIMITS["seed"].default
    assert config(at)["hidden"] == [4] and config(at)["iterations"] == 1500


def test_default_page_has_every_part(default_page):
    at = default_page
    assert [m.label for m in block(at, "summary").get("metric")] == ["Final loss (iteration 1500)", "Accuracy",
                                                                     "Solved at"]
    assert charts(block(at, "training_view"))
    assert [b.label for b in block(at, "downloads").get("download_button")] == [
        "Run (JSON)", "Loss (CSV)", "Script (.py)"]
    names = [t.get("name") for t in spec(at)["data"]]
    assert {"loss", "W1", "W2", "predictions", "neurons"} <= set(names)
    # every panel is scatter traces, and every frame lists them all (nothing moves in the layout)
    assert {t["type"] for t in spec(at)["data"]} == {"scatter"} and not spec(at)["layout"].get("shapes")
    assert all(f["traces"] == list(range(len(names))) for f in spec(at)["frames"])
    assert len(spec(at)["frames"]) >= 2
    assert len(charts(at)[0].proto.bytes) < 300_000


def test_downloads_are_built_only_when_clicked(media, monkeypatch):
    """A rerun builds no download (nor sends one): each file is made by its callable on the click."""
    import nnviz.export
    import nnviz.script

    built = []
    for module, name in ((nnviz.export, "run_to_dict"), (nnviz.export, "loss_csv"), (nnviz.script, "export_script")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name, **k: built.append(_n) or _f(*a, **k))
    at = open_app()
    at.sidebar.number_input(key="seed").set_value(5).run()
    at.run()
    assert healthy(at) and built == []
    losses = downloaded(at, media, "Loss (CSV)")
    assert built == ["loss_csv"] and losses.filename == "nnviz-loss.csv"
    run = nnviz.train(*nnviz.preset("tutorial"), seed=5)
    assert len(bytes(losses.content).decode().strip().splitlines()) == len(run.loss) + 1  # a header row


def test_the_server_process_freezes_its_imports_for_the_garbage_collector(default_page):
    """Full collections walked every imported object, cached figure and run again after every rerun: the imports
    are frozen (ui/process.py) and Streamlit's forced collection after each run is off."""
    import gc
    import tomllib

    assert gc.get_freeze_count() > 50_000
    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_sidebar_labels():
    at = open_app()
    labels = {w.label for kind in ("slider", "number_input", "selectbox", "toggle", "button")
              for w in at.sidebar.get(kind)}
    assert {"Hidden width", "Hidden layers", "Iterations", "Learning rate", "Activation", "Output activation",
            "Loss", "Biases", "Optimizer", "Batch size", "Seed", "New random seed"} <= labels


@pytest.mark.parametrize("width", [6, 2])
def test_hidden_width_reshapes_the_heatmaps(width):
    at = open_app()
    at.sidebar.slider(key="hidden_width").set_value(width).run()
    assert healthy(at)
    assert heatmap(at, "W1").shape == (3, width) and heatmap(at, "W2").shape == (width, 1)


def test_hidden_layers_add_heatmaps():
    at = open_app()
    at.sidebar.slider(key="hidden_layers").set_value(2).run()
    assert healthy(at) and config(at)["hidden"] == [4, 4]
    assert [heatmap(at, n).shape for n in ("W1", "W2", "W3")] == [(3, 4), (4, 4), (4, 1)]
    at.sidebar.slider(key="hidden_layers").set_value(0).run()
    assert healthy(at) and heatmap(at, "W1").shape == (3, 1)


def test_seed_changes_the_run():
    at = open_app()
    before = predictions(at)["y (output)"].to_numpy()
    w_before = heatmap(at, "W1")
    at.sidebar.number_input(key="seed").set_value(7).run()
    assert healthy(at) and config(at)["seed"] == 7
    assert not np.allclose(predictions(at)["y (output)"].to_numpy(), before)
    assert not np.array_equal(heatmap(at, "W1"), w_before)


def test_new_random_seed_button():
    at = open_app()
    at.sidebar.button(key="new_seed").click().run()
    assert healthy(at) and config(at)["seed"] == at.session_state["seed"]


@pytest.mark.parametrize("kind, key, value, field, expected", [
    ("selectbox", "loss", "mse", "loss", "mse"),
    ("selectbox", "activation", "tanh", "activation", "tanh"),
    ("selectbox", "optimizer", "adam", "optimizer", "adam"),
    ("toggle", "bias", True, "bias", True),
    ("number_input", "batch_size", 2, "batch_size", 2),
    ("number_input", "learning_rate", 0.5, "learning_rate", 0.5),
    ("number_input", "iterations", 300, "iterations", 300),
])
def test_every_control_reaches_the_config(kind, key, value, field, expected):
    at = open_app()
    getattr(at.sidebar, kind)(key=key).set_value(value).run()
    assert healthy(at)
    assert config(at)[field] == expected
    if field == "iterations":
        assert spec(at)["frames"][-1]["name"] == "300"


def test_output_activation_and_loss_together():
    at = open_app()
    at.sidebar.selectbox(key="loss").set_value("bce").run()
    assert healthy(at) and config(at)["loss"] == "bce"
    at.sidebar.selectbox(key="output_activation").set_value("tanh").run()
    assert not at.exception
    assert any("bce" in e.value for e in at.error)  # the engine's own message
    assert charts(at)  # the last good charts stay


def test_preset_loads_its_table():
    at = open_app()
    at.selectbox(key="preset").set_value("half_adder").run()
    assert healthy(at)
    shown = predictions(at)
    assert list(shown.columns[:4]) == ["a", "b", "→ sum", "→ carry"]
    assert heatmap(at, "W1").shape == (2, 4) and heatmap(at, "W2").shape == (4, 2)
    assert any(nnviz.PRESETS["half_adder"].description in c.value for c in at.caption)
    assert at.session_state["n_inputs"] == 2 and at.session_state["n_outputs"] == 2


@pytest.mark.parametrize("name", list(nnviz.PRESETS))
def test_every_preset_trains(name):
    at = open_app(preset=name)
    assert not at.exception
    assert len(predictions(at)) == len(nnviz.PRESETS[name].inputs)


def test_rejected_target_shows_the_error_and_keeps_the_edit():
    at = open_app()
    edit_table(at, {0: {"y": 5}})
    assert not at.exception
    assert any("targets" in e.value and "5" in e.value for e in at.error)
    assert at.session_state["table_current"]["y"].iloc[0] == 5
    assert charts(at)  # last good charts, with a note
    assert any("last run that worked" in i.value for i in at.info)
    at.run()  # an unrelated rerun keeps the edit
    assert at.session_state["table_current"]["y"].iloc[0] == 5
    edit_table(at, {0: {"y": 1}})
    assert healthy(at) and predictions(at)["→ y"].iloc[0] == 1


def test_empty_cell_is_reported_by_row_and_column():
    at = open_app()
    edit_table(at, {1: {"x2": None}})
    assert not at.exception
    assert any("row 2, column x2" in as_shown(e.value) for e in at.error)


def test_edited_target_retrains():
    at = open_app()
    edit_table(at, {0: {"y": 1}})
    assert healthy(at)
    assert list(predictions(at)["→ y"]) == [1, 1, 1, 0]
    assert at.query_params["table"] == ["0,0,1:1;0,1,1:1;1,0,1:1;1,1,1:0"] or \
        at.query_params["table"] == "0,0,1:1;0,1,1:1;1,0,1:1;1,1,1:0"


def test_added_and_deleted_rows():
    at = open_app()
    edit_table(at, added_rows=[{"x1": 1, "x2": 1, "x3": 0, "y": 1}], deleted_rows=[0])
    assert healthy(at)
    assert len(predictions(at)) == 4
    assert predictions(at).iloc[-1]["x3"] == 0


def test_input_and_output_columns_can_be_added_and_removed():
    at = open_app()
    at.number_input(key="n_inputs").set_value(4).run()
    assert healthy(at) and list(at.session_state["table_frame"].columns) == ["x1", "x2", "x3", "x4", "y"]
    assert heatmap(at, "W1").shape == (4, 4)
    at.number_input(key="n_outputs").set_value(2).run()
    assert healthy(at) and list(at.session_state["table_frame"].columns)[-2:] == ["y1", "y2"]
    assert heatmap(at, "W2").shape == (4, 2)
    at.number_input(key="n_inputs").set_value(2).run()
    assert healthy(at) and heatmap(at, "W1").shape == (2, 4)


def test_query_string_round_trip():
    at = open_app()
    at.sidebar.slider(key="hidden_width").set_value(5).run()
    at.sidebar.number_input(key="seed").set_value(11).run()
    at.selectbox(key="preset").set_value("xor").run()
    edit_table(at, {0: {"x1": 0.5}})  # no preset's table: the link carries it
    params = {k: at.query_params[k] for k in at.query_params}
    params = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    assert params["hidden_width"] == "5" and params["seed"] == "11" and "preset" not in params
    assert params["table"] == "0.5,0:0;0,1:1;1,0:1;1,1:0"

    again = open_app(**params)
    assert healthy(again) and not again.warning
    assert config(again) == config(at)
    np.testing.assert_array_equal(predictions(again).to_numpy(), predictions(at).to_numpy())


def test_link_sets_every_field():
    at = open_app(hidden_width="3", hidden_layers="2", iterations="400", learning_rate="0.3",
                  activation="tanh", output_activation="sigmoid", loss="mse", bias="1", optimizer="momentum",
                  batch_size="2", seed="9", preset="or")
    assert healthy(at)
    c = config(at)
    assert (c["hidden"], c["iterations"], c["learning_rate"], c["activation"], c["loss"], c["bias"],
            c["optimizer"], c["batch_size"], c["seed"]) == ([3, 3], 400, 0.3, "tanh", "mse", True, "momentum", 2, 9)
    assert at.sidebar.slider(key="hidden_width").value == 3


def test_malformed_link_falls_back_with_a_notice():
    at = open_app(hidden_width="abc", loss="cubic", seed="-4", table="0,0:x", colour="red")
    assert not at.exception and not at.error
    notice = as_shown(" ".join(w.value for w in at.warning))
    for name in ("hidden_width", "loss", "seed", "table", "colour"):
        assert name in notice
    c = config(at)
    assert c["hidden"] == [4] and c["loss"] == "sse" and c["seed"] == 0
    assert len(predictions(at)) == 4  # the tutorial's table


def test_link_with_a_rejected_combination_shows_the_engine_message():
    at = open_app(loss="bce", output_activation="relu")
    assert not at.exception
    assert any("bce" in e.value for e in at.error)


def test_softmax_and_cross_entropy_are_offered_only_where_they_apply():
    at = open_app()  # the tutorial's table: one target column
    outputs = at.sidebar.selectbox(key="output_activation").options
    assert "softmax" not in outputs and "sigmoid" in outputs
    assert "ce" not in at.sidebar.selectbox(key="loss").options
    # two one-hot target columns: softmax is offered, and with it cross-entropy alone
    at = open_app(table="0,0:1,0;0,1:0,1;1,0:0,1;1,1:1,0", output_activation="softmax", loss="ce", hidden_width="3")
    assert healthy(at) and "softmax" in at.sidebar.selectbox(key="output_activation").options
    assert at.sidebar.selectbox(key="loss").options == ["ce"]
    assert config(at)["output_activation"] == "softmax" and config(at)["loss"] == "ce"
    at.sidebar.selectbox(key="output_activation").set_value("sigmoid").run()
    assert healthy(at) and config(at)["loss"] != "ce" and "ce" not in at.sidebar.selectbox(key="loss").options


def test_a_link_asking_softmax_for_one_column_falls_back_and_says_why():
    at = open_app(output_activation="softmax", loss="ce")
    assert healthy(at) and not at.error
    assert config(at)["output_activation"] == "sigmoid" and config(at)["loss"] == "sse"

    def says_why(at):
        return any("Softmax needs two or more target columns" in c.value for c in at.sidebar.caption)

    assert says_why(at)
    assert says_why(at.sidebar.number_input(key="seed").set_value(3).run())  # still there after other changes
    at.sidebar.selectbox(key="output_activation").set_value("tanh").run()  # another output picked: said
    assert healthy(at) and config(at)["output_activation"] == "tanh" and not says_why(at)


def test_the_page_says_what_it_is_and_what_to_do_first():
    at = open_app()
    intro = block(at, "orientation")
    texts = [m.value for m in intro.markdown] + [c.value for c in intro.caption]
    assert "**Watch a network learn**" in texts
    assert any("Play" in c.value for c in intro.caption)
    # a warning takes the room beside the figures: the title stays, the hint goes
    stalled = open_app(learning_rate="0.001")
    intro = block(stalled, "orientation")
    assert [m.value for m in intro.markdown] == ["**Watch a network learn**"] and not list(intro.caption)
    assert "raise the learning rate" in block(stalled, "summary_notes").warning[0].value


def table_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith(("y = ", "Your own", "The tutorial")))


def test_preset_box_and_caption_follow_the_table_as_edited():
    at = open_app(preset="xor")
    assert at.selectbox(key="preset").value == "xor" and table_caption(at).startswith("y = x1 XOR x2")
    edit_table(at, edited_rows={1: {"y": 0.0}, 2: {"y": 0.0}, 3: {"y": 1.0}})  # XOR edited into AND
    assert healthy(at)
    assert at.selectbox(key="preset").value == "and" and table_caption(at) == "y = x1 AND x2"
    assert "preset" not in at.query_params or at.query_params["preset"] != ["xor"]
    edit_table(at, edited_rows={1: {"y": 0.0}, 2: {"y": 1.0}, 3: {"y": 1.0}})  # no preset's table
    assert at.selectbox(key="preset").value == urlstate.OWN_TABLE and table_caption(at) == "Your own table"
    assert "preset" not in at.query_params  # the link carries the table, never "your own table"
    at.selectbox(key="preset").set_value("or").run()  # picking a preset loads it
    assert at.selectbox(key="preset").value == "or" and table_caption(at) == nnviz.preset("or").description


def test_an_added_empty_row_waits_until_typed():
    at = open_app(preset="xor")
    before = config(at), at.session_state["last_good"][0][1].copy()
    edit_table(at, added_rows=[{}])
    assert healthy(at)
    assert np.array_equal(at.session_state["last_good"][0][1], before[1])  # same four rows trained
    assert "1 new row waiting for values" in table_caption(at)
    edit_table(at, added_rows=[{"x1": 1.0, "x2": 1.0, "y": 1.0}])  # typed: now it trains
    assert healthy(at) and at.session_state["last_good"][0][1].shape == (5, 2)
    edit_table(at, added_rows=[{"x1": 1.0}])  # half typed: says which cell, keeps the last run
    assert "row 5, column x2: empty" in as_shown(at.error[0].value)


def _editor_page():
    """A page with a table editor only."""
    import numpy as np
    import pandas as pd
    import streamlit as st
    frame = pd.DataFrame(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]), columns=["x1", "x2", "y"])
    st.session_state.returned = st.data_editor(frame, key="editor", num_rows="dynamic", hide_index=True)
    st.session_state.frame = frame


@pytest.mark.parametrize("state", [
    {"edited_rows": {1: {"y": 0.0, "x1": None}}},
    {"edited_rows": {0: {"x2": "2.5"}, 2: {"y": "not a number"}}, "deleted_rows": [1]},
    {"deleted_rows": [0, 2], "added_rows": [{}, {"x1": 3.0}, {"x2": 1, "y": True}]},
    {"edited_rows": {2: {"y": 7.0}}, "deleted_rows": [0], "added_rows": [{"x1": 1.0, "x2": 2.0, "y": 3.0}]},
    {},
])
def test_the_pending_table_is_what_the_editor_returns(state):
    """The page trains on editing.pending_frame before it draws the editor (the chart's script loads first):
    for any edit state it is the table Streamlit's own editor then returns."""
    from ui import editing
    full = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **state}
    at = AppTest.from_function(_editor_page).run()
    at.session_state["editor"] = full  # the edits waiting, as a browser leaves them
    at.run()
    assert not at.exception
    returned, frame = at.session_state["returned"], at.session_state["frame"]
    pending = editing.pending_frame(frame, full)
    assert editing.same_table(pending, returned), (pending, returned)
    assert state == {} or not editing.same_table(pending, frame)  # the edit did change the table



def test_a_first_visit_draws_the_chart_first_then_the_whole_page():
    """The first run sends the chart and its headline figures alone, with the script that asks for the rest once
    the chart is drawn; the rerun it asks for draws the whole page around the same chart."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.error
    first_spec = spec(at)
    assert len(at.metric) == 3  # the headline figures: above the chart, so they come with it (nothing moves)
    assert not at.sidebar.selectbox and not at.dataframe and not at.get("download_button")
    (asker,) = askers(at)
    assert json.loads(asker.proto.json)["chart"] == PLOT_SELECTOR
    assert "setTriggerValue('chart_drawn'" in asker.proto.js_content

    at.run()  # what the script's trigger causes; any rerun does the same
    assert healthy(at) and not askers(at)
    assert at.sidebar.selectbox(key="activation").value == "sigmoid" and len(at.dataframe) == 2
    assert spec(at) == first_spec  # the same chart: the second run did not train or draw another


def test_a_first_visit_that_cannot_train_draws_the_whole_page_at_once():
    """No chart to wait for: the settings and the message come in the first run."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(loss="bce", output_activation="relu")  # bce needs outputs in (0, 1): refused
    at.run()
    assert not at.exception and any("bce" in e.value for e in at.error)
    assert not at.get("bidi_component")  # no chart, no asker
    assert at.sidebar.selectbox(key="activation").value == "sigmoid"
