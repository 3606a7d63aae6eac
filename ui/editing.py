"""The editable truth table: a pandas DataFrame whose first columns are inputs, the rest targets.

The app keeps the table as a DataFrame (what ``st.data_editor`` edits) plus the
number of input columns. These functions turn it into the engine's arrays, with
an :class:`~nnviz.config.NnvizError` naming the row and column of a bad cell,
and add or remove columns without losing the cells that stay. Every column name
they write is plain (:func:`nnviz.text.plain_name`) and unique, so whatever a
link or a CSV file named a column, the grid, its "Download as CSV" and the
figures show it as text.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from nnviz.config import TableError, check_table
from nnviz.limits import LIMITS
from nnviz.tables import PRESETS, Table
from nnviz.text import NAME_LIMIT, plain_name
from nnviz.training import row_correct

TARGET_MARK = "→ "  # how the editor labels target columns


def default_names(n_inputs: int, n_outputs: int) -> tuple[list[str], list[str]]:
    """x1..xn and y (one output) or y1..ym."""
    outputs = ["y"] if n_outputs == 1 else [f"y{j + 1}" for j in range(n_outputs)]
    return [f"x{i + 1}" for i in range(n_inputs)], outputs


def table_frame(inputs: np.ndarray, targets: np.ndarray, input_names: Sequence[str],
                output_names: Sequence[str]) -> pd.DataFrame:
    """A DataFrame of the table: input columns then target columns, float64."""
    names = _unique([*input_names, *output_names])
    return pd.DataFrame(np.hstack([inputs, targets]).astype(np.float64), columns=names)


def from_table(table: Table) -> pd.DataFrame:
    return table_frame(table.inputs, table.targets, table.input_names, table.output_names)


def frame_to_arrays(frame: pd.DataFrame, n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) float64 arrays from an edited table, or NnvizError naming the bad cell."""
    if not 1 <= n_inputs < frame.shape[1]:
        raise TableError("table", f"{frame.shape[1]} columns with {n_inputs} inputs",
                         "at least one input column and one target column")
    # A row with no value at all is one the editor just added, not typed yet: it waits, it does not train.
    typed = [r for r in range(frame.shape[0]) if not all(_empty(cell) for cell in frame.iloc[r].tolist())]
    if not typed:
        raise TableError("table", "no rows", "at least one row")
    values = np.empty((len(typed), frame.shape[1]), dtype=np.float64)
    for c, column in enumerate(frame.columns):
        cells = frame[column].tolist()
        for i, r in enumerate(typed):
            values[i, c] = _number(cells[r], r, column)
    return check_table(values[:, :n_inputs], values[:, n_inputs:])


def untyped_rows(frame: pd.DataFrame) -> int:
    """Rows of the edited table with no value yet (added by the editor's "+" line, waiting to be typed)."""
    return sum(all(_empty(cell) for cell in frame.iloc[r].tolist()) for r in range(frame.shape[0]))


def matching_preset(frame: pd.DataFrame, n_inputs: int) -> str | None:
    """The preset the edited table is, values and names, or None (a table of the user's own)."""
    try:
        inputs, targets = frame_to_arrays(frame, n_inputs)
    except TableError:
        return None
    names = (tuple(frame.columns[:n_inputs]), tuple(frame.columns[n_inputs:]))
    for name, table in PRESETS.items():
        if (table.inputs.shape == inputs.shape and table.targets.shape == targets.shape
                and np.array_equal(table.inputs, inputs) and np.array_equal(table.targets, targets)
                and (table.input_names, table.output_names) == names):
            return name
    return None


def _empty(cell) -> bool:
    return cell is None or (isinstance(cell, float) and np.isnan(cell)) or (isinstance(cell, str)
                                                                          and not cell.strip())


def _number(cell, row: int, column: str) -> float:
    where = f"row {row + 1}, column {column}"
    if _empty(cell):
        raise TableError("table", f"{where}: empty", "a number in every cell (fill it in or delete the row)")
    if isinstance(cell, bool):
        return float(cell)
    try:
        number = float(cell)
    except (TypeError, ValueError):
        raise TableError("table", f"{where}: {str(cell)[:20]!r}", "numbers only") from None
    if not np.isfinite(number):
        raise TableError("table", f"{where}: {cell}", "finite numbers only")
    return number


def pending_rows_error(rows: int, editor_state) -> str | None:
    """What is wrong with an edit of a ``rows``-row table still waiting in the editor's state (``added_rows``,
    ``deleted_rows``) before it is applied, or None: applying a paste of 5,000 rows costs 3.3 s of the server
    (50,000: 31 s) before the table's own row limit could refuse it."""
    if not isinstance(editor_state, dict):
        return None
    added, deleted = editor_state.get("added_rows") or [], editor_state.get("deleted_rows") or []
    total = rows + len(added) - len(deleted)
    most = int(LIMITS["rows"].maximum)
    if len(added) > most or total > most:
        return (f"That edit would make the table {total:,} rows long; a table has at most {most:,} rows. The edit "
                f"was not applied: the table is as it was before it. Add at most {max(0, most - rows):,} rows, or "
                f"load a CSV file of at most {most:,} rows.")
    return None


def pending_frame(frame: pd.DataFrame, editor_state) -> pd.DataFrame:
    """The table as ``st.data_editor`` will return it once it applies ``editor_state`` (its edits waiting in
    session state), so the page can train and draw the chart before it draws the editor. For a table of
    numbers, as Streamlit applies them: cell edits by row position, then deletions, then added rows; a value
    that is no number becomes an empty cell (NaN). Unknown columns and rows are skipped."""
    if not isinstance(editor_state, dict):
        return frame
    values = frame.to_numpy(dtype=np.float64, copy=True)
    columns = {name: c for c, name in enumerate(frame.columns)}
    for row, changes in (editor_state.get("edited_rows") or {}).items():
        for name, value in (changes or {}).items():
            if name in columns and 0 <= int(row) < len(values):
                values[int(row), columns[name]] = _cell_value(value)
    deleted = {int(r) for r in editor_state.get("deleted_rows") or []}
    rows = [values[r] for r in range(len(values)) if r not in deleted]
    rows += [[_cell_value(added.get(name)) for name in frame.columns]
             for added in editor_state.get("added_rows") or [] if isinstance(added, dict)]
    return pd.DataFrame(np.array(rows, dtype=np.float64).reshape(len(rows), len(columns)), columns=frame.columns)


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """The same column names and cells (NaN equal to NaN), whatever the index."""
    try:
        return list(a.columns) == list(b.columns) and np.array_equal(
            a.to_numpy(dtype=np.float64), b.to_numpy(dtype=np.float64), equal_nan=True)
    except (TypeError, ValueError):
        return False


def _cell_value(value) -> float:
    try:
        return np.nan if value is None else float(value)
    except (TypeError, ValueError, OverflowError):
        return np.nan


def resize(frame: pd.DataFrame, n_inputs: int, new_inputs: int, new_outputs: int) -> pd.DataFrame:
    """The table with ``new_inputs`` input and ``new_outputs`` target columns.

    Columns that stay keep their cells and names; new columns are named x<k>/y<k> and filled with 0.
    """
    for field, value, limit in (("inputs", new_inputs, LIMITS["inputs"]), ("outputs", new_outputs, LIMITS["outputs"])):
        if not limit.minimum <= value <= limit.maximum:
            raise TableError(field, value, f"{limit.allowed()} columns")
    inputs = list(frame.columns[:n_inputs])
    outputs = list(frame.columns[n_inputs:])
    new_in, new_out = default_names(new_inputs, new_outputs)
    kept_in = inputs[:new_inputs] + [n for n in new_in if n not in inputs][: max(0, new_inputs - len(inputs))]
    if len(outputs) == 1 and new_outputs > 1 and outputs[0] == "y":
        outputs = ["y1"]  # y becomes y1 once there are several outputs
        frame = frame.rename(columns={frame.columns[n_inputs]: "y1"})
    kept_out = outputs[:new_outputs] + [n for n in new_out if n not in outputs][: max(0, new_outputs - len(outputs))]
    names = _unique([*kept_in, *kept_out])
    result = pd.DataFrame(index=range(len(frame)))
    for name in names:
        result[name] = frame[name].to_numpy(dtype=object) if name in frame.columns else 0.0
    return result.apply(pd.to_numeric, errors="coerce").astype(np.float64)


def _unique(names: Sequence[str], taken=(), limit: int = NAME_LIMIT) -> list[str]:
    """Plain column names with duplicates (and names in ``taken``) suffixed _1, _2, ..., so every column can
    be addressed."""
    used = set(taken)
    result = []
    for name in names:
        name = plain_name(name, limit) or "column"
        candidate, k = name, 0
        while candidate in used:
            k += 1
            candidate = f"{name}_{k}"
        used.add(candidate)
        result.append(candidate)
    return result


def prediction_frame(inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray,
                     input_names: Sequence[str], output_names: Sequence[str]) -> pd.DataFrame:
    """One row per table row: inputs, targets (→ name), outputs (name (output)), error (sum of
    |target - output|), right.

    Every column keeps its values whatever the table's columns are called: the table's own columns come
    first in the claim to a name (error, right, targets, outputs, then inputs), and a name already taken
    gets a suffix (an input named ``error`` shows as ``error_1``).
    """
    outs = [plain_name(n) or "column" for n in output_names]
    fixed = ["error", "right"]
    longer = NAME_LIMIT + len(" (output)")  # the mark and the suffix on top of a name's own length
    target_cols = _unique([TARGET_MARK + n for n in outs], fixed, longer)
    output_cols = _unique([f"{n} (output)" for n in outs], fixed + target_cols, longer)
    input_cols = _unique(input_names, fixed + target_cols + output_cols)
    columns: dict[str, object] = {}
    for i, name in enumerate(input_cols):
        columns[name] = inputs[:, i]
    for j, name in enumerate(target_cols):
        columns[name] = targets[:, j]
    for j, name in enumerate(output_cols):
        columns[name] = np.round(outputs[:, j], 4)
    columns["error"] = np.round(np.abs(targets - outputs).sum(axis=1), 4)
    columns["right"] = row_correct(outputs, targets)
    return pd.DataFrame(columns)
