"""nnviz.train_further: a finished run continued from its last state equals the longer run trained from the start,
bit for bit, and runs only the new iterations."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import nnviz
from nnviz import playground, training
from ui import planeurl
from nnviz.datasets import DEFAULT_FEATURES

# Everything that is a function of the trajectory alone (the snapshots depend on the schedule, tested apart).
TRAJECTORY = ("loss", "gradient_norms", "rows_correct", "output", "predictions", "test_loss")


def assert_same_run(continued: nnviz.TrainingRun, scratch: nnviz.TrainingRun) -> None:
    """Bit for bit: the bytes of every array, so NaN and -0.0 count too."""
    assert continued.config == scratch.config
    assert continued.iterations == scratch.iterations and continued.diverged_at == scratch.diverged_at
    for name in TRAJECTORY:
        a, b = getattr(continued, name), getattr(scratch, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, name
            assert a.tobytes() == b.tobytes(), name
    assert continued.parameters[-1].tobytes() == scratch.parameters[-1].tobytes()


def assert_snapshots_hold(continued: nnviz.TrainingRun, shorter: nnviz.TrainingRun, **train_args) -> None:
    """The continued schedule: 0 to the end, within the snapshot limit, each iteration up to the shorter run's end
    one that the shorter run kept; and at each of them exactly the longer run's parameters and outputs."""
    its = continued.snapshot_iterations
    assert its[0] == 0 and its[-1] == continued.iterations and np.all(np.diff(its) > 0)
    assert len(its) <= max(continued.config.snapshots, len(shorter.snapshot_iterations))
    assert set(its[its <= shorter.iterations]) <= set(shorter.snapshot_iterations)
    at_same = nnviz.train(config=continued.config, snapshot_iterations=its, **train_args)
    assert at_same.snapshot_iterations.tobytes() == its.tobytes()
    for name in ("parameters", "output_snapshots", "test_output_snapshots"):
        a, b = getattr(continued, name), getattr(at_same, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.tobytes() == b.tobytes(), name


XOR = nnviz.preset("xor")
PARITY = nnviz.preset("parity3")
THREE_CLASSES = ([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.9]],
                 [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]])

CASES = {
    "tutorial": (nnviz.preset("tutorial"), {}),
    "sgd rate 0.5, biases": (XOR, dict(hidden=[4], bias=True, learning_rate=0.5, activation="tanh")),
    "momentum": (XOR, dict(hidden=[4], bias=True, optimizer="momentum", learning_rate=0.1)),
    "adam": (XOR, dict(hidden=[8], bias=True, optimizer="adam", learning_rate=0.05, activation="relu")),
    "mini-batches": (PARITY, dict(hidden=[6], bias=True, batch_size=3, optimizer="adam", learning_rate=0.02)),
    "two hidden layers": (XOR, dict(hidden=[5, 3], bias=True, activation="tanh", learning_rate=0.3,
                                    regularization="l2", reg_rate=0.01)),
    "softmax and ce": (THREE_CLASSES, dict(hidden=[6], bias=True, output_activation="softmax", loss="ce",
                                           optimizer="momentum", learning_rate=0.2, batch_size=4)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_continuing_equals_the_longer_run_from_scratch(name):
    (inputs, targets), options = CASES[name]
    shorter = nnviz.train(inputs, targets, iterations=700, **options)
    continued = nnviz.train_further(shorter, 450)
    scratch = nnviz.train(inputs, targets, iterations=1150, **options)
    assert_same_run(continued, scratch)
    assert_snapshots_hold(continued, shorter, inputs=inputs, targets=targets)


@pytest.mark.parametrize("name", ["tutorial", "mini-batches", "softmax and ce"])
def test_continuing_twice_equals_the_longest_run_from_scratch(name):
    (inputs, targets), options = CASES[name]
    shorter = nnviz.train(inputs, targets, iterations=333, **options)
    twice = nnviz.train_further(nnviz.train_further(shorter, 250), 1001)
    assert_same_run(twice, nnviz.train(inputs, targets, iterations=1584, **options))
    assert_snapshots_hold(twice, shorter, inputs=inputs, targets=targets)


def test_the_tutorial_continued_to_2000_keeps_101_snapshots():
    shorter = nnviz.train(*nnviz.preset("tutorial"))
    continued = nnviz.train_further(shorter, 500)
    scratch = nnviz.train(*nnviz.preset("tutorial"), iterations=2000)
    assert_same_run(continued, scratch)
    assert len(continued.snapshot_iterations) == len(scratch.snapshot_iterations) == 101
    # The from-scratch schedule is every 20th iteration; up to 1500 the nearest multiple of 15 stands in.
    assert list(continued.snapshot_iterations[:4]) == [0, 15, 45, 60]
    assert list(continued.snapshot_iterations[-26:]) == list(range(1500, 2001, 20))


def test_a_run_that_kept_every_iteration_continues_with_the_from_scratch_snapshots():
    shorter = nnviz.train(*XOR, hidden=[3], bias=True, iterations=100)  # 101 snapshots: every iteration
    continued = nnviz.train_further(shorter, 150)
    scratch = nnviz.train(*XOR, hidden=[3], bias=True, iterations=250)
    assert continued.snapshot_iterations.tobytes() == scratch.snapshot_iterations.tobytes()
    assert continued.parameters.tobytes() == scratch.parameters.tobytes()
    assert continued.output_snapshots.tobytes() == scratch.output_snapshots.tobytes()


def test_a_run_with_a_test_set_continues_by_epochs_as_the_plane_page_does():
    settings = {**planeurl.DEFAULTS, "dataset": "spiral", "classes": 3, "points": 200, "noise": 10,
                "hidden": (6, 4), "batch_size": 7, "learning_rate": 0.03, "epochs": 30}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    per = config.iterations // 30
    shorter = playground.train_plane(dataset, DEFAULT_FEATURES, config, playground.epoch_schedule(30))
    longer = playground.epoch_schedule(75)
    continued = nnviz.train_further(shorter, 45 * per, [e * per for e in longer])
    scratch = playground.train_plane(dataset, DEFAULT_FEATURES, config.replace(iterations=75 * per), longer)
    assert continued.test_loss is not None and continued.config.output_activation == "softmax"
    assert_same_run(continued, scratch)
    # Every epoch up to 30 was kept, so the frames are the from-scratch run's too.
    for name in ("snapshot_iterations", "parameters", "output_snapshots", "test_output_snapshots"):
        assert getattr(continued, name).tobytes() == getattr(scratch, name).tobytes(), name


def test_continuing_does_not_change_the_run_and_survives_pickling():
    shorter = nnviz.train(*PARITY, hidden=[4], batch_size=3, optimizer="adam", learning_rate=0.05, iterations=400)
    before = pickle.dumps(shorter)
    first = nnviz.train_further(shorter, 300)
    assert pickle.dumps(shorter) == before  # the optimizer and the batch order were copied, not moved on
    again = nnviz.train_further(pickle.loads(before), 300)  # a cache hands out unpickled copies
    assert_same_run(again, first)


def test_a_continuation_that_diverges_ends_as_the_run_from_scratch():
    options = dict(hidden=[8], activation="relu", output_activation="linear", loss="mse", bias=True,
                   optimizer="momentum", learning_rate=2.0)
    scratch = nnviz.train(*XOR, iterations=1500, **options)
    assert scratch.diverged_at == 866
    continued = nnviz.train_further(nnviz.train(*XOR, iterations=500, **options), 1000)
    assert_same_run(continued, scratch)
    assert continued.snapshot_iterations[-1] == 866
    # The network after 866 updates already gives a loss that is not a number: it diverges at once.
    at_once = nnviz.train_further(nnviz.train(*XOR, iterations=866, **options), 634)
    assert_same_run(at_once, scratch)
    with pytest.raises(nnviz.NnvizError, match="diverged at iteration 866.*lower the learning rate"):
        nnviz.train_further(continued, 10)


def test_continuing_runs_only_the_new_iterations(monkeypatch):
    shorter = nnviz.train(*PARITY, hidden=[4], batch_size=3, optimizer="momentum", learning_rate=0.1,
                          iterations=1200)
    ran, histories = [], []

    class Counting(training.Program):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            histories.append(len(self.history))
            run = self.run
            self.run = lambda first, last: (ran.append(last - first), run(first, last))

    monkeypatch.setattr(training, "Program", Counting)
    continued = nnviz.train_further(shorter, 345)
    assert sum(ran) == 345 and histories == [345]
    ran.clear()
    nnviz.train(*PARITY, config=continued.config)
    assert sum(ran) == 1545  # what going on saved


@pytest.mark.parametrize("extra", [0, -5, 2.5, "many", True, None, float("nan")])
def test_a_bad_number_of_iterations_is_refused(extra):
    run = nnviz.train(*XOR, iterations=100)
    with pytest.raises(nnviz.NnvizError, match="extra_iterations.*whole number from 1 to 19,900"):
        nnviz.train_further(run, extra)


def test_a_total_over_the_limits_is_refused():
    run = nnviz.train(*XOR, iterations=19_000)
    with pytest.raises(nnviz.NnvizError, match="whole number from 1 to 1,000: this run has 19,000 iterations, "
                                               "a run at most 20,000"):
        nnviz.train_further(run, 1500)
    assert nnviz.train_further(run, 1000).iterations == 20_000
    full = nnviz.train(*XOR, iterations=20_000)
    with pytest.raises(nnviz.NnvizError, match="none: this run has 20,000 iterations"):
        nnviz.train_further(full, 1)


def test_a_total_over_the_work_budget_is_refused_as_train_refuses_it():
    inputs = np.random.default_rng(0).random((1024, 10))
    targets = (inputs[:, :1] > 0.5).astype(float)
    options = dict(hidden=[64, 64], bias=True, iterations=50)
    with pytest.raises(nnviz.NnvizError) as from_scratch:
        nnviz.train(inputs, targets, **{**options, "iterations": 400})
    run = nnviz.train(inputs, targets, **options)
    with pytest.raises(nnviz.NnvizError) as going_on:
        nnviz.train_further(run, 350)
    assert going_on.value.field == "iterations" and str(going_on.value) == str(from_scratch.value)
    assert "exceeds 2,500,000,000" in str(going_on.value)


def test_bad_snapshot_iterations_are_refused():
    run = nnviz.train(*XOR, iterations=100)
    with pytest.raises(nnviz.NnvizError, match="snapshot_iterations.*from 0 to 150"):
        nnviz.train_further(run, 50, [0, 10, 151])


def test_further_schedule_says_which_snapshots_are_kept_and_asking_for_them_keeps_them():
    shorter = nnviz.train(*nnviz.preset("tutorial"))
    kept = training.further_schedule(shorter, 500)
    assert kept.tobytes() == nnviz.train_further(shorter, 500).snapshot_iterations.tobytes()
    again = nnviz.train_further(shorter, 500, kept)
    assert again.snapshot_iterations.tobytes() == kept.tobytes()
    assert_same_run(again, nnviz.train(*nnviz.preset("tutorial"), iterations=2000))


def test_the_plane_goes_on_by_epochs_with_the_frames_it_says():
    settings = {**planeurl.DEFAULTS, "epochs": 150}
    dataset = planeurl.dataset_from(settings)
    config = planeurl.config_for(settings, dataset)
    per = config.iterations // 150
    shorter = playground.train_plane(dataset, DEFAULT_FEATURES, config, playground.epoch_schedule(150))
    epochs = playground.further_epochs(shorter, per, 350)
    assert epochs[0] == 0 and epochs[-1] == 350 and len(epochs) <= 101
    assert epochs != playground.epoch_schedule(350)  # every 3.5th epoch; the 150 epochs drew every 1.5th
    continued = playground.train_plane_further(shorter, per, epochs)
    assert tuple(continued.snapshot_iterations // per) == epochs
    assert_same_run(continued, playground.train_plane(dataset, DEFAULT_FEATURES, config.replace(iterations=350 * per),
                                                      epochs))
