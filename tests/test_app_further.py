""""Train further" on both pages, driven through streamlit.testing.v1.AppTest: the button continues the run on the
page, the link records the total, and the run is the longer run from scratch, bit for bit."""
from __future__ import annotations

import json


import nnviz
from nnviz import playground
from ui import planeurl
from nnviz.export import run_to_dict
from test_app import config, downloaded, healthy, media, open_app, spec  # noqa: F401 - media: a fixture
from test_app_plane import chart as plane_chart
from test_app_plane import open_page as open_plane
from test_app_plane import settings as plane_settings
from test_app_plane import status as plane_status
from test_further import assert_same_run

# The snapshots of a continued run may sit at other iterations than the run from scratch (nnviz.train_further).
SCHEDULE = "snapshot_iterations"


def downloaded_run(at, media: list) -> dict:
    """The page's "Run (JSON)" download, parsed (floats are written with repr: they read back bit for bit)."""
    run = json.loads(downloaded(at, media, "Run (JSON)").content)
    run.pop(SCHEDULE)
    return run


def from_scratch(*table, **options) -> dict:
    run = json.loads(json.dumps(run_to_dict(nnviz.train(*table, **options))))
    run.pop(SCHEDULE)
    return run


def link(at) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def further(at, extra: int | None = None):
    if extra is not None:
        at.number_input(key="further_by").set_value(extra).run()
    return at.button(key="further_button").click().run()


def test_train_further_gives_the_longer_run_and_puts_the_total_in_the_link(media):
    at = open_app()
    assert at.button(key="further_button").label == "+500 iterations"
    further(at)
    assert healthy(at)
    assert config(at)["iterations"] == 2000 and at.session_state["iterations"] == 2000
    assert at.query_params["iterations"] == "2000"
    assert at.session_state["last_good"][0][3] == (1500,)  # gone on from the 1500 iterations shown before
    assert spec(at)["frames"][-1]["name"] == "2000"  # the animation covers the longer run
    continued = downloaded_run(at, media)
    assert continued == from_scratch(*nnviz.preset("tutorial"), iterations=2000)

    copied = open_app(**link(at))  # a copied link trains from scratch: the same run
    assert healthy(copied) and copied.session_state["last_good"][0][3] == ()
    assert downloaded_run(copied, media) == continued


def test_train_further_twice_with_mini_batches_and_adam(media):
    at = open_app(preset="xor", hidden_layers="2", hidden_width="5", bias="1", optimizer="adam",
                  learning_rate="0.05", batch_size="3", iterations="700", activation="tanh")
    further(at, 250)
    assert at.button(key="further_button").label == "+250 iterations"
    further(at)
    assert healthy(at) and at.query_params["iterations"] == "1200"
    assert at.session_state["last_good"][0][3] == (700, 950)
    assert downloaded_run(at, media) == from_scratch(
        *nnviz.preset("xor"), hidden=[5, 5], bias=True, optimizer="adam", learning_rate=0.05, batch_size=3,
        iterations=1200, activation="tanh")


def test_another_setting_after_training_further_trains_from_scratch():
    at = further(open_app())
    at.sidebar.number_input(key="seed").set_value(3).run()
    assert healthy(at) and config(at)["iterations"] == 2000 and config(at)["seed"] == 3
    assert at.session_state["last_good"][0][3] == ()


def test_a_total_over_the_limit_is_refused_with_a_message_and_the_run_stays():
    at = open_app(iterations="19800")
    further(at)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot train further: extra_iterations: 500 is not allowed; a whole number from 1 to 200: this run has "
        "19,800 iterations, a run at most 20,000"]
    assert config(at)["iterations"] == 19800 and at.query_params["iterations"] == "19800"
    assert spec(at)["frames"][-1]["name"] == "19800"
    further(at, 200)
    assert healthy(at) and at.query_params["iterations"] == "20000"
    assert at.button(key="further_button").disabled


def test_a_total_over_the_work_budget_is_refused_with_the_engine_message():
    at = open_app(iterations="4500", hidden_layers="6", hidden_width="64")
    further(at)
    assert not at.exception and config(at)["iterations"] == 4500
    assert "Cannot train further: iterations: 5000" in at.error[0].value
    assert "lower the iterations (at most 4,809 here)" in at.error[0].value


def test_a_diverged_run_cannot_go_further():
    at = open_app(preset="xor", hidden_width="8", activation="relu", output_activation="linear", loss="mse",
                  bias="1", optimizer="momentum", learning_rate="2")
    assert any("diverged at iteration 866" in w.value for w in at.warning)
    button = at.button(key="further_button")
    assert button.disabled and "diverged" in button.help


# ---------------------------------------------------------------- the plane page: "+N epochs"

def plane_run(at):
    """The run the plane page shows, by its cache key (a cache miss rebuilds it the same way)."""
    import ui.plane
    return ui.plane.cached_run(*at.session_state["pl_last_good"][0])


def plane_from_scratch(settings: dict) -> nnviz.TrainingRun:
    dataset = planeurl.dataset_from(settings)
    return playground.train_plane(dataset, settings["features"], planeurl.config_for(settings, dataset),
                                  playground.epoch_schedule(settings["epochs"]))


def test_plus_epochs_gives_the_longer_run_and_puts_the_total_in_the_link():
    at = open_plane()
    assert at.button(key="pl_further_button").label == "+100 epochs"
    at.button(key="pl_further_button").click().run()
    assert healthy(at) and plane_settings(at)["epochs"] == 200 and at.query_params["epochs"] == "200"
    assert plane_status(at).startswith("<b>Epoch 200</b>/200 ")
    key = at.session_state["pl_last_good"][0]
    assert [epochs[-1] for epochs in key[5]] == [100]  # gone on from the 100 epochs shown before
    frames = plane_chart(at, "pl_plane_chart")["frames"]
    assert len(frames) == 101 and frames[-1]["layout"]["annotations"][0]["text"].startswith("<b>Epoch 200</b>")
    scratch = plane_from_scratch({**planeurl.DEFAULTS, "epochs": 200})
    assert_same_run(plane_run(at), scratch)
    assert plane_run(at).snapshot_iterations.tobytes() == scratch.snapshot_iterations.tobytes()  # all kept

    copied = open_plane(**link(at))  # a copied link trains from scratch: the same run, the same header
    assert healthy(copied) and copied.session_state["pl_last_good"][0][5] == ()
    assert plane_status(copied) == plane_status(at)


def test_plus_epochs_twice():
    at = open_plane(dataset="spiral", classes="3", hidden="6,4", batch_size="7", epochs="150")
    at.number_input(key="pl_further_by").set_value(75).run()
    assert at.button(key="pl_further_button").label == "+75 epochs"
    at.button(key="pl_further_button").click().run()
    at.button(key="pl_further_button").click().run()
    assert healthy(at) and at.query_params["epochs"] == "300" and plane_status(at).startswith("<b>Epoch 300</b>/300 ")
    key = at.session_state["pl_last_good"][0]
    assert [epochs[-1] for epochs in key[5]] == [150, 225]
    settings = {**planeurl.DEFAULTS, "dataset": "spiral", "classes": 3, "hidden": (6, 4), "batch_size": 7,
                "epochs": 300}
    assert_same_run(plane_run(at), plane_from_scratch(settings))
    # the figure's timeline runs from epoch 0 to the total: Back/Step/Play are in the browser
    headers = [f["layout"]["annotations"][0]["text"] for f in plane_chart(at, "pl_plane_chart")["frames"]]
    assert headers[0].startswith("<b>Epoch 0</b>/300") and headers[-1].startswith("<b>Epoch 300</b>/300")


def test_too_many_epochs_further_is_refused_with_a_message_and_the_run_stays():
    at = open_plane(batch_size="1", points="2000", epochs="10")  # 1,000 updates an epoch
    at.button(key="pl_further_button").click().run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Cannot train further: epochs: 110 is not allowed; at most 50")
    assert plane_settings(at)["epochs"] == 10 and at.query_params["epochs"] == "10"
    assert plane_status(at).startswith("<b>Epoch 10</b>/10 ")


def test_a_lesson_link_that_hides_the_epochs_hides_plus_epochs():
    at = open_plane(hide="epochs")
    assert healthy(at) and "pl_further_button" not in {b.key for b in at.button}


def test_training_further_many_times_in_a_row_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(nnviz.limits, "MAX_CONTINUATIONS", 2)  # the page reads it on every run
    at = open_app(iterations="100")
    further(at, 10)
    further(at)
    assert healthy(at) and at.query_params["iterations"] == "120"
    button = at.button(key="further_button")
    assert button.disabled and "Trained further 2 times in a row" in button.help
    at.sidebar.number_input(key="iterations").set_value(500).run()  # set in the sidebar: from scratch
    assert healthy(at) and not at.button(key="further_button").disabled
