"""The maths written once: each activation, loss and regularizer is one record, and the plain reference
pass (nnviz.reference) is what the compiled program and the vectorized sweep compute."""
import contextlib
import io
import itertools
import traceback

import numpy as np
import pytest

import nnviz
from nnviz import plane, reference
from nnviz.activations import ACTIVATIONS, Activation
from nnviz.config import layer_sizes, make_config
from nnviz.diagnostics import gradient_check, saturation
from nnviz.explain import explain, latex
from nnviz.losses import LOSSES, REGULARIZERS
from nnviz.many import _Sweep
from nnviz.network import Layout, initial_parameters
from nnviz.program import Program
from nnviz.script import export_script
from nnviz.training import gradient

HIDDEN = [name for name, a in ACTIVATIONS.items() if a.hidden]
# Every hidden activation before every output it may have, with each loss that output allows.
COMBINATIONS = ([(h, o, loss) for h, o in itertools.product(HIDDEN, HIDDEN) for loss in ("sse", "mse")]
                + [(h, "sigmoid", "bce") for h in HIDDEN] + [(h, "softmax", "ce") for h in HIDDEN])


def table(output: str, loss: str, rows: int = 6, inputs: int = 3, outputs: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (rows, inputs))
    if loss == "ce":
        y = np.eye(outputs)[rng.integers(0, outputs, rows)]
    elif output in ("sigmoid", "relu"):
        y = rng.uniform(0.1, 0.9, (rows, outputs))
    elif output == "tanh":
        y = rng.uniform(-0.9, 0.9, (rows, outputs))
    else:
        y = rng.normal(0.0, 1.0, (rows, outputs))
    return x, y


def small_parameters(layout: Layout, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, layout.size)


@pytest.mark.parametrize("regularization", ["none", "l1", "l2"])
@pytest.mark.parametrize("hidden_activation, output, loss", COMBINATIONS)
def test_the_compiled_program_computes_the_reference_pass(hidden_activation, output, loss, regularization):
    x, y = table(output, loss)
    layout = Layout([3, 4, 3, 2], bias=True)
    activations = (hidden_activation, hidden_activation, output)
    theta = small_parameters(layout, 1)
    program = Program(layout, activations, LOSSES[loss], x, y, theta.copy())
    program.forward()
    expected = reference.forward(layout, activations, theta, x)
    for got, want in zip(program.layer_activations(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    compiled = gradient(layout, activations, loss, theta.copy(), x, y, regularization, 0.01)
    plain = reference.backward(layout, activations, loss, theta, x, y, regularization=regularization,
                               reg_rate=0.01).flat
    np.testing.assert_allclose(compiled, plain, rtol=1e-11, atol=1e-14)
    assert np.any(compiled != 0)


@pytest.mark.parametrize("regularization", ["none", "l2", "l1"])
@pytest.mark.parametrize("hidden_activation, output, loss",
                         [c for c in COMBINATIONS if c[0] == c[1] or c[1] in ("sigmoid", "softmax")])
def test_the_vectorized_sweep_computes_the_reference_pass(hidden_activation, output, loss, regularization):
    x, y = table(output, loss, rows=5, inputs=2, outputs=3 if loss == "ce" else 1)
    config = make_config(hidden=[4, 3], activation=hidden_activation, output_activation=output, loss=loss, bias=True,
                         init="xavier", regularization=regularization, reg_rate=0.01)
    layout = Layout(layer_sizes(config, x.shape[1], y.shape[1]), True)
    seeds = np.array([3, 4, 5])
    sweep = _Sweep(config, x, y, layout, seeds)
    layers = sweep.forward(x, True)
    sweep.backward(x, True, layers, y[..., None])
    for k, seed in enumerate(seeds):
        theta = initial_parameters(layout, "xavier", int(seed))
        want = reference.forward(layout, (hidden_activation,) * 2 + (output,), theta, x)
        for got, expected in zip(layers, want):
            np.testing.assert_allclose(got[..., k], expected, rtol=1e-12, atol=1e-15)
        plain = reference.backward(layout, (hidden_activation,) * 2 + (output,), loss, theta, x, y,
                                   regularization=regularization, reg_rate=0.01).flat
        np.testing.assert_allclose(sweep.grad[:, k], plain, rtol=1e-11, atol=1e-14)


def test_the_reference_pass_does_several_networks_at_once_and_float32():
    x, y = table("softmax", "ce", outputs=3)
    layout = Layout([3, 4, 3], bias=True)
    thetas = np.stack([small_parameters(layout, s) for s in range(4)])
    together = reference.forward(layout, ("tanh", "softmax"), thetas, x)
    for k, theta in enumerate(thetas):
        alone = reference.forward(layout, ("tanh", "softmax"), theta, x)
        for a, b in zip(together, alone):
            np.testing.assert_allclose(a[k], b, rtol=1e-13)
        single = reference.forward(layout, ("tanh", "softmax"), theta, x.astype(np.float32))
        assert all(a.dtype == np.float32 for a in single)
        np.testing.assert_allclose(single[-1], alone[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(single[-1].sum(axis=1), 1.0, rtol=1e-6)


def _script_namespace(source: str) -> dict:
    namespace = {"np": np}
    exec(source, namespace)
    return namespace


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_an_activations_script_source_is_its_numpy_bit_for_bit(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(0).normal(0.0, 3.0, (7, 4))
    functions = _script_namespace(act.script)
    assert np.array_equal(functions[name](z), act(z))
    a = act(z)
    if act.hidden:
        assert np.array_equal(functions[f"{name}_derivative"](a), act.slope(a))
    assert np.all((act.low <= a) & (a <= act.high))


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_losss_script_source_is_its_numpy_bit_for_bit(name):
    loss = LOSSES[name]
    o, y = table(loss.requires_output or "sigmoid", name, rows=7, outputs=3)
    o = ACTIVATIONS[loss.requires_output or "sigmoid"](o)  # outputs the loss can meet
    functions = _script_namespace(f"def loss(y, output):\n{loss.script}")
    assert functions["loss"](y, o) == loss.value(o, y)
    assert np.isclose(loss.row_shares(o, y).sum(), loss.value(o, y), rtol=1e-14)
    # the script's delta is the tutorial's -dL/d(output): the engine's gradient with the other sign
    term = eval(loss.script_gradient.format(y="y", output="o"), {"np": np, "y": y, "o": o})
    assert np.array_equal(term, -loss.gradient_into(o, y, np.empty_like(o)))


@pytest.mark.parametrize("name", list(REGULARIZERS))
def test_a_regularizers_script_source_is_its_numpy_and_the_gradient_of_its_penalty(name):
    rule = REGULARIZERS[name]
    w = np.random.default_rng(1).normal(0.0, 1.0, 6)
    g = rule.gradient_into(w, 0.03, np.empty_like(w))
    assert np.array_equal(eval(rule.script_gradient.format(w="w"), {"np": np, "w": w, "reg_rate": 0.03}), g)
    h = 1e-6
    numeric = [(rule.value(w + h * e, 0.03) - rule.value(w - h * e, 0.03)) / (2 * h) for e in np.eye(w.size)]
    np.testing.assert_allclose(numeric, g, rtol=1e-6)


# softplus = log(1 + e^z); its slope from its output a is 1 - e^-a (the sigmoid of z).
SOFTPLUS = Activation(
    "softplus", ("exp(z, z)", "log1p(z, z)"), ("negative(a, s)", "exp(s, s)", "subtract(ONE, s, s)"),
    0.0, float("inf"), r"\mathrm{softplus}",
    "def softplus(x):\n    return np.log1p(np.exp(x))\n\n"
    "def softplus_derivative(x):\n    return 1.0 - np.exp(-x)\n",
    peak_slope=1.0, stuck="flat (near zero on every row)")


def test_a_new_activation_is_one_entry_in_the_registry(monkeypatch):
    """Adding an activation is one entry in nnviz/activations.py's ACTIVATIONS; here it is added for this
    test only. Training, the sweep, live math, the exported script, the gradient check, the saturation
    notes and the plane's neuron maps all take it from there."""
    monkeypatch.setitem(ACTIVATIONS, "softplus", SOFTPLUS)
    x, y = nnviz.preset("xor")
    options = dict(hidden=[3], activation="softplus", bias=True, init="xavier", learning_rate=0.5, iterations=300)
    run = nnviz.train(x, y, **options)
    assert run.activations == ("softplus", "sigmoid")
    assert run.loss[-1] < run.loss[0]
    np.testing.assert_allclose(run.hidden_activations()[0],
                               np.log1p(np.exp(x @ run.weights[0] + run.biases[0])), rtol=1e-12)

    check = gradient_check(run, snapshot=50)
    assert check.passed, check.max_error
    assert saturation(run).shape == (len(run.parameters), 1)

    shown = explain(run, snapshot=-1, row=1)
    np.testing.assert_allclose(np.concatenate([-g.ravel() for g in shown.d_weights]),
                               np.concatenate([g.ravel() for g in run.layout.weights(run.gradients(-1))]),
                               rtol=1e-10, atol=1e-14)
    assert r"\mathrm{softplus}" in latex(shown)[0][1]

    source = export_script(x, y, **options)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "exported.py", "exec"), {"__name__": "__main__"})
    assert printed.getvalue() == f"{run.output}\n"

    sweep = nnviz.train_many(x, y, seeds=[options.get("seed", 0)], **options)
    np.testing.assert_allclose(sweep.loss[0], run.loss, rtol=1e-9)

    flat = nnviz.train(np.random.default_rng(0).normal(size=(20, 2)), np.tile([[0.0], [1.0]], (10, 1)),
                       **{**options, "iterations": 20})
    maps = plane.neuron_maps(flat, ["x1", "x2"], size=8)
    axis, points = plane.grid_points(8)
    expected = reference.forward(flat.layout, flat.activations, flat.parameters[-1], points)
    np.testing.assert_allclose(maps[0], expected[0].T.reshape(3, 8, 8), rtol=1e-5, atol=1e-6)


def test_an_unknown_activation_is_refused_when_not_registered():
    with pytest.raises(nnviz.NnvizError, match="activation"):
        make_config(activation="softplus")


def test_a_traceback_through_generated_code_shows_the_line():
    x, y = nnviz.preset("tutorial")
    layout = Layout([3, 4, 1], False)
    program = Program(layout, ("sigmoid", "sigmoid"), LOSSES["sse"], x, y, initial_parameters(layout, "tutorial", 0))
    program.namespace["W0"] = np.zeros((5, 5))  # a wrong shape: the first product fails
    with pytest.raises(ValueError) as failure:
        program.forward()
    shown = "".join(traceback.format_exception(failure.value))
    assert "<nnviz.program" in shown and "dot(X, W0, A0)" in shown
    with pytest.raises(TypeError) as failure:
        ACTIVATIONS["tanh"].apply(np.arange(3))  # integers cannot hold tanh
    shown = "".join(traceback.format_exception(failure.value))
    assert "<nnviz.statements" in shown and "tanh(z, z)" in shown

