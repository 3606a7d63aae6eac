"""Training behaves: the tutorial's run learns, randomness follows the seed, divergence is caught."""
import warnings

import numpy as np
import pytest

import nnviz
from nnviz.export import run_to_dict

TUTORIAL = nnviz.preset("tutorial")
# Linear layers with the sum of squares and rate 1 overshoot more each step: the
# loss grows about 1e40-fold per iteration and overflows within a few iterations.
DIVERGENT = dict(activation="linear", output_activation="linear", loss="sse", learning_rate=1.0)


def test_default_run_learns_the_tutorial_table_for_almost_every_seed():
    learned = [seed for seed in range(100) if nnviz.train(*TUTORIAL, seed=seed).learned]
    assert len(learned) >= 95, f"learned for only {len(learned)} of 100 seeds"


def test_default_run_is_the_tutorial_printout_shape_and_learns():
    run = nnviz.train(*TUTORIAL)
    assert run.output.shape == (4, 1) and run.loss.shape == (1500,)
    np.testing.assert_array_equal(run.output > 0.5, TUTORIAL.targets > 0.5)
    assert run.loss[-1] < run.loss[0] / 10
    assert run.solved_at is not None and 0 < run.solved_at < 1500


def test_minibatches_follow_the_seed():
    table = nnviz.preset("full_adder")
    options = dict(hidden=[6], batch_size=3, iterations=200, init="xavier", bias=True)
    first = nnviz.train(*table, seed=7, **options)
    again = nnviz.train(*table, seed=7, **options)
    other = nnviz.train(*table, seed=8, **options)
    np.testing.assert_array_equal(first.loss, again.loss)
    np.testing.assert_array_equal(first.parameters, again.parameters)
    assert not np.array_equal(first.loss, other.loss)
    # Mini-batches change the trajectory: the same seed on the whole table differs.
    whole = nnviz.train(*table, seed=7, **{**options, "batch_size": None})
    np.testing.assert_array_equal(whole.parameters[0], first.parameters[0])
    assert not np.array_equal(whole.parameters[-1], first.parameters[-1])


def test_batch_size_of_the_whole_table_is_full_batch_training():
    full = nnviz.train(*TUTORIAL, iterations=50)
    same = nnviz.train(*TUTORIAL, iterations=50, batch_size=4)
    np.testing.assert_array_equal(full.loss, same.loss)


def test_divergence_is_caught_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = nnviz.train(*TUTORIAL, **DIVERGENT)
        exported = run_to_dict(run)
    assert run.diverged_at is not None and 0 < run.diverged_at < 20
    # The record stops at the state whose loss was not finite: every loss kept is finite.
    assert run.loss.shape == (run.diverged_at,)
    assert np.all(np.isfinite(run.loss))
    assert run.snapshot_iterations[0] == 0 and run.snapshot_iterations[-1] == run.diverged_at
    assert not run.learned and run.solved_at is None
    assert exported["diverged_at"] == run.diverged_at and exported["final_loss"] is None


def test_final_loss_of_a_diverged_run_emits_no_warning():
    run = nnviz.train(*TUTORIAL, **DIVERGENT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not np.isfinite(run.final_loss)


def test_gradients_and_activations_of_a_diverged_run_emit_no_warning():
    run = nnviz.train(*TUTORIAL, hidden=[4, 4], **DIVERGENT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.gradients()
        run.hidden_activations()


def test_stable_runs_do_not_report_divergence():
    run = nnviz.train(*TUTORIAL, **{**DIVERGENT, "learning_rate": 0.01}, iterations=300)
    assert run.diverged_at is None and run.loss.shape == (300,)
    assert run.loss[-1] < run.loss[0]


@pytest.mark.parametrize("iterations,snapshots", [
    (1, 2), (1, 101), (2, 3), (7, 2), (10, 11), (10, 201), (1500, 101), (1000, 7), (333, 200),
])
def test_snapshots(iterations, snapshots):
    run = nnviz.train(*TUTORIAL, iterations=iterations, snapshots=snapshots)
    kept = run.snapshot_iterations
    assert kept[0] == 0 and kept[-1] == iterations
    assert len(kept) == min(snapshots, iterations + 1)
    assert np.all(np.diff(kept) > 0)
    assert run.parameters.shape == (len(kept), run.layout.size)
    assert run.output_snapshots.shape == (len(kept), 4, 1)
    # The first snapshot is the initial network, the last the trained one.
    first_loss = nnviz.LOSSES["sse"].value(run.output_snapshots[0], run.targets)
    assert first_loss == pytest.approx(run.loss[0], rel=1e-12)
    np.testing.assert_array_equal(run.output_snapshots[-1], run.predictions)


def test_snapshots_match_a_run_stopped_there():
    run = nnviz.train(*TUTORIAL, iterations=100, snapshots=5)
    for k, stop in enumerate(run.snapshot_iterations[1:-1], start=1):
        shorter = nnviz.train(*TUTORIAL, iterations=int(stop), snapshots=2)
        np.testing.assert_array_equal(run.parameters[k], shorter.parameters[-1])
