"""A page's settings, each written once: the declarative schema both pages build their state from.

One :class:`Setting` says everything about one setting: its URL name (also its widget key; the plane page
prefixes ``pl_``), its default, how its URL text parses and is written, its widget (kind, label, help, bounds,
step, format, options), which controls a lesson link may hide for it (``hide=``), and how it maps onto the
engine (``config``: the option it sets; ``to_config``/``of_config``: the value there and back). Parsing
(:func:`parse_fields`), the URL, the widgets' bounds (ui.page.draw), the configuration and the A/B panel's
"settings of this run" all read it, so they cannot disagree.

Bounds come from :data:`nnviz.limits.LIMITS` where the engine has a limit, and the URL's number checks are the
engine's (:func:`nnviz.config.whole`, :func:`nnviz.config.limited_number`). Units: a setting is in the page's
unit; ``to_config`` is where it becomes the engine's (percent -> fraction, :func:`percent`), once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from nnviz.config import NnvizError, whole as check_whole
from nnviz.limits import LIMITS
from nnviz.text import cap, one_line


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Setting:
    """One setting of a page (see the module's docstring)."""

    name: str
    default: Any
    parse: Callable[[str], Any]  # URL text -> value; ValueError says what is expected
    show: Callable[[Any], str] = str  # value -> URL text ("" leaves it out of the link)
    widget: Optional[str] = None  # the st.* widget drawing it (None: drawn by hand, or not at all)
    label: str = ""
    help: Optional[str] = None
    low: Any = None  # slider and number-input bounds, in the page's unit
    high: Any = None
    options: tuple = ()  # the choices of a choice or a list of numbers
    step: Any = None
    format: Optional[str] = None
    widget_args: Mapping[str, Any] = field(default_factory=dict)  # more of the widget's keyword arguments
    convert: Callable[[Any], Any] = _same  # the widget's value -> the setting's
    hide: tuple[str, ...] = ()  # the names of its controls a lesson link may hide (``hide=``)
    config: Optional[str] = None  # the engine option it sets
    to_config: Callable[[Any], Any] = _same  # its value -> the option's (the unit conversion, if any)
    of_config: Callable[[Any], Any] = _same  # the option's value -> its value

    def widget_kwargs(self) -> dict[str, Any]:
        """The widget's keyword arguments this setting fixes (not its key)."""
        kwargs = {"help": self.help, **self.widget_args}
        if self.widget in ("slider", "number_input"):
            kwargs.update(min_value=self.low, max_value=self.high)
        elif self.widget in ("selectbox", "select_slider", "segmented_control", "pills"):
            kwargs["options"] = list(self.options)
        if self.step is not None:
            kwargs["step"] = self.step
        if self.format is not None:
            kwargs["format" if self.widget != "select_slider" else "format_func"] = self.format
        return kwargs


def _hides(name: str, hideable: bool, hide: Optional[tuple]) -> tuple[str, ...]:
    return tuple(hide) if hide is not None else (name,) if hideable else ()


def _whole_text(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return check_whole(name, text, low, high)
        except NnvizError as error:
            raise ValueError(error.allowed) from None
    return parse


def whole(name: str, limit: Optional[str] = None, *, low: Optional[int] = None, high: Optional[int] = None,
          default: Optional[int] = None, hideable: bool = False, hide: Optional[tuple] = None, **more) -> Setting:
    """A whole number, within ``LIMITS[limit]`` (default: the limit called ``name``) unless ``low``/``high``
    are given; its default is the limit's unless given."""
    found = LIMITS.get(limit or name)
    low = int(found.minimum) if low is None else low
    high = int(found.maximum) if high is None else high
    default = int(found.default) if default is None else default
    return Setting(name, default, _whole_text(name, low, high), low=low, high=high,
                   hide=_hides(name, hideable, hide), **more)


def number(name: str, *, hideable: bool = False, hide: Optional[tuple] = None, **more) -> Setting:
    """A real number within ``LIMITS[name]``, its default the limit's."""
    limit = LIMITS[name]

    def parse(text: str) -> float:
        try:
            number = float(text)
        except (TypeError, ValueError, OverflowError):
            number = float("nan")
        if not limit.minimum <= number <= limit.maximum:
            raise ValueError(f"a number from {limit.allowed()}")
        return number
    return Setting(name, float(limit.default), parse, lambda v: f"{v:g}", low=limit.minimum, high=limit.maximum,
                   hide=_hides(name, hideable, hide), **more)


def percent(name: str, limit: str, *, hideable: bool = False, hide: Optional[tuple] = None, **more) -> Setting:
    """A whole percentage of the engine's share ``LIMITS[limit]`` (a fraction): the page shows and links
    percent, and ``to_config`` divides by 100, the one place the unit changes."""
    found = LIMITS[limit]
    return whole(name, low=round(found.minimum * 100), high=round(found.maximum * 100),
                 default=round(found.default * 100), hideable=hideable, hide=hide, format="%d%%", config=limit,
                 to_config=lambda v: v / 100, of_config=lambda v: round(v * 100), **more)


def listed(name: str, values: tuple, default: float, *, hideable: bool = False, hide: Optional[tuple] = None,
           **more) -> Setting:
    """One of the numbers ``values`` (a select slider)."""
    def parse(text: str) -> float:
        number = float(text)
        for v in values:
            if abs(number - v) <= 1e-9 * max(1.0, abs(v)):
                return v
        raise ValueError("one of " + ", ".join(f"{v:g}" for v in values))
    return Setting(name, default, parse, lambda v: f"{v:g}", widget="select_slider", options=tuple(values),
                   format=lambda v: f"{v:g}", hide=_hides(name, hideable, hide), **more)


def one_of(options) -> Callable[[str], str]:
    options = tuple(options)

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in options:
            raise ValueError("one of " + ", ".join(options))
        return value
    return parse


def choice(name: str, options, default: Optional[str], *, hideable: bool = False, hide: Optional[tuple] = None,
           optional: bool = False, **more) -> Setting:
    """One of ``options``; ``optional``: None (the default) is left out of the link."""
    show = (lambda v: "" if v is None else str(v)) if optional else str
    more.setdefault("show", show)
    return Setting(name, default, one_of(options), options=tuple(options), hide=_hides(name, hideable, hide),
                   **more)


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("1", "0", "true", "false", "on", "off"):
        raise ValueError("1 or 0")
    return value in ("1", "true", "on")


def flag(name: str, default: bool = False, *, hideable: bool = False, hide: Optional[tuple] = None,
         **more) -> Setting:
    """On or off (``1``/``0`` in the link), a toggle."""
    return Setting(name, default, parse_flag, lambda v: "1" if v else "0", widget="toggle",
                   hide=_hides(name, hideable, hide), **more)


def defaults(fields: tuple[Setting, ...]) -> dict[str, Any]:
    return {f.name: f.default for f in fields}


def by_name(fields: tuple[Setting, ...]) -> dict[str, Setting]:
    return {f.name: f for f in fields}


def config_options(fields: tuple[Setting, ...], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options the settings set, each through its ``to_config`` (settings with no option left out)."""
    return {f.config: f.to_config(settings[f.name]) for f in fields if f.config is not None}


def parse_fields(fields: tuple[Setting, ...], params: Mapping[str, str], ignore=frozenset()):
    """(settings, notices) from a table of fields: each parsed or its default, a notice for each value
    ignored and for each parameter that is neither a field nor in ``ignore``."""
    settings = defaults(fields)
    notices = []
    for field_ in fields:
        if field_.name not in params:
            continue
        text = str(params[field_.name])
        try:
            settings[field_.name] = field_.parse(text)
        except (ValueError, TypeError, OverflowError) as error:
            reason = str(error) if "could not convert" not in str(error) else "a number"
            notices.append(f"{field_.name}={short(text)} (expected {reason})")
    for name in sorted(set(params) - {f.name for f in fields} - set(ignore)):
        notices.append(f"{short(str(name))}={short(str(params[name]))} (unknown setting)")
    return settings, notices


def serialize_fields(fields: tuple[Setting, ...], settings: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for every field (its default where ``settings`` lacks it), empty ones left out."""
    params = {f.name: f.show(settings.get(f.name, f.default)) for f in fields}
    return {name: text for name, text in params.items() if text != ""}


def short(text: str) -> str:
    """Outside text quoted in a notice: one line, at most 30 characters (the notice is shown as plain text)."""
    return cap(one_line(text), 30)
