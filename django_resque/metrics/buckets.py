"""The fixed histogram that job durations and queue waits are counted in.

26 buckets whose upper bounds grow by about 1.5x from 20 ms to 335 s (the bounds Sidekiq's
metrics use), and a last bucket for anything longer. Fixed bounds let counts from any number of
workers and minutes be added bucket by bucket, and a quantile be estimated from the sums.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

# Upper bounds in milliseconds, inclusive: bucket i holds (BOUNDS_MS[i-1], BOUNDS_MS[i]].
BOUNDS_MS: tuple[int, ...] = (
    *(20, 30, 45, 65, 100, 150, 225, 335, 500, 750, 1100, 1700, 2500),
    *(3800, 5750, 8500, 13000, 20000, 30000, 45000, 65000, 100000, 150000, 225000, 335000),
)
COUNT = len(BOUNDS_MS) + 1  # the last bucket has no upper bound


def bucket_of(milliseconds: float) -> int:
    """Return the index of the bucket a duration falls in."""
    return bisect_left(BOUNDS_MS, milliseconds)


def upper_bound_ms(index: int) -> int | None:
    """Return a bucket's upper bound in milliseconds; None for the last, unbounded one."""
    return BOUNDS_MS[index] if index < len(BOUNDS_MS) else None


def quantile_ms(counts: Sequence[int], q: float) -> float | None:
    """Estimate the q-quantile (0 < q <= 1) of the durations counted in `counts`.

    Interpolated linearly inside the bucket the quantile falls in, as Prometheus's
    histogram_quantile does; the last bucket answers with its lower bound (335 s: "at least").
    None when nothing was counted.
    """
    total = sum(counts)
    if total <= 0:
        return None
    rank, seen = q * total, 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            lower = BOUNDS_MS[index - 1] if index > 0 else 0
            upper = upper_bound_ms(index)
            if upper is None:
                return float(lower)
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return float(BOUNDS_MS[-1])
