"""The engine's gradients against central finite differences of a loss written here from formulas.

The oracle below shares no code with nnviz except the parameter layout: its
activations and losses are the textbook formulas, so a wrong derivative,
sign, scale or transposition in the engine shows up as a mismatch.
"""
import itertools

import numpy as np
import pytest

import nnviz
from nnviz.network import Layout
from nnviz.training import gradient

EPS = 1e-6
KINK_MARGIN = 1e-3  # relu pre-activations nearer 0 than this could cross the kink within +-EPS

FORMULAS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "softmax": lambda z: np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True),  # output only
}


def sse(o, y):
    return np.sum((y - o) ** 2)


def mse(o, y):
    return np.mean((y - o) ** 2)


def bce(o, y):
    return -np.mean(y * np.log(o) + (1 - y) * np.log(1 - o))


def ce(o, y):
    return -np.sum(y * np.log(o)) / len(y)


LOSS_FORMULAS = {"sse": sse, "mse": mse, "bce": bce, "ce": ce}


def oracle_forward(layout, activations, theta, x):
    """Pre-activations of every layer and the output, by formula."""
    weights = layout.weights(theta)
    biases = layout.biases(theta) or [0.0] * len(weights)
    a, zs = x, []
    for w, b, act in zip(weights, biases, activations):
        z = a @ w + b
        zs.append(z)
        a = FORMULAS[act](z)
    return zs, a


def finite_difference(layout, activations, loss, theta, x, y):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += EPS
        down[i] -= EPS
        grad[i] = (LOSS_FORMULAS[loss](oracle_forward(layout, activations, up, x)[1], y)
                   - LOSS_FORMULAS[loss](oracle_forward(layout, activations, down, x)[1], y)) / (2 * EPS)
    return grad


def targets_for(output_activation, rng, shape):
    """Targets the output activation can reach, not on its boundary."""
    if output_activation == "sigmoid":
        return rng.uniform(0.05, 0.95, shape)
    if output_activation == "tanh":
        return rng.uniform(-0.9, 0.9, shape)
    if output_activation == "relu":
        return rng.uniform(0.0, 2.0, shape)
    if output_activation == "softmax":  # one class per row
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    return rng.normal(0.0, 1.0, shape)


def problem(sizes, bias, activations, seed):
    """A small random table and xavier-like parameters (biases random too, so they matter)."""
    rng = np.random.default_rng(seed)
    layout = Layout(sizes, bias)
    x = rng.normal(0.0, 1.0, (5, sizes[0]))
    y = targets_for(activations[-1], rng, (5, sizes[-1]))
    weights = [rng.uniform(-1, 1, (a, b)) * np.sqrt(6.0 / (a + b)) for a, b in layout.shapes]
    biases = [rng.normal(0.0, 0.5, b) for b in sizes[1:]] if bias else None
    return layout, layout.pack(weights, biases), x, y


def far_from_kinks(layout, activations, theta, x) -> bool:
    zs, _ = oracle_forward(layout, activations, theta, x)
    return all(np.min(np.abs(z)) > KINK_MARGIN for z, act in zip(zs, activations) if act == "relu")


def smooth_problems(sizes, bias, activations, count=2):
    """The first ``count`` seeds whose relu pre-activations all stay clear of 0."""
    found = []
    for seed in range(200):
        layout, theta, x, y = problem(sizes, bias, activations, seed)
        if far_from_kinks(layout, activations, theta, x):
            found.append((layout, theta, x, y))
            if len(found) == count:
                return found
    raise AssertionError("no kink-free seed found")


ACTS = [name for name in FORMULAS if name != "softmax"]  # hidden and output activations
CASES = [(h, o, loss) for h, o in itertools.product(ACTS, ACTS) for loss in ("sse", "mse")]
CASES += [(h, "sigmoid", "bce") for h in ACTS]
CASES += [(h, "softmax", "ce") for h in ACTS]


def test_every_activation_and_loss_is_covered():
    assert set(FORMULAS) == set(nnviz.ACTIVATIONS)
    assert {loss for _, _, loss in CASES} == set(nnviz.LOSSES)


@pytest.mark.parametrize("sizes", [[3, 4, 2], [3, 4, 3, 2]], ids=["one_hidden", "two_hidden"])
@pytest.mark.parametrize("bias", [False, True], ids=["no_bias", "bias"])
@pytest.mark.parametrize("hidden_act,output_act,loss", CASES)
def test_gradient_matches_finite_differences(hidden_act, output_act, loss, bias, sizes):
    activations = (hidden_act,) * (len(sizes) - 2) + (output_act,)
    for layout, theta, x, y in smooth_problems(sizes, bias, activations):
        expected = finite_difference(layout, activations, loss, theta, x, y)
        got = gradient(layout, activations, loss, theta.copy(), x, y)
        assert got.shape == theta.shape
        relative = np.linalg.norm(got - expected) / max(np.linalg.norm(got) + np.linalg.norm(expected), 1e-12)
        assert relative < 1e-7, f"relative error {relative:.2e}"
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("regularization", ["l1", "l2"])
@pytest.mark.parametrize("bias", [False, True], ids=["no_bias", "bias"])
def test_regularization_gradient_matches_finite_differences(regularization, bias):
    """The penalty is rate * sum|w| (l1) or rate/2 * sum w**2 (l2), on weights only."""
    rate = 0.07
    activations = ("tanh", "sigmoid")
    layout, theta, x, y = problem([3, 4, 2], bias, activations, 1)
    weights_only = np.zeros_like(theta)
    for s in layout.weight_slices:
        weights_only[s] = 1.0

    def penalty(t):
        w = t * weights_only
        return rate * np.sum(np.abs(w)) if regularization == "l1" else rate / 2 * np.sum(w * w)

    expected = finite_difference(layout, activations, "mse", theta, x, y)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += EPS
        down[i] -= EPS
        expected[i] += (penalty(up) - penalty(down)) / (2 * EPS)
    got = gradient(layout, activations, "mse", theta.copy(), x, y, regularization, rate)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)
    plain = gradient(layout, activations, "mse", theta.copy(), x, y)
    assert not np.allclose(got, plain)
    if bias:  # biases carry no penalty
        for s in layout.bias_slices:
            np.testing.assert_array_equal(got[s], plain[s])


def test_gradient_leaves_theta_unchanged():
    layout, theta, x, y = problem([3, 4, 1], True, ("sigmoid", "sigmoid"), 0)
    before = theta.copy()
    gradient(layout, ("sigmoid", "sigmoid"), "sse", theta, x, y)
    np.testing.assert_array_equal(theta, before)


# --- one step of each optimizer, worked by hand --------------------------------------------

TABLE = nnviz.preset("tutorial")


def engine_gradient(run, theta):
    return gradient(run.layout, run.activations, run.config.loss, theta.copy(), run.inputs, run.targets)


def trained(optimizer, steps, learning_rate):
    run = nnviz.train(*TABLE, optimizer=optimizer, iterations=steps, snapshots=steps + 1,
                      learning_rate=learning_rate, init="xavier", seed=3, bias=True)
    assert list(run.snapshot_iterations) == list(range(steps + 1))
    return run


@pytest.mark.parametrize("learning_rate", [1.0, 0.3])
def test_sgd_step_by_hand(learning_rate):
    run = trained("sgd", 1, learning_rate)
    theta0 = run.parameters[0]
    expected = theta0 - learning_rate * engine_gradient(run, theta0)
    np.testing.assert_allclose(run.parameters[1], expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(run.parameters[1], theta0)


def test_momentum_steps_by_hand():
    rate, mu = 0.3, 0.9
    run = trained("momentum", 3, rate)
    theta, velocity = run.parameters[0].copy(), np.zeros_like(run.parameters[0])
    for t in range(1, 4):
        velocity = mu * velocity - rate * engine_gradient(run, theta)
        theta = theta + velocity
        np.testing.assert_allclose(run.parameters[t], theta, rtol=1e-12, atol=1e-14)


def test_adam_steps_by_hand():
    rate, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    run = trained("adam", 3, rate)
    theta = run.parameters[0].copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, 4):
        g = engine_gradient(run, theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - rate * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(run.parameters[t], theta, rtol=1e-10, atol=1e-12)
