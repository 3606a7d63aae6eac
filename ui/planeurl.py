"""The 2-D playground's state in the URL: one declarative table drives parsing and serializing.

A link holds the data settings and their seed, the features, the network and the
hyper-parameters, so opening it reproduces the run; ``hide=`` names controls to
leave out for a lesson (``hide=dataset,features``). A value that does not parse
falls back to its default and is reported, never raised. The main page's own
parameters (:mod:`ui.urlstate`) are ignored quietly.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from nnviz import playground
from nnviz.config import NnvizError, parse_hidden
from nnviz.activations import HIDDEN_ACTIVATIONS
from nnviz.config import TrainConfig
from nnviz.datasets import DEFAULT_FEATURES, GENERATORS, Dataset, check_features, generate
from nnviz.playground import MULTI_CLASS
from nnviz.limits import LIMITS
from .urlstate import FIELDS as MAIN_FIELDS
from .urlstate import TABLE_PARAMS, Field, _flag, _one_of, _short, _whole, parse_fields

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # the Playground's
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
# TF Playground's four in its order, then any other hidden activation nnviz has.
ACTIVATIONS = tuple(sorted(HIDDEN_ACTIVATIONS, key=("relu", "tanh", "sigmoid", "linear", *HIDDEN_ACTIVATIONS).index))
MORE_EPOCHS = 100  # what "+N epochs" offers first

def dataset_from(settings: Mapping) -> Dataset:
    """The generated points of the settings (``noise`` and ``ratio`` in percent)."""
    name = settings["dataset"]
    return generate(name, int(settings["points"]), settings["noise"] / 100, settings["ratio"] / 100,
                    int(settings["data_seed"]), int(settings["classes"]) if name in MULTI_CLASS else 2)


def config_for(settings: Mapping, dataset: Dataset) -> TrainConfig:
    """The page's settings as a training configuration (:func:`nnviz.playground.plane_config`)."""
    return playground.plane_config(
        dataset, hidden=settings["hidden"], activation=settings["activation"],
        learning_rate=settings["learning_rate"], regularization=settings["regularization"],
        reg_rate=settings["reg_rate"], batch_size=settings["batch_size"], epochs=settings["epochs"],
        seed=settings["seed"], features=len(settings["features"]))

# Controls a lesson link can hide, by the name used in ``hide=``.
HIDEABLE = ("problem", "dataset", "classes", "points", "noise", "ratio", "regenerate", "csv", "features",
            "layers", "neurons", "activation", "learning_rate", "regularization", "reg_rate", "batch_size",
            "epochs", "seed", "discretize", "show_test", "step", "network", "edit", "link")


def _whole_in(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = float(text)
        if number != int(number) or not low <= number <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return int(number)
    return parse


def _listed(values: tuple) -> Callable[[str], float]:
    def parse(text: str) -> float:
        number = float(text)
        for v in values:
            if abs(number - v) <= 1e-9 * max(1.0, abs(v)):
                return v
        raise ValueError("one of " + ", ".join(f"{v:g}" for v in values))
    return parse


def _features(text: str) -> tuple[str, ...]:
    try:
        return check_features(text)
    except NnvizError as error:
        raise ValueError(error.allowed) from None


def _hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("none", ""):  # no hidden layer
        return ()
    try:
        widths = parse_hidden(text)
    except NnvizError as error:
        raise ValueError(error.allowed) from None
    if any(w > playground.MAX_WIDTH for w in widths):
        raise ValueError(f"widths from 1 to {playground.MAX_WIDTH}, such as 4,2")
    return widths


def _hide(text: str) -> tuple[str, ...]:
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown:
        raise ValueError("names of controls: " + ", ".join(HIDEABLE))
    return tuple(dict.fromkeys(names))


def _split_hide(text: str) -> tuple[tuple[str, ...], list[str]]:
    """(the known control names, the unknown ones) of a ``hide=`` value."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    return tuple(dict.fromkeys(n for n in names if n in HIDEABLE)), [n for n in names if n not in HIDEABLE]


def _list(values) -> str:
    return ",".join(str(v) for v in values)


FIELDS: tuple[Field, ...] = (
    Field("dataset", "circle", _one_of(tuple(GENERATORS))),
    Field("classes", 2, _whole("classes")),
    Field("points", int(LIMITS["points"].default), _whole("points")),
    Field("noise", 0, _whole_in(0, 50)),  # percent
    Field("ratio", 50, _whole_in(10, 90)),  # percent of the points that train
    Field("data_seed", 0, _whole("seed")),
    Field("features", DEFAULT_FEATURES, _features, _list),
    Field("hidden", (4, 2), _hidden, lambda v: _list(v) or "none"),
    Field("activation", "tanh", _one_of(ACTIVATIONS)),
    Field("learning_rate", 0.03, _listed(LEARNING_RATES), lambda v: f"{v:g}"),
    Field("regularization", "none", _one_of(("none", "l1", "l2"))),
    Field("reg_rate", 0.0, _listed(REG_RATES), lambda v: f"{v:g}"),
    Field("batch_size", 10, _whole_in(1, playground.MAX_BATCH)),
    Field("epochs", 100, _whole_in(1, playground.MAX_EPOCHS)),
    Field("seed", 0, _whole("seed")),  # the initial weights and the batch order
    Field("discretize", False, _flag, lambda v: "1" if v else "0"),
    Field("show_test", False, _flag, lambda v: "1" if v else "0"),
    Field("hide", (), _hide, _list),
    Field("presenter", False, _flag, lambda v: "1" if v else "0"),  # as on the truth-table page
)
DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS}
_OTHER_PAGE = {f.name for f in MAIN_FIELDS} | set(TABLE_PARAMS)


def parse(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """(settings, notices): every field parsed or its default; a notice for each value ignored."""
    settings, notices = parse_fields(FIELDS, params, ignore={"hide"} | _OTHER_PAGE)
    if "hide" in params:  # one unknown name does not cancel the others
        settings["hide"], unknown = _split_hide(str(params["hide"]))
        notices = [n for n in notices if not n.startswith("hide=")]
        if unknown:
            notices.append(f"hide={_short(','.join(unknown))} (expected names of controls: {', '.join(HIDEABLE)})")
    return settings, notices


def serialize(settings: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for every field (``hide`` only when something is hidden, ``presenter`` only when on)."""
    params = {f.name: f.show(settings.get(f.name, f.default)) for f in FIELDS}
    if not params["hide"]:
        del params["hide"]
    if params["presenter"] == "0":
        del params["presenter"]
    return params
