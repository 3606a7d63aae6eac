"""Small static figures for the "Look closer" panels: one question each, no frames."""
from __future__ import annotations

import warnings
from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from ..diagnostics import PASS_ERROR
from ..limits import DECISION_THRESHOLD
from ..training import TrainingRun
from .network import neuron_names
from .style import (
    A_COLOUR,
    B_COLOUR,
    BAND_COLOUR,
    BIAS_ROW,
    CHANGE_SHOWN,
    DIVERGED_COLOUR,
    FAILED_COLOUR,
    FONT_SIZE,
    GRADCHECK_RANGE,
    LEARNED_COLOUR,
    POSITIVE,
    TOOL_HEIGHT,
    WEIGHT_SCALE,
    _base_layout,
    _cell,
    _corner_legend,
    _thin,
    _title,
    _values,
    row_labels,
)


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

