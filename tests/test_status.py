"""Job status and results: transitions, TTL, store_result=False, and the polling view."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from django_resque.results import status
from tests import jobs as test_jobs
from tests.helpers import sampling


def test_status_goes_from_queued_to_running_to_succeeded_with_the_result(redis, ledger, work_here):
    handle = test_jobs.sleep_for.delay(ledger, 0.3)
    first = handle.info()
    assert first.status == "queued" and first.queue == "default" and first.enqueued_at
    key = f"resque:dj:job:{handle.id}"
    with sampling(lambda: (handle.info(), redis.ttl(key))) as seen:
        work_here("default")
    statuses = [info.status for info, _ in seen]
    order = ["queued", "running", "succeeded"]
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    running, ttl = next((info, ttl) for info, ttl in seen if info.status == "running")
    assert running.attempts == 1 and running.started_at and len(running.worker_ids) == 1
    assert f":{os.getpid()}:" in running.worker_ids[0]
    assert ttl == -1
    final = handle.wait(timeout=60)
    assert final.status == "succeeded" and final.finished_at and final.result is None
    assert 0 < redis.ttl(key) <= 24 * 3600


def test_a_result_is_stored_as_json_and_expires_after_result_ttl(settings, redis):
    from django_resque.jobs.perform import perform
    from django_resque.worker.finish import record

    settings.RESQUE = {**settings.RESQUE, "RESULT_TTL": 30}
    handle = test_jobs.add.delay(2, 3, scale=10)
    raw = redis.lpop("resque:queue:default")
    record(raw, perform(raw), queue="default", worker_id="h:1:default")
    assert handle.result == 50 and handle.wait(timeout=1).status == "succeeded"
    assert 0 < redis.ttl(f"resque:dj:job:{handle.id}") <= 30


def test_a_result_ttl_of_zero_keeps_nothing_after_the_job_finishes(settings, redis):
    from django_resque.jobs.perform import perform
    from django_resque.worker.finish import record

    settings.RESQUE = {**settings.RESQUE, "RESULT_TTL": 0}
    handle = test_jobs.add.delay(2, 3)
    raw = redis.lpop("resque:queue:default")
    record(raw, perform(raw), queue="default", worker_id="h:1:default")
    assert handle.info() is None


def test_store_result_false_keeps_no_status(redis, ledger, work_here):
    handle = test_jobs.no_result.delay(ledger)
    assert handle.status is None
    work_here("default")
    assert test_jobs.read_ledger(ledger)
    assert handle.info() is None and not redis.keys("resque:dj:job:*")


def test_a_failed_job_keeps_its_error_in_the_status():
    from django_resque.jobs.perform import perform
    from django_resque.storage.connection import get_redis
    from django_resque.worker.finish import record

    handle = test_jobs.fail.delay("nope")
    raw = get_redis().lpop("resque:queue:default")
    record(raw, perform(raw), queue="default", worker_id="h:1:default")
    final = status.get(handle.id)
    assert final.status == "failed" and final.errors[0]["error"] == "nope"
    assert final.errors[0]["backtrace"]


def test_wait_returns_the_last_status_seen_when_the_timeout_passes():
    handle = test_jobs.add.delay(1, 1)
    assert handle.wait(timeout=0.2).status == "queued"


@pytest.mark.django_db
class TestStatusView:
    """Anonymous users, staff without the permission, and staff with it."""

    @pytest.fixture(autouse=True)
    def _send_at_once(self, settings):
        # .delay() inside the test's never-committed transaction would wait for commit.
        settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}

    def _url(self, job_id):
        return f"/resque/jobs/{job_id}/status/"

    def _staff(self, *, perm=False, resque=True):
        user = User.objects.create_user("staff", password="pw", is_staff=True)
        if perm:
            user.user_permissions.add(Permission.objects.get(codename="view_user"))
        if resque:  # the admin's view permission on Resque, which the view requires by default
            user.user_permissions.add(Permission.objects.get(codename="view_overview"))
        client = Client()
        client.force_login(user)
        return client

    def test_anonymous_users_get_401(self):
        handle = test_jobs.add.delay(1, 1)
        assert Client().get(self._url(handle.id)).status_code == 401

    def test_a_non_staff_user_gets_403(self):
        user = User.objects.create_user("plain", password="pw")
        client = Client()
        client.force_login(user)
        assert client.get(self._url(test_jobs.add.delay(1, 1).id)).status_code == 403

    def test_staff_without_the_configured_permission_get_403(self, settings):
        settings.RESQUE = {**settings.RESQUE, "STATUS_VIEW_PERMISSION": "auth.view_user"}
        response = self._staff().get(self._url(test_jobs.add.delay(1, 1).id))
        assert response.status_code == 403

    def test_staff_with_the_permission_see_the_status_without_backtraces(self, settings):
        settings.RESQUE = {**settings.RESQUE, "STATUS_VIEW_PERMISSION": "auth.view_user"}
        handle = test_jobs.add.delay(1, 1)
        response = self._staff(perm=True).get(self._url(handle.id))
        assert response.status_code == 200
        assert response.json()["status"] == "queued" and response.json()["id"] == handle.id
        assert response["Cache-Control"].startswith("max-age=0")

    def test_staff_without_the_admins_resque_view_permission_get_403_by_default(self):
        response = self._staff(resque=False).get(self._url(test_jobs.add.delay(1, 1).id))
        assert response.status_code == 403

    def test_a_signed_token_opens_that_one_job_to_anyone_until_it_expires(self):
        handle, other = test_jobs.add.delay(1, 1), test_jobs.add.delay(2, 2)
        anonymous = Client()
        response = anonymous.get(handle.status_url())
        assert response.status_code == 200 and response.json()["id"] == handle.id
        token = handle.status_token()
        assert anonymous.get(self._url(other.id), {"token": token}).status_code == 403
        assert anonymous.get(self._url(handle.id), {"token": token[:-2]}).status_code == 403
        expired = handle.status_token(expires_in=timedelta(seconds=-1))
        response = anonymous.get(self._url(handle.id), {"token": expired})
        assert response.status_code == 403 and "expired" in response.json()["error"]

    def test_a_token_is_not_a_session_and_staff_with_a_bad_one_are_refused(self):
        handle = test_jobs.add.delay(1, 1)
        response = self._staff().get(self._url(handle.id), {"token": "forged"})
        assert response.status_code == 403

    def test_an_unknown_id_is_404_and_posts_are_refused(self):
        client = self._staff()
        assert client.get(self._url("nope")).status_code == 404
        assert client.post(self._url("nope")).status_code == 405
