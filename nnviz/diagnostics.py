"""Looking inside a run: a numerical gradient check, saturation of hidden units, plain-language notes."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from .activations import ACTIVATIONS
from .budget import Cost, forward_work, snapshots_cost
from .limits import MAX_WORK
from .losses import LOSSES
from .reference import forward, penalty_of
from .training import TrainingRun

# A unit is saturated on a row when its slope is below this share of the
# activation's steepest slope (sigmoid: output below 0.013 or above 0.987; see Activation.flat).
SATURATION = 0.05
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
    """Compare backprop's dL/dtheta (the compiled program's) with (L(theta + h) - L(theta - h)) / 2h, both on the rows of
    :func:`check_sample`, for the parameters it affords (a fixed sample of a large network); L from the reference forward pass
    (:mod:`nnviz.reference`).

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
        base = forward(run.layout, run.activations, theta[None, :], x)[-1]
        noise = NOISE_ULPS * np.finfo(float).eps * (share * np.sum(np.abs(_row_losses(loss, base, y)))
                                                    + abs(float(_penalty(run, theta[None, :])[0])))
        for start in range(0, index.size, chunk):
            part = index[start:start + chunk]
            shifted = np.repeat(theta[None, :], 2 * part.size, axis=0)
            steps = h[start:start + chunk]
            shifted[np.arange(part.size), part] += steps
            shifted[part.size + np.arange(part.size), part] -= steps
            outputs = forward(run.layout, run.activations, shifted, x)[-1]
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


def _penalty(run: TrainingRun, params: np.ndarray) -> np.ndarray:
    """The regularization penalty of each parameter vector (K, P) -> (K,): the gradient's integral."""
    return penalty_of(run.layout, run.config.regularization, run.config.reg_rate, params)


def _row_losses(loss, outputs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(K, rows) each row's loss, as if it were a table of one row."""
    return loss.value(outputs[:, :, None, :], y[:, None, :], axis=(-2, -1))


def saturation(run: TrainingRun) -> np.ndarray:
    """(S, hidden layers): share of each hidden layer's units saturated on every row, per snapshot.

    For ReLU layers, the share of dead units (zero on every row). Linear layers: 0.
    """
    shares = np.zeros((len(run.parameters), len(run.layout.sizes) - 2))
    chunk = _chunk(run, run.inputs.shape[0])  # snapshots at a time: memory stays within CHUNK_BYTES
    for start in range(0, len(run.parameters), chunk):
        with np.errstate(all="ignore"):
            layers = forward(run.layout, run.activations, run.parameters[start:start + chunk], run.inputs)
        for l, (a, name) in enumerate(zip(layers[:-1], run.activations)):
            flat = ACTIVATIONS[name].flat(a, SATURATION)
            # all rows, per unit; then over units
            shares[start:start + chunk, l] = np.mean(np.all(flat, axis=1), axis=1)
    return shares


def health_cost(run: TrainingRun) -> Cost:
    """The health panel: a forward pass over every row at every snapshot (:func:`saturation`), in chunks."""
    return snapshots_cost(run.config, len(run.parameters), *run.inputs.shape, run.targets.shape[1],
                          CHUNK_BYTES)


ADAM_RATE = 0.01  # the learning rate Adam is usually run with (its paper's 0.001 is slow on these tiny tables)
SMALL_RATE, LARGE_RATE = 0.1, 10.0  # plain SGD on these tables: below crawls, above overshoots (tutorial: 1)
BARELY_MOVED = 0.25  # a loss that fell by less than this share over the whole run "barely moved"


def likely_fix(run: TrainingRun) -> Optional[str]:
    """The one change most likely to make a run that failed learn, in a sentence; None when it learned.

    Checked in this order because the earlier causes hide the later ones: a divergence or Adam at an SGD
    rate, dead or saturated units, too little capacity, a rate too small to move the loss."""
    rate, optimizer = run.config.learning_rate, run.config.optimizer
    if run.diverged_at is None and run.learned:
        return None
    if optimizer == "adam" and (run.diverged_at is not None or rate > 5 * ADAM_RATE):
        return f"Adam usually wants a learning rate near {ADAM_RATE:g} (now {rate:g})."
    if run.diverged_at is not None:
        return f"Lower the learning rate (now {rate:g}): try {rate / 10:g}."
    stuck = np.round(saturation(run)[-1] * np.asarray(run.layout.sizes[1:-1])).astype(int) if len(
        run.layout.sizes) > 2 else np.zeros(0, dtype=int)
    if stuck.sum() > 0:
        what = "dead" if "relu" in run.activations[:-1] else "saturated"
        return (f"{int(stuck.sum())} hidden unit(s) {what}: lower the learning rate (now {rate:g}) or try "
                "another seed.")
    if len(run.layout.sizes) == 2:
        return "Without a hidden layer a network draws one straight line: add a hidden layer."
    if min(run.layout.sizes[1:-1]) < 2:
        return "Give the network more hidden units."
    first, last = float(run.loss[0]), float(run.loss[-1])
    if first > 0 and (first - last) / first < BARELY_MOVED:
        if rate <= SMALL_RATE:
            return f"The loss barely moved: raise the learning rate (now {rate:g}), try {rate * 10:g}."
        if rate >= LARGE_RATE:
            return f"The loss barely moved: steps this large overshoot, lower the learning rate (now {rate:g})."
    return "Try more iterations or another seed."


def health_notes(run: TrainingRun) -> list[str]:
    """Plain-language notes on what went right or wrong, most important first."""
    notes = []
    if run.diverged_at is not None:
        notes.append(f"Loss exploded at iteration {run.diverged_at}. {likely_fix(run)}")
    shares = saturation(run)
    iterations = run.snapshot_iterations
    for l, name in enumerate(run.activations[:-1]):
        width = run.layout.sizes[l + 1]
        counts = np.round(shares[:, l] * width).astype(int)
        if counts[-1] == 0:
            continue
        since = int(iterations[np.flatnonzero(counts < counts[-1])[-1] + 1]) if (counts < counts[-1]).any() else 0
        what = ACTIVATIONS[name].stuck
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
                             f"run with {int(np.sum(~run.correct))} row(s) still wrong. {likely_fix(run)}")
            else:
                notes.append(f"{int(np.sum(~run.correct))} row(s) still wrong after {run.iterations} iterations. "
                             f"{likely_fix(run)}")
    return notes
