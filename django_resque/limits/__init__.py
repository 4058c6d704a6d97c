"""Limits: unique jobs, concurrency slots and rate windows (docs/limits.md).

`spec.py` reads @job's limit options into a `Limits` and writes the `limits` field a payload
carries; `records.py` holds the settings the limit scripts take, the workers' tick and the
operator's release; `browse.py` (with `held.py` and `waiting.py`) is the admin's read-only
view. Every decision is made in Lua (storage/lua/_limits.lua), inside the enqueue, reserve,
finish and requeue scripts the job's life already runs.
"""
