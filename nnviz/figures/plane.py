"""The 2-D playground (TensorFlow Playground's view): boundary, points, loss, neuron maps."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from ..training import TrainingRun
from .network import neuron_names
from .style import EDGE_BINS, EDGE_WIDTHS, FONT_SIZE, _base_layout, _lean, _thin, _title, _values, _values_finite

# Orange is class 0 and negative, blue class 1 and positive, as in TensorFlow Playground, in Okabe-Ito tones
# (apart for every colour vision). The plane is painted in paler tones so that the points stand out on it.
CLASS_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#F0E442", "#56B4E9")


PLANE_NEGATIVE, PLANE_POSITIVE = CLASS_COLOURS[0], CLASS_COLOURS[1]


PALE_SHARE = 0.5  # how much white the plane mixes into a class colour


LEVELS = 255  # a boundary grid travels as uint8 levels 0..LEVELS


PLANE_HEIGHT = 520  # with the page's controls, fits a 1280x720 screen


NETWORK_COL_GAP, NETWORK_ROW_GAP = 1.9, 1.25  # network figure units; a neuron's map is 1 x 1


NETWORK_WIDTH = 860  # px the network figure gets on the page at 1280 wide (full width), for its height


NEURON_SCALE = [[0.0, "#f0b84d"], [0.5, "#ffffff"], [1.0, "#4d9bd0"]]  # a neuron's map under the points


def _pale(colour: str, share: float = PALE_SHARE) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in (r, g, b))


PLANE_SCALE = [[0.0, _pale(PLANE_NEGATIVE)], [0.5, "#ffffff"], [1.0, _pale(PLANE_POSITIVE)]]


PLANE_STEPS = [[0.0, _pale(PLANE_NEGATIVE)], [0.5, _pale(PLANE_NEGATIVE)], [0.5, _pale(PLANE_POSITIVE)],
               [1.0, _pale(PLANE_POSITIVE)]]


POINT_SCALE = [[0.0, PLANE_NEGATIVE], [0.5, "#ffffff"], [1.0, PLANE_POSITIVE]]


def boundary_range(problem: str) -> tuple[float, float]:
    """The output values the plane's colours span: P(class 1) in [0, 1], a regression value in [-1, 1]."""
    return (-1.0, 1.0) if problem == "regression" else (0.0, 1.0)


def boundary_levels(values: np.ndarray, problem: str, classes: int) -> np.ndarray:
    """:func:`nnviz.plane.boundary` values as the uint8 the figure sends: classes as is, else LEVELS steps."""
    if classes > 2:
        return values.astype(np.uint8)
    from ..plane import quantize
    return quantize(values, *boundary_range(problem), levels=LEVELS)


def _class_steps(classes: int) -> list:
    scale = []
    for c in range(classes):
        colour = _pale(CLASS_COLOURS[c])
        scale += [[c / classes, colour], [(c + 1) / classes, colour]]
    return scale


def _boundary_trace(levels: np.ndarray, problem: str, classes: int, discretize: bool, xaxis="x", yaxis="y") -> dict:
    from ..plane import grid_points
    axis = np.round(grid_points(levels.shape[-1])[0], 3).tolist()
    if classes > 2:
        colours = dict(zmin=-0.5, zmax=classes - 0.5, colorscale=_class_steps(classes))
    else:
        colours = dict(zmin=0, zmax=LEVELS, colorscale=PLANE_STEPS if discretize else PLANE_SCALE)
    return dict(type="heatmap", x=axis, y=axis, z=levels, showscale=False, name="boundary", hoverinfo="skip",
                zsmooth="best", xaxis=xaxis, yaxis=yaxis, **colours)


def _point_traces(dataset, show_test: bool, xaxis="x", yaxis="y") -> list[dict]:
    """Training points (circles, white ring) and test points (diamonds, dark ring; shown on demand)."""
    traces = []
    for name, rows, symbol, ring in (("training points", dataset.train, "circle", "#ffffff"),
                                     ("test points", ~dataset.train, "diamond", "#111418")):
        labels = dataset.labels[rows]
        if dataset.problem == "regression":
            marker = dict(color=np.round(labels, 3).tolist(), colorscale=POINT_SCALE, cmin=-1, cmax=1)
            label = "value %{customdata:.2f}"
        else:
            marker = dict(color=[CLASS_COLOURS[int(c)] for c in labels])
            label = "class %{customdata}"
        if dataset.problem == "regression" and symbol == "circle":
            ring = "#5a5a5a"  # a white ring would vanish where the value, and the plane, are near 0
        marker.update(symbol=symbol, size=8 if symbol == "circle" else 9, line=dict(color=ring, width=1.5))
        traces.append(dict(type="scatter", mode="markers", name=name, x=np.round(dataset.points[rows, 0], 3).tolist(),
                           y=np.round(dataset.points[rows, 1], 3).tolist(), marker=marker,
                           customdata=np.round(labels, 3).tolist() if dataset.problem == "regression"
                           else labels.astype(int).tolist(),
                           visible=True if name == "training points" or show_test else "legendonly",
                           hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>" + label + f"<extra>{name}</extra>",
                           xaxis=xaxis, yaxis=yaxis))
    return traces


def _plane_axes(domain_x, title: bool = True) -> tuple[dict, dict]:
    from ..datasets import DOMAIN
    common = dict(range=[-DOMAIN, DOMAIN], zeroline=False, showgrid=False, ticks="outside", fixedrange=True,
                  tickfont=dict(size=FONT_SIZE - 1), constrain="domain", dtick=2)
    return (dict(common, domain=list(domain_x), title=dict(text="x₁" if title else "", standoff=2)),
            dict(common, scaleanchor="x", scaleratio=1, title=dict(text="x₂" if title else "", standoff=2)))


def snapshot_losses(run: TrainingRun) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Training and test loss at every snapshot (S,), from the snapshot's outputs (test: None without one)."""
    from ..losses import LOSSES
    loss = LOSSES[run.config.loss]
    with np.errstate(all="ignore"):
        train = np.asarray(loss.value(run.output_snapshots, run.targets), dtype=float)
        test = None if run.test_output_snapshots is None else np.asarray(
            loss.value(run.test_output_snapshots, run.test_targets), dtype=float)
    return train, test


def plane_figure(run: TrainingRun, dataset, features: Sequence[str], per_epoch: int = 1, current: int = -1,
                 discretize: bool = False, show_test: bool = False, size: int = 100) -> go.Figure:
    """The network's output over the plane and the loss curves, animated on ONE timeline: a frame per snapshot.

    ``dataset``: the :class:`nnviz.datasets.Dataset` trained on (its points are drawn, test points as
    diamonds, visible with ``show_test`` or from the legend). ``per_epoch``: updates in an epoch (the time
    axis is in epochs). ``current``: the snapshot shown first. Frames carry only the boundary grid (uint8,
    sent as a base64 typed array) and the loss markers.
    """
    from ..plane import boundary
    snapshots = np.arange(len(run.snapshot_iterations))
    current = int(snapshots[current])
    levels = boundary_levels(boundary(run, features, snapshots, size), dataset.problem, dataset.classes)
    epochs = run.snapshot_iterations / per_epoch
    train_at, test_at = snapshot_losses(run)
    data = [_boundary_trace(levels[current], dataset.problem, dataset.classes, discretize)]
    data += _point_traces(dataset, show_test)
    keep = _thin(len(run.loss))
    x = np.round(keep / per_epoch, 3).tolist()
    data.append(dict(type="scatter", x=x, y=_values(run.loss[keep]), mode="lines", name="training loss",
                     line=dict(color="#111418", width=2.5), xaxis="x2", yaxis="y2",
                     hovertemplate="epoch %{x}<br>training loss %{y:.4f}<extra></extra>"))
    if run.test_loss is not None:
        data.append(dict(type="scatter", x=x, y=_values(run.test_loss[keep]), mode="lines", name="test loss",
                         line=dict(color="#7f7f7f", width=2.5, dash="dash"), xaxis="x2", yaxis="y2",
                         hovertemplate="epoch %{x}<br>test loss %{y:.4f}<extra></extra>"))
    marker_index = len(data)

    def marker(k: int) -> dict:
        ys = [train_at[k]] + ([] if test_at is None else [test_at[k]])
        return dict(type="scatter", x=[round(float(epochs[k]), 3)] * len(ys), y=_values(ys), mode="markers",
                    name="now", showlegend=False, xaxis="x2", yaxis="y2", hoverinfo="skip",
                    marker=dict(size=13, color=["#111418", "#7f7f7f"][:len(ys)], line=dict(color="white", width=2)))

    data.append(marker(current))

    def label(k: int) -> str:
        text = f"Epoch {epochs[k]:g} · training loss {train_at[k]:.3f}"
        return text + ("" if test_at is None else f" · test loss {test_at[k]:.3f}")

    frames, steps = [], []
    for k in snapshots:
        name = str(int(run.snapshot_iterations[k]))
        frames.append(dict(name=name, traces=[0, marker_index],
                           data=[dict(type="heatmap", z=levels[k]), _lean([marker(int(k))])[0]]))
        steps.append(dict(label=label(int(k)), method="animate",
                          args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))]))
    xaxis, yaxis = _plane_axes((0.0, 0.52))
    finite = [v for v in (*train_at, *(test_at if test_at is not None else ())) if np.isfinite(v)]
    top = max(finite + list(_values_finite(run.loss)) + [1e-3])
    layout = _base_layout(
        PLANE_HEIGHT, showlegend=True, margin=dict(l=60, r=20, t=44, b=104),
        legend=dict(x=0.64, xanchor="left", y=0.02, yanchor="bottom", bgcolor="rgba(255,255,255,0.85)",
                    font=dict(size=FONT_SIZE - 1)),
        xaxis=xaxis, yaxis=yaxis,
        xaxis2=dict(domain=[0.62, 1.0], anchor="y2", gridcolor="#e5e5e5", zeroline=False,
                    range=[-0.03 * float(epochs[-1]), 1.03 * float(epochs[-1])], tickfont=dict(size=FONT_SIZE - 1)),
        yaxis2=dict(anchor="x2", gridcolor="#e5e5e5", zeroline=False, range=[0, top * 1.05], title=dict(text="loss"),
                    tickfont=dict(size=FONT_SIZE - 1), exponentformat="power"),
        annotations=[_title("<b>Output</b> of the network over the plane", 0.0, 1.02),
                     _title("<b>Loss</b> by epoch", 0.62, 1.02)],
        sliders=[dict(active=current, steps=steps, x=0.2, len=0.8, y=-0.13, yanchor="top", pad=dict(t=8),
                      currentvalue=dict(prefix="", font=dict(size=FONT_SIZE, color="#111418"), xanchor="left",
                                        offset=6),
                      font=dict(color="rgba(0,0,0,0)", size=8), ticklen=3, minorticklen=0)],
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.13, xanchor="left", yanchor="top",
                          pad=dict(t=8), showactive=False, font=dict(size=FONT_SIZE), buttons=[
                              dict(label="Play", method="animate",
                                   args=[None, dict(frame=dict(duration=100, redraw=True), fromcurrent=True,
                                                    transition=dict(duration=0), mode="immediate")]),
                              dict(label="Pause", method="animate",
                                   args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                                      transition=dict(duration=0))])]),
                     # A loss that falls fast at first hides the rest of the curve: a log scale shows it.
                     dict(type="buttons", direction="left", x=1.0, y=1.02, xanchor="right", yanchor="bottom",
                          showactive=True, active=0, font=dict(size=FONT_SIZE - 1), pad=dict(r=0, t=0, b=0),
                          buttons=[dict(label="linear", method="relayout",
                                        args=[{"yaxis2.type": "linear", "yaxis2.range": [0, top * 1.05], "yaxis2.dtick": None}]),
                                   dict(label="log", method="relayout",
                                        args=[{"yaxis2.type": "log", "yaxis2.autorange": True, "yaxis2.dtick": 1}])])],
    )
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def boundary_figure(run: TrainingRun, dataset, features: Sequence[str], parameters: np.ndarray,
                    discretize: bool = False, show_test: bool = False, title: str = "", size: int = 100) -> go.Figure:
    """One still boundary (no frames) for flat ``parameters`` (P,) of ``run``'s network: an edited weight."""
    from ..plane import boundary_of
    levels = boundary_levels(boundary_of(run, features, parameters, size)[0], dataset.problem, dataset.classes)
    xaxis, yaxis = _plane_axes((0.0, 1.0))
    layout = _base_layout(440, showlegend=False, margin=dict(l=50, r=10, t=40, b=40), xaxis=xaxis, yaxis=yaxis,
                          annotations=[_title(title, 0.0, 1.01)] if title else [])
    data = [_boundary_trace(levels, dataset.problem, dataset.classes, discretize), *_point_traces(dataset, show_test)]
    return go.Figure(data=data, layout=layout, _validate=False)


def display_maps(maps: np.ndarray, kind: str) -> np.ndarray:
    """Neuron maps (n, s, s) scaled to [-1, 1] for one diverging colour scale, by what produced them.

    ``kind``: an activation (tanh and linear-free ranges kept: tanh as is; sigmoid and softmax 0..1 -> -1..1;
    relu and linear divided by their largest size) or "feature" (divided by the largest size).
    """
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32))
    if kind == "tanh":
        return np.clip(maps, -1, 1)
    if kind in ("sigmoid", "softmax"):
        return np.clip(2 * maps - 1, -1, 1)
    top = np.max(np.abs(maps), axis=(1, 2), keepdims=True)
    return maps / np.maximum(top, 1e-6)


def network_layers(run: TrainingRun, features: Sequence[str], parameters: np.ndarray,
                   size: int = 40) -> list[np.ndarray]:
    """Per column of the network (features, hidden layers, output): (n, size, size) maps scaled to [-1, 1]."""
    from ..plane import feature_maps, neuron_maps
    columns = [display_maps(feature_maps(features, size), "feature")]
    layers = neuron_maps(run, features, size=size, parameters=parameters)
    for l, (maps, kind) in enumerate(zip(layers, run.activations)):
        if l == len(layers) - 1 and kind == "linear":  # a regression output: the boundary's own [-1, 1]
            columns.append(np.clip(np.nan_to_num(maps), -1, 1))
        else:
            columns.append(display_maps(maps, kind))
    return columns


def network_names(run: TrainingRun, features: Sequence[str]) -> list[list[str]]:
    """Neuron names per column: the features as written, h1.1 ..., then the output(s)."""
    from ..playground import FEATURE_LABELS
    return neuron_names(run, [FEATURE_LABELS.get(f, f) for f in features],
                        ["output"] if run.layout.sizes[-1] == 1 else
                        [f"class {c}" for c in range(run.layout.sizes[-1])])


def network_figure(run: TrainingRun, features: Sequence[str], parameters: np.ndarray,
                   selected: Optional[tuple[int, int]] = None, size: int = 40) -> go.Figure:
    """Every neuron's output over the plane as a small map, laid out as the network; connections coloured
    by sign (blue +, orange −) and sized by |weight|. ``selected`` (column, neuron) is outlined."""
    columns = network_layers(run, features, parameters, size)
    names = network_names(run, features)
    weights = run.layout.weights(np.asarray(parameters, dtype=float))
    tallest = max(len(c) for c in columns)
    centres = [[(c * NETWORK_COL_GAP, ((len(col) - 1) / 2 - i) * NETWORK_ROW_GAP) for i in range(len(col))]
               for c, col in enumerate(columns)]
    scale = float(max([np.max(np.abs(w)) for w in weights if w.size] + [1e-9]))
    data: list[dict] = []
    groups: dict[tuple[bool, int], tuple[list, list]] = {}
    mids: tuple[list, list, list] = ([], [], [])
    for l, w in enumerate(weights):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                value = float(w[i, j])
                if not np.isfinite(value):
                    continue
                (x0, y0), (x1, y1) = centres[l][i], centres[l + 1][j]
                xs, ys = groups.setdefault((value >= 0, int(np.searchsorted(EDGE_BINS, abs(value) / scale))), ([], []))
                xs += [x0 + 0.5, x1 - 0.5, None]
                ys += [round(y0, 3), round(y1, 3), None]
                mids[0].append(round((x0 + x1) / 2, 3))
                mids[1].append(round((y0 + y1) / 2, 3))
                mids[2].append(f"{names[l][i]} → {names[l + 1][j]}: {value:.3f}")
    for (positive, b), (xs, ys) in sorted(groups.items()):
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                         name=f"{'positive' if positive else 'negative'} weights {b + 1}", opacity=0.8,
                         line=dict(color=PLANE_POSITIVE if positive else PLANE_NEGATIVE, width=EDGE_WIDTHS[b])))
    data.append(dict(type="scatter", x=mids[0], y=mids[1], text=mids[2], mode="markers", name="weights",
                     marker=dict(size=8, opacity=0), hovertemplate="%{text}<extra></extra>", showlegend=False))
    step = 1.0 / size
    for c, col in enumerate(columns):
        levels = np.round((np.clip(col, -1, 1) + 1) / 2 * LEVELS).astype(np.uint8)
        for i in range(len(col)):
            cx, cy = centres[c][i]
            data.append(dict(type="heatmap", z=levels[i], x0=cx - 0.5 + step / 2, dx=step, y0=cy - 0.5 + step / 2,
                             dy=step, zmin=0, zmax=LEVELS, colorscale=POINT_SCALE, showscale=False, name=names[c][i],
                             hovertemplate=names[c][i] + "<extra></extra>"))
    titles = ["Features"] + [f"Layer {l + 1}" for l in range(len(columns) - 2)] + ["Output"]
    top = (tallest - 1) / 2 * NETWORK_ROW_GAP + 0.5
    notes = [dict(text=f"<b>{t}</b>", x=c * NETWORK_COL_GAP, y=top + 0.25, xref="x", yref="y", showarrow=False,
                  yanchor="bottom", font=dict(size=FONT_SIZE)) for c, t in enumerate(titles)]
    notes += [dict(text=n, x=-0.6, y=centres[0][i][1], xref="x", yref="y", showarrow=False, xanchor="right",
                   font=dict(size=FONT_SIZE)) for i, n in enumerate(names[0])]
    shapes = []
    if selected is not None:
        c, i = selected
        if 0 <= c < len(centres) and 0 <= i < len(centres[c]):
            cx, cy = centres[c][i]
            shapes.append(dict(type="rect", x0=cx - 0.58, x1=cx + 0.58, y0=cy - 0.58, y1=cy + 0.58, xref="x",
                               yref="y", line=dict(color="#111418", width=3)))
    width_units = (len(columns) - 1) * NETWORK_COL_GAP + 2.6
    height_units = top * 2 + 1.3  # the y range below
    axis = dict(visible=False, fixedrange=True)
    # px per unit when the figure is NETWORK_WIDTH wide, and at most 560 px tall
    unit = min(62.0, NETWORK_WIDTH / (width_units + 0.6), 540 / height_units)
    layout = _base_layout(int(max(240, 20 + unit * height_units)), margin=dict(l=10, r=10, t=10, b=10),
                          xaxis=dict(axis, range=[-2.0, width_units - 2.0 + 0.6]),
                          yaxis=dict(axis, range=[-top - 0.4, top + 0.9], scaleanchor="x", scaleratio=1),
                          annotations=notes, shapes=shapes)
    return go.Figure(data=data, layout=layout, _validate=False)


def neuron_figure(run: TrainingRun, dataset, features: Sequence[str], parameters: np.ndarray,
                  node: tuple[int, int], size: int = 100) -> go.Figure:
    """One neuron's output over the plane, large, with the training points: ``node`` = (column, neuron)."""
    column, index = node
    maps = network_layers(run, features, parameters, size)[column]
    levels = np.round((np.clip(maps[index], -1, 1) + 1) / 2 * LEVELS).astype(np.uint8)
    name = network_names(run, features)[column][index]
    xaxis, yaxis = _plane_axes((0.0, 1.0))
    trace = _boundary_trace(levels, "classification", 2, False)
    trace.update(name=name, colorscale=NEURON_SCALE)
    data = [trace, *_point_traces(dataset, False)]
    layout = _base_layout(380, showlegend=False, margin=dict(l=50, r=10, t=40, b=40), xaxis=xaxis, yaxis=yaxis,
                          annotations=[_title(f"<b>{name}</b> over the plane", 0.0, 1.01)])
    return go.Figure(data=data, layout=layout, _validate=False)

