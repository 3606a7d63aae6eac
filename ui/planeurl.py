"""The 2-D playground's settings: one declarative table (:data:`FIELDS`, ui.schema) drives parsing, the URL,
the sidebar's widgets (ui.plane_controls) and the configuration (:func:`config_for`).

A link holds the data settings and their seed, the features, the network and the
hyper-parameters, so opening it reproduces the run; ``hide=`` names controls to
leave out for a lesson (``hide=dataset,features``). A value that does not parse
falls back to its default and is reported, never raised. The main page's own
parameters (:mod:`ui.urlstate`) are ignored quietly.
"""
from __future__ import annotations

from typing import Any, Mapping

from nnviz import playground
from nnviz.config import NnvizError, parse_hidden
from nnviz.activations import HIDDEN_ACTIVATIONS
from nnviz.config import TrainConfig
from nnviz.datasets import DEFAULT_FEATURES, GENERATORS, Dataset, check_features, generate
from nnviz.playground import MULTI_CLASS
from . import schema
from .schema import Setting, parse_fields, short
from .urlstate import FIELDS as MAIN_FIELDS
from .urlstate import TABLE_PARAMS

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # the Playground's
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
# TF Playground's four in its order, then any other hidden activation nnviz has.
ACTIVATIONS = tuple(sorted(HIDDEN_ACTIVATIONS, key=("relu", "tanh", "sigmoid", "linear", *HIDDEN_ACTIVATIONS).index))
MORE_EPOCHS = 100  # what "+N epochs" offers first

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


def _split_hide(text: str) -> tuple[tuple[str, ...], list[str]]:
    """(the known control names, the unknown ones) of a ``hide=`` value."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    return tuple(dict.fromkeys(n for n in names if n in HIDEABLE)), [n for n in names if n not in HIDEABLE]


def _list(values) -> str:
    return ",".join(str(v) for v in values)


# The page's settings, in TF Playground's order (data, features, network, training, view). ``hide`` names the
# controls a lesson link may hide for each; :data:`HIDEABLE` adds the parts of the page that are no setting.
DATA: tuple[Setting, ...] = (
    schema.choice("dataset", tuple(GENERATORS), "circle", hide=("problem", "dataset"), widget="selectbox",
                  label="Dataset"),
    schema.whole("classes", widget="slider", label="Classes", hideable=True,
                 help="More than two: a softmax output with cross-entropy"),
    schema.whole("points", widget="slider", label="Points", step=10, hideable=True),
    schema.percent("noise", "noise", widget="slider", label="Noise", step=5, hideable=True),
    schema.percent("ratio", "train_ratio", widget="slider", label="Ratio of training to test data", step=5,
                   hideable=True),  # percent of the points that train
    # New points: from a new seed (Regenerate), or your own (the CSV upload).
    schema.whole("data_seed", "seed", default=0, hide=("regenerate", "csv")),
)
TRAINING: tuple[Setting, ...] = (  # the settings nnviz.playground.plane_config takes, under its names
    Setting("hidden", (4, 2), _hidden, lambda v: _list(v) or "none", hide=("layers", "neurons"), config="hidden"),
    schema.choice("activation", ACTIVATIONS, "tanh", widget="selectbox", label="Activation", hideable=True,
                  help="Of the hidden layers", config="activation"),
    schema.listed("learning_rate", LEARNING_RATES, 0.03, label="Learning rate", hideable=True,
                  config="learning_rate"),
    schema.choice("regularization", ("none", "l1", "l2"), "none", widget="segmented_control",
                  label="Regularization", hideable=True, config="regularization",
                  widget_args={"required": True, "format_func": lambda v: v.upper() if v != "none" else "None"},
                  convert=lambda v: v or "none",
                  help="L1 as TensorFlow Playground does it: after each update a separate step w -= learning rate "
                       "x rate x sign(w); a weight that crosses zero becomes 0 and stays dead. L2 adds rate x w to "
                       "the gradient. Biases are not regularized."),
    schema.listed("reg_rate", REG_RATES, 0.0, label="Regularization rate", hideable=True, config="reg_rate"),
    schema.whole("batch_size", low=1, high=playground.MAX_BATCH, default=10, widget="slider", label="Batch size",
                 hideable=True, config="batch_size",
                 help="Points per update; an epoch is as many updates as it takes to see every training point once"),
    schema.whole("epochs", low=1, high=playground.MAX_EPOCHS, default=100, widget="number_input", label="Epochs",
                 step=10, hideable=True, config="epochs",
                 help="How long to train: the timeline of the chart. The losses are measured over all training "
                      "and test points after every epoch, as in TensorFlow Playground"),
    schema.whole("seed", default=0, widget="number_input", label="Seed of the weights", step=1, hideable=True,
                 config="seed",  # the initial weights and the batch order
                 help="The starting weights and the batch order: the same seed gives the same run"),
)
FIELDS: tuple[Setting, ...] = (
    *DATA,
    Setting("features", DEFAULT_FEATURES, _features, _list, widget="pills", label="Inputs to the network",
            options=tuple(playground.FEATURE_LABELS), hide=("features",), convert=tuple,
            widget_args={"selection_mode": "multi", "format_func": playground.FEATURE_LABELS.get},
            help="What the first layer sees, computed from each point's x₁ and x₂"),
    *TRAINING,
    schema.flag("discretize", label="Discretize output", hideable=True,
                help="Paint each side of the boundary in one colour (more classes are always discrete)"),
    schema.flag("show_test", label="Show test data", hideable=True, help="Test points: diamonds with a dark ring"),
    Setting("hide", (), lambda text: _split_hide(text)[0], _list),  # parse() reports the unknown names
    schema.flag("presenter", label="Presenter mode",  # as on the truth-table page
                help="Large type and no toolbar, for a projector; kept in the link"),
)
DEFAULTS: dict[str, Any] = schema.defaults(FIELDS)
FIELDS_BY_NAME: dict[str, Setting] = schema.by_name(FIELDS)
# Controls a lesson link can hide, by the name used in ``hide=``: the settings', then parts of the page.
HIDEABLE = tuple(name for f in FIELDS for name in f.hide) + ("step", "network", "edit", "link")
_OTHER_PAGE = {f.name for f in MAIN_FIELDS} | set(TABLE_PARAMS)


def parse(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """(settings, notices): every field parsed or its default; a notice for each value ignored."""
    settings, notices = parse_fields(FIELDS, params, ignore={"hide"} | _OTHER_PAGE)
    if "hide" in params:  # one unknown name does not cancel the others
        settings["hide"], unknown = _split_hide(str(params["hide"]))
        notices = [n for n in notices if not n.startswith("hide=")]
        if unknown:
            notices.append(f"hide={short(','.join(unknown))} (expected names of controls: {', '.join(HIDEABLE)})")
    return settings, notices


def serialize(settings: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for every field (``hide`` only when something is hidden, ``presenter`` only when on)."""
    params = schema.serialize_fields(FIELDS, settings)
    if params["presenter"] == "0":
        del params["presenter"]
    return params


def engine_value(settings: Mapping, name: str) -> Any:
    """The engine's value of the setting ``name`` (its ``to_config``: noise and ratio percent -> fraction)."""
    return FIELDS_BY_NAME[name].to_config(settings[name])


def dataset_from(settings: Mapping) -> Dataset:
    """The generated points of the settings."""
    name = settings["dataset"]
    return generate(name, int(settings["points"]), engine_value(settings, "noise"), engine_value(settings, "ratio"),
                    int(settings["data_seed"]), int(settings["classes"]) if name in MULTI_CLASS else 2)


def config_for(settings: Mapping, dataset: Dataset) -> TrainConfig:
    """The page's settings as a training configuration (:func:`nnviz.playground.plane_config`): each setting
    with an option (:data:`TRAINING`) through its ``to_config``."""
    return playground.plane_config(dataset, features=len(settings["features"]),
                                   **schema.config_options(TRAINING, settings))
