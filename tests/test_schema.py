"""Each page's settings schema (ui.schema) drives its URL, its widgets' bounds, its configuration and the A/B
panel: every field round-trips through the link, every drawn widget has the schema's label and bounds."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import nnviz
from nnviz.config import whole
from ui import compare, planeurl, urlstate
from ui.schema import Setting

ROOT = Path(__file__).resolve().parent.parent


def other_value(field: Setting):
    """A value of ``field`` that is not its default, as a user could pick it."""
    special = {"hide": ("dataset", "noise"), "features": ("x1", "x1x2", "sin_x2"), "hidden": (8, 3),
               "scene": "xor_needs_hidden" if "xor_needs_hidden" in urlstate.SCENES else next(iter(urlstate.SCENES)),
               "tool": "sweep", "preset": "xor"}
    if field.name in special:
        return special[field.name]
    if field.widget == "toggle":
        return not field.default
    if field.options:
        return next(o for o in reversed(field.options) if o != field.default)
    return field.high if field.high != field.default else field.low


def test_truth_table_page_every_field_round_trips_through_the_link():
    table = nnviz.preset("tutorial")
    for field in urlstate.FIELDS:
        settings = {**urlstate.DEFAULTS, field.name: other_value(field)}
        if field.name == "scene":  # a lesson's link opens the Scenes panel unless it names a tool
            settings["tool"] = "scenes"
        assert settings[field.name] != field.default, field.name
        params = urlstate.serialize(settings, table.inputs, table.targets, table.input_names, table.output_names)
        parsed, _, notices = urlstate.parse(params)
        assert not notices and parsed == settings, field.name


def test_plane_page_every_field_round_trips_through_the_link():
    for field in planeurl.FIELDS:
        settings = {**planeurl.DEFAULTS, field.name: other_value(field)}
        assert settings[field.name] != field.default, field.name
        parsed, notices = planeurl.parse(planeurl.serialize(settings))
        assert not notices and parsed == settings, field.name


@pytest.mark.parametrize("fields", [urlstate.FIELDS, planeurl.FIELDS], ids=["truth_table", "plane"])
@pytest.mark.parametrize("text", ["4", "4.0", " 4 ", "4.5", "-1", "1e309", "nan", "inf", "x", "", "99999"])
def test_link_number_checks_are_the_engines(fields, text):
    """A whole number in a link is accepted exactly when nnviz.config.whole accepts it within the bounds."""
    for field in fields:
        if field.low is None or not isinstance(field.low, int) or field.name == "batch_size" and text == "":
            continue
        try:
            expected = whole(field.name, text, field.low, field.high)
        except nnviz.NnvizError:
            expected = None
        try:
            got = field.parse(text)
        except ValueError:
            got = None
        assert got == expected, (field.name, text)


def test_configurations_follow_from_the_schema():
    """config_of and settings_of are each other's inverse, through each field's option."""
    settings = {**urlstate.DEFAULTS, "hidden_layers": 2, "hidden_width": 7, "batch_size": 3, "bias": True,
                "learning_rate": 0.25, "optimizer": "adam"}
    config = urlstate.config_of(settings)
    assert config.hidden == (7, 7) and config.batch_size == 3 and config.bias and config.optimizer == "adam"
    back = urlstate.settings_of(config)
    assert back == {f.name: settings[f.name] for f in urlstate.FIELDS if f.config}
    assert urlstate.config_of({**urlstate.DEFAULTS, "batch_size": 0}).batch_size is None
    # the plane page: noise and ratio are percent on the page, fractions in the engine, converted by the schema
    dataset = planeurl.dataset_from({**planeurl.DEFAULTS, "ratio": 70})
    assert dataset.train.mean() == pytest.approx(0.7, abs=0.01)
    assert planeurl.engine_value({"noise": 35}, "noise") == pytest.approx(0.35)
    assert (planeurl.FIELDS_BY_NAME["noise"].low, planeurl.FIELDS_BY_NAME["noise"].high) == (
        nnviz.LIMITS["noise"].minimum * 100, nnviz.LIMITS["noise"].maximum * 100)


def test_ab_panel_settings_come_from_the_schema():
    assert compare.AB_FIELDS == tuple(urlstate.FIELDS_BY_NAME[n].label for n in compare.AB_SETTINGS)
    config = urlstate.config_of({**urlstate.DEFAULTS, "hidden_layers": 2})
    for name, label in zip(compare.AB_SETTINGS, compare.AB_FIELDS):
        value = other_value(urlstate.FIELDS_BY_NAME[name])
        b = compare.b_config(config, label, value)
        assert urlstate.settings_of(b)[name] == value, name
        assert {k: v for k, v in urlstate.settings_of(b).items() if k != name} == {
            k: v for k, v in urlstate.settings_of(config).items() if k != name}, name


def widgets(at: AppTest) -> dict:
    found = {}
    for kind in ("slider", "number_input", "selectbox", "toggle", "select_slider"):
        for widget in at.get(kind):
            if getattr(widget, "key", None):
                found[widget.key] = widget
    return found


def check_widgets(at: AppTest, fields, prefix: str, skip=()) -> set:
    drawn = widgets(at)
    checked = set()
    for field in fields:
        widget = drawn.get(prefix + field.name)
        if field.widget is None or field.name in skip or widget is None:
            continue
        assert widget.label == field.label, field.name
        if field.widget in ("slider", "number_input"):
            assert (widget.min, widget.max) == (field.low, field.high), field.name
        if field.widget in ("selectbox", "select_slider") and field.name not in ("preset", "dataset",
                                                                                "output_activation", "loss"):
            assert list(widget.options) == [str(o) if field.widget == "selectbox" else f"{o:g}"
                                            for o in field.options], field.name
        checked.add(field.name)
    return checked


def test_truth_table_widgets_have_the_schemas_bounds():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run().run()
    checked = check_widgets(at, urlstate.FIELDS, "")
    assert checked == {f.name for f in urlstate.FIELDS if f.widget}


def test_plane_widgets_have_the_schemas_bounds():
    at = AppTest.from_file(str(ROOT / "views" / "plane.py"), default_timeout=60)
    at.query_params["dataset"] = "spiral"  # the classes slider shows for a multi-class dataset
    at.run().run()  # the chart, then the rest of the page it asks for
    checked = check_widgets(at, planeurl.FIELDS, "pl_")
    assert checked >= {"dataset", "classes", "points", "noise", "ratio", "activation", "batch_size", "epochs",
                       "seed", "discretize", "show_test", "presenter"}


def test_ab_widget_is_the_settings_own():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.query_params["tool"] = "ab"
    at.run().run()  # the chart, then the rest of the page it asks for
    field = urlstate.FIELDS_BY_NAME["hidden_width"]
    slider = at.slider(key="ab_hidden_width")
    assert (slider.min, slider.max, slider.label) == (field.low, field.high, "B: hidden width")
    at.selectbox(key="ab_field").set_value("Activation").run()
    assert list(at.selectbox(key="ab_activation").options) == list(urlstate.FIELDS_BY_NAME["activation"].options)
