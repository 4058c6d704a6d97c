"""System checks for the retry and result settings (E030-E033)."""

from __future__ import annotations

import pytest

from django_resque.checks.settings import check_results_and_failures


@pytest.mark.parametrize(
    ("override", "check_id"),
    [
        ({"RESULT_TTL": -1}, "django_resque.E030"),
        ({"RESULT_TTL": "1 day"}, "django_resque.E030"),
        ({"STATUS_VIEW_PERMISSION": "view_job"}, "django_resque.E031"),
        ({"FAILURE_BATCH_SIZE": 0}, "django_resque.E032"),
        ({"GROUP_TTL": 0}, "django_resque.E033"),
        ({"GROUP_TTL": "a week"}, "django_resque.E033"),
        ({"FAILURE_BATCH_SIZE": 1_000_000}, "django_resque.E032"),
    ],
)
def test_bad_result_and_failure_settings_are_reported(settings, override, check_id):
    settings.RESQUE = {**settings.RESQUE, **override}
    assert [m.id for m in check_results_and_failures()] == [check_id]


def test_the_defaults_pass(settings):
    assert check_results_and_failures() == []
