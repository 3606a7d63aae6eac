"""The 2-D playground page (TensorFlow Playground's view): the run, its charts, stepping, the classroom link.

The controls and the page's settings are in :mod:`ui.plane_controls`; this module trains (cached), draws the
one animated figure, the network of neuron maps, the weight editor, and keeps the URL in step.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Callable, Optional
from urllib.parse import urlencode

import numpy as np
import streamlit as st

import nnviz
from nnviz import playground
from . import page as shared, planeurl
from nnviz.datasets import DOMAIN, Dataset, load_points_csv
from nnviz.figures import PRESENTER_TEXT_SCALE, boundary_figure, network_names, plane_figure
from nnviz.figures.plane import short

from .cache import byte_cache
from .chart import STATIC_CONFIG, plotly_chart
from .plane_controls import classes, control, hidden, set_setting, settings, sidebar, ss, start_session
from .teaching import presenter_css

log = logging.getLogger("nnviz.app")


# ---------------------------------------------------------------- the run

def data_key() -> str:
    """Identifies the points: the generator's settings, or the uploaded file with the problem."""
    s = settings()
    if s["dataset"] == "csv" and ss.pl_csv:
        digest = hashlib.sha1(ss.pl_csv["data"]).hexdigest()
        return json.dumps(["csv", digest, ss.pl_problem, s["ratio"], s["data_seed"]])
    return json.dumps([s["dataset"], classes(), s["points"], s["noise"], s["ratio"], s["data_seed"]])


@byte_cache(show_spinner=False)
def cached_dataset(key: str, csv: Optional[bytes]) -> Dataset:
    kind = json.loads(key)
    if kind[0] == "csv":
        return load_points_csv(csv, kind[2], planeurl.engine_value({"ratio": kind[3]}, "ratio"), kind[4])
    name, classes, points, noise, ratio, data_seed = kind
    return planeurl.dataset_from(dict(dataset=name, classes=classes, points=points, noise=noise, ratio=ratio,
                                        data_seed=data_seed))


@byte_cache(show_spinner="Training…")
def cached_run(key: str, csv: Optional[bytes], features: tuple, config_json: str, epochs: tuple,
               earlier: tuple = ()) -> nnviz.TrainingRun:
    """The run with snapshots at ``epochs``; with ``earlier``, the epochs drawn by the runs it goes on from ("+N
    epochs", first to last), the last of those trained further (the same run, only the new updates)."""
    config = shared.config_from(config_json)
    if not earlier:
        return playground.train_plane(cached_dataset(key, csv), features, config, epochs)
    updates = config.iterations // epochs[-1]
    shorter = cached_run(key, csv, features, shared.config_json(config.replace(iterations=earlier[-1][-1] * updates)),
                         earlier[-1], earlier[:-1])
    return playground.train_plane_further(shorter, updates, epochs)


# Shared, not copied: the figure is a plain dict (1.5 MB) nobody changes; unpickling a copy on every rerun would cost
# more than the rest of the rerun.
@byte_cache(show_spinner=False, shared=True)
def cached_plane_figure(key: str, csv: Optional[bytes], features: tuple, config_json: str, epochs: tuple,
                        earlier: tuple, current: int, discretize: bool, show_test: bool, node: tuple, steps: bool,
                        network: bool, presenter: bool = False):
    run = cached_run(key, csv, features, config_json, epochs, earlier)
    per = run.config.iterations // epochs[-1]
    return plane_figure(run, cached_dataset(key, csv), features, per, current, discretize, show_test, node=node,
                        steps=steps, network=network, text_scale=PRESENTER_TEXT_SCALE if presenter else 1.0)


class Page:
    """The run on the page: the cache key, the dataset, the run, the epoch shown and its snapshot index."""

    def __init__(self, key: tuple, epoch: int):
        self.key, self.epoch = key, epoch
        self.dataset = cached_dataset(key[0], key[1])
        self.run = cached_run(*key)
        # a run that diverged stops early, with fewer snapshots than the schedule: its last one
        self.snapshot = min(list(key[4]).index(epoch), len(self.run.snapshot_iterations) - 1)
        self.epoch = int(key[4][self.snapshot])
        self.features = key[2]
        self.epochs = key[4][-1]


def run_id(key: tuple) -> str:
    """The run without its snapshot schedule: stepping starts over when it changes."""
    return shared.run_id(key[0], key[1], key[2], key[3])


def train() -> Page:
    """The run of the settings (cached); NnvizError says what to change."""
    s = settings()
    csv = ss.pl_csv["data"] if s["dataset"] == "csv" and ss.pl_csv else None
    key0 = data_key()
    dataset = cached_dataset(key0, csv)
    features = nnviz.datasets.check_features(s["features"])
    config = planeurl.config_for(s, dataset)
    base = (key0, csv, features, shared.config_json(config))
    epoch = int(s["epochs"])  # the figure opens at the trained network; Play, Back and Step are in it
    key = (*base, playground.epoch_schedule(epoch), ())
    further = ss.get("pl_further")
    if further is not None and further[:4] == base and epoch in further[4]:
        key = further  # the run "+N epochs" went on with: the same run, and the epoch is one of its frames
    return Page(key, epoch)


def build() -> Optional[Page]:
    """Train (cached) for the settings, or show why not and fall back to the last run that worked."""
    shown = shared.guarded(train, failure="Something went wrong while training this network; try other settings.")
    ss.pl_showing_settings = shown is not None  # else the run shown is the last that worked
    if shown is not None:
        ss.pl_last_good = (shown.key, shown.epoch)
        return shown
    if ss.pl_last_good is not None:
        st.info("Showing the last run that worked, until the problem is fixed. Your settings are kept.")
        return Page(*ss.pl_last_good)
    return None


# ---------------------------------------------------------------- main area

def stepper(page: Page) -> None:
    """Under the chart: what a diverged run means. (The epoch, the losses and the accuracy are the figure's
    header, which follows Play, the slider, Back and Step in the browser.)"""
    with st.container(key="pl_stepper"):
        if page.run.diverged_at is not None:
            st.warning(f"Training diverged at update {page.run.diverged_at}: the loss stopped being a number. "
                       "Try a smaller learning rate.")


def plane_chart(page: Page, node: tuple[int, int]) -> None:
    s = settings()
    figure = cached_plane_figure(*page.key, page.snapshot, bool(s["discretize"]), bool(s["show_test"]), node,
                                 not hidden("step"), not hidden("network"), bool(s["presenter"]))
    with st.container(key="pl_plane"):
        plotly_chart(figure, "pl_plane_chart", STATIC_CONFIG)
    notes = [] if hidden("network") else [
        "Under the timeline, every neuron's output over the plane, laid out as the network (blue positive, "
        "orange negative; lines: the weights, thicker = stronger), and the neuron chosen below, large."]
    outside = int(np.count_nonzero(np.abs(page.dataset.points) > DOMAIN))
    if outside:
        notes.append(f"{outside} of the points lie outside the plane drawn ([-{DOMAIN:g}, {DOMAIN:g}]²).")
    if notes:
        st.caption(" ".join(notes))


def nodes(page: Page) -> list[tuple[int, int]]:
    return [(c, i) for c, width in enumerate(page.run.layout.sizes) for i in range(width)]


def shown_neuron(page: Page) -> tuple[int, int]:
    """The neuron the figure shows large: the one chosen if the network has it, else the output."""
    options = nodes(page)
    if ss.get("pl_node") not in options:
        ss.pl_node = options[-1]
    return ss.pl_node


def neuron_choice(page: Page) -> tuple[int, int]:
    """Which neuron the figure shows large (and outlines in the network): a select box under the chart."""
    shown = shown_neuron(page)
    if hidden("network"):
        return shown
    names = network_names(page.run, page.features)
    with st.container(key="pl_neuron"):
        return st.selectbox("Show a neuron large", nodes(page), key="pl_node",
                            format_func=lambda n: names[n[0]][n[1]],
                            help="Its output over the plane, beside the network, at the epoch the chart shows")


def edit_weight(page: Page) -> tuple[np.ndarray, bool]:
    """Set one weight or bias of the trained network by hand; returns (the parameters, whether one is edited)."""
    base = page.run.parameters[page.snapshot]
    labels = playground.parameter_names(page.run, network_names(page.run, page.features))
    with st.container(key="pl_edit"):
        st.markdown("**Edit a weight** of the trained network")
        controls, picture = st.columns([5, 4], gap="large")
        pick, value_col, reset_col = controls.columns([5, 4, 3], vertical_alignment="bottom")
        if ss.get("pl_edit_index") not in range(len(labels)):
            ss.pl_edit_index = 0
        index = pick.selectbox("Weight or bias", range(len(labels)), key="pl_edit_index",
                               format_func=labels.__getitem__)
        current = float(np.round(base[index], 4))
        where = (run_id(page.key[:4] + ((),)), page.epoch, index)
        if ss.get("pl_edit_for") != where:  # another weight, epoch or run: start from its value
            ss.pl_edit_for = where
            ss.pl_edit_value = current
        value = value_col.number_input("Value", -1000.0, 1000.0, step=0.1, format="%.4f", key="pl_edit_value")
        reset_col.button("Undo", key="pl_edit_undo", on_click=_undo_edit, args=(current,),
                         disabled=value == current)
        if value == current:
            controls.caption(f"In the trained network (epoch {page.epoch}) this weight is {current:g}. Change it "
                             "to see the boundary move.")
            return base, False
        parameters = playground.edited(base, index, float(value))
        before, after = playground.losses_of(page.run, base), playground.losses_of(page.run, parameters)
        train_col, test_col = controls.columns(2)
        train_col.metric("Training loss", short(after[0]), short(after[0] - before[0]), delta_color="inverse")
        if after[1] is not None:
            test_col.metric("Test loss", short(after[1]), short(after[1] - before[1]), delta_color="inverse")
        controls.caption(f"The trained network (epoch {page.epoch}) with {labels[index]} changed from {current:g} "
                         f"to {value:g}; the chart at the top is unchanged.")
        fig = boundary_figure(page.run, page.dataset, page.features, parameters, bool(settings()["discretize"]),
                              bool(settings()["show_test"]), f"<b>Output</b> with {labels[index]} = {value:g}",
                              text_scale=PRESENTER_TEXT_SCALE if settings()["presenter"] else 1.0)
        with picture:
            plotly_chart(fig, "pl_edit_chart", STATIC_CONFIG)
        return parameters, True


def _undo_edit(value: float) -> None:
    ss.pl_edit_value = value


def classroom_link() -> None:
    """A link to this run with chosen controls hidden, for a lesson."""
    if hidden("link"):
        return
    with st.expander("Classroom link: this run, with controls hidden for a lesson"):
        chosen = st.multiselect("Hide these controls", planeurl.HIDEABLE, key="pl_link_hide")
        params = planeurl.serialize({**settings(), "hide": tuple(chosen)})
        if settings()["dataset"] == "csv":
            params.pop("dataset")
            st.caption("Uploaded points are not part of a link: it opens with the default dataset.")
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(f"{base}?{urlencode(params)}", language=None, wrap_lines=True)
        st.caption("Everyone who opens it sees the same data, network and run.")


def sync_url() -> None:
    wanted = planeurl.serialize(settings())
    if settings()["dataset"] == "csv":
        wanted.pop("dataset")
    shared.sync_url(wanted)


# ---------------------------------------------------------------- train further

def _train_further(key: tuple) -> None:
    """Go on from the run on the page by the chosen epochs; a refusal is a message and the run stays."""
    epochs = key[4][-1] + int(ss.pl_further_by)

    def go_on() -> tuple:
        run = cached_run(*key)
        config = planeurl.config_for({**settings(), "epochs": epochs}, cached_dataset(key[0], key[1]))
        updates = shared.config_from(key[3]).iterations // key[4][-1]
        drawn = playground.further_epochs(run, updates, epochs)
        longer = (*key[:3], shared.config_json(config), drawn, (*key[5], key[4]))
        cached_run(*longer)  # runs only the new updates
        return longer

    longer = shared.guarded(go_on, show=shared.note_to("pl_further_notice"),
                          refusal=lambda e: f"Cannot train further: {e}",
                          failure="Something went wrong while training further; try fewer epochs.")
    if longer is None:
        return
    set_setting("epochs", epochs)  # the sidebar and the link show the total
    ss.pl_further = longer
    ss.pl_further_done = True


@st.fragment
def further_control(page: Page) -> None:
    """"+N epochs": the run on the page goes on where it stopped. A fragment: choosing N redraws only this."""
    if hidden("epochs"):  # a lesson link that fixes the epochs fixes them here too
        return
    run = page.run
    with st.container(key="pl_further", horizontal=True, vertical_alignment="bottom", gap="small"):
        extra = st.number_input("More epochs", 1, playground.MAX_EPOCHS, planeurl.MORE_EPOCHS, step=10,
                                key="pl_further_by", width=150)
        why = shared.why_not_further(ss.pl_showing_settings, run, len(page.key[5]), "epochs")
        shared.further_button("pl_further", extra, "epochs", why, _train_further, args=(page.key,))
    shared.further_outcome("pl_further")


# ---------------------------------------------------------------- the page

def main() -> None:
    # Presenter mode opens with the sidebar closed: the chart gets the projector's whole width.
    presenter = ss.get("pl_presenter", st.query_params.get("presenter") == "1")
    st.set_page_config(page_title="nnviz: the plane", page_icon="🧠", layout="wide",
                       initial_sidebar_state="collapsed" if presenter else "auto")
    # Constant CSS, nothing a visitor typed: less top padding so the chart fits a 720 px projector. st.html:
    # style-only HTML renders nothing (nor takes room: 1 rem more padding) and loads 30 KB of script, unsafe
    # markdown 184 KB before the chart.
    st.html("<style>[data-testid='stMainBlockContainer']{padding-top:3.2rem;padding-bottom:2rem}</style>")
    start_session()
    # A visit's first run draws the chart alone, then asks for the rest (ui/page.py); not for a CSV dataset,
    # which the sidebar's uploader supplies.
    chart_first = shared.first_run("plane") and settings()["dataset"] != "csv"
    if not chart_first:
        sidebar()
    # Presenter mode, as on the truth-table page: large type, no Streamlit chrome; kept in the link.
    with st.sidebar:
        presenter_css(bool(settings()["presenter"]) if chart_first else control("presenter"))
    # What the page is and the one thing to do first, in one line (the chart keeps the rest of the screen).
    with st.container(key="pl_orientation"):
        st.markdown("**Watch a network learn to separate points** :gray[· First press **Play** under the chart, "
                    "then try the spiral.]")
    if presenter:  # clear of the sidebar's expand control, which presenter mode keeps at the top left
        st.html("<style>.st-key-pl_orientation{padding-left:2.6rem}</style>")
    if ss.pl_notices:
        st.warning("Parts of the link were ignored, defaults used instead: " + "; ".join(ss.pl_notices))
    page = build()
    if page is None:
        if chart_first:  # no chart to wait for: the settings now
            sidebar()
            with st.sidebar:
                control("presenter")
        return
    if ss.pl_last_good == (page.key, page.epoch):
        sync_url()
    chart = st.container()
    node = shown_neuron(page) if chart_first else neuron_choice(page)
    with chart:
        safely(plane_chart, page, node)
        safely(stepper, page)
    if chart_first:
        shared.ask_for_the_rest(".st-key-pl_plane .js-plotly-plot")
        return
    further_control(page)
    inspect(page)
    safely(classroom_link)


def safely(part: Callable, *args) -> None:
    """Draw a part of the page; an engine error is its message, anything else is logged, never a traceback."""
    shared.guarded(part, *args)


@st.fragment
def inspect(page: Page) -> None:
    """The weight editor, in a fragment: editing a weight reruns only this part, so the big animated chart
    above is not sent again."""
    if not hidden("edit"):
        safely(edit_weight, page)
