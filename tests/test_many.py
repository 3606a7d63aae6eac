"""train_many: N seeds of one configuration in one pass agree with training them one by one."""
import warnings

import numpy as np
import pytest

import nnviz
from nnviz.many import train_many

TUTORIAL = nnviz.preset("tutorial")


def test_sweep_matches_training_each_seed_alone():
    sweep = train_many(*TUTORIAL, seeds=range(100))
    singles = [nnviz.train(*TUTORIAL, seed=s) for s in range(100)]
    assert list(sweep.learned) == [r.learned for r in singles]
    assert sweep.fraction_learned == np.mean([r.learned for r in singles])
    assert sweep.failed_seeds == [s for s, r in enumerate(singles) if not r.learned]
    for k, run in enumerate(singles):
        np.testing.assert_allclose(sweep.loss[k], run.loss, rtol=0, atol=1e-12)
        np.testing.assert_allclose(sweep.predictions[k], run.predictions, rtol=0, atol=1e-12)
        np.testing.assert_allclose(sweep.parameters[k], run.parameters[-1], rtol=0, atol=1e-10)


@pytest.mark.parametrize("options", [
    dict(hidden=[3, 3], bias=True, activation="tanh", optimizer="adam", learning_rate=0.05),
    dict(batch_size=2, loss="bce", init="xavier"),
    dict(activation="relu", output_activation="linear", init="he", learning_rate=0.05, optimizer="momentum"),
    dict(hidden=[], bias=True, loss="mse"),
])
def test_every_option_matches_single_runs(options):
    table = nnviz.preset("half_adder")
    sweep = train_many(*table, seeds=[3, 1, 4], iterations=300, **options)
    for k, seed in enumerate([3, 1, 4]):
        run = nnviz.train(*table, seed=seed, iterations=300, **options)
        np.testing.assert_allclose(sweep.predictions[k], run.predictions, rtol=0, atol=1e-10)
        np.testing.assert_allclose(sweep.loss[k], run.loss, rtol=1e-10, atol=1e-12)


def test_default_seeds_count_up_from_the_config_seed():
    sweep = train_many(*TUTORIAL, networks=5, seed=10, iterations=20)
    assert list(sweep.seeds) == [10, 11, 12, 13, 14]


def test_divergent_networks_are_marked_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sweep = train_many(*TUTORIAL, seeds=range(4), activation="tanh", output_activation="linear",
                           learning_rate=2, iterations=200)
    assert (sweep.diverged_at >= 0).all()
    for k, at in enumerate(sweep.diverged_at):
        assert np.isfinite(sweep.loss[k, :at]).all() and np.isnan(sweep.loss[k, at:]).all()
        assert nnviz.train(*TUTORIAL, seed=k, activation="tanh", output_activation="linear",
                           learning_rate=2, iterations=200).diverged_at == at
    assert not sweep.learned.any()


@pytest.mark.parametrize("kwargs, field", [
    (dict(networks=0), "networks"),
    (dict(networks=10**6), "networks"),
    (dict(seeds=[-1]), "seed"),
    (dict(seeds=range(1000), iterations=20000, hidden=64), "networks"),
])
def test_sweep_limits(kwargs, field):
    with pytest.raises(nnviz.NnvizError) as error:
        train_many(*TUTORIAL, **kwargs)
    assert error.value.field == field


@pytest.mark.parametrize("options", [
    dict(),
    dict(hidden=[3, 3], bias=True, loss="mse", regularization="l2", reg_rate=0.01),
    dict(hidden=[2], activation="tanh", optimizer="adam", learning_rate=0.05, loss="bce"),
    dict(hidden=[3], activation="relu", output_activation="linear", optimizer="momentum", learning_rate=0.1,
         regularization="l1", reg_rate=0.001),
])
def test_full_batch_steps_are_the_layer_by_layer_passes_bit_for_bit(options):
    """The sweep's full-batch loop runs prepared calls; the same updates through forward() and backward()
    (the mini-batch path's methods) give the same numbers exactly."""
    from nnviz.config import check_table, layer_sizes, resolve_config
    from nnviz.many import _Sweep
    from nnviz.network import Layout

    config = resolve_config(None, dict(iterations=200, **options))
    x, y = check_table(*nnviz.preset("xor"))
    layout = Layout(layer_sizes(config, x.shape[1], y.shape[1]), config.bias)
    seeds = np.arange(7)
    fast = _Sweep(config, x, y, layout, seeds).train()
    plain = _Sweep(config, x, y, layout, seeds)
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(config.iterations):
            layers = plain.forward(x, True)
            losses.append(plain.loss.value(layers[-1][None], y[..., None], axis=(1, 2))[0])
            plain.backward(x, True, layers, y[..., None])
            plain.optimizer.step(plain.theta, plain.grad)
    np.testing.assert_array_equal(fast.parameters, plain.theta.T)
    np.testing.assert_array_equal(fast.loss, np.array(losses).T)
