"""Every kind of failure a worker meets is recorded with the right fields and an id."""

from __future__ import annotations

from django_resque.failures import registry as failures
from tests import jobs as test_jobs


def test_every_kind_of_failure_is_in_the_registry_with_its_fields(redis, work_here):
    raised = test_jobs.fail.delay("boom")
    dirty = test_jobs.exit_hard.delay(3)
    redis.rpush("resque:queue:default", b'{"class":"no.such.job","args":[1]}', b"not json")
    work_here("default")
    records = {f.exception: f for f in failures.page(limit=10)}
    assert set(records) == {
        "ValueError",
        "DirtyExit",
        "django_resque.exceptions.UnknownJob",
        "django_resque.exceptions.MalformedPayload",
    }
    assert records["ValueError"].payload["id"] == raised.id
    assert records["ValueError"].error == "boom" and records["ValueError"].attempts == 1
    assert records["ValueError"].backtrace[-1].endswith("in `fail'")
    assert records["DirtyExit"].payload["id"] == dirty.id
    assert "exited with status 3" in records["DirtyExit"].error
    assert records["django_resque.exceptions.UnknownJob"].job_name == "no.such.job"
    assert records["django_resque.exceptions.MalformedPayload"].payload == "not json"
    for record in records.values():
        assert record.queue == "default" and record.worker.endswith(":default")
        assert record.failed_at and failures.get(record.id) == record
    assert raised.status == "failed" and dirty.status == "failed"
