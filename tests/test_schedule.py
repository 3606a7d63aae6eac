"""Runs that record on a schedule (``record_every``): the losses over all rows every N updates, at the snapshots
and at the end, and nothing every update; the same training as recording every update, bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

import nnviz
from nnviz import datasets
from nnviz.losses import LOSSES
from nnviz.program import forward_many
from nnviz.training import record_points


@pytest.fixture(scope="module")
def spiral():
    data = datasets.generate("spiral", 200, 0.1, 0.5, 3, 2)
    return data.split(("x1", "x2"))


def options(**changes):
    return {**datasets.default_options("classification", 2), "hidden": [8, 8], "iterations": 200,
            "record_every": 10, **changes}


def test_record_points_fall_every_n_updates_at_snapshots_and_at_the_end():
    assert list(record_points(25, 10, np.array([0, 7, 25]))) == [0, 7, 10, 20, 25]
    # going on from update 25 of the run: the run's own multiples of 10, not this state's; not 25 itself
    assert list(record_points(20, 10, np.array([20]), offset=25, fresh=False)) == [5, 15, 20]


def test_losses_are_those_of_the_parameters_at_the_recorded_updates(spiral):
    x, y, tx, ty = spiral
    run = nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshot_iterations=[0, 55, 200], **options())
    assert list(run.loss_iterations) == sorted({*range(0, 201, 10), 55})
    assert run.loss.shape == run.test_loss.shape == run.rows_correct.shape == (len(run.loss_iterations),)
    loss = LOSSES[run.config.loss]
    for k, at in enumerate(run.snapshot_iterations):
        r = list(run.loss_iterations).index(at)
        out = forward_many(run.layout, run.activations, loss, run.parameters[k], x, y)[0][0]
        test_out = forward_many(run.layout, run.activations, loss, run.parameters[k], tx, ty)[0][0]
        assert run.loss[r] == pytest.approx(float(loss.value(out, y)), rel=1e-12)
        assert run.test_loss[r] == pytest.approx(float(loss.value(test_out, ty)), rel=1e-12)
        np.testing.assert_array_equal(run.output_snapshots[k], out)


def test_the_training_is_the_same_as_recording_every_update(spiral):
    """Recording less changes nothing the network learns: the same parameters, bit for bit."""
    x, y, tx, ty = spiral
    every = nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshots=5, **options(record_every=None))
    scheduled = nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshots=5, **options())
    np.testing.assert_array_equal(every.parameters, scheduled.parameters)
    np.testing.assert_array_equal(every.loss[::10], scheduled.loss[:-1])
    np.testing.assert_array_equal(every.test_loss[::10], scheduled.test_loss[:-1])


def test_a_scheduled_run_is_deterministic_and_goes_on_bit_for_bit(spiral):
    x, y, tx, ty = spiral
    run = lambda n: nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshots=2,  # noqa: E731
                                **options(iterations=n))
    a, b = run(200), run(200)
    for field in ("loss", "test_loss", "parameters", "loss_iterations", "output_snapshots"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    longer = nnviz.train_further(run(120), 80)
    np.testing.assert_array_equal(longer.loss_iterations, a.loss_iterations)
    np.testing.assert_array_equal(longer.loss, a.loss)
    np.testing.assert_array_equal(longer.test_loss, a.test_loss)
    np.testing.assert_array_equal(longer.parameters[-1], a.parameters[-1])


def test_a_scheduled_run_that_diverges_ends_at_the_record_that_was_not_finite(spiral):
    x, y, tx, ty = spiral
    run = nnviz.train(x, y * 1e5, test_inputs=tx, test_targets=ty * 1e5,
                      **options(output_activation="linear", loss="mse", learning_rate=10.0, iterations=400))
    assert run.diverged_at is not None and run.diverged_at in run.loss_iterations
    assert run.iterations == run.diverged_at == run.loss_iterations[-1]
    assert not np.isfinite(run.loss[-1]) and np.all(np.isfinite(run.loss[:-1]))


def test_a_full_batch_run_can_record_on_a_schedule_too(spiral):
    x, y, tx, ty = spiral
    run = nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshots=5, **options(batch_size=None, record_every=50))
    assert list(run.loss_iterations) == [0, 50, 100, 150, 200]
    every = nnviz.train(x, y, **options(batch_size=None, record_every=None))
    np.testing.assert_array_equal(every.parameters[-1], run.parameters[-1])


# ---------------------------------------------------------------- TF Playground's L1

def tfp_l1_reference(x, y, config):
    """TF Playground's updateWeights, written out: the data step on every weight and bias, then for each live
    weight w_new = w - lr * rate * sign(w_before); crossing zero sets it to 0 and kills it for good."""
    from nnviz.network import Layout, initial_parameters
    from nnviz.training import _BatchOrder, activation_names, gradient
    layout = Layout([x.shape[1], *config.hidden, y.shape[1]], config.bias)
    theta = initial_parameters(layout, config.init, config.seed)
    weights = np.zeros(layout.size, dtype=bool)
    for s in layout.weight_slices:
        weights[s] = True
    dead = np.zeros(layout.size, dtype=bool)
    order = _BatchOrder(x.shape[0], config.batch_size, config.seed)
    lr, rate = config.learning_rate, config.reg_rate
    for rows in order.take(config.iterations):
        before = theta.copy()
        grad = gradient(layout, activation_names(config), config.loss, theta.copy(), x[rows], y[rows])
        theta = theta - lr * grad
        new = theta - (lr * rate) * np.sign(before)
        crossed = weights & ~dead & (theta * new < 0)
        dead |= crossed
        theta = np.where(weights & ~dead, new, theta)
        theta[dead] = 0.0
    return theta, dead


def test_l1_clip_is_tf_playgrounds_and_kills_weights_for_good(spiral):
    x, y, _, _ = spiral
    config = nnviz.make_config(**options(regularization="l1", reg_rate=0.03, l1_clip=True, iterations=300,
                                         record_every=20, learning_rate=0.3))
    run = nnviz.train(x, y, config)
    theta, dead = tfp_l1_reference(x, y, config)
    np.testing.assert_allclose(run.parameters[-1], theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(run.dead_links[-1], dead)
    assert dead.sum() >= 10  # L1 makes the network sparse: these are exactly 0
    assert np.all(run.parameters[-1][dead] == 0.0) and not np.signbit(run.parameters[-1][dead]).any()
    # dead from the snapshot they died at to the end, and exactly 0 all along; biases never die
    for k in range(1, len(run.snapshot_iterations)):
        assert np.all(run.dead_links[k] >= run.dead_links[k - 1])
        assert np.all(run.parameters[k][run.dead_links[k]] == 0.0)
    for s in run.layout.bias_slices:
        assert not run.dead_links[:, s].any()


def test_l1_clip_dead_weights_stay_dead_when_training_further(spiral):
    x, y, _, _ = spiral
    opts = options(regularization="l1", reg_rate=0.03, l1_clip=True, learning_rate=0.3, snapshots=2)
    whole = nnviz.train(x, y, **{**opts, "iterations": 300})
    longer = nnviz.train_further(nnviz.train(x, y, **{**opts, "iterations": 140}), 160)
    np.testing.assert_array_equal(longer.parameters[-1], whole.parameters[-1])
    np.testing.assert_array_equal(longer.dead_links[-1], whole.dead_links[-1])


def test_the_truth_tables_l1_is_the_penalty_gradient_and_kills_nothing():
    run = nnviz.train(*nnviz.preset("xor"), hidden=[4], regularization="l1", reg_rate=0.01, iterations=500)
    assert run.dead_links is None and not run.config.l1_clip
    assert np.count_nonzero(run.parameters[-1] == 0.0) == 0


def test_both_l1_forms_are_explained():
    from nnviz.explain import L1_FORMS, latex, explain, regularization_note
    table = nnviz.train(*nnviz.preset("xor"), hidden=[3], regularization="l1", reg_rate=0.01, iterations=20)
    plane = nnviz.train(*nnviz.preset("xor"), hidden=[3], regularization="l1", reg_rate=0.01, iterations=20,
                        l1_clip=True)
    assert regularization_note(table.config) == L1_FORMS[False] and "jitter" in L1_FORMS[False]
    assert regularization_note(plane.config) == L1_FORMS[True] and "dead" in L1_FORMS[True]
    assert "dead" in latex(explain(plane))[-1][1] and "dead" not in latex(explain(table))[-1][1]


def test_recording_options_are_validated():
    with pytest.raises(nnviz.NnvizError, match="record_every"):
        nnviz.make_config(record_every=0)
    with pytest.raises(nnviz.NnvizError, match="l1_clip"):
        nnviz.make_config(l1_clip="yes")
    # recording every update keeps every update's record: 20,000 at most; on a schedule, 50,000
    with pytest.raises(nnviz.NnvizError, match="iterations: 25000 is not allowed; a whole number from 1 to 20000"):
        nnviz.make_config(iterations=25_000)
    assert nnviz.make_config(iterations=50_000, record_every=25).iterations == 50_000
    with pytest.raises(nnviz.NnvizError, match="from 1 to 50000"):
        nnviz.make_config(iterations=50_001, record_every=25)


def test_a_scheduled_run_over_the_budget_is_refused_naming_the_most_iterations(spiral):
    x, y, tx, ty = spiral
    config = nnviz.make_config(**options(hidden=[8] * 6, batch_size=1, iterations=50_000))
    most = nnviz.config.most_iterations(config, len(x), x.shape[1], y.shape[1], len(tx), config.snapshots)
    assert 1 <= most < 50_000
    with pytest.raises(nnviz.NnvizError, match=f"at most {most:,} here"):
        nnviz.train(x, y, config, test_inputs=tx, test_targets=ty)


def test_the_mini_batchs_own_loss_is_recorded_every_update_when_asked(spiral):
    from nnviz.training import _BatchOrder
    x, y, tx, ty = spiral
    run = nnviz.train(x, y, test_inputs=tx, test_targets=ty, snapshots=201, **options(batch_loss=True))
    assert run.batch_loss.shape == (200,) and nnviz.train(x, y, **options()).batch_loss is None
    loss = LOSSES[run.config.loss]
    order = _BatchOrder(len(x), run.config.batch_size, run.config.seed).take(200)
    for i in (0, 1, 57, 199):  # update i's batch, with the parameters before update i (snapshot i)
        out = forward_many(run.layout, run.activations, loss, run.parameters[i], x[order[i]], y[order[i]])[0][0]
        assert run.batch_loss[i] == pytest.approx(float(loss.value(out, y[order[i]])), rel=1e-12)
    longer = nnviz.train_further(nnviz.train(x, y, snapshots=2, **options(batch_loss=True, iterations=120)), 80)
    np.testing.assert_array_equal(longer.batch_loss, nnviz.train(x, y, snapshots=2, **options(batch_loss=True)
                                                                 ).batch_loss)
    # without mini-batches it is the whole table's loss before each update, as recording every update has it
    full = nnviz.train(x, y, **options(batch_size=None, batch_loss=True, record_every=50))
    np.testing.assert_array_equal(full.batch_loss, nnviz.train(x, y, **options(batch_size=None,
                                                                                record_every=None)).loss)
    with pytest.raises(nnviz.NnvizError, match="batch_loss"):
        nnviz.make_config(batch_loss=True)


def test_the_script_export_refuses_tf_playgrounds_l1():
    from nnviz.script import export_script
    with pytest.raises(nnviz.NnvizError, match="l1_clip"):
        export_script(*nnviz.preset("xor"), regularization="l1", reg_rate=0.01, l1_clip=True)
    assert "reg_rate" in export_script(*nnviz.preset("xor"), regularization="l1", reg_rate=0.01)
