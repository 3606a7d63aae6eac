"""The 2-D playground (TensorFlow Playground's view): boundary, points, loss, neuron maps."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import base64
import struct
import zlib

import numpy as np
import plotly.graph_objects as go

from ..training import TrainingRun
from .network import EdgePaths, neuron_names
from .spec import SpecFigure
from .style import (FONT_SIZE, _base_layout, _title, _values, _values_finite, scaled,
                    tick_labels_unmeasured)

# Orange is class 0 and negative, blue class 1 and positive, as in TensorFlow Playground, in Okabe-Ito tones
# (apart for every colour vision). The plane is painted in paler tones so that the points stand out on it.
CLASS_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#F0E442", "#56B4E9")


PLANE_NEGATIVE, PLANE_POSITIVE = CLASS_COLOURS[0], CLASS_COLOURS[1]


PALE_SHARE = 0.5  # how much white the plane mixes into a class colour


LEVELS = 250  # a boundary grid travels as uint8 levels 0..LEVELS (base64 of runs of 251-255 is all "/",
# which plotly.io.to_json, as the page sends a chart, writes as 6 characters each)


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
    low, high = boundary_range(problem)
    # a diverged network's NaN is no side: the middle (white), not the lowest value (a confident class 0)
    values = np.where(np.isnan(values), (low + high) / 2, values)
    return quantize(values, low, high, levels=LEVELS)


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


def _class_point_traces(dataset, show_test: bool) -> list[dict]:
    """The points as :func:`_point_traces` draws them, one trace per class (or per colour step of a
    regression's value): one colour a trace, which a full redraw styles far faster than a colour per point."""
    traces = []
    for trace in _point_traces(dataset, show_test):
        colours = trace["marker"]["color"]
        if dataset.problem == "regression":
            values = np.asarray(colours, dtype=float)
            steps = np.clip(np.round((values + 1) / 2 * 10), 0, 10).astype(int)
            table = palette(POINT_SCALE, 10)
            colours = ["#%02x%02x%02x" % tuple(table[s]) for s in steps]
            trace["marker"] = {k: v for k, v in trace["marker"].items() if k not in ("colorscale", "cmin", "cmax")}
        colours = np.asarray(colours)
        for colour in dict.fromkeys(colours.tolist()):
            rows = np.flatnonzero(colours == colour)
            part = dict(trace, x=[trace["x"][r] for r in rows], y=[trace["y"][r] for r in rows],
                        customdata=[trace["customdata"][r] for r in rows], marker=dict(trace["marker"], color=colour))
            traces.append(part)
    return traces


PLANE_PX = 310  # px of the plane's square on the page at 1280 wide: the points picture's markers have
# Plotly's sizes there
POINTS_SCALE = 2  # the points picture has twice those pixels: sharp on a 2x screen, smoothed on a 1x one


def points_pixels(traces: Sequence[dict], px: int = PLANE_PX, scale: int = POINTS_SCALE) -> np.ndarray:
    """The visible markers of ``traces`` (as :func:`_class_point_traces` makes them: one colour, symbol, size
    and ring a trace), drawn in order as Plotly draws them on a ``px``-pixel plane: (px * scale, px * scale, 4)
    uint8 RGBA, straight alpha, row 0 at the top (x2 = DOMAIN), anti-aliased."""
    from ..datasets import DOMAIN
    n = px * scale
    pad = 16 * scale  # room for a marker (radius 8 px at most) past the picture's edge, cut off at the end
    colour = np.zeros((n + 2 * pad, n + 2 * pad, 3))  # premultiplied by alpha
    alpha = np.zeros((n + 2 * pad, n + 2 * pad))
    per_unit = n / (2 * DOMAIN)
    for trace in traces:
        if trace.get("visible") is not True or not len(trace["x"]):
            continue
        marker = trace["marker"]
        diamond = marker["symbol"] == "diamond"
        fill, ring = np.array(_rgb(marker["color"]), float), np.array(_rgb(marker["line"]["color"]), float)
        radius = marker["size"] / 2 * scale * (1.3 if diamond else 1.0)  # Plotly's diamond: 1.3 x the radius
        half_ring = marker["line"]["width"] / 2 * scale
        reach = int(np.ceil(radius + half_ring + 1))
        cx = (np.asarray(trace["x"], float) + DOMAIN) * per_unit + pad  # canvas pixels, from the top left
        cy = (DOMAIN - np.asarray(trace["y"], float)) * per_unit + pad
        inside_canvas = (cx > reach) & (cx < n + 2 * pad - reach - 1) & (cy > reach) & (cy < n + 2 * pad - reach - 1)
        cx, cy = cx[inside_canvas], cy[inside_canvas]
        left, top = np.floor(cx).astype(int) - reach, np.floor(cy).astype(int) - reach
        offsets = np.arange(2 * reach + 1) + 0.5
        dx = (left[:, None] + offsets - cx[:, None])[:, None, :]
        dy = (top[:, None] + offsets - cy[:, None])[:, :, None]
        # signed distance (pixels) of each pixel's centre from the marker's outline, negative inside
        edge = (np.abs(dx) + np.abs(dy) - radius) / np.sqrt(2) if diamond else np.hypot(dx, dy) - radius
        inside = np.clip(0.5 - edge, 0, 1)
        on_ring = np.clip(half_ring + 0.5 - np.abs(edge), 0, 1)
        a = on_ring + (1 - on_ring) * inside  # the ring stroked over the fill, as SVG draws it
        c = on_ring[..., None] * ring + ((1 - on_ring) * inside)[..., None] * fill
        size = 2 * reach + 1
        for i in range(len(cx)):  # in order: a later point covers an earlier one
            window = (slice(top[i], top[i] + size), slice(left[i], left[i] + size))
            keep = 1 - a[i]
            colour[window] = c[i] + colour[window] * keep[..., None]
            alpha[window] = a[i] + alpha[window] * keep
    colour, alpha = colour[pad:pad + n, pad:pad + n], alpha[pad:pad + n, pad:pad + n]
    straight = colour / np.maximum(alpha, 1e-9)[..., None]
    return np.dstack([np.round(straight), np.round(alpha * 255)]).clip(0, 255).astype(np.uint8)


def _plane_axes(domain_x, title: bool = True, text_scale: float = 1.0) -> tuple[dict, dict]:
    from ..datasets import DOMAIN
    common = dict(range=[-DOMAIN, DOMAIN], zeroline=False, showgrid=False, ticks="outside", fixedrange=True,
                  tickfont=dict(size=scaled(FONT_SIZE - 1, text_scale)), constrain="domain", dtick=2)
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


def boundary_figure(run: TrainingRun, dataset, features: Sequence[str], parameters: np.ndarray,
                    discretize: bool = False, show_test: bool = False, title: str = "", size: int = 100,
                    text_scale: float = 1.0) -> go.Figure:
    """One still boundary (no frames) for flat ``parameters`` (P,) of ``run``'s network: an edited weight;
    its text ``text_scale`` times the usual size."""
    from ..plane import boundary_of
    levels = boundary_levels(boundary_of(run, features, parameters, size)[0], dataset.problem, dataset.classes)
    xaxis, yaxis = _plane_axes((0.0, 1.0), text_scale=text_scale)
    header = dict(_title(title, 0.0, 1.01), font=dict(size=scaled(FONT_SIZE + 1, text_scale)))
    layout = _base_layout(440, showlegend=False, margin=dict(l=50, r=10, t=40, b=40), xaxis=xaxis, yaxis=yaxis,
                          annotations=[header] if title else [], font=dict(size=scaled(FONT_SIZE, text_scale),
                                                                            color="#111418"))
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
        columns.append(output_display(run, maps) if l == len(layers) - 1 else display_maps(maps, kind))
    return columns


def output_display(run: TrainingRun, maps: np.ndarray) -> np.ndarray:
    """The output neuron's maps on the boundary's own scale, in [-1, 1] for the diverging colours: a regression
    (linear) output as it is; a tanh output trained on 0/1 classes (TF Playground's) as its 0..1, so that 0.5,
    the decision, is white; any other output as :func:`display_maps` scales its activation."""
    kind = run.activations[-1]
    maps = np.nan_to_num(np.asarray(maps, dtype=np.float32))
    if kind == "linear":
        return np.clip(maps, -1, 1)
    if kind == "tanh" and run.targets.min() >= 0:
        return np.clip(2 * maps - 1, -1, 1)
    return display_maps(maps, kind)


def network_names(run: TrainingRun, features: Sequence[str]) -> list[list[str]]:
    """Neuron names per column: the features as written, h1.1 ..., then the output(s)."""
    from ..playground import FEATURE_LABELS
    return neuron_names(run, [FEATURE_LABELS.get(f, f) for f in features],
                        ["output"] if run.layout.sizes[-1] == 1 else
                        [f"class {c}" for c in range(run.layout.sizes[-1])])


# ---------------------------------------------------------------- the page's one animated figure
#
# Plotly's animate first replots a frame's "animatable" traces (scatter, bar) alone, in EVERY subplot, and
# removes every other layer (heatmaps, points) until the full redraw one tick later: a blank paint per frame.
# So frames here carry no trace, only layout: the pictures (layout images), the header, the loss chart's "now"
# line, the network's connections (path shapes, one per colour and width) and which Back/Step buttons show.
# Everything a frame changes is placed on axes (xref/yref an axis or an axis domain): for a frame without a
# full redraw (`redraw: false`) Plotly still redraws the annotations, shapes and images placed on axes
# (Axes.redrawComponents), a quarter of a full redraw's time. Play redraws fully at its first frame only (the
# buttons then swap, see _relative_step_buttons); the slider, Back and Step redraw fully. The pictures travel
# as small PNGs (palette images made here, drawn by the browser as they are): a tenth of the bytes of a
# heatmap's grid and no colour mapping in the browser.

NET_MAP, NET_COL, NET_ROW = 8, 16, 10  # network units: a neuron's map is NET_MAP wide; columns and rows apart
MAP_LEVELS = 64  # a neuron map's values -1..1 as palette entries 0..MAP_LEVELS; then its frame, the gaps
MAP_FRAME, MAP_GAP = MAP_LEVELS + 1, MAP_LEVELS + 2
MAP_SCALE = [[0.0, PLANE_NEGATIVE], [0.5, "#ffffff"], [1.0, PLANE_POSITIVE]]
FIGURE_BUDGET = 1_900_000  # bytes of the page's animated figure (its charts: at most 2 MB)
MIN_FRAMES = 50
MAP_CELLS = 20  # pixels of a neuron's map in the network picture (its frame included)
MAP_CELL_CHOICES = (MAP_CELLS, 16, 12)  # finest first: big networks get smaller maps before fewer frames
LARGE_GRID = 50  # the large neuron's grid
EDGE_PX = (1.0, 2.0, 3.5, 5.5)  # line widths of the four |w| bins
DEAD_LINK = "#9a9a9a"
LOSS_NOW = "#d55e00"
SLIDER_STEPS = 26  # steps of the slider at most: each costs a full redraw (slider, Back, Step) ~0.25 ms, as
# Plotly measures each label again; Play's frames after the first hardly at all. Play, Back and Step show
# every frame
FRAME_MS = 30  # Play's frame duration: Plotly starts a frame on the first animation tick (60 a second) past it,
# so 40 ms would wait for the third tick, 50 ms a frame; 30 waits for the second when a redraw is quick
LOSS_POINTS = 300  # points of each loss curve: a full redraw draws them every frame
HEADER_SIZE = FONT_SIZE + 2


def short(value: float) -> str:
    """A number in a few characters: 0.123, 12.35, 1234, 2.3e154, 1.2e-5, NaN, ∞."""
    v = float(value)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "∞" if v > 0 else "−∞"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e4 or a < 1e-3:
        mantissa, exponent = f"{v:.1e}".split("e")
        return f"{mantissa.replace('.0', '')}e{int(exponent)}"
    return f"{v:.3f}" if a < 10 else f"{v:.4g}"


def snapshot_accuracy(run: TrainingRun) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """Fraction of training and of test points classified right at every snapshot (S,) (test: None without
    test points); both None for a regression (a linear output)."""
    from ..training import row_correct
    if run.activations[-1] == "linear":
        return None, None
    train = np.mean(row_correct(run.output_snapshots, run.targets, run.multiclass), axis=-1)
    test = None if run.test_output_snapshots is None else np.mean(
        row_correct(run.test_output_snapshots, run.test_targets, run.multiclass), axis=-1)
    return train, test


def header_texts(run: TrainingRun, per_epoch: int = 1) -> list[str]:
    """The figure's header at every snapshot: the epoch, the losses and the accuracy (test, else training)."""
    train_at, test_at = snapshot_losses(run)
    train_acc, test_acc = snapshot_accuracy(run)
    last = run.config.iterations / per_epoch  # the epochs set (a run that diverged stops before them)
    texts = []
    for k, iteration in enumerate(run.snapshot_iterations):
        words = [f"<b>Epoch {iteration / per_epoch:g}</b>/{last:g}", f"training loss {short(train_at[k])}"]
        if test_at is not None:
            words.append(f"test loss {short(test_at[k])}")
        if test_acc is not None:
            words.append(f"test accuracy {test_acc[k]:.0%}")
        elif train_acc is not None:
            words.append(f"training accuracy {train_acc[k]:.0%}")
        if run.diverged_at is not None and iteration >= run.diverged_at:
            words.append("diverged")
        texts.append(" · ".join(words))
    return texts


def choose_frames(count: int, wanted: int, current: int) -> np.ndarray:
    """About ``wanted`` snapshot indices of ``count``, evenly spaced, the first, last and ``current`` included."""
    even = np.round(np.linspace(0, count - 1, max(2, min(count, wanted)))).astype(int)
    return np.union1d(even, [current])


# ---- pictures

def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def palette(scale: Sequence, levels: int) -> np.ndarray:
    """(levels + 1, 3) uint8: the colour scale at 0, 1/levels, ..., 1 (a scale with two stops at one position
    steps there: below it the first, from it on the second)."""
    at = np.arange(levels + 1) / levels
    out = np.empty((levels + 1, 3))
    positions = np.array([float(p) for p, _ in scale])
    colours = np.array([_rgb(c) for _, c in scale], dtype=float)
    for i, p in enumerate(at):
        hi = int(np.searchsorted(positions, p, side="right"))
        if hi >= len(positions):
            out[i] = colours[-1]
            continue
        lo = max(hi - 1, 0)
        span = positions[hi] - positions[lo]
        t = 0.0 if span <= 0 else (p - positions[lo]) / span
        out[i] = colours[lo] + (colours[hi] - colours[lo]) * t
    return np.round(out).astype(np.uint8)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png(levels: np.ndarray, colours: np.ndarray, clear: Optional[int] = None) -> str:
    """A palette PNG as a data URI: ``levels`` (h, w) uint8 indices into ``colours`` (n, 3), each row filtered
    by its left neighbour (small steps compress well); entry ``clear`` transparent. Row 0 of ``levels`` is the
    picture's BOTTOM row, as in a heatmap's grid."""
    levels = np.ascontiguousarray(np.asarray(levels, dtype=np.uint8)[::-1])
    h, w = levels.shape
    rows = np.empty((h, w + 1), dtype=np.uint8)
    rows[:, 0] = 1  # filter "Sub": each pixel less its left neighbour
    rows[:, 1:] = np.diff(levels, axis=1, prepend=np.zeros((h, 1), dtype=np.uint8))
    same = np.flatnonzero(np.all(levels[1:] == levels[:-1], axis=1)) + 1
    rows[same] = 0
    rows[same, 0] = 2  # filter "Up" for a row repeating the one above: all zeros
    body = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
            + _chunk(b"PLTE", np.asarray(colours, dtype=np.uint8).tobytes())
            + (b"" if clear is None else _chunk(b"tRNS", bytes([255] * clear + [0])))
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(body).decode("ascii")


def png_rgba(pixels: np.ndarray) -> str:
    """An RGBA PNG as a data URI: ``pixels`` (h, w, 4) uint8, straight alpha, row 0 at the TOP."""
    pixels = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8))
    h, w, _ = pixels.shape
    rows = np.zeros((h, 1 + 4 * w), dtype=np.uint8)  # filter "None": mostly transparent rows compress well
    rows[:, 1:] = pixels.reshape(h, 4 * w)
    body = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(body).decode("ascii")


def png_rgba_pixels(uri: str) -> np.ndarray:
    """The (h, w, 4) pixels of a :func:`png_rgba` data URI, row 0 at the top."""
    body = base64.b64decode(uri.split(",", 1)[1])
    w, h = struct.unpack(">II", body[16:24])
    data = b""
    pos = 8
    while pos < len(body):
        size, tag = struct.unpack(">I4s", body[pos:pos + 8])
        if tag == b"IDAT":
            data += body[pos + 8:pos + 8 + size]
        pos += 12 + size
    rows = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(h, 4 * w + 1)
    assert not rows[:, 0].any()  # the filter png_rgba writes
    return rows[:, 1:].reshape(h, w, 4)


def png_levels(uri: str) -> tuple[np.ndarray, np.ndarray]:
    """The (levels, colours) of a :func:`png` data URI: its indices (row 0 at the bottom) and palette."""
    body = base64.b64decode(uri.split(",", 1)[1])
    pos, chunks = 8, {}
    while pos < len(body):
        size, tag = struct.unpack(">I4s", body[pos:pos + 8])
        chunks[tag] = chunks.get(tag, b"") + body[pos + 8:pos + 8 + size]
        pos += 12 + size
    w, h = struct.unpack(">II", chunks[b"IHDR"][:8])
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(h, w + 1)
    assert set(rows[:, 0].tolist()) <= {1, 2}  # the filters png() writes
    levels = np.cumsum(rows[:, 1:].astype(np.int64), axis=1) % 256
    for r in range(1, h):
        if rows[r, 0] == 2:
            levels[r] = (levels[r - 1] + rows[r, 1:]) % 256
    return levels[::-1].astype(np.uint8), np.frombuffer(chunks[b"PLTE"], dtype=np.uint8).reshape(-1, 3)


def boundary_palette(problem: str, classes: int, discretize: bool) -> np.ndarray:
    """The colours of :func:`boundary_levels`' values, as in the heatmap of :func:`boundary_figure`."""
    if classes > 2:
        return np.array([_rgb(_pale(CLASS_COLOURS[c])) for c in range(classes)], dtype=np.uint8)
    return palette(PLANE_STEPS if discretize else PLANE_SCALE, LEVELS)


MAP_PALETTE = np.vstack([palette(MAP_SCALE, MAP_LEVELS), [[140, 140, 140], [255, 255, 255]]]).astype(np.uint8)


def map_levels(maps: np.ndarray) -> np.ndarray:
    """Maps already scaled to [-1, 1] as uint8 0..MAP_LEVELS (NaN -> the middle)."""
    return np.round((np.clip(np.nan_to_num(maps), -1, 1) + 1) / 2 * MAP_LEVELS).astype(np.uint8)


def _centre_y(n: int, i: int) -> float:
    return ((n - 1) / 2 - i) * NET_ROW


def network_picture(columns: Sequence[np.ndarray], cells: int = MAP_CELLS) -> np.ndarray:
    """The network's maps laid out as the network, one uint8 picture (palette :data:`MAP_PALETTE`): column c's
    maps (n, cells - 2, cells - 2), top neuron first, centred at x = c * NET_COL, y = (n-1)/2 - i rows, each
    in a one-pixel frame, on the gap colour; row 0 at the bottom. ``cells`` pixels per NET_MAP units."""
    px = cells / NET_MAP  # pixels per network unit
    tallest = max(len(c) for c in columns)
    width = int(round(((len(columns) - 1) * NET_COL + NET_MAP) * px))
    height = int(round(((tallest - 1) * NET_ROW + NET_MAP) * px))
    out = np.full((height, width), MAP_GAP, dtype=np.uint8)
    for c, maps in enumerate(columns):
        levels = map_levels(maps)
        left = int(round(c * NET_COL * px))
        for i in range(len(maps)):
            bottom = int(round((_centre_y(len(maps), i) + (tallest - 1) / 2 * NET_ROW) * px))
            out[bottom:bottom + cells, left:left + cells] = MAP_FRAME
            out[bottom + 1:bottom + cells - 1, left + 1:left + cells - 1] = levels[i]
    return out


def _edge_paths(weights: Sequence[np.ndarray], sizes: Sequence[int],
                dead: Optional[Sequence[np.ndarray]] = None) -> list[str]:
    """SVG paths of the connections in the order of :func:`_edge_styles`: one per (positive, width bin), the
    bin by |w| over the largest finite |w| of this snapshot; last, the dead links (``dead``: per layer a
    boolean (fan_in, fan_out) mask, or None)."""
    finite = [np.abs(w[np.isfinite(w)]) for w in weights]
    scale = float(max([f.max() for f in finite if f.size] + [1e-9]))
    positions = [np.array([(l * NET_COL, _centre_y(n, i)) for i in range(n)]) for l, n in enumerate(sizes)]
    groups = EdgePaths(positions, inset=NET_MAP // 2, most=None).paths(weights, scale, dead)
    return [*(groups[(s, b)] for s in (True, False) for b in range(len(EDGE_PX))), groups.get("dead", "M0,0")]


def _edge_styles() -> list[dict]:
    live = [dict(type="path", xref="x3", yref="y3", layer="below", opacity=0.75,
                 line=dict(color=PLANE_POSITIVE if s else PLANE_NEGATIVE, width=EDGE_PX[b]))
            for s in (True, False) for b in range(len(EDGE_PX))]
    # a dead link: thin, grey and dotted, so that the sparse network L1 leaves stands out
    return live + [dict(type="path", xref="x3", yref="y3", layer="below", opacity=0.6,
                        line=dict(color=DEAD_LINK, width=1.0, dash="dot"))]


def _step_buttons(names: list[str], i: int) -> list[dict]:
    """Back and Step from frame ``i``: to its neighbours (the ends stay put)."""
    go_to = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    return [dict(label="◀ Back", method="animate", args=[[names[max(i - 1, 0)]], go_to]),
            dict(label="Step ▶", method="animate", args=[[names[min(i + 1, len(names) - 1)]], go_to])]


def _relative_step_buttons(names: list[str]) -> list[dict]:
    """Back and Step from whichever frame is shown, the same buttons at every frame. Plotly's ``fromcurrent``
    finds the FIRST place of the current frame in the list and plays what follows it, unless that place is
    the first or the last (then it plays the whole list): Step's [last, first, ..., last] plays the next
    frame, or the last again at the end; Back's [first, last, ..., first] the one before, or the first again.
    A frame lasting "forever" stops the animation after that one frame (the next click interrupts it).
    Only once a frame has been shown is there a current one: before, :func:`_step_buttons` serve."""
    once = dict(mode="immediate", fromcurrent=True, frame=dict(duration=1e9, redraw=True), transition=dict(duration=0))
    return [dict(label="◀ Back", method="animate", args=[[names[0], *names[::-1]], once]),
            dict(label="Step ▶", method="animate", args=[[names[-1], *names], once])]


def _image(uri: str, left: float, bottom: float, width: float, height: float, axes: str) -> dict:
    """A layout image of a :func:`png` stretched over [left, left + width] x [bottom, bottom + height] of the
    subplot ``axes``, under its traces. Layout images, not image traces: Plotly sets a layout image's data URI
    in the same redraw as the header, while an image trace waits for the picture to load first (the picture
    then lags the header by a frame)."""
    return dict(source=uri, xref="x" + axes, yref="y" + axes, x=left, y=bottom + height, sizex=width,
                sizey=height, sizing="stretch", xanchor="left", yanchor="top", layer="below")


def plane_figure(run: TrainingRun, dataset, features: Sequence[str], per_epoch: int = 1, current: int = -1,
                 discretize: bool = False, show_test: bool = False, node: Optional[tuple[int, int]] = None,
                 steps: bool = True, frames: int = 101, network: bool = True,
                 text_scale: float = 1.0) -> SpecFigure:
    """The page's one animated figure, ONE timeline for everything: a header (epoch, losses, accuracy), the
    network's output over the plane with the points, the loss curves with a line at the epoch shown, and the
    network drawn as every neuron's map over the plane with its connections, with ``node`` (column, neuron;
    default: the first output) large. A frame per chosen snapshot (about ``frames``, fewer when they would
    not fit :data:`FIGURE_BUDGET`, never fewer than :data:`MIN_FRAMES` or the snapshots), played, scrubbed or
    stepped (◀ Back / Step ▶ with ``steps``) in the browser. ``network=False`` leaves the network out.
    ``text_scale``: every text and control this many times its usual size (presenter mode).

    ``dataset``: the :class:`nnviz.datasets.Dataset` trained on (test points as diamonds, visible with
    ``show_test`` or from the legend). ``per_epoch``: updates in an epoch (the time axis is in epochs).
    ``current``: the snapshot shown first. Frames carry images only (:func:`png`) and a layout (the header,
    the "now" line, the connections, the step buttons): no scatter trace, so Plotly never takes its partial
    redraw that blanks the other layers.
    """
    from ..plane import boundary, feature_maps, neuron_maps
    count = len(run.snapshot_iterations)
    current = int(np.arange(count)[current])
    sizes = run.layout.sizes
    columns = len(sizes)
    names = network_names(run, features)
    node = (columns - 1, 0) if node is None or not (0 <= node[0] < columns and 0 <= node[1] < sizes[node[0]]) \
        else (int(node[0]), int(node[1]))
    train_at, test_at = snapshot_losses(run)
    headers = header_texts(run, per_epoch)
    epochs = run.snapshot_iterations / per_epoch
    colours = boundary_palette(dataset.problem, dataset.classes, discretize)

    def pictures(ks: np.ndarray, cells: int) -> list[dict]:
        """Per snapshot: the boundary, the large neuron, the network (PNG data URIs), the connections."""
        levels = boundary_levels(boundary(run, features, ks, 100), dataset.problem, dataset.classes)
        out = []
        for i, k in enumerate(ks):
            k = int(k)
            picture = dict(boundary=png(levels[i], colours), large="", network="", edges=[], cells=cells)
            if network:
                if node[0] == 0:
                    large = display_maps(feature_maps(features, LARGE_GRID), "feature")[node[1]]
                else:
                    maps = neuron_maps(run, features, k, size=LARGE_GRID)[node[0] - 1]
                    kind = run.activations[node[0] - 1]
                    large = (output_display(run, maps) if node[0] == columns - 1
                             else display_maps(maps, kind))[node[1]]
                whole = network_picture(network_layers(run, features, run.parameters[k], cells - 2), cells)
                # twice the pixels: the browser smooths a stretched image, which would blur a map's frame
                picture.update(large=png(map_levels(large), MAP_PALETTE),
                               network=png(np.repeat(np.repeat(whole, 2, axis=0), 2, axis=1), MAP_PALETTE,
                                           clear=MAP_GAP),
                               edges=_edge_paths(run.layout.weights(run.parameters[k]), sizes,
                                                 None if run.dead_links is None
                                                 else run.layout.weights(run.dead_links[k])))
            out.append(picture)
        return out

    # The points: one picture drawn once (a full redraw styles every SVG marker again, ~10 ms a frame for
    # a few hundred), under traces that only hover (mode "none": nothing drawn).
    points = _class_point_traces(dataset, show_test)
    points_uri = png_rgba(points_pixels(points))
    hover = [dict(t, mode="none", hoveron="points") for t in points]

    # frames: as many as fit the budget (measured on the current snapshot's pictures), the finest maps first
    wanted = min(frames, count)
    for cells in MAP_CELL_CHOICES:
        now = pictures(np.array([current]), cells)[0]
        per_frame = 1.04 * (len(now["boundary"]) + len(now["large"]) + len(now["network"])
                            + sum(len(p) for p in now["edges"]) + 900 + 2 * len(headers[current]))
        static = 50_000 + len(points_uri) + 26 * len(dataset.labels) + 2 * len(now["network"])
        fits = int((FIGURE_BUDGET - static) // per_frame)
        if fits >= wanted:
            break
    shown = choose_frames(count, max(min(MIN_FRAMES, wanted), min(wanted, fits)), current)
    at = int(np.searchsorted(shown, current))
    drawn = pictures(shown, cells)

    # --- traces: points, loss curves, the neurons' names (hover); the pictures are layout images
    data: list[dict] = hover
    keep = np.unique(np.round(np.linspace(0, len(run.loss) - 1, min(len(run.loss), LOSS_POINTS))).astype(int))
    # each loss where it was measured: once an epoch on this page (run.loss_iterations), not at update i
    x = np.round(run.loss_iterations[keep] / per_epoch, 3).tolist()
    data.append(dict(type="scatter", x=x, y=_values([float(f"{v:.4g}") for v in run.loss[keep]]), mode="lines",
                     name="training loss", line=dict(color="#111418", width=2.5), xaxis="x2", yaxis="y2",
                     hovertemplate="epoch %{x}<br>training loss %{y:.4g}<extra></extra>"))
    if run.test_loss is not None:
        data.append(dict(type="scatter", x=x, y=_values([float(f"{v:.4g}") for v in run.test_loss[keep]]),
                         mode="lines", name="test loss", line=dict(color="#7f7f7f", width=2.5, dash="dash"),
                         xaxis="x2", yaxis="y2",
                         hovertemplate="epoch %{x}<br>test loss %{y:.4g}<extra></extra>"))
    if network:
        _network_traces(data, run, features)
    return _finish(run, dataset, data, drawn, shown, at, current, node, per_epoch, steps, network, names,
                   headers, train_at, test_at, epochs, points_uri, text_scale)


def _pictures_at(drawn: dict, run: TrainingRun, node, network: bool) -> list[dict]:
    """The layout images of one frame: the boundary, then (with the network) the large neuron and the network."""
    from ..datasets import DOMAIN
    step = 2 * DOMAIN / 99  # the boundary's 100 points span [-DOMAIN, DOMAIN]: pixels a step wide
    images = [_image(drawn["boundary"], -DOMAIN - step / 2, -DOMAIN - step / 2, 2 * DOMAIN + step,
                     2 * DOMAIN + step, "")]
    if network:
        lstep = 2 * DOMAIN / (LARGE_GRID - 1)
        images.append(_image(drawn["large"], -DOMAIN - lstep / 2, -DOMAIN - lstep / 2, 2 * DOMAIN + lstep,
                             2 * DOMAIN + lstep, "4"))
        sizes = run.layout.sizes
        tallest = max(sizes)
        images.append(_image(drawn["network"], -NET_MAP / 2, -((tallest - 1) / 2 * NET_ROW) - NET_MAP / 2,
                             (len(sizes) - 1) * NET_COL + NET_MAP, (tallest - 1) * NET_ROW + NET_MAP, "3"))
    return images


def _network_traces(data: list, run: TrainingRun, features) -> None:
    """Append the neurons' names (hover, over their maps) and an empty trace that makes the large neuron's
    subplot."""
    names = network_names(run, features)
    sizes = run.layout.sizes
    centres = [(c * NET_COL, _centre_y(n, i), names[c][i]) for c, n in enumerate(sizes) for i in range(n)]
    # hover only (mode "none": no marker to draw at every redraw)
    data.append(dict(type="scatter", mode="none", hoveron="points", x=[c[0] for c in centres],
                     y=[c[1] for c in centres], text=[c[2] for c in centres],
                     hovertemplate="%{text}<extra></extra>", showlegend=False, name="neurons",
                     xaxis="x3", yaxis="y3"))
    data.append(dict(type="scatter", x=[], y=[], xaxis="x4", yaxis="y4", showlegend=False, name="large",
                     hoverinfo="skip"))


def _finish(run, dataset, data, drawn, shown, at, current, node, per_epoch, steps, network, names,
            headers, train_at, test_at, epochs, points_uri, text_scale: float = 1.0) -> SpecFigure:
    """Frames and layout of :func:`plane_figure`."""
    from ..datasets import DOMAIN

    def px(size: float) -> int:
        return scaled(size, text_scale)

    sizes = run.layout.sizes
    columns = len(sizes)
    tallest = max(sizes)
    frame_names = [str(int(run.snapshot_iterations[k])) for k in shown]

    # --- frames: images and layout only
    go_to = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    frame_list, slider_steps = [], []
    stride = -(-len(shown) // SLIDER_STEPS)
    for i, k in enumerate(shown):
        k = int(k)
        images = [dict(source=drawn[i]["boundary"])]
        if network:
            images += [dict(source=drawn[i]["large"]) if node[0] else {}, dict(source=drawn[i]["network"])]
        layout: dict[str, Any] = dict(images=images,
                                      shapes=[dict(x0=float(epochs[k]), x1=float(epochs[k]))]
                                      + [dict(path=p) for p in drawn[i]["edges"]])
        layout["annotations"] = [dict(text=headers[k])]
        if steps:  # once a frame is shown, Back/Step step from it (see _relative_step_buttons)
            layout["updatemenus"] = [{}, dict(visible=False), {}, dict(visible=True)]
        frame_list.append(dict(name=frame_names[i], data=[], traces=[], layout=layout))
        # The slider redraws every step (and measures its label) with each frame: at most SLIDER_STEPS steps,
        # every label alike (a cache hit); Back and Step, and Play, visit every frame.
        if i % stride == 0 or i == len(shown) - 1 or i == at:
            slider_steps.append(dict(label="", method="animate", args=[[frame_names[i]], go_to]))

    # --- layout: pixel rows (header, plane + loss, controls, network + large neuron)
    planned = run.config.iterations / per_epoch
    net_height = tallest * NET_ROW - (NET_ROW - NET_MAP) + 9  # layer names above
    net_width = (columns - 1) * NET_COL + NET_MAP + 14  # feature names on the left
    unit = min(5.2, 500 / net_width, 380 / net_height)  # px per network unit at the page's width (1280 px)
    top, bottom, row1, band = px(44), 8, 350, px(64)
    row2 = int(max(210, unit * net_height)) if network else 0
    height = top + row1 + band + row2 + bottom
    area = height - top - bottom
    row1_low = 1 - row1 / area
    row2_high = max(row2 / area, 0.01)
    controls_y = row1_low - px(30) / area  # paper y of the controls' top edge, below the plane's x axis
    xaxis, yaxis = _plane_axes((0.0, 0.42), title=False, text_scale=text_scale)
    yaxis["domain"] = [row1_low, 1.0]
    finite = [v for v in (*train_at, *(test_at if test_at is not None else ())) if np.isfinite(v)]
    loss_top = max(finite + list(_values_finite(run.loss)) + [1e-3])
    first = float(run.loss[0]) if np.isfinite(run.loss[0]) and run.loss[0] > 0 else loss_top
    loss_top = min(loss_top, 10 * first)  # a diverged run's curve leaves the top; "log" shows all of it
    y_half = (tallest - 1) / 2 * NET_ROW + NET_MAP / 2
    node_x, node_y = node[0] * NET_COL, _centre_y(sizes[node[0]], node[1])
    shapes = [dict(type="line", xref="x2", yref="y2 domain", x0=float(epochs[current]), x1=float(epochs[current]),
                   y0=0, y1=1, line=dict(color=LOSS_NOW, width=2.5))]
    shapes += [dict(style, path=p) for style, p in zip(_edge_styles(), drawn[at]["edges"])]
    if network:  # the neuron shown large, outlined
        shapes.append(dict(type="rect", xref="x3", yref="y3", x0=node_x - NET_MAP / 2 - 1, x1=node_x + NET_MAP / 2 + 1,
                           y0=node_y - NET_MAP / 2 - 1, y1=node_y + NET_MAP / 2 + 1,
                           line=dict(color="#111418", width=2)))
    titles = ["Features"] + [f"Layer {l}" for l in range(1, columns - 1)] + ["Output"]
    step_menu = dict(type="buttons", direction="left", x=0.16, y=controls_y, xanchor="left", yanchor="top",
                     showactive=False, font=dict(size=px(FONT_SIZE)), pad=dict(t=0))
    menus = [dict(type="buttons", direction="left", x=0.0, y=controls_y, xanchor="left", yanchor="top",
                  showactive=False, font=dict(size=px(FONT_SIZE)), pad=dict(t=0, r=4), buttons=[
                      dict(label="Play", method="animate",
                           # a full redraw for the first frame (it swaps the Back/Step buttons), then only
                           # the parts placed on axes; one entry per frame played (past the list, the first)
                           args=[None, dict(frame=[dict(duration=FRAME_MS, redraw=True)]
                                            + [dict(duration=FRAME_MS, redraw=False)] * len(shown),
                                            fromcurrent=True, transition=dict(duration=0), mode="immediate")]),
                      dict(label="Pause", method="animate",
                           args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate",
                                              transition=dict(duration=0))])]),
             dict(step_menu, visible=steps, buttons=_step_buttons(frame_names, at)),
             # A loss that falls fast at first hides the rest of the curve: a log scale shows it.
             dict(type="buttons", direction="left", x=1.0, y=1.0, xanchor="right", yanchor="bottom",
                  showactive=True, active=0, font=dict(size=px(FONT_SIZE - 1)), pad=dict(r=0, t=0, b=2),
                  buttons=[dict(label="linear", method="relayout",
                                args=[{"yaxis2.type": "linear", "yaxis2.range": [0, loss_top * 1.05],
                                       "yaxis2.dtick": None}]),
                           dict(label="log", method="relayout",
                                args=[{"yaxis2.type": "log", "yaxis2.autorange": True, "yaxis2.dtick": 1}])]),
             # the same place as menu 1, shown instead of it by every frame
             dict(step_menu, visible=False, buttons=_relative_step_buttons(frame_names))]
    hidden_axis = dict(visible=False, fixedrange=True)
    loss_x, loss_y = [0.52, 1.0], [row1_low + 40 / area, 1.0 - 26 / area]  # the loss chart's domain
    layout = _base_layout(
        height, showlegend=False, margin=dict(l=40, r=12, t=top, b=bottom),
        font=dict(size=px(FONT_SIZE), color="#111418"),
        # The header is an annotation: Plotly draws annotations with the shapes and the layout images, in one
        # go; its title and menus come a paint later (the header would lag the pictures by a frame). Placed on
        # the loss chart's axes (at the figure's top left): Play's frames redraw only what is on axes.
        annotations=[dict(text=headers[current], x=-loss_x[0] / (loss_x[1] - loss_x[0]),
                          y=(1 - loss_y[0]) / (loss_y[1] - loss_y[0]), xref="x2 domain", yref="y2 domain",
                          xanchor="left", yanchor="bottom", yshift=10, showarrow=False,
                          font=dict(size=px(HEADER_SIZE), color="#111418"))]
        # the legend above the loss chart's top left, off the data: a falling curve starts high on the left
        # but never above its chart, and the line at the epoch shown crosses the chart's whole height
        + ([dict(text="━ training   <span style='color:#7f7f7f'>╍ test</span>", x=loss_x[0], y=loss_y[1],
                           xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                           bgcolor="rgba(255,255,255,0.85)", font=dict(size=px(FONT_SIZE - 2), color="#111418"))]
           if run.test_loss is not None else []),
        xaxis=xaxis, yaxis=yaxis,
        xaxis2=dict(domain=loss_x, anchor="y2", gridcolor="#e5e5e5", zeroline=False, fixedrange=True,
                    range=[-0.03 * planned, 1.03 * planned], tickfont=dict(size=px(FONT_SIZE - 1)),
                    title=dict(text="epoch", standoff=2, font=dict(size=px(FONT_SIZE - 1)))),
        yaxis2=dict(domain=loss_y, anchor="x2", gridcolor="#e5e5e5",
                    zeroline=False, fixedrange=True, range=[0, loss_top * 1.05], tickfont=dict(size=px(FONT_SIZE - 1)),
                    title=dict(text="loss", standoff=2, font=dict(size=px(FONT_SIZE - 1))), exponentformat="power"),
        shapes=shapes, updatemenus=menus,
        # the points last: frames change the images before them by position; over the boundary (both "below")
        images=_pictures_at(drawn[at], run, node, network)
        + [dict(_image(points_uri, -DOMAIN, -DOMAIN, 2 * DOMAIN, 2 * DOMAIN, ""), name="points")],
        sliders=[dict(active=[s["args"][0][0] for s in slider_steps].index(frame_names[at]), steps=slider_steps, x=0.37, len=0.63, y=controls_y + 4 / area, yanchor="top",
                      pad=dict(t=0, b=0), currentvalue=dict(visible=False),
                      font=dict(color="rgba(0,0,0,0)", size=px(8)), ticklen=px(3), tickwidth=px(1), minorticklen=0)],
    )
    if network:
        layout.update(
            xaxis3=dict(hidden_axis, visible=True, showgrid=False, zeroline=False, showline=False, ticks="",
                        side="top", tickvals=[c * NET_COL for c in range(columns)], ticktext=[f"<b>{t}</b>" for t in titles],
                        tickfont=dict(size=px(FONT_SIZE - 1)), domain=[0.0, 0.70], anchor="y3", constrain="domain",
                        constraintoward="left", range=[-NET_MAP / 2 - 13, (columns - 1) * NET_COL + NET_MAP / 2 + 1]),
            yaxis3=dict(hidden_axis, visible=True, showgrid=False, zeroline=False, showline=False, ticks="",
                        tickvals=[_centre_y(sizes[0], i) for i in range(sizes[0])], ticktext=names[0],
                        tickfont=dict(size=px(FONT_SIZE - 1)), domain=[0.0, row2_high - 24 / area], anchor="x3",
                        scaleanchor="x3", scaleratio=1, constrain="domain", constraintoward="top",
                        range=[-y_half - 1, y_half + 1]),
            xaxis4=dict(hidden_axis, domain=[0.74, 1.0], anchor="y4", constrain="domain", constraintoward="left",
                        range=[-DOMAIN, DOMAIN], visible=True, showgrid=False, zeroline=False, ticks="", showticklabels=False,
                        side="top", title=dict(text=f"<b>{names[node[0]][node[1]]}</b> over the plane",
                                               font=dict(size=px(FONT_SIZE - 1)), standoff=4)),
            yaxis4=dict(hidden_axis, domain=[0.0, row2_high - 24 / area], anchor="x4", scaleanchor="x4", scaleratio=1,
                        constrain="domain", constraintoward="top", range=[-DOMAIN, DOMAIN])
        )
    tick_labels_unmeasured(layout)  # these labels always fit
    return SpecFigure(dict(data=data, layout=layout, frames=frame_list))
