"""Figure builders of the 2-D playground page: one animated figure (boundary + losses), the network of neuron
maps, one neuron large, an edited network's boundary. Asserted on the figure objects, nothing rendered."""
from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from nnviz import plane, planeurl, playground
from nnviz.figures import (
    CLASS_COLOURS,
    LEVELS,
    boundary_figure,
    boundary_levels,
    network_figure,
    network_names,
    neuron_figure,
    plane_figure,
)

FEATURES = ("x1", "x2")


def make(**changes):
    settings = {**planeurl.DEFAULTS, "points": 200, "epochs": 20, **changes}
    dataset = playground.dataset_from(settings)
    config = playground.config_for(settings, dataset)
    features = tuple(settings["features"])
    epochs = playground.epoch_schedule(settings["epochs"])
    run = playground.train_plane(dataset, features, config, epochs)
    return dataset, run, features, config.iterations // settings["epochs"]


@pytest.fixture(scope="module")
def circle():
    return make()


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def decode(typed: dict) -> np.ndarray:
    shape = [int(s) for s in str(typed["shape"]).split(",")]
    return np.frombuffer(base64.b64decode(typed["bdata"]), dtype=np.dtype(typed["dtype"])).reshape(shape)


def test_one_figure_one_timeline_a_frame_per_snapshot(circle):
    dataset, run, features, per = circle
    fig = plane_figure(run, dataset, features, per)
    assert len(run.snapshot_iterations) == 21  # epochs 0..20
    assert len(fig.frames) == 21
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 21 and steps[0].label.startswith("Epoch 0 ") and steps[-1].label.startswith("Epoch 20 ")
    assert "test loss" in steps[-1].label and "training loss" in steps[-1].label
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]
    assert fig.layout.sliders[0].active == 20  # the trained network first
    # lean frames: only the boundary grid and the loss markers change
    boundary_index = [t.name for t in fig.data].index("boundary")
    marker_index = [t.name for t in fig.data].index("now")
    for frame in fig.frames:
        assert list(frame.traces) == [boundary_index, marker_index]
        assert set(frame.data[0].to_plotly_json()) <= {"type", "z"}
    go.Figure(fig.to_plotly_json())  # the whole figure validates


def test_frames_are_the_engines_boundary_quantized_to_uint8(circle):
    dataset, run, features, per = circle
    fig = plane_figure(run, dataset, features, per)
    spec = json.loads(fig.to_json())
    values = plane.boundary(run, features, range(21))
    assert values.shape[1:] == (100, 100)
    expected = np.round(np.clip(values, 0, 1) * LEVELS).astype(np.uint8)
    for k in (0, 7, 20):
        z = spec["frames"][k]["data"][0]["z"]
        assert z["dtype"] == "u1"  # a base64 typed array, not a list of numbers
        grid = decode(z)
        assert grid.shape == (100, 100)
        np.testing.assert_array_equal(grid, expected[k])
    np.testing.assert_array_equal(decode(spec["data"][0]["z"]), expected[20])
    assert len(spec["data"][0]["x"]) == 100 and spec["data"][0]["x"][0] == -6.0 and spec["data"][0]["x"][-1] == 6.0


def test_the_loss_curves_and_the_marker_follow_the_run(circle):
    dataset, run, features, per = circle
    fig = plane_figure(run, dataset, features, per, current=5)
    train, test = trace(fig, "training loss"), trace(fig, "test loss")
    assert train.y[0] == pytest.approx(run.loss[0], rel=1e-9) and test.y[0] == pytest.approx(run.test_loss[0])
    assert fig.layout.sliders[0].active == 5
    assert trace(fig, "now").x[0] == 5  # epoch 5
    # The plane's losses are recorded once an epoch (run.loss_iterations): entry 5 is after 5 * per updates.
    assert run.loss_iterations[5] == 5 * per
    assert trace(fig, "now").y[0] == pytest.approx(run.loss[5])
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), fig.frames[5].data[0].z)


@pytest.mark.xfail(reason="the figure still places loss entry i at update i; with losses recorded once an "
                          "epoch it must place it at run.loss_iterations[i] (the figures' rework)", strict=False)
def test_the_loss_curves_are_drawn_at_the_epochs_they_were_recorded(circle):
    dataset, run, features, per = circle
    train = trace(plane_figure(run, dataset, features, per), "training loss")
    assert train.x[-1] == pytest.approx(run.loss_iterations[-1] / per, abs=1e-3) == 20


def test_test_points_are_marked_differently_and_shown_on_demand(circle):
    dataset, run, features, per = circle
    hidden_test = plane_figure(run, dataset, features, per, show_test=False)
    shown = plane_figure(run, dataset, features, per, show_test=True)
    train, test = trace(shown, "training points"), trace(shown, "test points")
    assert len(train.x) == np.count_nonzero(dataset.train) and len(test.x) == np.count_nonzero(~dataset.train)
    assert train.marker.symbol == "circle" and test.marker.symbol == "diamond"
    assert train.marker.line.color != test.marker.line.color
    assert test.visible is True and trace(hidden_test, "test points").visible == "legendonly"
    assert train.visible is True
    # class colours: orange class 0, blue class 1
    labels = dataset.labels[dataset.train].astype(int)
    assert list(train.marker.color) == [CLASS_COLOURS[c] for c in labels]


def test_discretize_paints_each_side_in_one_colour(circle):
    dataset, run, features, per = circle
    smooth = plane_figure(run, dataset, features, per).data[0].colorscale
    steps = plane_figure(run, dataset, features, per, discretize=True).data[0].colorscale

    def colour_at(scale, level):
        at = level / LEVELS
        return [c for v, c in scale if v <= at][-1]
    assert len({c for _, c in steps}) == 2
    assert colour_at(steps, 0) == colour_at(steps, 127) != colour_at(steps, 128) == colour_at(steps, 255)
    assert "#ffffff" in [c for _, c in smooth]  # continuous: white at an output of 0.5


def test_more_classes_paint_the_predicted_class():
    dataset, run, features, per = make(dataset="gauss", classes=4, epochs=5)
    fig = plane_figure(run, dataset, features, per)
    grid = np.asarray(fig.frames[-1].data[0].z)
    out = plane.boundary(run, features, [-1])[0]
    np.testing.assert_array_equal(grid, out.astype(np.uint8))
    assert set(np.unique(grid)) <= {0, 1, 2, 3}
    assert fig.data[0].zmin == -0.5 and fig.data[0].zmax == 3.5
    assert len({c for _, c in fig.data[0].colorscale}) == 4


def test_regression_spans_minus_one_to_one():
    dataset, run, features, per = make(dataset="plane", epochs=5)
    fig = plane_figure(run, dataset, features, per)
    values = plane.boundary(run, features, [-1])[0]
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), boundary_levels(values, "regression", 0))
    np.testing.assert_array_equal(boundary_levels(np.array([-1.0, 0.0, 1.0]), "regression", 0), [0, 128, 255])
    assert trace(fig, "training points").marker.cmin == -1


def test_network_figure_lays_out_every_neuron_map(circle):
    dataset, run, features, per = circle
    fig = network_figure(run, features, run.parameters[-1], selected=(1, 2))
    maps = [t for t in fig.data if t.type == "heatmap"]
    names = network_names(run, features)
    assert [t.name for t in maps] == [n for column in names for n in column]
    assert len(maps) == 2 + 4 + 2 + 1  # features, layers of 4 and 2, the output
    assert all(np.asarray(t.z).shape == (40, 40) and np.asarray(t.z).dtype == np.uint8 for t in maps)
    # a hidden neuron's map is the engine's, scaled from tanh's [-1, 1] to 0..255
    h = plane.neuron_maps(run, features, -1, size=40)[0][2]
    np.testing.assert_array_equal(np.asarray(trace(fig, "h1.3").z), np.round((h + 1) / 2 * LEVELS).astype(np.uint8))
    # connections: one line per weight, coloured by sign, wider when stronger
    lines = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert sum(sum(1 for v in t.x if v is None) for t in lines) == 2 * 4 + 4 * 2 + 2 * 1
    assert {t.line.color for t in lines} <= {CLASS_COLOURS[0], CLASS_COLOURS[1]}
    assert len(trace(fig, "weights").text) == 18 and "→" in trace(fig, "weights").text[0]
    assert len(fig.layout.shapes) == 1  # the selected neuron is outlined
    go.Figure(fig.to_plotly_json())


def test_neuron_figure_shows_one_map_large(circle):
    dataset, run, features, per = circle
    fig = neuron_figure(run, dataset, features, run.parameters[-1], (1, 0))
    assert np.asarray(fig.data[0].z).shape == (100, 100)
    assert fig.data[0].name == "h1.1"


@pytest.mark.xfail(reason="two classes now train a tanh output (TF Playground's) on 0/1 targets; the large map of "
                          "the output neuron still scales it as a tanh (-1..1) where the boundary shows 0..1 with "
                          "the decision at 0.5 (the figures' rework)", strict=False)
def test_the_output_neurons_large_map_is_the_boundary(circle):
    dataset, run, features, per = circle
    output = neuron_figure(run, dataset, features, run.parameters[-1], (3, 0))
    p = plane.boundary(run, features, [-1])[0]
    np.testing.assert_array_equal(np.asarray(output.data[0].z), np.round(np.clip(p, 0, 1) * LEVELS).astype(np.uint8))


def test_an_edited_weight_changes_the_still_boundary(circle):
    dataset, run, features, per = circle
    base = run.parameters[-1]
    same = boundary_figure(run, dataset, features, base)
    np.testing.assert_array_equal(np.asarray(same.data[0].z), np.asarray(plane_figure(run, dataset, features, per)
                                                                         .data[0].z))
    bias = run.layout.bias_slices[-1].start
    moved = boundary_figure(run, dataset, features, playground.edited(base, bias, 5.0))
    assert np.mean(np.asarray(moved.data[0].z) > 127) > np.mean(np.asarray(same.data[0].z) > 127)
    assert not same.frames


def test_payload_budget_of_the_benchmark_run():
    """400 spiral points, two hidden layers of 8, about 1000 updates, 101 frames of 100x100: at most 2 MB."""
    dataset, run, features, per = make(dataset="spiral", points=400, hidden=(8, 8), epochs=50, noise=10)
    assert run.iterations == 1000 and len(run.snapshot_iterations) == 51
    fig = plane_figure(run, dataset, features, per, show_test=True)
    size = len(fig.to_json())
    assert size <= 2_000_000 * 51 / 101, size  # pro rata: 101 frames stay under 2 MB
    per_frame = len(json.dumps(json.loads(fig.to_json())["frames"][10]))
    assert per_frame < 14_500  # 10,000 bytes of uint8 as base64, plus the marker
