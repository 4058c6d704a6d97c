"""The keys of per-job metrics and queue waits (metrics/, lua/_metrics.lua).

Part of the key map (keys.py): `Keys` inherits these methods. Each names a key under
`<ns>:dj:metrics:`. The worker's reserve and job_finish scripts write them through
`_metrics.lua` (the sums a worker slot sends about once a second), which learns job and queue
names from the worker's arguments and appends them to
`metrics_prefix()` in the same forms as the methods below. A name comes last in every key, so
names holding `:` (Ruby's `Billing::Charge`) cannot collide with another key.

Every time-step key is a hash with these fields, all integers: `n` (count), `us` (sum of the
durations or waits in microseconds) and `"0"` .. `"26"` (the count per bucket of
metrics/buckets.py, only those touched). A job's step hash also has `f` (attempts that failed,
retried or not) and `r` (of those, attempts retried). A step is `m` (a minute: epoch // 60)
or `h` (an hour: epoch // 3600).
"""

from __future__ import annotations


class MetricKeys:
    """Key names of the metrics; mixed into Keys, which supplies `prefix`."""

    __slots__ = ()
    prefix: str  # keys.key_prefix: `<ns>:`, or `{<ns>}:` under RESQUE["CLUSTER"]

    def metrics_prefix(self) -> str:
        """prefix `<ns>:dj:metrics:`; _metrics.lua appends `job:<step>:<period>:` .. job name,
        `wait:<step>:<period>:` .. queue name and `duration:` .. job name (the names below)."""
        return self.prefix + "dj:metrics:"

    def metrics_job(self, step: str, period: int, job_name: str) -> str:
        """hash with TTL: one job's attempts in one minute (`m`) or hour (`h`): n, f, r, us and
        the duration buckets; written by reserve.lua (the last job) and job_finish.lua."""
        return f"{self.metrics_prefix()}job:{step}:{period}:{job_name}"

    def metrics_wait(self, step: str, period: int, queue: str) -> str:
        """hash with TTL: how long the jobs taken from one queue in one minute or hour had
        waited since their payload's `queue_time`: n, us and the buckets; written by
        reserve.lua and job_finish.lua with the worker's sums."""
        return f"{self.metrics_prefix()}wait:{step}:{period}:{queue}"

    def metrics_totals(self) -> str:
        """hash, no TTL: all-time counters per queue and job, fields `<kind>\\n<queue>\\n<job>`
        with kind `p` (attempts), `f` (failed attempts) or `r` (retried attempts); written by
        reserve.lua and job_finish.lua, read by the Prometheus export and the job table."""
        return f"{self.metrics_prefix()}totals"

    def metrics_duration(self, job_name: str) -> str:
        """hash, no TTL: one job's all-time duration histogram: `n`, `us` and the buckets;
        written by reserve.lua and job_finish.lua, read by the Prometheus export."""
        return f"{self.metrics_prefix()}duration:{job_name}"
