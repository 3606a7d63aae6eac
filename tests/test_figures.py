"""The figure builders, asserted on fig.data / fig.layout / fig.frames without rendering."""
from __future__ import annotations

import copy
import json
import pathlib

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnviz
from nnviz import figures
from nnviz.figures import training_figure
from nnviz.figures.training import CELL_GAP, HOVER_NAMES, LOSS_POINTS, NARROWEST_CHART, SLIDER_STEPS, grid
from nnviz.limits import LIMITS

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tutorial_run():
    return nnviz.train(*nnviz.preset("tutorial"))


@pytest.fixture(scope="module")
def tutorial_fig(tutorial_run):
    return training_figure(tutorial_run)


@pytest.fixture(scope="module")
def tutorial_spec(tutorial_fig):
    return tutorial_fig.to_dict()


@pytest.fixture(scope="module")
def diverged_run():
    # tanh hidden layer and a linear output on the tutorial's table: the weights pass 1e154, then the loss
    # stops being a number at iteration 105
    run = nnviz.train(*nnviz.preset("tutorial"), activation="tanh", output_activation="linear", learning_rate=1)
    assert run.diverged_at is not None
    return run


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def index(fig, name) -> int:
    return next(i for i, t in enumerate(fig.data) if t.name == name)


def frame_trace(fig, frame, name):
    """A named trace's data in a frame (frames list every trace, in the figure's order)."""
    return frame.data[list(frame.traces).index(index(fig, name))]


def edge_traces(fig) -> list:
    return [t for t in fig.data if t.name and " edges " in t.name]


def fromcurrent(names: list, current, frames: list) -> list:
    """The frames Plotly's ``animate(names, {fromcurrent: true})`` queues (plotly.js 4 ``animate``): with a
    current frame found first at position E of ``names``, 0 < E < last, the names after E; else all."""
    queue = list(frames) if names is None else list(names)
    if current is not None and current in queue:
        first = queue.index(current)
        if 0 < first < len(queue) - 1:
            return queue[first + 1:]
    return queue


def test_figure_is_valid_plotly(tutorial_fig):
    # the builder skips validation; this does it, on a copy (go.Figure reorders the dicts it is given)
    go.Figure(copy.deepcopy(tutorial_fig.to_dict()))


def test_frames_subsample_snapshots_first_and_last(tutorial_run, tutorial_fig):
    names = [f.name for f in tutorial_fig.frames]
    assert 2 <= len(names) <= figures.MAX_FRAMES
    assert len(names) == len(tutorial_run.snapshot_iterations)  # the default run: every snapshot a frame
    assert names[0] == "0" and names[-1] == str(tutorial_run.iterations)
    assert set(names) <= {str(i) for i in tutorial_run.snapshot_iterations}
    assert [int(n) for n in names] == sorted(int(n) for n in names)


def assert_frames_play_without_redraw(fig):
    """Frames played with redraw false replot only the traces they list and remove the others' layers: every
    frame lists every trace; no heatmap (never updated without a redraw); nothing animated in the layout
    (shapes, annotations and images are not redrawn); Play, Step and Back never redraw after a first frame."""
    spec = fig.to_dict()
    assert {t["type"] for t in spec["data"]} == {"scatter"}
    assert not spec["layout"].get("shapes") and not spec["layout"].get("images")
    for i, frame in enumerate(spec["frames"]):
        assert frame["traces"] == list(range(len(spec["data"])))
        assert [t["type"] for t in frame["data"]] == ["scatter"] * len(spec["data"])
        # the first frame's layout carries the buttons, every other frame takes them from it, nothing else
        assert set(frame.get("layout", {})) == ({"updatemenus"} if i == 0 else set())
        assert frame.get("baseframe") == (None if i == 0 else spec["frames"][0]["name"])
    for button in spec["frames"][0]["layout"]["updatemenus"][0]["buttons"]:
        assert button["args"][1]["frame"]["redraw"] is False, button["label"]


def test_frames_play_without_redraw(tutorial_fig):
    assert_frames_play_without_redraw(tutorial_fig)


def test_static_traces_travel_once(tutorial_spec):
    """What does not move is an empty update in every frame: the loss curve, the neurons, the table."""
    for name in ("loss", "neurons", "table"):
        i = next(i for i, t in enumerate(tutorial_spec["data"]) if t.get("name") == name)
        assert all(f["data"][i] == {"type": "scatter"} for f in tutorial_spec["frames"]), name


def test_slider_steps_name_frames_first_and_last(tutorial_fig):
    slider = tutorial_fig.layout.sliders[0]
    names = [f.name for f in tutorial_fig.frames]
    targets = [s.args[0][0] for s in slider.steps]
    assert 2 <= len(targets) <= SLIDER_STEPS and set(targets) <= set(names)
    assert targets[0] == names[0] and targets[-1] == names[-1]
    assert slider.active == len(slider.steps) - 1  # opens on the trained network


def test_title_names_the_iteration_of_each_frame(tutorial_run, tutorial_fig):
    now = trace(tutorial_fig, "now")
    assert now.mode == "text" and now.cliponaxis is False and (now.xaxis, now.yaxis) == (
        trace(tutorial_fig, "loss").xaxis, trace(tutorial_fig, "loss").yaxis)
    assert f"Iteration {tutorial_run.iterations}" in now.text and "4/4 rows right" in now.text
    for frame in tutorial_fig.frames:
        assert frame_trace(tutorial_fig, frame, "now").text.startswith(f"<b>Iteration {frame.name}</b>: loss ")


def test_title_writes_small_losses_with_their_digits():
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=[8, 8], activation="tanh")
    fig = training_figure(run)
    assert run.final_loss < 0.01
    assert f"loss {run.final_loss:.1e}".replace("e-0", "e-") in trace(fig, "now").text


def test_buttons_as_the_page_opens(tutorial_spec):
    """Before Plotly knows a current frame, Back and Step go to their frame by name and Play's first frame
    redraws everything (the buttons of the frames' layout with it); it opens on the last frame."""
    buttons = tutorial_spec["layout"]["updatemenus"][0]["buttons"]
    names = [f["name"] for f in tutorial_spec["frames"]]
    assert [b["label"] for b in buttons] == ["◀ Back", "Play", "Pause", "Step ▶"]
    assert buttons[0]["args"][0] == [names[-2]] and buttons[3]["args"][0] == [names[-1]]
    assert buttons[0]["args"][1]["frame"]["redraw"] and buttons[3]["args"][1]["frame"]["redraw"]
    play = buttons[1]["args"]
    assert play[0] is None and play[1]["fromcurrent"]
    assert [f["redraw"] for f in play[1]["frame"]] == [True] + [False] * len(names)  # position u uses frame[u]
    assert fromcurrent(None, None, names)[0] == names[0]


@pytest.mark.parametrize("run_args", [dict(), dict(iterations=3, snapshots=4), dict(iterations=1)])
def test_back_and_step_move_one_frame_from_any_frame(run_args):
    """Simulate Plotly's fromcurrent rule over the frames' buttons: from every frame, Step shows the next
    (the last stays), Back the previous (the first stays); Play goes on from the frame after the current
    one, or from the start at the ends."""
    fig = training_figure(nnviz.train(*nnviz.preset("tutorial"), **run_args)).to_dict()
    names = [f["name"] for f in fig["frames"]]
    back, play, pause, step = fig["frames"][0]["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in (back, play, pause, step)] == ["◀ Back", "Play", "Pause", "Step ▶"]
    for i, current in enumerate(names):
        assert fromcurrent(step["args"][0], current, names)[0] == names[min(i + 1, len(names) - 1)]
        assert fromcurrent(back["args"][0], current, names)[0] == names[max(i - 1, 0)]
        # (at the first frame too Plotly plays the whole list: the first frame again, then on)
        assert fromcurrent(play["args"][0], current, names) == (names[i + 1:] if 0 < i < len(names) - 1 else names)
    for button in (back, step):  # one frame, then a wait the next click interrupts
        assert button["args"][1]["fromcurrent"] and button["args"][1]["mode"] == "immediate"
        assert button["args"][1]["frame"]["duration"] >= 1e9


@pytest.mark.parametrize("width", [4, 6])
def test_heatmap_shapes_equal_weight_shapes(width):
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=[width], iterations=100)
    fig = training_figure(run)
    spec = fig.to_dict()
    assert grid(spec, "W1").shape == (3, width) and grid(spec, "W2").shape == (width, 1)
    w1, w2 = trace(fig, "W1"), trace(fig, "W2")
    assert list(fig.layout[w1.yaxis.replace("y", "yaxis")].ticktext) == ["x1", "x2", "x3"]
    assert list(fig.layout[w1.xaxis.replace("x", "xaxis")].ticktext) == [f"h{i + 1}" for i in range(width)]
    assert list(fig.layout[w2.xaxis.replace("x", "xaxis")].ticktext) == ["y"]


def test_biases_are_a_last_row_of_each_heatmap():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[3], bias=True, iterations=60)
    fig = training_figure(run)
    spec = fig.to_dict()
    for layer, name in enumerate(("W1", "W2")):
        assert list(fig.layout[trace(fig, name).yaxis.replace("y", "yaxis")].ticktext)[-1] == figures.BIAS_ROW
        iterations = list(run.snapshot_iterations)
        for i, frame in enumerate(spec["frames"]):
            k = iterations.index(int(frame["name"]))
            z = grid(spec, name, i)
            np.testing.assert_array_equal(z[:-1], np.round(run.weight_snapshots[layer][k],
                                                           figures.WEIGHT_DECIMALS).astype(np.float32))
            np.testing.assert_array_equal(z[-1], np.round(run.bias_snapshots[layer][k],
                                                          figures.WEIGHT_DECIMALS).astype(np.float32))


def test_one_heatmap_per_layer_named_input_side_first():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[3, 5], iterations=50)
    fig = training_figure(run)
    heatmaps = [t for t in fig.data if t.name and t.name.startswith("W")]
    assert [t.name for t in heatmaps] == ["W1", "W2", "W3"]
    assert [grid(fig.to_dict(), t.name).shape for t in heatmaps] == [(2, 3), (3, 5), (5, 1)]
    # each on its own axes, handed out in order by the layout helper
    assert len({(t.xaxis, t.yaxis) for t in heatmaps}) == 3


def test_colour_range_symmetric_and_fixed_across_frames(tutorial_run, tutorial_fig):
    top = np.max(np.abs(tutorial_run.parameters))
    for name in ("W1", "W2"):
        colours = trace(tutorial_fig, name).marker.line
        assert colours.cmin == pytest.approx(-top) and colours.cmax == pytest.approx(top)
        for frame in tutorial_fig.frames:
            spec = frame_trace(tutorial_fig, frame, name).marker.line
            assert spec.cmin is None and spec.cmax is None  # frames never move the range


def test_frame_cells_equal_the_snapshot_weights(tutorial_run, tutorial_spec):
    iterations = list(tutorial_run.snapshot_iterations)
    for i, frame in enumerate(tutorial_spec["frames"]):
        k = iterations.index(int(frame["name"]))
        for layer, name in enumerate(("W1", "W2")):
            expected = np.round(tutorial_run.weight_snapshots[layer][k], figures.WEIGHT_DECIMALS)
            z = grid(tutorial_spec, name, i)
            assert z.dtype == np.float32  # sent as a base64 typed array, not a list of decimals
            np.testing.assert_array_equal(z, expected.astype(np.float32))
    np.testing.assert_array_equal(grid(tutorial_spec, "W1"), grid(tutorial_spec, "W1", len(iterations) - 1))


def test_cells_are_written_by_the_browser_when_values_are_small(tutorial_fig):
    w1 = trace(tutorial_fig, "W1")
    assert w1.texttemplate == "%{marker.line.color:.2f}" and w1.text is None
    assert all(frame_trace(tutorial_fig, f, "W1").text is None for f in tutorial_fig.frames)


def test_frame_predictions_equal_output_snapshots(tutorial_run, tutorial_spec):
    iterations = list(tutorial_run.snapshot_iterations)
    for i, frame in enumerate(tutorial_spec["frames"]):
        k = iterations.index(int(frame["name"]))
        text = grid(tutorial_spec, "predictions", i, text=True)
        outputs = tutorial_run.output_snapshots[k]
        assert list(text[:, 0]) == [figures.short(v) for v in outputs[:, 0]]
        right = (outputs[:, 0] > 0.5) == (tutorial_run.targets[:, 0] > 0.5)
        assert list(text[:, -1]) == ["✓" if r else "✗" for r in right]
        # the row's colour: 1 right, 0 wrong, in every cell of the row
        np.testing.assert_array_equal(grid(tutorial_spec, "predictions", i), np.repeat(right[:, None], 3, axis=1))


def test_static_table_and_predictions_share_one_subplot(tutorial_fig, tutorial_spec):
    table, predictions = trace(tutorial_fig, "table"), trace(tutorial_fig, "predictions")
    assert (table.xaxis, table.yaxis) == (predictions.xaxis, predictions.yaxis)
    assert sorted(set(table.x)) + sorted(set(predictions.x)) == list(range(7))
    axis = tutorial_fig.layout[table.xaxis.replace("x", "xaxis")]
    assert list(axis.ticktext) == ["x1", "x2", "x3", "→ y", "y", "error", "right"]
    assert grid(tutorial_spec, "table", text=True).tolist() == [["0", "0", "1", "0"], ["0", "1", "1", "1"],
                                                                ["1", "0", "1", "1"], ["1", "1", "1", "0"]]


def test_loss_marker_is_a_line_following_the_frame(tutorial_run, tutorial_fig):
    marker, loss = trace(tutorial_fig, "current"), trace(tutorial_fig, "loss")
    assert (marker.xaxis, marker.yaxis) == (loss.xaxis, loss.yaxis) and marker.mode == "lines"
    y_axis = tutorial_fig.layout[loss.yaxis.replace("y", "yaxis")]
    assert y_axis.type == "log"  # the tutorial's loss falls over decades: the line spans the fixed range
    assert list(np.log10(marker.y)) == pytest.approx(list(y_axis.range))
    assert list(marker.x) == [tutorial_run.iterations] * 2
    for frame in tutorial_fig.frames:
        assert list(frame_trace(tutorial_fig, frame, "current").x) == [int(frame.name)] * 2
    assert len(loss.x) <= LOSS_POINTS


def test_loss_axes_have_fixed_ranges():
    """Frames never move an axis: a linear loss axis gets a fixed range around the loss too."""
    run = nnviz.train(*nnviz.preset("xor"), iterations=20)
    fig = training_figure(run)
    loss = trace(fig, "loss")
    y_axis = fig.layout[loss.yaxis.replace("y", "yaxis")]
    assert y_axis.type == "linear"
    assert y_axis.range[0] < min(run.loss) and y_axis.range[1] > max(run.loss)
    assert list(trace(fig, "current").y) == list(y_axis.range)
    assert list(fig.layout[loss.xaxis.replace("x", "xaxis")].range) == [0, 20]


def test_edges_are_line_traces_under_the_neurons(tutorial_run, tutorial_fig):
    neurons = trace(tutorial_fig, "neurons")
    edges = edge_traces(tutorial_fig)
    assert len(edges) == 2 * len(figures.EDGE_WIDTHS)
    # drawn before the neurons on the same axes: the neuron circles cover them
    assert max(index(tutorial_fig, e.name) for e in edges) < index(tutorial_fig, "neurons")
    for edge in edges:
        assert (edge.xaxis, edge.yaxis) == (neurons.xaxis, neurons.yaxis) and edge.mode == "lines"
        assert edge.line.color == (figures.POSITIVE if edge.name.startswith("positive") else figures.NEGATIVE)
    for frame in tutorial_fig.frames:  # every frame sets every edge group (an empty group is one gap)
        for edge in edges:
            moved = frame_trace(tutorial_fig, frame, edge.name)
            assert len(moved.x) == len(moved.y) >= 1


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


@pytest.mark.parametrize("hidden", [[4], [32, 32]])
def test_edge_lines_draw_the_same_segments_as_edge_paths(hidden):
    run = nnviz.train(*nnviz.preset("tutorial"), hidden=hidden, iterations=100)
    paths = figures.EdgePaths(figures.node_positions(list(run.layout.sizes)))
    weights, scale = [w[-1] for w in run.weight_snapshots], figures.weight_range(run)
    lines = paths.lines(weights, scale)
    for key, path in paths.paths(weights, scale).items():
        x, y = lines[key]
        assert len(x) == len(y) and all(v is None for v in x[2::3]) and all(v is None for v in y[2::3])
        got = sorted(f"M{x[i]:g},{y[i]:g}L{x[i + 1]:g},{y[i + 1]:g}" for i in range(0, len(x) - 1, 3))
        assert got == sorted("M" + p for p in path.split("M")[1:] if p != "0,0"), key


def test_edge_lines_draw_the_snapshot_connections(tutorial_run, tutorial_fig):
    last = tutorial_fig.frames[-1]
    segments = sum(sum(v is not None for v in frame_trace(tutorial_fig, last, e.name).x) // 2
                   for e in edge_traces(tutorial_fig))
    assert segments == sum(w.size for w in tutorial_run.weights)
    assert [list(e.x) for e in edge_traces(tutorial_fig)] == [list(frame_trace(tutorial_fig, last, e.name).x)
                                                              for e in edge_traces(tutorial_fig)]


@pytest.mark.parametrize("run_args", [dict(), dict(hidden=[8, 8, 8]), dict(hidden=[64] * 3, bias=True),
                                      dict(preset="full_adder", hidden=[2])])
def test_cells_fill_their_grid_without_overlap(run_args):
    """Cells are markers sized in pixels: at the narrowest chart planned for, neighbours never overlap (a
    wider chart leaves gaps), and they fill most of their cell."""
    args = dict(run_args)
    fig = training_figure(nnviz.train(*nnviz.preset(args.pop("preset", "tutorial")), iterations=50, **args))
    margin = fig.layout.margin
    plot_w, plot_h = NARROWEST_CHART - margin.l - margin.r, figures.HEIGHT - margin.t - margin.b
    for t in fig.data:
        if t.marker.symbol != "line-ew":
            continue
        x_axis, y_axis = fig.layout[t.xaxis.replace("x", "xaxis")], fig.layout[t.yaxis.replace("y", "yaxis")]
        n_cols, n_rows = x_axis.range[1] + 0.5, y_axis.range[0] + 0.5
        cell_w = (x_axis.domain[1] - x_axis.domain[0]) * plot_w / n_cols
        cell_h = (y_axis.domain[1] - y_axis.domain[0]) * plot_h / n_rows
        for extent, cell in ((t.marker.size, cell_w), (t.marker.line.width, cell_h)):
            gap = min(CELL_GAP, 0.15 * cell)
            assert cell - gap - 0.1 <= extent <= cell - gap, t.name
        assert x_axis.range[0] == -0.5 and y_axis.range[1] == -0.5  # first row on top
        assert set(t.x) <= set(range(int(n_cols))) and set(t.y) == set(range(int(n_rows)))
        # labels: every cell's, or every k-th where cells are narrower than a label; hover names every cell
        assert x_axis.tickvals[0] == 0 and len(set(np.diff(x_axis.tickvals))) <= 1
        if (len(x_axis.tickvals) < n_cols or len(y_axis.tickvals) < n_rows) and len(t.x) <= HOVER_NAMES:
            assert t.hovertemplate.startswith("%{customdata}") and len(t.customdata) == len(t.x)
        else:
            assert t.hovertemplate.startswith("%{y}")


def test_presenter_palette_is_passed_in(tutorial_run):
    fig = training_figure(tutorial_run, palette=figures.PRESENTER_PALETTE)
    colours = {e.line.color for e in edge_traces(fig)}
    assert colours == {figures.PRESENTER_POSITIVE, figures.PRESENTER_NEGATIVE}
    assert trace(fig, "W1").marker.line.colorscale[0][1] == figures.PRESENTER_NEGATIVE
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
    assert_frames_play_without_redraw(fig)
    z = grid(fig.to_dict(), "W3", len(fig.frames) - 1)
    assert z.dtype == np.int8 and z.shape == (65, 64)  # quantized: 64x64 floats per layer would not fit 50 frames


def test_diverged_run_is_readable(diverged_run):
    fig = training_figure(diverged_run)
    assert fig.frames and len(fig.to_json()) < 2_000_000
    spec = fig.to_dict()
    for name in ("W1", "W2"):
        base = trace(fig, name)
        assert base.texttemplate == "%{text}"
        for i in range(len(spec["frames"])):
            text = grid(spec, name, i, text=True)
            assert all(len(cell) <= 6 for cell in text.ravel()), text
        # colours follow log10(1 + |w|): the range is a number of decades, labelled in weight units
        assert base.marker.line.cmax == pytest.approx(np.log10(1 + figures.weight_range(diverged_run)))
        assert np.all(np.isfinite(grid(spec, name)))  # NaN weights paint as 0 (their text says NaN)
    bar = trace(fig, "W2").marker.colorbar
    assert trace(fig, "W2").marker.showscale
    assert all(len(t) <= 6 for t in bar.ticktext) and "e1" in "".join(bar.ticktext)
    for i in range(len(spec["frames"])):
        text = grid(spec, "predictions", i, text=True)
        assert all(len(cell) <= 6 for cell in text.ravel()), text
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
    w1 = index(tutorial_fig, "W1")
    assert spec["frames"][-1]["data"][w1]["marker"]["line"]["color"]["dtype"] == "f4"  # numpy arrays as base64
    again = pickle.loads(pickle.dumps(tutorial_fig))
    assert json.loads(pio.to_json(again, validate=False)) == json.loads(pio.to_json(tutorial_fig, validate=False))


@pytest.mark.parametrize("inputs, outputs, hidden", [(3, 1, [4]), (3, 1, [64]), (3, 1, [16, 16]), (10, 8, [64])])
def test_inputs_and_outputs_keep_their_names_on_big_diagrams(inputs, outputs, hidden):
    """Names beside the input and output circles however wide the hidden layers, a line of text apart at
    least (every k-th, first and last always, when even spreading them over the diagram cannot fit all)."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 2, (6, inputs)).astype(float), rng.integers(0, 2, (6, outputs)).astype(float)
    run = nnviz.train(x, y, hidden=hidden, iterations=20)
    spec = figures.training_figure(run).to_dict()
    neurons = next(t for t in spec["data"] if t.get("name") == "neurons")
    sizes = [inputs, *hidden, outputs]
    start = {"in": 0, "out": sum(sizes) - outputs}
    for side, n in (("in", inputs), ("out", outputs)):
        texts = neurons["text"][start[side]:start[side] + n]
        assert texts[0] and texts[-1], texts
        shown_y = [neurons["y"][start[side] + i] for i, t in enumerate(texts) if t]
        px_per_unit = 0.38 * (figures.HEIGHT - 60) / (max(sizes) + 0.4)
        gaps = np.abs(np.diff(shown_y)) * px_per_unit
        assert len(gaps) == 0 or gaps.min() >= figures.FONT_SIZE, gaps
        if n * figures.FONT_SIZE * 1.2 <= 0.38 * (figures.HEIGHT - 60):
            assert all(texts), texts  # room for every name: every name
    assert all(neurons["customdata"])  # the hover names every neuron


@pytest.mark.parametrize("run_args", [{}, dict(hidden=[64, 64, 64], iterations=600),
                                      dict(activation="tanh", output_activation="linear", learning_rate=1)])
def test_arrays_are_encoded_as_plotly_encodes_them(run_args):
    """The builder encodes its arrays itself (spec.encode_arrays, a walk of dicts only): the figure is what
    plotly's own conversion makes of the same arrays, float32 and int8 frames, int64 narrowed, 2-D shapes."""
    from _plotly_utils.utils import PlotlyJSONEncoder, convert_to_base64

    from nnviz.figures.spec import decoded, encode_arrays
    spec = training_figure(nnviz.train(*nnviz.preset("tutorial"), **run_args)).to_dict()
    arrays = decoded(spec)
    arrays["data"][0]["ids"] = np.arange(3) * 40_000  # int64 plotly narrows to int32
    arrays["data"][0]["customdata"] = np.arange(6.0).reshape(2, 3)
    arrays["layout"]["xaxis"]["range"] = np.array([0, 1])  # a key plotly leaves alone
    ours, plotlys = copy.deepcopy(arrays), copy.deepcopy(arrays)
    encode_arrays(ours)
    convert_to_base64(plotlys)
    assert json.dumps(ours, cls=PlotlyJSONEncoder) == json.dumps(plotlys, cls=PlotlyJSONEncoder)
    del ours["data"][0]["ids"], ours["data"][0]["customdata"]
    ours["layout"]["xaxis"]["range"] = spec["layout"]["xaxis"]["range"]
    assert ours == spec
