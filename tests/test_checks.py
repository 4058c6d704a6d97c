import pytest
from django.conf import settings
from django.test import override_settings

from django_resque.checks import jobs as job_checks
from django_resque.checks import settings as checks
from django_resque.jobs import definition as jobs
from django_resque.jobs import registry


def ids(messages):
    return [m.id for m in messages]


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


def test_the_test_settings_pass_every_check():
    assert checks.check_settings() == []
    assert checks.check_job_names() == []


def test_resque_must_be_a_dict():
    with override_settings(RESQUE=["not", "a", "dict"]):
        assert ids(checks.check_settings()) == ["django_resque.E001"]


def test_unknown_keys_are_reported_with_the_known_ones_as_hint():
    with with_resque(REDIS_ULR="redis://x"):
        (message,) = checks.check_settings()
    assert message.id == "django_resque.E002" and "REDIS_URL" in message.hint


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"REDIS_URL": "http://localhost"}, "django_resque.E003"),
        ({"REDIS_URL": 1234}, "django_resque.E003"),
        ({"CONNECTION": "missing"}, "django_resque.E004"),
        ({"NAMESPACE": ""}, "django_resque.E005"),
        ({"NAMESPACE": "a:b"}, "django_resque.E005"),
        ({"QUEUES": []}, "django_resque.E006"),
        ({"QUEUES": ["ok", "not ok"]}, "django_resque.E006"),
        ({"DEFAULT_QUEUE": "*"}, "django_resque.E006"),
        ({"SOCKET_TIMEOUT": 0}, "django_resque.E007"),
        ({"POLL_INTERVAL": "1"}, "django_resque.E007"),
        ({"MAX_PAYLOAD_BYTES": True}, "django_resque.E007"),
        ({"POLL_INTERVAL": 10, "SOCKET_TIMEOUT": 5}, "django_resque.E008"),
        ({"FORK_PER_JOB": "yes"}, "django_resque.E009"),
        ({"FORK_AHEAD": 1}, "django_resque.E009"),
        ({"FORK_HUGE_PAGES": None}, "django_resque.E009"),
    ],
)
def test_bad_values_get_their_numbered_error(changes, expected):
    with with_resque(**changes):
        assert ids(checks.check_settings()) == [expected]


def test_a_connection_naming_a_defined_cache_passes():
    caches = {"jobs": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x"}}
    with with_resque(CONNECTION="jobs"), override_settings(CACHES=caches):
        assert checks.check_settings() == []


def test_two_functions_claiming_one_job_name_is_an_error():
    def first() -> None: ...

    def second() -> None: ...

    first.__qualname__ = "first"
    second.__qualname__ = "second"
    before = list(registry._collisions)
    try:
        jobs.job(name="Collide")(first)
        jobs.job(name="Collide")(second)
        (message,) = checks.check_job_names()
        assert message.id == "django_resque.E010" and "Collide" in message.msg
    finally:
        registry._registry.pop("Collide", None)
        registry._collisions[:] = before


def test_a_queue_list_given_as_a_string_is_told_to_be_a_list():
    with with_resque(QUEUES="default"):
        (message,) = checks.check_settings()
    assert message.id == "django_resque.E006"
    assert "must be a list of queue names, such as ['default']" in message.msg


@pytest.mark.parametrize(
    ("patterns", "unserved"),
    [
        (["default"], ["high", "low"]),
        (["default", "high", "low"], []),
        (["*"], []),
        (["*", "!low"], ["low"]),
        (["h*", "default"], ["low"]),
    ],
)
def test_a_job_queue_no_default_worker_listens_to_is_warned_about(patterns, unserved):
    with with_resque(QUEUES=patterns):
        messages = job_checks.check_job_queues()
    assert ids(messages) == ["django_resque.W011"] * len(unserved)
    assert [m.msg.split("'")[1] for m in messages] == unserved
    if unserved:
        assert "tests.jobs.record_low" in messages[-1].msg


def test_time_limits_without_fork_per_job_are_warned_about():
    assert job_checks.check_job_timeouts() == []
    with with_resque(FORK_PER_JOB=False):
        (message,) = job_checks.check_job_timeouts()
    assert message.id == "django_resque.W024" and "tests.jobs." in message.msg
    with with_resque(FORK_PER_JOB=False, JOB_TIMEOUT=30):
        (message,) = job_checks.check_job_timeouts()
    assert "every job (RESQUE['JOB_TIMEOUT'])" in message.msg


def _limited_job(name, func, **options):
    return jobs.job(name=name, **options)(func)


def _two_args(account_id, order_id):
    return account_id


def test_a_limit_key_function_that_cannot_take_the_jobs_arguments_is_an_error():
    from django_resque.checks import limits as limit_checks

    assert limit_checks.check_limit_keys() == []
    try:
        _limited_job("Keys::Wrong", _two_args, concurrency=1, concurrency_key=lambda a: a)
        right = lambda account_id, **kw: account_id  # noqa: E731
        _limited_job("Keys::Right", _two_args, concurrency=1, concurrency_key=right)
        _limited_job(
            "Keys::Spread",
            _two_args,
            unique="until_executed",
            unique_key=lambda **kw: kw["order_id"],
        )
        (message,) = limit_checks.check_limit_keys()
    finally:
        for name in ("Keys::Wrong", "Keys::Right", "Keys::Spread"):
            registry._registry.pop(name, None)
    assert message.id == "django_resque.E012"
    assert "concurrency_key" in message.msg and "Keys::Wrong" in message.msg
    assert "(account_id, order_id)" in message.msg


def test_a_unique_lock_shorter_than_the_jobs_time_limit_is_warned_about():
    from django_resque.checks import limits as limit_checks

    assert limit_checks.check_unique_lock_lifetimes() == []
    try:
        _limited_job("Locks::Short", _two_args, unique="until_executed", unique_for=60, timeout=600)
        _limited_job("Locks::Long", _two_args, unique="until_executed", unique_for=900, timeout=600)
        (message,) = limit_checks.check_unique_lock_lifetimes()
        assert message.id == "django_resque.W012" and "Locks::Short" in message.msg
        with with_resque(JOB_TIMEOUT=1000):
            assert len(limit_checks.check_unique_lock_lifetimes()) == 2
    finally:
        registry._registry.pop("Locks::Short", None)
        registry._registry.pop("Locks::Long", None)
