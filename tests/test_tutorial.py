"""nnviz reproduces the tutorial's run bit for bit (same seed, same machine, same process)."""
import numpy as np
import pytest

import nnviz
from tutorial_reference import X, tutorial_run, y


def assert_same_bits(run, nn):
    assert np.array_equal(run.output, nn.output), "the printed output differs"
    assert np.array_equal(run.weights[0], nn.weights1)
    assert np.array_equal(run.weights[1], nn.weights2)


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42, 1234, 2**32 - 1])
def test_default_run_is_the_tutorials_bit_for_bit(seed):
    nn = tutorial_run(seed)
    run = nnviz.train(X, y, seed=seed)
    assert_same_bits(run, nn)
    # The first snapshot is the tutorial's initial np.random.rand draw.
    np.random.seed(seed)
    assert np.array_equal(run.initial_weights[0], np.random.rand(3, 4))
    assert np.array_equal(run.initial_weights[1], np.random.rand(4, 1))


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 16])
def test_other_widths_bit_for_bit(width):
    nn = tutorial_run(3, width=width, iterations=700)
    assert_same_bits(nnviz.train(X, y, hidden=width, iterations=700, seed=3), nn)


@pytest.mark.parametrize("name", ["xor", "and", "parity3", "majority3", "half_adder", "full_adder"])
def test_other_tables_bit_for_bit(name):
    table = nnviz.preset(name)
    # The tutorial's code takes integer tables; nnviz converts to float64 once.
    x, t = table.inputs.astype(int), table.targets.astype(int)
    nn = tutorial_run(5, x=x, y=t, width=6, iterations=900)
    assert_same_bits(nnviz.train(x, t, hidden=6, iterations=900, seed=5), nn)


def test_printed_output_is_the_last_feedforward_not_the_trained_network():
    nn = tutorial_run(0)
    run = nnviz.train(X, y, seed=0)
    nn.feedforward()  # one more pass, with the final weights
    assert np.array_equal(run.predictions, nn.output)
    assert not np.array_equal(run.output, run.predictions)


def test_recorded_loss_is_the_tutorials_sum_of_squares_per_iteration():
    np.random.seed(0)
    from tutorial_reference import NeuralNetwork
    nn = NeuralNetwork(X, y)
    losses = []
    for _ in range(50):
        nn.feedforward()
        losses.append(np.sum((y - nn.output) ** 2))
        nn.backprop()
    run = nnviz.train(X, y, seed=0, iterations=50)
    np.testing.assert_allclose(run.loss, losses, rtol=1e-13)


def test_training_leaves_numpys_global_random_state_alone():
    np.random.seed(99)
    expected = np.random.rand(3)
    np.random.seed(99)
    nnviz.train(X, y, seed=5)
    assert np.array_equal(np.random.rand(3), expected)


def test_snapshots_hold_the_weights_of_their_iteration():
    run = nnviz.train(X, y, seed=0, iterations=30, snapshots=4)
    assert list(run.snapshot_iterations) == [0, 10, 20, 30]
    for k, t in enumerate(run.snapshot_iterations):
        nn = tutorial_run(0, iterations=int(t))
        assert np.array_equal(run.weight_snapshots[0][k], nn.weights1)
        assert np.array_equal(run.weight_snapshots[1][k], nn.weights2)
        assert np.array_equal(run.output_snapshots[k], _outputs_with(nn))


def _outputs_with(nn):
    nn.feedforward()
    return nn.output
