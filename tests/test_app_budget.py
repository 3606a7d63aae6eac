"""Every panel within the budget through AppTest: big tables are checked cheaply, over-budget asks refused."""
from __future__ import annotations

import numpy as np

from conftest import charts
from test_app import healthy
from test_app_teaching import open_tool, panel


def big_table_param(rows=1024, n_in=10, n_out=8) -> str:
    rng = np.random.default_rng(0)
    return ";".join(",".join(str(v) for v in rng.integers(0, 2, n_in)) + ":" +
                    ",".join(str(v) for v in rng.integers(0, 2, n_out)) for _ in range(rows))


def test_gradient_check_of_a_1024_row_table_passes_on_a_sample():
    at = open_tool("gradcheck", table=big_table_param(), hidden_layers="2", hidden_width="64", iterations="150",
                   bias="1", init="xavier", learning_rate="0.1")
    assert healthy(at)
    assert any(s.value.startswith("Pass") for s in panel(at, "gradcheck").success)
    assert any("on 64 of 1024 rows" in c.value for c in panel(at, "gradcheck").caption)


def test_a_sweep_over_the_budget_is_refused_with_what_to_lower():
    at = open_tool("sweep", preset="xor", hidden_layers="6", hidden_width="1", optimizer="adam", batch_size="1",
                   iterations="20000")
    at.number_input(key="sweep_networks").set_value(1).run()
    errors = [e.value for e in panel(at, "sweep").error]
    assert errors and "lower the iterations (at most" in errors[0], errors
    assert not charts(panel(at, "sweep"))


def test_a_b_run_over_the_budget_is_refused_naming_b():
    at = open_tool("ab", table=big_table_param(), hidden_layers="2", hidden_width="8", iterations="1000")
    at.slider(key="ab_hidden_width").set_value(64).run()
    errors = [e.value for e in panel(at, "ab").error]
    assert errors and errors[0].startswith("Training B would cost") and "B's hidden width" in errors[0], errors


def test_stepping_past_the_budget_is_refused_and_the_steps_stay():
    at = open_tool("stepping", table=big_table_param(), hidden_layers="2", hidden_width="64", iterations="10")
    for _ in range(3):
        at.button(key="step_100").click().run()
    errors = [e.value for e in panel(at, "stepping").error]
    assert errors and errors[0].startswith("Stepping to iteration 300"), errors
    assert at.session_state["stepping"]["t"] == 200
    assert any("Iteration 200" in m.value for m in panel(at, "stepping").markdown)


def test_a_paste_over_the_row_limit_is_refused_before_the_editor_applies_it(monkeypatch):
    """A paste of 5,000 rows cost 3.3 s inside st.data_editor; it is dropped from the editor's state first, the
    cells edited before it stay, and the page says why."""
    from streamlit.elements.widgets import data_editor
    from test_app import edit_table, editor_key, open_app
    at = open_app()
    edit_table(at, {0: {"x1": 5.0}})  # an earlier edit, kept
    applied = []
    real = data_editor._apply_dataframe_edits
    monkeypatch.setattr(data_editor, "_apply_dataframe_edits",
                        lambda df, state, *a, **k: (applied.append(len(state.get("added_rows", []))),
                                                    real(df, state, *a, **k))[1])
    key = editor_key(at)
    pasted = [{"x1": 1.0, "x2": 0.0, "x3": 1.0, "y": 1.0}] * 5000
    edit_table(at, {0: {"x1": 5.0}}, added_rows=pasted)
    assert not at.exception
    assert 5000 not in applied  # never applied, not even partly
    assert editor_key(at) != key  # a fresh editor, without the paste
    errors = [e.value for e in at.error]
    assert any("5,004 rows long" in e and "at most 1,024 rows" in e and "not applied" in e for e in errors), errors
    table = at.session_state["table_current"]
    assert len(table) == 4 and table["x1"].iloc[0] == 5.0
    edit_table(at, added_rows=pasted[:10])  # a paste that fits goes in
    assert len(at.session_state["table_current"]) == 14 and not at.exception and 10 in applied
