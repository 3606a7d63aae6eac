"""Loss functions and regularizers, one record each, keyed by the names the UI shows.

A :class:`Loss` is written once: ``terms(o, y)``, one term per output of each row,
whose sum divided by ``divisor`` (1, the rows, or rows x outputs) is the loss.
From it come the loss of a table or a whole block of iterations at once
(:meth:`Loss.value`) and each row's share (:meth:`Loss.row_shares`, live math).
Its gradient is NumPy statements (see :mod:`nnviz.activations`) writing dL/do
into ``d`` from the output ``o`` and targets ``y`` of one batch; ``SCALE`` is
1 / divisor of that batch. ``bce`` (with a sigmoid output) and ``ce``
(categorical cross-entropy, with a softmax output) give dL/dz (the
pre-activation) directly, the numerically stable form. Beside them: the LaTeX
live math shows and the source the exported script prints, the same operations
in the same order (the script reproduces the engine bit for bit).

A :class:`Regularizer` is the penalty on the weights (never the biases): its
value, its gradient as statements, and their LaTeX and script forms.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .activations import as_function

_EPS = 1e-15  # keeps log() finite when a sigmoid output rounds to exactly 0 or 1


def _squares(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = y - o
    return r * r


def _bce_terms(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    o = np.clip(o, _EPS, 1.0 - _EPS)
    return -(y * np.log(o) + (1.0 - y) * np.log1p(-o))


def _ce_terms(o: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * np.log(np.clip(o, _EPS, 1.0)))


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    terms: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (..., rows, outputs), elementwise
    divisor: str  # what the summed terms are divided by: "one", "rows" or "entries" (rows x outputs)
    gradient: tuple[str, ...]  # o, y, SCALE -> d
    latex: str  # one row's share of the loss, in y and \hat{y}
    latex_gradient: str  # -dL/d(output) (or -dL/dz), the tutorial's sign
    script: str  # the body of the exported script's "def loss(y, output)"
    script_gradient: str  # -dL/d(output) in the script, with {y} and {output} to fill in
    # True when gradient() already includes the output activation's derivative.
    gradient_is_preactivation: bool = False
    requires_output: Optional[str] = None  # the output activation this loss needs
    negated_gradient: Optional[tuple[str, ...]] = None  # -gradient, for a negated output layer

    def count(self, rows: int, outputs: int) -> int:
        """The divisor of the summed terms of ``rows`` rows of ``outputs`` outputs."""
        return {"one": 1, "rows": rows, "entries": rows * outputs}[self.divisor]

    def scale(self, rows: int, outputs: int) -> float:
        """SCALE of the gradient statements: 1 / the divisor."""
        return 1.0 / self.count(rows, outputs)

    def value(self, o: np.ndarray, y: np.ndarray, axis=(-2, -1)) -> np.ndarray:
        """The loss, reducing the sample and output axes ``axis`` (a block of iterations at once)."""
        terms = self.terms(o, y)
        rows, outputs = (terms.shape[a] for a in axis)
        total = np.sum(terms, axis=axis)
        return total if self.divisor == "one" else total / self.count(rows, outputs)

    def row_shares(self, o: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(rows,): each row's share of the table's loss (they add up to :meth:`value`)."""
        total = np.sum(self.terms(o, y), axis=-1)
        return total if self.divisor == "one" else total / self.count(*o.shape[-2:])

    def gradient_into(self, o: np.ndarray, y: np.ndarray, d: np.ndarray) -> np.ndarray:
        """dL/do (dL/dz with ``gradient_is_preactivation``) of one batch into ``d``; returns ``d``."""
        scale = np.array(self.scale(*o.shape[-2:]))
        as_function(self.gradient, "o, y, d, SCALE")(o, y, d, scale)
        return d


# LaTeX and script texts: N is the number of entries (rows x outputs) of the table.
LOSSES: dict[str, Loss] = {loss.name: loss for loss in (
    # 2*(o - y) is exactly -(2*(y - o)): the tutorial's term with the sign of a gradient.
    Loss("sse", "sum-of-squares error", _squares, "one", ("subtract(o, y, d)", "multiply(TWO, d, d)"),
         r"(y - \hat{y})^2", r"2(y - \hat{y})",
         "    return np.sum((y - output) * (y - output))\n", "2*({y} - {output})"),
    Loss("mse", "mean squared error", _squares, "entries",
         ("subtract(o, y, d)", "multiply(TWO, d, d)", "multiply(SCALE, d, d)"),
         r"\tfrac{1}{N}(y - \hat{y})^2", r"\tfrac{2}{N}(y - \hat{y})",
         "    return np.mean((y - output) * (y - output))\n", "2*({y} - {output}) * (1.0 / {y}.size)"),
    # for a sigmoid output: dL/dz = (o - y) / N
    Loss("bce", "binary cross-entropy", _bce_terms, "entries", ("subtract(o, y, d)", "multiply(SCALE, d, d)"),
         r"-\tfrac{1}{N}\left[y \log \hat{y} + (1 - y)\log(1 - \hat{y})\right]", r"\tfrac{1}{N}(y - \hat{y})",
         "    output = np.clip(output, 1e-15, 1.0 - 1e-15)\n"
         "    return -np.mean(y * np.log(output) + (1.0 - y) * np.log1p(-output))\n",
         "({y} - {output}) * (1.0 / {y}.size)",
         gradient_is_preactivation=True, requires_output="sigmoid",
         negated_gradient=("subtract(y, o, d)", "multiply(SCALE, d, d)")),
    # for a softmax output: dL/dz = (o - y) / rows
    Loss("ce", "cross-entropy of one-hot targets", _ce_terms, "rows", ("subtract(o, y, d)", "multiply(SCALE, d, d)"),
         r"-\tfrac{1}{rows}\sum_k y_k \log \hat{y}_k", r"\tfrac{1}{rows}(y - \hat{y})",
         "    return -np.sum(y * np.log(np.clip(output, 1e-15, 1.0))) / len(y)\n",
         "({y} - {output}) * (1.0 / len({y}))",
         gradient_is_preactivation=True, requires_output="softmax"),
)}


@dataclass(frozen=True)
class Regularizer:
    """A penalty on the weights, ``rate * penalty(w)``, and its gradient ``rate * dpenalty/dw``.

    ``gradient``: statements writing ``RATE * dpenalty/dw`` into ``g`` from the weights ``w`` (``RATE``: the
    rate, or an array of it that is 0 on the biases). ``script_gradient``: the same in the exported script,
    with {w} to fill in. ``clip_note``: for L1, which can also be trained as TensorFlow Playground does it
    (``TrainConfig.l1_clip``: a separate step after the update, ``w -= learning_rate * RATE * sign(w)``, that
    sets a weight it takes across zero to 0, see :mod:`nnviz.program`), what that form does, in words.
    """

    name: str
    penalty: Callable[[np.ndarray], np.ndarray]  # (..., n) weights -> (...,) without the rate
    gradient: tuple[str, ...]
    latex: str  # the penalty, rate \lambda
    latex_gradient: str  # its gradient, in W
    script_gradient: str
    note: str  # what the penalty does to the weights, in words for the page and the docs
    clip_note: Optional[str] = None

    def value(self, w: np.ndarray, rate: float) -> np.ndarray:
        return rate * self.penalty(w)

    def gradient_into(self, w: np.ndarray, rate, g: np.ndarray) -> np.ndarray:
        """``rate * dpenalty/dw`` into ``g``; returns ``g``."""
        as_function(self.gradient, "w, RATE, g")(w, np.asarray(rate, dtype=np.float64), g)
        return g


REGULARIZERS: dict[str, Regularizer] = {r.name: r for r in (
    Regularizer(
        "l1", lambda w: np.sum(np.abs(w), axis=-1), ("sign(w, g)", "multiply(g, RATE, g)"),
        r"\lambda \sum |w|", r"\lambda\,\operatorname{sign}(W)", "reg_rate * np.sign({w})",
        "L1 as a penalty's gradient (the truth-table page): reg_rate * sign(w) is added to dLoss/dw before "
        "the update, the gradient of reg_rate * |w|. Weights shrink towards 0 and then jitter around it, "
        "a step of learning_rate * reg_rate either side; none becomes exactly 0.",
        "L1 as TensorFlow Playground does it (the 2-D page and --dataset): the update from the data first, "
        "then a separate step w -= learning_rate * reg_rate * sign(w). A weight that this step takes across "
        "zero is set to exactly 0 and is dead from then on, never updated again: L1 makes the network sparse. "
        "Biases are not regularized."),
    Regularizer(
        "l2", lambda w: 0.5 * np.sum(w * w, axis=-1), ("multiply(w, RATE, g)",),
        r"\tfrac{\lambda}{2} \sum w^2", r"\lambda W", "reg_rate * {w}",
        "L2: reg_rate * w is added to dLoss/dw before the update, the gradient of reg_rate * w² / 2; "
        "every weight decays towards 0 in proportion to its size. Biases are not regularized."),
)}
REGULARIZATIONS = ("none", *REGULARIZERS)


def regularizer(regularization: str, rate: float, l1_clip: bool = False) -> Optional[Regularizer]:
    """The penalty whose gradient a run adds to the data's, or None: no regularization, a rate of 0, or
    (``l1_clip``) L1 trained as TF Playground does it, a separate step instead."""
    rule = REGULARIZERS[regularization] if regularization != "none" and rate > 0 else None
    return None if rule is not None and l1_clip and rule.clip_note is not None else rule
