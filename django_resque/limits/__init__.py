"""Limits: unique jobs, concurrency slots and rate windows (docs/limits.md).

`spec.py` reads @job's limit options into a `Limits` and writes the `limits` field a payload
carries; `records.py` holds the settings the limit scripts take and the operator's reads and
releases. Every decision is made in Lua (storage/lua/_limits.lua), inside the enqueue, reserve,
finish and requeue scripts the job's life already runs.
"""
