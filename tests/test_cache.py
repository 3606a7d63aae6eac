"""The process's caches are bounded in bytes, whatever visitors ask (ui/cache.py)."""
from __future__ import annotations

import numpy as np
import pytest

from test_app import healthy, open_app
from ui import cache


def test_the_store_drops_the_least_recently_used_past_its_bytes():
    store = cache.ByteStore(max_bytes=1000, max_entry=600)
    for name in "abc":
        store.put((name,), b"x" * 300)
    assert store.size == 900
    assert store.get(("a",), ttl=60) is not None  # a is now the most recently used
    store.put(("d",), b"x" * 300)
    assert set(store.entries) == {("a",), ("c",), ("d",)} and store.size == 900
    store.put(("huge",), b"x" * 601)  # over max_entry: not kept, nothing dropped for it
    assert ("huge",) not in store.entries and store.size == 900
    store.put(("e",), b"x" * 600)
    assert store.size <= 1000 and ("e",) in store.entries


def test_entries_expire():
    store = cache.ByteStore(max_bytes=1000, max_entry=1000)
    store.put(("a",), b"1")
    assert store.get(("a",), ttl=60) == b"1"
    assert store.get(("a",), ttl=-1) is None and store.size == 0


def test_many_distinct_big_values_stay_within_the_bytes():
    """Forty distinct 24 MB results (a big run each) would be 960 MB in st.cache_data's 64 entries."""
    store = cache.ByteStore(cache.MAX_CACHE_BYTES, cache.MAX_ENTRY_BYTES)
    calls = []

    @cache.byte_cache(store=store)
    def big(seed: int, table: np.ndarray) -> np.ndarray:
        calls.append(seed)
        return np.full(3 << 20, float(seed))

    table = np.arange(6.0).reshape(3, 2)
    for seed in range(40):
        big(seed, table)
        assert store.size <= cache.MAX_CACHE_BYTES
    assert 8 <= len(store.entries) <= cache.MAX_CACHE_BYTES // (24 << 20)
    again = big(39, table)  # still kept: not run again; a copy each time, as st.cache_data gives
    assert calls.count(39) == 1 and again[0] == 39.0
    again[:] = -1
    assert big(39, table)[0] == 39.0
    big(39, table + 1)  # another table is another key
    assert calls.count(39) == 2


def test_the_pages_cache_in_the_bounded_store():
    cache.STORE.clear()
    at = open_app()
    assert healthy(at)
    cached = {key[1] for key in cache.STORE.entries}
    assert {"cached_run", "cached_figure"} <= cached
    assert 0 < cache.STORE.size <= cache.MAX_CACHE_BYTES


def test_shared_values_are_handed_out_as_they_are_and_counted_by_their_pickled_bytes():
    store = cache.ByteStore(max_bytes=3 << 20, max_entry=2 << 20)
    calls = []

    @cache.byte_cache(store=store, shared=True)
    def figure(seed: int) -> dict:
        calls.append(seed)
        return {"data": [{"z": np.full(100_000, float(seed))}]}  # ~800 KB pickled

    first = figure(1)
    assert figure(1) is first and calls == [1]  # no copy, no unpickling: the very object
    assert 800_000 <= store.size <= 900_000
    for seed in range(2, 8):
        figure(seed)
    assert store.size <= 3 << 20 and len(store.entries) == 3  # bounded in bytes like any value
    figure(1)
    assert calls[-1] == 1  # dropped long ago: built again


def test_a_shared_figure_is_left_as_it_was_by_what_the_page_does_with_it():
    """Figures are shared between visitors (byte_cache(shared=True)): the chart's serialization (ui/chart.py) and the
    presenter restyle must not change the one object every visitor gets."""
    import copy
    import json

    import plotly.io as pio

    import nnviz
    from nnviz import figures
    from ui.chart import chart_bytes

    figure = figures.training_figure(nnviz.train(*nnviz.preset("tutorial"), iterations=200))
    before = copy.deepcopy(figure.to_dict())
    sent = chart_bytes(figure)  # what the page sends
    figures.presenter_style(figure)
    assert figure.to_dict() == before
    assert json.loads(sent)["figure"] == json.loads(pio.to_json(figure, validate=False))


@pytest.mark.parametrize("page", ["truth_table", "plane"])
def test_the_next_visitor_gets_the_same_figure_unchanged_through_the_page(page):
    """Through the real pages (AppTest, the chart element itself): a visitor's runs leave the shared figure as it
    was built, and the next visitor with the same link gets that object and the same chart."""
    import copy

    from ui.cache import STORE

    if page == "truth_table":
        from test_app import open_app as open_page, spec

        def shown(at):
            return spec(at)
        name, link = "cached_figure", {"preset": "xor", "hidden_width": "3"}
    else:
        from test_app_plane import chart, open_page

        def shown(at):
            return chart(at, "pl_plane_chart")
        name, link = "cached_plane_figure", {"dataset": "xor", "hidden": "3"}

    def shared_figures() -> dict:
        return {key: entry[0] for key, entry in STORE.entries.items() if key[1] == name}

    first = open_page(**link)
    figures = shared_figures()
    assert figures, "the page's figure is not in the shared store"
    before = {key: copy.deepcopy(figure.to_dict()) for key, figure in figures.items()}
    first.run()  # the same visitor again: its chart sent by hash
    second = open_page(**link)
    assert shown(second) == shown(first)
    after = shared_figures()
    for key, figure in figures.items():
        assert after[key] is figure and figure.to_dict() == before[key]
