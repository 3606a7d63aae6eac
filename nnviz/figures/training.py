"""The truth-table page's animated figure: loss, network, weight heatmaps and predictions on one timeline."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from ..training import TrainingRun, row_correct
from .network import _edge_xy, edge_groups, frame_indices, neuron_names, node_positions, weight_range
from .style import (
    BIAS_ROW,
    EDGE_WIDTHS,
    FONT_SIZE,
    HEIGHT,
    MAX_EDGES,
    MAX_LOSS_POINTS,
    MAX_PREDICTION_ROWS,
    MIN_CELL,
    NEGATIVE,
    PLOT_WIDTH,
    POSITIVE,
    RIGHT_COLOUR,
    WEIGHT_DECIMALS,
    WEIGHT_SCALE,
    WRONG_COLOUR,
    _cell,
    _fmt,
    _lean,
    _sig,
)


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

