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
from .training import TrainingRun

SYMBOLS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}", "linear": r"\mathrm{id}",
           "softmax": r"\mathrm{softmax}"}
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
    weights = run.layout.weights(run.parameters[snapshot])
    biases = run.layout.biases(run.parameters[snapshot])
    acts = [ACTIVATIONS[a] for a in run.activations]
    with np.errstate(all="ignore"):
        layers, a = [], x
        for l, act in enumerate(acts):
            z = a @ weights[l] + (biases[l] if biases is not None else 0.0)
            a = act(z)
            layers.append(a)
        output, n = layers[-1], y.size
        loss_name = run.config.loss
        term = {"sse": 2 * (y - output), "mse": 2 * (y - output) / n, "bce": (y - output) / n,
                "ce": (y - output) / len(y)}[loss_name]
        delta = term if loss_name in ("bce", "ce") else term * acts[-1].slope(output)
        deltas, d_weights, row_d_weights, d_biases = [], [], [], []
        for l in range(len(acts) - 1, -1, -1):
            below = layers[l - 1] if l else x
            deltas.insert(0, delta)
            d_weights.insert(0, below.T @ delta - penalty(run.config, weights[l]))
            row_d_weights.insert(0, np.outer(below[row], delta[row]))
            d_biases.insert(0, delta.sum(axis=0))
            if l:
                delta = (delta @ weights[l].T) * acts[l - 1].slope(layers[l - 1])
        per_row = {"sse": np.sum((y - output) ** 2, axis=1), "mse": np.sum((y - output) ** 2, axis=1) / n,
                   "bce": -np.sum(y * np.log(np.clip(output, 1e-15, 1 - 1e-15))
                                  + (1 - y) * np.log1p(-np.clip(output, 1e-15, 1 - 1e-15)), axis=1) / n,
                   "ce": -np.sum(y * np.log(np.clip(output, 1e-15, 1.0)), axis=1) / len(y)}[loss_name]
    return Explanation(run, int(run.snapshot_iterations[snapshot]), row, weights, biases, layers, deltas,
                       d_weights, row_d_weights, d_biases if biases is not None else None,
                       float(per_row.sum()), float(per_row[row]))


# The two forms of L1 nnviz trains with (TrainConfig.l1_clip), in words for the page and the docs.
L1_FORMS = {
    False: "L1 as a penalty's gradient (the truth-table page): reg_rate * sign(w) is added to dLoss/dw before "
           "the update, the gradient of reg_rate * |w|. Weights shrink towards 0 and then jitter around it, "
           "a step of learning_rate * reg_rate either side; none becomes exactly 0.",
    True: "L1 as TensorFlow Playground does it (the 2-D page and --dataset): the update from the data first, "
          "then a separate step w -= learning_rate * reg_rate * sign(w). A weight that this step takes across "
          "zero is set to exactly 0 and is dead from then on, never updated again: L1 makes the network sparse. "
          "Biases are not regularized.",
}


def regularization_note(config) -> str:
    """What the run's regularization does to the weights, in words ("" without one)."""
    if config.regularization == "none" or config.reg_rate == 0:
        return ""
    if config.regularization == "l2":
        return ("L2: reg_rate * w is added to dLoss/dw before the update, the gradient of reg_rate * w² / 2; "
                "every weight decays towards 0 in proportion to its size. Biases are not regularized.")
    return L1_FORMS[bool(config.l1_clip)]


def penalty(config, w: np.ndarray) -> np.ndarray:
    """d(penalty)/dW of the regularization: reg_rate * sign(W) (l1), reg_rate * W (l2), else 0. TF Playground's
    L1 (``l1_clip``) is a separate step after the update, not part of the gradient: 0 here."""
    if config.regularization == "none" or config.reg_rate == 0 or (config.regularization == "l1"
                                                                   and config.l1_clip):
        return np.zeros_like(w)
    return config.reg_rate * (np.sign(w) if config.regularization == "l1" else w)


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
        f = SYMBOLS[names[l - 1]]
        bias = f" + b_{l}" if e.biases is not None else ""
        bias_value = (" + " + _matrix(e.biases[l - 1][None, :])) if e.biases is not None else ""
        out.append((f"Feedforward, layer {l}" if l < L else "Feedforward, output",
                    f"{_name(l, L)} = {f}({below_name} \\cdot W_{l}{bias}) = "
                    f"{f}\\left({_matrix(below_value[None, :])} \\cdot {_matrix(e.weights[l - 1])}{bias_value}\\right)"
                    f" = {_matrix(e.activations[l - 1][r][None, :])}"))
        below_value, below_name = e.activations[l - 1][r], _name(l, L)
    loss = e.run.config.loss
    formula = {"sse": r"(y - \hat{y})^2", "mse": r"\tfrac{1}{N}(y - \hat{y})^2",
               "bce": r"-\tfrac{1}{N}\left[y \log \hat{y} + (1 - y)\log(1 - \hat{y})\right]",
               "ce": r"-\tfrac{1}{rows}\sum_k y_k \log \hat{y}_k"}[loss]
    out.append(("Loss of this row (the table's loss sums every row)",
                f"\\text{{loss}} = {formula} \\quad y = {_matrix(y[None, :])} \\Rightarrow {e.row_loss:.4g}"
                f" \\qquad \\text{{whole table: }} {e.loss:.4g}"))
    f_out = SYMBOLS[names[-1]]
    term = {"sse": r"2(y - \hat{y})", "mse": r"\tfrac{2}{N}(y - \hat{y})", "bce": r"\tfrac{1}{N}(y - \hat{y})",
            "ce": r"\tfrac{1}{rows}(y - \hat{y})"}[loss]
    slope = "" if loss in ("bce", "ce") else f" \\odot {f_out}'(\\hat{{y}})"
    out.append((f"Backprop: delta of the output (the tutorial's 2*(y - output) * {names[-1]}_derivative(output))",
                f"\\delta_{L} = {term}{slope} = {_matrix(e.deltas[-1][r][None, :])}"))
    for l in range(L, 0, -1):
        below = "x" if l == 1 else _name(l - 1, L)
        out.append((f"d_weights{l} (this row's share; the update adds the sum over all rows)",
                    f"d\\_weights_{l} = {below}^T \\cdot \\delta_{l} = {_matrix(e.row_d_weights[l - 1])}"
                    f" \\qquad \\sum_{{rows}} = {_matrix(e.d_weights[l - 1])}"))
        if l > 1:
            f = SYMBOLS[names[l - 2]]
            out.append((f"Backprop into layer {l - 1}",
                        f"\\delta_{l - 1} = (\\delta_{l} \\cdot W_{l}^T) \\odot {f}'({_name(l - 1, L)}) = "
                        f"{_matrix(e.deltas[l - 2][r][None, :])}"))
    rate = e.run.config.learning_rate
    step = "" if rate == 1 else f"{rate:g} \\cdot "
    update = f"W_l \\mathrel{{+}}= {step}d\\_weights_l"
    config = e.run.config
    if config.regularization == "l1" and config.l1_clip and config.reg_rate > 0:
        # TF Playground's L1: a second step; a weight it takes across zero becomes 0 and stays dead
        update += (f" \\quad\\text{{then}}\\quad W_l \\mathrel{{-}}= {rate * config.reg_rate:g}\\,"
                   r"\operatorname{sign}(W_l)\ \text{(across zero: 0, dead)}")
    out.append(("Update (SGD; momentum and Adam transform d_weights first)" if e.run.config.optimizer != "sgd"
                else "Update", update))
    return out
