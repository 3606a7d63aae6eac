"""Every figure builder's output against plotly's schema, in one place.

The builders skip plotly's validation (it costs more than building the figure, on every rerun); this test is
what keeps that safe: each builder's figure, as the page sends it, is validated by plotly here, on ordinary
and on diverged runs, and the plain-dict figures are checked to be plain JSON without a template. The page draws
them with plotly.js's cartesian bundle (ui/chart.py): every trace type they use must be one it holds.
"""
from __future__ import annotations

import inspect
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

import nnviz
from nnviz import diagnostics, figures, playground
from nnviz.figures.spec import SpecFigure, decoded
from ui import planeurl
from ui.chart import BUNDLE_TRACES, PLOTLY_BUNDLE, STATIC_DIR


def _plane():
    settings = {**planeurl.DEFAULTS, "points": 120, "epochs": 6}
    dataset = planeurl.dataset_from(settings)
    features = tuple(settings["features"])
    run = playground.train_plane(dataset, features, planeurl.config_for(settings, dataset),
                                 playground.epoch_schedule(settings["epochs"]))
    return dataset, run, features


@pytest.fixture(scope="module")
def inputs():
    tutorial = nnviz.train(*nnviz.preset("tutorial"))
    # weights past 1e154, then a NaN loss: log colours, text cells, a fixed log axis
    diverged = nnviz.train(*nnviz.preset("tutorial"), activation="tanh", output_activation="linear",
                           learning_rate=1)
    wide = nnviz.train(*nnviz.preset("xor"), hidden=[3, 3], bias=True, iterations=300)
    sweep = nnviz.train_many(*nnviz.preset("xor"), networks=20, hidden=[2], iterations=300)
    return dict(tutorial=tutorial, diverged=diverged, wide=wide, sweep=sweep, plane=_plane())


def _builds(inputs) -> dict:
    """builder name -> functions making figures with it (a figure, or the dict the builder returns)."""
    t, d, w, sweep = inputs["tutorial"], inputs["diverged"], inputs["wide"], inputs["sweep"]
    dataset, plane_run, features = inputs["plane"]
    return {
        "training_figure": [lambda: figures.training_figure(t), lambda: figures.training_figure(d),
                            lambda: figures.training_figure(w, palette=figures.PRESENTER_PALETTE, text_scale=1.4,
                                                            plot_width=figures.PRESENTER_PLOT_WIDTH)],
        "plane_figure": [lambda: figures.plane_figure(plane_run, dataset, features)],
        "boundary_figure": [lambda: figures.boundary_figure(plane_run, dataset, features,
                                                            plane_run.parameters[-1])],
        "weight_change_figure": [lambda: figures.weight_change_figure(t, t.parameters[0], t.parameters[-1]),
                                 lambda: figures.weight_change_figure(w, w.parameters[0], w.parameters[-1])],
        "sweep_figure": [lambda: figures.sweep_figure(sweep), lambda: figures.sweep_figure(sweep, current_seed=3)],
        "compare_figure": [lambda: figures.compare_figure(t, d, "A", "B")],
        "hidden_units_figure": [lambda: figures.hidden_units_figure(t, -1, 0)],
        "hidden_space_figure": [lambda: figures.hidden_space_figure(t, -1, 0, [0, 1]),
                                lambda: figures.hidden_space_figure(t, -1, 0, [0, 1, 2])],
        "gradient_check_figure": [lambda: figures.gradient_check_figure(diagnostics.gradient_check(t), t)],
        "health_figure": [lambda: figures.health_figure(t, diagnostics.saturation(t))],
        "presenter_style": [lambda: figures.presenter_style(figures.sweep_figure(sweep)),
                            lambda: figures.presenter_style(figures.training_figure(t), text_scale=1)],
    }


def test_every_figure_builder_is_checked_here(inputs):
    """A new builder (a public function of nnviz.figures returning a figure) must be added above."""
    returning_figures = {name for name, fn in inspect.getmembers(figures, inspect.isfunction)
                         if "Figure" in str(inspect.signature(fn).return_annotation)}
    assert returning_figures and returning_figures <= set(_builds(inputs))


def test_every_builder_validates_against_plotlys_schema(inputs):
    checked = 0
    for name, makes in _builds(inputs).items():
        for make in makes:
            fig = make()
            spec = fig.to_dict()
            try:
                # numpy arrays as plotly keeps them; typed arrays ({"dtype", "bdata"}) decoded to numpy first
                go.Figure(decoded(spec))
            except Exception as error:  # noqa: BLE001 - name the builder
                pytest.fail(f"{name}: {error}")
            if isinstance(fig, SpecFigure):
                json.dumps(spec)  # plain JSON: nothing for Streamlit or the cache to convert
                assert "template" not in spec.get("layout", {}), f"{name} sends a template"
            checked += 1
    assert checked >= 15


def test_every_builder_draws_with_the_plotly_bundle_the_page_loads(inputs):
    """A trace type the cartesian bundle lacks would leave its chart blank in the browser, with no error here:
    ui/chart.py sends such a figure to st.plotly_chart (the full plotly.js), by its list of the bundle's traces.
    The main charts of both pages must not need that."""
    bundle = (STATIC_DIR / PLOTLY_BUNDLE).read_text(encoding="utf-8")
    assert set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle)) == BUNDLE_TRACES
    elsewhere = set()
    for name, makes in _builds(inputs).items():
        for make in makes:
            if {trace.get("type", "scatter") for trace in make().to_dict()["data"]} - BUNDLE_TRACES:
                elsewhere.add(name)
    assert elsewhere == {"hidden_space_figure"}  # its 3-D view (scatter3d), a tool under the chart


def test_a_spec_figure_is_its_dict_and_pickles_as_it():
    import pickle

    spec = {"data": [{"type": "heatmap", "z": figures.spec.typed_array(np.eye(2, dtype=np.float32))}],
            "layout": {"height": 300}}
    fig = SpecFigure(spec)
    assert fig.to_dict() is spec  # what the page serializes: no copy, no validation
    np.testing.assert_array_equal(fig.data[0].z, np.eye(2))  # the validated view decodes typed arrays
    assert fig.layout.height == 300
    again = pickle.loads(pickle.dumps(fig))
    assert again.to_dict() == spec
    copy = fig.to_plotly_json()
    copy["layout"]["height"] = 1
    assert spec["layout"]["height"] == 300
