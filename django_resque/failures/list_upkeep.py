"""Upkeep of the failed list beside the registry (registry.py): adopting and sweeping.

Ruby, PHP and Node append records to `<ns>:failed` without our index; `sync()` indexes the
newest of them. Removing a record by id leaves its list entry to a sweep that walks the list in
FAILURE_BATCH_SIZE batches (`sweep_step()`, which workers advance while idle: retries.maintain);
`reindex()` walks it whole.
"""

from __future__ import annotations

from django_resque.conf import get_config
from django_resque.storage import scripts
from django_resque.storage.keys import get_keys

ADOPT_REACH = 1_000  # newest records looked at for ones other Resque implementations wrote


def sync() -> int:
    """Index records Ruby, PHP or Node appended since we last looked; return how many."""
    keys = get_keys()
    adopted, missing = scripts.run(
        "failure_adopt",
        [
            keys.failed(),
            keys.failed_data(),
            keys.failed_gone(),
            keys.failed_seq(),
            keys.failed_index(),
        ],
        [keys.failed_index_prefix(), ADOPT_REACH],
    )
    if int(missing) > 0:
        sweep_step(force=True, drift=int(missing))  # older unknown records: a pass finds them
    return int(adopted)


def sweep_step(*, force: bool = False, drift: int | None = None) -> int:
    """Advance the pass that drops removed records from the list; return records left in it."""
    keys = get_keys()
    return int(
        scripts.run(
            "failure_sweep",
            [
                keys.failed(),
                keys.failed_data(),
                keys.failed_gone(),
                keys.failed_sweep(),
                keys.failed_seq(),
                keys.failed_index(),
            ],
            [
                batch_size(),
                keys.failed_index_prefix(),
                "1" if force else "0",
                "" if drift is None else drift,
            ],
        )
    )


def reindex() -> None:
    """Walk the whole list once, indexing every record and dropping removed ones."""
    force = True
    while sweep_step(force=force) > 0:
        force = False


def batch_size() -> int:
    """Records one bulk or sweep script call handles (RESQUE["FAILURE_BATCH_SIZE"])."""
    return max(1, int(get_config()["FAILURE_BATCH_SIZE"]))
