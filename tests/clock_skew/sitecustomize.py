"""Test-only: shift this process's host clock by RESQUE_TEST_CLOCK_OFFSET seconds.

Put this directory on PYTHONPATH of a scheduler under test to play a machine whose clock is
wrong; the scheduler must follow Redis's TIME and not notice.
"""

import os
import time

_offset = float(os.environ.get("RESQUE_TEST_CLOCK_OFFSET", "0") or 0)
if _offset:
    _real_time = time.time
    _real_time_ns = time.time_ns
    time.time = lambda: _real_time() + _offset
    time.time_ns = lambda: _real_time_ns() + int(_offset * 1e9)
