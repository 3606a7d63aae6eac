"""Links that fit: a long table travels compressed or held by the server, so a link stays under about 4 KB."""
from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pytest

from ui import urlstate
from test_app import open_app


def names(x, y):
    return [f"x{i + 1}" for i in range(x.shape[1])], (["y"] if y.shape[1] == 1 else
                                                       [f"y{j + 1}" for j in range(y.shape[1])])


@pytest.mark.parametrize("kind", ["bits", "quarters", "floats"])
def test_a_long_table_makes_a_short_link_that_reads_back(kind):
    rng = np.random.default_rng(1)
    x, y = {"bits": (rng.integers(0, 2, (400, 3)) * 1.0, rng.integers(0, 2, (400, 1)) * 1.0),
            "quarters": (rng.integers(0, 10, (1024, 3)) / 4, rng.integers(0, 2, (1024, 1)) * 1.0),
            "floats": (rng.random((1024, 10)), rng.random((1024, 8)))}[kind]
    params = urlstate.serialize({}, x, y, *names(x, y))
    assert len(urlstate.format_table(x, y)) > urlstate.MAX_PARAM_CHARS
    assert len(urlencode(params)) < 4096
    assert params["table"].startswith("z." if kind == "bits" else "h.")
    _, table, notices = urlstate.parse(params)
    assert not notices and np.array_equal(table.inputs, x) and np.array_equal(table.targets, y)


@pytest.mark.parametrize("bad", ["z.", "z.!!!", "z.eJwrSS0u0c1MzUtRBAAZfgPo", "h.0123", "h.",
                                 "z." + "A" * 5000])
def test_a_broken_packed_table_is_a_notice(bad):
    settings, table, notices = urlstate.parse({"table": bad})
    assert table is None and len(notices) == 1 and notices[0].startswith("table (expected")


def test_a_compressed_bomb_is_refused():
    import base64
    import zlib
    bomb = "z." + base64.urlsafe_b64encode(zlib.compress(b"0" * (urlstate.MAX_PLAIN_CHARS + 1), 9)).decode()
    assert len(bomb) < 4096
    _, table, notices = urlstate.parse({"table": bomb})
    assert table is None and "at most" in notices[0]


def test_a_reload_of_the_page_link_keeps_a_1024_row_table():
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 10, (1024, 3)) / 4, rng.integers(0, 2, (1024, 1)) * 1.0
    at = open_app(table=urlstate.format_table(x, y), iterations="100")
    link = at.query_params
    assert len(urlencode({k: v[0] if isinstance(v, list) else v for k, v in link.items()})) < 4096
    again = open_app(**{k: v[0] if isinstance(v, list) else v for k, v in link.items()})  # a new session
    assert not again.exception and not any("link were ignored" in w.value for w in again.warning)
    assert again.query_params["table"] == link["table"]
    np.testing.assert_array_equal(again.session_state["last_good"][0][1], x)
