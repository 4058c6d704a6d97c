"""The keys of unique locks, concurrency slots and rate windows (limits/, lua/_limits.lua).

Part of the key map (keys.py): `Keys` inherits these methods, so callers still write
`get_keys().limit_lock(...)`. Each names a key under `<ns>:dj:limit:`. A limit's key `k` is
the job's name, then `/` and the caller's key when the job has one (limits/spec.py).
"""

from __future__ import annotations


class LimitKeys:
    """Key names of the limits; mixed into Keys, which supplies `prefix`."""

    __slots__ = ()
    prefix: str  # keys.key_prefix: `<ns>:`, or `{<ns>}:` under RESQUE["CLUSTER"]

    def limit_prefix(self) -> str:
        """prefix `<ns>:dj:limit:`; scripts learn a limit's key `k` from a payload's `limits`
        field and append `lock:` .. k, `slots:` .. k, `rate:` .. k or `wait:<kind>:` .. k,
        the names the methods below return."""
        return self.prefix + "dj:limit:"

    def limit_lock(self, k: str) -> str:
        """string, PX: the id of the job holding unique lock `k`; SET NX by enqueue.lua and
        delay.lua, deleted (compare and delete) when the job starts or is done for good."""
        return f"{self.limit_prefix()}lock:{k}"

    def limit_slots(self, k: str) -> str:
        """hash worker id -> job id (a slot in use), `~<job id>` -> deadline ms (a slot handed
        to a released job): concurrency limit `k`; written by reserve, finish and requeue."""
        return f"{self.limit_prefix()}slots:{k}"

    def limit_rate(self, k: str) -> str:
        """zset `<job id>@<ms>` -> start ms (and `~<job id>` for a released job): the starts
        of rate limit `k` in its window; PEXPIRE one window."""
        return f"{self.limit_prefix()}rate:{k}"

    def limit_wait(self, kind: str, k: str) -> str:
        """list `<queue>\\n<payload>`: jobs waiting on limit `k`, kind `slots` or `rate`."""
        return f"{self.limit_prefix()}wait:{kind}:{k}"

    def limit_max(self) -> str:
        """hash `<kind>:<k>` -> the limit (`n`, or `n/per` for a rate) of each limit that has
        jobs waiting; HDEL once its waiting list is empty."""
        return f"{self.limit_prefix()}max"

    def limit_due(self) -> str:
        """zset `<kind>:<k>` -> ms at which limit_tick.lua looks at that limit again."""
        return f"{self.limit_prefix()}due"
