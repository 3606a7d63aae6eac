"""What every teaching panel shares: the page's run (:class:`View`), cached training, charts, the maths."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import streamlit as st

import nnviz
from nnviz.explain import explain, latex
from nnviz.figures import presenter_style, row_labels

from .cache import byte_cache
from .chart import STATIC_CONFIG, plotly_chart
from .page import config_from, config_json  # noqa: F401 - config_json: the panels' import

ss = st.session_state


@dataclass(frozen=True, eq=False)
class View:
    """The run on the page and what the panels need to show or change it.

    ``key`` is the main run's cache key ``(config_json, inputs, targets)``; ``load_table(table)`` replaces the
    page's table (a :class:`nnviz.Table`) as the preset picker does.
    """

    key: tuple
    run: nnviz.TrainingRun
    input_names: list
    output_names: list
    presenter: bool
    load_table: Callable[[nnviz.Table, Optional[str]], None]

    @property
    def config(self) -> nnviz.TrainConfig:
        return self.run.config

    @property
    def inputs(self) -> np.ndarray:
        return self.key[1]

    @property
    def targets(self) -> np.ndarray:
        return self.key[2]


@byte_cache(show_spinner="Training…")
def cached_train(config_text: str, inputs: np.ndarray, targets: np.ndarray,
                 snapshot_iterations: Optional[tuple] = None) -> nnviz.TrainingRun:
    """nnviz.train for a config given as JSON (hashable), optionally at chosen snapshot iterations."""
    return nnviz.train(inputs, targets, config_from(config_text), snapshot_iterations=snapshot_iterations)


def chart(fig, view: View, key: str) -> None:
    """A static Plotly chart (no mode bar), restyled for presenter mode."""
    if view.presenter:
        fig = presenter_style(fig)
    plotly_chart(fig, key, STATIC_CONFIG)


def row_picker(run: nnviz.TrainingRun, key: str) -> int:
    """A select box of the table's rows, labelled "row 2: 0,1,1 → 1"; returns the row index."""
    labels = row_labels(run.inputs, run.targets)
    return st.selectbox("Row", range(len(labels)), format_func=lambda r: f"row {r + 1}: {labels[r]}", key=key,
                        help="The row whose numbers the formulas show")


def snapshot_picker(run: nnviz.TrainingRun, key: str, default_last: bool) -> int:
    """A slider over the run's snapshot iterations; returns the snapshot index."""
    its = [int(i) for i in run.snapshot_iterations]
    if ss.get(key) not in its:  # a new run has other snapshots
        ss[key] = its[-1] if default_last else its[0]
    chosen = st.select_slider("Iteration", its, key=key, help="Updates applied so far (0 = the starting weights)")
    return its.index(chosen)


def show_math(run: nnviz.TrainingRun, snapshot: int, row: int) -> None:
    """The tutorial's feedforward and backprop with this moment's numbers, one formula per step."""
    for caption, formula in latex(explain(run, snapshot, row)):
        st.caption(caption)
        st.latex(formula)
