"""Shared sizes, colours and small helpers of every figure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

MAX_FRAMES = 101  # every snapshot of the default run (101 snapshots) is a frame


FRAME_BYTES = 1_800_000  # bytes of JSON all of a figure's frames may take: the page's charts stay under 2 MB


MAX_PREDICTION_ROWS = 16  # a projector shows no more; the full table is below the chart


MAX_EDGES = 160  # strongest connections drawn per frame in big networks


MAX_LOSS_POINTS = 800


WEIGHT_DECIMALS = 3


EDGE_BINS = (0.25, 0.5, 0.75)  # |w| / max|w| thresholds between the four line widths


EDGE_WIDTHS = (1.0, 2.5, 4.5, 7.0)


POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # ColorBrewer RdBu ends: blue +, red -


FONT_SIZE = 15


def tick_labels_unmeasured(layout: dict) -> None:
    """In place: every axis of ``layout`` draws its tick labels without measuring them. Plotly's default
    ("hide past div") measures each label against the figure at every draw, a forced layout of the whole page
    each (13-18 ms of the truth-table figure's first draw in the app); the builders make their labels fit."""
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            axis["ticklabeloverflow"] = "allow"


def scaled(size: float, text_scale: float = 1.0) -> int:
    """A text size (or a px length that holds text) ``text_scale`` times larger, rounded up: every size grows
    by at least the scale."""
    return int(np.ceil(size * text_scale - 1e-9))


HEIGHT = 544  # fits a 1280x720 projector screen under the page heading and the summary, buttons included


PLOT_WIDTH = 850  # px the chart gets beside the sidebar at 1280 wide, for sizing text


MIN_CELL = (44, 22)  # px a cell needs to show its value


BIAS_ROW = "bias"  # the heatmap row of a layer's biases


# Categories of the prediction grid's colour: a row right, a row wrong.
RIGHT_COLOUR, WRONG_COLOUR = "#c7e9c0", "#fcbba1"


# Negative red, zero white, positive blue: the same colours as the network's edges.
WEIGHT_SCALE = [[0.0, NEGATIVE], [0.5, "#f7f7f7"], [1.0, POSITIVE]]


@dataclass(frozen=True)
class Palette:
    """The colours a figure is drawn with, passed in (presenter mode has its own)."""

    positive: str = POSITIVE
    negative: str = NEGATIVE
    right: str = RIGHT_COLOUR
    wrong: str = WRONG_COLOUR
    sign_words: str = "blue +, red −"

    @property
    def weight_scale(self) -> list:
        return [[0.0, self.negative], [0.5, "#f7f7f7"], [1.0, self.positive]]


PALETTE = Palette()


class Axes:
    """Hands out a figure's axis pairs in order (x/y, x2/y2, ...) with their domains, so no builder numbers
    axes by hand; ``layout`` holds the axes to merge into the figure's layout."""

    def __init__(self) -> None:
        self.layout: dict = {}

    def add(self, x_domain: Sequence[float], y_domain: Sequence[float], x: Optional[dict] = None,
            y: Optional[dict] = None) -> tuple[str, str]:
        """A new subplot over paper domains ``x_domain`` and ``y_domain``, with options ``x`` and ``y`` for its
        axes. Returns its ("x<n>", "y<n>") for the traces."""
        n = len(self.layout) // 2 + 1
        suffix = "" if n == 1 else str(n)
        self.layout[f"xaxis{suffix}"] = dict(domain=list(x_domain), anchor=f"y{suffix}", **(x or {}))
        self.layout[f"yaxis{suffix}"] = dict(domain=list(y_domain), anchor=f"x{suffix}", **(y or {}))
        return f"x{suffix}", f"y{suffix}"

    def axis(self, ref: str) -> dict:
        """The layout entry of axis "x3" / "y" etc., to set more options."""
        return self.layout[ref[0] + "axis" + ref[1:]]


def short(value: float, width: int = 6) -> str:
    """A number in at most ``width`` (5 or 6) characters: -0.47, 12.35, 1234.4, 2.3e15, 2e154, NaN; only a
    negative number past -1e100 takes 6 whatever the width (-2e154)."""
    v = float(value)
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    if abs(v) < 0.005:
        return "0.00"
    if abs(v) < 1e6:
        for digits in (2, 1, 0):
            text = f"{v:.{digits}f}"
            if len(text) <= width and (digits or abs(v) >= 1):
                return text
    for digits in (1, 0):
        mantissa, exponent = f"{v:.{digits}e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
        if len(text) <= width:
            return text
    return text


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _cell(value: float) -> str:
    """A table value as written: 1 not 1.00, 0.25 as is."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"


def _sig(value: float) -> Optional[float]:
    return float(f"{value:.4g}") if np.isfinite(value) else None


def _lean(traces: list[dict]) -> list[dict]:
    """Frame traces carry only what changes: data arrays, not styling already in the base trace."""
    keep = {"scatter": ("x", "y"), "heatmap": ("z", "text")}
    return [{"type": t["type"], **{k: t[k] for k in keep[t["type"]] if k in t}} for t in traces]


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


def _values_finite(a) -> list:
    return [v for v in _values(a) if v is not None]

