"""The truth-table page's animated figure: loss, network, weight grids and predictions on one timeline.

How it plays at 20+ frames/s without blank paints: every panel is scatter traces and frames play with
``redraw: false``. A full redraw costs 26 ms or more a frame even for a stripped figure; without it Plotly's
``animate`` only replots the traces a frame lists, and removes the layers of every trace it does not list
(white panels). So every frame lists every trace (the static ones as an empty ``{"type": "scatter"}``),
and nothing that moves is a heatmap (never updated without a redraw) or in the layout (shapes and
annotations are not redrawn either): weights and predictions are cells drawn as markers (a ``line-ew``
marker ``size`` px long and ``line.width`` px thick is a rectangle, coloured by ``marker.line.color``), the
network's edges one line trace per sign and width, the loss curve's marker a 2-point line, the "Iteration
N" title a text trace. The buttons are never redrawn during playback either, so they carry no frame of
their own: Back and Step go one frame from wherever Plotly's current frame is (see :func:`_buttons`).
"""
from __future__ import annotations

from typing import Optional, Sequence

import base64

import numpy as np

from ..training import TrainingRun, row_correct

from .spec import SpecFigure, encode_arrays, typed_array
from .network import EdgePaths, frame_indices, neuron_names, node_positions, weight_range
from .style import (
    BIAS_ROW,
    EDGE_WIDTHS,
    FONT_SIZE,
    FRAME_BYTES,
    HEIGHT,
    MAX_EDGES,
    MAX_FRAMES,
    MAX_PREDICTION_ROWS,
    MIN_CELL,
    PLOT_WIDTH,
    WEIGHT_DECIMALS,
    Axes,
    scaled,
    Palette,
    PALETTE,
    _cell,
    _sig,
    short,
    tick_labels_unmeasured,
)

FRAME_MS = 30  # Play's frame duration: ~30 frames/s where a frame takes ~20 ms (40 would make Chromium's
# animation-frame loop wait 50 ms: exactly 20 frames/s)

QUANTIZED = 127  # weights sent as int8 steps of scale/127 when float32 frames would not fit FRAME_BYTES

LOG_COLOURS_ABOVE = 1e3  # |w| past which weight colours follow log10(1 + |w|): a diverged run stays readable

SLIDER_STEPS = 26  # the slider's positions: each costs a redraw ~0.1 ms (Plotly measures every step's label on
# every frame); Play, Step and Back still show every frame, and the panel title names the frame shown

# Axes of cell grids: no grid, ticks or lines hidden under the cells anyway (fewer SVG nodes to redraw on
# every frame), and no automargin (measuring every label to push margins costs ~3 ms a frame for 3x8):
# their labels lie inside the figure, except the first heatmap's row labels (automargin there).
NARROWEST_CHART = 700  # px: cells fill their grid in a chart this wide, and leave gaps in wider ones (the
# chart is ~790 px beside the sidebar at 1280x720)

CELL_GAP = 2  # px between cells

CELL_AXIS = dict(automargin=False, showgrid=False, zeroline=False, showline=False, ticks="")

LOSS_POINTS = 300  # of the loss curve: about one a pixel of its panel (replotted on every frame)

HOVER_NAMES = 1024  # cells of a grid up to which each carries its names for the hover text

TEMPLATE_MAX = 99.99  # cells up to this |value| are written by the browser (%{z:.2f}); larger ones as text


def _loss_at(run: TrainingRun, iteration: int) -> float:
    if iteration < len(run.loss):
        return float(run.loss[iteration])
    return run.final_loss


class _Weights:
    """How a layer's weights travel and are coloured: z per frame, its colour range, its cell text."""

    def __init__(self, run: TrainingRun, quantized: bool):
        self.scale = weight_range(run)
        self.log = self.scale > LOG_COLOURS_ABOVE
        finite = run.parameters[np.isfinite(run.parameters)]
        self.plain_text = (not self.log and finite.size == run.parameters.size
                           and (finite.size == 0 or float(np.max(np.abs(finite))) <= TEMPLATE_MAX))
        self.quantized = quantized
        self.top = float(np.log10(1 + self.scale)) if self.log else self.scale
        if self.quantized:
            self.top = float(QUANTIZED)

    def colour(self, w: np.ndarray) -> np.ndarray:
        """What a cell's colour carries for weights ``w``, flat: float32 (rounded) or int8 steps (NaN as 0)."""
        with np.errstate(all="ignore"):
            if self.log:
                v = np.sign(w) * np.log10(1 + np.abs(w))
                limit = np.log10(1 + self.scale)
            else:
                v = np.round(w, WEIGHT_DECIMALS)
                limit = self.scale
            if self.quantized:
                q = np.round(np.clip(np.nan_to_num(v / limit), -1, 1) * QUANTIZED)
                return q.astype(np.int8).ravel()
            return np.clip(np.nan_to_num(v, nan=0.0), -1e30, 1e30).astype(np.float32).ravel()

    def colorbar(self) -> dict:
        """Tick labels in weight units, whatever z carries."""
        if not (self.log or self.quantized):
            return {}
        fractions = np.array([-1, -0.5, 0, 0.5, 1.0])
        if self.log:
            values = np.sign(fractions) * (10 ** (np.abs(fractions) * np.log10(1 + self.scale)) - 1)
        else:
            values = fractions * self.scale
        return dict(tickvals=(fractions * self.top).tolist(), ticktext=[short(v) if v else "0" for v in values])


def _prediction_cells(run: TrainingRun, outputs: np.ndarray, right: np.ndarray, rows: int) -> tuple[list, list]:
    """Colour (1 right, 0 wrong, per row) and text of the cells outputs..., error, right, row by row;
    ``right``: which rows are right (every row's)."""
    targets = run.targets[:rows]
    outputs = outputs[:rows]
    right = right[:rows]
    with np.errstate(all="ignore"):
        error = np.abs(targets - outputs).sum(axis=1)
    n_cols = outputs.shape[1] + 2
    colour = [int(r) for r in right for _ in range(n_cols)]
    text = [t for out, e, r in zip(outputs, error, right)
            for t in [*(short(v, 5) for v in out), short(e, 5), "✓" if r else "✗"]]
    return colour, text


def _bytes_per_frame(run: TrainingRun, rows: int, text: bool, quantized: bool) -> int:
    """About what one frame costs in the figure's JSON, to pick how many frames fit FRAME_BYTES."""
    numbers = run.parameters.shape[1]
    cells = numbers * ((4 if quantized else 16) / 3 + (9 if text else 0))  # base64 int8/float32; short text
    edges = 25 * min(MAX_EDGES, numbers)  # "0,1,null" and "-31.5,12.5,null"
    traces = 2 * len(run.layout.sizes) + 14  # every trace listed, most as {"type": "scatter"}
    return int(cells + edges + rows * (run.targets.shape[1] + 2) * 10 + 22 * traces + 300)


def _frames(run: TrainingRun, rows: int, text: bool) -> tuple[np.ndarray, bool]:
    """The snapshots to animate and whether weights travel quantized: float32 when every frame wanted fits
    FRAME_BYTES that way, else int8 (255 colour levels, plenty for a colour; the most frames)."""
    wanted = min(len(run.snapshot_iterations), MAX_FRAMES)
    quantized = _bytes_per_frame(run, rows, text, False) * wanted > FRAME_BYTES
    return frame_indices(len(run.snapshot_iterations), _bytes_per_frame(run, rows, text, quantized)), quantized


def _cell_axes(names: Sequence[str], cell_px: float = 0.0, label_px: float = 0.0, **extra) -> dict:
    """A cell grid's axis: cells at 0, 1, ... labelled by name (names may repeat), no zoom (cells are
    markers of a fixed pixel size). Where a cell is narrower (``cell_px``) than a label needs (``label_px``),
    every second (third...) cell is labelled, as Plotly does on a category axis."""
    n = len(names)
    every = max(1, int(np.ceil(label_px / cell_px))) if cell_px else 1
    return dict(CELL_AXIS, tickvals=list(range(0, n, every)), ticktext=list(names)[::every],
                range=[-0.5, n - 0.5], fixedrange=True, **extra)


def _cells(n_rows: int, n_cols: int, first_col: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x (column) and y (row) of every cell, row by row: small integer arrays (they travel as base64)."""
    x, y = np.meshgrid(np.arange(first_col, first_col + n_cols), np.arange(n_rows))
    kind = np.uint8 if first_col + n_cols <= 256 and n_rows <= 256 else np.int16
    return x.ravel().astype(kind), y.ravel().astype(kind)


def training_figure(run: TrainingRun, input_names: Optional[Sequence[str]] = None,
                    output_names: Optional[Sequence[str]] = None, palette: Palette = PALETTE,
                    text_scale: float = 1.0, plot_width: int = PLOT_WIDTH) -> SpecFigure:
    """The animated figure: loss, network diagram, weight grids and predictions on one timeline.
    ``text_scale``: every text, cell number and control this many times its usual size (presenter mode);
    ``plot_width``: px the chart gets on the page, which decides what text fits where."""

    def px(size: float) -> int:
        return scaled(size, text_scale)

    font = px(FONT_SIZE)
    names = neuron_names(run, input_names, output_names)
    sizes = list(run.layout.sizes)
    weights = run.weight_snapshots  # per layer (S, fan_in, fan_out)
    biases = run.bias_snapshots  # drawn as one more row under each layer's weights
    n_layers = len(weights)
    rows_shown = min(run.inputs.shape[0], MAX_PREDICTION_ROWS)
    positions = node_positions(sizes)
    # px between neighbouring neurons of the tallest layer; the inputs and outputs spread further apart (up to
    # its height) where that leaves their names a line of text each
    px_per_neuron = (0.38 * (HEIGHT - 60)) / (max(sizes) + 0.4)
    label_every = {}  # outer layer -> every how many neurons a name fits
    for l in (0, len(sizes) - 1):
        n = sizes[l]
        spacing = min(max(1.0, 1.15 * px(FONT_SIZE) / px_per_neuron), (max(sizes) - 1) / max(n - 1, 1))
        positions[l][:, 1] = (n - 1) / 2 * spacing - spacing * np.arange(n)
        label_every[l] = max(1, int(np.ceil(1.1 * px(FONT_SIZE) / (spacing * px_per_neuron))))
    axes = Axes()
    data: list[dict] = []
    annotations: list[dict] = []

    # Panel domains (paper coordinates): loss top left, network top right,
    # weight grids bottom left, predictions bottom right.
    # The prediction grid widens with its columns; the weight grids get the rest.
    n_columns = sizes[0] + 3 * sizes[-1] + 2
    pred_share = min(0.5, max(0.3, 0.045 * text_scale * n_columns * PLOT_WIDTH / plot_width))  # ~38 px a column
    top, bottom = (0.62, 1.0), (0.0, 0.36)
    loss_x, net_x = (0.0, 0.42), (0.52, 1.0)
    heat_x, pred_x = (0.0, 0.9 - pred_share), (1.0 - pred_share, 1.0)
    # The left margin holds the first weight grid's row labels and the loss axis' tick labels (estimated:
    # Plotly's automargin measures them at every draw, 50 ms more on the first)
    loss_axis = _loss_axis(run.loss)
    left = max(20 + px(9) * max(len(n) for n in names[0]), _loss_labels_px(loss_axis, font) + 4)
    margin = dict(l=min(left, px(110)), r=20, t=px(40), b=20)
    # Cells are markers sized in pixels: they fill their grid on the narrowest chart planned for, wider
    # charts leave gaps between them. Row labels longer than the margin push it (automargin): counted too.
    narrowest = NARROWEST_CHART * plot_width / PLOT_WIDTH  # the page's chart, a little narrower
    plot_px = (narrowest - max(margin["l"], 10 + px(9) * max(len(n) for n in names[0])) - margin["r"],
               HEIGHT - margin["t"] - margin["b"])

    def cell_size(x_domain: Sequence[float], n_cols: int, n_rows: int) -> dict:
        """A cell marker: a horizontal line ``size`` px long and ``line.width`` px thick is a rectangle."""
        width = (x_domain[1] - x_domain[0]) * plot_px[0] / n_cols
        height = (bottom[1] - bottom[0]) * plot_px[1] / n_rows
        return dict(symbol="line-ew", size=_less_gap(width), line=dict(width=_less_gap(height)))

    def heat_columns(right: float) -> tuple[float, float, bool]:
        """Gap between weight grids, their width, and whether cells have room for their values."""
        gap = min(0.08, right / 3 / max(n_layers - 1, 1))
        span = (right - gap * (n_layers - 1)) / n_layers
        cell_w = span * plot_width / max(w.shape[2] for w in weights)
        cell_h = (bottom[1] - bottom[0]) * HEIGHT / (max(w.shape[1] for w in weights) + run.config.bias)
        return gap, span, cell_w >= px(MIN_CELL[0]) and cell_h >= px(MIN_CELL[1])

    gap, span, show_text = heat_columns(heat_x[1])
    axis_font = px(max(FONT_SIZE - 2 * max(0, n_layers - 3), 12)) if n_layers > 3 else font

    frames_at, quantized = _frames(run, rows_shown, show_text)
    coding = _Weights(run, quantized)
    # cells written in Python (short) and sent per frame, unless the browser can write them from the colour
    text_frames = show_text and not (coding.plain_text and not coding.quantized)
    last = int(frames_at[-1])
    # The colour bar only where cells carry no plain value (a redraw costs ~5 % more with it): big networks,
    # quantized or log-coloured weights. Without it the weight grids take its room.
    show_scale = not show_text or coding.log or coding.quantized
    if not show_scale:
        heat_x = (0.0, 0.96 - pred_share)
        gap, span, _ = heat_columns(heat_x[1])
    # Room for the next grid's row labels, but never more than a third of the panel: deep networks get
    # narrow gaps and, where labels no longer fit, only the first grid labels its rows (each later grid's
    # rows are the previous one's columns).
    row_labels_fit = gap >= 0.05

    # Loss curve (static) and, per frame, a vertical line at the iteration shown and the panel's title.
    # Both axes have fixed ranges: nothing a frame moves may change them.
    iterations = np.arange(len(run.loss))
    keep = np.unique(np.round(np.linspace(0, max(len(run.loss) - 1, 0),
                                          min(len(run.loss), LOSS_POINTS))).astype(int))
    x_range = [0, max(int(run.snapshot_iterations[-1]), len(run.loss) - 1, 1)]
    loss_xy = axes.add(loss_x, top, x=dict(gridcolor="#e5e5e5", zeroline=False, range=x_range),
                       y=dict(gridcolor="#e5e5e5", zeroline=False, exponentformat="power", **loss_axis))
    finite_loss = [_sig(v) for v in run.loss[keep]]
    data.append(dict(type="scatter", x=iterations[keep].tolist(), y=finite_loss, mode="lines", name="loss",
                     line=dict(color="#444", width=2), hovertemplate="iteration %{x}<br>loss %{y}<extra></extra>",
                     xaxis=loss_xy[0], yaxis=loss_xy[1]))
    y_ends = [10.0 ** v for v in loss_axis["range"]] if loss_axis["type"] == "log" else loss_axis["range"]
    # Plotly hides a point outside the axis range, even unclipped text: the title's point sits just inside.
    low, high = loss_axis["range"]
    title_y = high - 1e-6 * (high - low)
    title_y = 10.0 ** title_y if loss_axis["type"] == "log" else title_y

    right_at = row_correct(run.output_snapshots, run.targets, run.multiclass)  # (snapshots, rows), once

    def marker_frame(k: int) -> dict:
        it = int(run.snapshot_iterations[k])
        return dict(type="scatter", x=[it, it])

    def now_frame(k: int) -> dict:
        return dict(type="scatter", text=_now(run, k, right_at[k]))

    data.append(dict(type="scatter", name="current", mode="lines", y=y_ends, line=dict(color="#e08214", width=3),
                     hoverinfo="skip", xaxis=loss_xy[0], yaxis=loss_xy[1], **_fields(marker_frame(last))))
    # The title names the frame shown: text drawn above the panel's top left corner (not clipped to it).
    data.append(dict(type="scatter", name="now", mode="text", x=[x_range[0]], y=[title_y],
                     textposition="top right", cliponaxis=False, textfont=dict(size=px(FONT_SIZE + 1)),
                     hoverinfo="skip", xaxis=loss_xy[0], yaxis=loss_xy[1], **_fields(now_frame(last))))

    # Network diagram: edges as lines (one trace per sign and width bin) drawn before the neurons, which
    # cover them.
    net_xy = axes.add(net_x, top, x=dict(visible=False, fixedrange=True), y=dict(visible=False, fixedrange=True))
    edge_keys = [(s, b) for s in (True, False) for b in range(len(EDGE_WIDTHS))]

    # Many edges at full width make a solid blob: thinner lines past a few dozen.
    thin = 1.0 if sum(w[0].size for w in weights) <= 48 else 0.4

    edge_lines = EdgePaths(positions)

    def edges_frame(k: int) -> list[dict]:
        lines = edge_lines.lines([w[k] for w in weights], coding.scale)
        return [dict(type="scatter", x=lines[key][0], y=lines[key][1]) for key in edge_keys]

    edge_index = len(data)
    for (positive, b), edge in zip(edge_keys, edges_frame(last)):
        data.append(dict(edge, name=f"{'positive' if positive else 'negative'} edges {b + 1}", mode="lines",
                         opacity=0.85, hoverinfo="skip", xaxis=net_xy[0], yaxis=net_xy[1],
                         line=dict(color=palette.positive if positive else palette.negative,
                                   width=EDGE_WIDTHS[b] * thin)))

    node_xy = np.vstack(positions)
    node_labels = [n if len(n) <= 8 else n[:7] + "…" for layer in names for n in layer]
    # Inputs labelled on the left, outputs on the right: longer names fit outside the circles.
    label_sides = ["middle left" if l == 0 else "middle right" if l == len(sizes) - 1 else "middle center"
                   for l, layer in enumerate(names) for _ in layer]
    outer = max(len(n) for n in node_labels)
    pad = 0.4
    for _ in range(3):  # room for the outer labels: about 9 px a character plus the circle's radius
        px_per_unit = (net_x[1] - net_x[0]) * plot_width / (len(sizes) - 1 + 2 * pad)
        pad = 0.15 + (20 + px(9) * outer) / px_per_unit
    # Circles as large as the tallest layer leaves room for; names inside only while they fit.
    node_size = min(34.0, 0.85 * px_per_neuron)
    many = node_size < px(24)
    # Inputs and outputs keep their names beside the circles however many hidden units there are (every k-th
    # where rows are closer than a line of text, and the last); hidden units' names go inside while they fit.
    shown_labels = [node_labels[p] if (i % label_every[l] == 0 or i == len(layer) - 1 if l in label_every
                                       else not many) else ""
                    for p, (l, i, layer) in enumerate((l, i, layer) for l, layer in enumerate(names)
                                                      for i in range(len(layer)))]
    data.append(dict(type="scatter", x=node_xy[:, 0].tolist(), y=np.round(node_xy[:, 1], 3).tolist(),
                     mode="markers+text", text=shown_labels, textposition=label_sides, customdata=node_labels,
                     textfont=dict(size=font), name="neurons",
                     marker=dict(size=max(6.0, node_size), color="white", line=dict(color="#333", width=2)),
                     hovertemplate="%{customdata}<extra></extra>", showlegend=False,
                     xaxis=net_xy[0], yaxis=net_xy[1]))
    tallest = max(sizes)
    axes.axis(net_xy[0])["range"] = [-pad, len(sizes) - 1 + pad]
    axes.axis(net_xy[1])["range"] = [-(tallest - 1) / 2 - 0.7, (tallest - 1) / 2 + 0.7]

    # Weight grids, one per layer, side by side: a cell per weight, its colour the weight.
    heat_index = len(data)
    colour_bar = dict(len=bottom[1] - bottom[0], y=bottom[0], yanchor="bottom", x=heat_x[1] + 0.01,
                      thickness=px(12), tickfont=dict(size=px(FONT_SIZE - 2)), **coding.colorbar())

    # Each layer's weights (bias row under them) in every frame, and their colours: one call a layer, not a frame.
    frame_of = {int(k): i for i, k in enumerate(frames_at)}
    shown = [weights[l][frames_at] if biases is None
             else np.concatenate([weights[l][frames_at], biases[l][frames_at][:, None, :]], axis=1)
             for l in range(n_layers)]
    colours = [coding.colour(w).reshape(len(frames_at), -1) for w in shown]

    def weights_frame(l: int, k: int) -> dict:
        trace = dict(type="scatter", marker=dict(line=dict(color=typed_array(colours[l][frame_of[k]]))))
        if text_frames:
            trace["text"] = [short(v) for v in shown[l][frame_of[k]].ravel()]
        return trace

    for l in range(n_layers):
        x0 = heat_x[0] + l * (span + gap)
        rows = names[l] if biases is None else [*names[l], BIAS_ROW]
        marker = cell_size((x0, x0 + span), len(names[l + 1]), len(rows))
        x_axis = _cell_axes(names[l + 1], marker["size"], axis_font + 3, side="top", tickfont=dict(size=axis_font))
        y_axis = _cell_axes(rows, marker["line"]["width"], axis_font, tickfont=dict(size=axis_font),
                            automargin=l == 0, showticklabels=row_labels_fit or l == 0)
        xy = axes.add((x0, x0 + span), bottom, x=x_axis, y=y_axis)
        axes.axis(xy[1])["range"].reverse()  # first row on top
        x, y = _cells(len(rows), len(names[l + 1]))
        value = ("%{text}" if text_frames else "%{marker.line.color:.3f}" if not (coding.log or coding.quantized)
                 else None)
        marker["line"].update(colorscale=palette.weight_scale, cmin=-coding.top, cmax=coding.top)
        if l == n_layers - 1 and show_scale:  # the colour bar hangs on the marker colour, which a line-ew
            # marker does not paint: two values carry the range
            marker.update(color=[-coding.top, coding.top], colorscale=palette.weight_scale, cmin=-coding.top,
                          cmax=coding.top, showscale=True, colorbar=colour_bar)
        trace = dict(type="scatter", mode="markers+text" if show_text else "markers", x=x, y=y, name=f"W{l + 1}",
                     xaxis=xy[0], yaxis=xy[1], marker=marker,
                     texttemplate=("%{text}" if text_frames else "%{marker.line.color:.2f}") if show_text else None,
                     textfont=dict(size=px(FONT_SIZE - 1), shadow="auto"), hoverlabel=dict(bgcolor="white"),
                     hovertemplate="%{y} → %{x}" + (f": {value}" if value else "")
                     + "<extra>W" + str(l + 1) + "</extra>")
        # %{x} and %{y} are the axes' tick text, which names only the labelled cells: where labels are
        # skipped, every cell carries its names (sent once; replotting them costs a little on every frame),
        # up to HOVER_NAMES cells (the largest networks would pass 2 MB: there hover shows a column number)
        if ((len(x_axis["tickvals"]) < len(names[l + 1]) or len(y_axis["tickvals"]) < len(rows))
                and len(x) <= HOVER_NAMES):
            trace["customdata"] = [f"{rows[r]} → {names[l + 1][c]}" for c, r in zip(x.tolist(), y.tolist())]
            trace["hovertemplate"] = trace["hovertemplate"].replace("%{y} → %{x}", "%{customdata}")
        frame = weights_frame(l, last)
        trace["marker"]["line"].update(frame["marker"]["line"])
        if "text" in frame:
            trace["text"] = frame["text"]
        data.append(trace)
        annotations.append(dict(text=f"<b>W{l + 1}</b>", x=x0 + span / 2, y=0.53, xref="paper", yref="paper",
                                showarrow=False, xanchor="center", font=dict(size=px(FONT_SIZE + 1))))

    # Prediction grid: one subplot, two traces side by side on one numeric x axis labelled by column: the
    # static inputs and targets (sent once), and the animated outputs, error and right.
    in_names, out_names = names[0], names[-1]
    row_names = [f"row {r + 1}" for r in range(rows_shown)]
    static_cols = list(in_names) + ["→ " + n for n in out_names]
    pred_cols = list(out_names) + ["error", "right"]
    columns = static_cols + pred_cols
    pred_cell = (pred_x[1] - pred_x[0]) * plot_width / len(columns)  # px a column gets: text only if it fits
    pred_xy = axes.add(pred_x, bottom, x=_cell_axes(columns, side="top"),
                       y=_cell_axes(row_names, showticklabels=False))
    axes.axis(pred_xy[1])["range"].reverse()
    pred_marker = cell_size(pred_x, len(columns), rows_shown)
    x, y = _cells(rows_shown, len(static_cols))
    static_text = [_cell(v) for r in range(rows_shown) for v in np.concatenate([run.inputs[r], run.targets[r]])]
    static_colour = ["#f0f0f0" if c < len(in_names) else "#d9d2f0" for c in x.tolist()]
    data.append(dict(type="scatter", mode="markers+text" if pred_cell >= px(22) else "markers", x=x, y=y,
                     text=static_text, textfont=dict(size=font), name="table",
                     marker=dict(pred_marker, line=dict(pred_marker["line"], color=static_colour)),
                     hovertemplate="%{y}: %{text}<extra></extra>",  # %{y}: the axis' tick text
                     xaxis=pred_xy[0], yaxis=pred_xy[1]))
    pred_index = len(data)

    def predictions_frame(k: int) -> dict:
        colour, text = _prediction_cells(run, run.output_snapshots[k], right_at[k], rows_shown)
        return dict(type="scatter", marker=dict(line=dict(color=colour)), text=text)

    x, y = _cells(rows_shown, len(pred_cols), len(static_cols))
    frame = predictions_frame(last)
    data.append(dict(type="scatter", mode="markers+text" if pred_cell >= px(30) else "markers",
                     x=x, y=y, text=frame["text"], textfont=dict(size=font),
                     name="predictions",
                     marker=dict(pred_marker, line=dict(pred_marker["line"], color=frame["marker"]["line"]["color"],
                                                        colorscale=[[0, palette.wrong], [1, palette.right]],
                                                        cmin=0, cmax=1)),
                     hovertemplate="%{y}: %{text}<extra></extra>",  # %{y}: the axis' tick text
                     xaxis=pred_xy[0], yaxis=pred_xy[1]))

    # Frames list every trace (see the module docstring): what moves, and {"type": "scatter"} for the rest.
    names_at = [str(int(run.snapshot_iterations[int(k)])) for k in frames_at]
    frames = []
    for i, k in enumerate(frames_at):
        k = int(k)
        moving = {1: marker_frame(k), 2: now_frame(k), pred_index: predictions_frame(k),
                  **dict(enumerate(edges_frame(k), edge_index)),
                  **{heat_index + l: weights_frame(l, k) for l in range(n_layers)}}
        frame = dict(name=names_at[i], data=[moving.get(t, dict(type="scatter")) for t in range(len(data))],
                     traces=list(range(len(data))))
        # The navigation buttons for a drawn frame travel once, in the first frame, which the others name
        # as their base (Plotly merges a base frame's layout into each frame that names it).
        if i == 0:
            frame["layout"] = dict(updatemenus=[dict(buttons=_buttons(names_at))])
        else:
            frame["baseframe"] = names_at[0]
        frames.append(frame)
    on_slider = np.unique(np.round(np.linspace(0, len(frames_at) - 1, min(len(frames_at), SLIDER_STEPS))))
    steps = [dict(label="", method="animate", args=[[names_at[int(i)]], _GO_TO]) for i in on_slider]

    annotations = [
        *annotations,
        dict(text=f"<b>Network</b>: {palette.sign_words}, thicker = stronger", x=net_x[0], y=1.06,
             xref="paper", yref="paper", showarrow=False, xanchor="left"),
        dict(text="<b>Predictions</b>" + (f" (first {rows_shown} rows)" if rows_shown < run.inputs.shape[0] else ""),
             x=pred_x[0], y=0.53, xref="paper", yref="paper", showarrow=False, xanchor="left",
             font=dict(size=px(FONT_SIZE + 1))),
    ]
    layout = dict(
        axes.layout,
        width=None, height=HEIGHT, autosize=True, showlegend=False,
        font=dict(size=font, color="#111418"),
        margin=margin,
        plot_bgcolor="white", paper_bgcolor="white",
        annotations=annotations,
        sliders=[dict(
            active=len(steps) - 1, steps=steps, x=0.33, len=0.67, y=-0.02, yanchor="top", pad=dict(t=2),
            currentvalue=dict(visible=False), ticklen=px(4), tickwidth=px(1), minorticklen=0,
        )],
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                          pad=dict(t=2), showactive=False, buttons=_first_buttons(names_at))],
    )
    # Plain data, no plotly objects (the tests validate the whole figure against plotly's schema instead);
    # numpy arrays as plotly 7 sends them, {"dtype", "bdata"}: the frames' (weight colours) as they were made,
    # the rest converted once here (a walk of the frames' thousands of small dicts would cost a third of the build).
    tick_labels_unmeasured(layout)
    encode_arrays(data)
    encode_arrays(layout)
    spec = dict(data=data, layout=layout, frames=frames)
    return SpecFigure(spec)


def grid(spec: dict, name: str, frame: Optional[int] = None, text: bool = False) -> np.ndarray:
    """What the cell grid ``name`` (W1, W2, ..., table, predictions) of a figure's spec shows, as a (rows,
    columns) matrix: the values its colours carry (weights rounded float32, int8 steps or log10) or, with
    ``text``, its cells' text; at rest, or in frame number ``frame``. ``spec``: the figure as a dict, arrays
    as lists, numpy arrays or Plotly's base64 {"dtype", "bdata", "shape"}."""
    index, trace = next((i, t) for i, t in enumerate(spec["data"]) if t.get("name") == name)
    shown = trace if frame is None else spec["frames"][frame]["data"][index]  # frames list every trace
    values = shown.get("text") if text else shown.get("marker", {}).get("line", {}).get("color")
    if values is None:
        raise KeyError(f"{name} carries no {'text' if text else 'colours'}" + ("" if frame is None else
                                                                              f" in frame {frame}"))
    values = _decoded(values)
    x, y = np.asarray(_decoded(trace["x"])), np.asarray(_decoded(trace["y"]))
    matrix = np.zeros((len(set(y.tolist())), len(set(x.tolist()))),
                      dtype=object if text else np.asarray(values).dtype)
    matrix[y - y.min(), x - x.min()] = values
    return matrix


def _decoded(values):
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return values


def _less_gap(cell: float) -> float:
    """A cell's extent less the gap to its neighbour (tiny cells keep 85 %), rounded down to 0.1 px."""
    return float(np.floor(10 * (cell - min(CELL_GAP, 0.15 * cell))) / 10)


def _fields(trace: dict) -> dict:
    """A frame's trace without its type, to start the figure's trace from."""
    return {k: v for k, v in trace.items() if k != "type"}


# Go to one frame and draw everything (the slider's steps; Back and Step before any frame was drawn).
_GO_TO = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))

_PAUSE = dict(label="Pause", method="animate",
              args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))])

ONE_FRAME_MS = 1e9  # Step and Back queue the rest of a list with this duration: shown one frame, they wait


def _buttons(names: Sequence[str]) -> list[dict]:
    """Back, Play, Pause, Step once a frame has been drawn (Plotly then knows the current frame).

    Frames play without a redraw, which never redraws the buttons either, so none may carry the frame it
    was drawn at. Back and Step use Plotly's ``fromcurrent``: it finds the first position E of the current
    frame in the list and plays what follows it if 0 < E < last, else the list from its start. So the list
    [nN, n0, n1, ..., nN] steps one frame forward from anywhere and stays at nN, and [n0, nN, ..., n0] one
    back and stays at n0; the frames after the one shown wait :data:`ONE_FRAME_MS`, until the next click."""
    names = list(names)
    once = dict(fromcurrent=True, frame=dict(duration=ONE_FRAME_MS, redraw=False), transition=dict(duration=0),
                mode="immediate")
    return [
        dict(label="◀ Back", method="animate", args=[[names[0], *names[::-1]], once]),
        dict(label="Play", method="animate",
             args=[None, dict(frame=dict(duration=FRAME_MS, redraw=False), fromcurrent=True,
                              transition=dict(duration=0), mode="immediate")]),
        _PAUSE,
        dict(label="Step ▶", method="animate", args=[[names[-1], *names], once]),
    ]


def _first_buttons(names: Sequence[str]) -> list[dict]:
    """The buttons as the page opens, at the last frame, before Plotly knows a current frame: Back and Step go
    to their frame by name, and Play's first frame redraws everything, buttons included (with
    :func:`_buttons`, from the frame's layout); the frames after it play without a redraw."""
    back, play, pause, step = _buttons(names)
    play = dict(play, args=[None, dict(play["args"][1], frame=[dict(duration=FRAME_MS, redraw=True)]
                                       + [dict(duration=FRAME_MS, redraw=False)] * len(names))])
    return [dict(back, args=[[names[max(len(names) - 2, 0)]], _GO_TO]), play, pause,
            dict(step, args=[[names[-1]], _GO_TO])]


def _loss_axis(loss: np.ndarray) -> dict:
    """Log when the (finite, positive) loss falls over more than two decades, else linear: chosen once, so no
    menu in the figure to redraw on every frame. A fixed range either way (frames never move it; a diverged
    loss of 1e300 would make Plotly write ticks past the largest float); a log axis gets a label a decade up
    to 6 decades."""
    positive = loss[np.isfinite(loss) & (loss > 0)]
    if positive.size < 2 or float(positive.max()) <= 100 * float(positive.min()):
        finite = loss[np.isfinite(loss)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        return dict(type="linear", range=[low - 0.05 * (high - low), high + 0.05 * (high - low)])
    finite = positive
    low, high = np.log10(float(finite.min())), np.log10(min(float(finite.max()), 1e300))
    axis = dict(type="log", range=[low - 0.05 * (high - low), min(high + 0.05 * (high - low), 307)])
    if high - low <= 6:
        axis["dtick"] = 1
    return axis


def _loss_labels_px(axis: dict, font: int) -> int:
    """About how wide the loss axis' widest tick label is at font size ``font``, in px. Log: "10⁻²" is 2.4 fonts
    wide in plotly.js, each further exponent digit 0.4 more. Linear: 0.6 a character of the ends written to
    the tenth of the range's span."""
    low, high = axis["range"]
    if axis["type"] == "log":
        digits = max(len(str(abs(int(np.floor(v))))) for v in (low, high))
        return int(np.ceil(font * (2.4 + 0.4 * (digits - 1))))
    step_digit = int(np.floor(np.log10(max(high - low, 1e-300) / 10)))  # the last digit the ticks need
    top = max(abs(low), abs(high))
    if top >= 1e4 or 0 < top < 1e-3:  # Plotly writes 1.9925×10⁶: the mantissa's digits, "×10", the exponent
        exponent = int(np.floor(np.log10(top)))
        mantissa = max(1, exponent - step_digit + 1) + 2  # digits, point, sign
        return int(np.ceil(font * (0.6 * (mantissa + 3) + 0.4 * len(str(abs(exponent))))))
    decimals = max(0, -step_digit)
    return int(np.ceil(font * 0.6 * max(len(f"{v:.{decimals}f}") for v in (low, high))))


def _now(run: TrainingRun, k: int, right: np.ndarray) -> str:
    """The loss panel's title at snapshot k: the iteration shown, its loss and how many rows are right
    (``right``: which rows are, at k)."""
    it = int(run.snapshot_iterations[k])
    right = int(np.count_nonzero(right))
    return f"<b>Iteration {it}</b>: loss {_loss_text(_loss_at(run, it))}, {right}/{len(run.targets)} rows right"


def _loss_text(value: float) -> str:
    """A loss in 3 significant digits, small ones too (0.00034 as 3.4e-4, not 0.00)."""
    if not np.isfinite(value):
        return short(value)
    if value == 0 or 0.01 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"
