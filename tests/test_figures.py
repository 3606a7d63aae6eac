"""The figure builders, asserted on fig.data / fig.layout / fig.frames without rendering."""
from __future__ import annotations

import json
import pathlib
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnviz
from nnviz import figures
from nnviz.figures import training_figure
from nnviz.figures.training import SLIDER_STEPS
from nnviz.limits import LIMITS

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tutorial_run():
    return nnviz.train(*nnviz.preset("tutorial"))


@pytest.fixture(scope="module")
def tutorial_fig(tutorial_run):
    return training_figure(tutorial_run)


@pytest.fixture(scope="module")
def diverged_run():
    # tanh hidden layer and a linear output on the tutorial's table: the weights pass 1e154, then the loss
    # stops being a number at iteration 105
    run = nnviz.train(*nnviz.preset("tutorial"), activation="tanh", output_activation="linear", learning_rate=1)
    assert run.diverged_at is not None
    return run


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def frame_trace(fig, frame, name):
    """A named trace's data in a frame (frames carry only the animated traces, by index)."""
    index = next(i for i, t in enumerate(fig.data) if t.name == name)
    return frame.data[list(frame.traces).index(index)]


def edge_shapes(layout) -> list:
    return [s for s in layout.shapes if s.type == "path"]


def marker_shape(layout):
    return next(s for s in layout.shapes if s.type == "line")


def test_figure_is_valid_plotly(tutorial_fig):
    go.Figure(tutorial_fig.to_dict())  # the builder skips validation; this does it


def test_frames_subsample_snapshots_first_and_last(tutorial_run, tutorial_fig):
    names = [f.name for f in tutorial_fig.frames]
    assert 2 <= len(names) <= figures.MAX_FRAMES
    assert len(names) == len(tutorial_run.snapshot_iterations)  # the default run: every snapshot a frame
    assert names[0] == "0" and names[-1] == str(tutorial_run.iterations)
    assert set(names) <= {str(i) for i in tutorial_run.snapshot_iterations}
    assert [int(n) for n in names] == sorted(int(n) for n in names)


def test_no_frame_has_a_scatter_or_bar_trace(tutorial_fig):
    """Plotly's animate replots a frame's scatter/bar traces alone first, removing every other layer until the
    full redraw: frames must carry heatmaps only (the marker and edges travel as layout shapes)."""
    for frame in tutorial_fig.frames:
        assert {t.type for t in frame.data} == {"heatmap"}
        assert all(tutorial_fig.data[i].type == "heatmap" for i in frame.traces)


def test_slider_steps_name_frames_first_and_last(tutorial_fig):
    slider = tutorial_fig.layout.sliders[0]
    names = [f.name for f in tutorial_fig.frames]
    targets = [s.args[0][0] for s in slider.steps]
    assert 2 <= len(targets) <= SLIDER_STEPS and set(targets) <= set(names)
    assert targets[0] == names[0] and targets[-1] == names[-1]
    assert slider.active == len(slider.steps) - 1  # opens on the trained network


def test_title_names_the_iteration_of_each_frame(tutorial_run, tutorial_fig):
    now = tutorial_fig.layout.annotations[0].text
    assert f"Iteration {tutorial_run.iterations}" in now and "4/4 rows right" in now
    for frame in tutorial_fig.frames:
        assert frame.layout.annotations[0].text.startswith(f"<b>Iteration {frame.name}</b>: loss ")


def test_title_writes_small_losses_with_their_digits():
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=[8, 8], activation="tanh")
    fig = training_figure(run)
    assert run.final_loss < 0.01
    assert f"loss {run.final_loss:.1e}".replace("e-0", "e-") in fig.layout.annotations[0].text


def test_navigation_buttons_name_the_neighbouring_frames(tutorial_fig):
    buttons = tutorial_fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["◀ Back", "Play", "Pause", "Step ▶"]
    names = [f.name for f in tutorial_fig.frames]
    # it opens on the last frame
    assert list(buttons[0].args[0]) == [names[-2]] and list(buttons[3].args[0]) == [names[-1]]
    for i, frame in enumerate(tutorial_fig.frames):
        menu = frame.layout.updatemenus[0].buttons  # a frame's layout replaces the buttons list whole
        assert [b.label for b in menu] == [b.label for b in buttons]
        assert list(menu[0].args[0]) == [names[max(i - 1, 0)]]
        assert list(menu[3].args[0]) == [names[min(i + 1, len(names) - 1)]]
        assert menu[0].args[1]["frame"]["redraw"] and menu[3].args[1]["frame"]["redraw"]


@pytest.mark.parametrize("width", [4, 6])
def test_heatmap_shapes_equal_weight_shapes(width):
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=[width], iterations=100)
    fig = training_figure(run)
    w1, w2 = trace(fig, "W1"), trace(fig, "W2")
    assert np.array(w1.z).shape == (3, width) and np.array(w2.z).shape == (width, 1)
    assert list(w1.y) == ["x1", "x2", "x3"] and list(w1.x) == [f"h{i + 1}" for i in range(width)]
    assert list(w2.x) == ["y"]


def test_biases_are_a_last_row_of_each_heatmap():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[3], bias=True, iterations=60)
    fig = training_figure(run)
    for layer, name in enumerate(("W1", "W2")):
        assert list(trace(fig, name).y)[-1] == figures.BIAS_ROW
        iterations = list(run.snapshot_iterations)
        for frame in fig.frames:
            k = iterations.index(int(frame.name))
            z = np.array(frame_trace(fig, frame, name).z)
            np.testing.assert_array_equal(z[:-1], np.round(run.weight_snapshots[layer][k],
                                                           figures.WEIGHT_DECIMALS).astype(np.float32))
            np.testing.assert_array_equal(z[-1], np.round(run.bias_snapshots[layer][k],
                                                          figures.WEIGHT_DECIMALS).astype(np.float32))


def test_one_heatmap_per_layer_named_input_side_first():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[3, 5], iterations=50)
    fig = training_figure(run)
    heatmaps = [t for t in fig.data if t.name and t.name.startswith("W")]
    assert [t.name for t in heatmaps] == ["W1", "W2", "W3"]
    assert [np.array(t.z).shape for t in heatmaps] == [(2, 3), (3, 5), (5, 1)]
    # each on its own axes, handed out in order by the layout helper
    assert len({(t.xaxis, t.yaxis) for t in heatmaps}) == 3


def test_colour_range_symmetric_and_fixed_across_frames(tutorial_run, tutorial_fig):
    top = np.max(np.abs(tutorial_run.parameters))
    for name in ("W1", "W2"):
        base = trace(tutorial_fig, name)
        assert base.zmin == pytest.approx(-top) and base.zmax == pytest.approx(top) and base.zmid == 0
        for frame in tutorial_fig.frames:
            spec = frame_trace(tutorial_fig, frame, name)
            assert spec.zmin is None and spec.zmax is None  # frames never move the range


def test_frame_heatmaps_equal_the_snapshot_weights(tutorial_run, tutorial_fig):
    iterations = list(tutorial_run.snapshot_iterations)
    for frame in tutorial_fig.frames:
        k = iterations.index(int(frame.name))
        for layer, name in enumerate(("W1", "W2")):
            expected = np.round(tutorial_run.weight_snapshots[layer][k], figures.WEIGHT_DECIMALS)
            z = frame_trace(tutorial_fig, frame, name).z
            assert z.dtype == np.float32  # sent as a base64 typed array, not a list of decimals
            np.testing.assert_array_equal(z, expected.astype(np.float32))


def test_cells_are_written_by_the_browser_when_values_are_small(tutorial_fig):
    w1 = trace(tutorial_fig, "W1")
    assert w1.texttemplate == "%{z:.2f}" and w1.text is None
    assert all(frame_trace(tutorial_fig, f, "W1").text is None for f in tutorial_fig.frames)


def test_frame_predictions_equal_output_snapshots(tutorial_run, tutorial_fig):
    iterations = list(tutorial_run.snapshot_iterations)
    for frame in tutorial_fig.frames:
        k = iterations.index(int(frame.name))
        text = np.array(frame_trace(tutorial_fig, frame, "predictions").text)
        outputs = tutorial_run.output_snapshots[k]
        assert list(text[:, 0]) == [figures.short(v) for v in outputs[:, 0]]
        right = (outputs[:, 0] > 0.5) == (tutorial_run.targets[:, 0] > 0.5)
        assert list(text[:, -1]) == ["✓" if r else "✗" for r in right]


def test_static_table_and_predictions_share_one_subplot(tutorial_fig):
    table, predictions = trace(tutorial_fig, "table"), trace(tutorial_fig, "predictions")
    assert (table.xaxis, table.yaxis) == (predictions.xaxis, predictions.yaxis)
    assert list(table.x) + list(predictions.x) == list(range(len(table.x) + len(predictions.x)))
    axis = tutorial_fig.layout[table.xaxis.replace("x", "xaxis")]
    assert list(axis.ticktext) == ["x1", "x2", "x3", "→ y", "y", "error", "right"]
    index = next(i for i, t in enumerate(tutorial_fig.data) if t.name == "table")
    assert all(index not in f.traces for f in tutorial_fig.frames)  # the static part is sent once


def test_loss_marker_is_a_line_shape_following_the_frame(tutorial_run, tutorial_fig):
    marker = marker_shape(tutorial_fig.layout)
    loss = trace(tutorial_fig, "loss")
    assert marker.xref == loss.xaxis and marker.yref == f"{loss.yaxis} domain"  # works on a log axis too
    assert marker.x0 == marker.x1 == tutorial_run.iterations and (marker.y0, marker.y1) == (0, 1)
    index = list(tutorial_fig.layout.shapes).index(marker)
    for frame in tutorial_fig.frames:
        moved = frame.layout.shapes[index]
        assert moved.x0 == moved.x1 == int(frame.name)
    assert len(loss.x) <= figures.MAX_LOSS_POINTS


def test_edges_are_path_shapes_under_the_neurons(tutorial_run, tutorial_fig):
    neurons = trace(tutorial_fig, "neurons")
    edges = edge_shapes(tutorial_fig.layout)
    assert len(edges) == 2 * len(figures.EDGE_WIDTHS)
    for shape in edges:
        assert shape.layer == "below"  # under every trace: the neuron circles are drawn over them
        assert (shape.xref, shape.yref) == (neurons.xaxis, neurons.yaxis)
        assert shape.line.color == (figures.POSITIVE if shape.name.startswith("positive") else figures.NEGATIVE)
    for frame in tutorial_fig.frames:  # every frame sets every edge group's path (an empty group draws nothing)
        assert len(frame.layout.shapes) == len(tutorial_fig.layout.shapes)
        assert all(s.path for s in frame.layout.shapes[:len(edges)])


def edge_groups(weights, scale: float) -> dict:
    """The oracle for EdgePaths, one connection at a time: (positive, width bin) -> [(layer, i, j, w)], the
    MAX_EDGES strongest finite connections in big networks."""
    from nnviz.figures.style import EDGE_BINS, EDGE_WIDTHS, MAX_EDGES
    edges = [(l, i, j, float(w[i, j])) for l, w in enumerate(weights)
             for i in range(w.shape[0]) for j in range(w.shape[1]) if np.isfinite(w[i, j])]
    if len(edges) > MAX_EDGES:
        edges = sorted(edges, key=lambda e: -abs(e[3]))[:MAX_EDGES]
    groups: dict = {(s, b): [] for s in (True, False) for b in range(len(EDGE_WIDTHS))}
    for edge in edges:
        groups[(edge[3] >= 0, int(np.searchsorted(EDGE_BINS, abs(edge[3]) / scale)))].append(edge)
    return groups


@pytest.mark.parametrize("hidden", [[4], [8, 8, 8], [32, 32]])
def test_edge_paths_group_like_edge_groups(hidden):
    """The vectorized paths hold the same connections per (sign, width) group as edge_groups (the strongest
    MAX_EDGES in big networks)."""
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=hidden, iterations=100)
    positions = figures.node_positions(list(run.layout.sizes))
    paths, scale = figures.EdgePaths(positions), figures.weight_range(run)
    for k in (0, 50, -1):
        weights = [w[k] for w in run.weight_snapshots]
        for key, edges in edge_groups(weights, scale).items():
            want = sorted(f"M{positions[l][i][0]:g},{round(float(positions[l][i][1]), 3):g}"
                          f"L{positions[l + 1][j][0]:g},{round(float(positions[l + 1][j][1]), 3):g}"
                          for l, i, j, _ in edges)
            got = paths.paths(weights, scale)[key]
            assert sorted("M" + p for p in got.split("M")[1:]) == (want or ["M0,0"])


def test_edge_paths_draw_the_snapshot_connections(tutorial_run, tutorial_fig):
    last = tutorial_fig.frames[-1]
    segments = sum(len(re.findall("L", s.path)) for s in last.layout.shapes if s.path)
    assert segments == sum(w.size for w in tutorial_run.weights)
    assert [s.path for s in edge_shapes(tutorial_fig.layout)] == [s.path for s in last.layout.shapes if s.path]


def test_presenter_palette_is_passed_in(tutorial_run):
    fig = training_figure(tutorial_run, palette=figures.PRESENTER_PALETTE)
    colours = {s.line.color for s in edge_shapes(fig.layout)}
    assert colours == {figures.PRESENTER_POSITIVE, figures.PRESENTER_NEGATIVE}
    assert trace(fig, "W1").colorscale[0][1] == figures.PRESENTER_NEGATIVE
    assert any("orange −" in a.text for a in fig.layout.annotations)


def test_default_payload_under_300_kb(tutorial_fig):
    assert len(tutorial_fig.to_json()) < 300_000


def test_big_network_gets_many_frames_within_2_mb():
    run = nnviz.train(*nnviz.preset("full_adder"), hidden=[32, 32], iterations=300)
    fig = training_figure(run)
    assert len(fig.frames) == len(run.snapshot_iterations)  # all 101 fit
    assert len(fig.to_json()) < 2_000_000


def test_largest_allowed_network_gets_50_frames_within_2_mb():
    """The widest, deepest network the limits allow: 10 inputs, 6 hidden layers of 64, 8 outputs, biases,
    16 rows (as many as the grid shows), the most snapshots."""
    rng = np.random.default_rng(0)
    n_in, n_out = int(LIMITS["inputs"].maximum), int(LIMITS["outputs"].maximum)
    inputs = rng.integers(0, 2, (16, n_in)).astype(float)
    targets = rng.integers(0, 2, (16, n_out)).astype(float)
    run = nnviz.train(inputs, targets, hidden=[int(LIMITS["hidden_width"].maximum)]
                      * int(LIMITS["hidden_layers"].maximum), bias=True, iterations=200,
                      snapshots=int(LIMITS["snapshots"].maximum))
    fig = training_figure(run)
    assert len(fig.frames) >= 50
    assert len(fig.to_json()) < 2_000_000
    assert {t.type for f in fig.frames for t in f.data} == {"heatmap"}
    z = frame_trace(fig, fig.frames[-1], "W3").z
    assert z.dtype == np.int8  # quantized: 64x64 floats per layer would not fit 50 frames


def test_diverged_run_is_readable(diverged_run):
    fig = training_figure(diverged_run)
    assert fig.frames and len(fig.to_json()) < 2_000_000
    for name in ("W1", "W2"):
        base = trace(fig, name)
        assert base.texttemplate == "%{text}"
        for frame in fig.frames:
            text = frame_trace(fig, frame, name).text
            assert all(len(cell) <= 6 for row in text for cell in row), text
        # colours follow log10(1 + |w|): the range is a number of decades, labelled in weight units
        assert base.zmax == pytest.approx(np.log10(1 + figures.weight_range(diverged_run)))
        assert np.all(np.isfinite(np.asarray(base.z, dtype=float)) | np.isnan(np.asarray(base.z, dtype=float)))
    bar = trace(fig, "W2").colorbar
    assert all(len(t) <= 6 for t in bar.ticktext) and "e1" in "".join(bar.ticktext)
    for frame in fig.frames:
        text = frame_trace(fig, frame, "predictions").text
        assert all(len(cell) <= 6 for row in text for cell in row), text
    json.loads(fig.to_json())  # no NaN/Infinity literals that JSON.parse would refuse


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([5, 6]))
def test_short_numbers_fit_their_width(value, width):
    text = figures.short(value, width)
    # at most `width`, and never more than 6 (-2e154 cannot be written in 5)
    assert len(text) <= (6 if value <= -1e100 else width)
    if np.isfinite(value) and 0.005 <= abs(value) < 1e307:
        assert float(text.replace("−", "-")) == pytest.approx(value, rel=0.6, abs=0.005)


def test_short_examples():
    values = (-0.47, 0.001, -0.001, 12.345, -12.345, 1234.4, -99999, 2.3366804792470045e+154, -2.3e154, 1e10,
              float("nan"))
    assert [figures.short(v) for v in values] == ["-0.47", "0.00", "0.00", "12.35", "-12.35", "1234.4", "-99999",
                                                  "2e154", "-2e154", "1.0e10", "NaN"]
    assert [figures.short(v, 5) for v in values] == ["-0.47", "0.00", "0.00", "12.35", "-12.3", "1234", "-1e5",
                                                     "2e154", "-2e154", "1e10", "NaN"]


def test_axes_helper_hands_out_ids_and_domains():
    axes = figures.Axes()
    assert axes.add((0, 0.5), (0, 1), x=dict(side="top")) == ("x", "y")
    assert axes.add((0.5, 1), (0, 1), y=dict(visible=False)) == ("x2", "y2")
    assert axes.layout["xaxis"] == dict(domain=[0, 0.5], anchor="y", side="top")
    assert axes.layout["yaxis2"] == dict(domain=[0, 1], anchor="x2", visible=False)
    axes.axis("x2")["range"] = [0, 1]
    assert axes.layout["xaxis2"]["range"] == [0, 1]


def test_fonts_readable_on_a_projector(tutorial_fig):
    assert tutorial_fig.layout.font.size >= 14


def test_diverged_relu_run_still_draws():
    run = nnviz.train(*nnviz.preset("xor"), activation="relu", output_activation="linear", learning_rate=50,
                      iterations=200)
    fig = training_figure(run)
    assert fig.frames and len(fig.to_json()) > 0
    go.Figure(fig.to_dict())


def test_figure_keeps_frames_as_dicts_and_pickles_as_its_spec(tutorial_fig):
    """101 go.Frame objects cost more than the rest of the figure: frames stay dicts until asked for, and the
    spec Streamlit sends (to_dict, no second validation) and the cache's pickle are the same figure."""
    import pickle

    import plotly.io as pio
    import plotly.tools

    spec = plotly.tools.return_figure_from_figure_or_data(tutorial_fig, True)  # what st.plotly_chart does
    assert len(spec["frames"]) == len(tutorial_fig.frames) == 101
    assert spec["frames"][-1]["data"][0]["z"]["dtype"] == "f4"  # numpy arrays travel as base64
    again = pickle.loads(pickle.dumps(tutorial_fig))
    assert json.loads(pio.to_json(again, validate=False)) == json.loads(pio.to_json(tutorial_fig, validate=False))
