"""Looking inside a run: a numerical gradient check, saturation of hidden units, plain-language notes."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .budget import Cost, forward_work, snapshots_cost
from .limits import MAX_WORK
from .losses import LOSSES
from .program import forward_many
from .training import TrainingRun

# A unit is saturated on a row when its slope is below this share of the
# activation's steepest slope (sigmoid: output below 0.013 or above 0.987).
SATURATION = 0.05
_PEAK_SLOPE = {"sigmoid": 0.25, "tanh": 1.0}
MAX_CHECKED = 2000  # parameters checked by central differences; larger networks get a fixed sample
MAX_CHECK_ROWS = 64  # rows the check runs on; larger tables get a fixed sample (the same for both gradients)
CHECK_WORK = MAX_WORK // 2  # the check's share of the budget (the panel's figure and page take the rest)
CHUNK_BYTES = 16 << 20  # activations of the shifted parameter vectors evaluated at once
# Rounding of a loss, in units of its size: a finite difference is no more precise than this over 2h.
NOISE_ULPS = 16
PASS_ERROR = 1e-4


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Backprop against central differences at one snapshot; arrays are (P,) in ``run.layout`` order.

    ``checked`` is a bool mask of the parameters compared (all, up to MAX_CHECKED); ``rows`` how many of the
    table's rows both gradients are taken on (all, up to MAX_CHECK_ROWS).
    """

    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray
    checked: np.ndarray
    rows: int = 0

    @property
    def max_error(self) -> float:
        errors = self.relative_error[self.checked]
        return float(np.max(errors)) if errors.size else 0.0

    @property
    def passed(self) -> bool:
        return self.max_error < PASS_ERROR


def check_sample(run: TrainingRun) -> tuple[np.ndarray, int]:
    """(rows, how many parameters) :func:`gradient_check` compares: every row up to MAX_CHECK_ROWS, else a fixed
    sample of them; every parameter up to MAX_CHECKED, fewer when that many would cost more than the panel's
    share of the work budget (:func:`gradient_check_cost`)."""
    n = run.inputs.shape[0]
    rows = np.arange(n) if n <= MAX_CHECK_ROWS else np.sort(
        np.random.default_rng(0).choice(n, MAX_CHECK_ROWS, replace=False))
    per_vector = forward_work(run.config, len(rows), run.inputs.shape[1], run.targets.shape[1])
    affordable = max(1, (CHECK_WORK // per_vector - 1) // 2)  # two shifted vectors a parameter, and backprop
    return rows, min(run.parameters.shape[1], MAX_CHECKED, affordable)


def _chunk(run: TrainingRun, rows: int) -> int:
    """Parameter vectors a forward pass evaluates at once: the vectors and every layer's activations within
    CHUNK_BYTES."""
    return max(1, CHUNK_BYTES // (8 * (run.parameters.shape[1] + rows * sum(run.layout.sizes[1:]))))


def gradient_check_cost(run: TrainingRun) -> Cost:
    rows, count = check_sample(run)
    per_vector = forward_work(run.config, len(rows), run.inputs.shape[1], run.targets.shape[1])
    vectors = 2 * (_chunk(run, len(rows)) // 2 or 1)  # shifted copies of the parameters, their activations
    layers = 8 * vectors * (run.parameters.shape[1] + 3 * len(rows) * sum(run.layout.sizes[1:]))
    return Cost((2 * count + 1) * per_vector, layers + 8 * 8 * run.parameters.shape[1] + (24 << 20))


def gradient_check(run: TrainingRun, snapshot: int = -1, step: float = 1e-6) -> GradientCheck:
    """Compare backprop's dL/dtheta with (L(theta + h) - L(theta - h)) / 2h, both on the rows of
    :func:`check_sample`, for the parameters it affords (a fixed sample of a large network).

    The difference is summed row by row (the large totals would cancel), and an error within the rounding of
    the losses themselves counts as agreement: a gradient far smaller than the loss cannot be measured more
    precisely by finite differences (without this, a 1024-row table reported false failures)."""
    theta = run.parameters[snapshot]
    P = theta.size
    rows, count = check_sample(run)
    checked = np.zeros(P, dtype=bool)
    if count == P:
        checked[:] = True
    else:
        checked[np.random.default_rng(0).choice(P, count, replace=False)] = True
    sampled = run if len(rows) == run.inputs.shape[0] else replace(run, inputs=run.inputs[rows],
                                                                   targets=run.targets[rows])
    x, y = sampled.inputs, sampled.targets
    index = np.flatnonzero(checked)
    h = step * np.maximum(1.0, np.abs(theta[index]))
    loss = LOSSES[run.config.loss]
    share = 1.0 if loss.name == "sse" else 1.0 / len(rows)  # the loss: the rows' sum, or their mean
    differences = np.empty(index.size)
    chunk = max(1, _chunk(run, len(rows)) // 2)  # parameters at a time, two shifted vectors each
    with np.errstate(all="ignore"):
        base, _ = forward_many(run.layout, run.activations, loss, theta, x, y)
        noise = NOISE_ULPS * np.finfo(float).eps * (share * np.sum(np.abs(_row_losses(loss, base, y)))
                                                    + abs(float(_penalty(run, theta[None, :])[0])))
        for start in range(0, index.size, chunk):
            part = index[start:start + chunk]
            shifted = np.repeat(theta[None, :], 2 * part.size, axis=0)
            steps = h[start:start + chunk]
            shifted[np.arange(part.size), part] += steps
            shifted[part.size + np.arange(part.size), part] -= steps
            outputs, _ = forward_many(run.layout, run.activations, loss, shifted, x, y)
            per_row = _row_losses(loss, outputs, y)
            penalty = _penalty(run, shifted)
            differences[start:start + part.size] = (share * np.sum(per_row[:part.size] - per_row[part.size:], axis=1)
                                                    + penalty[:part.size] - penalty[part.size:])
        numeric = np.full(P, np.nan)
        numeric[index] = differences / (2 * h)
        analytic = sampled.gradients(snapshot)
        floor = np.full(P, 1e-8)
        floor[index] = np.maximum(floor[index], noise / (2 * h) / PASS_ERROR)
        scale = np.maximum(np.maximum(np.abs(numeric), np.abs(analytic)), floor)
        error = np.where(checked, np.abs(numeric - analytic) / scale, 0.0)
    return GradientCheck(analytic, numeric, error, checked, len(rows))


def _row_losses(loss, outputs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(K, rows) each row's loss, as if it were a table of one row."""
    return loss.value(outputs[:, :, None, :], y[:, None, :], axis=(-2, -1))


def _penalty(run: TrainingRun, params: np.ndarray) -> np.ndarray:
    """The regularization penalty of each parameter vector (K, P) -> (K,): the gradient's integral."""
    config = run.config
    if config.regularization == "none" or config.reg_rate == 0:
        return np.zeros(len(params))
    w = np.concatenate([params[:, s] for s in run.layout.weight_slices], axis=1)
    if config.regularization == "l1":
        return config.reg_rate * np.sum(np.abs(w), axis=1)
    return config.reg_rate / 2 * np.sum(w * w, axis=1)


def saturation(run: TrainingRun) -> np.ndarray:
    """(S, hidden layers): share of each hidden layer's units saturated on every row, per snapshot.

    For ReLU layers, the share of dead units (zero on every row). Linear layers: 0.
    """
    loss = LOSSES[run.config.loss]
    shares = np.zeros((len(run.parameters), len(run.layout.sizes) - 2))
    chunk = _chunk(run, run.inputs.shape[0])  # snapshots at a time: memory stays within CHUNK_BYTES
    for start in range(0, len(run.parameters), chunk):
        with np.errstate(all="ignore"):
            _, layers = forward_many(run.layout, run.activations, loss, run.parameters[start:start + chunk],
                                     run.inputs, run.targets)
        for l, (a, name) in enumerate(zip(layers[:-1], run.activations)):
            if name == "sigmoid":
                flat = a * (1 - a) < SATURATION * _PEAK_SLOPE[name]
            elif name == "tanh":
                flat = 1 - a * a < SATURATION * _PEAK_SLOPE[name]
            elif name == "relu":
                flat = a <= 0
            else:
                continue
            # all rows, per unit; then over units
            shares[start:start + chunk, l] = np.mean(np.all(flat, axis=1), axis=1)
    return shares


def health_cost(run: TrainingRun) -> Cost:
    """The health panel: a forward pass over every row at every snapshot (:func:`saturation`), in chunks."""
    return snapshots_cost(run.config, len(run.parameters), *run.inputs.shape, run.targets.shape[1],
                          CHUNK_BYTES)


def health_notes(run: TrainingRun) -> list[str]:
    """Plain-language notes on what went right or wrong, most important first."""
    notes = []
    if run.diverged_at is not None:
        notes.append(f"Loss exploded at iteration {run.diverged_at}: lower the learning rate "
                     f"(now {run.config.learning_rate:g}).")
    shares = saturation(run)
    iterations = run.snapshot_iterations
    for l, name in enumerate(run.activations[:-1]):
        width = run.layout.sizes[l + 1]
        counts = np.round(shares[:, l] * width).astype(int)
        if counts[-1] == 0:
            continue
        since = int(iterations[np.flatnonzero(counts < counts[-1])[-1] + 1]) if (counts < counts[-1]).any() else 0
        what = "dead (zero on every row)" if name == "relu" else "saturated (flat on every row)"
        layer = f" in hidden layer {l + 1}" if len(run.activations) > 2 else ""
        notes.append(f"{counts[-1]} of {width} hidden units{layer} {what} by iteration {since}: "
                     "they have stopped learning.")
    if run.diverged_at is None and run.loss.size:
        norms = run.gradient_norms[-1]
        for l, norm in enumerate(norms):
            if norm < 1e-7 and not run.learned:
                notes.append(f"The gradient of layer {l + 1} has vanished (norm {norm:.1e}): "
                             "its weights barely move any more.")
        if run.learned:
            notes.append(f"Every row is right from iteration {run.solved_at} on.")
        else:
            half = run.loss[run.loss.size // 2:]
            if half.size > 10 and abs(half[0] - half[-1]) <= 0.01 * max(abs(half[0]), 1e-12):
                notes.append(f"Training stalled: the loss stayed near {half[-1]:.3g} over the last half of the "
                             f"run with {int(np.sum(~run.correct))} row(s) still wrong. Try another seed, "
                             "more hidden units or a different learning rate.")
            else:
                notes.append(f"{int(np.sum(~run.correct))} row(s) still wrong after {run.iterations} iterations.")
    return notes
