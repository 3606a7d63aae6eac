"""Panels that look inside one run: live math, stepping, hidden units, gradient check, health."""
from __future__ import annotations


import numpy as np
import streamlit as st

import nnviz
from nnviz import budget, diagnostics
from nnviz.figures import (gradient_check_figure, health_figure, hidden_space_figure, hidden_units_figure,
                           neuron_names, weight_change_figure)

from . import page
from .common import View, cached_train, chart, config_json, row_picker, show_math, snapshot_picker, ss

STEP_SIZES = (1, 10, 100)
MAX_STEPS = int(nnviz.LIMITS["iterations"].maximum)


def one_pass(view: View, request: str) -> None:
    """A panel drawn from one forward pass over the table: within the budget, or a refusal before the work."""
    run = view.run
    budget.check(budget.snapshots_cost(run.config, 1, *run.inputs.shape, run.targets.shape[1],
                                       diagnostics.CHUNK_BYTES), request, "the rows or the widths")


def live_math(view: View) -> None:
    one_pass(view, "Live math")
    st.markdown("The tutorial's feedforward and backpropagation, with the numbers of one row at one moment.")
    row_col, it_col = st.columns([2, 3])
    with row_col:
        row = row_picker(view.run, "math_row")
    with it_col:
        snapshot = snapshot_picker(view.run, "math_iteration", default_last=False)
    show_math(view.run, snapshot, row)


# ---------------------------------------------------------------- stepping

def run_id(view: View) -> str:
    """Identifies the configuration and the table: stepping starts over when either changes."""
    return page.run_id(view.key[0], view.inputs, view.targets)


def stepping_state(view: View) -> dict:
    """This visitor's steps: ``t`` updates done, ``before`` the t of the previous step (None after a reset)."""
    state = ss.get("stepping")
    if state is None or state["run"] != run_id(view):
        state = ss.stepping = {"run": run_id(view), "t": 0, "before": None}
    return state


def _step(run: str, count: int) -> None:
    state = ss.get("stepping")
    if state is None or state["run"] != run:
        return
    state["before"], state["t"] = state["t"], min(state["t"] + count, MAX_STEPS)


def _reset(run: str) -> None:
    ss.stepping = {"run": run, "t": 0, "before": None}


def stepped_run(view: View, t: int, before: int) -> nnviz.TrainingRun:
    """The run after t updates, with snapshots at ``before`` and t (t >= 1): bit-identical to the main run's."""
    config = view.config.replace(iterations=t)
    return cached_train(config_json(config), view.inputs, view.targets, (before, t))


def stepping(view: View) -> None:
    state = stepping_state(view)
    rid = run_id(view)
    bar = st.container(horizontal=True, vertical_alignment="center", key="step_buttons")
    for count in STEP_SIZES:
        bar.button(f"Step {count}", key=f"step_{count}", on_click=_step, args=(rid, count),
                   disabled=state["t"] >= MAX_STEPS)
    bar.button("Reset", key="step_reset", on_click=_reset, args=(rid,))
    t, before = state["t"], state["before"]
    if t:
        try:  # each step trains from the start (bit-identical to the main run): a run of t iterations
            budget.check(budget.run_cost(view.config.replace(iterations=t), *view.inputs.shape,
                                         view.targets.shape[1]), f"Stepping to iteration {t:,}",
                         "the steps (press Reset), the widths, the layers or the rows")
        except nnviz.NnvizError as error:
            st.error(str(error))
            state["t"], t, before = before or 0, before or 0, None
    if t == 0:
        run, snapshot = view.run, 0
    else:
        run = stepped_run(view, t, before or 0)
        if run.diverged_at is not None:
            st.warning(f"The loss stopped being a number at iteration {run.diverged_at}: this is as far as "
                       "this network goes. Reset, or lower the learning rate.")
            state["t"] = t = run.iterations
        snapshot = -1
    output = run.output_snapshots[snapshot]
    right = int(np.count_nonzero(nnviz.training.row_correct(output, run.targets)))
    with bar.container(key="step_status"):
        st.markdown(f"**Iteration {t}** · loss {_loss(run, output):.4g} · {right} of {len(output)} rows right")
    if t == 0:
        st.info("The starting weights. Press **Step 1** to run one iteration of the tutorial's loop "
                "(feedforward, backprop, update), and see which weights moved and by how much.")
    else:
        first = int(run.snapshot_iterations[np.searchsorted(run.snapshot_iterations, before or 0)])
        span = "this iteration" if t - first == 1 else f"iterations {first} → {t}"
        down = "orange" if view.presenter else "red"
        st.markdown(f"**How much each weight changed** in {span} (blue: up, {down}: down)")
        chart(weight_change_figure(run, run.parameters[np.searchsorted(run.snapshot_iterations, first)],
                                   run.parameters[-1], view.input_names, view.output_names), view, "step_change")
    with st.expander(f"The maths of iteration {t}: what the next step will do", expanded=True):
        row = row_picker(run, "step_row")
        show_math(run, snapshot, row)


def _loss(run: nnviz.TrainingRun, output: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(nnviz.LOSSES[run.config.loss].value(output, run.targets))


# ---------------------------------------------------------------- hidden units

def hidden_units(view: View) -> None:
    run = view.run
    one_pass(view, "Hidden units")
    layers = len(run.layout.sizes) - 2
    if layers == 0:
        st.info("This network has no hidden layer: set **Hidden layers** to 1 or more in the sidebar.")
        return
    st.markdown("Each hidden unit's activation on every row of the table: which rows switch it on? "
                "A unit that is high on exactly the rows where y is 1 has become a feature, like OR or AND.")
    pick, when = st.columns([2, 3])
    with pick:
        layer = st.selectbox("Hidden layer", range(layers), format_func=lambda l: f"layer {l + 1}",
                             key="hidden_layer") if layers > 1 else 0
    with when:
        snapshot = snapshot_picker(run, "hidden_iteration", default_last=True)
    width = run.layout.sizes[layer + 1]
    left, right = st.columns([1, 1])
    with left:
        chart(hidden_units_figure(run, snapshot, layer), view, "hidden_heatmap")
    with right:
        units = list(range(width))
        if width > 3:
            names = neuron_names(run)[layer + 1]
            units = st.multiselect("Units to plot (2 or 3)", range(width), default=[0, 1, 2],
                                   format_func=lambda u: names[u], max_selections=3, key=f"hidden_units_{layer}")
        if len(units) in (2, 3):
            chart(hidden_space_figure(run, snapshot, layer, units), view, "hidden_space")
        else:
            st.info("Pick 2 or 3 units to see the rows as points in their space." if width > 1 else
                    "With one hidden unit every row is a point on one line: the output can only cut it once.")


# ---------------------------------------------------------------- gradient check

def gradient_check(view: View) -> None:
    st.markdown("Backprop's gradient of every weight against a numerical one: nudge the weight by a tiny h "
                "both ways and measure the loss, (L(w + h) − L(w − h)) / 2h.")
    snapshot = snapshot_picker(view.run, "check_iteration", default_last=True)
    budget.check(diagnostics.gradient_check_cost(view.run), "The gradient check", "the widths or the layers")
    check = diagnostics.gradient_check(view.run, snapshot)
    verdict = (f"**largest relative error {check.max_error:.1e}** "
               f"(the check passes below {diagnostics.PASS_ERROR:.0e})")
    if check.passed:
        st.success("Pass: backprop agrees with the numerical gradient, " + verdict, icon=":material/check:")
    else:
        st.error("Fail: backprop and the numerical gradient disagree, " + verdict, icon=":material/close:")
    chart(gradient_check_figure(check, view.run), view, "check_heatmap")
    if not check.checked.all() or check.rows < len(view.inputs):
        st.caption(f"{int(check.checked.sum())} of {check.checked.size} weights checked on {check.rows} of "
                   f"{len(view.inputs)} rows (a fixed sample, the same rows for both gradients).")


# ---------------------------------------------------------------- health

def health(view: View) -> None:
    run = view.run
    budget.check(diagnostics.health_cost(run), "Health", "the snapshots, the widths or the rows")
    notes = diagnostics.health_notes(run)
    if notes:
        st.markdown("\n".join(f"- {note}" for note in notes))
    chart(health_figure(run, diagnostics.saturation(run)), view, "health_chart")
    st.caption("A sigmoid or tanh unit is saturated when it is flat on every row (its slope under 5% of its "
               "steepest), a ReLU unit dead when it is zero on every row: either way it has stopped learning. "
               "A gradient norm near zero means the layer's weights barely move.")
