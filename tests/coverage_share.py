"""Share coverage measurement between scripts/test's two Django legs.

Every test runs on both legs, but tracing a test for coverage (and the worker processes it
starts) costs about half again its run time. Under RESQUE_TEST_LEG each test is measured on one
leg only: a `one_leg` test on the leg it runs on, any other test on the leg its node id hashes to.
The legs' data files are combined afterwards, so the report covers every test once.

A test left unmeasured runs with this thread's trace function (coverage's tracer) and the one
new threads get set aside, and without COVERAGE_PROCESS_CONFIG (coverage's `patch =
["subprocess"]` variable) in the environment, so the processes it starts run untraced too. The
Coverage object itself keeps running: stopping it would leave coverage's `patch = ["fork",
"_exit"]` hooks in forked children without a current measurement, and those children then save
the parent's data into the parent's own data file. A child forked during such a test is traced
as usual. Without RESQUE_TEST_LEG, or when nothing traces this process, this plugin does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
import zlib
from collections.abc import Iterator

import pytest

_SUBPROCESS_VARIABLE = "COVERAGE_PROCESS_CONFIG"


def measured_on(item: pytest.Item) -> str:
    """The leg ("1" or "2") whose coverage run measures this test."""
    marker = item.get_closest_marker("one_leg")
    if marker is not None:
        return str(marker.kwargs.get("leg", 1))
    return str(zlib.crc32(item.nodeid.encode()) % 2 + 1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    leg = os.environ.get("RESQUE_TEST_LEG")
    tracer = sys.gettrace()
    if not leg or tracer is None or measured_on(item) == leg:
        return (yield)
    new_threads = threading.gettrace()
    variable = os.environ.pop(_SUBPROCESS_VARIABLE, None)
    sys.settrace(None)
    threading.settrace(None)  # type: ignore[arg-type]
    try:
        return (yield)
    finally:
        threading.settrace(new_threads)  # type: ignore[arg-type]
        sys.settrace(tracer)
        if variable is not None:
            os.environ[_SUBPROCESS_VARIABLE] = variable
