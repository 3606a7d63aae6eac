"""The page's state in the URL query string, so a copied link reproduces the run.

One declarative table, :data:`FIELDS` (a :class:`ui.schema.Setting` each), drives :func:`parse`,
:func:`serialize`, the sidebar's widgets and :func:`config_of`. A value that does not parse falls
back to its default and is reported, never raised. The parameter names are the widget keys.

The table travels as ``table``: rows separated by ``;``, cells by ``,``, and
``:`` between the inputs and the targets of a row, e.g. the tutorial's table is
``table=0,0,1:0;0,1,1:1;1,0,1:1;1,1,1:0``. A table longer than MAX_PARAM_CHARS travels compressed
(``z.`` + base64url of zlib) or, if that is still too long, held by the server (``h.`` + a digest), so a link
stays under about 4 KB. Column names travel as
``names=x1,x2,x3:y`` in the same way, each made plain (:func:`nnviz.text.plain_name`: no markup, at most
40 characters) before anything shows it. When the table is exactly the preset's,
``table`` and ``names`` are left out and ``preset=<name>`` says it all.

``tool`` is the open "Look closer" tool and ``scene`` the lesson loaded last; both
are written only when set. A link with ``scene=<key>`` opens that lesson: its
table and settings, except those the link gives itself.
"""
from __future__ import annotations

import base64
import hashlib
import threading
import zlib
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Mapping, Optional

import numpy as np

from nnviz.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nnviz.config import NnvizError, TrainConfig, check_table, make_config
from nnviz.limits import LIMITS
from nnviz.losses import LOSSES
from nnviz.optimizers import OPTIMIZERS
from . import schema
from .editing import default_names
from .schema import Setting, parse_fields, short
from .scenes import SCENES, Scene
from nnviz.tables import PRESETS, Table
from nnviz.text import plain_names

_DEFAULTS = TrainConfig()
OWN_TABLE = "(your own table)"  # the preset box's entry for a table that is no preset (not in links)
# The "Look closer" tools by key (ui/teaching.py draws them in this order).
TOOLS = ("live_math", "stepping", "sweep", "ab", "hidden", "gradcheck", "health", "scenes")
Field = Setting  # the name the page's tests and older code use


def _batch(text: str) -> int:
    return 0 if text.strip().lower() in ("all", "") else _BATCH_NUMBER(text)


_BATCH_NUMBER = schema.whole("batch_size", "rows", low=0).parse

# The truth-table page's settings, in the sidebar's order. hidden_width and hidden_layers are one engine option
# between them, ``hidden`` (:data:`JOINED`).
FIELDS: tuple[Setting, ...] = (
    schema.choice("preset", tuple(PRESETS), "tutorial", widget="selectbox", label="Preset",
                  show=lambda v: "" if v == OWN_TABLE else str(v)),
    schema.whole("hidden_width", widget="slider", label="Hidden width", help="Neurons in each hidden layer",
                 config="hidden", of_config=lambda h: h[0] if h else int(LIMITS["hidden_width"].default)),
    schema.whole("hidden_layers", widget="slider", label="Hidden layers", config="hidden", of_config=len),
    schema.whole("iterations", widget="number_input", label="Iterations", step=100, config="iterations"),
    schema.number("learning_rate", widget="number_input", label="Learning rate", step=0.1, format="%g",
                  config="learning_rate"),
    schema.choice("activation", HIDDEN_ACTIVATIONS, _DEFAULTS.activation, widget="selectbox", label="Activation",
                  help="Of the hidden layers", config="activation"),
    schema.choice("output_activation", tuple(ACTIVATIONS), _DEFAULTS.output_activation, widget="selectbox",
                  label="Output activation", config="output_activation",
                  help="softmax is offered for two or more target columns (one-hot classes)"),
    schema.choice("loss", tuple(LOSSES), _DEFAULTS.loss, widget="selectbox", label="Loss", config="loss",
                  help="sse is the tutorial's sum of squared errors; ce (cross-entropy) goes with softmax"),
    schema.flag("bias", _DEFAULTS.bias, label="Biases", config="bias",
                help="The tutorial has none: its x3 column of ones acts as a bias"),
    schema.choice("optimizer", tuple(OPTIMIZERS), _DEFAULTS.optimizer, widget="selectbox", label="Optimizer",
                  config="optimizer"),
    replace(schema.whole("batch_size", "rows", low=0, default=0, widget="number_input", label="Batch size",
                         step=1, help="Rows per update; 0 = all rows (the whole table), as in the tutorial",
                         config="batch_size", to_config=lambda v: int(v) or None, of_config=lambda v: v or 0),
            parse=_batch),
    schema.whole("seed", widget="number_input", label="Seed", step=1, config="seed",
                 help="Picks the starting weights; the same seed gives the same run"),
    schema.flag("presenter", label="Presenter mode",  # large type, colour-blind-safe palette
                help="Large type and a colour-blind-safe palette for a projector; kept in the link"),
    schema.choice("tool", TOOLS, None, optional=True),  # the open "Look closer" tool
    schema.choice("scene", tuple(SCENES), None, optional=True),  # the lesson loaded last
)
DEFAULTS: dict[str, Any] = schema.defaults(FIELDS)
FIELDS_BY_NAME: dict[str, Setting] = schema.by_name(FIELDS)
# Engine options that several settings make together: the option -> how the settings make it.
JOINED: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "hidden": lambda s: [int(s["hidden_width"])] * int(s["hidden_layers"])}
TABLE_PARAMS = ("table", "names")
# A link stays under about 4 KB: a longer table or names travel compressed, or held by the server (a reload
# of a 23.5 KB link was refused by proxies, 414 Request-URI Too Large).
MAX_PARAM_CHARS = 3_000
MAX_PLAIN_CHARS = 1 << 20  # a compressed table reads back to at most this (a 1,024-row table is ~0.5 MB at most)
MAX_HELD_CHARS = 32 << 20  # tables held for links, per process, oldest out first
_HELD: "OrderedDict[str, str]" = OrderedDict()
_HELD_LOCK = threading.Lock()


def parse(params: Mapping[str, str]) -> tuple[dict[str, Any], Optional[Table], list[str]]:
    """(settings, table or None for the preset's, notices) from query parameters.

    Every field of :data:`FIELDS` is in the settings: parsed, or the default. With a
    valid ``scene`` the defaults are the scene's, its table included.
    ``notices`` name each parameter that was ignored and why.
    """
    lesson = _scene_in(params)
    fields = FIELDS
    if lesson is not None:
        defaults = scene_settings(lesson)
        fields = tuple(replace(f, default=defaults[f.name]) for f in FIELDS)
    settings, notices = parse_fields(fields, params, ignore=set(TABLE_PARAMS))
    table = None
    if "table" in params:
        try:
            names = params.get("names")
            table = parse_table(expand(str(params["table"])), None if names is None else expand(str(names)))
        except NnvizError as error:
            notices.append(f"table (expected {error.allowed})")
        except ValueError as error:
            notices.append(f"table (expected {error})")
    picked = "preset" in params and not any(note.startswith("preset=") for note in notices)
    if table is None and lesson is not None and not isinstance(lesson.table, str) and not picked:
        table = lesson.table
    return settings, table, notices


def _scene_in(params: Mapping[str, str]) -> Optional[Scene]:
    """The scene a link names, or None (a bad name is reported by :func:`parse_fields`)."""
    try:
        key = FIELDS_BY_NAME["scene"].parse(str(params["scene"])) if "scene" in params else None
    except ValueError:
        return None
    return SCENES[key] if key is not None else None


def settings_of(config: TrainConfig) -> dict[str, Any]:
    """The page's settings (by field name) for a configuration the sidebar can show: each setting's
    ``of_config`` of the option it sets."""
    return {f.name: f.of_config(getattr(config, f.config)) for f in FIELDS if f.config is not None}


def config_of(settings: Mapping[str, Any]) -> TrainConfig:
    """The configuration the page trains for its settings; NnvizError names a setting it refuses."""
    options = schema.config_options(FIELDS, settings)
    options.update({option: join(settings) for option, join in JOINED.items()})
    return make_config(**options)


def scene_settings(lesson: Scene) -> dict[str, Any]:
    """Every field's value for a scene: its preset and configuration, the Scenes panel open on it."""
    return {**DEFAULTS, **settings_of(lesson.config), "preset": lesson.preset, "tool": "scenes",
            "scene": lesson.key}


def serialize(settings: Mapping[str, Any], inputs: np.ndarray, targets: np.ndarray,
              input_names, output_names) -> dict[str, str]:
    """Query parameters for the settings and the table (left out when it is the preset's)."""
    params = schema.serialize_fields(FIELDS, settings)
    preset = PRESETS.get(settings.get("preset"))
    same = (preset is not None and preset.inputs.shape == inputs.shape
            and preset.targets.shape == targets.shape and np.array_equal(preset.inputs, inputs)
            and np.array_equal(preset.targets, targets)
            and tuple(input_names) == preset.input_names and tuple(output_names) == preset.output_names)
    if not same:
        params["table"] = format_table(inputs, targets)
        if (list(input_names), list(output_names)) != default_names(inputs.shape[1], targets.shape[1]):
            params["names"] = ",".join(input_names) + ":" + ",".join(output_names)
        for name in TABLE_PARAMS:  # a link that fits: compressed, else held by this server
            if name in params and len(params[name]) > MAX_PARAM_CHARS:
                params[name] = compact(params[name])
    return params


def compact(text: str) -> str:
    """``text`` compressed (``z.`` + base64url of zlib) when that fits in MAX_PARAM_CHARS, else held in this
    process (``h.`` + its digest; :func:`expand` finds it while the server keeps it)."""
    packed = "z." + base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")
    if len(packed) <= MAX_PARAM_CHARS:
        return packed
    digest = "h." + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    with _HELD_LOCK:
        _HELD[digest] = text
        _HELD.move_to_end(digest)
        while sum(len(t) for t in _HELD.values()) > MAX_HELD_CHARS:
            _HELD.popitem(last=False)
    return digest


def expand(text: str) -> str:
    """The inverse of :func:`compact` (other text as it is); ValueError when it cannot be read back."""
    if text.startswith("z."):
        try:
            data = base64.urlsafe_b64decode(text[2:] + "=" * (-len(text[2:]) % 4))
            inflater = zlib.decompressobj()
            plain = inflater.decompress(data, MAX_PLAIN_CHARS)
        except (ValueError, zlib.error):
            raise ValueError("a compressed table that reads back") from None
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError(f"a compressed table of at most {MAX_PLAIN_CHARS:,} characters")
        return plain.decode("utf-8", errors="replace")
    if text.startswith("h."):
        with _HELD_LOCK:
            held = _HELD.get(text)
        if held is None:
            raise ValueError("a table this server still holds: it keeps long tables for a while only; "
                             "load the table again")
        return held
    return text


def format_table(inputs: np.ndarray, targets: np.ndarray) -> str:
    """``0,0,1:0;0,1,1:1;...``: numbers written as briefly as they round-trip."""
    def cells(values) -> str:
        return ",".join(_number(v) for v in values)
    return ";".join(f"{cells(x)}:{cells(y)}" for x, y in zip(inputs, targets))


def parse_table(text: str, names: Optional[str] = None) -> Table:
    """The inverse of :func:`format_table`; NnvizError when malformed."""
    rows = [row for row in text.split(";") if row.strip()]
    max_rows = int(LIMITS["rows"].maximum)
    if not rows or len(rows) > max_rows:
        raise NnvizError("table", short(text), f"1 to {max_rows} rows like 0,0,1:0 separated by ;")
    inputs, targets = [], []
    for row in rows:
        parts = row.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            x, y = ([float(c) for c in part.split(",")] for part in parts)
        except ValueError:
            raise NnvizError("table", short(row), "rows like 0,0,1:0 (inputs : targets, numbers only)") from None
        inputs.append(x)
        targets.append(y)
    if len({len(x) for x in inputs}) != 1 or len({len(y) for y in targets}) != 1:
        raise NnvizError("table", "rows of different lengths", "rows like 0,0,1:0 of equal length")
    x, y = check_table(inputs, targets)
    in_names, out_names = default_names(x.shape[1], y.shape[1])
    if names:
        parts = str(names).split(":")
        if len(parts) == 2:
            given_in, given_out = plain_names(parts[0].split(",")), plain_names(parts[1].split(","))
            if len(given_in) == x.shape[1] and len(given_out) == y.shape[1] and all(given_in + given_out):
                in_names, out_names = given_in, given_out
    return Table(x, y, tuple(in_names), tuple(out_names), "From the link")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
