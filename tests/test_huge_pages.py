"""A forking worker backs its heap with huge pages before it forks (huge_pages.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from django_resque.worker.huge_pages import heap_ranges
from tests.helpers import ROOT, wait_until, worker_env

# The worker's heap and its forks: the operating system is the subject, not Django.
pytestmark = pytest.mark.one_leg(leg=1)

MiB = 1024 * 1024
HUGE = 2 * MiB


def kernel_can_collapse() -> bool:
    """Linux 6.1+ (MADV_COLLAPSE) with transparent huge pages not switched off."""
    release = os.uname().release.split(".")
    try:
        enabled = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    return (int(release[0]), int(release[1])) >= (6, 1) and "[never]" not in enabled


needs_collapse = pytest.mark.skipif(
    not kernel_can_collapse(), reason="needs Linux 6.1+ with transparent huge pages not 'never'"
)


def test_only_whole_aligned_stretches_of_private_anonymous_memory_are_candidates():
    maps = "\n".join(
        [
            # an anonymous mapping of 4 MiB starting 1 MiB past a boundary: one whole huge page
            f"{HUGE + MiB:x}-{HUGE + 5 * MiB:x} rw-p 00000000 00:00 0",
            # malloc's heap, 4 MiB from a boundary: two
            f"{8 * HUGE:x}-{10 * HUGE:x} rw-p 00000000 00:00 0 [heap]",
            # too small once aligned
            f"{20 * HUGE + 4096:x}-{21 * HUGE + 4096:x} rw-p 00000000 00:00 0",
            # file-backed, shared, read-only, the stack: never
            f"{30 * HUGE:x}-{32 * HUGE:x} rw-p 00000000 08:01 1234 /usr/lib/libpython3.so",
            f"{40 * HUGE:x}-{42 * HUGE:x} rw-s 00000000 00:01 99 /dev/zero (deleted)",
            f"{50 * HUGE:x}-{52 * HUGE:x} r--p 00000000 00:00 0",
            f"{60 * HUGE:x}-{62 * HUGE:x} rw-p 00000000 00:00 0 [stack]",
        ]
    )
    assert list(heap_ranges(maps, HUGE)) == [(2 * HUGE, 3 * HUGE), (8 * HUGE, 10 * HUGE)]


# Run in a fresh process: the test process's own memory is pytest's, and collapsing it would
# change nothing the test can see.
COLLAPSE = """
import mmap
import django
django.setup()
from django_resque.worker import fork, huge_pages

def memory():
    with open("/proc/self/smaps_rollup") as f:
        fields = dict(line.split()[:2] for line in f if line.endswith("kB\\n"))
    return int(fields["Rss:"]) * 1024, int(fields["AnonHugePages:"]) * 1024

# 32 MiB reserved with one page in each 2 MiB touched: it must not be filled in.
reserved = mmap.mmap(-1, 32 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for offset in range(0, 32 << 20, 2 << 20):
    reserved[offset] = 1
rss_before, _ = memory()
collapsed = huge_pages.collapse_heap(fork.libc())
rss_after, huge = memory()
print(collapsed, huge, rss_after - rss_before)
"""


@needs_collapse
def test_a_django_process_heap_goes_into_huge_pages_and_untouched_memory_stays_out():
    result = subprocess.run(
        [sys.executable, "-c", COLLAPSE],
        env=worker_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    collapsed, huge, growth = map(int, result.stdout.split())
    assert collapsed >= 4 * MiB  # a Django process has tens of MiB of heap
    assert huge > 0  # the kernel maps them as huge pages now
    # Holes are filled only in stretches that were at least 7/8 resident; the reserved and
    # barely touched 32 MiB would have added that much.
    assert growth <= collapsed // 8 + MiB


def worker_log(start_worker, redis, *args: str, env: dict[str, str] | None = None) -> str:
    """Start a worker with debug logging, stop it once registered, and return what it logged."""
    worker = start_worker("-v", "3", *args, env=env)
    wait_until(lambda: redis.smembers("resque:workers"))
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    return output


@needs_collapse
def test_a_forking_worker_collapses_its_heap_before_its_first_fork(redis, start_worker):
    output = worker_log(start_worker, redis)
    collapsed = re.search(r"event=huge_pages bytes=(\d+)", output)
    assert collapsed is not None, output
    assert int(collapsed.group(1)) > 0
    assert output.index("event=huge_pages") < output.index("event=started")


def test_a_worker_that_does_not_fork_or_is_told_not_to_leaves_its_heap_alone(redis, start_worker):
    assert "event=huge_pages" not in worker_log(start_worker, redis, "--no-fork")
    turned_off = worker_log(start_worker, redis, env={"RESQUE_TEST_HUGE_PAGES": "0"})
    assert "event=huge_pages" not in turned_off
    assert "event=started" in turned_off
