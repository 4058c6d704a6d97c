"""Perform one payload: resolve its job through the registry and call it."""

from __future__ import annotations

import logging

from django_resque.exceptions import UnknownJob
from django_resque.jobs import get_job
from django_resque.orm import call_job
from django_resque.outcome import Outcome
from django_resque.payload import decode

logger = logging.getLogger(__name__)


def perform(raw: bytes) -> Outcome:
    """Run the job a payload names and return what came of it; never raises.

    This is the one place that catches BaseException from user code: whatever a job raises
    (SystemExit included) becomes a failure record instead of ending the worker.
    """
    try:
        payload = decode(raw)
        definition = get_job(payload.job_name)
        if definition is None:
            raise UnknownJob(
                f"No job is registered as {payload.job_name!r} in this worker; "
                "deploy the code that defines it, then retry the failure."
            )
        return Outcome.success(call_job(definition, payload))  # issue 8: models, DB connections
    except BaseException as exc:  # noqa: BLE001  (the job boundary; see docstring)
        return Outcome.failure(exc)
