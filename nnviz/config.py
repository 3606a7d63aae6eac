"""The training configuration and its validation.

Everything a user or a URL can set passes through :func:`make_config` and
:func:`check_table`, which raise :class:`NnvizError` naming the field, the
value and what is allowed. Limits come from :mod:`nnviz.limits`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any, Iterable, Optional

import numpy as np

from .activations import ACTIVATIONS, hidden_activations
from .limits import (BATCH_LAYER_WORK, BATCH_SHARE, GRID_CELLS, GRID_SHARE, ITERATION_WORK, LAYER_WORK, LIMITS,
                     MAX_LAYER_STEPS, MAX_WORK, NEURON_WORK, OPTIMIZER_WORK, RECORD_SHARE, RECORD_WORK, SOFTMAX_WORK,
                     STEP_WORK, SWEEP_BATCH_LAYER_WORK, SWEEP_LAYER_WORK, SWEEP_UNIT, UPDATE_WORK)
from .losses import LOSSES, REGULARIZATIONS
from .optimizers import OPTIMIZERS

INITS = ("tutorial", "xavier", "he")


class NnvizError(ValueError):
    """Bad input: ``field`` had ``value``; ``allowed`` says what would do."""

    def __init__(self, field: str, value: Any, allowed: str, message: str | None = None):
        if isinstance(value, np.generic):  # show 'nan', not NumPy's repr 'np.float64(nan)'
            value = value.item()
        self.field, self.value, self.allowed = field, value, allowed
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        super().__init__(message or f"{field}: {shown} is not allowed; {allowed}")


class TableError(NnvizError):
    """Bad input in the table itself (cells, shape, CSV): shown next to the table."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train. The defaults are the tutorial's run."""

    hidden: tuple[int, ...] = (4,)
    iterations: int = 1500
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "sse"
    bias: bool = False
    learning_rate: float = 1.0
    optimizer: str = "sgd"
    batch_size: Optional[int] = None  # None: the whole table every iteration
    init: str = "tutorial"
    seed: int = 0
    snapshots: int = 101
    regularization: str = "none"  # "l1" or "l2": a penalty on the weights, not the biases
    reg_rate: float = 0.0
    # L1 as TensorFlow Playground does it: a separate step after the data step; a weight it takes across zero
    # is set to 0 and stays dead. False: rate * sign(w) is added to the gradient (the truth-table page's form).
    l1_clip: bool = False
    # None: the loss and the whole record of every update, as the truth-table page shows them. N: record on a
    # schedule: losses over all training and test rows every N updates (the plane page: one epoch), at every
    # snapshot and at the end, and nothing else. See TrainingRun.loss_iterations.
    record_every: Optional[int] = None
    # With record_every: also the loss of every update's own mini-batch, before the update (TrainingRun.batch_loss).
    batch_loss: bool = False

    def replace(self, **changes) -> "TrainConfig":
        return make_config(**{**self.as_dict(), **changes})

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["hidden"] = list(self.hidden)
        return d


OPTION_NAMES = tuple(f.name for f in fields(TrainConfig))


def whole(field: str, value: Any, low: int, high: int) -> int:
    """The one whole-number check of the engine: ``value`` as an int from ``low`` to ``high``.

    Any whole number will do, however written (``3``, ``np.int64(3)``, ``3.0``, ``"3"``); a bool, a fraction,
    NaN or infinity is refused with :class:`NnvizError` naming ``field``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, str)):
        raise NnvizError(field, value, f"a whole number from {low} to {high}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise NnvizError(field, value, f"a whole number from {low} to {high}") from None
    if not math.isfinite(number) or number != int(number) or not low <= number <= high:
        raise NnvizError(field, value, f"a whole number from {low} to {high}")
    return int(number)


def limited_whole(field: str, value: Any, limit_name: str | None = None) -> int:
    """:func:`whole` within ``LIMITS[limit_name]`` (default: the limit named ``field``)."""
    limit = LIMITS[limit_name or field]
    return whole(field, value, int(limit.minimum), int(limit.maximum))


def limited_number(field: str, value: Any, limit_name: str | None = None, unit: str = "a number",
                   note: str = "") -> float:
    """The one real-number check: ``value`` as a float within ``LIMITS[limit_name]`` (default: ``field``'s);
    a bool, NaN or a number out of range is refused naming ``field``."""
    limit = LIMITS[limit_name or field]
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = float("nan")
    if isinstance(value, (bool, np.bool_)) or not limit.minimum <= number <= limit.maximum:
        raise NnvizError(field, value, f"{unit} from {limit.allowed()}{note}")
    return number


def _choice(field: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise NnvizError(field, value, "one of " + ", ".join(allowed))
    return value.strip().lower()


def parse_hidden(value: Any) -> tuple[int, ...]:
    """Hidden widths from ``4``, ``"8,8"``, ``[8, 8]`` or ``""``/``[]`` (no hidden layer)."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if value.strip() else []
        if any(p == "" for p in parts):
            raise NnvizError("hidden", value, "comma-separated widths such as 4 or 8,8")
    elif isinstance(value, (numbers.Integral, float)) and not isinstance(value, bool):
        parts = [value]
    elif isinstance(value, (list, tuple, np.ndarray)):
        parts = list(value)
    else:
        raise NnvizError("hidden", value, "a width or a list of widths such as [8, 8]")
    layers = LIMITS["hidden_layers"]
    if not layers.minimum <= len(parts) <= layers.maximum:
        raise NnvizError("hidden", value, f"{layers.allowed()} hidden layers")
    return tuple(limited_whole("hidden", p, "hidden_width") for p in parts)


def make_config(**options) -> TrainConfig:
    """A validated :class:`TrainConfig` from keyword options (unknown names are an error)."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise NnvizError("option", unknown[0], "one of " + ", ".join(OPTION_NAMES))
    d = TrainConfig().as_dict()
    d.update(options)
    lr = limited_number("learning_rate", d["learning_rate"])
    if not isinstance(d["bias"], (bool, np.bool_)):
        raise NnvizError("bias", d["bias"], "True or False")
    for flag in ("l1_clip", "batch_loss"):
        if not isinstance(d[flag], (bool, np.bool_)):
            raise NnvizError(flag, d[flag], "True or False")
    record_every = d["record_every"]
    if record_every is not None:
        record_every = limited_whole("record_every", record_every, "scheduled_iterations")
    batch = d["batch_size"]
    if batch is not None:
        batch = whole("batch_size", batch, 1, int(LIMITS["rows"].maximum))
    config = TrainConfig(
        hidden=parse_hidden(d["hidden"]),
        # Recording every update keeps the record of every update: a shorter limit than on a schedule.
        iterations=limited_whole("iterations", d["iterations"], "iterations" if record_every is None
                                else "scheduled_iterations"),
        activation=_choice("activation", d["activation"], hidden_activations()),
        output_activation=_choice("output_activation", d["output_activation"], ACTIVATIONS),
        loss=_choice("loss", d["loss"], LOSSES),
        bias=bool(d["bias"]),
        learning_rate=lr,
        optimizer=_choice("optimizer", d["optimizer"], OPTIMIZERS),
        batch_size=batch,
        init=_choice("init", d["init"], INITS),
        seed=limited_whole("seed", d["seed"]),
        snapshots=limited_whole("snapshots", d["snapshots"]),
        regularization=_choice("regularization", d["regularization"], REGULARIZATIONS),
        reg_rate=limited_number("reg_rate", d["reg_rate"]),
        l1_clip=bool(d["l1_clip"]),
        record_every=record_every,
        batch_loss=bool(d["batch_loss"]),
    )
    if config.batch_loss and config.record_every is None:
        raise NnvizError("batch_loss", True, "False without record_every: recording every update already "
                                             "records the loss on all rows before each update")

    needed = LOSSES[config.loss].requires_output
    if needed and config.output_activation != needed:
        raise NnvizError(
            "output_activation", config.output_activation,
            f"{needed} with loss {config.loss!r} (or pick another loss)",
        )
    if config.output_activation == "softmax" and config.loss != "ce":
        raise NnvizError("loss", config.loss, "ce (cross-entropy) with a softmax output")
    return config


def resolve_config(config: Optional[TrainConfig], options: dict) -> TrainConfig:
    """``config`` with ``options`` applied, or a config made from ``options`` alone; validated."""
    if config is None:
        return make_config(**options)
    return config.replace(**options) if options else config


def check_table(inputs: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
    """The table as two float64 arrays (rows, inputs) and (rows, outputs), or NnvizError."""
    x = _matrix("inputs", inputs)
    y = _matrix("targets", targets)
    if x.shape[0] != y.shape[0]:
        raise TableError("targets", f"{y.shape[0]} rows", f"as many rows as the inputs ({x.shape[0]})")
    for field, array, limit_name, axis in (
        ("inputs", x, "rows", 0), ("inputs", x, "inputs", 1), ("targets", y, "outputs", 1)
    ):
        limit = LIMITS[limit_name]
        if not limit.minimum <= array.shape[axis] <= limit.maximum:
            raise TableError(field, f"{array.shape[axis]} {limit_name}", f"{limit.allowed()} {limit_name}")
    return x, y


def _matrix(field: str, value: Any) -> np.ndarray:
    if value is None:
        raise TableError(field, value, "a table of numbers, one row per sample")
    try:
        raw = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise TableError(field, "a ragged table", "rows of equal length") from None
    if raw.dtype == object:
        raise TableError(field, "a ragged or mixed table", "rows of equal length holding numbers")
    if raw.dtype.kind not in "biuf":
        try:
            raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            bad = next((v for v in raw.ravel() if not _is_number(v)), raw.ravel()[:1])
            raise TableError(field, bad, "numbers only") from None
    if raw.ndim == 1:
        raw = raw.reshape(-1, 1) if field == "targets" else raw.reshape(1, -1)
    if raw.ndim != 2 or raw.size == 0:
        raise TableError(field, f"shape {raw.shape}", "a non-empty table with one row per sample")
    array = raw.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise TableError(field, array[~np.isfinite(array)][0], "finite numbers only (no NaN or infinity)")
    if np.max(np.abs(array)) > 1e6:
        raise TableError(field, float(np.max(np.abs(array))), "numbers between -1e6 and 1e6")
    return np.ascontiguousarray(array)


def _is_number(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def check_one_hot(targets: np.ndarray) -> None:
    """Cross-entropy with a softmax output needs one column per class and one-hot rows: its gradient,
    (o - y) / rows, is the true one only when every target row sums to 1."""
    if targets.shape[1] < 2:
        raise TableError("targets", f"{targets.shape[1]} target column",
                         "two or more target columns, one per class, for cross-entropy (ce) with a softmax "
                         "output; for a single target use sse, mse or bce")
    one_hot = np.all((targets == 0) | (targets == 1), axis=1) & (np.count_nonzero(targets, axis=1) == 1)
    if not one_hot.all():
        row = int(np.flatnonzero(~one_hot)[0])
        shown = ",".join(f"{v:g}" for v in targets[row])
        raise TableError("targets", f"row {row + 1}: {shown}",
                         "one-hot rows for cross-entropy (ce): a single 1, the other targets 0")


def check_fit(config: TrainConfig, inputs: np.ndarray, targets: np.ndarray, test_rows: int = 0,
              frames: Optional[int] = None) -> None:
    """Checks that need both the table and the config: reachable targets, batch size, work budget.

    A run recording on a schedule (``record_every`` set) is checked with its ``test_rows``, its snapshots
    (``frames``, each drawn over the grid; ``config.snapshots`` when None) and every record such a run can
    make (see :func:`scheduled_work`); :func:`most_iterations` gives the limit it checks against."""
    check_targets(config, targets)
    rows = inputs.shape[0]
    if config.batch_size is not None and config.batch_size > rows:
        raise NnvizError("batch_size", config.batch_size, f"1 to {rows}, the number of rows")
    if config.record_every is not None:
        most = most_iterations(config, rows, inputs.shape[1], targets.shape[1], test_rows, frames)
        if config.iterations > most:
            work = scheduled_work(config, rows, inputs.shape[1], targets.shape[1], test_rows, frames)
            raise NnvizError(
                "iterations", config.iterations,
                f"a smaller run: updates x (layers x {STEP_WORK} + batch x row / {BATCH_SHARE} + {UPDATE_WORK} x "
                f"parameters) + records x ((training + test rows) x row / {RECORD_SHARE} + {RECORD_WORK}) + frames "
                f"x {GRID_CELLS} grid points x row / {GRID_SHARE}, where row = parameters + {NEURON_WORK} x "
                f"neurons, = {work:,} exceeds {MAX_WORK:,}, what one visitor may ask of the server; lower the "
                f"iterations (at most {most:,} here), the widths or the rows")
        return
    n_params = parameter_count(config, inputs.shape[1], targets.shape[1])
    neurons = sum(layer_sizes(config, inputs.shape[1], targets.shape[1])[1:])
    work = run_work(config, rows, inputs.shape[1], targets.shape[1])
    if work > MAX_WORK:
        most = MAX_WORK // (work // config.iterations)
        raise NnvizError(
            "iterations", config.iterations,
            f"a smaller run: ((rows + {UPDATE_WORK}) x parameters + rows x {NEURON_WORK} x neurons + overhead) x "
            f"iterations = (({rows} + {UPDATE_WORK}) x {n_params} + {rows} x {NEURON_WORK} x {neurons} + "
            f"{iteration_overhead(config, rows):,}) x {config.iterations} = {work:,} exceeds {MAX_WORK:,}, what one "
            f"visitor may ask of the server; lower the iterations (at most {most:,} here), the widths, the layers "
            "or the rows",
        )
    steps = (len(config.hidden) + 1) * config.iterations
    if steps > MAX_LAYER_STEPS:
        raise NnvizError(
            "iterations", config.iterations,
            f"layers x iterations up to {MAX_LAYER_STEPS:,} (here {len(config.hidden) + 1} x {config.iterations} "
            f"= {steps:,}); lower the iterations (at most {MAX_LAYER_STEPS // (len(config.hidden) + 1):,} here) "
            "or the hidden layers",
        )


def check_targets(config: TrainConfig, targets: np.ndarray) -> None:
    """Targets the output can reach; one-hot rows for cross-entropy."""
    act = ACTIVATIONS[config.output_activation]
    low, high = float(targets.min()), float(targets.max())
    if low < act.low or high > act.high:
        bad = low if low < act.low else high
        raise TableError(
            "targets", bad,
            f"values from {act.low:g} to {act.high:g}, the range of the {act.name} output "
            "(change the targets or the output activation)",
        )
    if LOSSES[config.loss].requires_output == "softmax":
        check_one_hot(targets)


def run_work(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int) -> int:
    """The cost that MAX_WORK bounds of a run recording every iteration (see nnviz.limits):
    ((rows + UPDATE_WORK) x parameters + rows x NEURON_WORK x neurons + overhead) x iterations."""
    neurons = sum(layer_sizes(config, n_inputs, n_outputs)[1:])
    params = parameter_count(config, n_inputs, n_outputs)
    size = (rows + UPDATE_WORK) * params + rows * NEURON_WORK * neurons
    return (size + iteration_overhead(config, rows)) * config.iterations


def iteration_overhead(config: TrainConfig, rows: int) -> int:
    """Work units of one iteration's Python and NumPy call overhead, whatever the sizes (see nnviz.limits)."""
    batched = config.batch_size is not None and config.batch_size < rows
    softmax = config.output_activation == "softmax"
    return (ITERATION_WORK + (len(config.hidden) + 1) * (BATCH_LAYER_WORK if batched else LAYER_WORK)
            + (OPTIMIZER_WORK if config.optimizer != "sgd" else 0) + softmax * SOFTMAX_WORK * (1 + batched))


def sweep_work(config: TrainConfig, networks: int, rows: int, n_inputs: int, n_outputs: int) -> int:
    """Work units (as run_work's) of a seed sweep: SWEEP_UNIT x networks x rows x parameters x iterations, and
    each iteration's call overhead, which does not shrink with fewer networks."""
    params = parameter_count(config, n_inputs, n_outputs)
    batched = config.batch_size is not None and config.batch_size < rows
    overhead = (ITERATION_WORK + (len(config.hidden) + 1) * (SWEEP_BATCH_LAYER_WORK if batched else SWEEP_LAYER_WORK)
                + (OPTIMIZER_WORK if config.optimizer != "sgd" else 0))
    return (SWEEP_UNIT * networks * rows * params + overhead) * config.iterations


def scheduled_work(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int, test_rows: int = 0,
                   frames: Optional[int] = None, records: Optional[int] = None) -> int:
    """The cost that MAX_WORK bounds of a run recording on a schedule (``record_every`` set), part by part
    (see nnviz.limits): its updates, its records over all training and test rows, its snapshots drawn as
    frames over the grid. ``frames``: snapshots (default: ``config.snapshots``); ``records``: losses recorded
    (default: the most a run of ``config.iterations`` can record with that many frames)."""
    params = parameter_count(config, n_inputs, n_outputs)
    row = params + NEURON_WORK * sum(layer_sizes(config, n_inputs, n_outputs)[1:])  # one row, forward + back
    updates = config.iterations
    batch = min(config.batch_size or rows, rows)
    frames = min(config.snapshots if frames is None else frames, updates + 1)  # a snapshot at most an update
    records = updates // config.record_every + 1 + frames if records is None else records
    return (updates * ((len(config.hidden) + 1) * STEP_WORK + batch * row // BATCH_SHARE + UPDATE_WORK * params)
            + records * ((rows + test_rows) * row // RECORD_SHARE + RECORD_WORK)
            + frames * GRID_CELLS * row // GRID_SHARE)


def most_iterations(config: TrainConfig, rows: int, n_inputs: int, n_outputs: int, test_rows: int = 0,
                    frames: Optional[int] = None) -> int:
    """The most iterations :func:`check_fit` accepts for a run recording on a schedule like ``config``
    (0 if none): the limit, and the work budget with ``frames`` snapshots and every record the run can make.
    The page's advice ("at most N epochs") is this, so the advice and the refusal are one computation."""
    limit = int(LIMITS["scheduled_iterations"].maximum)

    def fits(updates: int) -> bool:
        return scheduled_work(config.replace(iterations=updates), rows, n_inputs, n_outputs, test_rows,
                              frames) <= MAX_WORK

    if fits(limit):
        return limit
    low, high = 0, limit  # fits(low) (or low is 0), not fits(high): the work grows with the updates
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def layer_sizes(config: TrainConfig, n_inputs: int, n_outputs: int) -> list[int]:
    return [n_inputs, *config.hidden, n_outputs]


def parameter_count(config: TrainConfig, n_inputs: int, n_outputs: int) -> int:
    sizes = layer_sizes(config, n_inputs, n_outputs)
    return sum((a + config.bias) * b for a, b in zip(sizes, sizes[1:]))

