"""The Failed jobs page: newest first, filters, detail, retry and remove, one or all."""

from __future__ import annotations

import json

import pytest

from django_resque.failures import registry as failures
from django_resque.jobs.outcome import Outcome
from django_resque.queues import lists as queues
from tests import jobs
from tests.admin_pages.conftest import XSS, assert_escaped

LIST = "/admin/django_resque/failedjob/"
DETAIL = "/admin/django_resque/failedjob/detail/"


def save_failure(payload: dict, *, failed_at: str, worker: str, queue: str, **outcome) -> None:
    """Store a failure record built as the worker builds one, at a given failed_at."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    record = failures.build(raw, Outcome(ok=False, **outcome), queue=queue, worker_id=worker)
    record["failed_at"] = failed_at
    failures.save(record)


def fail(n: int, *, queue: str = "default", job: str = "tests.jobs.add", exc: str = "ValueError"):
    save_failure(
        {"class": job, "args": [n, n]},
        failed_at=f"2026/01/01 00:00:{n:02d} UTC",
        exception=exc,
        error=f"error {n}",
        backtrace=[f"line {n} of job.py", "line 2"],
        worker="host:1:default",
        queue=queue,
    )


def test_the_list_shows_failures_newest_first(viewer):
    for n in range(3):
        fail(n)
    rows = viewer.get(LIST).context["page"].object_list
    assert [r.error for r in rows] == ["error 2", "error 1", "error 0"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"queue": "low"}, ["error 3"]),
        ({"job_name": "Emailer"}, ["error 4"]),
        ({"exception": "KeyError"}, ["error 5"]),
        ({"queue": "default", "exception": "ValueError"}, ["error 4", "error 1", "error 0"]),
        ({"queue": " "}, ["error 5", "error 4", "error 3", "error 1", "error 0"]),
    ],
)
def test_filters_by_queue_job_and_exception(viewer, params, expected):
    fail(0)
    fail(1)
    fail(3, queue="low")
    fail(4, job="Emailer")
    fail(5, exc="KeyError")
    rows = viewer.get(LIST, params).context["page"].object_list
    assert [r.error for r in rows] == expected


@pytest.mark.parametrize(
    "params",
    [{"page": str(10**12)}, {"per_page": str(10**9)}, {"page": "abc"}, {"per_page": "-1"}],
)
def test_absurd_page_values_on_failures_are_clamped(viewer, params):
    for n in range(25):
        fail(n)
    response = viewer.get(LIST, params)
    assert response.status_code == 200
    assert 1 <= len(response.context["page"].object_list) <= 100


def test_detail_shows_backtrace_and_payload(viewer):
    fail(7)
    failure_id = failures.page()[0].id
    html = viewer.get(DETAIL, {"id": failure_id}).content.decode()
    assert "line 7 of job.py" in html and "error 7" in html
    assert "&quot;class&quot;: &quot;tests.jobs.add&quot;" in html


def test_an_unknown_failure_is_a_404(viewer):
    assert viewer.get(DETAIL, {"id": "0" * 32}).status_code == 404


def test_retry_puts_the_payload_back_and_removes_the_record(operator):
    fail(1)
    failure_id = failures.page()[0].id
    response = operator.post(LIST + "retry/", {"id": failure_id})
    assert response.status_code == 302
    assert failures.count() == 0
    assert json.loads(queues.peek("default")[0]) == {"class": "tests.jobs.add", "args": [1, 1]}


def test_retrying_twice_enqueues_once(operator):
    fail(1)
    failure_id = failures.page()[0].id
    operator.post(LIST + "retry/", {"id": failure_id})
    second = operator.post(LIST + "retry/", {"id": failure_id}, follow=True)
    assert "Nothing to retry." in second.content.decode()
    assert queues.size("default") == 1


def test_remove_asks_first_then_removes_only_that_record(operator):
    fail(1)
    fail(2)
    target = failures.page()[0].id
    assert "Yes, I’m sure" in operator.post(LIST + "remove/", {"id": target}).content.decode()
    assert failures.count() == 2
    operator.post(LIST + "remove/", {"id": target, "post": "yes"})
    assert [f.error for f in failures.page()] == ["error 1"]


def test_retry_all_for_a_filter_asks_first_then_retries_only_matches(operator):
    fail(1)
    fail(2, queue="low")
    confirm = operator.post(LIST + "retry-all/", {"queue": "low"}).content.decode()
    assert "Retry all 1 failed jobs with queue “low”?" in confirm
    response = operator.post(LIST + "retry-all/", {"queue": "low", "post": "yes"})
    assert response["Location"] == LIST + "?queue=low"
    assert [f.queue for f in failures.page()] == ["default"]
    assert queues.size("low") == 1


def test_remove_all_without_a_filter_removes_everything(operator):
    for n in range(5):
        fail(n)
    operator.post(LIST + "remove-all/", {"post": "yes"})
    assert failures.count() == 0
    assert queues.size("default") == 0


def test_a_failed_job_retried_from_the_admin_runs(operator, tmp_path, work_here):
    ledger = tmp_path / "later" / "ledger.txt"
    jobs.record.delay(str(ledger), "again")
    work_here("default", fork=False)
    [failure] = failures.page()
    assert failure.exception == "FileNotFoundError"
    ledger.parent.mkdir()
    operator.post(LIST + "retry/", {"id": failure.id})
    work_here("default", fork=False)
    assert [line[0] for line in jobs.read_ledger(str(ledger))] == ["again"]


@pytest.mark.parametrize("probe", XSS)
def test_every_field_of_a_failure_is_escaped(operator, probe):
    save_failure(
        {"class": probe, "args": [probe], "kwargs": {"k": probe}},
        failed_at=probe,
        exception=probe,
        error=probe,
        backtrace=[probe],
        worker=probe,
        queue=probe,
    )
    failure_id = failures.page()[0].id
    for url, params in [(LIST, {}), (DETAIL, {"id": failure_id}), (LIST, {"queue": probe})]:
        response = operator.get(url, params)
        assert response.status_code == 200
        assert_escaped(response.content.decode())
    confirm = operator.post(LIST + "retry-all/", {"queue": probe, "exception": probe})
    assert_escaped(confirm.content.decode())


def test_two_facet_filters_page_without_counting_and_clamp_absurd_pages(viewer):
    for n in range(45):
        fail(n % 60, queue="low", job="Emailer")
    fail(59)
    params = {"queue": "low", "job_name": "Emailer"}
    first = viewer.get(LIST, params)
    assert len(first.context["page"].object_list) == 20
    assert "more than 20" in first.content.decode()
    third = viewer.get(LIST, {**params, "page": "3"})
    assert len(third.context["page"].object_list) == 5
    assert "45 in all" in third.content.decode()
    for page in (str(10**12), "abc", "-3", "99"):
        response = viewer.get(LIST, {**params, "page": page, "per_page": str(10**9)})
        assert response.status_code == 200
        assert response.context["page"].number == 1


def test_bulk_confirmation_for_two_facets_does_not_count(operator):
    fail(1, queue="low", job="Emailer")
    html = operator.post(LIST + "remove-all/", {"queue": "low", "job_name": "Emailer"}).content
    assert "Remove every failed job with queue “low” and job name “Emailer”?" in html.decode()
    assert failures.count() == 1


def test_a_retry_addresses_its_failure_by_id_while_workers_append_new_ones(operator):
    fail(1)
    target = failures.page()[0].id
    fail(2)  # a worker records more failures while the page is open
    fail(3)
    operator.post(LIST + "retry/", {"id": target})
    assert [json.loads(p)["args"] for p in queues.peek("default", 0, 10)] == [[1, 1]]
    assert sorted(f.error for f in failures.page()) == ["error 2", "error 3"]


def test_two_facet_filters_page_no_deeper_than_the_bound(viewer, monkeypatch):
    from django_resque.admin import pagination

    monkeypatch.setattr(pagination, "MAX_OPEN_ROWS", 40)
    for n in range(50):
        fail(n, queue="low", job="Emailer")
    params = {"queue": "low", "job_name": "Emailer"}
    deepest = viewer.get(LIST, {**params, "page": "7"})
    assert deepest.context["page"].number == 2
    assert deepest.context["page_range"] == [1, 2]
    assert "more than 40" in deepest.content.decode()
