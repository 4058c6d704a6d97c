"""What the workers measured: per-job counts and durations, queue waits and queue latency.

`buckets.py` is the fixed duration histogram every figure is kept in; `latency.py` reads how
old the oldest job of each queue is.
"""
