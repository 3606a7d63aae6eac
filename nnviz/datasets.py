"""2-D datasets as in TensorFlow Playground, input features, and points read from CSV.

Every dataset is drawn from ``np.random.default_rng(seed)``, so a seed gives the
same points on every machine. Points lie in [-6, 6]^2. Classification labels are
class numbers 0..classes-1; regression labels lie in [-1, 1]. ``noise`` is a
share from 0 to 0.5, as the Playground's 0-50 % slider.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .config import NnvizError, TableError, limited_number, limited_whole
from .limits import LIMITS
from .tables import csv_rows, delimiter_hint
from .text import cap, one_line

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DOMAIN = 6.0  # points and the decision-boundary grid cover [-DOMAIN, DOMAIN]^2


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points (n, 2), labels (n,), and which rows train (the rest test)."""

    points: np.ndarray
    labels: np.ndarray
    problem: str  # "classification" or "regression"
    classes: int  # 0 for regression
    train: np.ndarray  # (n,) bool

    def inputs(self, features: Sequence[str]) -> np.ndarray:
        return feature_matrix(self.points, features)

    def targets(self) -> np.ndarray:
        """(n, 1) 0/1 for two classes, (n, classes) one-hot for more, (n, 1) values for regression."""
        if self.problem == "regression":
            return self.labels[:, None].astype(np.float64)
        if self.classes == 2:
            return (self.labels == 1).astype(np.float64)[:, None]
        return np.eye(self.classes)[self.labels.astype(int)]

    def split(self, features: Sequence[str]):
        """(train inputs, train targets, test inputs, test targets)."""
        x, y = self.inputs(features), self.targets()
        return x[self.train], y[self.train], x[~self.train], y[~self.train]


# ---------------------------------------------------------------- generators (TF Playground's)

def _circle(rng, n, noise, classes):
    radius = 5.0
    inside = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inside), rng.uniform(radius * 0.7, radius, n - inside)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = points + rng.uniform(-radius, radius, (n, 2)) * noise
    return points, (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(float)


def _xor(rng, n, noise, classes):
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # a gap along the axes
    shifted = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, (shifted[:, 0] * shifted[:, 1] >= 0).astype(float)


def _gauss(rng, n, noise, classes):
    spread = 0.5 + 7.0 * noise  # the Playground's variance scale: 0 -> 0.5, 50 % -> 4
    if classes == 2:
        centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    else:
        angles = 2 * np.pi * np.arange(classes) / classes
        centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.arange(n) % classes
    points = centres[labels] + rng.normal(0.0, np.sqrt(spread), (n, 2))
    return points, labels.astype(float)


def _spiral(rng, n, noise, classes):
    labels = np.arange(n) % classes
    i = np.arange(n) // classes
    per_arm = -(-n // classes)
    r = i / per_arm * 5
    t = 1.75 * i / per_arm * 2 * np.pi + 2 * np.pi * labels / classes
    points = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (n, 2)) * noise
    return points, labels.astype(float)


def _plane(rng, n, noise, classes):
    points = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    shifted = points + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    return points, np.clip((shifted[:, 0] + shifted[:, 1]) / 10.0, -1, 1)


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multigauss(rng, n, noise, classes):
    points = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    shifted = points + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    distance = np.hypot(shifted[:, None, 0] - _BUMPS[:, 0], shifted[:, None, 1] - _BUMPS[:, 1])  # (n, 6)
    values = _BUMPS[:, 2] * np.clip(1 - distance / 2, 0, 1)  # each bump: 1 at its centre, 0 from 2 away
    strongest = np.argmax(np.abs(values), axis=1)
    return points, values[np.arange(n), strongest]


GENERATORS: dict[str, Callable] = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
                                   "plane": _plane, "multigauss": _multigauss}


def generate(name: str = "circle", points: int = 400, noise: float = 0.0, train_ratio: float = 0.5,
             seed: int = 0, classes: int = 2) -> Dataset:
    """Draw a dataset. ``noise`` and ``train_ratio`` are fractions within their LIMITS; ``classes`` for gauss/spiral."""
    if name not in GENERATORS:
        raise NnvizError("dataset", name, "one of " + ", ".join(GENERATORS))
    n = limited_whole("points", points)
    noise = _share("noise", noise)
    train_ratio = _share("train_ratio", train_ratio)
    regression = name in REGRESSION
    if regression or name in ("circle", "xor"):
        if limited_whole("classes", classes) != 2:
            raise NnvizError("classes", classes, f"2 for the {name} dataset (gauss and spiral take more)")
    else:
        classes = limited_whole("classes", classes)
    rng = np.random.default_rng(limited_whole("seed", seed))
    xy, labels = GENERATORS[name](rng, n, noise, classes)
    return Dataset(xy, labels, "regression" if regression else "classification", 0 if regression else classes,
                   _train_mask(n, train_ratio, rng))


def _train_mask(n: int, train_ratio: float, rng: np.random.Generator) -> np.ndarray:
    train = np.zeros(n, dtype=bool)
    count = min(n - 1, max(1, int(round(n * train_ratio))))
    train[rng.permutation(n)[:count]] = True
    return train


def _share(field: str, value) -> float:
    """A fraction within LIMITS[field] (noise, train_ratio). The engine takes fractions; pages and the command
    line show percent and divide by 100 where they read it (ui/planeurl.py PERCENT, nnviz.cli._percent)."""
    limit = LIMITS[field]
    return limited_number(field, value, unit="a share", note=f" ({limit.minimum:.0%} to {limit.maximum:.0%})")


# ---------------------------------------------------------------- features

FEATURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}
DEFAULT_FEATURES = ("x1", "x2")


def check_features(names: Sequence[str] | str) -> tuple[str, ...]:
    """Feature names from a list or a comma-separated string; at least one, no repeats."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")] if names.strip() else []
    names = tuple(names)
    unknown = [n for n in names if n not in FEATURES]
    if unknown or not names or len(set(names)) != len(names):
        raise NnvizError("features", ",".join(map(str, names)),
                         "one or more different names of " + ", ".join(FEATURES))
    return names


def feature_matrix(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """(n, len(names)) inputs computed from points (n, 2), in the order named."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.column_stack([FEATURES[n](x1, x2) for n in check_features(names)])


# ---------------------------------------------------------------- CSV

def load_points_csv(data: bytes, problem: str = "classification", train_ratio: float = 0.5,
                    seed: int = 0) -> Dataset:
    """Points from CSV with a header and columns x1, x2, label.

    Classification labels are whole numbers 0..k-1 (or -1/1, read as 0/1); regression labels are
    numbers in [-1, 1]. Raises :class:`TableError` naming the line for bad content.
    """
    if problem not in ("classification", "regression"):
        raise NnvizError("problem", problem, "classification or regression")
    seed = limited_whole("seed", seed)
    rows = csv_rows(data, "a text file with columns x1, x2, label")
    if rows and len(rows[0]) == 1:
        delimiter_hint(rows, "x1, x2, label")
    if len(rows) < 3:
        raise TableError("csv", f"{len(rows)} non-empty lines", "a header row (x1,x2,label) and points")
    body = rows[1:]
    limit = LIMITS["points"]
    if len(body) > limit.maximum:
        raise TableError("csv", f"{len(body)} points", f"at most {int(limit.maximum)} points")
    values = np.empty((len(body), 3))
    for line, row in enumerate(body, start=2):
        if len(row) != 3:
            raise TableError("csv", f"line {line} has {len(row)} cells", "3 cells: x1, x2, label")
        for col, cell in enumerate(row):
            try:
                values[line - 2, col] = float(cell)
            except ValueError:
                raise TableError("csv", f"line {line}: {cap(one_line(cell), 20)!r}", "numbers only") from None
    if not np.all(np.isfinite(values)):
        raise TableError("csv", "NaN or infinity", "finite numbers only")
    if np.max(np.abs(values[:, :2])) > 1e6:
        raise TableError("csv", "coordinates beyond 1e6", f"coordinates near [-{DOMAIN:g}, {DOMAIN:g}]")
    points, labels = values[:, :2], values[:, 2]
    if problem == "regression":
        if np.max(np.abs(labels)) > 1:
            raise TableError("csv", f"label {labels[np.argmax(np.abs(labels))]:g}", "regression labels in [-1, 1]")
        classes = 0
    else:
        if set(np.unique(labels)) <= {-1.0, 1.0}:
            labels = (labels > 0).astype(float)
        if np.any(labels != np.round(labels)) or labels.min() < 0:
            raise TableError("csv", "labels that are not whole numbers from 0", "class labels 0, 1, 2, ...")
        classes = max(2, int(labels.max()) + 1)
        if classes > LIMITS["classes"].maximum:
            raise TableError("csv", f"{classes} classes", f"at most {int(LIMITS['classes'].maximum)} classes")
    rng = np.random.default_rng(seed)
    return Dataset(points, labels, problem, classes, _train_mask(len(points), _share("train_ratio", train_ratio), rng))


def default_options(problem: str, classes: int = 2) -> dict:
    """Training options that suit a 2-D dataset (the Playground's choices), for options a user did not set.

    Two classes: a tanh output with the square loss, as TF Playground trains them (its labels are -1/1, ours
    0/1 with the decision at 0.5); measured on its longest spiral run (500 points, 8,8, batch 10, 1,000
    epochs, 8 seeds) this reaches 92 % test accuracy on average as TF Playground does (90-93 %), where a
    sigmoid with cross-entropy reached 86 %. L1 is TF Playground's: a weight it takes across zero dies.
    """
    options = dict(hidden=[4, 2], activation="tanh", bias=True, init="xavier", learning_rate=0.03, batch_size=10,
                   l1_clip=True)
    if problem == "regression":
        options.update(output_activation="linear", loss="mse")
    elif classes > 2:
        options.update(output_activation="softmax", loss="ce")
    else:
        options.update(output_activation="tanh", loss="mse")
    return options
