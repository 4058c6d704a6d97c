"""The metrics settings' system checks, E080-E089 and W080-W089."""

import pytest
from django.conf import settings
from django.test import override_settings

from django_resque.checks import metrics as checks


def ids(messages):
    return [m.id for m in messages]


def with_resque(**changes):
    return override_settings(RESQUE={**settings.RESQUE, **changes})


def test_the_defaults_pass():
    assert checks.check_metrics() == []


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_metrics_must_be_true_or_false(value):
    with with_resque(METRICS=value):
        assert ids(checks.check_metrics()) == ["django_resque.E080"]


@pytest.mark.parametrize("token", ["", " padded-token-of-some-length", "two words here ok", 12345])
def test_a_token_must_be_a_string_without_spaces(token):
    with with_resque(METRICS_TOKEN=token):
        (message,) = checks.check_metrics()
    assert message.id == "django_resque.E081" and "token_urlsafe" in message.hint


def test_a_short_token_is_a_warning_and_a_long_one_passes():
    with with_resque(METRICS_TOKEN="short"):
        assert ids(checks.check_metrics()) == ["django_resque.W082"]
    with with_resque(METRICS_TOKEN="x" * 32):
        assert checks.check_metrics() == []
