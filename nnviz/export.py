"""A finished run as plain data: a JSON-ready dict, and the loss curve as CSV.

Both feed download buttons and ``python -m nnviz --json``. Non-finite numbers
(a diverged run's last outputs) become ``None``, so ``json.dumps(...,
allow_nan=False)`` always succeeds and the file is strict JSON.
"""
from __future__ import annotations

import csv
import io
import math
from typing import Any, Optional, Sequence

import numpy as np

from .text import csv_cell
from .training import TrainingRun


def plain(value: Any) -> Any:
    """``value`` with arrays as nested lists, NumPy scalars as Python ones, NaN and inf as None."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            return np.where(np.isfinite(value), value, None).tolist()
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _layers(arrays: Optional[Sequence[np.ndarray]]) -> Optional[list]:
    return None if arrays is None else [plain(a) for a in arrays]


def run_to_dict(run: TrainingRun) -> dict:
    """Everything a run recorded, as JSON-serializable data.

    Shapes (rows = table rows, T = iterations run, S = snapshots, L = weight layers):
    ``inputs`` rows x n_inputs; ``targets``, ``output``, ``predictions`` rows x n_outputs;
    ``loss`` T; ``gradient_norms`` T x L; ``weights``/``initial_weights`` L matrices
    fan_in x fan_out, input side first; ``biases``/``initial_biases`` L vectors or None;
    ``snapshot_iterations`` S; ``loss_iterations`` R, the updates applied when each entry of ``loss``,
    ``gradient_norms``, ``rows_correct`` (and ``test_loss``) was measured, which ``losses_recorded`` says in
    words (R = T when every iteration is recorded).
    """
    record = {
        "config": plain(run.config.as_dict()),
        "layer_sizes": list(run.layout.sizes),
        "activations": list(run.activations),
        "inputs": plain(run.inputs),
        "targets": plain(run.targets),
        "output": plain(run.output),
        "predictions": plain(run.predictions),
        "loss": plain(run.loss),
        "final_loss": plain(run.final_loss),
        "accuracy": plain(run.accuracy),
        "learned": run.learned,
        "solved_at": run.solved_at,
        "diverged_at": run.diverged_at,
        "weights": _layers(run.weights),
        "initial_weights": _layers(run.initial_weights),
        "biases": _layers(run.biases),
        "initial_biases": _layers(run.initial_biases),
        "gradient_norms": plain(run.gradient_norms),
        "rows_correct": plain(run.rows_correct),
        "snapshot_iterations": plain(run.snapshot_iterations),
        "loss_iterations": plain(run.loss_iterations),
        "losses_recorded": losses_recorded(run),
    }
    if run.batch_loss is not None:
        record["batch_loss"] = plain(run.batch_loss)
    if run.test_inputs is not None:  # a dataset split into training and test points
        regression = run.config.output_activation == "linear"
        record.update(train_loss=record["loss"], test_loss=plain(run.test_loss),
                      test_accuracy=None if regression else plain(run.test_accuracy),
                      test_inputs=plain(run.test_inputs), test_targets=plain(run.test_targets))
    return record


CSV_HEADER = ("iteration", "loss")


def csv_line(cells) -> str:
    """One CSV line: text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...)
    get a ``'`` in front (:func:`nnviz.text.csv_cell`); numbers are written as they are (floats as
    ``repr``, so -0.5 stays the number -0.5)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell(c) for c in cells])
    return out.getvalue()


def losses_recorded(run: TrainingRun) -> str:
    """What the run's recorded losses are, in words."""
    if run.config.record_every is None:
        return ("loss[i]: the loss on all training rows before update i (the forward pass that update starts "
                "from), for every update i")
    every = run.config.record_every
    return (f"loss[i] (and test_loss[i]): the loss over all training (test) rows after loss_iterations[i] "
            f"updates: every {every} updates (one epoch on a 2-D dataset), at every snapshot and at the end"
            + ("; batch_loss[i]: the loss of update i's own mini-batch, before it" if run.batch_loss is not None
               else ""))


def loss_csv(run: TrainingRun) -> str:
    """The loss curve as CSV: header ``iteration,loss``, then one line per recorded loss: the updates applied
    when it was measured (every iteration from 0, or the run's ``loss_iterations``), and the loss.

    Values use ``repr`` so they read back bit for bit; a non-finite loss is an empty cell. Every CSV
    nnviz writes goes through :func:`csv_line`.
    """
    out = io.StringIO()
    out.write(csv_line(CSV_HEADER))
    for i, value in zip(run.loss_iterations.tolist(), run.loss.tolist()):
        out.write(csv_line((i, value if math.isfinite(value) else "")))
    return out.getvalue()
