"""Looking inside a run: a numerical gradient check, saturation of hidden units, plain-language notes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES
from .reference import forward, penalty_of
from .training import TrainingRun

# A unit is saturated on a row when its slope is below this share of the
# activation's steepest slope (sigmoid: output below 0.013 or above 0.987; see Activation.flat).
SATURATION = 0.05
MAX_CHECKED = 2000  # parameters checked by central differences; larger networks get a fixed sample
PASS_ERROR = 1e-4
_CHUNK = 256  # shifted networks evaluated at once by the gradient check


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Backprop against central differences at one snapshot; arrays are (P,) in ``run.layout`` order.

    ``checked`` is a bool mask of the parameters compared (all, up to MAX_CHECKED).
    """

    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray
    checked: np.ndarray

    @property
    def max_error(self) -> float:
        errors = self.relative_error[self.checked]
        return float(np.max(errors)) if errors.size else 0.0

    @property
    def passed(self) -> bool:
        return self.max_error < PASS_ERROR


def gradient_check(run: TrainingRun, snapshot: int = -1, step: float = 1e-6) -> GradientCheck:
    """Compare backprop's dL/dtheta (the compiled program's) with (L(theta + h) - L(theta - h)) / 2h for every
    parameter, L from the reference forward pass (:mod:`nnviz.reference`)."""
    theta = run.parameters[snapshot]
    P = theta.size
    checked = np.zeros(P, dtype=bool)
    if P <= MAX_CHECKED:
        checked[:] = True
    else:
        checked[np.random.default_rng(0).choice(P, MAX_CHECKED, replace=False)] = True
    index = np.flatnonzero(checked)
    h = step * np.maximum(1.0, np.abs(theta[index]))
    shifted = np.repeat(theta[None, :], 2 * index.size, axis=0)
    shifted[np.arange(index.size), index] += h
    shifted[index.size + np.arange(index.size), index] -= h
    loss = LOSSES[run.config.loss]
    with np.errstate(all="ignore"):
        config = run.config
        values = penalty_of(run.layout, config.regularization, config.reg_rate, shifted)
        for start in range(0, len(shifted), _CHUNK):  # a chunk of networks at once, in bounded memory
            part = slice(start, start + _CHUNK)
            outputs = forward(run.layout, run.activations, shifted[part], run.inputs)[-1]
            values[part] += loss.value(outputs, run.targets)
        numeric = np.full(P, np.nan)
        numeric[index] = (values[: index.size] - values[index.size:]) / (2 * h)
        analytic = run.gradients(snapshot)
        scale = np.maximum(np.maximum(np.abs(numeric), np.abs(analytic)), 1e-8)
        error = np.where(checked, np.abs(numeric - analytic) / scale, 0.0)
    return GradientCheck(analytic, numeric, error, checked)


def saturation(run: TrainingRun) -> np.ndarray:
    """(S, hidden layers): share of each hidden layer's units saturated on every row, per snapshot.

    For ReLU layers, the share of dead units (zero on every row). Linear layers: 0.
    """
    with np.errstate(all="ignore"):
        layers = forward(run.layout, run.activations, run.parameters, run.inputs)
    shares = np.zeros((len(run.parameters), len(layers) - 1))
    for l, (a, name) in enumerate(zip(layers[:-1], run.activations)):
        flat = ACTIVATIONS[name].flat(a, SATURATION)
        shares[:, l] = np.mean(np.all(flat, axis=1), axis=1)  # all rows, per unit; then over units
    return shares


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
