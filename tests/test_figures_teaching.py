"""Figure builders of the teaching tools: the numbers drawn are the engine's numbers."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

import nnviz
from nnviz import diagnostics, figures
from ui import planeurl


@pytest.fixture(scope="module")
def run():
    return nnviz.train(*nnviz.preset("tutorial"))


@pytest.fixture(scope="module")
def sweep():
    return nnviz.train_many(*nnviz.preset("xor"), networks=60, hidden=[2], iterations=600)


def traces(fig, kind=None):
    return [t for t in fig.data if kind is None or t.type == kind]


def valid(fig) -> go.Figure:
    go.Figure(fig.to_dict())  # the builders skip validation; this does it
    return fig


def test_weight_change_is_the_parameter_difference(run):
    fig = valid(figures.weight_change_figure(run, run.parameters[0], run.parameters[1]))
    change = run.parameters[1] - run.parameters[0]
    maps = traces(fig, "heatmap")
    assert [np.array(t.z).shape for t in maps] == [(3, 4), (4, 1)]
    for t, expected in zip(maps, run.layout.weights(change)):
        np.testing.assert_array_equal(np.array(t.z), expected)
    scale = np.abs(change).max()
    assert maps[0].zmin == -scale and maps[0].zmax == scale


def test_weight_change_with_biases_has_a_bias_row():
    run = nnviz.train(*nnviz.preset("xor"), bias=True, iterations=5)
    fig = valid(figures.weight_change_figure(run, run.parameters[0], run.parameters[-1]))
    first = traces(fig, "heatmap")[0]
    assert list(first.y) == ["x1", "x2", figures.BIAS_ROW]
    np.testing.assert_array_equal(np.array(first.z)[-1], (run.parameters[-1] - run.parameters[0])[
        run.layout.bias_slices[0]])


def test_sweep_band_is_the_10_50_90_percentiles(sweep):
    keep, low, mid, high = figures.sweep_band(sweep.loss)
    assert keep[0] == 0 and keep[-1] == sweep.loss.shape[1] - 1
    np.testing.assert_allclose(low, np.nanpercentile(sweep.loss[:, keep], 10, axis=0))
    np.testing.assert_allclose(mid, np.nanmedian(sweep.loss[:, keep], axis=0))
    np.testing.assert_allclose(high, np.nanpercentile(sweep.loss[:, keep], 90, axis=0))
    fig = valid(figures.sweep_figure(sweep))
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_allclose(np.array(by_name["median"].y, dtype=float), mid)
    np.testing.assert_allclose(np.array(by_name["10th percentile"].y, dtype=float), low)
    assert by_name["10th percentile"].fill == "tonexty"  # filled up to the 90th percentile trace before it


def test_histogram_counts_every_network(sweep):
    fig = valid(figures.sweep_figure(sweep))
    bars = traces(fig, "bar")
    assert sum(sum(b.y) for b in bars) == len(sweep.seeds)
    learned = next(b for b in bars if b.name == "learned")
    assert sum(learned.y) == int(np.count_nonzero(sweep.learned))


def test_histogram_counts_diverged_networks_apart():
    loss = np.array([0.1, 0.01, np.nan, 1.0, np.nan])
    hist = figures.final_loss_histogram(loss, np.array([True, True, False, False, False]), bins=4)
    assert hist["diverged"] == 2 and hist["learned"].sum() == 2 and hist["failed"].sum() == 1
    assert len(hist["edges"]) == 5


def test_sweep_figure_marks_the_current_seed(sweep):
    fig = valid(figures.sweep_figure(sweep, current_seed=3))
    own = next(t for t in fig.data if t.name == "seed 3")
    keep = figures.sweep_band(sweep.loss)[0]
    np.testing.assert_allclose(np.array(own.y, dtype=float), sweep.loss[3, keep])


def test_compare_figure_draws_both_losses(run):
    other = nnviz.train(*nnviz.preset("tutorial"), hidden=[2])
    fig = valid(figures.compare_figure(run, other, "A: 4", "B: 2"))
    a, b = fig.data
    assert (a.name, b.name) == ("A: 4", "B: 2")
    np.testing.assert_allclose(np.array(a.y, dtype=float), run.loss[np.array(a.x)])
    np.testing.assert_allclose(np.array(b.y, dtype=float), other.loss[np.array(b.x)])
    assert fig.layout.yaxis.type == "log"


def test_hidden_units_heatmap_is_the_activations(run):
    fig = valid(figures.hidden_units_figure(run, -1, 0))
    (heat,) = fig.data
    np.testing.assert_allclose(np.array(heat.z), run.hidden_activations(-1)[0], atol=5e-5)
    assert list(heat.x) == ["h1", "h2", "h3", "h4"]
    assert list(heat.y) == ["0,0,1 → 0", "0,1,1 → 1", "1,0,1 → 1", "1,1,1 → 0"]
    assert (heat.zmin, heat.zmax) == (0.0, 1.0)  # sigmoid


@pytest.mark.parametrize("units, kind", [([0, 1], "scatter"), ([0, 2, 3], "scatter3d")])
def test_hidden_space_places_each_row(run, units, kind):
    fig = valid(figures.hidden_space_figure(run, -1, 0, units))
    acts = run.hidden_activations(-1)[0]
    assert {t.type for t in fig.data} == {kind}
    points = sum(len(t.x) for t in fig.data)
    assert points == 4
    ones = next(t for t in fig.data if t.name == "target 1")
    np.testing.assert_allclose(ones.x, acts[run.targets[:, 0] == 1, units[0]], atol=5e-5)


def test_hidden_space_needs_2_or_3_units(run):
    with pytest.raises(ValueError, match="2 or 3"):
        figures.hidden_space_figure(run, -1, 0, [0])


def test_gradient_check_heatmap_is_the_relative_error(run):
    check = diagnostics.gradient_check(run)
    fig = valid(figures.gradient_check_figure(check, run))
    maps = traces(fig, "heatmap")
    expected = np.clip(np.log10(check.relative_error), *figures.GRADCHECK_RANGE)
    for t, want in zip(maps, run.layout.weights(expected)):
        np.testing.assert_allclose(np.array(t.z), want)
    text = np.array(maps[0].text)
    assert text[0, 0] == f"{run.layout.weights(check.relative_error)[0][0, 0]:.0e}"


def test_health_figure_is_saturation_and_gradient_norms(run):
    shares = diagnostics.saturation(run)
    fig = valid(figures.health_figure(run, shares))
    sat = next(t for t in fig.data if t.name == "hidden layer 1")
    np.testing.assert_allclose(np.array(sat.y), 100 * shares[:, 0], atol=0.01)
    norm = next(t for t in fig.data if t.name == "W2")
    np.testing.assert_allclose(np.array(norm.y, dtype=float), run.gradient_norms[np.array(norm.x), 1])


def test_presenter_style_recolours_and_enlarges(run):
    plain = figures.training_figure(run)
    fig = valid(figures.presenter_style(plain))
    assert figures.presenter_style(plain, text_scale=1).layout.font.size == plain.layout.font.size
    spec = str(fig.to_plotly_json())
    assert figures.NEGATIVE not in spec and figures.POSITIVE not in spec
    assert figures.PRESENTER_NEGATIVE in spec and figures.PRESENTER_POSITIVE in spec
    assert fig.layout.font.size >= figures.PRESENTER_TEXT_SCALE * plain.layout.font.size
    assert len(fig.frames) == len(plain.frames)
    assert any("orange −" in a.text for a in fig.layout.annotations)
    # the data are untouched
    w1 = lambda f: next(t for t in json.loads(f.to_json())["data"] if t.get("name") == "W1")["marker"]["line"]["color"]  # noqa: E731
    assert w1(fig) == w1(plain)


@pytest.mark.parametrize("builder", ["compare", "sweep", "health"])
def test_teaching_fonts_are_readable(run, sweep, builder):
    fig = {"compare": lambda: figures.compare_figure(run, run), "sweep": lambda: figures.sweep_figure(sweep),
           "health": lambda: figures.health_figure(run, diagnostics.saturation(run))}[builder]()
    sizes = [a.font.size for a in fig.layout.annotations if a.font.size] + [fig.layout.font.size]
    assert min(sizes) >= 14


def font_sizes(node, path="", font=False) -> dict:
    """Every font size in a figure spec by its path (frames left out: they carry no fonts)."""
    sizes = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if font and key == "size" and isinstance(value, (int, float)):
                sizes[path + ".size"] = value
            elif key != "frames":
                sizes.update(font_sizes(value, f"{path}.{key}", key.endswith("font")))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            sizes.update(font_sizes(value, f"{path}.{i}"))
    return sizes


def test_text_scale_enlarges_every_font_of_the_animated_figures(run):
    """Presenter mode's size as an input: every text of both pages' figures at least 1.4x, none left out."""
    from nnviz import playground
    from nnviz.datasets import DEFAULT_FEATURES
    pairs = [(figures.training_figure(run), figures.training_figure(run, text_scale=figures.PRESENTER_TEXT_SCALE,
                                                                    plot_width=figures.PRESENTER_PLOT_WIDTH))]
    settings = (playground_defaults := {"dataset": "circle", "classes": 2, "points": 100, "noise": 0,
                                            "ratio": 50, "data_seed": 0})
    data = planeurl.dataset_from(settings)
    config = planeurl.config_for({**playground_defaults, "features": DEFAULT_FEATURES, "hidden": (2,),
                                    "activation": "tanh", "learning_rate": 0.03, "regularization": "none",
                                    "reg_rate": 0.0, "batch_size": 10, "epochs": 5, "seed": 0}, data)
    plane_run = playground.train_plane(data, DEFAULT_FEATURES, config, playground.epoch_schedule(5))
    pairs.append((figures.plane_figure(plane_run, data, DEFAULT_FEATURES, frames=3),
                  figures.plane_figure(plane_run, data, DEFAULT_FEATURES, frames=3,
                                       text_scale=figures.PRESENTER_TEXT_SCALE)))
    for normal, large in pairs:
        before, after = font_sizes(normal.to_dict()), font_sizes(large.to_dict())
        assert before.keys() == after.keys() and len(before) > 10
        assert {k: (before[k], after[k]) for k in before if after[k] < 1.4 * before[k]} == {}
