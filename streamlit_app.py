"""nnviz: edit a truth table, train the tutorial's network on it, and watch it learn.

Layout and wiring only: widgets -> settings + table -> nnviz.train (cached) ->
nnviz.figures -> the page. The state of the page lives in st.session_state and
in the URL (ui.urlstate), so a copied link reproduces the run.
"""
from __future__ import annotations

import os

# One BLAS thread per server process, set before NumPy loads (Streamlit itself imports NumPy only when this
# script first runs): at nnviz's sizes a second OpenBLAS thread adds nothing but spikes under load (the
# largest run: 0.59 s median and 3.4-7 s spikes with two threads, 0.31 s and at most 0.61 s with one).
for _blas_threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_blas_threads, "1")

import json  # noqa: E402 - after the BLAS setting above
import random

import numpy as np
import pandas as pd
import streamlit as st

import nnviz
from ui import editing, page, urlstate
from nnviz.diagnostics import likely_fix
from nnviz.export import loss_csv, run_to_dict
from nnviz.figures import (PALETTE, PLOT_WIDTH, PRESENTER_PALETTE, PRESENTER_PLOT_WIDTH, PRESENTER_TEXT_SCALE,
                           training_figure)
from nnviz.script import export_script
from nnviz.training import further_config
from nnviz.text import markdown_text
from ui.chart import plotly_chart
from ui.cache import byte_cache  # the process's caches: at most 300 MB in all
from ui.common import View
from ui.teaching import look_closer, presenter_css, scroll_to_chart
from nnviz.limits import DECISION_THRESHOLD, LIMITS
import ui.process  # noqa: F401,E402 - last import: freezes what the imports made, once per process

ss = st.session_state


# ---------------------------------------------------------------- cached work

@byte_cache(show_spinner="Training…")
def cached_run(config_json: str, inputs: np.ndarray, targets: np.ndarray, earlier: tuple = ()) -> nnviz.TrainingRun:
    """The run of the config; with ``earlier``, the iterations of the runs it goes on from ("Train further",
    first to last), the last of those trained further: the same run, snapshots as nnviz.train_further picks."""
    config = page.config_from(config_json)
    if not earlier:
        return nnviz.train(inputs, targets, config)
    shorter = cached_run(page.config_json(config.replace(iterations=earlier[-1])), inputs, targets, earlier[:-1])
    return nnviz.train_further(shorter, config.iterations - earlier[-1])


# Shared, not copied: the figure is a plain dict nobody changes. Unpickling a copy on every
# rerun (st.cache_data) cost more than the rest of an unchanged rerun (thousands of small dicts, and the
# garbage collector's passes over them).
@byte_cache(show_spinner=False, shared=True)
def cached_figure(config_json: str, inputs, targets, earlier: tuple, input_names: tuple, output_names: tuple,
                  presenter: bool = False):
    return training_figure(cached_run(config_json, inputs, targets, earlier), input_names, output_names,
                           palette=PRESENTER_PALETTE if presenter else PALETTE,
                           text_scale=PRESENTER_TEXT_SCALE if presenter else 1.0,
                           plot_width=PRESENTER_PLOT_WIDTH if presenter else PLOT_WIDTH)


# ---------------------------------------------------------------- session state

def start_session() -> None:
    """Once per visit: settings and table from the link (or the defaults)."""
    page.start_session("table_frame", begin_session)


def begin_session(params: dict) -> None:
    settings, table, notices = urlstate.parse(params)
    ss.update(settings)
    table = table or nnviz.preset(settings["preset"])
    set_table(editing.from_table(table), len(table.input_names), table.description)
    ss.link_notices = notices
    ss.last_good = None


def set_table(frame: pd.DataFrame, n_inputs: int, description: str = "") -> None:
    """Replace the table the editor starts from (a new editor key drops its old edits)."""
    ss.table_frame = frame
    ss.table_description = description or ss.get("table_description", "")
    ss.table_inputs = n_inputs
    ss.n_inputs, ss.n_outputs = n_inputs, frame.shape[1] - n_inputs
    ss.editor_version = ss.get("editor_version", -1) + 1
    ss.table_current = frame


def load_preset() -> None:
    if ss.preset in nnviz.PRESETS:  # not "your table": nothing to load
        load_table(nnviz.preset(ss.preset))


def load_table(table: nnviz.Table, preset: str | None = None) -> None:
    """Show ``table`` (a scene's, a preset's); ``preset`` also sets the preset picker."""
    if preset is not None:
        ss.preset = preset
    set_table(editing.from_table(table), len(table.input_names), table.description)


def resize_table() -> None:
    try:
        frame = editing.resize(ss.table_current, ss.table_inputs, int(ss.n_inputs), int(ss.n_outputs))
    except nnviz.NnvizError as error:
        ss.table_notice = str(error)
        return
    set_table(frame, int(ss.n_inputs), "Your own table")


def load_csv() -> None:
    loaded = page.read_upload("csv", "csv_notice", lambda data: nnviz.load_csv(data, targets=int(ss.csv_targets)))
    if loaded is None:
        return
    upload, table = loaded
    set_table(editing.from_table(table), len(table.input_names), f"Loaded from {markdown_text(upload.name)}")
    ss.csv_loaded = True


def new_seed() -> None:
    ss.seed = random.SystemRandom().randrange(int(LIMITS["seed"].maximum) + 1)


# ---------------------------------------------------------------- UI pieces

def sidebar_settings() -> dict:
    """The network and training controls; returns their values by config field."""
    bar = st.sidebar
    bar.markdown("## nnviz · watch a network learn")


    def draw(name: str, **overrides):
        return page.draw(urlstate.FIELDS_BY_NAME[name], bar, **overrides)

    draw("presenter")
    bar.header("Network")
    layers = draw("hidden_layers")
    draw("hidden_width", disabled=layers == 0)
    draw("activation")
    outputs, losses = offered_outputs_and_losses()
    if ss.get("output_note"):
        bar.caption(ss.output_note)
    draw("output_activation", options=outputs, on_change=lambda: ss.pop("output_note", None))
    draw("bias")
    bar.header("Training")
    draw("loss", options=offered_outputs_and_losses()[1])
    draw("optimizer")
    for name in ("learning_rate", "iterations", "batch_size", "seed"):
        draw(name)
    bar.button("New random seed", key="new_seed", on_click=new_seed)
    return current_settings()


def current_settings() -> dict:
    """The settings by config field as the session holds them: what the sidebar's widgets show (a visit's first
    run trains on them before it draws the sidebar)."""
    # .get: a field whose widget is drawn elsewhere (the preset) may not be in this session's state yet.
    return {field.name: ss.get(field.name, urlstate.DEFAULTS[field.name]) for field in urlstate.FIELDS}


def offered_outputs_and_losses() -> tuple[list[str], list[str]]:
    """The output activations and losses that apply to the table and to each other: softmax needs two or more
    target columns (one per class), and goes with cross-entropy (ce) alone. A choice that no longer applies
    (a link, or the table cut to one column) falls back to the default, and the sidebar says so until another
    output is picked or softmax applies again."""
    outputs = [name for name in nnviz.ACTIVATIONS if name != "softmax" or int(ss.get("n_outputs", 1)) >= 2]
    if "softmax" in outputs:
        ss.pop("output_note", None)
    if ss.get("output_activation") not in outputs:
        ss.output_activation = urlstate.DEFAULTS["output_activation"]
        ss.output_note = "Softmax needs two or more target columns (one per class): the output is sigmoid."
    softmax = ss.output_activation == "softmax"
    losses = [name for name in nnviz.LOSSES if (name == "ce") == softmax]
    if ss.get("loss") not in losses:
        ss.loss = "ce" if softmax else urlstate.DEFAULTS["loss"]
    return outputs, losses


def make_config(settings: dict) -> nnviz.TrainConfig:
    return urlstate.config_of(settings)


def pending_table() -> tuple[pd.DataFrame, int]:
    """(table, inputs) as the table editor will return them, from its edits waiting in session state: the page
    trains and sends the chart before it draws the editor, so a first visit loads the chart's script first."""
    refuse_oversized_edit()  # before any widget it resets is drawn
    frame = editing.pending_frame(ss.table_frame, ss.get(f"table_editor_{ss.editor_version}"))
    # The preset box says what the table is now, as edited.
    ss.preset = editing.matching_preset(frame, ss.table_inputs) or urlstate.OWN_TABLE
    return frame, ss.table_inputs


def table_editor(pending: pd.DataFrame) -> None:
    """Preset picker, column counts, the editable table and the CSV loader. ``pending``: the table the page
    trained on (:func:`pending_table`), what the editor returns."""
    st.subheader("Truth table")
    pick, n_in, n_out = st.columns([3, 1, 1], vertical_alignment="bottom")
    n_in.number_input("Inputs", int(LIMITS["inputs"].minimum), int(LIMITS["inputs"].maximum),
                      key="n_inputs", on_change=resize_table)
    n_out.number_input("Outputs", int(LIMITS["outputs"].minimum), int(LIMITS["outputs"].maximum),
                       key="n_outputs", on_change=resize_table)
    caption = st.empty()
    frame, n_inputs = ss.table_frame, ss.table_inputs
    columns = {
        # No default: the "+" line adds an empty row, which waits until it is typed instead of training on 0s.
        name: st.column_config.NumberColumn(
            (editing.TARGET_MARK + name) if c >= n_inputs else name, default=None,
            help="Target: what the network should output" if c >= n_inputs else "Input")
        for c, name in enumerate(frame.columns)
    }
    edited = st.data_editor(frame, key=f"table_editor_{ss.editor_version}", num_rows="dynamic",
                            column_config=columns, hide_index=True, width="stretch")
    ss.table_current = edited
    if not editing.same_table(edited, pending):  # the page trained on another table: take the editor's
        page.log.warning("the table editor applied its edits unlike editing.pending_frame; rerunning")
        set_table(edited, n_inputs)
        st.rerun()
    # The preset box (set by pending_table to what the edited table is) is drawn here, in its place above.
    page.draw(urlstate.FIELDS_BY_NAME["preset"], pick, options=[*nnviz.PRESETS, urlstate.OWN_TABLE],
              on_change=load_preset)
    match = ss.preset if ss.preset in nnviz.PRESETS else None
    description = (ss.table_description if edited.equals(frame) else nnviz.PRESETS[match].description if match
                   else "Your own table")
    waiting = editing.untyped_rows(edited)
    caption.caption(description + (f" · {waiting} new row{'s' if waiting > 1 else ''} waiting for values: "
                                   "it trains once typed" if waiting else ""))
    csv_loader()


def refuse_oversized_edit() -> None:
    """An edit waiting in the editor's state that would pass the row limit (a big paste) is dropped before
    st.data_editor applies it, row by row, at a cost of seconds: the table stays as the last run left it."""
    problem = editing.pending_rows_error(len(ss.table_frame), ss.get(f"table_editor_{ss.editor_version}"))
    if problem:
        ss.table_notice = problem
        set_table(ss.table_current, ss.table_inputs)  # a new editor key: the edit's state is left behind


def csv_loader() -> None:
    """Picking a file reruns only this fragment (the chart is not resent) until a table loads."""
    page.csv_upload("Load a CSV file", "CSV file (a header row, then numbers)", "csv", load_csv, "csv_notice",
                    lambda: ss.pop("csv_loaded", False), more=csv_targets)


def csv_targets() -> None:
    st.number_input("Target columns", 1, int(LIMITS["outputs"].maximum), value=1, key="csv_targets",
                    help="How many columns, counted from the right, are targets", on_change=load_csv)


def summary(run: nnviz.TrainingRun, notices: list[str]) -> list[str]:
    """Final loss, accuracy, when it was solved, and a plain warning (else the first of ``notices``, e.g. about
    the link) beside them, where a run never solved would say "Solved at: never": nothing pushes the chart
    down. Returns the notices left to show under the chart."""
    if run.diverged_at is not None:
        notices = [f"Training diverged at iteration {run.diverged_at}: the loss stopped being a number. "
                   + likely_fix(run), *notices]
    elif not run.learned:
        wrong = int(np.count_nonzero(~run.correct))
        notices = [f"Training stalled: after {run.iterations} iterations {wrong} of {len(run.correct)} rows are "
                   "still wrong. " + likely_fix(run), *notices]
    with st.container(key="summary"):
        intro, loss, acc, third = st.columns([1.1, 1.3, 0.9, 2.2] if notices else [1.5, 1.3, 0.8, 0.9])
        # What the page is and the one thing to do first, beside the figures: a line above them would push
        # Play below a 720 px projector's fold.
        with intro.container(key="orientation"):
            st.markdown("**Watch a network learn**")
            if not notices:  # a warning takes the room; what it says comes first then
                st.caption("First press **Play** under the chart.")
        # The chart's panels follow its own timeline (its title names the iteration shown); these are the end's.
        loss.metric(f"Final loss (iteration {run.iterations})",
                    f"{run.final_loss:.3g}" if np.isfinite(run.final_loss) else "NaN")
        acc.metric("Accuracy", f"{run.accuracy:.0%}", help=f"Rows whose outputs are on the target's side of "
                   f"{DECISION_THRESHOLD}")
        if notices:
            with third.container(key="summary_notes"):
                st.warning(notices[0])
        else:
            third.metric("Solved at", "never" if run.solved_at is None else f"{run.solved_at}",
                         help="First iteration from which every row stays right")
    return notices[1:]


def prediction_table(run: nnviz.TrainingRun, input_names, output_names) -> None:
    with st.container(key="predictions"):
        st.markdown(f"**Final predictions** (iteration {run.iterations})")
        st.dataframe(editing.prediction_frame(run.inputs, run.targets, run.predictions, input_names,
                                              output_names),
                     hide_index=True, width="stretch", height="auto")


PLOT = ".st-key-training_view .js-plotly-plot"  # the main chart, drawn


def training_view(key: tuple, input_names, output_names, presenter: bool) -> None:
    with st.container(key="training_view"):
        figure = cached_figure(*key, tuple(input_names), tuple(output_names), presenter)
        plotly_chart(figure, key="training_chart")
        st.caption("Press Play, Step or Back, or drag the slider: every panel shows the same iteration. "
                   "Weights: rows are the neurons a connection comes from, columns the ones it goes to.")


def continued_from(key: tuple) -> tuple:
    """The iterations of the runs that the run of ``key`` (config, inputs, targets) goes on from, when "Train
    further" made it; else () and it trains from scratch (the same run bit for bit, its own snapshots)."""
    further = ss.get("further_key")
    if (further is not None and further[0] == key[0] and np.array_equal(further[1], key[1])
            and np.array_equal(further[2], key[2])):
        return further[3]
    return ()


def train_further() -> None:
    """Go on from the run on the page by the chosen iterations; a refusal is a message and the run stays."""
    key = ss.last_good[0]

    def go_on() -> tuple:
        run = cached_run(*key)
        config = further_config(run, int(ss.further_by))  # the engine's own refusal, before any work
        longer = (page.config_json(config), key[1], key[2], (*key[3], run.iterations))
        cached_run(*longer)  # runs only the new iterations
        return config, longer

    done = page.guarded(go_on, show=page.note_to("further_notice"), refusal=lambda e: f"Cannot train further: {e}",
                        failure="Something went wrong while training further; try fewer iterations.")
    if done is None:
        return
    config, longer = done
    ss.iterations = config.iterations  # the sidebar and the link show the total
    ss.further_key = longer
    ss.further_done = True


@st.fragment
def further_control() -> None:
    """"+N iterations": the run on the page goes on where it stopped. A fragment: choosing N redraws only this."""
    run = cached_run(*ss.last_good[0])
    room = int(LIMITS["iterations"].maximum) - run.iterations
    chain = len(ss.last_good[0][3])
    with st.container(key="further", horizontal=True, vertical_alignment="bottom", gap="small"):
        extra = st.number_input("More iterations", int(LIMITS["extra_iterations"].minimum),
                                int(LIMITS["extra_iterations"].maximum), int(LIMITS["extra_iterations"].default),
                                step=100, key="further_by", width=170)
        why = page.why_not_further(ss.showing_settings, run, chain, "iterations",
                                   f"This run has {run.iterations:,} iterations, the most a run may have."
                                   if room < 1 else None)
        page.further_button("further", extra, "iterations", why, train_further)
    page.further_outcome("further")


def downloads(run: nnviz.TrainingRun, inputs: np.ndarray, targets: np.ndarray) -> None:
    """The run, its losses and a script, each built only when its button is clicked: Streamlit calls the
    function then, outside any script run, so a rerun neither builds nor sends the files."""
    with st.container(key="downloads"):
        st.markdown("**Download**")
        left, right, third = st.columns(3)
        left.download_button("Run (JSON)", lambda: json.dumps(run_to_dict(run)), file_name="nnviz-run.json",
                             mime="application/json", key="download_json", on_click="ignore")
        right.download_button("Loss (CSV)", lambda: loss_csv(run), file_name="nnviz-loss.csv", mime="text/csv",
                              key="download_csv", on_click="ignore")
        third.download_button("Script (.py)", lambda: export_script(inputs, targets, run.config),
                              file_name="nnviz_run.py", mime="text/x-python", key="download_script",
                              on_click="ignore",
                              help="A standalone NumPy script in the tutorial's style that reproduces this run")


# ---------------------------------------------------------------- the page

def main() -> None:
    # Presenter mode opens with the sidebar closed: the chart gets the projector's whole width.
    presenter = ss.get("presenter", st.query_params.get("presenter") == "1")
    st.set_page_config(page_title="nnviz: watch a network learn", page_icon="🧠", layout="wide",
                       initial_sidebar_state="collapsed" if presenter else "auto")
    start_session()
    # A visit's first run draws the chart and its headline figures only, then asks for the rest (ui/page.py).
    chart_first = page.first_run("truth_table")
    if chart_first:
        offered_outputs_and_losses()  # what the sidebar would correct, corrected
        settings = current_settings()
    else:
        settings = sidebar_settings()
    # Constant CSS, nothing a visitor typed: Streamlit's 6 rem top padding would push the chart below a
    # 720 px projector's fold.
    # The notes beside the headline figures are compact, as tall as the figures. The table and the final
    # predictions stack: side by side at 1280 wide, the predictions grid hid a column. st.html, not markdown:
    # style-only HTML renders nothing and loads a 30 KB script, unsafe markdown 184 KB before the chart. It
    # takes no room either: the padding has the 1 rem the style's markdown element took.
    st.html("<style>[data-testid='stMainBlockContainer']{padding-top:4.5rem;padding-bottom:2rem}"
            ".st-key-summary_notes [data-testid='stAlertContainer']{padding:0.4rem 0.75rem}"
            ".st-key-summary_notes [data-testid='stAlertContainer'] p{font-size:0.85rem;line-height:1.35}"
            "[data-testid='stHorizontalBlock']:has(> [data-testid='stColumn'] .st-key-predictions)"
            "{flex-direction:column}"
            "[data-testid='stHorizontalBlock']:has(> [data-testid='stColumn'] .st-key-predictions)"
            " > [data-testid='stColumn']{width:100%;flex:1 1 auto}"
            "</style>")
    presenter_css(bool(ss.presenter))
    summary_box = st.container()
    link_notices = ["Parts of the link were ignored, defaults used instead: "
                    + markdown_text("; ".join(ss.link_notices))] if ss.link_notices else []
    config_errors = st.container()
    # The animated chart comes first: on a projector it is what the room watches.
    view = st.container()
    closer = st.container()  # the "Look closer" tools, under the chart
    table_side, result_side = st.columns([5, 6], gap="large")
    with table_side:
        table_box = st.container()  # filled after the chart: its grid's scripts load after the chart's
        table_errors = st.container()
    frame, n_inputs = pending_table()
    settings["preset"] = ss.preset  # the preset the edited table is, if any
    if ss.get("table_notice"):
        table_errors.error(ss.pop("table_notice"))
    input_names, output_names = list(frame.columns[:n_inputs]), list(frame.columns[n_inputs:])

    def train() -> tuple:
        inputs, targets = editing.frame_to_arrays(frame, n_inputs)
        key = (page.config_json(make_config(settings)), inputs, targets)
        key = (*key, continued_from(key))
        cached_run(*key)
        return key

    key = page.guarded(train, refusal=markdown_text,
                       show=lambda message, error: (table_errors if isinstance(error, nnviz.TableError)
                                                    else config_errors).error(message),
                       failure="Something went wrong while training this network; try other settings.")

    ss.showing_settings = key is not None  # else the run shown is the last that worked, not the settings'
    if key is not None:
        ss.last_good = (key, input_names, output_names)
        page.sync_url(urlstate.serialize(settings, key[1], key[2], input_names, output_names))
    elif ss.last_good is not None:
        config_errors.info("Showing the last run that worked, until the problem is fixed. Your edits are kept.")
    if chart_first and key is None:  # no chart to wait for: the whole page now
        sidebar_settings()
        chart_first = False
    if ss.last_good is None:
        for notice in link_notices:
            summary_box.warning(notice)
        with table_box:
            table_editor(frame)
        return
    key, input_names, output_names = ss.last_good
    run = cached_run(*key)
    with summary_box:
        left_over = summary(run, link_notices)
    with view:
        training_view(key, input_names, output_names, bool(ss.presenter))
        if chart_first:
            page.ask_for_the_rest(PLOT)
            return
        further_control()
        for notice in left_over:
            st.warning(notice)
    with table_box:
        table_editor(frame)
    with closer:
        look_closer(View(key, run, list(input_names), list(output_names), bool(ss.presenter), load_table))
    with result_side:
        prediction_table(run, input_names, output_names)
        downloads(run, key[1], key[2])
    scroll_to_chart()


# Two views of the same engine; the plane's page script is views/plane.py (its UI in ui/plane.py): not in a
# pages/ folder, which Streamlit would serve as a page of its own (bypassing this navigation, its titles and
# this script's process settings) until this script had run once in the process. No page icons:
# Material icons become favicons fetched from a font CDN (broken offline), emoji need a font many machines
# lack (a box instead).
st.navigation([
    st.Page(main, title="Truth table", default=True),
    st.Page("views/plane.py", title="2-D playground", url_path="Plane"),
]).run()
