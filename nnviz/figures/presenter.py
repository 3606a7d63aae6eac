"""Presenter mode: the same figure with the colour-blind-safe palette and larger type."""
from __future__ import annotations

import plotly.graph_objects as go

from .style import FONT_SIZE, NEGATIVE, POSITIVE, RIGHT_COLOUR, WRONG_COLOUR, Palette

# Okabe-Ito blue and vermillion for the signs of weights, paler ones for right/wrong: distinct for every
# colour vision, and darker than the usual palette for a washed-out projector.
PRESENTER_POSITIVE, PRESENTER_NEGATIVE = "#0072B2", "#D55E00"


PRESENTER_RIGHT, PRESENTER_WRONG = "#bfe1f5", "#f9c98f"


# The truth-table figure takes its palette as an argument (no rewriting of its frames afterwards).
PRESENTER_PALETTE = Palette(positive=PRESENTER_POSITIVE, negative=PRESENTER_NEGATIVE, right=PRESENTER_RIGHT,
                            wrong=PRESENTER_WRONG, sign_words="blue +, orange −")


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

