"""Live math: the tutorial's feedforward and backprop with the numbers of one moment of a run.

``explain(run, snapshot, row)`` recomputes, in plain NumPy and in the
tutorial's notation, what one iteration does at that snapshot: every layer's
activations for the chosen row, the loss, each layer's delta and
``d_weights`` (the tutorial's -dLoss/dW; with ``+=`` it is the update at
learning rate 1), both the chosen row's share and the whole table's sum.
``latex(...)`` turns that into formulas for ``st.latex`` (no Streamlit here).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .losses import LOSSES, REGULARIZERS, regularizer
from .reference import backward, forward
from .training import TrainingRun

MAX_SHOWN = 6  # matrix rows/columns written out before eliding with dots


@dataclass(frozen=True, eq=False)
class Explanation:
    """One iteration at ``iteration``, for table row ``row``. Lists run input side first.

    ``activations[l]`` (rows, width) for the whole table; ``deltas[l]`` likewise
    (the tutorial's sign: -dLoss/dz); ``d_weights[l]`` (fan_in, fan_out) summed over
    rows and ``row_d_weights[l]`` the chosen row's share.
    """

    run: TrainingRun
    iteration: int
    row: int
    weights: list[np.ndarray]
    biases: list[np.ndarray] | None
    activations: list[np.ndarray]
    deltas: list[np.ndarray]
    d_weights: list[np.ndarray]
    row_d_weights: list[np.ndarray]
    d_biases: list[np.ndarray] | None
    loss: float
    row_loss: float


def explain(run: TrainingRun, snapshot: int = -1, row: int = 0) -> Explanation:
    x, y = run.inputs, run.targets
    if not -x.shape[0] <= row < x.shape[0]:
        raise IndexError(f"row {row} is not in the table's {x.shape[0]} rows")
    row %= x.shape[0]
    theta, config = run.parameters[snapshot], run.config
    # TF Playground's L1 (l1_clip) is a separate step after the update, not part of the gradient.
    regularization = config.regularization if regularizer(config.regularization, config.reg_rate,
                                                          config.l1_clip) else "none"
    with np.errstate(all="ignore"):
        layers = forward(run.layout, run.activations, theta, x)
        grads = backward(run.layout, run.activations, config.loss, theta, x, y, layers, regularization,
                         config.reg_rate)
        # The tutorial's sign: -dLoss/d.
        deltas = [-d for d in grads.deltas]
        row_d_weights = [np.outer((layers[l - 1] if l else x)[row], deltas[l][row]) for l in range(len(layers))]
        shares = LOSSES[config.loss].row_shares(layers[-1], y)
    return Explanation(run, int(run.snapshot_iterations[snapshot]), row, run.layout.weights(theta),
                       run.layout.biases(theta), layers, deltas, [-g for g in grads.d_weights], row_d_weights,
                       None if grads.d_biases is None else [-g for g in grads.d_biases],
                       float(shares.sum()), float(shares[row]))


# The two forms of L1 nnviz trains with (TrainConfig.l1_clip), in words for the page and the docs.
L1_FORMS = {False: REGULARIZERS["l1"].note, True: REGULARIZERS["l1"].clip_note}


def regularization_note(config) -> str:
    """What the run's regularization does to the weights, in words ("" without one)."""
    rule = regularizer(config.regularization, config.reg_rate)
    if rule is None:
        return ""
    return rule.clip_note if config.l1_clip and rule.clip_note else rule.note


def _matrix(a: np.ndarray) -> str:
    a = np.atleast_2d(a)
    def cells(values):
        shown = [f"{v + 0.0:.3g}" for v in values[:MAX_SHOWN]]  # + 0.0: no "-0"
        return shown + [r"\cdots"] if len(values) > MAX_SHOWN else shown
    lines = [" & ".join(cells(r)) for r in a[:MAX_SHOWN]]
    if a.shape[0] > MAX_SHOWN:
        lines.append(r"\vdots")
    return r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"


def _name(l: int, L: int) -> str:
    return r"\hat{y}" if l == L else f"\\text{{layer}}_{l}"


def latex(e: Explanation) -> list[tuple[str, str]]:
    """(caption, LaTeX) pairs: feedforward, loss, backprop, for the chosen row."""
    L = len(e.weights)
    r = e.row
    x = e.run.inputs[r]
    y = e.run.targets[r]
    names = e.run.activations
    out: list[tuple[str, str]] = []
    below_value, below_name = x, "x"
    for l in range(1, L + 1):
        f = ACTIVATIONS[names[l - 1]].symbol
        bias = f" + b_{l}" if e.biases is not None else ""
        bias_value = (" + " + _matrix(e.biases[l - 1][None, :])) if e.biases is not None else ""
        out.append((f"Feedforward, layer {l}" if l < L else "Feedforward, output",
                    f"{_name(l, L)} = {f}({below_name} \\cdot W_{l}{bias}) = "
                    f"{f}\\left({_matrix(below_value[None, :])} \\cdot {_matrix(e.weights[l - 1])}{bias_value}\\right)"
                    f" = {_matrix(e.activations[l - 1][r][None, :])}"))
        below_value, below_name = e.activations[l - 1][r], _name(l, L)
    config = e.run.config
    loss = LOSSES[config.loss]
    formula = loss.latex
    out.append(("Loss of this row (the table's loss sums every row)",
                f"\\text{{loss}} = {formula} \\quad y = {_matrix(y[None, :])} \\Rightarrow {e.row_loss:.4g}"
                f" \\qquad \\text{{whole table: }} {e.loss:.4g}"))
    f_out = ACTIVATIONS[names[-1]].symbol
    term = loss.latex_gradient
    slope = "" if loss.gradient_is_preactivation else f" \\odot {f_out}'(\\hat{{y}})"
    tutorial = loss.script_gradient.format(y="y", output="output") + (
        "" if loss.gradient_is_preactivation else f" * {names[-1]}_derivative(output)")
    out.append((f"Backprop: delta of the output (the tutorial's {tutorial})",
                f"\\delta_{L} = {term}{slope} = {_matrix(e.deltas[-1][r][None, :])}"))
    penalty = regularizer(config.regularization, config.reg_rate, config.l1_clip)
    penalized = penalty is not None
    for l in range(L, 0, -1):
        below = "x" if l == 1 else _name(l - 1, L)
        # the table's sum includes the penalty's gradient, minus: d_weights is -dLoss/dW
        minus = f" - {penalty.latex_gradient.replace('W', f'W_{l}')}" if penalized else ""
        rate_is = f" \\quad (\\lambda = {config.reg_rate:g})" if penalized else ""
        out.append((f"d_weights{l} (this row's share; the update adds the sum over all rows)",
                    f"d\\_weights_{l} = {below}^T \\cdot \\delta_{l} = {_matrix(e.row_d_weights[l - 1])}"
                    f" \\qquad \\sum_{{rows}}{minus} = {_matrix(e.d_weights[l - 1])}{rate_is}"))
        if l > 1:
            f = ACTIVATIONS[names[l - 2]].symbol
            out.append((f"Backprop into layer {l - 1}",
                        f"\\delta_{l - 1} = (\\delta_{l} \\cdot W_{l}^T) \\odot {f}'({_name(l - 1, L)}) = "
                        f"{_matrix(e.deltas[l - 2][r][None, :])}"))
    rate = e.run.config.learning_rate
    step = "" if rate == 1 else f"{rate:g} \\cdot "
    update = f"W_l \\mathrel{{+}}= {step}d\\_weights_l"
    if config.regularization == "l1" and config.l1_clip and config.reg_rate > 0:
        # TF Playground's L1: a second step; a weight it takes across zero becomes 0 and stays dead
        step = REGULARIZERS["l1"].latex_gradient.replace(r"\lambda", f"{rate * config.reg_rate:g}").replace("W", "W_l")
        update += f" \\quad\\text{{then}}\\quad W_l \\mathrel{{-}}= {step}" + r"\ \text{(across zero: 0, dead)}"
    out.append(("Update (SGD; momentum and Adam transform d_weights first)" if e.run.config.optimizer != "sgd"
                else "Update", update))
    return out
