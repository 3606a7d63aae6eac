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
from nnviz import planeurl, playground
from nnviz.datasets import DOMAIN, Dataset, load_points_csv
from nnviz.limits import MAX_CONTINUATIONS
from nnviz.figures import boundary_figure, network_figure, network_names, neuron_figure, plane_figure

from .plane_controls import classes, hidden, set_setting, settings, sidebar, ss, start_session

log = logging.getLogger("nnviz.app")
CHART_CONFIG = {"displaylogo": False, "scrollZoom": False, "displayModeBar": False}


# ---------------------------------------------------------------- stepping

def _step(run_id: str, change: Optional[int]) -> None:
    """Move the page's epoch: +1, or None for the start (Reset); the end is the epochs setting."""
    state = ss.get("pl_step")
    if state is None or state["run"] != run_id:
        return
    state["epoch"] = 0 if change is None else min(state["epoch"] + change, settings()["epochs"])


def _to_end(run_id: str) -> None:
    state = ss.get("pl_step")
    if state is not None and state["run"] == run_id:
        state["epoch"] = settings()["epochs"]


# ---------------------------------------------------------------- the run

def data_key() -> str:
    """Identifies the points: the generator's settings, or the uploaded file with the problem."""
    s = settings()
    if s["dataset"] == "csv" and ss.pl_csv:
        digest = hashlib.sha1(ss.pl_csv["data"]).hexdigest()
        return json.dumps(["csv", digest, ss.pl_problem, s["ratio"], s["data_seed"]])
    return json.dumps([s["dataset"], classes(), s["points"], s["noise"], s["ratio"], s["data_seed"]])


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def cached_dataset(key: str, csv: Optional[bytes]) -> Dataset:
    kind = json.loads(key)
    if kind[0] == "csv":
        return load_points_csv(csv, kind[2], kind[3] / 100, kind[4])
    name, classes, points, noise, ratio, data_seed = kind
    return playground.dataset_from(dict(dataset=name, classes=classes, points=points, noise=noise, ratio=ratio,
                                        data_seed=data_seed))


@st.cache_data(max_entries=32, ttl=3600, show_spinner="Training…")
def cached_run(key: str, csv: Optional[bytes], features: tuple, config_json: str, epochs: tuple,
               earlier: tuple = ()) -> nnviz.TrainingRun:
    """The run with snapshots at ``epochs``; with ``earlier``, the epochs drawn by the runs it goes on from ("+N
    epochs", first to last), the last of those trained further (the same run, only the new updates)."""
    config = nnviz.make_config(**json.loads(config_json))
    if not earlier:
        return playground.train_plane(cached_dataset(key, csv), features, config, epochs)
    updates = config.iterations // epochs[-1]
    shorter = cached_run(key, csv, features, json.dumps(config.replace(iterations=earlier[-1][-1] * updates)
                                                         .as_dict()), earlier[-1], earlier[:-1])
    return playground.train_plane_further(shorter, updates, epochs)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def cached_plane_figure(key: str, csv: Optional[bytes], features: tuple, config_json: str, epochs: tuple,
                        earlier: tuple, current: int, discretize: bool, show_test: bool):
    run = cached_run(key, csv, features, config_json, epochs, earlier)
    per = run.config.iterations // epochs[-1]
    return plane_figure(run, cached_dataset(key, csv), features, per, current, discretize, show_test)


class Page:
    """The run on the page: the cache key, the dataset, the run, the epoch shown and its snapshot index."""

    def __init__(self, key: tuple, epoch: int):
        self.key, self.epoch = key, epoch
        self.dataset = cached_dataset(key[0], key[1])
        self.run = cached_run(*key)
        self.snapshot = list(key[4]).index(epoch)
        self.features = key[2]
        self.epochs = key[4][-1]


def run_id(key: tuple) -> str:
    """The run without its snapshot schedule: stepping starts over when it changes."""
    digest = hashlib.sha1(json.dumps([key[0], list(key[2]), key[3]]).encode())
    if key[1] is not None:
        digest.update(key[1])
    return digest.hexdigest()


def build() -> Optional[Page]:
    """Train (cached) for the settings, or show why not and fall back to the last run that worked."""
    s = settings()
    try:
        csv = ss.pl_csv["data"] if s["dataset"] == "csv" and ss.pl_csv else None
        key0 = data_key()
        dataset = cached_dataset(key0, csv)
        features = nnviz.datasets.check_features(s["features"])
        config = playground.config_for(s, dataset)
        base = (key0, csv, features, json.dumps(config.as_dict()))
        rid = run_id((*base, ()))
        state = ss.get("pl_step")
        if state is None or state["run"] != rid:
            state = ss.pl_step = {"run": rid, "epoch": int(s["epochs"])}
        epoch = min(int(state["epoch"]), int(s["epochs"]))
        key = (*base, playground.epoch_schedule(int(s["epochs"]), [epoch]), ())
        further = ss.get("pl_further")
        if further is not None and further[:4] == base and epoch in further[4]:
            key = further  # the run "+N epochs" went on with: the same run, and the epoch is one of its frames
        page = Page(key, epoch)
    except nnviz.NnvizError as error:
        st.error(str(error))
        page = None
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("the plane page failed")
        st.error("Something went wrong while training this network; try other settings.")
        page = None
    ss.pl_showing_settings = page is not None  # else the run shown is the last that worked
    if page is not None:
        ss.pl_last_good = (page.key, page.epoch)
        return page
    if ss.pl_last_good is not None:
        st.info("Showing the last run that worked, until the problem is fixed. Your settings are kept.")
        return Page(*ss.pl_last_good)
    return None


# ---------------------------------------------------------------- main area

def stepper(page: Page) -> None:
    """Step one epoch, Reset (the same starting weights), To the end; and where the page's run stands."""
    run, k = page.run, page.snapshot
    from nnviz.figures import snapshot_losses
    train_at, test_at = snapshot_losses(run)
    words = [f"**Epoch {page.epoch}**/{page.epochs}", f"loss: training {train_at[k]:.3f}"]
    if test_at is not None:
        words[-1] += f", test {test_at[k]:.3f}"
    if run.test_inputs is not None and page.dataset.problem == "classification":
        right = nnviz.training.row_correct(run.test_output_snapshots[k], run.test_targets, run.multiclass)
        words.append(f"test accuracy {np.mean(right):.0%}")
    with st.container(key="pl_stepper"):
        if hidden("step"):
            st.markdown(" · ".join(words))
            return
        rid = run_id(page.key[:4] + ((),))
        row = st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False)
        row.button("Step", key="pl_step_one", icon=":material/skip_next:", on_click=_step, args=(rid, 1),
                   disabled=page.epoch >= page.epochs, help="Train one epoch more")
        row.button("Reset", key="pl_reset", icon=":material/replay:", on_click=_step, args=(rid, None),
                   help="Back to the starting weights: the same seed gives the same run")
        row.button("End", key="pl_end", icon=":material/last_page:", on_click=_to_end, args=(rid,),
                   disabled=page.epoch >= page.epochs, help="The trained network")
        row.markdown(" · ".join(words), width="content")
    if run.diverged_at is not None:
        st.warning(f"Training diverged at update {run.diverged_at}: the loss stopped being a number. "
                   "Try a smaller learning rate.")


def plane_chart(page: Page) -> None:
    s = settings()
    figure = cached_plane_figure(*page.key, page.snapshot, bool(s["discretize"]), bool(s["show_test"]))
    with st.container(key="pl_plane"):
        st.plotly_chart(figure, width="stretch", theme=None, key="pl_plane_chart", config=CHART_CONFIG)
    outside = int(np.count_nonzero(np.abs(page.dataset.points) > DOMAIN))
    if outside:
        st.caption(f"{outside} of the points lie outside the plane drawn ([-{DOMAIN:g}, {DOMAIN:g}]²).")


def nodes(page: Page) -> list[tuple[int, int]]:
    return [(c, i) for c, width in enumerate(page.run.layout.sizes) for i in range(width)]


def network_view(page: Page, parameters: np.ndarray, edited: bool, node: tuple[int, int]) -> None:
    """What every neuron computes: the network of small maps, full width (six layers of eight must fit)."""
    with st.container(key="pl_network"):
        st.subheader("What every neuron computes" + (" (with your edited weight)" if edited else ""))
        st.plotly_chart(network_figure(page.run, page.features, parameters, node), width="stretch",
                        theme=None, key="pl_network_chart", config=CHART_CONFIG)
        st.caption(f"Epoch {page.epoch}: each square is a neuron's output over the plane (blue positive, orange "
                   "negative). Lines: blue positive, orange negative weights, thicker = stronger; hover a line's "
                   "middle for its value.")


def neuron_large(page: Page, parameters: np.ndarray) -> tuple[int, int]:
    """A select box of every neuron and its map, large, with the training points; returns the neuron."""
    names = network_names(page.run, page.features)
    options = nodes(page)
    if ss.get("pl_node") not in options:
        ss.pl_node = options[-1]
    with st.container(key="pl_neuron"):
        node = st.selectbox("Show a neuron large", options, key="pl_node", format_func=lambda n: names[n[0]][n[1]],
                            help="Its output over the plane, with the training points; outlined in the network")
        st.plotly_chart(neuron_figure(page.run, page.dataset, page.features, parameters, node),
                        width="stretch", theme=None, key="pl_neuron_chart", config=CHART_CONFIG)
    return node


def edit_weight(page: Page) -> tuple[np.ndarray, bool]:
    """Set one weight or bias by hand; returns (the parameters to show, whether one is edited)."""
    base = page.run.parameters[page.snapshot]
    labels = playground.parameter_names(page.run, network_names(page.run, page.features))
    with st.container(key="pl_edit"):
        st.markdown("**Edit a weight**")
        pick, value_col, reset_col = st.columns([5, 4, 3], vertical_alignment="bottom")
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
            st.caption(f"At epoch {page.epoch} this weight is {current:g}. Change it to see the boundary move.")
            return base, False
        parameters = playground.edited(base, index, float(value))
        before, after = playground.losses_of(page.run, base), playground.losses_of(page.run, parameters)
        train_col, test_col = st.columns(2)
        train_col.metric("Training loss", f"{after[0]:.3f}", f"{after[0] - before[0]:+.3f}", delta_color="inverse")
        if after[1] is not None:
            test_col.metric("Test loss", f"{after[1]:.3f}", f"{after[1] - before[1]:+.3f}", delta_color="inverse")
        fig = boundary_figure(page.run, page.dataset, page.features, parameters, bool(settings()["discretize"]),
                              bool(settings()["show_test"]), f"<b>Output</b> with {labels[index]} = {value:g}")
        st.plotly_chart(fig, width="stretch", theme=None, key="pl_edit_chart", config=CHART_CONFIG)
        st.caption(f"Epoch {page.epoch}'s network with {labels[index]} changed from {current:g} to {value:g}; "
                   "the chart at the top is unchanged.")
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
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


# ---------------------------------------------------------------- train further

def _train_further(key: tuple) -> None:
    """Go on from the run on the page by the chosen epochs; a refusal is a message and the run stays."""
    epochs = key[4][-1] + int(ss.pl_further_by)
    try:
        run = cached_run(*key)
        config = playground.config_for({**settings(), "epochs": epochs}, cached_dataset(key[0], key[1]))
        updates = json.loads(key[3])["iterations"] // key[4][-1]
        drawn = playground.further_epochs(run, updates, epochs)
        longer = (*key[:3], json.dumps(config.as_dict()), drawn, (*key[5], key[4]))
        cached_run(*longer)  # runs only the new updates
    except nnviz.NnvizError as error:
        ss.pl_further_notice = f"Cannot train further: {error}"
        return
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("training the plane further failed")
        ss.pl_further_notice = "Something went wrong while training further; try fewer epochs."
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
        extra = st.number_input("More epochs", 1, playground.MAX_EPOCHS, playground.MORE_EPOCHS, step=10,
                                key="pl_further_by", width=150)
        if not ss.pl_showing_settings:
            why = "Fix the settings first: the run shown is the last one that worked."
        elif run.diverged_at is not None:
            why = "This run diverged: its loss is no longer a number. Lower the learning rate and train again."
        elif len(page.key[5]) >= MAX_CONTINUATIONS:
            why = f"Trained further {len(page.key[5])} times in a row: set the epochs in the sidebar to go on."
        else:
            why = None
        st.button(f"+{int(extra):,} epochs", key="pl_further_button", icon=":material/fast_forward:",
                  on_click=_train_further, args=(page.key,), disabled=why is not None,
                  help=why or "Train further: the same run goes on from its last state, as if it had been set "
                              "to more epochs from the start")
    if ss.get("pl_further_notice"):
        st.error(ss.pop("pl_further_notice"))
    if ss.pop("pl_further_done", False):
        st.rerun(scope="app")


# ---------------------------------------------------------------- the page

def main() -> None:
    st.set_page_config(page_title="nnviz: the plane", page_icon="🧠", layout="wide")
    # Constant CSS, nothing a visitor typed: less top padding so the chart fits a 720 px projector.
    st.markdown("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem;padding-bottom:2rem}"
                "</style>", unsafe_allow_html=True)
    start_session()
    sidebar()
    if ss.pl_notices:
        st.warning("Parts of the link were ignored, defaults used instead: " + "; ".join(ss.pl_notices))
    page = build()
    if page is None:
        return
    if ss.pl_last_good == (page.key, page.epoch):
        sync_url()
    safely(stepper, page)
    safely(plane_chart, page)
    further_control(page)
    inspect(page)
    safely(classroom_link)


def safely(part: Callable, *args) -> None:
    """Draw a part of the page; an engine error is its message, anything else is logged, never a traceback."""
    try:
        part(*args)
    except nnviz.NnvizError as error:
        st.error(str(error))
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("the plane page's %s failed", part.__name__)
        st.error("Something went wrong in this part of the page; try other settings.")


@st.fragment
def inspect(page: Page) -> None:
    """The neurons and the weight editor, in a fragment: choosing a neuron or editing a weight reruns only
    this part, so the big animated chart above is not sent again."""
    if not (hidden("network") and hidden("edit")):
        safely(_inspect, page)


def _inspect(page: Page) -> None:
    network_slot = st.container()  # drawn last: it shows the edit and the neuron chosen below it
    left, right = st.columns(2, gap="large") if not (hidden("network") or hidden("edit")) else (st.container(),) * 2
    parameters, edited = page.run.parameters[page.snapshot], False
    if not hidden("edit"):
        with right:
            parameters, edited = edit_weight(page)
    if not hidden("network"):
        with left:
            node = neuron_large(page, parameters)
        with network_slot:
            network_view(page, parameters, edited, node)
