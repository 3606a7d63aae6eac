"""The truth-table page's animated figure: loss, network, weight heatmaps and predictions on one timeline.

How it animates without blank paints: a frame carries no scatter (or bar) trace at all. Plotly's ``animate``
first replots a frame's "animatable" traces (scatter, bar) alone, subplot by subplot, and that pass removes
every other layer (heatmaps, the table, the neurons) until the full redraw puts them back: white panels on
every frame. So frames carry only heatmap ``z`` (and ``text`` where a template cannot write the cells) plus a
frame ``layout``: the network's edges are ``layout.shapes`` paths (drawn below the neurons), the loss curve's
marker is a vertical line shape, and the Back/Step buttons' targets are the neighbouring frames.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..training import TrainingRun, row_correct
from .spec import SpecFigure, typed_array
from .network import EdgePaths, frame_indices, neuron_names, node_positions, weight_range
from .style import MAX_FRAMES
from .style import (
    BIAS_ROW,
    EDGE_WIDTHS,
    FONT_SIZE,
    FRAME_BYTES,
    HEIGHT,
    MAX_EDGES,
    MAX_LOSS_POINTS,
    MAX_PREDICTION_ROWS,
    MIN_CELL,
    PLOT_WIDTH,
    WEIGHT_DECIMALS,
    Axes,
    Palette,
    PALETTE,
    _cell,
    _sig,
    short,
)

FRAME_MS = 40  # Play's frame duration: 25 frames/s at most; a redraw that takes longer sets the pace

QUANTIZED = 127  # weights sent as int8 steps of scale/127 when float32 frames would not fit FRAME_BYTES

LOG_COLOURS_ABOVE = 1e3  # |w| past which weight colours follow log10(1 + |w|): a diverged run stays readable

SLIDER_STEPS = 26  # the slider's positions: each costs a redraw ~0.1 ms (Plotly measures every step's label on
# every frame); Play, Step and Back still show every frame, and the panel title names the frame shown

# Axes of cell grids: no grid, ticks or lines hidden under the cells anyway (fewer SVG nodes to redraw on
# every frame), and no automargin (measuring every label to push margins costs ~3 ms a frame for 3x8):
# their labels lie inside the figure, except the first heatmap's row labels (automargin there).
CELL_AXIS = dict(automargin=False, showgrid=False, zeroline=False, showline=False, ticks="")

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

    def z(self, w: np.ndarray) -> np.ndarray:
        """What a heatmap's z carries for weights ``w``: float32 (rounded) or int8 steps."""
        with np.errstate(all="ignore"):
            if self.log:
                v = np.sign(w) * np.log10(1 + np.abs(w))
                limit = np.log10(1 + self.scale)
            else:
                v = np.round(w, WEIGHT_DECIMALS)
                limit = self.scale
            if self.quantized:
                q = np.round(np.clip(np.nan_to_num(v / limit), -1, 1) * QUANTIZED)
                return q.astype(np.int8)
            return np.clip(v, -1e30, 1e30).astype(np.float32)

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


def _prediction_cells(run: TrainingRun, outputs: np.ndarray, rows: int) -> tuple[list, list]:
    """z (1 right, 0 wrong, per row) and text for the columns outputs..., error, right."""
    targets = run.targets[:rows]
    outputs = outputs[:rows]
    right = row_correct(outputs, targets, run.multiclass)
    with np.errstate(all="ignore"):
        error = np.abs(targets - outputs).sum(axis=1)
    n_cols = outputs.shape[1] + 2
    z = [[int(r)] * n_cols for r in right]
    text = [[short(v, 5) for v in out] + [short(e, 5), "✓" if r else "✗"]
            for out, e, r in zip(outputs, error, right)]
    return z, text


def _bytes_per_frame(run: TrainingRun, rows: int, text: bool, quantized: bool) -> int:
    """About what one frame costs in the figure's JSON, to pick how many frames fit FRAME_BYTES."""
    numbers = run.parameters.shape[1]
    cells = numbers * ((4 if quantized else 16) / 3 + (9 if text else 0))  # base64 int8/float32; short text
    edges = 18 * min(MAX_EDGES, numbers)  # "M2,-31.5L3,12.5"
    return int(cells + edges + rows * (run.targets.shape[1] + 2) * 12 + 1200)


def _frames(run: TrainingRun, rows: int, text: bool) -> tuple[np.ndarray, bool]:
    """The snapshots to animate and whether weights travel quantized: float32 when every frame wanted fits
    FRAME_BYTES that way, else int8 (255 colour levels, plenty for a colour; the most frames)."""
    wanted = min(len(run.snapshot_iterations), MAX_FRAMES)
    quantized = _bytes_per_frame(run, rows, text, False) * wanted > FRAME_BYTES
    return frame_indices(len(run.snapshot_iterations), _bytes_per_frame(run, rows, text, quantized)), quantized


def training_figure(run: TrainingRun, input_names: Optional[Sequence[str]] = None,
                    output_names: Optional[Sequence[str]] = None, palette: Palette = PALETTE) -> SpecFigure:
    """The animated figure: loss, network diagram, weight heatmaps and predictions on one timeline."""
    names = neuron_names(run, input_names, output_names)
    sizes = list(run.layout.sizes)
    weights = run.weight_snapshots  # per layer (S, fan_in, fan_out)
    biases = run.bias_snapshots  # drawn as one more row under each layer's weights
    n_layers = len(weights)
    rows_shown = min(run.inputs.shape[0], MAX_PREDICTION_ROWS)
    positions = node_positions(sizes)
    axes = Axes()
    data: list[dict] = []
    shapes: list[dict] = []
    annotations: list[dict] = []

    # Panel domains (paper coordinates): loss top left, network top right,
    # heatmaps bottom left, predictions bottom right.
    # The prediction grid widens with its columns; the heatmaps get the rest.
    n_columns = sizes[0] + 3 * sizes[-1] + 2
    pred_share = min(0.5, max(0.3, 0.045 * n_columns))
    top, bottom = (0.62, 1.0), (0.0, 0.36)
    loss_x, net_x = (0.0, 0.42), (0.52, 1.0)
    heat_x, pred_x = (0.0, 0.9 - pred_share), (1.0 - pred_share, 1.0)

    def heat_columns(right: float) -> tuple[float, float, bool]:
        """Gap between heatmaps, their width, and whether cells have room for their values."""
        gap = min(0.08, right / 3 / max(n_layers - 1, 1))
        span = (right - gap * (n_layers - 1)) / n_layers
        cell_w = span * PLOT_WIDTH / max(w.shape[2] for w in weights)
        cell_h = (bottom[1] - bottom[0]) * HEIGHT / (max(w.shape[1] for w in weights) + run.config.bias)
        return gap, span, cell_w >= MIN_CELL[0] and cell_h >= MIN_CELL[1]

    gap, span, show_text = heat_columns(heat_x[1])
    axis_font = max(FONT_SIZE - 2 * max(0, n_layers - 3), 12) if n_layers > 3 else FONT_SIZE

    frames_at, quantized = _frames(run, rows_shown, show_text)
    coding = _Weights(run, quantized)
    text_frames = show_text and not coding.plain_text  # cells written in Python (short), sent per frame
    last = int(frames_at[-1])
    # The colour bar only where cells carry no plain value (a redraw costs ~5 % more with it): big networks,
    # quantized or log-coloured weights. Without it the heatmaps take its room.
    show_scale = not show_text or coding.log or coding.quantized
    if not show_scale:
        heat_x = (0.0, 0.96 - pred_share)
        gap, span, _ = heat_columns(heat_x[1])
    # Room for the next heatmap's row labels, but never more than a third of the panel: deep networks get
    # narrow gaps and, where labels no longer fit, only the first heatmap labels its rows (each later
    # heatmap's rows are the previous one's columns).
    row_labels_fit = gap >= 0.05

    # Loss curve (static); the current iteration is a vertical line shape (frames change shapes, not traces).
    iterations = np.arange(len(run.loss))
    keep = np.unique(np.round(np.linspace(0, max(len(run.loss) - 1, 0),
                                          min(len(run.loss), MAX_LOSS_POINTS))).astype(int))
    loss_xy = axes.add(loss_x, top, x=dict(gridcolor="#e5e5e5", zeroline=False),
                       y=dict(gridcolor="#e5e5e5", zeroline=False, exponentformat="power",
                              **_loss_axis(run.loss)))
    finite_loss = [_sig(v) for v in run.loss[keep]]
    data.append(dict(type="scatter", x=iterations[keep].tolist(), y=finite_loss, mode="lines", name="loss",
                     line=dict(color="#444", width=2), hovertemplate="iteration %{x}<br>loss %{y}<extra></extra>",
                     xaxis=loss_xy[0], yaxis=loss_xy[1]))

    def marker(k: int) -> dict:
        it = int(run.snapshot_iterations[k])
        return dict(type="line", name="current", xref=loss_xy[0], yref=f"{loss_xy[1]} domain", x0=it, x1=it,
                    y0=0, y1=1, line=dict(color="#e08214", width=3))

    # Network diagram: edges as path shapes under the neurons (one per sign and width bin), neurons on top.
    net_xy = axes.add(net_x, top, x=dict(visible=False, fixedrange=True), y=dict(visible=False, fixedrange=True))
    edge_keys = [(s, b) for s in (True, False) for b in range(len(EDGE_WIDTHS))]

    # Many edges at full width make a solid blob: thinner lines past a few dozen.
    thin = 1.0 if sum(w[0].size for w in weights) <= 48 else 0.4

    edge_paths = EdgePaths(positions)

    def edges(k: int) -> list[dict]:
        paths = edge_paths.paths([w[k] for w in weights], coding.scale)
        return [dict(type="path", name=f"{'positive' if positive else 'negative'} edges {b + 1}",
                     path=paths[(positive, b)], xref=net_xy[0], yref=net_xy[1], layer="below", opacity=0.85,
                     line=dict(color=palette.positive if positive else palette.negative,
                               width=EDGE_WIDTHS[b] * thin))
                for positive, b in edge_keys]

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
                     mode="markers" if many else "markers+text", text=node_labels, textposition=label_sides,
                     textfont=dict(size=FONT_SIZE), name="neurons",
                     marker=dict(size=max(6.0, node_size), color="white", line=dict(color="#333", width=2)),
                     hovertemplate="%{text}<extra></extra>", showlegend=False,
                     xaxis=net_xy[0], yaxis=net_xy[1]))
    tallest = max(sizes)
    axes.axis(net_xy[0])["range"] = [-pad, len(sizes) - 1 + pad]
    axes.axis(net_xy[1])["range"] = [-(tallest - 1) / 2 - 0.7, (tallest - 1) / 2 + 0.7]

    # Weight heatmaps, one per layer, side by side.
    heat_index = len(data)
    colour_bar = dict(len=bottom[1] - bottom[0], y=bottom[0], yanchor="bottom", x=heat_x[1] + 0.01,
                      thickness=12, tickfont=dict(size=FONT_SIZE - 2), **coding.colorbar())

    def layer_weights(l: int, k: int) -> np.ndarray:
        return weights[l][k] if biases is None else np.vstack([weights[l][k], biases[l][k][None, :]])

    def heatmap_frame(l: int, k: int) -> dict:
        w = layer_weights(l, k)
        trace = dict(type="heatmap", z=typed_array(coding.z(w)))
        if text_frames:
            trace["text"] = [[short(v) for v in row] for row in w]
        return trace

    for l in range(n_layers):
        x0 = heat_x[0] + l * (span + gap)
        xy = axes.add((x0, x0 + span), bottom, x=dict(side="top", tickfont=dict(size=axis_font), **CELL_AXIS),
                      y=dict(autorange="reversed", tickfont=dict(size=axis_font),
                             **dict(CELL_AXIS, automargin=l == 0), showticklabels=row_labels_fit or l == 0))
        rows = names[l] if biases is None else [*names[l], BIAS_ROW]
        value = "%{text}" if text_frames else "%{z:.3f}" if not (coding.log or coding.quantized) else None
        trace = dict(type="heatmap", x=names[l + 1], y=rows, name=f"W{l + 1}", xaxis=xy[0], yaxis=xy[1],
                     zmin=-coding.top, zmax=coding.top, zmid=0, colorscale=palette.weight_scale,
                     showscale=l == n_layers - 1 and show_scale, colorbar=colour_bar,
                     texttemplate=("%{text}" if text_frames else "%{z:.2f}") if show_text else None,
                     textfont=dict(size=FONT_SIZE - 1),
                     hovertemplate="%{y} → %{x}" + (f": {value}" if value else "")
                     + "<extra>W" + str(l + 1) + "</extra>")
        trace.update(heatmap_frame(l, last))
        data.append(trace)
        annotations.append(dict(text=f"<b>W{l + 1}</b>", x=x0 + span / 2, y=0.53, xref="paper", yref="paper",
                                showarrow=False, xanchor="center", font=dict(size=FONT_SIZE + 1)))

    # Prediction grid: one subplot, two heatmaps side by side on one numeric x axis labelled by column (on a
    # shared categorical axis Plotly writes the second heatmap's text in the first one's columns): the static
    # inputs and targets (sent once), and the animated outputs, error and right.
    in_names, out_names = names[0], names[-1]
    row_labels = [f"row {r + 1}" for r in range(rows_shown)]
    static_cols = list(in_names) + ["→ " + n for n in out_names]
    static_text = [[_cell(v) for v in np.concatenate([run.inputs[r], run.targets[r]])]
                   for r in range(rows_shown)]
    static_z = [[0] * len(in_names) + [1] * len(out_names) for _ in range(rows_shown)]
    pred_cols = list(out_names) + ["error", "right"]
    columns = static_cols + pred_cols
    pred_cell = (pred_x[1] - pred_x[0]) * PLOT_WIDTH / len(columns)  # px a column gets: text only if it fits
    pred_xy = axes.add(pred_x, bottom, x=dict(side="top", fixedrange=True, **CELL_AXIS,
                                              tickvals=list(range(len(columns))), ticktext=columns,
                                              range=[-0.5, len(columns) - 0.5]),
                       y=dict(autorange="reversed", fixedrange=True, showticklabels=False, **CELL_AXIS))
    data.append(dict(type="heatmap", z=static_z, x=list(range(len(static_cols))), y=row_labels, text=static_text,
                     texttemplate="%{text}" if pred_cell >= 22 else None, textfont=dict(size=FONT_SIZE), name="table",
                     showscale=False, zmin=0, zmax=1,
                     colorscale=[[0, "#f0f0f0"], [1, "#d9d2f0"]], xgap=2, ygap=2,
                     hovertemplate="%{y}: %{text}<extra></extra>", xaxis=pred_xy[0], yaxis=pred_xy[1]))
    pred_index = len(data)

    def predictions_frame(k: int) -> dict:
        z, text = _prediction_cells(run, run.output_snapshots[k], rows_shown)
        return dict(type="heatmap", z=z, text=text)

    data.append(dict(type="heatmap", x=list(range(len(static_cols), len(columns))), y=row_labels,
                     texttemplate="%{text}" if pred_cell >= 30 else None,
                     textfont=dict(size=FONT_SIZE), name="predictions", showscale=False, zmin=0, zmax=1,
                     colorscale=[[0, palette.wrong], [1, palette.right]], xgap=2, ygap=2,
                     hovertemplate="%{y}: %{text}<extra></extra>", xaxis=pred_xy[0], yaxis=pred_xy[1],
                     **{k: v for k, v in predictions_frame(last).items() if k != "type"}))

    # Frames: heatmap z (and text) only, and a layout with the shapes and the Back/Step targets.
    animated = [*range(heat_index, heat_index + n_layers), pred_index]
    names_at = [str(int(run.snapshot_iterations[int(k)])) for k in frames_at]
    go_to = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))

    def menu(i: int) -> list[dict]:
        """The navigation buttons; Back and Step name the neighbouring frames. (A frame's layout replaces
        the buttons list whole, so each frame carries all four.)"""
        back, step = names_at[max(i - 1, 0)], names_at[min(i + 1, len(names_at) - 1)]
        return [dict(buttons=[
            dict(label="◀ Back", method="animate", args=[[back], go_to]),
            dict(label="Play", method="animate",
                 args=[None, dict(frame=dict(duration=FRAME_MS, redraw=True), fromcurrent=True,
                                  transition=dict(duration=0), mode="immediate")]),
            dict(label="Pause", method="animate",
                 args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                    transition=dict(duration=0))]),
            dict(label="Step ▶", method="animate", args=[[step], go_to]),
        ])]

    frames = []
    for i, k in enumerate(frames_at):
        k = int(k)
        frame_data = [*(heatmap_frame(l, k) for l in range(n_layers)), predictions_frame(k)]
        # Plotly merges a frame's layout.shapes and .annotations into the figure's by index: only what
        # changes travels (the "now" title is annotations[0]).
        shapes = [dict(path=s["path"]) for s in edges(k)] + [dict(x0=marker(k)["x0"], x1=marker(k)["x1"])]
        frames.append(dict(name=names_at[i], data=frame_data, traces=animated,
                           layout=dict(shapes=shapes, annotations=[dict(text=_now(run, k))], updatemenus=menu(i))))
    on_slider = np.unique(np.round(np.linspace(0, len(frames_at) - 1, min(len(frames_at), SLIDER_STEPS))))
    steps = [dict(label="", method="animate", args=[[names_at[int(i)]], go_to]) for i in on_slider]

    annotations = [
        dict(text=_now(run, last), x=loss_x[0], y=1.06, xref="paper", yref="paper", showarrow=False,
             xanchor="left", font=dict(size=FONT_SIZE + 1)),
        *annotations,
        dict(text=f"<b>Network</b>: {palette.sign_words}, thicker = stronger", x=net_x[0], y=1.06,
             xref="paper", yref="paper", showarrow=False, xanchor="left"),
        dict(text="<b>Predictions</b>" + (f" (first {rows_shown} rows)" if rows_shown < run.inputs.shape[0] else ""),
             x=pred_x[0], y=0.53, xref="paper", yref="paper", showarrow=False, xanchor="left",
             font=dict(size=FONT_SIZE + 1)),
    ]
    layout = dict(
        axes.layout,
        width=None, height=HEIGHT, autosize=True, showlegend=False,
        font=dict(size=FONT_SIZE, color="#111418"),
        margin=dict(l=min(20 + 9 * max(len(n) for n in names[0]), 110), r=20, t=40, b=20),
        plot_bgcolor="white", paper_bgcolor="white",
        shapes=[*edges(last), marker(last)],
        annotations=annotations,
        sliders=[dict(
            active=len(steps) - 1, steps=steps, x=0.33, len=0.67, y=-0.02, yanchor="top", pad=dict(t=2),
            currentvalue=dict(visible=False), ticklen=4, minorticklen=0,
        )],
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                          pad=dict(t=2), showactive=False, **menu(len(frames_at) - 1)[0])],
    )
    # Plain data, no plotly objects: the tests validate the whole figure against plotly's schema instead.
    return SpecFigure(dict(data=data, layout=layout, frames=frames))


def _loss_axis(loss: np.ndarray) -> dict:
    """Log when the (finite, positive) loss falls over more than two decades, else linear: chosen once, so no
    menu in the figure to redraw on every frame. A log axis gets a label a decade up to 6 decades, and a fixed
    range (a diverged loss of 1e300 would otherwise make Plotly write ticks past the largest float)."""
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if finite.size < 2 or float(finite.max()) <= 100 * float(finite.min()):
        return dict(type="linear")
    low, high = np.log10(float(finite.min())), np.log10(min(float(finite.max()), 1e300))
    axis = dict(type="log", range=[low - 0.05 * (high - low), min(high + 0.05 * (high - low), 307)])
    if high - low <= 6:
        axis["dtick"] = 1
    return axis


def _now(run: TrainingRun, k: int) -> str:
    """The loss panel's title at snapshot k: the iteration shown, its loss and how many rows are right."""
    it = int(run.snapshot_iterations[k])
    right = int(np.count_nonzero(row_correct(run.output_snapshots[k], run.targets, run.multiclass)))
    return f"<b>Iteration {it}</b>: loss {_loss_text(_loss_at(run, it))}, {right}/{len(run.targets)} rows right"


def _loss_text(value: float) -> str:
    """A loss in 3 significant digits, small ones too (0.00034 as 3.4e-4, not 0.00)."""
    if not np.isfinite(value):
        return short(value)
    if value == 0 or 0.01 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"
