"""Back a forking worker's heap with transparent huge pages before it forks.

A fork copies the parent's page tables and the child's exit frees them: for a Django worker that
is thousands of page-table entries of heap per job, the largest single cost of fork mode after the
copy-on-write faults. Linux 6.1 added MADV_COLLAPSE, which rebuilds a range of memory as 2 MiB
huge pages on request, whatever the system's THP setting ("never" aside). The worker's own
writes soon split the huge mappings back into small ones (within two seconds of a busy fork
loop), yet the saving lasted: recent kernels copy and free the small pages of one huge page in a
batch (bench/README.md has the measurements).

Only whole, aligned 2 MiB stretches of private, writable, anonymous memory (Python's arenas and
malloc's heap) that are at least 7/8 resident are collapsed: the kernel fills the holes of what it
collapses, so resident memory grows by at most an eighth of it, and thread stacks and other
reserved but untouched memory are left alone. Copy-on-write still copies 4 KiB at a time. A
kernel that cannot (not Linux, older than 6.1, THP "never", no huge page free) answers with an
error, and the worker goes on as before.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import mmap
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

MADV_COLLAPSE = 25
_MOSTLY_RESIDENT = 7 / 8
_PMD_SIZE_FILE = Path("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
_DEFAULT_SIZE = 2 * 1024 * 1024


def collapse_heap(libc: ctypes.CDLL) -> int:
    """Ask the kernel to back this process's heap with huge pages; return the bytes it did."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:  # not Linux
        return 0
    size = huge_page_size()
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    collapsed, refused = 0, set()
    for start, end in heap_ranges(maps, size):
        for huge_page in range(start, end, size):
            if _resident_share(libc, huge_page, size) < _MOSTLY_RESIDENT:
                continue
            if libc.madvise(huge_page, size, MADV_COLLAPSE) == 0:
                collapsed += size
            else:
                refused.add(ctypes.get_errno())
    if refused:
        logger.debug("event=huge_pages refused errno=%s", ",".join(map(str, sorted(refused))))
    return collapsed


def heap_ranges(maps: str, size: int) -> Iterator[tuple[int, int]]:
    """The whole, aligned huge-page stretches of private anonymous read-write mappings."""
    for line in maps.splitlines():
        fields = line.split()
        if len(fields) < 5 or not _is_heap(fields):
            continue
        low, high = (int(address, 16) for address in fields[0].split("-"))
        start = -(-low // size) * size  # round up to a huge-page boundary
        end = high // size * size
        if end > start:
            yield start, end


def _resident_share(libc: ctypes.CDLL, start: int, size: int) -> float:
    """The share of the pages in [start, start + size) that are in memory (mincore)."""
    pages = (ctypes.c_ubyte * (size // mmap.PAGESIZE))()
    if libc.mincore(start, size, pages) != 0:
        return 0.0
    return sum(page & 1 for page in pages) / len(pages)


def _is_heap(fields: list[str]) -> bool:
    """Private, readable and writable, and no file behind it but malloc's [heap]."""
    perms, path = fields[1], fields[5] if len(fields) > 5 else ""
    return perms.startswith("rw") and perms[3] == "p" and path in ("", "[heap]")


def huge_page_size() -> int:
    try:
        return int(_PMD_SIZE_FILE.read_text())
    except (OSError, ValueError):
        return _DEFAULT_SIZE


def prepare_heap_for_forks(worker_id: str, libc: ctypes.CDLL | None) -> None:
    """Freeze the objects that exist now and, given libc, collapse the heap into huge pages.

    Frozen objects are never touched by the garbage collector again, so their pages stay
    shared with every child instead of being copied by the child's first collection.
    """
    gc.freeze()
    if libc is not None:  # fewer page-table entries for each fork to copy
        collapsed = collapse_heap(libc)
        logger.debug("worker=%s event=huge_pages bytes=%d", worker_id, collapsed)
