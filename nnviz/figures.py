"""Plotly figures of a training run: pure functions, ``run -> go.Figure``.

The only nnviz module that imports plotly. :func:`training_figure` draws the
whole story in ONE figure with ONE timeline: every panel (loss curve, weight
heatmaps, prediction grid, network diagram) is updated by the same Plotly
frames, so Play and the slider move them together without a server round trip.

Payload matters (the page resends the spec on every rerun): numbers are
rounded, frames carry only the traces that change, and the number of frames
shrinks for big networks so the spec stays near :data:`FRAME_BUDGET` numbers.
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from .diagnostics import PASS_ERROR
from .limits import DECISION_THRESHOLD
from .training import TrainingRun, row_correct

MAX_FRAMES = 50
FRAME_BUDGET = 40_000  # numbers sent in all frames together, about 250 KB of JSON
MAX_PREDICTION_ROWS = 16  # a projector shows no more; the full table is below the chart
MAX_EDGES = 160  # strongest connections drawn per frame in big networks
MAX_LOSS_POINTS = 800
WEIGHT_DECIMALS = 3
EDGE_BINS = (0.25, 0.5, 0.75)  # |w| / max|w| thresholds between the four line widths
EDGE_WIDTHS = (1.0, 2.5, 4.5, 7.0)
POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # ColorBrewer RdBu ends: blue +, red -
FONT_SIZE = 15
HEIGHT = 560  # fits a 1280x720 projector screen under the page heading
PLOT_WIDTH = 850  # px the chart gets beside the sidebar at 1280 wide, for sizing text
MIN_CELL = (44, 22)  # px a cell needs to show its value
BIAS_ROW = "bias"  # the heatmap row of a layer's biases

# Categories of the prediction grid's colour: a row right, a row wrong.
RIGHT_COLOUR, WRONG_COLOUR = "#c7e9c0", "#fcbba1"
# Negative red, zero white, positive blue: the same colours as the network's edges.
WEIGHT_SCALE = [[0.0, NEGATIVE], [0.5, "#f7f7f7"], [1.0, POSITIVE]]


def neuron_names(run: TrainingRun, input_names: Optional[Sequence[str]] = None,
                 output_names: Optional[Sequence[str]] = None) -> list[list[str]]:
    """Names per layer, input side first: x1.., h1.. (h1.1.. with several hidden layers), y.."""
    sizes = list(run.layout.sizes)
    inputs = list(input_names) if input_names else [f"x{i + 1}" for i in range(sizes[0])]
    outputs = list(output_names) if output_names else (
        ["y"] if sizes[-1] == 1 else [f"y{i + 1}" for i in range(sizes[-1])])
    hidden = sizes[1:-1]
    layers = [[f"h{i + 1}" if len(hidden) == 1 else f"h{l + 1}.{i + 1}" for i in range(w)]
              for l, w in enumerate(hidden)]
    return [inputs, *layers, outputs]


def frame_indices(snapshots: int, per_frame_numbers: int = 0) -> np.ndarray:
    """Snapshot indices to animate: evenly spaced, first and last included, within the budget."""
    frames = MAX_FRAMES
    if per_frame_numbers:
        frames = max(2, min(frames, FRAME_BUDGET // per_frame_numbers))
    return np.unique(np.round(np.linspace(0, snapshots - 1, min(snapshots, frames))).astype(int))


def weight_range(run: TrainingRun) -> float:
    """max |w| over every layer and snapshot (at least a tiny positive number)."""
    finite = run.parameters[np.isfinite(run.parameters)]
    return float(max(np.max(np.abs(finite)) if finite.size else 0.0, 1e-9))


def node_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """Per layer, (size, 2) x/y positions: layers left to right, neurons centred top to bottom."""
    return [np.column_stack([np.full(n, float(l)), (n - 1) / 2 - np.arange(n)])
            for l, n in enumerate(sizes)]


def edge_groups(weights: Sequence[np.ndarray], scale: float) -> dict[tuple[bool, int], list[tuple]]:
    """Connections grouped by (positive, width bin): lists of (layer, i, j, w).

    Big networks keep only the :data:`MAX_EDGES` strongest connections.
    """
    edges = [(l, i, j, float(w[i, j])) for l, w in enumerate(weights)
             for i in range(w.shape[0]) for j in range(w.shape[1])]
    if len(edges) > MAX_EDGES:
        edges = sorted(edges, key=lambda e: -abs(e[3]))[:MAX_EDGES]
    groups: dict[tuple[bool, int], list[tuple]] = {(s, b): [] for s in (True, False)
                                                   for b in range(len(EDGE_WIDTHS))}
    for edge in edges:
        w = edge[3]
        if not np.isfinite(w):
            continue
        groups[(w >= 0, int(np.searchsorted(EDGE_BINS, abs(w) / scale)))].append(edge)
    return groups


def _edge_xy(edges: list[tuple], positions: list[np.ndarray]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for l, i, j, _ in edges:
        (x0, y0), (x1, y1) = positions[l][i], positions[l + 1][j]
        xs += [x0, x1, None]
        ys += [round(float(y0), 3), round(float(y1), 3), None]
    return xs, ys


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _cell(value: float) -> str:
    """A table value as written: 1 not 1.00, 0.25 as is."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def _prediction_cells(run: TrainingRun, outputs: np.ndarray, rows: int) -> tuple[list, list]:
    """z (1 right, 0 wrong, per row) and text for the columns outputs..., error, right."""
    targets = run.targets[:rows]
    outputs = outputs[:rows]
    right = row_correct(outputs, targets)
    error = np.abs(targets - outputs).sum(axis=1)
    n_cols = outputs.shape[1] + 2
    z = [[int(r)] * n_cols for r in right]
    text = [[_fmt(v) for v in out] + [_fmt(e), "✓" if r else "✗"]
            for out, e, r in zip(outputs, error, right)]
    return z, text


def _loss_at(run: TrainingRun, iteration: int) -> float:
    if iteration < len(run.loss):
        return float(run.loss[iteration])
    return run.final_loss


def _sig(value: float) -> Optional[float]:
    return float(f"{value:.4g}") if np.isfinite(value) else None


def training_figure(run: TrainingRun, input_names: Optional[Sequence[str]] = None,
                    output_names: Optional[Sequence[str]] = None) -> go.Figure:
    """The animated figure: loss, network diagram, weight heatmaps and predictions on one timeline."""
    names = neuron_names(run, input_names, output_names)
    sizes = list(run.layout.sizes)
    weights = run.weight_snapshots  # per layer (S, fan_in, fan_out)
    n_layers = len(weights)
    rows_shown = min(run.inputs.shape[0], MAX_PREDICTION_ROWS)
    per_frame = (sum(w[0].size for w in weights) + 6 * min(MAX_EDGES, sum(w[0].size for w in weights))
                 + 2 * rows_shown * (sizes[-1] + 2) + 2)
    frames_at = frame_indices(len(run.snapshot_iterations), per_frame)
    scale = weight_range(run)
    positions = node_positions(sizes)
    data: list[dict] = []
    layout: dict = {}

    # Panel domains (paper coordinates): loss top left, network top right,
    # heatmaps bottom left, predictions bottom right.
    # The prediction grid widens with its columns; the heatmaps get the rest.
    n_columns = sizes[0] + 3 * sizes[-1] + 2
    pred_share = min(0.5, max(0.3, 0.045 * n_columns))
    top, bottom = (0.62, 1.0), (0.0, 0.36)
    loss_x, net_x = (0.0, 0.42), (0.52, 1.0)
    heat_x, pred_x = (0.0, 0.9 - pred_share), (1.0 - pred_share, 1.0)

    # Loss curve (static) and the marker at the current frame (animated).
    iterations = np.arange(len(run.loss))
    keep = np.unique(np.round(np.linspace(0, max(len(run.loss) - 1, 0),
                                          min(len(run.loss), MAX_LOSS_POINTS))).astype(int))
    data.append(dict(type="scatter", x=iterations[keep].tolist(), y=[_sig(v) for v in run.loss[keep]],
                             mode="lines", name="loss", line=dict(color="#444", width=2),
                             hovertemplate="iteration %{x}<br>loss %{y}<extra></extra>",
                             xaxis="x", yaxis="y"))
    marker_index = len(data)

    def marker(k: int) -> dict:
        it = int(run.snapshot_iterations[k])
        return dict(type="scatter", x=[it], y=[_sig(_loss_at(run, it))], mode="markers", name="current",
                          marker=dict(size=14, color="#e08214", line=dict(color="black", width=1)),
                          hovertemplate="iteration %{x}<br>loss %{y}<extra></extra>",
                          xaxis="x", yaxis="y")

    last = int(frames_at[-1])
    data.append(marker(last))

    # Weight heatmaps, one per layer, side by side.
    heat_index = len(data)
    # Room for the next heatmap's row labels, but never more than a third of the panel: deep networks
    # get narrow gaps and, where labels no longer fit, only the first heatmap labels its rows (each
    # later heatmap's rows are the previous one's columns).
    gap = min(0.08, (heat_x[1] - heat_x[0]) / 3 / max(n_layers - 1, 1))
    row_labels_fit = gap >= 0.05
    span = (heat_x[1] - heat_x[0] - gap * (n_layers - 1)) / n_layers
    cell_w = span * PLOT_WIDTH / max(w.shape[2] for w in weights)
    cell_h = (bottom[1] - bottom[0]) * HEIGHT / (max(w.shape[1] for w in weights) + run.config.bias)
    show_text = cell_w >= MIN_CELL[0] and cell_h >= MIN_CELL[1]
    axis_font = max(FONT_SIZE - 2 * max(0, n_layers - 3), 12) if n_layers > 3 else FONT_SIZE

    biases = run.bias_snapshots  # drawn as one more row under each layer's weights

    def heatmap(l: int, k: int) -> dict:
        w = weights[l][k] if biases is None else np.vstack([weights[l][k], biases[l][k][None, :]])
        z = np.round(w, WEIGHT_DECIMALS).tolist()
        rows = names[l] if biases is None else [*names[l], BIAS_ROW]
        return dict(type="heatmap", z=z, x=names[l + 1], y=rows, name=f"W{l + 1}",
                          xaxis=f"x{l + 3}", yaxis=f"y{l + 3}", zmin=-scale, zmax=scale, zmid=0,
                          colorscale=WEIGHT_SCALE, showscale=(l == n_layers - 1),
                          colorbar=dict(len=bottom[1] - bottom[0], y=bottom[0], yanchor="bottom", x=heat_x[1] + 0.01,
                                        thickness=12, tickfont=dict(size=FONT_SIZE - 2)),
                          texttemplate="%{z:.2f}" if show_text else None, textfont=dict(size=FONT_SIZE - 1),
                          hovertemplate="%{y} → %{x}: %{z}<extra>W" + str(l + 1) + "</extra>")

    heat_titles: list[dict] = []
    for l in range(n_layers):
        data.append(heatmap(l, last))
        x0 = heat_x[0] + l * (span + gap)
        layout[f"xaxis{l + 3}"] = dict(domain=[x0, x0 + span], anchor=f"y{l + 3}", side="top",
                                           tickfont=dict(size=axis_font))
        heat_titles.append(dict(text=f"<b>W{l + 1}</b>", x=x0 + span / 2, y=0.53, xref="paper", yref="paper",
                                showarrow=False, xanchor="center", font=dict(size=FONT_SIZE + 1)))
        layout[f"yaxis{l + 3}"] = dict(domain=list(bottom), anchor=f"x{l + 3}", autorange="reversed",
                                           tickfont=dict(size=axis_font), showticklabels=row_labels_fit or l == 0)

    # Prediction grid: a static part (inputs, targets) and the animated outputs, error, right.
    in_names, out_names = names[0], names[-1]
    row_labels = [f"row {r + 1}" for r in range(rows_shown)]
    static_cols = list(in_names) + ["→ " + n for n in out_names]
    static_text = [[_cell(v) for v in np.concatenate([run.inputs[r], run.targets[r]])]
                   for r in range(rows_shown)]
    static_z = [[0] * len(in_names) + [1] * len(out_names) for _ in range(rows_shown)]
    n_static = len(static_cols)
    n_anim = len(out_names) + 2
    split = pred_x[0] + (pred_x[1] - pred_x[0]) * n_static / (n_static + n_anim)
    data.append(dict(type="heatmap", z=static_z, x=static_cols, y=row_labels, text=static_text,
                             texttemplate="%{text}", textfont=dict(size=FONT_SIZE), name="table",
                             showscale=False, zmin=0, zmax=1,
                             colorscale=[[0, "#f0f0f0"], [1, "#d9d2f0"]], xgap=2, ygap=2,
                             hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
                             xaxis="x20", yaxis="y20"))
    pred_index = len(data)
    pred_cols = list(out_names) + ["error", "right"]

    def predictions(k: int) -> dict:
        z, text = _prediction_cells(run, run.output_snapshots[k], rows_shown)
        return dict(type="heatmap", z=z, x=pred_cols, y=row_labels, text=text, texttemplate="%{text}",
                    textfont=dict(size=FONT_SIZE),
                          name="predictions", showscale=False, zmin=0, zmax=1,
                          colorscale=[[0, WRONG_COLOUR], [1, RIGHT_COLOUR]], xgap=2, ygap=2,
                          hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
                          xaxis="x21", yaxis="y21")

    data.append(predictions(last))
    layout["xaxis20"] = dict(domain=[pred_x[0], split - 0.005], anchor="y20", side="top", fixedrange=True,
                             )
    layout["yaxis20"] = dict(domain=list(bottom), anchor="x20", autorange="reversed", fixedrange=True,
                             showticklabels=False, ticks="")
    layout["xaxis21"] = dict(domain=[split + 0.005, pred_x[1]], anchor="y21", side="top", fixedrange=True,
                             )
    layout["yaxis21"] = dict(domain=list(bottom), anchor="x21", autorange="reversed",
                                 showticklabels=False, fixedrange=True, ticks="")

    # Network diagram: edges grouped by sign and width bin (few traces), nodes on top.
    edge_index = len(data)
    edge_keys = [(s, b) for s in (True, False) for b in range(len(EDGE_WIDTHS))]

    def edges(k: int) -> list[dict]:
        groups = edge_groups([w[k] for w in weights], scale)
        traces = []
        for positive, b in edge_keys:
            xs, ys = _edge_xy(groups[(positive, b)], positions)
            traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                     name=f"{'positive' if positive else 'negative'} edges {b + 1}",
                                     line=dict(color=POSITIVE if positive else NEGATIVE,
                                               width=EDGE_WIDTHS[b]),
                                     opacity=0.85, xaxis="x2", yaxis="y2"))
        return traces

    for trace in edges(last):
        data.append(trace)
    node_xy = np.vstack(positions)
    node_labels = [n if len(n) <= 8 else n[:7] + "…" for layer in names for n in layer]
    # Inputs labelled on the left, outputs on the right: longer names fit outside the circles.
    label_sides = ["middle left" if l == 0 else "middle right" if l == len(sizes) - 1 else "middle center"
                   for l, layer in enumerate(names) for _ in layer]
    outer = max(len(n) for n in node_labels)
    pad = 0.4
    for _ in range(3):  # room for the outer labels: about 9 px a character plus the circle's radius
        px_per_unit = (net_x[1] - net_x[0]) * PLOT_WIDTH / (len(sizes) - 1 + 2 * pad)
        pad = 0.15 + (20 + 9 * outer) / px_per_unit
    # Circles as large as the tallest layer leaves room for; names inside only while they fit.
    px_per_neuron = (top[1] - top[0]) * (HEIGHT - 60) / (max(sizes) + 0.4)
    node_size = min(34.0, 0.85 * px_per_neuron)
    many = node_size < 24
    data.append(dict(type="scatter", x=node_xy[:, 0].tolist(), y=np.round(node_xy[:, 1], 3).tolist(),
                             mode="markers" if many else "markers+text", text=node_labels,
                             textposition=label_sides,
                             textfont=dict(size=FONT_SIZE), name="neurons",
                             marker=dict(size=max(6.0, node_size), color="white",
                                         line=dict(color="#333", width=2)),
                             hovertemplate="%{text}<extra></extra>", showlegend=False,
                             xaxis="x2", yaxis="y2"))
    tallest = max(sizes)
    layout["xaxis2"] = dict(domain=list(net_x), anchor="y2", visible=False, fixedrange=True,
                                range=[-pad, len(sizes) - 1 + pad])
    layout["yaxis2"] = dict(domain=list(top), anchor="x2", visible=False, fixedrange=True,
                                range=[-(tallest - 1) / 2 - 0.7, (tallest - 1) / 2 + 0.7])

    # Frames: only the animated traces.
    animated = [marker_index, *range(heat_index, heat_index + n_layers), pred_index,
                *range(edge_index, edge_index + len(edge_keys))]
    frames, steps = [], []
    for k in frames_at:
        k = int(k)
        name = str(int(run.snapshot_iterations[k]))
        frame_data = [marker(k), *(heatmap(l, k) for l in range(n_layers)), predictions(k), *edges(k)]
        frames.append(dict(name=name, data=_lean(frame_data), traces=animated))
        steps.append(dict(label=f"Iteration {name}", method="animate",
                          args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))]))
    layout.update(
        width=None, height=HEIGHT, autosize=True, showlegend=False,
        font=dict(size=FONT_SIZE, color="#111418"), margin=dict(l=min(20 + 9 * max(len(n) for n in names[0]), 110), r=20, t=40, b=20),
        plot_bgcolor="white", paper_bgcolor="white",
        xaxis=dict(domain=list(loss_x), anchor="y", gridcolor="#e5e5e5", zeroline=False),
        yaxis=dict(domain=list(top), anchor="x", gridcolor="#e5e5e5", type="linear", exponentformat="power",
                   zeroline=False),
        annotations=[
            dict(text="<b>Loss</b> by iteration", x=loss_x[0], y=1.06, xref="paper", yref="paper", showarrow=False,
                 xanchor="left", font=dict(size=FONT_SIZE + 2)),
            dict(text="<b>Network</b>: blue +, red −, thicker = stronger", x=net_x[0], y=1.06,
                 xref="paper", yref="paper", showarrow=False, xanchor="left"),
            *heat_titles,
            dict(text="<b>Predictions</b>" + (f" (first {rows_shown} rows)"
                                              if rows_shown < run.inputs.shape[0] else ""),
                 x=pred_x[0], y=0.53, xref="paper", yref="paper", showarrow=False, xanchor="left",
                 font=dict(size=FONT_SIZE + 1)),
        ],
        sliders=[dict(
            active=len(steps) - 1, steps=steps, x=0.2, len=0.8, y=-0.02, yanchor="top", pad=dict(t=10),
            currentvalue=dict(prefix="", font=dict(size=FONT_SIZE + 1, color="#111418"), xanchor="left",
                              offset=8),
            font=dict(color="rgba(0,0,0,0)", size=8),  # 50 tick labels would overlap: show only the current
            ticklen=4, minorticklen=0,
        )],
        updatemenus=[
            dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                 pad=dict(t=10), showactive=False, buttons=[
                     dict(label="Play", method="animate",
                          args=[None, dict(frame=dict(duration=150, redraw=True), fromcurrent=True,
                                           transition=dict(duration=0), mode="immediate")]),
                     dict(label="Pause", method="animate",
                          args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                             transition=dict(duration=0))]),
                 ]),
            dict(type="buttons", direction="left", x=loss_x[1], y=1.06, xanchor="right", yanchor="middle",
                 showactive=True, active=0, font=dict(size=FONT_SIZE - 1), pad=dict(r=0, t=0, b=0), buttons=[
                     dict(label="linear", method="relayout", args=[{"yaxis.type": "linear"}]),
                     dict(label="log", method="relayout", args=[{"yaxis.type": "log"}]),
                 ]),
        ],
    )
    # Validation would double the build time; the tests validate a whole figure instead.
    return go.Figure(data=data, layout=layout, frames=frames, _validate=False)


def _lean(traces: list[dict]) -> list[dict]:
    """Frame traces carry only what changes: data arrays, not styling already in the base trace."""
    keep = {"scatter": ("x", "y"), "heatmap": ("z", "text")}
    return [{"type": t["type"], **{k: t[k] for k in keep[t["type"]] if k in t}} for t in traces]


# ================================================================ teaching tools
# Small static figures for the "Look closer" panels: one question each, no frames.

TOOL_HEIGHT = 380
A_COLOUR, B_COLOUR = "#0072B2", "#D55E00"  # Okabe-Ito blue and vermillion: apart for every colour vision
LEARNED_COLOUR, FAILED_COLOUR, DIVERGED_COLOUR = "#0072B2", "#E69F00", "#7f7f7f"
BAND_COLOUR = "rgba(0, 114, 178, 0.2)"
CHANGE_SHOWN = 12  # cells per side up to which heatmap cells carry their value
# Gradient check: light to dark blue below the pass threshold, orange to red above it.
GRADCHECK_RANGE = (-12.0, 0.0)  # log10 of the relative error shown


def _base_layout(height: int = TOOL_HEIGHT, **extra) -> dict:
    layout = dict(height=height, autosize=True, showlegend=False, plot_bgcolor="white", paper_bgcolor="white",
                  font=dict(size=FONT_SIZE, color="#111418"), margin=dict(l=70, r=20, t=50, b=50))
    layout.update(extra)
    return layout


def _title(text: str, x: float = 0.0, y: float = 1.0) -> dict:
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", showarrow=False, xanchor="left",
                yanchor="bottom", font=dict(size=FONT_SIZE + 1))


def _corner_legend(right: float) -> dict:
    """A legend in the top right corner of a panel that ends at ``right`` (paper x)."""
    return dict(x=right, xanchor="right", y=1.0, yanchor="top", bgcolor="rgba(255,255,255,0.85)",
                font=dict(size=FONT_SIZE - 1))


def _thin(n: int) -> np.ndarray:
    """At most MAX_LOSS_POINTS indices into n values, first and last included."""
    return np.unique(np.round(np.linspace(0, max(n - 1, 0), min(n, MAX_LOSS_POINTS))).astype(int))


def _values(a) -> list:
    """Plain floats for JSON; not-finite becomes None (a gap)."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, dtype=float).ravel()]


def row_labels(inputs: np.ndarray, targets: np.ndarray) -> list[str]:
    """One label per table row: its inputs, an arrow, its targets ("0,1,1 → 1")."""
    return [",".join(_cell(v) for v in x) + " → " + ",".join(_cell(v) for v in y) for x, y in zip(inputs, targets)]


def _layer_heatmaps(matrices: Sequence[np.ndarray], rows: Sequence[Sequence[str]], cols: Sequence[Sequence[str]],
                    titles: Sequence[str], trace: dict, text_format: str, height: int) -> go.Figure:
    """One heatmap per layer side by side; ``trace`` holds what every heatmap shares (colours, range)."""
    n = len(matrices)
    gap = 0.08
    span = (0.9 - gap * (n - 1)) / n
    data, layout, notes = [], _base_layout(height, margin=dict(l=60, r=20, t=70, b=20)), []
    for l, (m, y, x, title) in enumerate(zip(matrices, rows, cols, titles)):
        small = m.shape[0] <= CHANGE_SHOWN and m.shape[1] <= CHANGE_SHOWN
        x0 = l * (span + gap)
        data.append(dict(type="heatmap", z=np.asarray(m, dtype=float).tolist(), x=list(x), y=list(y), name=title,
                         xaxis=f"x{l + 1}", yaxis=f"y{l + 1}", showscale=(l == n - 1), xgap=1, ygap=1,
                         texttemplate=text_format if small else None, textfont=dict(size=FONT_SIZE - 1),
                         colorbar=dict(x=0.92, thickness=12, tickfont=dict(size=FONT_SIZE - 1)),
                         hovertemplate="%{y} → %{x}: %{z:.3g}<extra>" + title + "</extra>", **trace))
        layout[f"xaxis{l + 1}" if l else "xaxis"] = dict(domain=[x0, x0 + span], anchor=f"y{l + 1}", side="top",
                                                        fixedrange=True)
        layout[f"yaxis{l + 1}" if l else "yaxis"] = dict(domain=[0, 0.86], anchor=f"x{l + 1}",
                                                        autorange="reversed", fixedrange=True)
        notes.append(_title(f"<b>{title}</b>", x0, 1.0))
    layout["annotations"] = notes
    return go.Figure(data=data, layout=layout, _validate=False)


def _with_bias_rows(run: TrainingRun, flat: np.ndarray, names: list[list[str]]) -> tuple[list, list]:
    """Per layer: the (fan_in [+1], fan_out) matrix of ``flat`` (P,) and its row labels (biases last)."""
    weights, biases = run.layout.weights(flat), run.layout.biases(flat)
    matrices = [w if biases is None else np.vstack([w, biases[l][None, :]]) for l, w in enumerate(weights)]
    rows = [names[l] if biases is None else [*names[l], BIAS_ROW] for l in range(len(weights))]
    return matrices, rows


def weight_change_figure(run: TrainingRun, before: np.ndarray, after: np.ndarray,
                         input_names: Optional[Sequence[str]] = None,
                         output_names: Optional[Sequence[str]] = None) -> go.Figure:
    """Heatmaps of ``after - before`` (flat parameters, (P,)) per layer: how much each weight moved."""
    names = neuron_names(run, input_names, output_names)
    with np.errstate(all="ignore"):
        change = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    matrices, rows = _with_bias_rows(run, change, names)
    finite = change[np.isfinite(change)]
    scale = float(max(np.max(np.abs(finite)) if finite.size else 0.0, 1e-12))
    return _layer_heatmaps(matrices, rows, names[1:], [f"change in W{l + 1}" for l in range(len(matrices))],
                           dict(zmin=-scale, zmax=scale, zmid=0, colorscale=WEIGHT_SCALE), "%{z:.2g}",
                           TOOL_HEIGHT)


def sweep_band(loss: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(iterations, 10th percentile, median, 90th percentile) of ``loss`` (K, T) over the K networks,
    at most MAX_LOSS_POINTS iterations. Diverged networks (NaN) drop out from their divergence on."""
    keep = _thin(loss.shape[1])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all networks diverged: NaN, drawn as a gap
        low, mid, high = np.nanpercentile(loss[:, keep], [10, 50, 90], axis=0)
    return keep, low, mid, high


def final_loss_histogram(final_loss: np.ndarray, learned: np.ndarray, bins: int = 20) -> dict:
    """Counts of log10(final loss) per bin, learned and failed networks apart, and the diverged count.

    ``edges`` (bins + 1,) in log10 units; ``learned`` + ``failed`` + ``diverged`` add up to K.
    """
    final_loss = np.asarray(final_loss, dtype=float)
    finite = np.isfinite(final_loss)
    with np.errstate(divide="ignore"):
        logs = np.log10(np.maximum(final_loss, 1e-16))
    span = logs[finite]
    lo, hi = (float(span.min()), float(span.max())) if span.size else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    return dict(edges=edges, learned=np.histogram(logs[finite & learned], edges)[0],
                failed=np.histogram(logs[finite & ~learned], edges)[0], diverged=int(np.count_nonzero(~finite)))


def sweep_figure(sweep, current_seed: Optional[int] = None) -> go.Figure:
    """Left: loss of every network, median and 10-90% band (log scale). Right: final-loss histogram."""
    keep, low, mid, high = sweep_band(sweep.loss)
    x = keep.tolist()
    data = [
        dict(type="scatter", x=x, y=_values(high), mode="lines", line=dict(width=0), name="90th percentile",
             hovertemplate="iteration %{x}<br>90%% of networks below %{y:.3g}<extra></extra>"),
        dict(type="scatter", x=x, y=_values(low), mode="lines", line=dict(width=0), fill="tonexty",
             fillcolor=BAND_COLOUR, name="10th percentile",
             hovertemplate="iteration %{x}<br>10%% of networks below %{y:.3g}<extra></extra>"),
        dict(type="scatter", x=x, y=_values(mid), mode="lines", line=dict(color=A_COLOUR, width=3), name="median",
             hovertemplate="iteration %{x}<br>median %{y:.3g}<extra></extra>"),
    ]
    seeds = list(np.asarray(sweep.seeds))
    if current_seed is not None and current_seed in seeds:
        own = sweep.loss[seeds.index(current_seed)][keep]
        data.append(dict(type="scatter", x=x, y=_values(own), mode="lines", name=f"seed {current_seed}",
                         line=dict(color="#111418", width=1.5, dash="dot"),
                         hovertemplate=f"seed {current_seed}<br>iteration %{{x}}<br>loss %{{y:.3g}}<extra></extra>"))
    hist = final_loss_histogram(sweep.final_loss, sweep.learned)
    edges = hist["edges"]
    centres, width = ((edges[:-1] + edges[1:]) / 2).tolist(), float(edges[1] - edges[0])
    for name, counts, colour in (("learned", hist["learned"], LEARNED_COLOUR),
                                 ("failed", hist["failed"], FAILED_COLOUR)):
        data.append(dict(type="bar", x=centres, y=counts.tolist(), width=width * 0.95, name=name,
                         marker=dict(color=colour), xaxis="x2", yaxis="y2", legend="legend2",
                         hovertemplate=name + ": %{y} networks<extra></extra>"))
    ticks = list(range(int(np.floor(edges[0])), int(np.ceil(edges[-1])) + 1))
    tickvals, ticktext = ticks, [f"1e{t}" for t in ticks]
    if hist["diverged"]:
        spot = float(edges[-1] + 1.5 * width)
        data.append(dict(type="bar", x=[spot], y=[hist["diverged"]], width=width * 0.95, name="diverged",
                         marker=dict(color=DIVERGED_COLOUR), xaxis="x2", yaxis="y2", legend="legend2",
                         hovertemplate="diverged: %{y} networks<extra></extra>"))
        tickvals, ticktext = tickvals + [spot], ticktext + ["diverged"]
    learned = int(np.count_nonzero(sweep.learned))
    layout = _base_layout(
        barmode="stack", showlegend=True,
        legend=_corner_legend(0.52), legend2=_corner_legend(1.0),
        xaxis=dict(domain=[0, 0.52], title=dict(text="iteration"), gridcolor="#e5e5e5", zeroline=False),
        yaxis=dict(type="log", dtick=1, exponentformat="power", gridcolor="#e5e5e5", title=dict(text="loss")),
        xaxis2=dict(domain=[0.62, 1.0], anchor="y2", tickvals=tickvals, ticktext=ticktext,
                    title=dict(text="final loss"), zeroline=False),
        yaxis2=dict(anchor="x2", gridcolor="#e5e5e5", title=dict(text="networks"), rangemode="tozero"),
        annotations=[_title(f"<b>Loss</b> of {len(seeds)} networks: median and 10-90% band"),
                     _title(f"<b>Final loss</b>: {learned} of {len(seeds)} learned", 0.62)],
    )
    for trace in data[:2]:
        trace["showlegend"] = False  # the band's edges
    return go.Figure(data=data, layout=layout, _validate=False)


def compare_figure(run_a: TrainingRun, run_b: TrainingRun, label_a: str = "A", label_b: str = "B") -> go.Figure:
    """The loss curves of two runs on one log-scale axis."""
    data = []
    for run, label, colour, dash in ((run_a, label_a, A_COLOUR, "solid"), (run_b, label_b, B_COLOUR, "dash")):
        keep = _thin(len(run.loss))
        data.append(dict(type="scatter", x=keep.tolist(), y=_values(run.loss[keep]), mode="lines", name=label,
                         line=dict(color=colour, width=3, dash=dash),
                         hovertemplate=label + "<br>iteration %{x}<br>loss %{y:.3g}<extra></extra>"))
    layout = _base_layout(
        showlegend=True, legend=dict(x=1.0, xanchor="right", y=1.0, yanchor="top", bgcolor="rgba(255,255,255,0.8)"),
        xaxis=dict(title=dict(text="iteration"), gridcolor="#e5e5e5", zeroline=False),
        yaxis=dict(type="log", dtick=1, exponentformat="power", gridcolor="#e5e5e5", title=dict(text="loss")),
        annotations=[_title("<b>Loss</b> by iteration, A and B on the same table and seed")])
    return go.Figure(data=data, layout=layout, _validate=False)


_HIDDEN_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def _activation_range(name: str, values: np.ndarray) -> tuple[float, float]:
    if name in _HIDDEN_RANGE:
        return _HIDDEN_RANGE[name]
    finite = values[np.isfinite(values)]
    top = float(max(np.max(np.abs(finite)) if finite.size else 0.0, 1e-9))
    return (0.0, top) if name == "relu" else (-top, top)


def hidden_units_figure(run: TrainingRun, snapshot: int = -1, layer: int = 0) -> go.Figure:
    """Each unit of a hidden layer (columns) on every table row (rows), at a snapshot index."""
    acts = run.hidden_activations(snapshot)[layer]
    names = neuron_names(run)[layer + 1]
    low, high = _activation_range(run.activations[layer], acts)
    scale = WEIGHT_SCALE if low < 0 else [[0.0, "#f7f7f7"], [1.0, POSITIVE]]
    labels = row_labels(run.inputs, run.targets)
    text = acts.shape[0] <= 32 and acts.shape[1] <= CHANGE_SHOWN
    data = [dict(type="heatmap", z=np.round(acts, 4).tolist(), x=names, y=labels, zmin=low, zmax=high,
                 colorscale=scale, xgap=1, ygap=1, name="hidden", texttemplate="%{z:.2f}" if text else None,
                 textfont=dict(size=FONT_SIZE), colorbar=dict(thickness=12, tickfont=dict(size=FONT_SIZE - 1)),
                 hovertemplate="row %{y}<br>%{x}: %{z:.3f}<extra></extra>")]
    layout = _base_layout(max(TOOL_HEIGHT, 90 + 26 * min(len(labels), 32)), margin=dict(l=20, r=20, t=90, b=20),
                          xaxis=dict(side="top", fixedrange=True),
                          yaxis=dict(autorange="reversed", fixedrange=True, automargin=True,
                                     title=dict(text="row: inputs → target")),
                          annotations=[dict(_title(f"<b>Hidden units</b>, iteration "
                                                   f"{int(run.snapshot_iterations[snapshot])}"), yshift=30)])
    return go.Figure(data=data, layout=layout, _validate=False)


def hidden_space_figure(run: TrainingRun, snapshot: int = -1, layer: int = 0,
                        units: Optional[Sequence[int]] = None) -> go.Figure:
    """The rows as points in the space of 2 or 3 hidden units, coloured by their (first) target."""
    acts = run.hidden_activations(snapshot)[layer]
    units = list(range(acts.shape[1])) if units is None else list(units)
    if len(units) not in (2, 3):
        raise ValueError(f"units: 2 or 3 hidden units to plot, not {len(units)}")
    names = neuron_names(run)[layer + 1]
    labels = [",".join(_cell(v) for v in x) for x in run.inputs]
    target_on = run.targets[:, 0] > DECISION_THRESHOLD
    low, high = _activation_range(run.activations[layer], acts)
    pad = 0.08 * (high - low)
    axis = dict(range=[low - pad, high + pad], gridcolor="#e5e5e5", zeroline=False)
    data = []
    for on, colour, symbol in ((False, B_COLOUR, "circle"), (True, A_COLOUR, "diamond")):
        pick = target_on == on
        trace = dict(mode="markers+text", name=f"target {'1' if on else '0'}", text=[labels[i] for i in
                                                                                      np.flatnonzero(pick)],
                     textposition="top center", textfont=dict(size=FONT_SIZE),
                     marker=dict(color=colour, size=14 if len(units) == 2 else 7, symbol=symbol,
                                 line=dict(color="#111418", width=1)))
        coords = {a: acts[pick, u].round(4).tolist() for a, u in zip("xyz", units)}
        trace.update(coords, type="scatter" if len(units) == 2 else "scatter3d")
        data.append(trace)
    layout = _base_layout(TOOL_HEIGHT + 40, showlegend=True, margin=dict(l=60, r=20, t=50, b=50),
                          legend=dict(x=1.0, xanchor="right", y=1.0, yanchor="bottom", orientation="h"),
                          annotations=[_title("<b>Rows in hidden space</b>", y=1.04)])
    if len(units) == 2:
        layout.update(xaxis=dict(axis, title=dict(text=names[units[0]])),
                      yaxis=dict(axis, title=dict(text=names[units[1]])))
    else:
        layout["scene"] = dict(**{f"{a}axis": dict(axis, title=dict(text=names[u])) for a, u in zip("xyz", units)},
                               aspectmode="cube")
        layout["margin"] = dict(l=0, r=0, t=50, b=0)
    return go.Figure(data=data, layout=layout, _validate=False)


def gradient_check_figure(check, run: TrainingRun) -> go.Figure:
    """Relative error |numeric - backprop| / max(|numeric|, |backprop|) per weight, log10 colour scale."""
    names = neuron_names(run)
    with np.errstate(divide="ignore"):
        logs = np.clip(np.log10(np.maximum(check.relative_error, 1e-300)), *GRADCHECK_RANGE)
    logs = np.where(check.checked, logs, np.nan)
    matrices, rows = _with_bias_rows(run, logs, names)
    low, high = GRADCHECK_RANGE
    cut = (np.log10(PASS_ERROR) - low) / (high - low)
    scale = [[0.0, "#f7fbff"], [cut, "#6baed6"], [cut, "#fdae6b"], [1.0, "#d94801"]]
    fig = _layer_heatmaps(matrices, rows, names[1:], [f"W{l + 1}: relative error" for l in range(len(matrices))],
                          dict(zmin=low, zmax=high, colorscale=scale), "%{text}", TOOL_HEIGHT)
    errors, _ = _with_bias_rows(run, check.relative_error, names)
    ticks = list(range(int(low), int(high) + 1, 2))
    for trace, err in zip(fig.data, errors):
        trace.text = [[f"{v:.0e}" for v in row] for row in err]
        trace.hovertemplate = "%{y} → %{x}: relative error %{text}<extra></extra>"
        trace.colorbar.update(tickvals=ticks, ticktext=[f"1e{t}" for t in ticks])
    return fig


def health_figure(run: TrainingRun, shares: np.ndarray) -> go.Figure:
    """Left: share of saturated (or dead) units per hidden layer, per snapshot. Right: gradient norm per layer."""
    data = []
    colours = [A_COLOUR, B_COLOUR, "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#111418"]
    its = run.snapshot_iterations.tolist()
    for l in range(shares.shape[1]):
        data.append(dict(type="scatter", x=its, y=np.round(100 * shares[:, l], 2).tolist(), mode="lines",
                         name=f"hidden layer {l + 1}", line=dict(color=colours[l % len(colours)], width=3),
                         hovertemplate="iteration %{x}<br>%{y:.0f}% saturated<extra>" + f"layer {l + 1}</extra>"))
    keep = _thin(run.gradient_norms.shape[0])
    for l in range(run.gradient_norms.shape[1]):
        data.append(dict(type="scatter", x=keep.tolist(), y=_values(run.gradient_norms[keep, l]), mode="lines",
                         name=f"W{l + 1}", xaxis="x2", yaxis="y2", legend="legend2",
                         line=dict(color=colours[l % len(colours)], width=3, dash="solid" if l % 2 else "dot"),
                         hovertemplate="iteration %{x}<br>|gradient| %{y:.3g}<extra>" + f"W{l + 1}</extra>"))
    layout = _base_layout(
        showlegend=True, legend=_corner_legend(0.44), legend2=_corner_legend(1.0),
        xaxis=dict(domain=[0, 0.44], title=dict(text="iteration"), gridcolor="#e5e5e5", zeroline=False),
        yaxis=dict(range=[-3, 103], ticksuffix="%", gridcolor="#e5e5e5"),
        xaxis2=dict(domain=[0.56, 1.0], anchor="y2", title=dict(text="iteration"), gridcolor="#e5e5e5",
                    zeroline=False),
        yaxis2=dict(anchor="x2", type="log", dtick=1, exponentformat="power", gridcolor="#e5e5e5"),
        annotations=[_title("<b>Saturated units</b>" if "relu" not in run.activations[:-1]
                            else "<b>Saturated or dead units</b>"),
                     _title("<b>Gradient norm</b> per layer", 0.56)])
    if not shares.shape[1]:
        layout["annotations"].append(dict(text="no hidden layer", x=0.22, y=0.5, xref="paper", yref="paper",
                                          showarrow=False))
    return go.Figure(data=data, layout=layout, _validate=False)


# ---------------------------------------------------------------- presenter mode
# Okabe-Ito blue and vermillion for the signs of weights, paler ones for right/wrong: distinct for every
# colour vision, and darker than the usual palette for a washed-out projector.
PRESENTER_POSITIVE, PRESENTER_NEGATIVE = "#0072B2", "#D55E00"
PRESENTER_RIGHT, PRESENTER_WRONG = "#bfe1f5", "#f9c98f"
PRESENTER_FONT_STEP = 2  # px added to every font of a (small, static) figure
_PRESENTER_COLOURS = {POSITIVE: PRESENTER_POSITIVE, NEGATIVE: PRESENTER_NEGATIVE,
                      RIGHT_COLOUR: PRESENTER_RIGHT, WRONG_COLOUR: PRESENTER_WRONG}
_FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont")


def presenter_style(fig: go.Figure, font_step: int = PRESENTER_FONT_STEP) -> go.Figure:
    """The same figure for a projector: the colour-blind-safe blue/vermillion palette, type ``font_step`` px
    larger (0 for :func:`training_figure`, whose panels are sized to their text already)."""
    spec = fig.to_plotly_json()

    def restyle(node, font: bool = False):
        if isinstance(node, dict):
            for key, value in node.items():
                if font and key == "size" and isinstance(value, (int, float)):
                    node[key] = value + font_step
                elif isinstance(value, str):
                    node[key] = _PRESENTER_COLOURS.get(value, value).replace("red −", "orange −")
                else:
                    restyle(value, key in _FONT_KEYS)
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                if isinstance(value, str) and isinstance(node, list):
                    node[i] = _PRESENTER_COLOURS.get(value, value)
                else:
                    restyle(value)

    for part in ("data", "layout", "frames"):
        restyle(spec.get(part))
    layout = spec.setdefault("layout", {})
    layout.setdefault("font", {}).setdefault("size", FONT_SIZE + font_step)
    return go.Figure(data=spec.get("data"), layout=layout, frames=spec.get("frames"), _validate=False)


# ================================================================ the 2-D playground (TensorFlow Playground's view)
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
    from .plane import quantize
    return quantize(values, *boundary_range(problem), levels=LEVELS)


def _class_steps(classes: int) -> list:
    scale = []
    for c in range(classes):
        colour = _pale(CLASS_COLOURS[c])
        scale += [[c / classes, colour], [(c + 1) / classes, colour]]
    return scale


def _boundary_trace(levels: np.ndarray, problem: str, classes: int, discretize: bool, xaxis="x", yaxis="y") -> dict:
    from .plane import grid_points
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
    from .datasets import DOMAIN
    common = dict(range=[-DOMAIN, DOMAIN], zeroline=False, showgrid=False, ticks="outside", fixedrange=True,
                  tickfont=dict(size=FONT_SIZE - 1), constrain="domain", dtick=2)
    return (dict(common, domain=list(domain_x), title=dict(text="x₁" if title else "", standoff=2)),
            dict(common, scaleanchor="x", scaleratio=1, title=dict(text="x₂" if title else "", standoff=2)))


def snapshot_losses(run: TrainingRun) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Training and test loss at every snapshot (S,), from the snapshot's outputs (test: None without one)."""
    from .losses import LOSSES
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
    from .plane import boundary
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


def _values_finite(a) -> list:
    return [v for v in _values(a) if v is not None]


def boundary_figure(run: TrainingRun, dataset, features: Sequence[str], parameters: np.ndarray,
                    discretize: bool = False, show_test: bool = False, title: str = "", size: int = 100) -> go.Figure:
    """One still boundary (no frames) for flat ``parameters`` (P,) of ``run``'s network: an edited weight."""
    from .plane import boundary_of
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
    from .plane import feature_maps, neuron_maps
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
    from .playground import FEATURE_LABELS
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
