"""TF Playground's longest runs on the plane page (views/plane.py, through AppTest): the spiral with 500 points,
half for training, two hidden layers of 8 tanh units, batches of 10, learning rate 0.03, 1,000 epochs
(25,000 updates) from a link and from the sidebar, the same numbers every time for a seed."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from nnviz import playground
from ui import planeurl

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "plane.py")
LINK = {"dataset": "spiral", "points": "500", "ratio": "50", "noise": "0", "hidden": "8,8", "activation": "tanh",
        "batch_size": "10", "learning_rate": "0.03", "epochs": "1000"}


def open_page(**params) -> AppTest:
    """A visit: the first run (the chart alone) and the rerun the chart's page asks for (the whole page)."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run().run()


def healthy(at: AppTest) -> bool:
    return not at.exception and not at.error


def status(at: AppTest) -> str:
    """The figure's header: epoch, losses and accuracy of the frame shown (the page's one clock)."""
    from test_app_plane import status as header
    return header(at)


def test_the_1000_epoch_spiral_from_a_link_trains_and_is_the_engines_run():
    at = open_page(**LINK)
    assert healthy(at), [e.value for e in at.error]
    key = at.session_state["pl_last_good"][0]
    config = json.loads(key[3])
    assert config["iterations"] == 25_000 and config["record_every"] == 25 and config["batch_size"] == 10
    assert status(at).startswith("<b>Epoch 1000</b>/1000 ") and at.query_params["epochs"] == "1000"
    # the same numbers as the engine's run from the same settings, trained again here
    settings = {**planeurl.DEFAULTS, **planeurl.parse(LINK)[0]}
    dataset = planeurl.dataset_from(settings)
    run = playground.train_plane(dataset, ("x1", "x2"), planeurl.config_for(settings, dataset), key[4])
    accuracy = run.test_accuracy
    assert f"test accuracy {accuracy:.0%}" in status(at) and accuracy >= 0.85
    assert f"training loss {run.loss[-1]:.3f}" in status(at) and f"test loss {run.test_loss[-1]:.3f}" in status(at)


def test_2000_epochs_set_in_the_sidebar_are_accepted():
    at = open_page(**{**LINK, "epochs": "100"})
    at.sidebar.number_input(key="pl_epochs").set_value(2000).run()
    assert healthy(at), [e.value for e in at.error]
    assert json.loads(at.session_state["pl_last_good"][0][3])["iterations"] == 50_000
    assert status(at).startswith("<b>Epoch 2000</b>/2000 ") and at.query_params["epochs"] == "2000"


def test_a_run_that_diverges_shows_its_last_state_and_a_warning():
    at = open_page(dataset="plane", learning_rate="10", activation="relu", epochs="100")
    assert healthy(at), [e.value for e in at.error]
    assert at.warning and "diverged at update" in at.warning[0].value
