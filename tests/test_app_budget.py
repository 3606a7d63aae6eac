"""Every panel within the budget through AppTest: big tables are checked cheaply, over-budget asks refused."""
from __future__ import annotations

import numpy as np

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
    assert not panel(at, "sweep").get("plotly_chart")


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
