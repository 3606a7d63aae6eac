"""The page under hostile input (AppTest): garbage links, bad cells, settings at and past the limits.

Whatever a visitor sends, the page shows an error or a warning element, never an exception, and keeps what the
visitor typed.
"""
from __future__ import annotations

import json
import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from ui import urlstate
from nnviz.limits import LIMITS

from test_app import config, edit_table, open_app, predictions, spec
from test_app_plane import open_page
from test_text import as_shown

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


# ---------------------------------------------------------------- no markup from outside (issue 14, part 4)
HOSTILE_LINKS = [
    {"[Session expired, log in](http://evil.example/login)": "1"},
    {"seed": "[x](http://evil.example)"},
    {"![x](http://evil.example/t.png)": "1"},
    {"seed": "![x](http://evil.example/t.png)", "loss": "<img src=http://evil.example/t.png>"},
    {"seed": "http://evil.example www.evil.example a@evil.example"},
    {"table": "0,0:0;0,1:1;1,0:1;1,1:0", "names": '<a href="//evil.example/">x1</a>,x2:y'},
    {"table": "0,0:0;0,1:1;1,0:1;1,1:0", "names": "[log in](http://evil.example),![i](http://evil.example/t.png):"
                                                  "=cmd|' /C calc'!A0"},
    {"table": "[x](http://evil.example)"},
]
LINKS = re.compile(r"\]\(|<\s*(a|img)\b|https?://|www\.|\w@\w", re.IGNORECASE)


def markup_in(text: str) -> list[str]:
    """Link, image or HTML syntax in markdown that is not escaped (backslash escapes removed first)."""
    return [m.group(0) for m in LINKS.finditer(re.sub(r"\\[!-/:-@\[-`{-~]", "", text))]


def rendered_markdown(at: AppTest) -> list[str]:
    return [e.value for kind in ("warning", "error", "info", "caption", "markdown", "success")
            for e in getattr(at, kind)]


@pytest.mark.parametrize("params", HOSTILE_LINKS, ids=lambda p: ",".join(p)[:30])
def test_hostile_links_put_no_markup_on_the_page(params):
    at = open_app(**params)
    assert not at.exception, at.exception
    for text in rendered_markdown(at):
        assert not markup_in(text), text
    for sidebar_text in (e.value for e in at.sidebar.markdown):
        assert not markup_in(sidebar_text), sidebar_text
    figure = json.dumps(spec(at))
    assert not re.search(r"<\s*/?\s*(a|img|i)\b", figure, re.IGNORECASE)  # the figure's own <b> is all there is
    columns = [str(c) for c in predictions(at).columns] + [str(c) for c in at.session_state["table_frame"].columns]
    for column in columns:
        assert not set("<>&") & set(column) and not column.startswith(("=", "+", "-", "@")), column
        assert len(column) <= 60


def test_hostile_names_reach_the_chart_as_plain_text():
    at = open_app(table="0,0:0;0,1:1;1,0:1;1,1:0", names='<a href="//evil.example/">x1</a>,x2:y')
    assert not at.exception
    figure = json.dumps(spec(at), ensure_ascii=False)
    assert '‹a href=\\"//evil.example/\\"›x1‹/a›' in figure  # shown, as text
    assert not at.warning  # the names were fine as names: nothing was ignored


def test_notice_shows_the_link_text_as_typed():
    at = open_app(**{"[Session expired, log in](http://evil.example)": "1"})
    notice = " ".join(w.value for w in at.warning)
    assert "[Session expired, log in](http://evil.example/" not in notice
    assert "[Session expired, log in](htt…=1 (unknown setting)" in as_shown(notice)  # capped at 30 characters


@pytest.mark.parametrize("params", [
    {"hide": "[log in](http://evil.example)"},
    {"hide": "dataset,![x](http://evil.example/t.png)"},
    {"[Session expired, log in](http://evil.example/login)": "1"},
    {"noise": "[x](http://evil.example)", "dataset": "<img src=http://evil.example/t.png>"},
])
def test_hostile_links_on_the_plane_put_no_markup_on_the_page(params):
    at = open_page(**params)
    assert not at.exception, at.exception
    assert at.warning, "the notice says what was ignored"
    for text in rendered_markdown(at):
        assert not markup_in(text), text


@pytest.mark.parametrize("name,content", [
    ("[log in](http://evil.example).csv", b'<a href="//evil.example/">x1</a>,=cmd|x,![i](http://evil.example/t.png)\n'
                                         b"0,0,0\n0,1,1\n1,0,1\n1,1,0\n"),
    ("![i](http://evil.example/t.png).csv", b"x1,x2,y\n0,0,0\n0,[x](http://evil.example),1\n"),
    ("a.csv", b"x1;x2;y\n0;0;0\n"),
])
def test_hostile_csv_uploads_put_no_markup_on_the_page(name, content):
    at = open_app()
    at.file_uploader(key="csv").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    assert at.error or "Loaded from" in " ".join(c.value for c in at.caption)
    for text in rendered_markdown(at):
        assert not markup_in(text), text
    figure = json.dumps(spec(at))
    assert not re.search(r"<\s*/?\s*(a|img|i)\b", figure, re.IGNORECASE)
    for column in [str(c) for c in predictions(at).columns]:
        assert not set("<>&") & set(column) and not column.startswith(("=", "+", "-", "@")), column


def test_semicolon_csv_upload_says_what_is_wrong():
    at = open_app()
    at.file_uploader(key="csv").set_value(("a.csv", b"x1;x2;y\n0;0;0\n", "text/csv")).run()
    assert any("semicolons" in as_shown(e.value) for e in at.error), [e.value for e in at.error]
