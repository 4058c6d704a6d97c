"""Share coverage measurement between scripts/test's two Django legs.

Every test runs on both legs, but tracing a test for coverage (and the worker processes it
starts) costs about half again its run time. Under RESQUE_TEST_LEG each test is measured on one
leg only: a `one_leg` test on the leg it runs on, any other test on the leg its node id hashes to.
The legs' data files are combined afterwards, so the report covers every test once.

A test left unmeasured stops this process's Coverage for its duration and takes
COVERAGE_PROCESS_CONFIG (coverage's `patch = ["subprocess"]` variable) out of the environment,
so the processes it starts run untraced too. Without RESQUE_TEST_LEG, or without coverage, this
plugin does nothing.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator

import pytest
from coverage import Coverage

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
    coverage = Coverage.current()
    if not leg or coverage is None or measured_on(item) == leg:
        return (yield)
    variable = os.environ.pop(_SUBPROCESS_VARIABLE, None)
    coverage.stop()
    try:
        return (yield)
    finally:
        coverage.start()
        if variable is not None:
            os.environ[_SUBPROCESS_VARIABLE] = variable
