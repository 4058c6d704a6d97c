"""Resque's job hooks and the Django signals, in the order Ruby runs them."""

from __future__ import annotations

from django_resque import signals
from django_resque.jobs.perform import perform
from django_resque.queues import lists as queues
from tests import jobs as test_jobs


def _names(ledger):
    return [row[0] for row in test_jobs.read_ledger(ledger)]


def test_hooks_run_in_resques_order_around_a_successful_job(ledger, work_here):
    handle = test_jobs.hooked.delay(ledger, False)
    assert _names(ledger) == ["before_enqueue", "after_enqueue"]
    work_here("default")
    assert handle.status == "succeeded"
    assert _names(ledger)[2:] == [
        "before_perform",
        "around:before",
        "perform",
        "around:after",
        "after_perform",
    ]


def test_a_failing_job_skips_after_perform_and_runs_on_failure_once(ledger, work_here):
    handle = test_jobs.hooked.delay(ledger, True)
    work_here("default")
    assert handle.status == "failed"
    assert _names(ledger)[2:] == ["before_perform", "around:before", "perform", "on_failure"]


def test_before_enqueue_returning_false_cancels_the_enqueue(ledger):
    handle = test_jobs.cancelled.delay(ledger)
    assert handle.enqueued is False and handle.status is None
    assert queues.size("default") == 0


def test_dont_perform_from_before_perform_skips_the_job_without_a_failure(redis, ledger):
    test_jobs.skipped.delay(ledger)
    raw = redis.lpop("resque:queue:default")
    outcome = perform(raw)
    assert outcome.ok and _names(ledger) == ["before_perform"]


def test_signals_are_sent_for_enqueue_start_finish_and_failure(ledger):
    seen: list[tuple[str, str]] = []

    def receiver(signal_name):
        def receive(sender, **kwargs):
            seen.append((signal_name, kwargs["job_name"]))

        return receive

    receivers = {name: receiver(name) for name in ("enqueued", "started", "finished", "failed")}
    for name, func in receivers.items():
        getattr(signals, f"job_{name}").connect(func)
    try:
        ok = test_jobs.add.delay(1, 2)
        bad = test_jobs.fail.delay("x")
        from django_resque.storage.connection import get_redis

        for _ in (ok, bad):
            perform(get_redis().lpop("resque:queue:default"))
    finally:
        for name, func in receivers.items():
            getattr(signals, f"job_{name}").disconnect(func)
    assert seen == [
        ("enqueued", "tests.jobs.add"),
        ("enqueued", "tests.jobs.fail"),
        ("started", "tests.jobs.add"),
        ("finished", "tests.jobs.add"),
        ("started", "tests.jobs.fail"),
        ("failed", "tests.jobs.fail"),
    ]


def test_signals_are_logged_under_django_resque(caplog, ledger):
    with caplog.at_level("DEBUG", logger="django_resque.signals"):
        handle = test_jobs.add.delay(1, 2)
    assert f"event=enqueued job=tests.jobs.add id={handle.id}" in caplog.text


def test_start_and_finish_are_logged_with_no_receiver_connected_and_a_failure_is_left_to_the_worker(
    caplog, redis, ledger
):
    assert not signals.job_started.receivers and not signals.job_failed.receivers
    test_jobs.add.delay(1, 2)
    test_jobs.fail.delay("x")
    with caplog.at_level("DEBUG", logger="django_resque.signals"):
        for _ in range(2):
            perform(redis.lpop("resque:queue:default"))
    assert "event=started job=tests.jobs.add" in caplog.text
    assert "event=finished job=tests.jobs.add" in caplog.text
    assert "event=started job=tests.jobs.fail" in caplog.text
    assert "event=failed" not in caplog.text  # the worker logs it once, as it records it
