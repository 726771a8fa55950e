"""anchor.stats.percentile: the rank every latency figure uses (store metrics, soak, load generator)."""

from __future__ import annotations

from anchor.stats import percentile


def test_percentile_takes_the_value_at_rank_floor_q_n():
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0.5) == 6.0  # rank 5
    assert percentile(values, 0.9) == 10.0  # rank 9
    assert percentile(values, 0.1) == 2.0
    assert percentile(values, 1.0) == 10.0  # the largest, not past the end
    assert percentile([float(v) for v in range(100)], 0.99) == 99.0
    assert percentile([0.25], 0.5) == 0.25


def test_no_values_give_zero():
    assert percentile([], 0.99) == 0.0
