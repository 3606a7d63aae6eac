"""The 2-D playground's run: dataset and network -> config, epochs, snapshots (the page's settings and how
they map onto these live in ui/planeurl.py).

Training is counted in epochs as in TensorFlow Playground: one epoch is as many updates as
it takes mini-batches to cover the training points once. Training is
deterministic from ``seed`` (weights and batch order) and ``data_seed`` (the
points), so "Reset" and a copied link give the same run, bit for bit.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional, Sequence

import numpy as np

from .config import NnvizError, TrainConfig, make_config, most_iterations
from .datasets import Dataset, default_options
from .limits import LIMITS
from .losses import LOSSES
from .program import forward_many
from .training import TrainingRun, further_schedule, train, train_further

MAX_WIDTH = 8  # neurons per hidden layer, as in the Playground: a map of each must fit on the page
MAX_BATCH = 100
MAX_EPOCHS = 2000
FRAMES = 100  # epochs drawn as animation frames at most (plus epoch 0)
MOST_FRAMES = FRAMES + 2  # snapshots of a run at most: epoch 0, FRAMES more, and the epoch the page shows
MULTI_CLASS = ("gauss", "spiral")  # the datasets that take more than two classes


def per_epoch(n_train: int, batch_size: int) -> int:
    """Updates in one epoch: mini-batches of ``batch_size`` covering ``n_train`` points once."""
    return max(1, math.ceil(n_train / max(1, min(batch_size, n_train))))


def most_epochs(config: TrainConfig, n_train: int, n_test: int, n_inputs: int, n_outputs: int,
                updates: int) -> int:
    """Most epochs of ``updates`` updates the page offers and the engine accepts, for a ``config`` recording
    every epoch: nnviz.config.most_iterations (the engine's own check) with the most frames the page draws,
    capped at MAX_EPOCHS. The page's advice and its refusal are both this number."""
    one = config.replace(iterations=updates, record_every=updates)
    return min(MAX_EPOCHS, most_iterations(one, n_train, n_inputs, n_outputs, n_test, MOST_FRAMES) // updates)


def plane_config(dataset: Dataset, *, hidden: Sequence[int], activation: str, learning_rate: float,
                 regularization: str, reg_rate: float, batch_size: int, epochs: int, seed: int,
                 features: int) -> TrainConfig:
    """The training configuration of ``epochs`` epochs on ``dataset`` with ``features`` input features: the
    Playground's choices for the problem (output, loss, biases), then the network and its training.

    Raises :class:`NnvizError` naming what to change when the data or the epochs exceed the limits.
    """
    n_train = int(np.count_nonzero(dataset.train))
    n_test = len(dataset.train) - n_train
    rows = int(LIMITS["rows"].maximum)
    if max(n_train, n_test) > rows:
        raise NnvizError("points", len(dataset.train),
                         f"at most {rows} training and {rows} test points: these settings give {n_train} "
                         f"training and {n_test} test points; use fewer points or a ratio nearer 50%")
    batch = int(batch_size)
    epochs = int(epochs)
    updates = per_epoch(n_train, batch)
    options = default_options(dataset.problem, dataset.classes)
    options.update(hidden=[int(w) for w in hidden], activation=activation,
                   learning_rate=float(learning_rate), regularization=regularization,
                   reg_rate=float(reg_rate), batch_size=batch if batch < n_train else None,
                   seed=int(seed), iterations=updates, record_every=updates)
    config = make_config(**options)
    n_outputs = dataset.classes if dataset.classes > 2 else 1
    most = most_epochs(config, n_train, n_test, features, n_outputs, updates)
    if epochs > most:
        if most < 1:  # not reachable with the page's limits (see tests), said plainly all the same
            raise NnvizError("epochs", epochs, f"fewer points, a larger batch or a smaller network: not even one "
                                               f"epoch of {updates} updates fits the work one visitor may ask")
        raise NnvizError("epochs", epochs, f"at most {most} epochs for this data and network ({n_train} training "
                                           f"points in batches of {min(batch, n_train)}: {updates} updates an "
                                           "epoch); or fewer points, a larger batch, a smaller network")
    return config.replace(iterations=epochs * updates)


def epoch_schedule(epochs: int, extra: Sequence[int] = ()) -> tuple[int, ...]:
    """The epochs drawn as frames: every epoch up to :data:`FRAMES`, else evenly spaced, plus ``extra``."""
    even = np.round(np.linspace(0, epochs, min(epochs, FRAMES) + 1)).astype(int)
    return tuple(int(e) for e in np.union1d(even, [e for e in extra if 0 <= e <= epochs]))


def train_plane(dataset: Dataset, features: Sequence[str], config: TrainConfig,
                epochs: Sequence[int]) -> TrainingRun:
    """Train on the training points, the losses over the training and test points recorded every epoch (the
    config's ``record_every``); snapshots at ``epochs``."""
    train_x, train_y, test_x, test_y = dataset.split(features)
    updates = config.iterations // epochs[-1]  # the schedule ends with the last epoch
    run = train(train_x, train_y, config, snapshot_iterations=[e * updates for e in epochs],
                test_inputs=test_x, test_targets=test_y)
    return _one_snapshot_an_epoch(run, epochs, updates) if run.diverged_at is not None else run


def _one_snapshot_an_epoch(run: TrainingRun, epochs: Sequence[int], updates: int) -> TrainingRun:
    """A run that diverged keeps its snapshots up to the update that diverged; the page picks a snapshot by
    the position of its epoch in ``epochs``. So every epoch from there on gets the last state, the one that
    diverged (its snapshot iteration repeated): the page shows it and the warning, never an index error."""
    kept = np.searchsorted(run.snapshot_iterations, np.asarray(epochs) * updates)
    kept = np.minimum(kept, len(run.snapshot_iterations) - 1)

    def picked(array):
        return None if array is None else array[kept]

    return replace(run, snapshot_iterations=run.snapshot_iterations[kept], parameters=run.parameters[kept],
                   output_snapshots=run.output_snapshots[kept], test_output_snapshots=picked(run.test_output_snapshots),
                   dead_links=picked(run.dead_links))


def further_epochs(run: TrainingRun, updates: int, epochs: int) -> tuple[int, ...]:
    """The epochs drawn when :func:`train_plane`'s ``run`` (``updates`` per epoch) goes on to ``epochs``:
    :func:`epoch_schedule`'s, an epoch the run did not draw moved to the nearest it did (nnviz.train_further)."""
    wanted = [e * updates for e in epoch_schedule(epochs)]
    return tuple(int(i) // updates for i in further_schedule(run, epochs * updates - run.iterations, wanted))


def train_plane_further(run: TrainingRun, updates: int, epochs: Sequence[int]) -> TrainingRun:
    """:func:`train_plane`'s ``run`` (``updates`` per epoch) trained on to the last of ``epochs``, with snapshots
    at ``epochs``: only the new updates run, and the run is the longer one from scratch, bit for bit."""
    return train_further(run, epochs[-1] * updates - run.iterations, [e * updates for e in epochs])


def parameter_names(run: TrainingRun, names: Sequence[Sequence[str]]) -> list[str]:
    """A label for every entry of the flat parameter vector: "x1 → h1.1", "bias → y"."""
    labels = [""] * run.layout.size
    for l, (w, b) in enumerate(zip(run.layout.weight_slices, run.layout.bias_slices)):
        fan_in, fan_out = run.layout.shapes[l]
        for i in range(fan_in):
            for j in range(fan_out):
                labels[w.start + i * fan_out + j] = f"{names[l][i]} → {names[l + 1][j]}"
        if b is not None:
            for j in range(fan_out):
                labels[b.start + j] = f"bias → {names[l + 1][j]}"
    return labels


def edited(parameters: np.ndarray, index: int, value: float) -> np.ndarray:
    """A copy of the flat ``parameters`` (P,) with entry ``index`` set to ``value``."""
    if not 0 <= index < parameters.shape[-1]:
        raise NnvizError("weight", index, f"a parameter index from 0 to {parameters.shape[-1] - 1}")
    if not math.isfinite(value) or abs(value) > 1e3:
        raise NnvizError("value", value, "a number from -1000 to 1000")
    out = np.array(parameters, dtype=np.float64)
    out[index] = value
    return out


def losses_of(run: TrainingRun, parameters: np.ndarray) -> tuple[float, Optional[float]]:
    """(training loss, test loss or None) of the network with the flat ``parameters`` (P,)."""
    loss = LOSSES[run.config.loss]
    with np.errstate(all="ignore"):
        out = forward_many(run.layout, run.activations, loss, parameters, run.inputs, run.targets)[0][0]
        train_loss = float(loss.value(out, run.targets))
        if run.test_inputs is None:
            return train_loss, None
        out = forward_many(run.layout, run.activations, loss, parameters, run.test_inputs, run.test_targets)[0][0]
        return train_loss, float(loss.value(out, run.test_targets))


# How features are written on the page.
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1x2": "x₁x₂", "sin_x1": "sin x₁",
                  "sin_x2": "sin x₂"}
