"""Figure builders of the 2-D playground page: one animated figure (header, boundary, losses, the network of
neuron maps, one neuron large, all on one timeline), the older separate network and neuron figures, an edited
network's boundary. Asserted on the figure specs, nothing rendered."""
from __future__ import annotations

import base64
import json

import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from nnviz import plane, playground
from ui import planeurl
from nnviz.figures import (
    CLASS_COLOURS,
    LEVELS,
    boundary_figure,
    boundary_levels,
    network_names,
    plane_figure,
)
from nnviz.figures.plane import (
    FRAME_MS,
    SLIDER_STEPS,
    PLANE_PX,
    POINTS_SCALE,
    _rgb,
    png_rgba_pixels,
    LARGE_GRID,
    MAP_LEVELS,
    MIN_FRAMES,
    header_texts,
    map_levels,
    network_layers,
    png_levels,
    short,
    snapshot_accuracy,
)
from nnviz.losses import LOSSES
from nnviz.training import row_correct

FEATURES = ("x1", "x2")


def make(**changes):
    settings = {**planeurl.DEFAULTS, "points": 200, "epochs": 20, **changes}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    features = tuple(settings["features"])
    epochs = playground.epoch_schedule(settings["epochs"])
    run = playground.train_plane(dataset, features, config, epochs)
    return dataset, run, features, config.iterations // settings["epochs"]


@pytest.fixture(scope="module")
def circle():
    return make()


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def spec_of(fig) -> dict:
    """The figure as st.plotly_chart sends it."""
    return json.loads(pio.to_json(fig, validate=False))


def named(spec: dict, name: str) -> list[dict]:
    return [t for t in spec["data"] if t.get("name") == name]


def points_of(spec: dict, name: str) -> tuple[list, list, list]:
    """x, y and colour of every point of the traces named ``name`` (one trace per colour)."""
    xs, ys, colours = [], [], []
    for t in named(spec, name):
        xs += t["x"]
        ys += t["y"]
        colours += [t["marker"]["color"]] * len(t["x"])
    return xs, ys, colours


def decode(typed: dict) -> np.ndarray:
    shape = [int(s) for s in str(typed["shape"]).split(",")]
    return np.frombuffer(base64.b64decode(typed["bdata"]), dtype=np.dtype(typed["dtype"])).reshape(shape)


def test_one_figure_one_timeline_a_frame_per_snapshot(circle):
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per))
    assert len(run.snapshot_iterations) == 21  # epochs 0..20
    assert len(spec["frames"]) == 21
    steps = spec["layout"]["sliders"][0]["steps"]
    names = [f["name"] for f in spec["frames"]]
    assert [s["args"][0][0] for s in steps] == names  # 21 frames: a step each
    assert all(s["args"][1]["frame"]["redraw"] for s in steps)
    menus = spec["layout"]["updatemenus"]
    assert [b["label"] for b in menus[0]["buttons"]] == ["Play", "Pause"]
    play = menus[0]["buttons"][0]["args"][1]["frame"]  # per frame played: a full redraw at the first only
    assert [f["redraw"] for f in play] == [True] + [False] * 21 and {f["duration"] for f in play} == {FRAME_MS}
    assert [b["label"] for b in menus[1]["buttons"]] == ["◀ Back", "Step ▶"]
    assert steps[spec["layout"]["sliders"][0]["active"]]["args"][0][0] == names[20]  # the trained network first
    assert spec["layout"]["annotations"][0]["text"].startswith("<b>Epoch 20</b>/20 · training loss ")
    go.Figure(spec)  # the whole figure validates


def test_no_frame_carries_a_scatter_or_bar_trace():
    """Plotly's partial pass (the blank paints) replots a frame's scatter and bar traces alone: frames carry
    no trace; the pictures (layout images), the header, the "now" line, the connections and the step buttons
    move as frame layout."""
    for changes in ({}, dict(dataset="spiral", hidden=(8, 8), epochs=10), dict(dataset="plane", epochs=5),
                    dict(dataset="gauss", classes=3, hidden=(3,), epochs=5)):
        dataset, run, features, per = make(**changes)
        spec = spec_of(plane_figure(run, dataset, features, per))
        for frame in spec["frames"]:
            assert frame["data"] == [] and frame["traces"] == [], changes  # no trace at all
            assert set(frame["layout"]) == {"annotations", "images", "shapes", "updatemenus"}
            assert frame["layout"]["updatemenus"][0] == {}  # Play/Pause untouched


def test_frames_change_only_what_is_placed_on_axes(circle):
    """Play's frames after the first skip Plotly's full redraw; Plotly then redraws only the annotations,
    shapes and images placed on axes (xref an axis or an axis's domain). So every one a frame changes is."""
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per))
    layout = spec["layout"]
    on_axes = re.compile(r"[xy]\d* domain|[xy]\d*")
    for frame in spec["frames"]:
        for kind in ("annotations", "shapes", "images"):
            for i, change in enumerate(frame["layout"][kind]):
                if change:
                    item = layout[kind][i]
                    assert on_axes.fullmatch(item["xref"]) and on_axes.fullmatch(item["yref"]), (kind, i)
    # the header, on the loss chart's axes, sits at the figure's top left (paper 0, 1) as before
    header, x2, y2 = layout["annotations"][0], layout["xaxis2"]["domain"], layout["yaxis2"]["domain"]
    assert (header["xref"], header["yref"]) == ("x2 domain", "y2 domain")
    assert x2[0] + header["x"] * (x2[1] - x2[0]) == pytest.approx(0, abs=1e-12)
    assert y2[0] + header["y"] * (y2[1] - y2[0]) == pytest.approx(1)


def test_frames_are_the_engines_boundary_quantized(circle):
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per))
    values = plane.boundary(run, features, range(21))
    assert values.shape[1:] == (100, 100)
    expected = np.round(np.clip(values, 0, 1) * LEVELS).astype(np.uint8)
    for k in (0, 7, 20):
        uri = spec["frames"][k]["layout"]["images"][0]["source"]
        assert uri.startswith("data:image/png;base64,")
        grid, colours = png_levels(uri)
        np.testing.assert_array_equal(grid, expected[k])  # row 0 at the bottom (y = -6), as the grid
        assert len(colours) == LEVELS + 1
    image = spec["layout"]["images"][0]
    np.testing.assert_array_equal(png_levels(image["source"])[0], expected[20])
    half = 6 / 99  # pixels centred on the grid's points, -6 to 6
    assert (image["x"], image["y"]) == (pytest.approx(-6 - half), pytest.approx(6 + half))
    assert image["sizex"] == image["sizey"] == pytest.approx(12 + 2 * half) and image["layer"] == "below"


def test_the_header_follows_the_engine_at_every_frame(circle):
    """Epoch, training and test loss, test accuracy: each frame's header is the engine's numbers at its
    snapshot (the loss of the snapshot's outputs, the share of test points classified right)."""
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per))
    loss = LOSSES[run.config.loss]
    for k, frame in enumerate(spec["frames"]):
        text = frame["layout"]["annotations"][0]["text"]
        epoch, train, test, accuracy = re.fullmatch(
            r"<b>Epoch (\d+)</b>/20 · training loss ([\d.]+) · test loss ([\d.]+) · test accuracy (\d+)%", text).groups()
        assert int(epoch) == run.snapshot_iterations[k] / per == k
        assert float(train) == pytest.approx(float(loss.value(run.output_snapshots[k], run.targets)), abs=6e-4)
        assert float(test) == pytest.approx(float(loss.value(run.test_output_snapshots[k], run.test_targets)),
                                            abs=6e-4)
        right = row_correct(run.test_output_snapshots[k], run.test_targets, run.multiclass)
        assert int(accuracy) == round(100 * np.mean(right))
    assert header_texts(run, per)[-1] == spec["frames"][-1]["layout"]["annotations"][0]["text"] == spec["layout"]["annotations"][0]["text"]


def test_the_loss_curves_and_the_now_line_follow_the_run(circle):
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per, current=5))
    train, test = named(spec, "training loss")[0], named(spec, "test loss")[0]
    # The plane's losses are recorded once an epoch (run.loss_iterations): entry i at its own epoch.
    assert run.loss_iterations[5] == 5 * per
    assert train["x"][-1] == pytest.approx(run.loss_iterations[-1] / per, abs=1e-3)
    assert train["x"][5] == pytest.approx(5, abs=1e-3)
    assert train["y"][0] == pytest.approx(run.loss[0], rel=1e-3) and test["y"][0] == pytest.approx(run.test_loss[0], rel=1e-3)
    slider = spec["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["args"][0][0] == spec["frames"][5]["name"]
    now = spec["layout"]["shapes"][0]
    assert (now["x0"], now["x1"], now["yref"]) == (5, 5, "y2 domain")  # a line at epoch 5, on linear or log
    assert [f["layout"]["shapes"][0]["x0"] for f in spec["frames"]] == list(range(21))
    assert spec["layout"]["images"][0]["source"] == spec["frames"][5]["layout"]["images"][0]["source"]
    assert spec["layout"]["annotations"][0]["text"].startswith("<b>Epoch 5</b>/20")


def test_the_slider_has_few_steps_every_frame_is_played():
    """Each slider step costs every redraw: at most SLIDER_STEPS, evenly spaced, the last and the shown one
    included (27 here: every 4th frame and the 37th); Play and Back/Step visit every frame."""
    dataset, run, features, per = make(epochs=100)
    spec = spec_of(plane_figure(run, dataset, features, per, current=37))
    slider = spec["layout"]["sliders"][0]
    targets = [s["args"][0][0] for s in slider["steps"]]
    names = [f["name"] for f in spec["frames"]]
    assert len(names) == 101 and len(targets) == SLIDER_STEPS + 1 and targets[0] == names[0] and targets[-1] == names[-1]
    assert targets == [names[i] for i in sorted({*range(0, 101, 4), 37})]
    assert targets[slider["active"]] == names[37] and set(targets) <= set(names)


def plotly_from_current(names: list, current) -> list:
    """The frames Plotly's animate(names, {fromcurrent: true}) plays when ``current`` is shown (plotly.js 4.1,
    src/plot_api/plot_api.js, animate): from after the FIRST place of ``current`` in the list, unless that place
    is the first or the last or there is none; then the whole list."""
    at = names.index(current) if current in names else -1
    return names[at + 1:] if 0 < at < len(names) - 1 else names


def test_back_and_step_move_one_frame_from_the_frame_shown(circle):
    """Before any frame is shown (Plotly knows no current frame) Back and Step name the neighbours of the frame
    the figure opens at; every frame swaps in the same buttons, which play one frame on from the frame shown
    (Plotly's fromcurrent) and then stop (a frame lasting forever); the ends stay put."""
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per, current=5))
    names = [f["name"] for f in spec["frames"]]
    menus = spec["layout"]["updatemenus"]
    direct, relative = menus[1], menus[3]
    assert direct["visible"] is True and relative["visible"] is False
    assert [b["args"][0] for b in direct["buttons"]] == [[names[4]], [names[6]]]
    assert [b["label"] for b in relative["buttons"]] == [b["label"] for b in direct["buttons"]] == ["◀ Back", "Step ▶"]
    assert {k: v for k, v in relative.items() if k not in ("buttons", "visible")} == \
        {k: v for k, v in direct.items() if k not in ("buttons", "visible")}  # the same place and look
    for frame in spec["frames"]:  # any frame shown: the relative buttons instead of the direct ones
        assert frame["layout"]["updatemenus"] == [{}, {"visible": False}, {}, {"visible": True}]
    back, step = relative["buttons"]
    for button in (back, step):
        options = button["args"][1]
        assert button["method"] == "animate" and options["fromcurrent"] is True and options["mode"] == "immediate"
        assert options["frame"]["redraw"] is True and options["frame"]["duration"] >= 1e6  # stops after one
    for i, name in enumerate(names):
        assert plotly_from_current(back["args"][0], name)[0] == names[max(i - 1, 0)]
        assert plotly_from_current(step["args"][0], name)[0] == names[min(i + 1, len(names) - 1)]
    hidden = spec_of(plane_figure(run, dataset, features, per, steps=False))
    assert hidden["layout"]["updatemenus"][1]["visible"] is False
    assert hidden["layout"]["updatemenus"][3]["visible"] is False
    assert all("updatemenus" not in f["layout"] for f in hidden["frames"])


def test_the_network_and_the_large_neuron_follow_the_frames(circle):
    """Every neuron's map is drawn in the figure, from each frame's own weights; the large neuron too."""
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per, node=(1, 2)))
    boundary, large, network, points = spec["layout"]["images"]
    assert points["name"] == "points"
    assert (network["xref"], large["xref"]) == ("x3", "x4")
    assert spec["layout"]["xaxis4"]["title"]["text"] == "<b>h1.3</b> over the plane"
    for k in (0, 10, 20):
        frame = spec["frames"][k]
        picture = png_levels(frame["layout"]["images"][2]["source"])[0][::2, ::2]  # drawn at twice the pixels
        cells = round(picture.shape[1] / network["sizex"] * 8)
        maps = [map_levels(c) for c in network_layers(run, features, run.parameters[k], cells - 2)]
        # h1.3: layer 1's third neuron of four, its map inside a one-pixel frame, columns 16 units apart
        left = round(16 * cells / 8) + 1
        bottom = round(((4 - 1) / 2 - 2 + (4 - 1) / 2) * 10 * cells / 8) + 1
        np.testing.assert_array_equal(picture[bottom:bottom + cells - 2, left:left + cells - 2], maps[1][2])
        grid = png_levels(frame["layout"]["images"][1]["source"])[0]
        h = plane.neuron_maps(run, features, k, size=grid.shape[0])[0][2]
        np.testing.assert_array_equal(grid, map_levels(h))
    assert map_levels(np.array([-1.0, 0.0, 1.0])).tolist() == [0, MAP_LEVELS // 2, MAP_LEVELS]
    # the connections: path shapes by sign and strength, each frame its own weights
    paths = [f["layout"]["shapes"][1:9] for f in spec["frames"]]
    assert paths[0] != paths[-1]
    assert sum(p["path"].count("M") for p in paths[-1] if p["path"] != "M0,0") == 2 * 4 + 4 * 2 + 2 * 1
    styles = spec["layout"]["shapes"][1:9]
    assert all(s["layer"] == "below" and s["type"] == "path" for s in styles)  # under the maps
    assert named(spec, "neurons")[0]["text"] == [n for column in network_names(run, features) for n in column]
    no_network = spec_of(plane_figure(run, dataset, features, per, network=False))
    assert not named(no_network, "neurons") and "xaxis3" not in no_network["layout"]
    assert all(len(f["layout"]["images"]) == 1 for f in no_network["frames"])


def test_the_loss_curves_are_drawn_at_the_epochs_they_were_recorded(circle):
    dataset, run, features, per = circle
    train = named(spec_of(plane_figure(run, dataset, features, per)), "training loss")[0]
    np.testing.assert_allclose(train["x"], run.loss_iterations / per, atol=1e-3)
    assert train["x"][-1] == pytest.approx(20, abs=1e-3)


def test_test_points_are_marked_differently_and_shown_on_demand(circle):
    dataset, run, features, per = circle
    hidden_test = spec_of(plane_figure(run, dataset, features, per, show_test=False))
    shown = spec_of(plane_figure(run, dataset, features, per, show_test=True))
    train, test = named(shown, "training points"), named(shown, "test points")
    assert sum(len(t["x"]) for t in train) == np.count_nonzero(dataset.train)
    assert sum(len(t["x"]) for t in test) == np.count_nonzero(~dataset.train)
    assert {t["marker"]["symbol"] for t in train} == {"circle"} and {t["marker"]["symbol"] for t in test} == {"diamond"}
    assert train[0]["marker"]["line"]["color"] != test[0]["marker"]["line"]["color"]
    assert all(t["visible"] is True for t in test) and all(t["visible"] == "legendonly" for t in
                                                           named(hidden_test, "test points"))
    # class colours: orange class 0, blue class 1, one colour a trace
    xs, ys, colours = points_of(shown, "training points")
    rows = np.flatnonzero(dataset.train)
    by_place = {(round(float(dataset.points[r, 0]), 3), round(float(dataset.points[r, 1]), 3)):
                CLASS_COLOURS[int(dataset.labels[r])] for r in rows}
    assert {(x, y): c for x, y, c in zip(xs, ys, colours)} == by_place


def test_the_points_are_one_picture_their_traces_only_hover(circle):
    """Every full redraw (every frame) would style each SVG marker again: the points are drawn once, as a
    picture over the boundary that no frame changes; their traces keep the hover and draw nothing. In the
    picture each point is its class colour at its place, a test point only when test points are shown."""
    dataset, run, features, per = circle
    for show_test in (False, True):
        spec = spec_of(plane_figure(run, dataset, features, per, show_test=show_test))
        image = spec["layout"]["images"][-1]
        assert image["name"] == "points" and (image["xref"], image["yref"], image["layer"]) == ("x", "y", "below")
        assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (-6, 6, 12, 12)
        assert all(len(f["layout"]["images"]) < len(spec["layout"]["images"]) for f in spec["frames"])
        traces = named(spec, "training points") + named(spec, "test points")
        assert traces and all(t["mode"] == "none" and t["hoveron"] == "points" for t in traces)
        pixels = png_rgba_pixels(image["source"])
        n = pixels.shape[0]
        assert pixels.shape == (PLANE_PX * POINTS_SCALE, PLANE_PX * POINTS_SCALE, 4)
        everywhere = np.array([(x, y) for t in traces for x, y in zip(t["x"], t["y"])])
        checked = 0
        for t in traces:
            for x, y in zip(t["x"], t["y"]):
                if np.sum(np.hypot(*(everywhere - (x, y)).T) < 0.3) > 1:  # 0.3: 7.7 px, a marker's reach
                    continue  # another point close by may cover this one
                centre = pixels[int((6 - y) / 12 * n), int((x + 6) / 12 * n)]
                if t["visible"] is True:
                    assert centre.tolist() == [*_rgb(t["marker"]["color"]), 255], (t["name"], x, y)
                else:
                    assert centre[3] == 0, (t["name"], x, y)  # a hidden test point: nothing drawn
                checked += 1
        assert checked > len(everywhere) / 4  # the points with no other close by
        assert pixels[0, 0, 3] == 0 and pixels[n // 2, n // 2, 3] == 255  # no point in a corner; many at the centre


def test_discretize_paints_each_side_in_one_colour(circle):
    dataset, run, features, per = circle
    smooth = png_levels(spec_of(plane_figure(run, dataset, features, per))["layout"]["images"][0]["source"])[1]
    steps = png_levels(spec_of(plane_figure(run, dataset, features, per, discretize=True))["layout"]["images"][0]
                       ["source"])[1]
    assert len({tuple(c) for c in steps}) == 2
    half = LEVELS // 2  # an output of 0.5 is class 1's side
    assert tuple(steps[0]) == tuple(steps[half - 1]) != tuple(steps[half]) == tuple(steps[LEVELS])
    assert (255, 255, 255) in {tuple(c) for c in smooth}  # continuous: white at an output of 0.5


def test_more_classes_paint_the_predicted_class():
    dataset, run, features, per = make(dataset="gauss", classes=4, epochs=5)
    spec = spec_of(plane_figure(run, dataset, features, per))
    grid, colours = png_levels(spec["frames"][-1]["layout"]["images"][0]["source"])
    out = plane.boundary(run, features, [-1])[0]
    np.testing.assert_array_equal(grid, out.astype(np.uint8))
    assert set(np.unique(grid)) <= {0, 1, 2, 3}
    assert len({tuple(c) for c in colours}) == 4
    assert "training accuracy" not in spec["layout"]["annotations"][0]["text"] and "test accuracy" in spec["layout"]["annotations"][0]["text"]


def test_regression_spans_minus_one_to_one():
    dataset, run, features, per = make(dataset="plane", epochs=5)
    spec = spec_of(plane_figure(run, dataset, features, per))
    values = plane.boundary(run, features, [-1])[0]
    np.testing.assert_array_equal(png_levels(spec["layout"]["images"][0]["source"])[0],
                                  boundary_levels(values, "regression", 0))
    np.testing.assert_array_equal(boundary_levels(np.array([-1.0, 0.0, 1.0]), "regression", 0), [0, 125, 250])
    nan = np.array([np.nan, -np.inf, np.inf])  # a diverged network: NaN is white, infinities the ends
    np.testing.assert_array_equal(boundary_levels(nan, "regression", 0), [125, 0, 250])
    np.testing.assert_array_equal(boundary_levels(nan, "classification", 2), [125, 0, 250])
    assert "accuracy" not in spec["layout"]["annotations"][0]["text"]  # a regression has no classes to get right
    assert len({t["marker"]["color"] for t in named(spec, "training points")}) > 3  # colour steps of the value


def test_a_diverged_run_stays_readable():
    """Numbers in a few characters, a loss axis of the curve's scale (not 1e154), no NaN in the spec."""
    dataset, run, features, per = make(dataset="plane", learning_rate=10.0, activation="relu", hidden=(8, 8),
                                       epochs=20)
    assert run.diverged_at is not None
    spec = spec_of(plane_figure(run, dataset, features, per))
    for frame in spec["frames"]:
        numbers = re.findall(r"loss (\S+)", frame["layout"]["annotations"][0]["text"])
        assert numbers and all(len(n) <= 7 for n in numbers), frame["layout"]["annotations"][0]["text"]
    last = spec["frames"][-1]["layout"]["annotations"][0]["text"]
    assert last.endswith(" · diverged") and "/20 · " in last  # the epochs set, though the run stopped early
    top = spec["layout"]["yaxis2"]["range"][1]
    assert np.isfinite(top) and top <= 10.5 * run.loss[0]
    assert "NaN" not in json.dumps(spec["data"]) and "Infinity" not in json.dumps(spec["data"])


def test_short_numbers():
    assert [short(v) for v in (0.12345, 12.345, 1234.5, 2.3366804792470045e+154, -0.47, 1.2e-5, 0.0)] == [
        "0.123", "12.35", "1234", "2.3e154", "-0.470", "1.2e-5", "0"]
    assert (short(float("nan")), short(float("inf")), short(-float("inf"))) == ("NaN", "∞", "−∞")
    assert max(len(short(v)) for v in np.geomspace(1e-99, 1e300, 400)) <= 7


def test_accuracy_per_snapshot(circle):
    dataset, run, features, per = circle
    train, test = snapshot_accuracy(run)
    assert train.shape == test.shape == (21,)
    assert test[-1] == pytest.approx(run.test_accuracy)


def test_the_output_neurons_large_map_is_the_boundary(circle):
    """A tanh output trained on 0/1 classes is shown large on the boundary's own 0..1 (0.5 white), not as a
    tanh's -1..1: its picture is the boundary at the large map's grid."""
    dataset, run, features, per = circle
    output = (len(run.layout.sizes) - 1, 0)
    spec = spec_of(plane_figure(run, dataset, features, per, node=output))
    large = png_levels(spec["layout"]["images"][1]["source"])[0]
    p = plane.boundary(run, features, [-1], LARGE_GRID)[0]
    np.testing.assert_array_equal(large, map_levels(2 * np.clip(p, 0, 1) - 1))
    hidden = png_levels(spec_of(plane_figure(run, dataset, features, per, node=(1, 0)))["layout"]["images"][1]
                        ["source"])[0]
    assert large.shape == hidden.shape == (LARGE_GRID, LARGE_GRID) and not np.array_equal(large, hidden)


def test_an_edited_weight_changes_the_still_boundary(circle):
    dataset, run, features, per = circle
    base = run.parameters[-1]
    same = boundary_figure(run, dataset, features, base)
    shown = png_levels(spec_of(plane_figure(run, dataset, features, per))["layout"]["images"][0]["source"])[0]
    np.testing.assert_array_equal(np.asarray(same.data[0].z), shown)
    bias = run.layout.bias_slices[-1].start
    moved = boundary_figure(run, dataset, features, playground.edited(base, bias, 5.0))
    assert np.mean(np.asarray(moved.data[0].z) > 127) > np.mean(np.asarray(same.data[0].z) > 127)
    assert not same.frames


def test_frames_and_bytes_at_the_largest_network():
    """Six hidden layers of eight, all seven features, six classes: at least MIN_FRAMES frames (of 101 snapshots;
    every one when there are fewer) and the figure, as sent, within 2 MB; with 2000 points too."""
    every = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")
    for points, epochs, wanted in ((1000, 100, 101), (2000, 30, 31)):
        dataset, run, features, per = make(dataset="spiral", classes=6, points=points, hidden=(8,) * 6,
                                           features=every, epochs=epochs, batch_size=100)
        fig = plane_figure(run, dataset, features, per, show_test=True)
        spec = pio.to_json(fig, validate=False)
        frames = json.loads(spec)["frames"]
        assert MIN_FRAMES <= len(frames) <= 101 if wanted == 101 else len(frames) == wanted
        print(points, "points:", len(frames), "frames,", len(spec), "bytes")
        assert len(spec) <= 2_000_000, (points, len(spec))


def test_a_tight_budget_thins_the_frames_never_below_the_minimum(circle, monkeypatch):
    import nnviz.figures.plane as module
    dataset, run, features, per = make(epochs=100)
    monkeypatch.setattr(module, "FIGURE_BUDGET", 400_000)
    spec = spec_of(plane_figure(run, dataset, features, per, current=37))
    assert MIN_FRAMES <= len(spec["frames"]) < 101
    names = [f["name"] for f in spec["frames"]]
    assert names[0] == "0" and names[-1] == str(run.snapshot_iterations[-1])
    assert str(run.snapshot_iterations[37]) in names  # the snapshot shown first is a frame


def test_payload_budget_of_the_benchmark_run():
    """400 spiral points, two hidden layers of 8, about 1000 updates, 101 frames of 100x100: at most 2 MB."""
    dataset, run, features, per = make(dataset="spiral", points=400, hidden=(8, 8), epochs=50, noise=10)
    assert run.iterations == 1000 and len(run.snapshot_iterations) == 51
    fig = plane_figure(run, dataset, features, per, show_test=True)
    size = len(pio.to_json(fig, validate=False))
    assert size <= 2_000_000 * 51 / 101, size  # pro rata: 101 frames stay under 2 MB
    per_frame = len(json.dumps(json.loads(pio.to_json(fig, validate=False))["frames"][10]))
    assert per_frame < 14_500  # the boundary, the network and the large neuron as PNGs, the connections


def test_dead_links_are_drawn_as_dead_at_every_frame():
    """TF Playground's L1 kills links for good (exactly 0): the network view draws them thin, grey and dotted,
    apart from the live ones, in each frame as many as the engine's mask holds at that snapshot."""
    from ui.scenes import plane_scene
    lesson = plane_scene("l1_sparse")
    run, settings = lesson.run(), lesson.full_settings()
    per = run.config.iterations // settings["epochs"]
    spec = spec_of(plane_figure(run, planeurl.dataset_from(settings), settings["features"], per))
    styles = spec["layout"]["shapes"]
    (dead_at,) = [i for i, shape in enumerate(styles) if shape.get("line", {}).get("dash") == "dot"]
    names = [int(frame["name"]) for frame in spec["frames"]]
    counts = []
    for frame, iteration in zip(spec["frames"], names):
        k = int(np.flatnonzero(run.snapshot_iterations == iteration)[0])
        path = frame["layout"]["shapes"][dead_at]["path"]
        drawn = 0 if path == "M0,0" else path.count("M")
        assert drawn == int(run.dead_links[k].sum())
        counts.append(drawn)
    assert counts[0] == 0 and counts[-1] >= 24  # none dead at the start; the lesson's 24 and more at the end
    live = [s for s in styles[1:dead_at]]
    assert all(s["line"].get("dash") is None for s in live)


def test_every_connection_is_drawn_once_even_in_the_largest_network():
    """As TF Playground draws them: no connection dropped (page 1 keeps only its strongest), none twice."""
    from nnviz.figures.plane import _edge_paths
    sizes = [7, 8, 8, 8, 8, 8, 8, 1]
    weights = [np.random.default_rng(0).normal(size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    segments = [s for path in _edge_paths(weights, sizes) if path != "M0,0" for s in path.split("M")[1:]]
    assert len(segments) == len(set(segments)) == sum(w.size for w in weights)


def test_the_loss_legend_sits_above_its_chart_off_the_data(circle):
    dataset, run, features, per = circle
    spec = spec_of(plane_figure(run, dataset, features, per))
    legend = next(a for a in spec["layout"]["annotations"] if a["text"].startswith("━ training"))
    # anchored at its bottom on the loss chart's top edge: nothing of it over the curves or the epoch line
    top = {"paper": spec["layout"]["yaxis2"]["domain"][1], "y2 domain": 1.0}[legend["yref"]]
    left = {"paper": spec["layout"]["xaxis2"]["domain"][0], "x2 domain": 0.0}[legend["xref"]]
    assert legend["yanchor"] == "bottom" and legend["y"] >= top - 1e-9
    assert legend["xanchor"] == "left" and abs(legend["x"] - left) < 1e-9
