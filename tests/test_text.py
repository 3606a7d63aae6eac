"""Outside text made plain (nnviz.text), and every place it enters: links, CSV files, the table, CSV downloads.

Whatever a link, a CSV file or a cell holds, the names and messages that come out of the engine contain no
markup: no markdown link or image in what Streamlit renders, no Plotly pseudo-HTML (``<a href>``, ``<b>``) in
what a figure shows, no formula in a CSV a spreadsheet opens; and they are one line of bounded length.
"""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nnviz
from ui import editing, planeurl, urlstate
from nnviz.export import csv_line, loss_csv
from nnviz.text import (ELLIPSIS, FORMULA_START, NAME_LIMIT, TEXT_LIMIT, cap, csv_cell, markdown_text, one_line,
                        plain_name, plotly_text)

FEW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE = [
    "[Session expired, log in](http://x)",
    "![x](http://x/t.png)",
    '<a href="//host/">x1</a>',
    "<img src=x onerror=alert(1)>",
    "<http://evil.example>",
    "http://evil.example/login",
    "www.evil.example",
    "someone@evil.example",
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "+1",
    "-1+1",
    "a\u202eb\u200bc\nd\re\tf\x00g",
    "&lt;b&gt;bold&lt;/b&gt;",
    ":material/home: :red[x] $x^2$",
    "[x][ref]\n\n[ref]: http://evil.example",
    "x" * 10_000,
]
WORD_JOINER = "\u2060"


def as_shown(markdown: str) -> str:
    """What Streamlit shows for markdown made by markdown_text: escapes and word joiners gone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def unescaped_markup(markdown: str) -> list[str]:
    """Markdown syntax in ``markdown`` that is not escaped: punctuation without a backslash, bare URLs."""
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", markdown)
    found = re.findall(r"[!-/:-@\[-`{-~]", bare)
    found += re.findall(r"(?i)https?://|www\.|\w@\w", markdown.replace("\\", ""))
    return found


# ---------------------------------------------------------------------------------------------------------------
# the helper
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_escapes_everything_and_shows_the_text(text):
    made = markdown_text(text)
    assert not unescaped_markup(made), made
    assert as_shown(made) == cap(one_line(text), TEXT_LIMIT)
    assert "\n" not in made and len(as_shown(made)) <= TEXT_LIMIT


@FEW
@given(st.text(max_size=400))
@example("\\[x](http://x)")  # a backslash of its own does not undo the escape of what follows
def test_markdown_text_of_any_text(text):
    made = markdown_text(text)
    assert not unescaped_markup(made), made
    assert as_shown(made) == cap(one_line(text), TEXT_LIMIT)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_name_is_safe_everywhere_and_idempotent(text):
    name = plain_name(text)
    assert not set("<>&") & set(name)  # no Plotly pseudo-HTML, no entity
    assert not name.startswith(FORMULA_START)
    assert len(name) <= NAME_LIMIT + 1 and "\n" not in name and "\u202e" not in name and "\x00" not in name
    assert plain_name(name) == name  # read back from a link, it stays the same


@FEW
@given(st.text(max_size=100))
def test_plain_name_of_any_text(text):
    name = plain_name(text)
    assert not set("<>&") & set(name) and not name.startswith(FORMULA_START)
    assert plain_name(name) == name and len(name) <= NAME_LIMIT + 1


def test_plain_name_keeps_ordinary_names():
    for name in ("x1", "y", "carry_in", "x₁", "→ y", "weight (kg)", "a b", "Größe", "θ"):
        assert plain_name(name) == name
    assert plain_name("x" * 100) == "x" * (NAME_LIMIT - 1) + ELLIPSIS
    assert plain_name("  a \n b  ") == "a b"
    assert plain_name("-> y") == "'-› y" and plain_name("a<b & c>d") == "a‹b ＆ c›d"


def test_plotly_text_writes_pseudo_html_as_entities():
    assert plotly_text('<a href="//host/">x1</a>') == '&lt;a href="//host/"&gt;x1&lt;/a&gt;'
    assert plotly_text("a & b") == "a &amp; b"
    assert plotly_text("x" * 100).endswith(ELLIPSIS) and len(plotly_text("x" * 100)) == NAME_LIMIT


def test_csv_cell_neutralises_text_formulas_but_not_numbers():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text
    for value in (-0.5, -1, 0, 1.5, "x1", "", "'=1"):
        assert csv_cell(value) == value
    line = csv_line(["=cmd|' /C calc'!A0", -0.5, "a,b"])
    assert next(csv.reader(io.StringIO(line))) == ["'=cmd|' /C calc'!A0", "-0.5", "a,b"]


def test_loss_csv_numbers_stay_numbers():
    run = nnviz.train(*nnviz.preset("xor"), iterations=5)
    rows = list(csv.reader(io.StringIO(loss_csv(run))))
    assert rows[0] == ["iteration", "loss"]
    assert [float(v) for _, v in rows[1:]] == run.loss.tolist()
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or _is_number(cell)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------------------
# where outside text enters
# ---------------------------------------------------------------------------------------------------------------
def test_link_names_are_plain():
    _, table, notices = urlstate.parse({"table": "0,0:0;0,1:1;1,0:1;1,1:0",
                                        "names": '<a href="//host/">x1</a>,=cmd|x:<b>y</b>'})
    assert not notices
    assert table.input_names == ('‹a href="//host/"›x1‹/a›', "'=cmd|x") and table.output_names == ("‹b›y‹/b›",)
    # written back into a link and read again, the names stay the same
    params = urlstate.serialize(urlstate.DEFAULTS, table.inputs, table.targets, table.input_names,
                                table.output_names)
    _, again, _ = urlstate.parse(params)
    assert again.input_names == table.input_names and again.output_names == table.output_names


def test_link_names_are_capped():
    _, table, _ = urlstate.parse({"table": "0,0:0;1,1:1", "names": "a" * 10_000 + ",b:c"})
    assert table.input_names == ("a" * (NAME_LIMIT - 1) + ELLIPSIS, "b")


def test_link_names_of_nothing_but_control_characters_fall_back_to_defaults():
    _, table, _ = urlstate.parse({"table": "0,0:0;1,1:1", "names": "\x00,\u200b:y"})
    assert table.input_names == ("x1", "x2")


@pytest.mark.parametrize("params", [
    {"[Session expired, log in](http://x)": "1"},
    {"seed": "[x](http://x)"},
    {"![x](http://x/t.png)": "1"},
    {"x" * 5000: "y" * 5000},
    {"a\nb\u202e": "c\rd"},
])
def test_link_notices_are_one_short_line(params):
    _, _, notices = urlstate.parse(params)
    assert len(notices) == 1
    note = notices[0]
    assert len(note) < 100 and "\n" not in note and "\r" not in note and "\u202e" not in note


@pytest.mark.parametrize("params", [
    {"hide": "[log in](http://x)"},
    {"hide": "dataset," + "x" * 5000},
    {"![x](http://x/t.png)": "1"},
    {"noise": "[x](http://x)"},
])
def test_plane_link_notices_are_one_short_line(params):
    _, notices = planeurl.parse(params)
    assert len(notices) == 1
    assert len(notices[0]) < 400 and "\n" not in notices[0]


def test_csv_header_names_are_plain():
    data = ('<a href="//host/">x1</a>,=cmd|x,' + "n" * 100 + ',<b>y</b>\n0,0,0,0\n1,1,1,1\n').encode()
    table = nnviz.load_csv(data)
    assert table.input_names == ('‹a href="//host/"›x1‹/a›', "'=cmd|x", "n" * (NAME_LIMIT - 1) + ELLIPSIS)
    assert table.output_names == ("‹b›y‹/b›",)


def test_csv_cell_error_quotes_one_short_line():
    data = "x,y\n0,1\n[log in](http://evil.example/very/long/path)\u202e,1\n".encode()
    with pytest.raises(nnviz.NnvizError) as error:
        nnviz.load_csv(data)
    assert "\u202e" not in str(error.value) and "very/long/path" not in str(error.value)


def test_editor_frames_have_plain_unique_names():
    frame = editing.table_frame(np.zeros((1, 3)), np.zeros((1, 1)), ["<b>a</b>", "=x", "x" * 99], ["<i>y</i>"])
    assert list(frame.columns) == ["‹b›a‹/b›", "'=x", "x" * (NAME_LIMIT - 1) + ELLIPSIS, "‹i›y‹/i›"]
    resized = editing.resize(frame, 3, 4, 1)
    assert list(resized.columns)[:3] == list(frame.columns)[:3]


@pytest.mark.parametrize("input_names", [
    ["error", "right"],
    ["→ y", "y (output)"],
    ["y", "→ y"],
    ["right", "right_1"],
    ["error_1", "error"],
    ["-> y", "→ y"],
])
def test_prediction_frame_never_loses_a_column(input_names):
    inputs = np.array([[1.0, 2.0], [3.0, 4.0]])
    targets, outputs = np.array([[0.0], [1.0]]), np.array([[0.2], [0.9]])
    frame = editing.prediction_frame(inputs, targets, outputs, input_names, ["y"])
    assert frame.shape[1] == 2 + 1 + 1 + 2 and len(set(frame.columns)) == frame.shape[1]
    assert list(frame.columns[-2:]) == ["error", "right"]  # the table's own columns keep their names
    assert frame["→ y"].tolist() == [0.0, 1.0] and frame["y (output)"].tolist() == [0.2, 0.9]
    assert frame["error"].tolist() == [0.2, 0.1] and frame["right"].tolist() == [True, True]
    np.testing.assert_array_equal(frame.iloc[:, :2].to_numpy(), inputs)  # the inputs keep their values


def test_prediction_frame_with_hostile_output_names():
    frame = editing.prediction_frame(np.zeros((1, 1)), np.zeros((1, 2)), np.zeros((1, 2)), ["x"],
                                     ["<b>y</b>", "=1"])
    assert len(set(frame.columns)) == frame.shape[1] == 1 + 2 + 2 + 2
    for column in frame.columns:
        assert not set("<>&") & set(column) and not column.startswith(FORMULA_START)
