"""The scheduler's keys: resque-scheduler's delayed set, lists and schedules, then ours under
`<ns>:dj:scheduler:` (the lease, its fence, slot claims, the last slot fired, paused names).

Part of the key map (keys.py): `Keys` inherits these methods, so callers still write
`get_keys().delayed_schedule()`. The resque-scheduler keys are exactly the ones Ruby's
resque-scheduler and node-resque read and write.
"""

from __future__ import annotations


class SchedulerKeys:
    """Key names of the scheduler; mixed into Keys, which supplies `prefix` and `namespace`."""

    __slots__ = ()
    prefix: str  # keys.key_prefix: `<ns>:`, or `{<ns>}:` under RESQUE["CLUSTER"]
    namespace: str

    def delayed_schedule(self) -> str:
        """zset of due times: member = score = epoch seconds (resque-scheduler, node-resque);
        ZADD by delay.lua, ZREM by delayed_promote.lua and delayed_remove.lua."""
        return self.prefix + "delayed_queue_schedule"

    def delayed(self, timestamp: int) -> str:
        """list of delayed item JSON due at `timestamp` epoch seconds; RPUSH by delay.lua, LREM
        by delayed_promote.lua and delayed_remove.lua."""
        return self.prefix + self.delayed_member(timestamp)

    def delayed_member(self, timestamp: int) -> str:
        """`delayed:<ts>` without the namespace: what timestamps(item) holds, as Ruby writes it.

        Not a key of its own; the delay scripts get it as an argument (SADD / SREM).
        """
        return f"delayed:{timestamp}"

    def timestamps(self, item: str) -> str:
        """set of delayed_member(ts) for each `delayed:<ts>` where that exact item JSON waits
        (resque-scheduler >= 2.1); written by lua/delay.lua, emptied by the promote/remove ones."""
        return self.prefix + f"timestamps:{item}"

    def last_enqueued_at(self) -> str:
        """hash schedule name -> time of its last firing (Ruby's Time#to_s), as
        resque-scheduler's web tab reads; HSET by schedule_fire.lua."""
        return self.prefix + "delayed:last_enqueued_at"

    def persistent_schedules(self) -> str:
        """hash schedule name -> JSON config of dynamic schedules (resque-scheduler >= 4.2);
        written by schedules.set / remove and by resque-scheduler."""
        return self.prefix + "persistent_schedules"

    def schedules_changed(self) -> str:
        """set of dynamic schedule names changed since the last reload (resque-scheduler); SADD
        beside each persistent_schedules change, DEL by schedules.reloaded."""
        return self.prefix + "schedules_changed"

    def scheduler_leader(self) -> str:
        """string with PX lease: `<host>:<pid>:<fence>` of the scheduler allowed to fire; written
        by scheduler_lease.lua, checked by schedule_fire.lua and delayed_promote.lua."""
        return self.prefix + "dj:scheduler:leader"

    def scheduler_fence(self) -> str:
        """string integer: fencing counter, INCRed by scheduler_lease.lua on each new lease so
        old leases never match."""
        return self.prefix + "dj:scheduler:fence"

    def foreign_scheduler_locks(self) -> list[str]:
        """strings with TTL: the leader locks of the other scheduler families, value `<host>:<pid>`.

        resque-scheduler's (`resque_scheduler_master_lock` under its namespaced client, so the
        namespace twice), node-resque's since 7.0, and node-resque's before it. Our leader holds
        all three beside its own lease, so a mixed fleet elects one leader.
        """
        return [
            self.prefix + f"{self.namespace}:resque_scheduler_master_lock",
            self.prefix + "resque_scheduler_leader_lock",
            self.prefix + "resque_scheduler_master_lock",
        ]

    def schedule_slot(self, name: str, slot: int) -> str:
        """string with TTL: claim of one firing (schedule, slot); SET NX by the fire script."""
        return self.prefix + f"dj:scheduler:slot:{name}:{slot}"

    def schedule_last_slot(self) -> str:
        """hash schedule name -> epoch of the last slot fired or passed; only goes forward.
        HSET by schedule_fire.lua, HSETNX by firing.fire_entry on an entry's first sight."""
        return self.prefix + "dj:scheduler:last_slot"

    def schedules_paused(self) -> str:
        """set of schedule names the scheduler does not fire while paused; SADD / SREM by
        schedules.pause / resume (admin)."""
        return self.prefix + "dj:scheduler:paused"
