"""Many visitors on one server: 6 real browser sessions at once, and a soak of 500 reruns with memory watched.

Both start their own `streamlit run` (the soak reads the server's memory from /proc/<pid>). Figures are printed
(run with -s to see them) and quoted in the README's hosting section.
"""
from __future__ import annotations

import statistics
import time

import pytest

from conftest import live_server
from loaddriver import many_visitors, rss_mb, run_async, soak

pytestmark = pytest.mark.browser

VISITORS = 6  # each sees its own table; 10 go through nginx in test_deploy.py, timings in benchmarks/app.py --load
SOAK_RERUNS = 500


@pytest.fixture(scope="module")
def server():
    s = live_server()
    try:
        yield s
    finally:
        s.stop()


def test_visitors_at_once_each_see_their_own_table(browser, server):
    figures = many_visitors(browser, server.base_url, VISITORS)
    change = figures["change_s"]
    print(f"\n{VISITORS} browser sessions at once: all loaded in {figures['load_s']:.1f} s; a hidden-width change "
          f"in each at once, charts redrawn: median {statistics.median(change):.2f} s, slowest {max(change):.2f} s")
    assert max(change) < 60


def test_soak_500_reruns_memory_levels_off(server):
    pid = server.proc.pid
    samples: dict[str, float] = {}

    def sample(done: int) -> None:
        if done == 1:
            samples["start"] = rss_mb(pid)
        elif done == SOAK_RERUNS // 2:
            samples["middle"] = rss_mb(pid)

    t0 = time.perf_counter()
    results = run_async(soak(server.base_url, SOAK_RERUNS, sessions=4, on_progress=sample))
    elapsed = time.perf_counter() - t0
    samples["end"] = rss_mb(pid)
    times = sorted(r.seconds for r in results)
    print(f"\nsoak: {len(results)} reruns over 4 websocket sessions in {elapsed:.0f} s "
          f"(median {statistics.median(times):.3f} s, p95 {times[int(0.95 * (len(times) - 1))]:.3f} s); "
          f"server RSS start {samples['start']:.0f} MB, middle {samples['middle']:.0f} MB, "
          f"end {samples['end']:.0f} MB")
    assert len(results) == SOAK_RERUNS
    assert not [e for r in results for e in r.exceptions], "exceptions during the soak"
    assert not [e for r in results for e in r.errors], "error messages during the soak"
    assert all(r.chart_seconds is not None for r in results), "a rerun without the main chart"
    assert samples["end"] <= samples["middle"] * 1.2 + 50, samples
