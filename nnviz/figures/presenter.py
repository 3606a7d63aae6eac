"""Presenter mode: the same figure with the colour-blind-safe palette and larger type."""
from __future__ import annotations

import plotly.graph_objects as go

from .style import FONT_SIZE, NEGATIVE, POSITIVE, RIGHT_COLOUR, WRONG_COLOUR, Palette, scaled

# Okabe-Ito blue and vermillion for the signs of weights, paler ones for right/wrong: distinct for every
# colour vision, and darker than the usual palette for a washed-out projector.
PRESENTER_POSITIVE, PRESENTER_NEGATIVE = "#0072B2", "#D55E00"


PRESENTER_RIGHT, PRESENTER_WRONG = "#bfe1f5", "#f9c98f"


# The truth-table figure takes its palette as an argument (no rewriting of its frames afterwards).
PRESENTER_PALETTE = Palette(positive=PRESENTER_POSITIVE, negative=PRESENTER_NEGATIVE, right=PRESENTER_RIGHT,
                            wrong=PRESENTER_WRONG, sign_words="blue +, orange −")


PRESENTER_TEXT_SCALE = 1.4  # presenter mode's type, times the usual: read from the back row of a lecture hall


PRESENTER_PLOT_WIDTH = 1150  # px of the chart at 1280 wide in presenter mode: its sidebar opens over the page


_PRESENTER_COLOURS = {POSITIVE: PRESENTER_POSITIVE, NEGATIVE: PRESENTER_NEGATIVE,
                      RIGHT_COLOUR: PRESENTER_RIGHT, WRONG_COLOUR: PRESENTER_WRONG}


_FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont")


def presenter_style(fig: go.Figure, text_scale: float = PRESENTER_TEXT_SCALE) -> go.Figure:
    """The same (static) figure for a projector: the colour-blind-safe blue/vermillion palette, every font
    ``text_scale`` times larger, and half as much again in height for the larger type (1 keeps the sizes)."""
    spec = fig.to_plotly_json()

    def restyle(node, font: bool = False):
        if isinstance(node, dict):
            for key, value in node.items():
                if font and key == "size" and isinstance(value, (int, float)):
                    node[key] = scaled(value, text_scale)
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
    layout.setdefault("font", {}).setdefault("size", scaled(FONT_SIZE, text_scale))
    if layout.get("height"):
        layout["height"] = scaled(layout["height"], 1 + (text_scale - 1) / 2)
    return go.Figure(data=spec.get("data"), layout=layout, frames=spec.get("frames"), _validate=False)

