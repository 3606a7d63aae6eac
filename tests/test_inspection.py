"""Looking inside a run: live math, gradient check, saturation and notes (scenes: test_scenes.py)."""
import numpy as np
import pytest

import nnviz
from nnviz.diagnostics import gradient_check, health_notes, likely_fix, saturation
from nnviz.explain import explain, latex
from nnviz.training import row_correct

TUTORIAL = nnviz.preset("tutorial")
CONFIGS = [
    {},
    dict(hidden=[3, 2], bias=True, activation="tanh", loss="bce"),
    dict(loss="mse", activation="relu", init="he", bias=True),
]


@pytest.mark.parametrize("options", CONFIGS)
@pytest.mark.parametrize("snapshot", [0, 7, -1])
def test_live_math_is_the_negative_gradient_and_rows_add_up(options, snapshot):
    run = nnviz.train(*nnviz.preset("half_adder"), iterations=300, **options)
    e = explain(run, snapshot, row=2)
    # d_weights is the tutorial's -dLoss/dW: the engine's gradient with the other sign.
    grads = run.layout.weights(run.gradients(snapshot))
    for d, g in zip(e.d_weights, grads):
        np.testing.assert_allclose(d, -g, rtol=1e-10, atol=1e-15)
    if run.config.bias:
        for d, g in zip(e.d_biases, run.layout.biases(run.gradients(snapshot))):
            np.testing.assert_allclose(d, -g, rtol=1e-10, atol=1e-15)
    shares = [explain(run, snapshot, row=r).row_d_weights for r in range(4)]
    for l, total in enumerate(e.d_weights):
        np.testing.assert_allclose(sum(s[l] for s in shares), total, atol=1e-14)
    np.testing.assert_allclose(e.activations[-1], run.output_snapshots[snapshot], rtol=1e-12)
    assert e.iteration == run.snapshot_iterations[snapshot]


def test_live_math_latex_shows_the_moments_numbers():
    run = nnviz.train(*TUTORIAL, iterations=50, snapshots=6)
    e = explain(run, 1, row=3)
    formulas = latex(e)
    text = " ".join(tex for _, tex in formulas)
    assert r"\sigma(x \cdot W_1)" in text and r"\hat{y}" in text and "d\\_weights_2" in text
    assert f"{e.activations[-1][3, 0]:.3g}" in text  # this row's output at that iteration
    assert f"{e.weights[1][2, 0]:.3g}" in text  # a weight of that iteration
    assert "-0 " not in text and "-0&" not in text


def test_gradient_check_passes_for_backprop_and_catches_a_wrong_gradient(monkeypatch):
    run = nnviz.train(*TUTORIAL, hidden=[3, 3], bias=True, activation="tanh", iterations=100)
    check = gradient_check(run, 3)
    assert check.passed and check.max_error < 1e-6 and check.checked.all()
    # A backward pass that is wrong by 1% in one weight must fail the check.
    good = nnviz.TrainingRun.gradients
    def off(self, snapshot=-1):
        g = good(self, snapshot)
        g[5] *= 1.01
        return g
    monkeypatch.setattr(nnviz.TrainingRun, "gradients", off)
    bad = gradient_check(run, 3)
    assert not bad.passed and np.argmax(bad.relative_error) == 5


def test_saturation_and_notes_tell_what_happened():
    stuck = nnviz.train(*TUTORIAL, activation="relu", output_activation="linear", init="he", bias=True)
    assert saturation(stuck)[-1, 0] == 1.0  # every ReLU unit dead
    notes = health_notes(stuck)
    assert any("exploded at iteration" in n and "lower the learning rate" in n.lower() for n in notes)
    assert any("4 of 4 hidden units dead" in n for n in notes)
    fine = nnviz.train(*TUTORIAL)
    assert health_notes(fine)[-1] == f"Every row is right from iteration {fine.solved_at} on."
    assert saturation(fine).shape == (len(fine.snapshot_iterations), 1)


def test_an_output_of_exactly_one_half_is_undecided():
    outputs = np.array([[0.5], [0.51], [0.49], [0.5]])
    targets = np.array([[0.0], [1.0], [0.0], [1.0]])
    assert list(row_correct(outputs, targets)) == [False, True, True, False]


@pytest.mark.parametrize("options, fix", [
    (dict(optimizer="adam"), "Adam usually wants a learning rate near 0.01 (now 1)"),
    (dict(learning_rate=0.001), "raise the learning rate (now 0.001), try 0.01"),
    (dict(activation="relu", learning_rate=5.0), "hidden unit(s) dead: lower the learning rate (now 5)"),
    (dict(hidden=[]), "add a hidden layer"),
    (dict(hidden=[1], learning_rate=2.0), "more hidden units"),
    (dict(activation="tanh", learning_rate=50.0), "overshoot, lower the learning rate (now 50)"),
])
def test_a_failed_run_names_its_likely_fix(options, fix):
    run = nnviz.train(*nnviz.preset("xor"), **options)
    assert not run.learned
    assert fix in likely_fix(run)
    assert any(fix in note for note in health_notes(run))


def test_the_named_fix_works_and_a_learned_run_needs_none():
    # the fixes the notes name do make these runs learn
    assert nnviz.train(*nnviz.preset("xor"), optimizer="adam", learning_rate=0.01).learned
    assert nnviz.train(*nnviz.preset("xor"), learning_rate=0.01 * 10 * 10).learned
    assert likely_fix(nnviz.train(*nnviz.preset("tutorial"))) is None


def test_a_diverged_run_is_told_to_lower_its_rate():
    run = nnviz.train(*nnviz.preset("xor"), output_activation="linear", learning_rate=20.0, iterations=300)
    assert run.diverged_at is not None
    assert likely_fix(run) == "Lower the learning rate (now 20): try 2."
    assert nnviz.train(*nnviz.preset("xor"), output_activation="linear", learning_rate=2.0,
                       iterations=300).diverged_at is None
