"""Every Redis key django_resque reads or writes, and nothing else formats key names.

The Resque keys are exactly those Ruby resque, resque-scheduler, php-resque and node-resque use
(`namespace:` + name), so workers in any of those languages can share the Redis. Keys that only
django_resque uses live under `namespace:dj:`, a prefix no Resque implementation writes.

Under RESQUE["CLUSTER"] the namespace becomes the hash tag `{namespace}`: every key starts with
`{resque}:` instead of `resque:` (key_prefix, the one place that decides it), so every key of a
namespace, and every key a script builds from a prefix below, hashes to one Redis Cluster slot.
That layout is no longer the one the other Resques read.

Lua scripts get their keys in KEYS[]. A script that learns a queue name, a failure facet or a
job id only from data it reads gets a *prefix* from here instead (the methods named `*_prefix`)
and appends that name to it, which is the same string the matching method returns: the rule is
written beside each prefix, and no script spells a key name itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django_resque.conf import get_config
from django_resque.storage.group_keys import GroupKeys
from django_resque.storage.limit_keys import LimitKeys
from django_resque.storage.metric_keys import MetricKeys
from django_resque.storage.scheduler_keys import SchedulerKeys


def key_prefix(namespace: str, *, cluster: bool) -> str:
    """What every key of `namespace` starts with: `resque:`, or `{resque}:` on Redis Cluster.

    Redis Cluster hashes only the part of a key between the first `{` and the next `}` when
    there is one, so the tagged prefix puts the whole namespace in one slot.
    """
    return f"{{{namespace}}}:" if cluster else f"{namespace}:"


@dataclass(frozen=True, slots=True)
class Keys(GroupKeys, LimitKeys, MetricKeys, SchedulerKeys):
    namespace: str
    cluster: bool = False
    prefix: str = field(init=False)  # key_prefix(namespace, cluster)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefix", key_prefix(self.namespace, cluster=self.cluster))

    def _k(self, name: str) -> str:
        return self.prefix + name

    # --- Resque: queues -------------------------------------------------------------------
    def queues(self) -> str:
        """set of queue names; every client SADDs on enqueue (ours: lua/_push.lua)."""
        return self._k("queues")

    def queue(self, name: str) -> str:
        """list of payload JSON; every client RPUSHes to enqueue (ours: lua/_push.lua; requeue.lua
        LPUSHes a recovered one back), LPOP (or reserve.lua, take.lua) takes."""
        return self.queue_prefix() + name

    def queue_prefix(self) -> str:
        """prefix `<ns>:queue:`; prefix .. name = queue(name). For the scripts that push to a
        queue named in data they read (retry_promote.lua, failure_take.lua, failure_bulk.lua)."""
        return self._k("queue:")

    # --- Resque: workers ------------------------------------------------------------------
    def workers(self) -> str:
        """set of worker ids `host:pid:queues`; SADD by every worker at start-up, SREM at exit
        and by requeue.lua when a dead worker is pruned."""
        return self._k("workers")

    def worker(self, worker_id: str) -> str:
        """string: the in-flight record `{"queue","run_at","payload"}`; absent when idle. DEL by
        reserve.lua first on every call, SET as it takes a payload; DEL by requeue.lua."""
        return self._k(f"worker:{worker_id}")

    def worker_started(self, worker_id: str) -> str:
        """string: when the worker started, in Ruby's `Time#to_s` form (clock.ruby_time);
        written by registration at start-up."""
        return self._k(f"worker:{worker_id}:started")

    def heartbeats(self) -> str:
        """hash worker id -> ISO-8601 time of the last heartbeat (Ruby >= 1.26); HSET by
        heartbeat.lua from Redis TIME, HDEL at unregister and by requeue.lua."""
        return self._k("workers:heartbeat")

    def pause_all(self) -> str:
        """string: "true" pauses every worker (Ruby >= 2.3); set by operators (resque-web,
        redis-cli), read by reserve.lua."""
        return self._k("pause-all-workers")

    def prune_lock(self) -> str:
        """string with TTL: held by the worker pruning dead workers (same key as Ruby); SET NX
        EX by heartbeat.lua."""
        return self._k("pruning_dead_workers_in_progress")

    # --- Resque: stats --------------------------------------------------------------------
    def stat(self, name: str, worker_id: str | None = None) -> str:
        """string integer `stat:processed` / `stat:failed` / `stat:retried`, or per worker with
        `:<id>`; INCRBY by reserve.lua (processed) and job_finish.lua (failed, retried)."""
        return self._k(f"stat:{name}" if worker_id is None else f"stat:{name}:{worker_id}")

    # --- Resque: failures -----------------------------------------------------------------
    def failed(self) -> str:
        """list of failure records (Ruby's fields) that resque-web reads; RPUSH by job_finish.lua
        and by other Resques' failure backends, trimmed by the failure scripts."""
        return self._k("failed")

    # --- django_resque only ---------------------------------------------------------------
    def wake(self, queue: str) -> str:
        """list of wake-up tokens: every script that pushes a payload RPUSHes one (lua/_push.lua,
        at most WAKE_TOKEN_CAP), so idle workers BLPOP on it instead of polling; reserve.lua
        DELs it when the queues are empty. A worker never reads a token's bytes: any element
        is a wake-up."""
        return self.wake_prefix() + queue

    def wake_prefix(self) -> str:
        """prefix `<ns>:dj:wake:`; prefix .. queue name = wake(queue), as queue_prefix."""
        return self._k("dj:wake:")

    def paused_queues(self) -> str:
        """set of queue names no django_resque worker reserves from while paused; SADD / SREM by
        queues.pause / resume (admin), read by reserve.lua."""
        return self._k("dj:paused")

    # --- django_resque only: worker recovery ------------------------------------------------
    def incarnations(self) -> str:
        """hash worker id -> token of the live process holding that id; written at register,
        removed at unregister and by prune, so a pruned-but-alive process is fenced out."""
        return self._k("dj:incarnations")

    def recorded(self, worker_id: str) -> str:
        """string (TTL one day): the id of the last attempt whose outcome job_finish.lua recorded
        for this worker, so a call sent again after its reply was lost records nothing twice."""
        return self._k(f"dj:recorded:{worker_id}")

    def recoveries(self, digest: str) -> str:
        """string integer (TTL): how often the payload with this SHA-1 was recovered from dead
        workers; over RESQUE["MAX_RECOVERIES"] it is failed as a poison pill. Written by prune."""
        return self._k(f"dj:recovered:{digest}")

    # --- django_resque only: failure index, retries, job status ----------------------------
    def failed_seq(self) -> str:
        """string counter: INCR gives each new failure record its order (newest = highest);
        written by the failure scripts as they index a record (lua/_failures.lua)."""
        return self._k("dj:failed:seq")

    def failed_data(self) -> str:
        """hash failure id -> record JSON, byte for byte the copy in `failed`; written by the
        failure scripts (lua/_failures.lua)."""
        return self._k("dj:failed:data")

    def failed_index(self, facet: str = "all", value: str = "") -> str:
        """zset failure id -> seq: `all`, or one per `queue`/`job`/`exception` value (filters),
        and one per `group` id for the records whose payload names that group.

        Written by the failure scripts (lua/_failures.lua) as records are added and removed.
        """
        prefix = self.failed_index_prefix()
        return prefix + "all" if facet == "all" else f"{prefix}{facet}:{value}"

    def failed_index_prefix(self) -> str:
        """prefix `<ns>:dj:failed:ix:`; prefix .. facet .. ":" .. value = failed_index(facet,
        value). The failure scripts read a record's facets from the record itself."""
        return self._k("dj:failed:ix:")

    def failed_gone(self) -> str:
        """zset failure id -> sweep pass: removed from the index but still in `failed` until the
        sweep; ZADD by failure_take.lua / failure_bulk.lua, ZREM by failure_sweep.lua."""
        return self._k("dj:failed:gone")

    def failed_sweep(self) -> str:
        """hash `remaining` (records of `failed` the current pass has still to visit), `pass`
        (its number) and `drift`; written by failure_sweep.lua."""
        return self._k("dj:failed:sweep")

    def retries(self) -> str:
        """zset `<queue>\n<payload>` -> due epoch seconds; ZADD by job_finish.lua (mode retry),
        moved to their queues by retry_promote.lua, which workers run."""
        return self._k("dj:retry")

    def job(self, job_id: str) -> str:
        """hash: a job's status, times, attempts, worker ids, result and errors (status.py);
        written by enqueue.lua / enqueue_priority.lua / delay.lua (scheduled), delayed_promote.lua
        (queued), reserve.lua and job_finish.lua."""
        return self.job_prefix() + job_id

    def job_id_seen(self, job_id: str) -> str:
        """string, PX: an explicit job id (`.using(job_id=...)`) already enqueued, so a retry
        stores nothing; SET NX by enqueue.lua / delay.lua, expires after JOB_ID_TTL."""
        return self._k(f"dj:seen:{job_id}")

    def job_prefix(self) -> str:
        """prefix `<ns>:dj:job:`; prefix .. id = job(id). reserve.lua learns the id of the job
        whose hash it marks running only from the payload it pops."""
        return self._k("dj:job:")

    # --- django_resque only: django.tasks priorities ---------------------------------------
    def priority(self, queue: str) -> str:
        """zset payload -> rank: the only place a prioritised payload waits (never the queue's
        list). ZADD by enqueue_priority.lua, ZREM by reserve.lua and take.lua (_priority.lua)."""
        return self._k(f"dj:priority:{queue}")

    def priority_sequence(self) -> str:
        """string counter: arrival order among payloads of equal priority; INCR by
        enqueue_priority.lua."""
        return self._k("dj:priority-seq")

    # --- django_resque only: admin ---------------------------------------------------------
    def minute_stat(self, name: str, minute: int) -> str:
        """string integer with TTL: jobs `processed` / `failed` in one minute (epoch // 60).

        The worker's reserve script INCRBYs `processed`; job_finish.lua INCRs `failed`; the
        admin's Overview chart reads a few hours of them with one MGET.
        """
        return self._k(f"dj:stat:{name}:minute:{minute}")

    def everything(self) -> str:
        """glob matching every key of the namespace, for the admin's bounded SCAN."""
        return self._k("*")


def get_keys() -> Keys:
    """Return the key map for the configured namespace (one shared instance per namespace)."""
    config = get_config()
    return _keys_for(config["NAMESPACE"], cluster=config["CLUSTER"] is True)


@cache
def _keys_for(namespace: str, *, cluster: bool) -> Keys:
    return Keys(namespace, cluster=cluster)
