"""Payloads and failure records that JSON cannot read are shown as bounded, escaped text."""

from __future__ import annotations

import json

from django_resque.failures import registry as failures
from django_resque.storage.keys import get_keys

QUEUE = "/admin/django_resque/queue/detail/"
FAILED = "/admin/django_resque/failedjob/"

DEEP = ("[" * 1500 + "]" * 1500).encode()
SURROGATE = b'{"class":"x\\ud800","args":["\\udfff"]}'


def push_raw(redis, queue: str, raw: bytes) -> None:
    keys = get_keys()
    redis.sadd(keys.queues(), queue)
    redis.rpush(keys.queue(queue), raw)


def test_a_payload_nested_past_the_parser_limit_is_shown_as_text(viewer, redis):
    push_raw(redis, "x", DEEP)
    response = viewer.get(QUEUE, {"name": "x"})
    assert response.status_code == 200
    job = response.context["page"].object_list[0]
    assert job.malformed and job.args == DEEP.decode()


def test_a_long_unparseable_payload_is_cut_and_says_so(viewer, redis):
    push_raw(redis, "x", b"[" * 5000 + b"]" * 5000)
    job = viewer.get(QUEUE, {"name": "x"}).context["page"].object_list[0]
    assert job.args == "[" * 4000 + "\n… (truncated)"


def test_a_payload_holding_a_lone_surrogate_renders(viewer, redis):
    push_raw(redis, "x", SURROGATE)
    response = viewer.get(QUEUE, {"name": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "x\\ud800" in html and "\\udfff" in html


def test_a_foreign_failure_nested_too_deep_shows_in_the_list_and_detail(viewer, redis):
    record = b'{"failed_at":"2026/01/01 00:00:00 UTC","payload":' + DEEP + b',"queue":"q"}'
    redis.rpush(get_keys().failed(), record)
    [failure] = failures.page()
    assert failure.payload.startswith('{"failed_at"')
    response = viewer.get(FAILED)
    assert response.status_code == 200
    detail = viewer.get(FAILED + "detail/", {"id": failure.id})
    assert detail.status_code == 200
    assert "[[[[" in detail.content.decode()


def test_a_failure_with_a_lone_surrogate_renders(viewer, redis):
    record = {
        "failed_at": "2026/01/01 00:00:00 UTC",
        "payload": {"class": "x\ud800", "args": ["\udfff"]},
        "exception": "E\ud800",
        "error": "boom \udfff",
        "backtrace": ["line \ud800"],
        "worker": "host:1:q",
        "queue": "q",
    }
    redis.rpush(get_keys().failed(), json.dumps(record).encode())
    [failure] = failures.page()
    assert viewer.get(FAILED).status_code == 200
    detail = viewer.get(FAILED + "detail/", {"id": failure.id})
    assert detail.status_code == 200
    assert "E\\ud800" in detail.content.decode()


def test_a_workers_job_holding_a_lone_surrogate_renders_on_every_worker_page(viewer, redis):
    wid = "host:1:x"
    redis.sadd(get_keys().workers(), wid)
    record = b'{"queue":"x","run_at":"2026-12-01T20:54:18Z","payload":' + SURROGATE + b"}"
    redis.set(get_keys().worker(wid), record)
    for url, params in [
        ("/admin/django_resque/overview/", {}),
        ("/admin/django_resque/worker/", {}),
        ("/admin/django_resque/worker/detail/", {"id": wid}),
    ]:
        response = viewer.get(url, params)
        assert response.status_code == 200, url
        assert "x\\ud800" in response.content.decode()
