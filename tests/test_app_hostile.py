"""The page under hostile input (AppTest): garbage links, bad cells, settings at and past the limits.

Whatever a visitor sends, the page shows an error or a warning element, never an exception, and keeps what the
visitor typed.
"""
from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from nnviz import urlstate
from nnviz.limits import LIMITS

from test_app import config, edit_table, open_app, predictions

LONG = "9" * 5000


def shown(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.error, *at.warning, *at.info])


@pytest.mark.parametrize("params", [
    {"table": "1,0:1;" * 3000},                                   # more rows than allowed
    {"table": ",".join(["1"] * 500) + ":1"},                      # more inputs than allowed
    {"table": "1:" + ",".join(["1"] * 50)},                       # more outputs than allowed
    {"table": "nan,inf:1;1,1:0"},
    {"table": "1e308,1:1;0,0:0"},
    {"table": "0,0:5;0,1:1"},                                     # a target the sigmoid cannot reach
    {"table": ";;;:::,,,"},
    {"table": "<script>alert(1)</script>", "names": "<b>x</b>:<i>y</i>"},
    {"names": "a" * 10_000 + ":b"},
    {"seed": LONG, "iterations": LONG, "learning_rate": "1e309", "hidden_width": "-0"},
    {"seed": "-1", "hidden_layers": "7", "hidden_width": "65", "batch_size": "2000", "iterations": "0"},
    {"learning_rate": "nan", "bias": "maybe", "presenter": "2", "optimizer": "\x00"},
    {"preset": "=cmd|' /C calc'!A0", "activation": "%00", "loss": "../../etc/passwd"},
    {"x" * 200: "y" * 200, "": ""},
    {"iterations": str(int(LIMITS["iterations"].maximum)), "hidden_layers": str(int(LIMITS["hidden_layers"].maximum)),
     "hidden_width": str(int(LIMITS["hidden_width"].maximum)), "table": ";".join(["1,0,1,0,1,0,1,0,1,0:1"] * 200)},
], ids=lambda p: ",".join(p)[:40] or "empty")
def test_garbage_links_show_a_message_not_an_exception(params):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # NumPy's overflow/invalid warnings
        at = open_app(**params)
    assert not at.exception, at.exception
    if set(params) != {"names"}:  # names without a table are simply unused
        assert shown(at), "a bad link should say what was ignored or refused"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([f.name for f in urlstate.FIELDS] + ["table", "names", "junk"]),
                       st.text(max_size=30), min_size=1, max_size=5))
def test_generated_links_never_raise(params):
    at = open_app(**params)
    assert not at.exception, (params, at.exception)


def test_budget_refusal_says_what_to_lower_and_keeps_the_settings():
    rows = ";".join(["1,0,1,0,1,0,1,0,1,0:1,0,1,0,1,0,1,0"] * 1024)
    at = open_app(table=rows, iterations="20000", hidden_layers="1", hidden_width="64")
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "exceeds" in message and "lower the iterations" in message
    assert at.sidebar.number_input(key="iterations").value == 20_000  # what the visitor asked for is kept


@pytest.mark.parametrize("cell", ["abc", "=cmd|' /C calc'!A0", "1e999", "nan", "-inf", "", " ", "1,5", "0x10",
                                  "9" * 400, "<img src=x onerror=alert(1)>"])
def test_bad_cells_are_named_and_the_edit_is_kept(cell):
    at = open_app()
    edit_table(at, {2: {"x1": cell}})
    assert not at.exception, at.exception
    if at.error:
        assert any("row 3" in e.value or "x1" in e.value or "inputs" in e.value for e in at.error), shown(at)
        assert any("last run that worked" in i.value for i in at.info)
    assert str(at.session_state["table_current"]["x1"].iloc[2]) in (str(cell), "nan", "None", str(float(cell))
                                                                     if _is_float(cell) else str(cell))
    edit_table(at, {2: {"x1": 1}})
    assert not at.exception and not at.error and len(predictions(at)) == 4


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_many_added_rows_past_the_limit():
    at = open_app()
    edit_table(at, added_rows=[{"x1": 1, "x2": 0, "x3": 1, "y": 1}] * int(LIMITS["rows"].maximum))
    assert not at.exception
    assert any("rows" in e.value for e in at.error)


@pytest.mark.parametrize("key,value", [("iterations", int(LIMITS["iterations"].maximum)),
                                       ("iterations", int(LIMITS["iterations"].minimum)),
                                       ("learning_rate", LIMITS["learning_rate"].maximum),
                                       ("learning_rate", LIMITS["learning_rate"].minimum),
                                       ("batch_size", int(LIMITS["rows"].maximum)),
                                       ("seed", int(LIMITS["seed"].maximum))])
def test_sidebar_inputs_at_their_limits(key, value):
    at = open_app()
    at.sidebar.number_input(key=key).set_value(value).run()
    assert not at.exception, at.exception
    if not at.error:
        assert config(at)[key] in (value, None)


def test_widest_deepest_network_on_the_default_table():
    at = open_app()
    at.sidebar.slider(key="hidden_layers").set_value(int(LIMITS["hidden_layers"].maximum)).run()
    at.sidebar.slider(key="hidden_width").set_value(int(LIMITS["hidden_width"].maximum)).run()
    assert not at.exception, at.exception


def test_six_hidden_layers_and_two_outputs():
    at = open_app(hidden_layers="6")
    at.number_input(key="n_outputs").set_value(2).run()
    assert not at.exception
