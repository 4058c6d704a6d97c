"""The worker: its loop, the reserve, forked and in-process children, signals, heartbeats,
registration, recovery of dead workers, database connections around each job, recycling limits
and the `--count` supervisor."""
