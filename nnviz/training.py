"""Training one network, and the record of it that the front end animates."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

import numpy as np

from .config import (NnvizError, TableError, TrainConfig, whole, check_fit, check_table, check_targets, layer_sizes,
                     resolve_config)
from .limits import DECISION_THRESHOLD, LIMITS
from .losses import LOSSES
from .network import Layout, initial_parameters
from .program import Program, forward_many
from .optimizers import make_optimizer

# Iterations per block of history buffers: losses, gradient norms and
# correctness are computed once per block, vectorized, not once per iteration.
_BLOCK_BYTES = 8 << 20


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """What happened during training. ``T`` iterations ran, ``S`` snapshots were kept.

    Arrays (rows = table rows, L = number of weight layers):

    - ``inputs`` (rows, n_inputs), ``targets`` (rows, n_outputs): the table, float64.
    - ``loss`` (T,): loss of iteration i's forward pass, before its update.
    - ``gradient_norms`` (T, L): Euclidean norm of dL/d(weights and biases) per layer.
    - ``rows_correct`` (T,): rows whose every output is on the target's side of 0.5.
    - ``snapshot_iterations`` (S,): updates applied at each snapshot; first 0, last T.
    - ``parameters`` (S, P): flat weights and biases at each snapshot (see ``layout``).
    - ``output_snapshots`` (S, rows, n_outputs): network outputs at each snapshot.
    - ``output`` (rows, n_outputs): the last forward pass during training, what the
      tutorial prints. ``predictions``: outputs of the trained network.
    - ``diverged_at``: the iteration whose loss was not finite, or None.
    - With a test set (``test_inputs`` (n_test, n_inputs), ``test_targets``): ``test_loss``
      (T,), the loss on the test rows at each iteration (they are never learned from), and
      ``test_output_snapshots`` (S, n_test, n_outputs). Without one these are None.

    What is recorded when: with ``config.record_every`` None (the truth-table page) ``loss``,
    ``gradient_norms``, ``rows_correct`` and ``test_loss`` have one entry per update (T,),
    measured on all training rows before it. With ``record_every`` N (the plane page:
    one epoch) they are measured over all training and test rows after 0, N, 2N, ...
    updates, at every snapshot and at the end, T included; ``gradient_norms`` is then the
    whole training set's gradient there. ``loss_iterations`` (R,) says after how many
    updates each entry was measured, in both cases.
    - ``batch_loss`` (T,) with ``config.batch_loss``: the loss of update i's own mini-batch (the rows it
      trained on), before the update; None without it.
    - ``dead_links`` (S, P) bool with TF Playground's L1 (``config.l1_clip``): the weights
      dead at each snapshot (exactly 0, never updated again); None without it.

    The recorded losses are the data's loss alone; a regularization penalty is not added.
    With a softmax output a row is right when its largest output is its target's class.
    :func:`train_further` goes on training from the run's last state.
    """

    config: TrainConfig
    inputs: np.ndarray
    targets: np.ndarray
    layout: Layout
    loss: np.ndarray
    gradient_norms: np.ndarray
    rows_correct: np.ndarray
    snapshot_iterations: np.ndarray
    parameters: np.ndarray
    output_snapshots: np.ndarray
    output: np.ndarray
    predictions: np.ndarray
    diverged_at: Optional[int] = None
    activations: tuple[str, ...] = field(default=())
    test_inputs: Optional[np.ndarray] = None
    test_targets: Optional[np.ndarray] = None
    test_loss: Optional[np.ndarray] = None
    test_output_snapshots: Optional[np.ndarray] = None
    loss_iterations: Optional[np.ndarray] = None
    dead_links: Optional[np.ndarray] = None
    batch_loss: Optional[np.ndarray] = None
    # How to go on training (see train_further); None for a run that diverged.
    _state: Optional["_Resume"] = field(default=None, repr=False)

    @property
    def iterations(self) -> int:
        return int(self.snapshot_iterations[-1])

    @property
    def weight_snapshots(self) -> list[np.ndarray]:
        """Per layer, (S, fan_in, fan_out)."""
        return self.layout.weights(self.parameters)

    @property
    def bias_snapshots(self) -> Optional[list[np.ndarray]]:
        """Per layer, (S, fan_out), or None without biases."""
        return self.layout.biases(self.parameters)

    @property
    def weights(self) -> list[np.ndarray]:
        """Final weights, per layer (fan_in, fan_out), input side first."""
        return self.layout.weights(self.parameters[-1])

    @property
    def initial_weights(self) -> list[np.ndarray]:
        return self.layout.weights(self.parameters[0])

    @property
    def biases(self) -> Optional[list[np.ndarray]]:
        return self.layout.biases(self.parameters[-1])

    @property
    def initial_biases(self) -> Optional[list[np.ndarray]]:
        return self.layout.biases(self.parameters[0])

    @property
    def final_loss(self) -> float:
        """Loss of the trained network's predictions (inf or NaN after divergence, quietly)."""
        with np.errstate(all="ignore"):
            return float(LOSSES[self.config.loss].value(self.predictions, self.targets))

    @property
    def correct(self) -> np.ndarray:
        """(rows,) bool: each row of the predictions is right (see :func:`row_correct`)."""
        return row_correct(self.predictions, self.targets, self.multiclass)

    @property
    def multiclass(self) -> bool:
        return self.config.output_activation == "softmax"

    @property
    def test_accuracy(self) -> Optional[float]:
        """Share of test rows the trained network gets right, or None without a test set."""
        if self.test_inputs is None:
            return None
        return float(np.mean(row_correct(self.test_output_snapshots[-1], self.test_targets, self.multiclass)))

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.correct))

    @property
    def learned(self) -> bool:
        """Every row right and training did not diverge."""
        return self.diverged_at is None and bool(np.all(self.correct))

    @property
    def solved_at(self) -> Optional[int]:
        """First iteration from which every row stays right to the end, or None."""
        if not self.learned:
            return None
        wrong = np.flatnonzero(self.rows_correct < self.inputs.shape[0])
        if not wrong.size:
            return 0
        after = int(wrong[-1] + 1)  # the first record of the last right stretch
        return int(self.loss_iterations[after]) if after < len(self.loss_iterations) else self.iterations

    def hidden_activations(self, snapshot: int = -1) -> list[np.ndarray]:
        """Each hidden layer's activations (rows, width) at a snapshot index."""
        with np.errstate(all="ignore"):
            _, layers = forward_many(self.layout, self.activations, LOSSES[self.config.loss],
                                     self.parameters[snapshot], self.inputs, self.targets)
        return [a[0] for a in layers[:-1]]

    def gradients(self, snapshot: int = -1) -> np.ndarray:
        """dL/dtheta (P,) on the whole table at a snapshot index."""
        with np.errstate(all="ignore"):
            return gradient(self.layout, self.activations, self.config.loss,
                            self.parameters[snapshot].copy(), self.inputs, self.targets,
                            self.config.regularization, self.config.reg_rate)


def output_correct(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each output on the same side of the threshold as its target; exactly on it is undecided, so wrong."""
    return ((outputs > DECISION_THRESHOLD) == (targets > DECISION_THRESHOLD)) & (outputs != DECISION_THRESHOLD)


def row_correct(outputs: np.ndarray, targets: np.ndarray, multiclass: bool = False) -> np.ndarray:
    """(..., rows) bool: every output of a row right (see :func:`output_correct`); with
    ``multiclass`` (one-hot targets, softmax outputs), the largest output is the target's class."""
    if multiclass:
        return np.argmax(outputs, axis=-1) == np.argmax(targets, axis=-1)
    return np.all(output_correct(outputs, targets), axis=-1)


def gradient(layout: Layout, activations, loss: str, theta: np.ndarray, x: np.ndarray, y: np.ndarray,
             regularization: str = "none", reg_rate: float = 0.0) -> np.ndarray:
    """dL/dtheta for parameters ``theta`` (P,) on the rows x, y (no update), penalty included."""
    return Program(layout, activations, LOSSES[loss], x, y, theta, regularization=regularization,
                   reg_rate=reg_rate).gradient()


def activation_names(config: TrainConfig) -> tuple[str, ...]:
    return (config.activation,) * len(config.hidden) + (config.output_activation,)


def train(inputs: Any, targets: Any, config: Optional[TrainConfig] = None,
          snapshot_iterations: Optional[Sequence[int]] = None, test_inputs: Any = None, test_targets: Any = None,
          **options) -> TrainingRun:
    """Train a network on a table and return the record of it.

    ``inputs`` (rows, n_inputs) and ``targets`` (rows, n_outputs) are anything
    array-like; options are :class:`TrainConfig`'s fields (``hidden``,
    ``iterations``, ``activation``, ...), defaulting to the tutorial's run.
    ``snapshot_iterations`` picks the snapshots instead of ``snapshots`` evenly
    spaced ones (0 and the last iteration are always added). ``test_inputs`` and
    ``test_targets``: rows to evaluate on every iteration without learning from them.
    Raises :class:`~nnviz.config.NnvizError` for bad input.
    """
    config = resolve_config(config, options)
    x, y = check_table(inputs, targets)
    test = None
    if test_inputs is not None or test_targets is not None:
        test = check_table(test_inputs, test_targets)
        if test[0].shape[1] != x.shape[1] or test[1].shape[1] != y.shape[1]:
            raise TableError("test_inputs", f"{test[0].shape[1]} inputs and {test[1].shape[1]} outputs",
                             f"the training table's {x.shape[1]} inputs and {y.shape[1]} outputs")
    chosen = None if snapshot_iterations is None else _chosen_snapshots(snapshot_iterations, config)
    _check_run_fit(config, x, y, test, len(_schedule(config.iterations, chosen, config)))
    try:
        return _fresh(config, x, y, config.iterations, chosen, test)
    except _Diverged as diverged:
        at = diverged.at
    # Train again, deterministically, up to the iteration that diverged, so the record ends with the state
    # that produced the first non-finite loss (a run recording on a schedule may find an earlier one).
    while True:
        try:
            kept = None if chosen is None else chosen[chosen < at]
            return replace(_fresh(config, x, y, at, kept, test, diverged=True), diverged_at=at, _state=None)
        except _Diverged as earlier:
            at = earlier.at


def train_further(run: TrainingRun, extra_iterations: int,
                  snapshot_iterations: Optional[Sequence[int]] = None) -> TrainingRun:
    """``run`` trained ``extra_iterations`` more, from its last state; only the new iterations run.

    The result equals ``train(...)`` of the longer run from the start bit for bit in
    ``loss``, ``gradient_norms``, ``rows_correct``, ``test_loss``, ``output``,
    ``predictions``, the final parameters and ``diverged_at`` (the weights, the
    optimizer's state and the mini-batch order go on where they stopped).

    Snapshots: the longer run's own schedule (``snapshot_iterations``, or evenly
    spaced as :func:`train` picks them), except that an iteration up to
    ``run.iterations`` that ``run`` did not keep moves to the nearest one it kept
    (the earlier on a tie): at most as many snapshots, from 0 to the new last
    iteration, each holding exactly the longer run's parameters and outputs at its
    iteration. Where ``run`` kept them all (every iteration, or nested schedules),
    the snapshots are the from-scratch run's.

    Raises :class:`~nnviz.config.NnvizError` for a run that diverged, or a total over
    :func:`train`'s limits and work budget.
    """
    config = further_config(run, extra_iterations)
    chosen = None if snapshot_iterations is None else _chosen_snapshots(snapshot_iterations, config)
    try:
        return _continued(run, config, config.iterations, chosen)
    except _Diverged as diverged:
        at = diverged.at
    while True:  # as train() does: again from the same state, up to the iteration that diverged
        try:
            kept = None if chosen is None else chosen[chosen < at]
            return replace(_continued(run, config, at, kept, diverged=True), diverged_at=at, _state=None)
        except _Diverged as earlier:
            at = earlier.at


def further_schedule(run: TrainingRun, extra_iterations: int,
                     snapshot_iterations: Optional[Sequence[int]] = None) -> np.ndarray:
    """The snapshot iterations :func:`train_further` keeps with these arguments if the run does not diverge,
    found without training. Asked for as ``snapshot_iterations``, they are kept exactly."""
    config = further_config(run, extra_iterations)
    chosen = None if snapshot_iterations is None else _chosen_snapshots(snapshot_iterations, config)
    early, late = _kept(run, _schedule(config.iterations, chosen, config))
    return np.concatenate([run.snapshot_iterations[early], late])


def further_config(run: TrainingRun, extra_iterations: int) -> TrainConfig:
    """The config of ``run`` trained ``extra_iterations`` more, checked as :func:`train_further` checks it:
    NnvizError for a diverged run, or a total over :func:`train`'s limits and work budget."""
    if not isinstance(run, TrainingRun):
        raise NnvizError("run", type(run).__name__, "a TrainingRun from nnviz.train or nnviz.train_further")
    if run.diverged_at is not None:
        raise NnvizError("run", f"diverged at iteration {run.diverged_at}", "a run that did not diverge",
                         f"This run diverged at iteration {run.diverged_at}: its loss is no longer a number, so "
                         "training further cannot recover it; lower the learning rate and train again")
    if run._state is None:
        raise NnvizError("run", "a run without its training state",
                         "a run from nnviz.train or nnviz.train_further")
    done = run.iterations
    most = int(LIMITS["iterations" if run.config.record_every is None else "scheduled_iterations"].maximum)
    room = f"this run has {done:,} iterations, a run at most {most:,}"
    if done >= most:
        raise NnvizError("extra_iterations", extra_iterations, f"none: {room}")
    try:
        extra = whole("extra_iterations", extra_iterations, 1, most - done)
    except NnvizError:
        raise NnvizError("extra_iterations", extra_iterations, f"a whole number from 1 to {most - done:,}: {room}"
                         ) from None
    config = run.config.replace(iterations=done + extra)
    test = None if run.test_inputs is None else (run.test_inputs, run.test_targets)
    _check_run_fit(config, run.inputs, run.targets, test, len(snapshot_schedule(config.iterations, config.snapshots)))
    return config


def _check_run_fit(config: TrainConfig, x: np.ndarray, y: np.ndarray, test: Optional[tuple[np.ndarray, np.ndarray]],
                   frames: int) -> None:
    """check_fit for a run on ``x, y`` with the ``test`` rows and ``frames`` snapshots."""
    if config.record_every is not None:
        if test is not None:
            check_targets(config, test[1])
        check_fit(config, x, y, 0 if test is None else test[0].shape[0], frames)
        return
    check_fit(config, x, y)
    if test is not None:
        check_fit(config, *test)
        # The test rows cost a forward pass every iteration: the budget counts them with the training rows.
        check_fit(config, np.vstack([x, test[0]]), np.vstack([y, test[1]]))


def _chosen_snapshots(iterations: Sequence[int], config: TrainConfig) -> np.ndarray:
    allowed = f"iteration numbers from 0 to {config.iterations}, at most {int(LIMITS['snapshots'].maximum)}"
    try:
        chosen = np.asarray(iterations, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise NnvizError("snapshot_iterations", iterations, allowed) from None
    if (chosen.size > LIMITS["snapshots"].maximum or not np.all(np.isfinite(chosen))
            or np.any(chosen != np.round(chosen)) or np.any((chosen < 0) | (chosen > config.iterations))):
        raise NnvizError("snapshot_iterations", iterations, allowed)
    return np.unique(chosen.astype(np.int64))


class _Diverged(Exception):
    def __init__(self, at: int):
        self.at = at


def snapshot_schedule(iterations: int, snapshots: int) -> np.ndarray:
    """Evenly spaced iteration numbers from 0 to ``iterations``, both included, no repeats."""
    return np.unique(np.round(np.linspace(0, iterations, min(snapshots, iterations + 1))).astype(np.int64))


def _schedule(iterations: int, chosen: Optional[np.ndarray], config: TrainConfig) -> np.ndarray:
    """The snapshot iterations of a run of ``iterations``: ``chosen`` with 0 and the last, or evenly spaced."""
    if chosen is None:
        return snapshot_schedule(iterations, config.snapshots)
    return np.union1d(chosen[chosen <= iterations], [0, iterations])


@dataclass(frozen=True, eq=False)
class _Resume:
    """What going on from a run's last iteration needs besides its parameters: the optimizer (momentum's
    velocity, Adam's moments and step count; None for plain SGD) and the mini-batch order (None without
    mini-batches). Never changed: :func:`train_further` works on copies."""

    optimizer: Any
    order: Optional["_BatchOrder"]
    alive: Optional[np.ndarray] = None  # TF Playground's L1: 1 for a weight alive, 0 dead (see Program)


@dataclass
class _Segment:
    """The records of iterations run from some state (see :func:`_segment`)."""

    losses: np.ndarray
    norms: np.ndarray
    correct: np.ndarray
    params: np.ndarray
    outputs: np.ndarray
    test_losses: Optional[np.ndarray]
    test_outputs: Optional[np.ndarray]
    last_output: Optional[np.ndarray]  # the last forward pass during training, None if none ran
    recorded: np.ndarray  # iterations (counted from this state) the losses were measured at
    batch_losses: Optional[np.ndarray]  # each update's own mini-batch's loss
    dead: Optional[np.ndarray]  # (S, P) bool with TF Playground's L1
    alive: Optional[np.ndarray]  # the L1 state at the end


def _layout(config: TrainConfig, x: np.ndarray, y: np.ndarray) -> Layout:
    return Layout(layer_sizes(config, x.shape[1], y.shape[1]), config.bias)


def _batch(config: TrainConfig, rows: int) -> Optional[int]:
    return config.batch_size if config.batch_size and config.batch_size < rows else None


def _fresh(config: TrainConfig, x: np.ndarray, y: np.ndarray, iterations: int,
           chosen: Optional[np.ndarray] = None, test: Optional[tuple[np.ndarray, np.ndarray]] = None,
           diverged: bool = False) -> TrainingRun:
    """A run of ``iterations`` from the initial weights."""
    layout = _layout(config, x, y)
    theta = initial_parameters(layout, config.init, config.seed)
    optimizer = None if config.optimizer == "sgd" else make_optimizer(config.optimizer, config.learning_rate,
                                                                        theta.shape)
    batch = _batch(config, x.shape[0])
    order = _BatchOrder(x.shape[0], batch, config.seed) if batch else None
    schedule = _schedule(iterations, chosen, config)
    seg = _segment(config, x, y, layout, theta, optimizer, order, iterations, schedule, test, fresh=True,
                   diverged=diverged)
    test_x, test_y = test if test is not None else (None, None)
    return TrainingRun(
        config=config, inputs=x, targets=y, layout=layout, loss=seg.losses, gradient_norms=seg.norms,
        rows_correct=seg.correct, snapshot_iterations=schedule, parameters=seg.params,
        output_snapshots=seg.outputs,
        output=seg.last_output if seg.last_output is not None else seg.outputs[-1].copy(),
        predictions=seg.outputs[-1], diverged_at=None, activations=activation_names(config), test_inputs=test_x,
        test_targets=test_y, test_loss=seg.test_losses, test_output_snapshots=seg.test_outputs,
        loss_iterations=seg.recorded, dead_links=seg.dead, batch_loss=seg.batch_losses,
        _state=_Resume(optimizer, order.rest() if order else None, seg.alive),
    )


def _nearest(kept: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each of ``wanted`` the nearest of the sorted ``kept`` (at least two), the earlier on a tie."""
    right = np.clip(np.searchsorted(kept, wanted), 1, len(kept) - 1)
    before, after = kept[right - 1], kept[right]
    return np.where(wanted - before <= after - wanted, before, after)


def _kept(run: TrainingRun, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices of ``run``'s snapshots kept, the new snapshot iterations) for the ``wanted`` schedule."""
    done, kept = run.iterations, run.snapshot_iterations
    return np.searchsorted(kept, np.unique(_nearest(kept, wanted[wanted <= done]))), wanted[wanted > done]


def _continued(run: TrainingRun, config: TrainConfig, iterations: int, chosen: Optional[np.ndarray],
               diverged: bool = False) -> TrainingRun:
    """``run`` (not diverged, with its state) continued up to ``iterations`` (at least its own)."""
    done = run.iterations
    kept = run.snapshot_iterations
    early, late = _kept(run, _schedule(iterations, chosen, config))
    optimizer, order, alive = copy.deepcopy((run._state.optimizer, run._state.order, run._state.alive))
    test = None if run.test_inputs is None else (run.test_inputs, run.test_targets)
    if iterations == done:  # it diverges at once: nothing new, the snapshots thinned
        return replace(run, config=config, snapshot_iterations=kept[early], parameters=run.parameters[early],
                       output_snapshots=run.output_snapshots[early], predictions=run.output_snapshots[early][-1],
                       test_output_snapshots=None if test is None else run.test_output_snapshots[early],
                       dead_links=None if run.dead_links is None else run.dead_links[early])
    try:
        seg = _segment(config, run.inputs, run.targets, run.layout, run.parameters[-1], optimizer, order,
                       iterations - done, late - done, test, fresh=False, diverged=diverged, alive=alive,
                       offset=done)
    except _Diverged as diverged:
        raise _Diverged(done + diverged.at) from None

    def joined(old: Optional[np.ndarray], new: Optional[np.ndarray], keep=slice(None)) -> Optional[np.ndarray]:
        return None if old is None else np.concatenate([old[keep], new])

    outputs = joined(run.output_snapshots, seg.outputs, early)
    return replace(
        run, config=config, loss=joined(run.loss, seg.losses), gradient_norms=joined(run.gradient_norms, seg.norms),
        rows_correct=joined(run.rows_correct, seg.correct), snapshot_iterations=joined(kept, late, early),
        parameters=joined(run.parameters, seg.params, early), output_snapshots=outputs,
        output=seg.last_output, predictions=outputs[-1], test_loss=joined(run.test_loss, seg.test_losses),
        test_output_snapshots=joined(run.test_output_snapshots, seg.test_outputs, early),
        loss_iterations=joined(run.loss_iterations, seg.recorded + done),
        batch_loss=joined(run.batch_loss, seg.batch_losses),
        dead_links=joined(run.dead_links, seg.dead, early),
        _state=_Resume(optimizer, order.rest() if order else None, seg.alive),
    )


class _Recorder:
    """The arrays a segment fills, per record (loss, gradient norms, rows right, test loss) and per snapshot
    (parameters, dead links, outputs, test outputs), and how a block of a program's history becomes records."""

    def __init__(self, history: Program, layout: Layout, config: TrainConfig, y: np.ndarray,
                 test_y: Optional[np.ndarray], records: int, snapshots: int, dead: bool):
        rows, n_out = y.shape
        self.history, self.y, self.test_y = history, y, test_y
        self.loss, self.multiclass = LOSSES[config.loss], config.output_activation == "softmax"
        self.shape, self.test_shape = (rows, n_out), (0 if test_y is None else test_y.shape[0], n_out)
        self.outs = history.activation_slices[-1]
        self.layer_slices = [slice(history.grad_slice.start + s.start, history.grad_slice.start + s.stop)
                             for s in layout.layer_slices()]
        self.params = np.empty((snapshots, layout.size))
        self.dead = np.empty((snapshots, layout.size), dtype=bool) if dead else None
        self.outputs = np.empty((snapshots, rows, n_out))
        self.losses = np.empty(records)
        self.norms = np.empty((records, len(layout.shapes)))
        self.correct = np.empty(records, dtype=np.int64)
        self.test_losses = np.empty(records) if test_y is not None else None
        self.test_outputs = np.empty((snapshots, *self.test_shape)) if test_y is not None else None

    def keep(self, k: int, program: Program) -> None:
        """Snapshot ``k``: the parameters of ``program`` now (and its dead links)."""
        program.parameters(self.params[k])
        if self.dead is not None:
            np.equal(program.alive, 0.0, out=self.dead[k])

    def measure(self, n: int, at: int) -> tuple[np.ndarray, Optional[np.ndarray]]:
        """Records ``at`` to ``at + n`` from the first ``n`` rows of the history; returns their outputs
        (n, rows, n_out) and test outputs (or None)."""
        H, where = self.history.history, slice(at, at + n)
        block_out = H[:n, self.outs].reshape(n, *self.shape)
        self.losses[where] = self.loss.value(block_out, self.y)
        test_out = None
        if self.test_y is not None:
            test_out = H[:n, self.history.test_slice].reshape(n, *self.test_shape)
            self.test_losses[where] = self.loss.value(test_out, self.test_y)
        for l, s in enumerate(self.layer_slices):
            g = H[:n, s]
            self.norms[where, l] = np.sqrt(np.einsum("ij,ij->i", g, g))
        self.correct[where] = np.count_nonzero(row_correct(block_out, self.y, self.multiclass), axis=1)
        return block_out, test_out


def _segment(config: TrainConfig, x: np.ndarray, y: np.ndarray, layout: Layout, theta: np.ndarray, optimizer,
             order: Optional["_BatchOrder"], iterations: int, schedule: np.ndarray,
             test: Optional[tuple[np.ndarray, np.ndarray]] = None, fresh: bool = True, diverged: bool = False,
             alive: Optional[np.ndarray] = None, offset: int = 0) -> _Segment:
    """Run ``iterations`` from the parameters ``theta`` (P,), changing ``optimizer`` and ``order`` in place.

    ``schedule``: sorted iteration numbers counted from this state, the last = ``iterations``; the snapshots
    (parameters after that many updates, and the outputs) are kept there. Raises _Diverged at the first
    iteration (counted from this state) whose loss is not finite, unless ``diverged`` (a run trained again up
    to where it diverged). ``alive``: TF Playground's L1 state to go on from. ``offset``: updates before this
    state (the schedule of recorded losses counts from the run's start); ``fresh``: this state is the start.
    """
    if config.record_every is not None:
        return _scheduled_segment(config, x, y, layout, theta, optimizer, order, iterations, schedule, test,
                                  fresh, diverged, alive, offset)
    rows, n_out = y.shape
    acts = activation_names(config)
    loss = LOSSES[config.loss]
    batch = _batch(config, rows)
    test_x, test_y = test if test is not None else (None, None)
    test_rows = 0 if test_x is None else test_x.shape[0]
    record = layout.size + rows * sum(layout.sizes[1:]) + test_rows * n_out
    block = max(1, min(iterations, _BLOCK_BYTES // (8 * record)))
    step = None if optimizer is None else optimizer.step
    program = Program(layout, acts, loss, x, y, theta, batch, block, step, config.learning_rate,
                      config.regularization, config.reg_rate, test_x, l1_clip=config.l1_clip)
    if alive is not None:
        program.alive[:] = alive
    rec = _Recorder(program, layout, config, y, test_y, iterations, len(schedule), program.alive is not None)

    k = 0  # next snapshot
    start = 0
    with np.errstate(all="ignore"):
        while start < iterations:
            stop = min(start + block, iterations)
            if order:
                program.batches[: stop - start] = order.take(stop - start)
            first, taken = start, []
            while first < stop:  # run up to each snapshot, copy the parameters there
                if schedule[k] == first:
                    rec.keep(k, program)
                    taken.append(k)
                    k += 1
                last = min(stop, int(schedule[k])) if k < len(schedule) else stop
                program.run(first - start, last - start)
                first = last
            block_out, test_out = rec.measure(stop - start, start)
            for i in taken:
                rec.outputs[i] = block_out[schedule[i] - start]
                if test_out is not None:
                    rec.test_outputs[i] = test_out[schedule[i] - start]
            bad = ~np.isfinite(rec.losses[start:stop])
            if bad.any():
                raise _Diverged(start + int(np.argmax(bad)))
            start = stop
        last_output = block_out[-1].copy() if iterations else None
        rec.keep(k, program)  # the last snapshot is the trained network
        rec.outputs[k] = program.forward()
        if test_rows:
            rec.test_outputs[k] = forward_many(layout, acts, loss, rec.params[k], test_x, test_y)[0][0]
    return _Segment(rec.losses, rec.norms, rec.correct, rec.params, rec.outputs, rec.test_losses, rec.test_outputs,
                    last_output, np.arange(iterations), None, rec.dead,
                    None if program.alive is None else program.alive.copy())


def record_points(iterations: int, every: int, schedule: np.ndarray, offset: int = 0,
                  fresh: bool = True) -> np.ndarray:
    """Where a run that records on a schedule measures its losses, counted from this state: after every
    ``every``-th update of the run (``offset`` updates before this state), at the ``schedule``'s snapshots
    and at the end; the state itself only when it is the start (``fresh``)."""
    first = -(-(offset + (0 if fresh else 1)) // every) * every - offset
    regular = np.arange(first, iterations + 1, every)
    points = np.union1d(np.union1d(regular, schedule), [iterations])
    return points if fresh else points[points > 0]


def _scheduled_segment(config: TrainConfig, x: np.ndarray, y: np.ndarray, layout: Layout, theta: np.ndarray,
                       optimizer, order: Optional["_BatchOrder"], iterations: int, schedule: np.ndarray,
                       test: Optional[tuple[np.ndarray, np.ndarray]], fresh: bool, diverged: bool,
                       alive: Optional[np.ndarray], offset: int) -> _Segment:
    """:func:`_segment` recording on a schedule (``config.record_every`` set): the training program records
    nothing; a second one on the same parameters measures every training and test row at
    :func:`record_points` (see :class:`nnviz.program.Program`'s ``record``)."""
    rows, n_out = y.shape
    acts = activation_names(config)
    loss = LOSSES[config.loss]
    batch = _batch(config, rows)
    test_x, test_y = test if test is not None else (None, None)
    test_rows = 0 if test_x is None else test_x.shape[0]
    points = record_points(iterations, config.record_every, schedule, offset, fresh)
    size = layout.size + rows * sum(layout.sizes[1:]) + test_rows * n_out
    rblock = max(1, min(len(points), _BLOCK_BYTES // (8 * size)))
    # Updates run in windows of at most about 8 MB of their rows: mini-batches gathered, outputs kept.
    tblock = max(1, min(iterations, _BLOCK_BYTES // (8 * (batch or rows) * (x.shape[1] + n_out))))
    step = None if optimizer is None else optimizer.step
    trainer = Program(layout, acts, loss, x, y, theta, batch, tblock, step, config.learning_rate,
                      config.regularization, config.reg_rate, record=False, l1_clip=config.l1_clip,
                      batch_outputs=config.batch_loss)
    batch_losses = np.empty(iterations) if config.batch_loss else None
    if alive is not None:
        trainer.alive[:] = alive
    clip = trainer.alive is not None
    meter = Program(layout, acts, loss, x, y, theta, None, rblock, None, 1.0,
                    "none" if clip else config.regularization, config.reg_rate, test_x, theta_buffer=trainer.theta)
    rec = _Recorder(meter, layout, config, y, test_y, len(points), len(schedule), clip)

    done = 0  # updates run
    gathered = (0, 0)  # the updates whose batches the trainer holds
    k = 0  # next snapshot
    with np.errstate(all="ignore"):
        for first in range(0, len(points), rblock):
            last = min(first + rblock, len(points))
            taken = []
            for r in range(first, last):
                at = int(points[r])
                while done < at:
                    if done == gathered[1]:
                        count = min(tblock, iterations - done)
                        if order:
                            trainer.gather(order.take(count))
                        gathered = (done, done + count)
                    until = min(at, gathered[1])
                    trainer.run(done - gathered[0], until - gathered[0])
                    if batch_losses is not None:
                        window = slice(done - gathered[0], until - gathered[0])
                        rows_y = trainer.namespace["YBLK"][window] if order else y
                        batch_losses[done:until] = loss.value(trainer.batch_outputs[window], rows_y)
                    done = until
                meter.evaluate(r - first)
                if k < len(schedule) and schedule[k] == at:
                    rec.keep(k, trainer)
                    taken.append((k, r - first))
                    k += 1
            block_out, test_out = rec.measure(last - first, first)
            for i, j in taken:
                rec.outputs[i] = block_out[j]
                if test_out is not None:
                    rec.test_outputs[i] = test_out[j]
            bad = ~np.isfinite(rec.losses[first:last])
            if bad.any():
                at = int(points[first + int(np.argmax(bad))])
                # Trained again up to where it diverged (``diverged``), the run ends with that record; a record
                # the first run did not make (a snapshot of the shorter run's) may be the first bad one.
                if not diverged or at < iterations:
                    raise _Diverged(at)
    return _Segment(rec.losses, rec.norms, rec.correct, rec.params, rec.outputs, rec.test_losses,
                    rec.test_outputs, rec.outputs[-1].copy(), points, batch_losses, rec.dead,
                    trainer.alive.copy() if clip else None)


class _BatchOrder:
    """Mini-batches of exactly ``batch`` rows from a stream of shuffled epochs, seeded."""

    def __init__(self, rows: int, batch: int, seed: int):
        self.rng = np.random.default_rng([seed, 1])  # a stream apart from the weights' one
        self.rows, self.batch = rows, batch
        self.stream = np.empty(0, dtype=np.intp)
        self.pos = 0

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` batches, (count, batch) row indices."""
        need = count * self.batch
        if self.pos + need > self.stream.size:
            epochs = -(-(need - (self.stream.size - self.pos)) // self.rows)
            fresh = [self.rng.permutation(self.rows) for _ in range(epochs)]
            self.stream = np.concatenate([self.stream[self.pos:], *fresh])
            self.pos = 0
        idx = self.stream[self.pos:self.pos + need]
        self.pos += need
        return idx.reshape(count, self.batch)

    def rest(self) -> "_BatchOrder":
        """Itself without the rows already handed out (fewer than an epoch stay), to keep."""
        self.stream, self.pos = self.stream[self.pos:].copy(), 0
        return self
