"""One budget for every request: runs, sweeps and the teaching panels estimate their cost before the work."""
import tracemalloc

import numpy as np
import pytest

import nnviz
from nnviz import budget, diagnostics
from nnviz.config import iteration_overhead, run_work
from nnviz.limits import MAX_BYTES, MAX_WORK

XOR = (np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], float), np.array([[0], [1], [1], [0]], float))


def big_table(rows=1024, n_in=10, n_out=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((rows, n_in)), rng.integers(0, 2, (rows, n_out)).astype(float)


def test_a_run_pays_for_its_per_iteration_overhead():
    """Page 1's worst first load (narrow, deep, Adam, batch 1, softmax, 20,000 iterations) is refused: the size
    term alone let it through at 2.3 s."""
    x = np.eye(10)[np.arange(94) % 10]
    y = np.eye(8)[np.arange(94) % 8]
    options = dict(hidden=[1] * 6, optimizer="adam", batch_size=1, output_activation="softmax", loss="ce",
                   bias=True)
    config = nnviz.make_config(**options, iterations=20_000)
    plain = nnviz.make_config(hidden=[1] * 6, bias=True, iterations=20_000)
    assert iteration_overhead(config, 94) > 2 * iteration_overhead(plain, 94)
    with pytest.raises(nnviz.NnvizError, match=r"lower the iterations \(at most [\d,]+ here\)"):
        nnviz.train(x, y, config)
    assert run_work(plain, 94, 10, 8) <= MAX_WORK  # the same shape with plain SGD on all rows still fits


def test_a_sweep_of_one_deep_network_pays_for_its_iterations():
    """1 network, 6 hidden layers of one neuron, Adam, batch 1, 20,000 iterations took 5.1 s: refused, with
    the iterations that fit, and that many train."""
    with pytest.raises(nnviz.NnvizError, match=r"lower the iterations \(at most ([\d,]+) here") as info:
        nnviz.train_many(*XOR, networks=1, hidden=[1] * 6, optimizer="adam", batch_size=1, iterations=20_000)
    most = int(info.value.args[0].split("at most ")[1].split(" ")[0].replace(",", ""))
    assert 1000 < most < 20_000
    config = nnviz.make_config(hidden=[1] * 6, optimizer="adam", batch_size=1, iterations=most)
    assert budget.sweep_cost(config, 1, 4, 3, 1).work <= MAX_WORK


def test_a_sweep_that_would_need_more_than_256_mb_is_refused_before_allocating():
    x, y = big_table(n_out=1)
    tracemalloc.start()
    with pytest.raises(nnviz.NnvizError, match=r"MB of memory.*lower the networks \(at most (\d+) here\)") as info:
        nnviz.train_many(x, y, hidden=[64], iterations=1, networks=500)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 << 20
    most = int(str(info.value).split("at most ")[1].split(" ")[0])
    tracemalloc.start()
    nnviz.train_many(x, y, hidden=[64], iterations=1, networks=most)  # the most it names fits in the budget
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= MAX_BYTES


@pytest.fixture(scope="module")
def wide_run():
    """The issue's case: 1024 rows, 10 inputs, 8 targets, two hidden layers of 64 (25.9 s, 5.4 GB, "Fail")."""
    x, y = big_table()
    config = nnviz.make_config(hidden=[64, 64], bias=True, init="xavier", learning_rate=0.1, iterations=150)
    return nnviz.train(x, y, config)


def within_its_estimate(cost, work, *args):
    """``work(*args)``, checked to fit the budget and to allocate no more than its ``cost`` said."""
    assert cost.work <= MAX_WORK and cost.memory <= MAX_BYTES
    tracemalloc.start()
    try:
        result = work(*args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= cost.memory, (peak, cost.memory)
    return result


def test_gradient_check_of_a_large_table_is_sampled_cheap_and_passes(wide_run):
    rows, count = diagnostics.check_sample(wide_run)
    assert len(rows) == diagnostics.MAX_CHECK_ROWS and len(set(rows)) == len(rows)
    check = within_its_estimate(diagnostics.gradient_check_cost(wide_run), diagnostics.gradient_check, wide_run)
    assert check.rows == len(rows) and int(check.checked.sum()) == count
    assert check.passed, check.max_error  # backprop is right: no false "Fail"


def test_gradient_check_of_a_large_table_still_catches_a_wrong_gradient(wide_run, monkeypatch):
    good = nnviz.TrainingRun.gradients
    checked = np.flatnonzero(diagnostics.gradient_check(wide_run).checked)
    largest = checked[np.argmax(np.abs(good(wide_run)[checked]))]

    def off(self, snapshot=-1):
        g = good(self, snapshot)
        g[largest] *= 1.01
        return g
    monkeypatch.setattr(nnviz.TrainingRun, "gradients", off)
    bad = diagnostics.gradient_check(wide_run)
    assert not bad.passed and np.argmax(bad.relative_error) == largest


def test_health_of_a_large_run_stays_within_its_memory_estimate(wide_run):
    shares = within_its_estimate(diagnostics.health_cost(wide_run), diagnostics.saturation, wide_run)
    assert shares.shape == (len(wide_run.parameters), 2)


def test_the_refusal_names_the_request_and_what_to_lower():
    with pytest.raises(nnviz.NnvizError, match=r"^Gradient check would cost [\d,]+ work units \(about [\d.]+ s"
                                               r".*lower the rows$"):
        budget.check(budget.Cost(MAX_WORK + 1, 0), "Gradient check", "the rows")
    with pytest.raises(nnviz.NnvizError, match=r"^Hidden units would need about 300 MB.*256 MB"):
        budget.check(budget.Cost(0, 300 << 20), "Hidden units", "the rows")
    budget.check(budget.Cost(MAX_WORK, MAX_BYTES), "Anything", "nothing")
