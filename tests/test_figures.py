"""The figure builders, asserted on fig.data / fig.layout / fig.frames without rendering."""
from __future__ import annotations

import pathlib

import numpy as np
import plotly.graph_objects as go
import pytest

import nnviz
from nnviz import figures
from nnviz.figures import training_figure

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tutorial_run():
    return nnviz.train(*nnviz.preset("tutorial"))


@pytest.fixture(scope="module")
def tutorial_fig(tutorial_run):
    return training_figure(tutorial_run)


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def frame_trace(fig, frame, name):
    """A named trace's data in a frame (frames carry only the animated traces, by index)."""
    index = next(i for i, t in enumerate(fig.data) if t.name == name)
    return frame.data[list(frame.traces).index(index)]


def test_figure_is_valid_plotly(tutorial_fig):
    go.Figure(tutorial_fig.to_dict())  # the builder skips validation; this does it


def test_frames_subsample_snapshots_first_and_last(tutorial_run, tutorial_fig):
    names = [f.name for f in tutorial_fig.frames]
    assert 2 <= len(names) <= figures.MAX_FRAMES
    assert names[0] == "0" and names[-1] == str(tutorial_run.iterations)
    assert set(names) <= {str(i) for i in tutorial_run.snapshot_iterations}
    assert [int(n) for n in names] == sorted(int(n) for n in names)


def test_slider_steps_labelled_by_iteration(tutorial_fig):
    slider = tutorial_fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [f"Iteration {f.name}" for f in tutorial_fig.frames]
    assert [list(s.args[0]) for s in slider.steps] == [[f.name] for f in tutorial_fig.frames]
    assert slider.active == len(slider.steps) - 1  # opens on the trained network


def test_play_and_pause_buttons(tutorial_fig):
    labels = [b.label for menu in tutorial_fig.layout.updatemenus for b in menu.buttons]
    assert {"Play", "Pause", "linear", "log"} <= set(labels)


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
            np.testing.assert_array_equal(z[:-1], np.round(run.weight_snapshots[layer][k], figures.WEIGHT_DECIMALS))
            np.testing.assert_array_equal(z[-1], np.round(run.bias_snapshots[layer][k], figures.WEIGHT_DECIMALS))


def test_one_heatmap_per_layer_named_input_side_first():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[3, 5], iterations=50)
    fig = training_figure(run)
    heatmaps = [t for t in fig.data if t.name and t.name.startswith("W")]
    assert [t.name for t in heatmaps] == ["W1", "W2", "W3"]
    assert [np.array(t.z).shape for t in heatmaps] == [(2, 3), (3, 5), (5, 1)]


def test_colour_range_symmetric_and_fixed_across_frames(tutorial_run, tutorial_fig):
    top = np.max(np.abs(tutorial_run.parameters))
    for name in ("W1", "W2"):
        base = trace(tutorial_fig, name)
        assert base.zmin == pytest.approx(-top) and base.zmax == pytest.approx(top) and base.zmid == 0
        for frame in tutorial_fig.frames:
            spec = frame_trace(tutorial_fig, frame, name)
            assert spec.zmin is None or spec.zmin == base.zmin  # frames never move the range


def test_frame_heatmaps_equal_the_snapshot_weights(tutorial_run, tutorial_fig):
    iterations = list(tutorial_run.snapshot_iterations)
    for frame in tutorial_fig.frames:
        k = iterations.index(int(frame.name))
        for layer, name in enumerate(("W1", "W2")):
            expected = np.round(tutorial_run.weight_snapshots[layer][k], figures.WEIGHT_DECIMALS)
            np.testing.assert_array_equal(np.array(frame_trace(tutorial_fig, frame, name).z), expected)


def test_frame_predictions_equal_output_snapshots(tutorial_run, tutorial_fig):
    iterations = list(tutorial_run.snapshot_iterations)
    for frame in tutorial_fig.frames:
        k = iterations.index(int(frame.name))
        text = np.array(frame_trace(tutorial_fig, frame, "predictions").text)
        outputs = tutorial_run.output_snapshots[k]
        assert list(text[:, 0]) == [f"{v:.2f}" for v in outputs[:, 0]]
        right = (outputs[:, 0] > 0.5) == (tutorial_run.targets[:, 0] > 0.5)
        assert list(text[:, -1]) == ["✓" if r else "✗" for r in right]


def test_loss_marker_follows_the_frame(tutorial_run, tutorial_fig):
    for frame in tutorial_fig.frames:
        marker = frame_trace(tutorial_fig, frame, "current")
        assert list(marker.x) == [int(frame.name)]
    assert len(trace(tutorial_fig, "loss").x) <= figures.MAX_LOSS_POINTS


def test_edge_colours_follow_weight_signs(tutorial_run):
    weights = tutorial_run.weights
    groups = figures.edge_groups(weights, figures.weight_range(tutorial_run))
    seen = 0
    for (positive, _), edges in groups.items():
        for layer, i, j, w in edges:
            assert w == weights[layer][i, j] and (w >= 0) == positive
            seen += 1
    assert seen == sum(w.size for w in weights)
    fig = training_figure(tutorial_run)
    for t in fig.data:
        if t.name and "edges" in t.name:
            assert t.line.color == (figures.POSITIVE if t.name.startswith("positive") else figures.NEGATIVE)


def test_edge_traces_draw_the_snapshot_connections(tutorial_run, tutorial_fig):
    last = tutorial_fig.frames[-1]
    segments = sum(len(frame_trace(tutorial_fig, last, t.name).x) // 3
                   for t in tutorial_fig.data if t.name and "edges" in t.name)
    assert segments == sum(w.size for w in tutorial_run.weights)


def test_default_payload_under_300_kb(tutorial_fig):
    assert len(tutorial_fig.to_json()) < 300_000


def test_big_network_payload_stays_bounded():
    run = nnviz.train(*nnviz.preset("full_adder"), hidden=[32, 32], iterations=300)
    fig = training_figure(run)
    assert 2 <= len(fig.frames) <= figures.MAX_FRAMES
    assert len(fig.to_json()) < 600_000


def test_fonts_readable_on_a_projector(tutorial_fig):
    assert tutorial_fig.layout.font.size >= 14


def test_diverged_run_still_draws():
    run = nnviz.train(*nnviz.preset("xor"), activation="relu", output_activation="linear", learning_rate=50,
                      iterations=200)
    fig = training_figure(run)
    assert fig.frames and len(fig.to_json()) > 0
