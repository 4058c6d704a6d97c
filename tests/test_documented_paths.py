"""The modules' documented paths from before the sub-packages still import the same objects."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("django_resque.orm", "django_resque.jobs.model_methods"),
        ("django_resque.status", "django_resque.results.status"),
        ("django_resque.schedules", "django_resque.scheduler.schedules"),
        ("django_resque.delayed", "django_resque.queues.delayed"),
        ("django_resque.worker_registry", "django_resque.monitoring.workers"),
    ],
)
def test_a_documented_path_re_exports_its_module_s_public_names(old, new):
    shim, module = importlib.import_module(old), importlib.import_module(new)
    public = [n for n in vars(module) if not n.startswith("_") and n not in ("annotations",)]
    exported = [n for n in public if hasattr(shim, n)]
    assert exported and all(getattr(shim, n) is getattr(module, n) for n in exported)
