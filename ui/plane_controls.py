"""The plane page's controls: its settings in session state and the URL, and the sidebar of widgets.

The settings live in ``st.session_state.pl_settings`` (a dict keyed by
:data:`ui.planeurl.FIELDS`) and in the URL; every widget key starts with
``pl_`` so nothing collides with the truth-table page's state. A control that
the link hides (``hide=``) is not drawn, and its setting keeps the link's value.
"""
from __future__ import annotations

import random
from typing import Any, Optional

import streamlit as st

import nnviz
from nnviz import playground
from . import page, planeurl
from nnviz.datasets import CLASSIFICATION, DOMAIN, REGRESSION, load_points_csv
from nnviz.text import markdown_text

ss = st.session_state

DATASET_LABELS = {"circle": "Circle", "xor": "XOR", "gauss": "Two Gaussians", "spiral": "Spiral",
                  "plane": "Plane", "multigauss": "Multi-Gaussian", "csv": "Your CSV points"}
PROBLEMS = {"classification": CLASSIFICATION, "regression": REGRESSION}

# ---------------------------------------------------------------- state

def start_session() -> None:
    """Once per visit: the settings from the link (or the defaults), with a notice for each value ignored."""
    page.start_session("pl_settings", _begin)


def _begin(params: dict) -> None:
    settings, notices = planeurl.parse(params)
    ss.pl_settings = settings
    ss.pl_notices = [markdown_text(n) for n in notices]  # shown as markdown: link text made plain here
    ss.pl_problem = "regression" if settings["dataset"] in REGRESSION else "classification"
    ss.pl_csv = None  # {"name", "data"} of uploaded points
    ss.pl_last_good = None


def settings() -> dict:
    return ss.pl_settings


def hidden(name: str) -> bool:
    return name in settings()["hide"]


def set_setting(name: str, value: Any) -> None:
    """Change a setting and its widget (from a callback, before the widgets are drawn)."""
    settings()[name] = value
    ss["pl_" + name] = value


def control(name: str, **overrides):
    """The setting ``name``'s widget as its schema says (ui.planeurl.FIELDS; key ``pl_<name>``), ``overrides``
    replacing any of its arguments; not drawn when the link hides it."""
    if hidden(name):
        return settings()[name]
    key = "pl_" + name
    if key not in ss:
        ss[key] = settings()[name]
    setting = planeurl.FIELDS_BY_NAME[name]
    settings()[name] = setting.convert(page.draw(setting, st, key, **overrides))
    return settings()[name]


# ---------------------------------------------------------------- callbacks

def _problem_changed() -> None:
    problem = ss.pl_problem_choice or ss.pl_problem
    ss.pl_problem = ss.pl_problem_choice = problem
    if settings()["dataset"] != "csv":
        set_setting("dataset", PROBLEMS[problem][0])


def _regenerate() -> None:
    set_setting("data_seed", random.SystemRandom().randrange(int(nnviz.LIMITS["seed"].maximum) + 1))


def _resize(layer: Optional[int], change: int) -> None:
    """Add (+1) or remove (-1) a hidden layer (``layer`` None) or a neuron of one layer."""
    widths = list(settings()["hidden"])
    if layer is None:
        if change > 0 and len(widths) < nnviz.LIMITS["hidden_layers"].maximum:
            widths.append(widths[-1] if widths else 2)
        elif change < 0 and widths:
            widths.pop()
    elif 0 <= layer < len(widths):
        widths[layer] = min(playground.MAX_WIDTH, max(1, widths[layer] + change))
    settings()["hidden"] = tuple(widths)


def _load_csv() -> None:
    loaded = page.read_upload("pl_csv_file", "pl_csv_notice", lambda data: (data, load_points_csv(
        data, ss.pl_problem, planeurl.engine_value(settings(), "ratio"), settings()["data_seed"])))
    if loaded is None:
        return
    upload, (data, _) = loaded
    ss.pl_csv = {"name": upload.name, "data": data}
    set_setting("dataset", "csv")


# ---------------------------------------------------------------- sidebar

def sidebar() -> None:
    """Every setting of the run, in TensorFlow Playground's order: data, features, network, training, view."""
    bar = st.sidebar
    bar.markdown("## nnviz · the plane")
    with bar:
        data_controls()
        if not hidden("features"):
            st.header("Features")
        control("features")
        network_controls()
        training_controls()
        if not (hidden("show_test") and hidden("discretize")):
            st.header("View")
        control("show_test")
        control("discretize", disabled=classes() > 2)


def classes() -> int:
    s = settings()
    return int(s["classes"]) if s["dataset"] in playground.MULTI_CLASS else 2


def data_controls() -> None:
    s = settings()
    if not all(hidden(n) for n in ("problem", "dataset", "classes", "ratio", "noise", "points", "regenerate", "csv")):
        st.header("Data")
    if not hidden("problem"):
        if "pl_problem_choice" not in ss:
            ss.pl_problem_choice = ss.pl_problem
        st.segmented_control("Problem", list(PROBLEMS), key="pl_problem_choice", on_change=_problem_changed,
                             required=True,
                             format_func=str.capitalize, help="Classification: classes of points. "
                             "Regression: a number at each point.")
    names = list(PROBLEMS[ss.pl_problem]) + (["csv"] if ss.pl_csv else [])
    if s["dataset"] not in names:
        set_setting("dataset", names[0])
    control("dataset", options=names, format_func=DATASET_LABELS.get)
    if s["dataset"] in playground.MULTI_CLASS:
        control("classes")
    control("ratio")
    if s["dataset"] != "csv":
        control("noise")
        control("points")
    if not hidden("regenerate"):
        st.button("Regenerate", key="pl_regenerate", on_click=_regenerate, icon=":material/refresh:",
                  help="New points from a new seed (and a new training/test split)")
    if not hidden("csv"):
        csv_loader()


def csv_loader() -> None:
    """Choosing a file reruns only this fragment until the points load; then the whole page reruns."""
    page.csv_upload("Your own points (CSV)", "A CSV file with a header row x1,x2,label", "pl_csv_file", _load_csv,
                    "pl_csv_notice", _csv_shown_first,
                    help=f"Up to {int(nnviz.LIMITS['points'].maximum)} points; classification labels "
                         "0, 1, 2, ... (or -1/1), regression labels in [-1, 1]. Points are drawn in "
                         f"[-{DOMAIN:g}, {DOMAIN:g}]².")


def _csv_shown_first() -> bool:
    """Whether uploaded points are the dataset and not yet drawn by the whole page."""
    if ss.get("pl_csv") and settings()["dataset"] == "csv" and ss.get("pl_csv_shown") != ss.pl_csv["name"]:
        ss.pl_csv_shown = ss.pl_csv["name"]
        return True
    return False


def network_controls() -> None:
    widths = settings()["hidden"]
    if not (hidden("layers") and hidden("neurons") and hidden("activation")):
        st.header("Network")
    if not hidden("layers"):
        label, minus, plus = st.columns([3, 1, 1], vertical_alignment="center")
        label.markdown(f"**{len(widths)} hidden layer{'s' if len(widths) != 1 else ''}**")
        minus.button("", key="pl_layer_minus", icon=":material/remove:", on_click=_resize, args=(None, -1),
                     disabled=not widths, help="Remove the last hidden layer")
        plus.button("", key="pl_layer_plus", icon=":material/add:", on_click=_resize, args=(None, 1),
                    disabled=len(widths) >= nnviz.LIMITS["hidden_layers"].maximum, help="Add a hidden layer")
    if not hidden("neurons"):
        for l, width in enumerate(widths):
            label, minus, plus = st.columns([3, 1, 1], vertical_alignment="center")
            label.markdown(f"Layer {l + 1}: {width} neuron{'s' if width != 1 else ''}")
            minus.button("", key=f"pl_neuron_minus_{l}", icon=":material/remove:", on_click=_resize,
                         args=(l, -1), disabled=width <= 1, help=f"One neuron less in layer {l + 1}")
            plus.button("", key=f"pl_neuron_plus_{l}", icon=":material/add:", on_click=_resize, args=(l, 1),
                        disabled=width >= playground.MAX_WIDTH, help=f"One neuron more in layer {l + 1}")
    control("activation")


def training_controls() -> None:
    names = ("learning_rate", "regularization", "reg_rate", "batch_size", "epochs", "seed")
    if not all(hidden(n) for n in names):
        st.header("Training")
    for name in names:
        control(name, **({"disabled": settings()["regularization"] == "none"} if name == "reg_rate" else {}))
