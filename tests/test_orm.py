"""Model instances as arguments, model methods as jobs, DB connections around jobs."""

import json

import pytest
from django.db import OperationalError, connection

from django_resque.exceptions import InvalidJob
from django_resque.jobs import perform
from tests import jobs
from tests.models import Comment


@pytest.fixture(autouse=True)
def send_at_once(settings):
    """These tests run inside pytest-django's transaction, which never commits."""
    settings.RESQUE = {**settings.RESQUE, "ENQUEUE_ON_COMMIT": False}


def queued(redis, queue="default"):
    return [json.loads(raw) for raw in redis.lrange(f"resque:queue:{queue}", 0, -1)]


def perform_next(redis, queue="default"):
    return perform.perform(redis.lpop(f"resque:queue:{queue}"))


@pytest.mark.django_db
def test_a_model_instance_travels_as_a_reference_to_its_row(redis):
    comment = Comment.objects.create(body="one two")
    jobs.describe.delay(comment, {"nested": [comment]})
    [payload] = queued(redis)
    ref = {"__django_model__": "tests.comment", "pk": comment.pk}
    assert payload["args"] == [ref, {"nested": [ref]}]


def test_payloads_without_models_are_unchanged_byte_for_byte(redis):
    jobs.add.delay(1, 2)
    raw = redis.lindex("resque:queue:default", 0).decode()
    assert raw.startswith('{"class":"tests.jobs.add","args":[1,2],"id":"')


def test_a_dict_argument_using_the_reserved_marker_key_is_refused(redis):
    with pytest.raises(TypeError, match="__django_model__"):
        jobs.describe.delay({"__django_model__": "auth.user", "pk": 1})
    assert redis.llen("resque:queue:default") == 0


@pytest.mark.django_db
def test_an_unsaved_instance_is_refused_at_enqueue():
    with pytest.raises(TypeError, match="save it"):
        jobs.describe.delay(Comment(body="x"))


@pytest.mark.django_db
def test_the_worker_fetches_the_row_afresh(redis):
    comment = Comment.objects.create(body="old text")
    jobs.describe.delay(comment)
    Comment.objects.filter(pk=comment.pk).update(body="new")
    outcome = perform_next(redis)
    assert outcome.ok, outcome
    assert outcome.result == f"Comment:{comment.pk}:new"


@pytest.mark.django_db
def test_a_deleted_row_fails_the_job_with_a_named_exception(redis):
    comment = Comment.objects.create(body="x")
    jobs.describe.delay(comment)
    comment.delete()
    outcome = perform_next(redis)
    assert not outcome.ok
    assert outcome.exception == "django_resque.exceptions.ModelInstanceMissing"
    assert "no longer exists" in outcome.error


@pytest.mark.django_db
def test_model_delay_runs_a_marked_method_on_a_fresh_instance(redis):
    comment = Comment.objects.create(body="a b c")
    handle = comment.delay("recalculate_word_count", scale=2)
    [payload] = queued(redis)
    assert payload["class"] == "django_resque.model_method"
    assert payload["args"] == ["tests.comment", comment.pk, "recalculate_word_count"]
    assert payload["id"] == handle.id
    assert perform_next(redis).result == 6
    comment.refresh_from_db()
    assert comment.word_count == 6


@pytest.mark.django_db
def test_a_bound_job_method_has_delay_and_still_runs_inline_when_called(redis):
    comment = Comment.objects.create(body="a b")
    assert comment.recalculate_word_count() == 2
    comment.recalculate_word_count.using(queue="high").delay()
    assert len(queued(redis, "high")) == 1


@pytest.mark.django_db
def test_a_class_level_job_method_runs_without_an_instance(redis):
    Comment.objects.create(body="a b")
    Comment.objects.create(body="c")
    Comment.recalculate_totals.delay()
    [payload] = queued(redis, "low")
    assert payload["args"] == ["tests.comment", None, "recalculate_totals"]
    assert perform_next(redis, "low").result == 3


@pytest.mark.django_db
def test_methods_without_the_marker_are_refused_at_enqueue_and_in_the_worker(redis):
    comment = Comment.objects.create(body="x")
    with pytest.raises(InvalidJob, match="not marked with @job_method"):
        comment.delay("not_a_job")
    forged = json.dumps(
        {"class": "django_resque.model_method", "args": ["tests.comment", comment.pk, "not_a_job"]}
    )
    outcome = perform.perform(forged.encode())
    assert outcome.exception == "django_resque.exceptions.InvalidJob"
    bad_model = '{"class":"django_resque.model_method","args":["os.path",1,"join"]}'
    assert perform.perform(bad_model.encode()).exception == "django_resque.exceptions.UnknownJob"


@pytest.mark.django_db
def test_a_missing_row_for_a_model_method_is_a_named_failure(redis):
    comment = Comment.objects.create(body="x")
    comment.delay("recalculate_word_count")
    comment.delete()
    assert perform_next(redis).exception == "django_resque.exceptions.ModelInstanceMissing"


@pytest.mark.django_db
def test_a_broken_connection_is_replaced_before_the_job_runs(redis, settings):
    Comment.objects.create(body="x")
    jobs.describe.delay(Comment.objects.get())
    # Outside a test transaction a worker's stale connection is dropped; here we check that
    # the test's own atomic connection is left alone and still works after the job.
    outcome = perform_next(redis)
    assert outcome.ok, outcome
    assert connection.in_atomic_block
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fork", [True, False])
def test_a_real_worker_runs_model_jobs_against_the_shared_database(redis, ledger, fork, work_here):
    comment = Comment.objects.create(body="one two three")
    comment.delay("recalculate_word_count")
    jobs.count_comments.delay(ledger)
    work_here("default", fork=fork)
    comment.refresh_from_db()
    assert comment.word_count == 3
    assert jobs.read_ledger(ledger) == [["comments", "1"]]
    assert redis.llen("resque:failed") == 0


@pytest.mark.django_db(transaction=True)
def test_a_no_fork_worker_closes_the_db_connection_after_each_job(redis, ledger, work_here):
    jobs.use_database.delay(ledger)
    jobs.use_database.delay(ledger)
    work_here("default", fork=False)
    assert jobs.read_ledger(ledger) == [["fresh"], ["fresh"]]


@pytest.fixture
def worker_owned_connections(monkeypatch):
    from django_resque.worker import db_connections as orm

    monkeypatch.setattr(orm, "_manage_connections", True)
    return orm


@pytest.mark.django_db(transaction=True)
def test_an_expired_connection_is_closed_before_a_job_that_follows_an_idle_spell(
    worker_owned_connections, monkeypatch
):
    orm = worker_owned_connections
    Comment.objects.count()  # opens the connection
    connection.close_at = 0.0  # CONN_MAX_AGE ran out long ago (connect() sets it afresh)
    monkeypatch.setattr(orm, "_checked_at", -60.0)  # the last job ended a minute ago
    with orm.database_connections():
        assert connection.connection is None  # dropped before the job could use it
        Comment.objects.count()
        assert connection.connection is not None


@pytest.mark.django_db(transaction=True)
def test_back_to_back_jobs_skip_the_check_the_last_job_just_made(worker_owned_connections):
    orm = worker_owned_connections
    Comment.objects.count()
    connection.close_at = None  # CONN_MAX_AGE = None: kept for good
    with orm.database_connections():
        pass  # a job; its check after it stamps the time
    connection.close_at = 0.0
    with orm.database_connections():
        assert connection.connection is not None  # checked a moment ago: not checked again
    assert connection.connection is None  # the check after the job closes it


@pytest.mark.django_db(transaction=True)
def test_a_connection_whose_close_fails_is_logged_and_the_worker_goes_on(
    worker_owned_connections, monkeypatch, caplog
):
    orm = worker_owned_connections
    Comment.objects.count()
    connection.close_at = 0.0  # expired: the check after the job closes it

    def close_fails():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "close", close_fails)  # a driver error, as on a lost server
    with orm.database_connections():
        pass  # the job
    assert "event=db-close-failed alias=default" in caplog.text
