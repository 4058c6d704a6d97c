"""pytest fixtures for projects that use django_resque; enable with

    pytest_plugins = ["django_resque.pytest_plugin"]      # in your conftest.py

Needs pytest-django (for the `settings` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from django_resque import testing


@pytest.fixture
def resque() -> Iterator[ModuleType]:
    """django_resque.testing, with every queue emptied before and after the test."""
    testing.clear()
    yield testing
    testing.clear()


@pytest.fixture
def resque_inline(settings: Any) -> None:
    """Perform jobs synchronously inside .delay() for this test (RESQUE["INLINE"])."""
    settings.RESQUE = {**getattr(settings, "RESQUE", {}), "INLINE": True}
