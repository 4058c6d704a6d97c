"""System checks for the worker settings (E020-E023, W020)."""

import pytest

from django_resque.checks.settings import check_settings


def ids(settings, **overrides):
    settings.RESQUE = {**settings.RESQUE, **overrides}
    return [m.id for m in check_settings()]


def test_the_default_worker_settings_pass(settings):
    assert ids(settings) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"HEARTBEAT_INTERVAL": 0}, "django_resque.E020"),
        ({"HEARTBEAT_TIMEOUT": "30"}, "django_resque.E020"),
        ({"HEARTBEAT_INTERVAL": 10, "HEARTBEAT_TIMEOUT": 15}, "django_resque.E021"),
        ({"MAX_RECOVERIES": -1}, "django_resque.E022"),
        ({"MAX_RECOVERIES": 1.5}, "django_resque.E022"),
        ({"JOB_TIMEOUT": 0}, "django_resque.E023"),
        ({"HEARTBEAT_INTERVAL": 120, "HEARTBEAT_TIMEOUT": 600}, "django_resque.W020"),
    ],
)
def test_bad_worker_settings_are_reported_with_their_id(settings, overrides, expected):
    assert ids(settings, **overrides) == [expected]


def test_a_job_timeout_must_be_a_positive_number_at_decoration():
    from django_resque import InvalidJob, job

    with pytest.raises(InvalidJob, match="positive number of seconds"):
        job(timeout=0)(len)
    with pytest.raises(InvalidJob, match="at_most_once"):
        job(at_most_once="yes")(len)  # type: ignore[arg-type]
