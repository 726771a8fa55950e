"""Percentiles of measured latencies, as the store's metrics, the soak and the load generator report them."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(ordered: Sequence[float], q: float) -> float:
    """The `q` quantile (0 < q ≤ 1) of values sorted ascending: the value at rank ⌊q·n⌋ (counting from 0),
    the largest for q = 1; 0.0 when there are none."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
