"""The page's state in the URL query string, so a copied link reproduces the run.

One declarative table, :data:`FIELDS`, drives both :func:`parse` and
:func:`serialize`. A value that does not parse falls back to its default and is
reported, never raised. The parameter names are the widget keys.

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
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Optional

import numpy as np

from nnviz.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from nnviz.config import NnvizError, TrainConfig, check_table, make_config
from nnviz.limits import LIMITS
from nnviz.losses import LOSSES
from nnviz.optimizers import OPTIMIZERS
from .editing import default_names
from .scenes import SCENES, Scene
from nnviz.tables import PRESETS, Table
from nnviz.text import cap, one_line, plain_names

_DEFAULTS = TrainConfig()
OWN_TABLE = "(your own table)"  # the preset box's entry for a table that is no preset (not in links)
# The "Look closer" tools by key (ui/teaching.py draws them in this order).
TOOLS = ("live_math", "stepping", "sweep", "ab", "hidden", "gradcheck", "health", "scenes")


@dataclass(frozen=True)
class Field:
    """One query parameter: its name (= widget key), default, parser (str -> value) and writer."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str


def _whole(limit_name: str) -> Callable[[str], int]:
    limit = LIMITS[limit_name]

    def parse(text: str) -> int:
        number = float(text)
        if number != int(number) or not limit.minimum <= number <= limit.maximum:
            raise ValueError(f"a whole number from {limit.allowed()}")
        return int(number)
    return parse


def _batch(text: str) -> int:
    if text.strip().lower() in ("all", ""):
        return 0
    number = float(text)
    if number != int(number) or not 0 <= number <= LIMITS["rows"].maximum:
        raise ValueError(f"0 (all rows) to {LIMITS['rows'].maximum:g}")
    return int(number)


def _rate(text: str) -> float:
    limit = LIMITS["learning_rate"]
    number = float(text)
    if not limit.minimum <= number <= limit.maximum:
        raise ValueError(f"a number from {limit.allowed()}")
    return number


def _one_of(options) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in options:
            raise ValueError("one of " + ", ".join(options))
        return value
    return parse


def _optional(show: Callable[[Any], str]) -> Callable[[Any], str]:
    """A writer that leaves the parameter out of the link (an empty string) when the value is None."""
    return lambda value: "" if value is None else show(value)


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("1", "0", "true", "false", "on", "off"):
        raise ValueError("1 or 0")
    return value in ("1", "true", "on")


FIELDS: tuple[Field, ...] = (
    Field("preset", "tutorial", _one_of(tuple(PRESETS)), lambda v: "" if v == OWN_TABLE else str(v)),
    Field("hidden_width", int(LIMITS["hidden_width"].default), _whole("hidden_width")),
    Field("hidden_layers", int(LIMITS["hidden_layers"].default), _whole("hidden_layers")),
    Field("iterations", int(LIMITS["iterations"].default), _whole("iterations")),
    Field("learning_rate", float(LIMITS["learning_rate"].default), _rate, lambda v: f"{v:g}"),
    Field("activation", _DEFAULTS.activation, _one_of(HIDDEN_ACTIVATIONS)),
    Field("output_activation", _DEFAULTS.output_activation, _one_of(tuple(ACTIVATIONS))),
    Field("loss", _DEFAULTS.loss, _one_of(tuple(LOSSES))),
    Field("bias", _DEFAULTS.bias, _flag, lambda v: "1" if v else "0"),
    Field("optimizer", _DEFAULTS.optimizer, _one_of(tuple(OPTIMIZERS))),
    Field("batch_size", 0, _batch),
    Field("seed", int(LIMITS["seed"].default), _whole("seed")),
    Field("presenter", False, _flag, lambda v: "1" if v else "0"),  # large type, colour-blind-safe palette
    Field("tool", None, _one_of(TOOLS), _optional(str)),  # the open "Look closer" tool
    Field("scene", None, _one_of(tuple(SCENES)), _optional(str)),  # the lesson loaded last
)
DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS}
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
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
    """The page's settings (by field name) for a configuration the sidebar can show."""
    return dict(hidden_layers=len(config.hidden), hidden_width=config.hidden[0] if config.hidden else
                int(LIMITS["hidden_width"].default), iterations=config.iterations,
                learning_rate=config.learning_rate, activation=config.activation,
                output_activation=config.output_activation, loss=config.loss, bias=config.bias,
                optimizer=config.optimizer, batch_size=config.batch_size or 0, seed=config.seed)


def config_of(settings: Mapping[str, Any]) -> TrainConfig:
    """The configuration the page trains for its settings; NnvizError names a setting it refuses."""
    return make_config(
        hidden=[int(settings["hidden_width"])] * int(settings["hidden_layers"]),
        iterations=int(settings["iterations"]), activation=settings["activation"],
        output_activation=settings["output_activation"], loss=settings["loss"], bias=bool(settings["bias"]),
        learning_rate=float(settings["learning_rate"]), optimizer=settings["optimizer"],
        batch_size=int(settings["batch_size"]) or None, seed=int(settings["seed"]),
    )


def scene_settings(lesson: Scene) -> dict[str, Any]:
    """Every field's value for a scene: its preset and configuration, the Scenes panel open on it."""
    return {**DEFAULTS, **settings_of(lesson.config), "preset": lesson.preset, "tool": "scenes",
            "scene": lesson.key}


def serialize(settings: Mapping[str, Any], inputs: np.ndarray, targets: np.ndarray,
              input_names, output_names) -> dict[str, str]:
    """Query parameters for the settings and the table (left out when it is the preset's)."""
    params = {f.name: f.show(settings.get(f.name, f.default)) for f in FIELDS}
    params = {name: text for name, text in params.items() if text != ""}
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
        raise NnvizError("table", _short(text), f"1 to {max_rows} rows like 0,0,1:0 separated by ;")
    inputs, targets = [], []
    for row in rows:
        parts = row.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            x, y = ([float(c) for c in part.split(",")] for part in parts)
        except ValueError:
            raise NnvizError("table", _short(row), "rows like 0,0,1:0 (inputs : targets, numbers only)") from None
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


def parse_fields(fields: tuple[Field, ...], params: Mapping[str, str], ignore=frozenset()):
    """(settings, notices) from a table of fields: each parsed or its default, a notice for each value
    ignored and for each parameter that is neither a field nor in ``ignore``."""
    settings = {f.name: f.default for f in fields}
    notices = []
    for field in fields:
        if field.name not in params:
            continue
        text = str(params[field.name])
        try:
            settings[field.name] = field.parse(text)
        except (ValueError, TypeError, OverflowError) as error:
            reason = str(error) if "could not convert" not in str(error) else "a number"
            notices.append(f"{field.name}={_short(text)} (expected {reason})")
    for name in sorted(set(params) - {f.name for f in fields} - set(ignore)):
        notices.append(f"{_short(str(name))}={_short(str(params[name]))} (unknown setting)")
    return settings, notices


def _short(text: str) -> str:
    """Outside text quoted in a notice: one line, at most 30 characters (the notice is shown as plain text)."""
    return cap(one_line(text), 30)
